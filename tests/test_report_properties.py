"""Whole comments, any titles and names: nothing untrusted acts, nothing visible is lost, no
invisible character gets through, bodies stay under the limits.

(Tracker labels never reach a comment: reasons name labels as the mapping file spells them.)
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from connectors.model import Milestone, Person, TrackerState, WorkItem
from mappings.config import parse_mapping
from mappings.report import delivery_lead_report, project_manager_report
from mappings.scope import Portfolio
from mappings.views import AcrossDeliverables, delivery_lead_view, project_manager_view
from rendering import html, markdown, wiki
from rendering.document import fit, utf16_units
from tests.test_render_untrusted import (
    BIDI,
    CONTROLS,
    FORMAT,
    JOINED,
    MACROS,
    TAGS,
    hidden_characters,
    html_shows,
    jira_shows,
    markdown_shows,
    visible,
)

TODAY = date(2026, 11, 25)
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)
MAPPING = parse_mapping(
    """
version: 1
people: [{name: Dana Lee, github: dana-lee, jira: "712020:dana"}]
roles: {delivery_lead: Dana Lee, project_manager: Dana Lee}
sources:
  - {id: web, kind: github, repo: acme/web}
  - {id: plat, kind: jira, project: PLAT}
deliverables:
  - id: d
    name: Deliverable
    include: [{source: web, milestone: v1}, {source: plat, fix_version: "1.0"}]
    report_to: [{source: web, issue: 1}]
