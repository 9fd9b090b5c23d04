"""The portfolio page as a pure function of its model: untrusted text is shown inert and visible,
every status is a word and a shape, and the burn-up chart marks what it should."""

from __future__ import annotations

import re
from datetime import date

from rendering.document import Document, Link, Plain, Section, Title
from rendering.html import page_html
from rendering.page import BurnUp, Page, PageEntry
from tests.test_render_untrusted import hidden_characters, html_shows

HOSTILE = '<script>alert(1)</script> \u202eevil\u202c & "quoted" <img src=x onerror=alert(2)>'


def entry(name: str = "Checkout v2", title: str = "Fix it", **more) -> PageEntry:
    fields = dict(
        anchor="checkout-v2",
        name=name,
        status="At risk",
        reason="74 % chance of finishing by the due date",
        done=42,
        total=103,
        due=date(2027, 1, 2),
        due_note="in 38 days",
        p85="2027-01-06",
        chance="74 %",
        budget="193 h of 400 h · at risk",
        budget_at_risk=True,
        facts=("Progress: 42 of 103 items done",),
        burnup=BurnUp(
            days=(date(2026, 10, 18), date(2026, 11, 1), date(2026, 11, 25)),
            done=(0, 10, 42),
            scope=(2, 60, 103),
            today=date(2026, 11, 25),
            due=date(2027, 1, 2),
            p50=date(2026, 12, 29),
            p85=date(2027, 1, 6),
        ),
        blockers=Section(
            "Open blockers (1)",
            ((Link("web#45", "https://t.example/45"), Plain(" "), Title(title)),),
            empty="none",
        ),
        hot_spots=Document(()),
    )
    return PageEntry(**(fields | more))


def test_markup_and_invisible_characters_from_names_and_titles_are_inert():
    page = page_html(Page(date(2026, 11, 25), (entry(name=HOSTILE, title=HOSTILE),)))
    assert "<script>" not in page and "<img" not in page
    assert hidden_characters(page) == []
    shown = html_shows(page)
    assert shown.count("<script>alert(1)</script>") >= 3  # overview, heading, blocker title
    assert "evil" in shown


def test_each_status_is_a_word_with_its_own_shape_and_the_reason_beside_it():
    words = ["On track", "At risk", "Off track", "Done", "No due date"]
    page = page_html(
        Page(
            date(2026, 11, 25),
            tuple(entry(anchor=f"d{n}", status=word) for n, word in enumerate(words)),
        )
    )
    for word in words:
        kind = word.lower().replace(" ", "-")
        badge = f'<span class="badge {kind}"><span class="shape" aria-hidden="true"></span>{word}'
        assert page.count(badge) == 2  # the overview row and the section heading
    assert page.count("74 % chance of finishing by the due date") == 10


def test_the_chart_marks_due_date_forecast_range_and_both_lines_with_words():
    page = page_html(Page(date(2026, 11, 25), (entry(),)))
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert '<title id="d-checkout-v2-burnup-title">Burn-up of Checkout v2</title>' in svg
    assert "Due 2027-01-02" in svg and "85 %: 2027-01-06" in svg
    assert "Scope 103" in svg and "Done 42" in svg
    assert re.search(r'<polygon class="range" points="[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,', svg)
    assert "2026-10-18" in svg and "today 2026-11-25" in svg


def test_without_a_forecast_or_items_the_page_says_so_instead_of_drawing_nothing():
    quiet = entry(burnup=None, p85="no forecast", chance="—", total=0, done=0)
    page = page_html(Page(date(2026, 11, 25), (quiet,)))
    assert "<svg" not in page and "No items yet: nothing to chart." in page
    assert "no forecast" in page


def test_the_page_is_self_contained_with_a_dated_title_and_a_viewport():
    page = page_html(Page(date(2026, 11, 25), (entry(),)))
    assert not re.search(r"\bsrc=|<link\b|<script|@import|url\(", page)
    assert "<title>Delivery portfolio · 2026-11-25</title>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page