"""
)
PARSER = MarkdownIt("commonmark").enable("table")
FRAGMENTS = [
    "@dana",
    "@org/team",
    "#12",
    "PLAT-1",
    "`",
    "```",
    "<b>",
    "</details>",
    "<!--",
    "[x](http://evil.example)",
    "![i](http://evil.example/a.png)",
    "{noformat}",
    "{color:red}",
    "[~admin]",
    "|",
    "*",
    "_",
    "\n",
    "h1. ",
    "bq. ",
    "http://evil.example",
    "www.evil.example",
    ":smile:",
    "$x$",
    "\\",
    " ",
    "-",
    "!",
    "[",
    "]",
]
# Markup of both dialects, Jira macros, invisible characters that reorder or hide text, and
# sequences whose joiners a reader does see.
PIECES = FRAGMENTS + MACROS + BIDI + FORMAT + TAGS + CONTROLS + JOINED
text = (
    st.lists(
        st.one_of(
            st.sampled_from(PIECES),
            st.text(max_size=6),
            st.characters(categories=["Cf", "Cc", "So", "Mn", "Lo"]),
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .filter(str.strip)
)


def item(n: int, title: str, name: str, label: str, tracker: str) -> WorkItem:
    # Every item lands in several PM sections: blocked, stale, overdue.
    if tracker == "github":
        key, url, state = (
            f"acme/web#{n + 10}",
            f"https://gh.example/acme/web/issues/{n + 10}",
            "open",
        )
        who = Person("github", f"user{n}", name)
        milestones = ("v1",)
    else:
        key, url, state = (
            f"PLAT-{n + 10}",
            f"https://jira.example/browse/PLAT-{n + 10}",
            "indeterminate",
        )
        who = Person("jira", f"acc{n}", name)
        milestones = ("1.0",)
    return WorkItem(
        source="web" if tracker == "github" else "plat",
        key=key,
        title=title,
        url=url,
        state=TrackerState(state),
        status="Blocked" if tracker == "jira" else "open",
        created=NOON - timedelta(days=30),
        updated=NOON - timedelta(days=20),
        assignees=(who,),
        labels=("blocked", "in progress", label),
        due=TODAY - timedelta(days=3),
        milestones=milestones,
    )


def documents(items: list[WorkItem]) -> list:
    by_source = {"web": {}, "plat": {}}
    for i in items:
        by_source[i.source][i.key] = i
    stones = {
        "web": {"v1": Milestone("web", "v1", TODAY + timedelta(days=9))},
        "plat": {"1.0": Milestone("plat", "1.0", TODAY + timedelta(days=9))},
    }
    portfolio = Portfolio(MAPPING, by_source, stones, {})
    scope = portfolio.scope(MAPPING.deliverables[0])
    lead = delivery_lead_view(
        scope,
        MAPPING.rules,
        TODAY,
        delivery_lead=MAPPING.person(MAPPING.roles.delivery_lead),
        mirror=by_source,
    )
    pm = project_manager_view(
        scope,
        MAPPING.rules,
        TODAY,
        project_manager=MAPPING.person(MAPPING.roles.project_manager),
        across=AcrossDeliverables(wip_everywhere=portfolio.work_in_progress()),
    )
    return [delivery_lead_report(lead), project_manager_report(pm)]


def bodies(items: list[WorkItem]) -> list[tuple[str, str, set[str]]]:
    # The links a comment may hold: the items', and the tracker searches the mapping file's
    # selectors give (built from the mapping, not from tracker text).
    urls = {i.url for i in items} | search_links(items)
    return [
        (
            fit(doc, markdown.render, markdown.MAX_BODY, markdown.measure),
            fit(doc, lambda d: wiki.render(d, True), wiki.MAX_BODY, wiki.measure),
            urls,
        )
        for doc in documents(items)
    ]


def search_links(items: list[WorkItem]) -> set[str]:
    by_source = {"web": {}, "plat": {}}
    for i in items:
        by_source[i.source][i.key] = i
    scope = Portfolio(MAPPING, by_source, {}, {}).scope(MAPPING.deliverables[0])
    return {url for _, url in scope.full_list} | {p.search for p in scope.parts if p.search}


def assert_markdown_inert(body: str, urls: set[str]) -> None:
    tokens = []
    for token in PARSER.parse(body):
        tokens.append(token)
        tokens.extend(token.children or ())
    ours = {"<details><summary>Burn-up as text</summary>\n", "</details>\n"}
    assert not [t for t in tokens if t.type in ("html_inline", "image")]
    assert {t.content for t in tokens if t.type == "html_block"} <= ours
    assert {t.attrs.get("href") for t in tokens if t.type == "link_open"} <= urls
    in_link = False
    for token in tokens:
        in_link = (in_link or token.type == "link_open") and token.type != "link_close"
        if token.type == "text" and not in_link:
            mentions = re.findall(r"@([\w-]+)", token.content)
            assert mentions in ([], ["dana-lee"]), token.content  # only our footer mention
            assert not re.search(r"#\d", token.content)


def assert_wiki_inert(body: str) -> None:
    assert re.findall(r"(?<!\\)\[~", body) == ["[~"]  # only our footer mention
    assert not re.search(r"(?<!\\)\{(noformat|code|html|color)", body)
    for line in body.splitlines():
        assert not re.match(r"(h\d|bq)\.", line) or line.startswith("h3. ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(text, text, text, st.sampled_from(["github", "jira"])), min_size=1, max_size=12
    )
)
def test_any_titles_and_names_stay_inert_in_both_dialects(rows):
    items = [item(n, *row) for n, row in enumerate(rows)]
    for md, jira_body, urls in bodies(items):
        assert_markdown_inert(md, urls)
        assert_wiki_inert(jira_body)
        assert len(md) <= markdown.MAX_BODY and utf16_units(jira_body) <= wiki.MAX_BODY


@settings(max_examples=5, deadline=None)
@given(st.text(min_size=200, max_size=400))
def test_thousands_of_long_items_stay_under_both_limits(title):
    items = [item(n, title, "Name", "label", "github" if n % 2 else "jira") for n in range(1500)]
    for md, jira_body, _ in bodies(items):
        assert len(md) <= markdown.MAX_BODY and utf16_units(jira_body) <= wiki.MAX_BODY
        assert "… and " in md and "… and " in jira_body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(text, text, text, st.sampled_from(["github", "jira"])), min_size=1, max_size=8
    )
)
def test_whole_comments_show_every_visible_character_and_no_invisible_one(rows):
    # At most 8 items: every section shows all of them, so each title and name must be there.
    items = [item(n, *row) for n, row in enumerate(rows)]
    lead, pm = documents(items)
    for document, names in ((lead, False), (pm, True)):
        shown = {
            "github": (markdown.render(document), markdown_shows),
            "jira": (wiki.render(document, True), jira_shows),
            "html": (html.render(document), html_shows),
        }
        for dialect, (body, reader) in shown.items():
            assert hidden_characters(body) == [], (dialect, body)
            seen = visible(reader(body))
            for title, name, _, _ in rows:
                assert visible(title) in seen, (dialect, title, body)  # blocked: both roles
                assert not names or visible(name) in seen, (dialect, name, body)
