"""The delivery lead's comment explains itself: why the status word is what it is, how far along
the deliverable is, what changed since the last report, which part is behind, and where the full
list is. Each rule from the items, history and a date, through the real view and document."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from connectors.model import Milestone, TrackerState, WorkItem
from mappings.config import load_mapping, parse_mapping
from mappings.forecast import Health
from mappings.json_report import json_report
from mappings.report import burnup_labels, delivery_lead_report, status_change_notice
from mappings.scope import Portfolio
from mappings.views import (
    DeliveryLeadView,
    Snapshot,
    delivery_lead_view,
    project_manager_view,
    snapshot_of,
)
from rendering import html, markdown, wiki
from sandbox.server import Sandbox
from tests.e2e import bot_comments, open_issues, run_cli, sandbox_settings
from tests.items import github_item
from worker.cli import example_path
from worker.cycle import Cycle, CycleOptions
from worker.runtime import Runtime
from worker.state import SQLiteState

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
TODAY = date(2026, 11, 25)
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)

MAPPING = """
version: 1
timezone: UTC
people: [{{name: Dana Lee, github: dana-lee}}]
roles: {{delivery_lead: Dana Lee, project_manager: Dana Lee}}
sources:
  - {{id: web, kind: github, repo: acme/web, points_label: '^sp:(\\d+)$'}}
  - {{id: plat, kind: jira, project: PLAT, deployment: cloud}}
deliverables:
  - id: alpha
    name: Alpha
    {due}
    {budget}
    include: {include}
    report_to: [{{source: web, issue: 9999}}]
rules: {{on_track_probability: {needed}}}
"""
ONE_MILESTONE = "[{source: web, milestone: v1}]"


def gh(n: int, **kw) -> WorkItem:
    return github_item(n, now=NOON, **kw)


def steady(done: int, open_: int, *, first: int = 1, **kw) -> list[WorkItem]:
    """`done` items closed one a day over the last `done` days, and `open_` open items."""
    closed = [gh(first + n, closed_days_ago=n + 1, **kw) for n in range(done)]
    return closed + [gh(first + done + n, **kw) for n in range(open_)]


def view(
    items: list[WorkItem],
    *,
    due: date | None = TODAY + timedelta(days=60),
    budget: float | None = None,
    include: str = ONE_MILESTONE,
    history: tuple[Snapshot, ...] = (),
    today: date = TODAY,
    needed: float = 0.85,
    milestone_due: date | None = None,
) -> DeliveryLeadView:
    mapping = parse_mapping(
        MAPPING.format(
            due=f"due: {due}" if due else "",
            budget=f"budget_hours: {budget}" if budget else "",
            include=include,
            needed=needed,
        )
    )
    by_source: dict[str, dict[str, WorkItem]] = {"web": {}, "plat": {}}
    for item in items:
        by_source[item.source][item.key] = item
    stones = {
        "web": {"v1": Milestone("web", "v1", milestone_due), "v2": Milestone("web", "v2", None)},
        "plat": {"1.0": Milestone("plat", "1.0", None)},
    }
    portfolio = Portfolio(mapping, by_source, stones, {})
    scope = portfolio.scope(mapping.deliverables[0])
    return delivery_lead_view(
        scope,
        mapping.rules,
        today,
        history=history,
        delivery_lead=mapping.person("Dana Lee"),
        mirror=by_source,
    )


def lines(lead: DeliveryLeadView) -> list[str]:
    return markdown.render(delivery_lead_report(lead)).splitlines()


def line_after(lead: DeliveryLeadView, prefix: str) -> str:
    return next(line for line in lines(lead) if line.startswith(prefix))


# ---- the status word and its reason -------------------------------------------------------


def test_on_track_names_the_chance_against_the_threshold_and_the_85_date():
    lead = view(steady(20, 5))
    assert lead.health is Health.ON_TRACK
    assert lead.reason.startswith(f"100 % chance of finishing by {TODAY + timedelta(days=60)} ")
    assert "(85 % needed); the 85 % date is " in lead.reason
    assert lead.reason.endswith(" days early")
    # Right under the Status line, which keeps its contract wording.
    text = lines(lead)
    assert text[text.index("Status: On track") + 1] == f"Why: {lead.reason}"


def test_at_risk_names_the_shortfall_and_how_late_the_85_date_is():
    lead = view(steady(20, 21), due=TODAY + timedelta(days=21))
    assert lead.health is Health.AT_RISK
    chance = lead.forecast.probability_by_due
    assert 0.5 <= chance < 0.85
    p85 = lead.forecast.p85
    late = (p85 - (TODAY + timedelta(days=21))).days
    assert lead.reason == (
        f"{int(chance * 100)} % chance of finishing by {TODAY + timedelta(days=21)}, "
        f"below the 85 % needed; the 85 % date is {p85}, {late} days late"
    )


def test_off_track_names_the_chance_below_half():
    lead = view(steady(20, 60), due=TODAY + timedelta(days=20))
    assert lead.health is Health.OFF_TRACK
    assert ", below 50 %; the 85 % date is " in lead.reason
    assert lead.reason.endswith(" days late")


def test_off_track_once_the_due_date_passed_with_work_left():
    lead = view(steady(20, 3), due=TODAY - timedelta(days=2))
    assert lead.health is Health.OFF_TRACK
    assert (
        lead.reason
        == f"the due date {TODAY - timedelta(days=2)} passed 2 days ago with 3 of 23 items open"
    )


def test_done_says_every_item_is_done():
    lead = view(steady(4, 0))
    assert lead.health is Health.DONE
    assert lead.reason == "all 4 items done"


def test_no_due_date_says_where_a_date_could_come_from():
    lead = view(steady(4, 2), due=None)
    assert lead.health is Health.NO_DUE_DATE
    assert lead.reason == (
        "neither the deliverable nor its milestones, fix versions or epics have a due date"
    )


def test_no_closings_in_the_window_is_at_risk_for_want_of_evidence():
    old = [gh(1, closed_days_ago=40), gh(2)]
    lead = view(old)
    assert lead.health is Health.AT_RISK
    assert lead.reason == (
        f"no items closed in the last 21 days, so nothing shows it can finish by "
        f"{TODAY + timedelta(days=60)}"
    )


def test_an_empty_deliverable_says_nothing_is_scoped():
    lead = view([])
    assert lead.health is Health.AT_RISK
    assert lead.reason.startswith("no items match the selectors yet")


def test_thin_evidence_is_named_in_the_reason():
    lead = view(
        [gh(1, closed_days_ago=2), gh(2, closed_days_ago=3), gh(3)], due=TODAY + timedelta(days=300)
    )
    assert lead.health is Health.ON_TRACK
    assert lead.reason.endswith("; thin evidence: only 2 items closed in the last 21 days")


def test_a_threshold_with_a_decimal_shows_the_chance_with_one():
    lead = view(steady(20, 21), due=TODAY + timedelta(days=21), needed=0.875)
    assert "below the 87.5 % needed" in lead.reason
    shown = lead.reason.split(" %", 1)[0]
    assert "." in shown and float(shown) <= lead.forecast.probability_by_due * 100


def spent(items: list[WorkItem], hours: float) -> list[WorkItem]:
    """The same items with `hours` logged in total, on the first one."""
    return [replace(items[0], spent_seconds=int(hours * 3600)), *items[1:]]


def test_a_budget_at_risk_lowers_on_track_to_at_risk_and_says_so():
    # 20 of 25 done (80 %) earns 80 h of a 100 h budget; 120 h spent → projected 150 h, 1.50×.
    lead = view(spent(steady(20, 5), 120), budget=100)
    assert lead.budget.at_risk
    assert lead.health is Health.AT_RISK
    assert lead.reason == (
        f"on time (100 % chance of finishing by {TODAY + timedelta(days=60)}), "
        "but the budget is at risk: projected at 1.50× (above 1.10×)"
    )
    assert snapshot_of(lead).status == "At risk"


def test_a_budget_within_its_ratio_leaves_on_track_alone():
    lead = view(spent(steady(20, 5), 85), budget=100)  # projected 106 h: 1.06×
    assert not lead.budget.at_risk
    assert lead.health is Health.ON_TRACK


def test_a_budget_never_makes_a_deliverable_off_track_nor_touches_done_or_no_due_date():
    off = view(spent(steady(20, 60), 400), budget=100, due=TODAY + timedelta(days=20))
    assert off.budget.at_risk and off.health is Health.OFF_TRACK
    assert "budget" not in off.reason
    done = view(spent(steady(4, 0), 400), budget=100)
    assert done.budget.at_risk and done.health is Health.DONE
    undated = view(spent(steady(4, 2), 400), budget=100, due=None)
    assert undated.budget.at_risk and undated.health is Health.NO_DUE_DATE


def test_at_risk_by_time_with_a_budget_at_risk_names_both():
    lead = view(spent(steady(20, 21), 400), budget=100, due=TODAY + timedelta(days=21))
    assert lead.health is Health.AT_RISK
    assert lead.reason.endswith("; the budget is at risk too: projected at 8.20× (above 1.10×)")


def test_hours_spent_with_nothing_done_put_the_budget_at_risk_in_the_reason():
    items = [gh(1), gh(2)]
    lead = view(spent(items, 120), budget=100)
    assert lead.health is Health.AT_RISK  # no closings: no evidence either way
    assert lead.reason.endswith(
        "; the budget is at risk too: 1.20× spent with nothing done yet (above 1.10×)"
    )


def test_the_status_change_notice_and_the_json_report_carry_the_reason():
    lead = view(spent(steady(20, 5), 120), budget=100)
    notice = markdown.render(status_change_notice(lead, "On track")).splitlines()
    assert notice[0] == "**Delivery status changed: On track → At risk**"
    assert notice[1] == f"Why: {lead.reason}"
    mapping = parse_mapping(MAPPING.format(due="", budget="", include=ONE_MILESTONE, needed=0.85))
    pm = project_manager_view(lead.scope, mapping.rules, TODAY)
    data = json_report([(lead, pm)], TODAY, NOON)
    assert data["deliverables"][0]["reason"] == lead.reason
    assert data["deliverables"][0]["status"] == "At risk"


# ---- how far along ------------------------------------------------------------------------


def test_percent_complete_by_items_and_points_rounds_down():
    items = [
        gh(1, closed_days_ago=1, labels=("sp:3",)),
        gh(2, closed_days_ago=2, labels=("sp:5",)),
        gh(3, labels=("sp:8",)),
        *[gh(n) for n in range(4, 7)],
    ]
    lead = view(items)
    text = lines(lead)
    progress = text.index("Progress: 2 of 6 items done")  # the contract line, unchanged
    assert text[progress + 1] == "Complete: 33 % of items, 50 % of points"
    assert (
        text[progress + 2] == "Points: 8 of 16 done; 3 of 6 items have no estimate and count as 0"
    )
    assert lead.unestimated == 3


def test_ninety_nine_point_nine_percent_does_not_read_100():
    lead = view(steady(999, 1))
    assert line_after(lead, "Complete: ") == "Complete: 99 % of items"


def test_without_any_estimate_there_is_no_points_line_and_no_unestimated_count():
    lead = view(steady(2, 2))
    assert lead.unestimated == 0
    assert not any(line.startswith("Points:") for line in lines(lead))
    assert line_after(lead, "Complete: ") == "Complete: 50 % of items"


def test_every_item_estimated_says_nothing_about_estimates():
    lead = view(steady(1, 1, labels=("sp:2",)))
    assert line_after(lead, "Points: ") == "Points: 2 of 4 done"


# ---- since the last report ----------------------------------------------------------------


def report_of(lead: DeliveryLeadView, day: date) -> Snapshot:
    """What the state store keeps of a report made on `day`."""
    return replace(snapshot_of(lead), day=day)


def since_lines(lead: DeliveryLeadView) -> list[str]:
    """The "Since the last report" block, without blank lines."""
    text = lines(lead)
    start = next(n for n, line in enumerate(text) if line.startswith(("**Since", "Since")))
    block = []
    for line in text[start:]:
        if line.startswith(("```", "Dropped in total", "As of")):
            break
        block += [line] if line else []
    return block


def test_the_first_report_says_once_that_there_is_nothing_to_compare_with():
    lead = view(steady(5, 5))
    assert lead.since_last_report is None
    text = lines(lead)
    assert text.count("Since the last report: first report, nothing to compare with yet") == 1
    # A second run on the same day compares with the same (absent) earlier report.
    again = view(steady(5, 5), history=(report_of(lead, TODAY),))
    assert again.since_last_report is None


def test_two_cycles_list_done_added_removed_blockers_due_move_and_the_chance():
    yesterday = TODAY - timedelta(days=1)
    before = [
        *steady(5, 0),
        gh(6),
        gh(7),
        gh(8, labels=("blocked",)),
        gh(9),
    ]
    first = view(before, today=yesterday, milestone_due=TODAY + timedelta(days=30), due=None)
    now = [
        *steady(5, 0),
        gh(6, closed_days_ago=0.5),  # done since
        gh(7, labels=("blocked",)),  # blocker opened
        gh(8),  # blocker cleared
        gh(10, title="New work"),  # added; #9 left the milestone
        gh(9, milestones=()),
    ]
    lead = view(
        now,
        history=(report_of(first, yesterday),),
        milestone_due=TODAY + timedelta(days=40),
        due=None,
    )
    change = lead.since_last_report
    assert change.since == yesterday and change.recorded
    assert [i.key for i in change.done] == ["acme/web#6"]
    assert [i.key for i in change.added] == ["acme/web#10"]
    assert [str(ref) for ref, _ in change.removed] == ["web:acme/web#9"]
    assert change.due_moved == (TODAY + timedelta(days=30), TODAY + timedelta(days=40))
    assert [b.item.key for b in change.blockers_opened] == ["acme/web#7"]
    assert [str(ref) for ref, _ in change.blockers_cleared] == ["web:acme/web#8"]
    assert change.chance == (first.forecast.probability_by_due, lead.forecast.probability_by_due)

    said = since_lines(lead)
    assert said[0] == f"**Since the last report ({yesterday})**"
    assert said[1] == "- 1 done · 1 added · 1 removed · 1 blocker opened, 1 cleared"
    assert said[2].startswith("- Chance of finishing by the due date: ") and " → " in said[2]
    assert (
        said[3] == f"- Due date moved: {TODAY + timedelta(days=30)} → {TODAY + timedelta(days=40)}"
    )
    assert said[4].startswith("- Blocker opened: [web\\#7]")
    assert said[5].startswith("- Added: [web\\#10]")
    assert said[6].startswith("- Removed: [web\\#9]")
    assert said[7].startswith("- Blocker cleared: [web\\#8]")
    assert said[8].startswith("- Done: [web\\#6]")


def test_a_report_without_news_says_nothing_changed():
    yesterday = TODAY - timedelta(days=1)
    first = view(steady(5, 5), due=None, today=yesterday)
    lead = view(steady(5, 5), due=None, history=(report_of(first, yesterday),))
    assert lead.since_last_report.empty
    assert f"**Since the last report ({yesterday}):** nothing changed" in lines(lead)


def test_it_compares_with_the_last_report_before_today_not_with_todays_runs():
    two_days_ago = TODAY - timedelta(days=2)
    first = view(steady(5, 5), today=two_days_ago)
    earlier_today = view([*steady(5, 4), gh(99)])
    lead = view(
        [*steady(5, 4), gh(99)],
        history=(report_of(first, two_days_ago), report_of(earlier_today, TODAY)),
    )
    assert lead.since_last_report.since == two_days_ago
    assert [i.key for i in lead.since_last_report.added] == ["acme/web#99"]


def test_a_version_stored_before_done_items_were_kept_says_so_instead_of_guessing():
    old = Snapshot(
        day=TODAY - timedelta(days=3),
        keys=frozenset(f"web:acme/web#{n}" for n in range(1, 11)),
        dropped=frozenset(),
        done=3,
        total=10,
        due=TODAY + timedelta(days=60),
        status="On track",
    )
    lead = view(steady(5, 5), history=(old,))
    change = lead.since_last_report
    assert not change.recorded and change.done == () and change.chance[0] is None
    said = since_lines(lead)
    assert said[1] == (
        "- items done 3 → 5 (which ones the last report did not record) · 0 added · 0 removed"
        " · 0 blockers opened, 0 cleared"
    )
    assert said[2].endswith(" (the last report did not record it)")
    data = json_report(
        [
            (
                lead,
                project_manager_view(
                    lead.scope,
                    parse_mapping(
                        MAPPING.format(due="", budget="", include=ONE_MILESTONE, needed=0.85)
                    ).rules,
                    TODAY,
                ),
            )
        ],
        TODAY,
        NOON,
    )["deliverables"][0]["delivery_lead"]["since_last_report"]
    assert data["recorded"] is False and data["done"] is None
    assert data["done_count"] == {"before": 3, "now": 5}
    assert data["chance"]["before"] is None


def test_a_reopened_item_is_named():
    yesterday = TODAY - timedelta(days=1)
    first = view(steady(5, 5), today=yesterday)
    reopened = [gh(1), *steady(4, 5, first=2)]
    lead = view(reopened, history=(report_of(first, yesterday),))
    assert [i.key for i in lead.since_last_report.reopened] == ["acme/web#1"]
    assert any(line.startswith("- Reopened: [web\\#1]") for line in since_lines(lead))


@pytest.mark.e2e
def test_two_real_cycles_on_the_sandbox_report_what_changed_between_them(sandbox, state):
    # The sandbox's clock is the real one, so the second cycle fetches the changes; `--as-of`
    # makes the two reports a day apart.
    day_one = sandbox.anchor.date()
    first = run_cli(["run", "--once", "--as-of", day_one.isoformat()], sandbox, state)
    assert first.code == 0, first.err
    assert "Since the last report: first report, nothing to compare with yet" in lead_body(sandbox)

    closed, blocked = open_issues(sandbox, "acme/web", "v2.1")[:2]
    sandbox.github.update_issue("acme/web", closed["number"], state="closed")
    sandbox.github.update_issue("acme/web", blocked["number"], labels=["blocked"])
    added = sandbox.github.add_issue("acme/web", "Offline sign-up", milestone="v2.1")
    day_two = (day_one + timedelta(days=1)).isoformat()
    second = run_cli(["run", "--once", "--as-of", day_two], sandbox, state)
    assert second.code == 0, second.err

    body = lead_body(sandbox)
    assert f"**Since the last report ({day_one})**" in body
    assert "- 1 done · 1 added · 0 removed · 1 blocker opened, 0 cleared" in body
    assert re.search(r"^- Chance of finishing by the due date: \d+ % → \d+ %$", body, re.M)
    assert f"- Done: [web\\#{closed['number']}]({closed['html_url']})" in body
    assert f"- Added: [web\\#{added['number']}]({added['html_url']})" in body
    assert f"- Blocker opened: [web\\#{blocked['number']}]({blocked['html_url']})" in body
    assert "first report" not in body


def lead_body(sb: Sandbox) -> str:
    [lead] = [
        c for c in bot_comments(sb, "acme/web", 2) if c["body"].startswith("### Delivery status")
    ]
    return lead["body"]


# ---- which part is behind, and where the full list is -------------------------------------

PARTS = (
    "[{source: web, milestone: v1}, {source: web, label: ux}, "
    '{source: plat, fix_version: "1.0"}, {source: plat, epic: PLAT-100}]'
)


def pl(key: str, done: bool = False, **kw) -> WorkItem:
    fields = dict(
        source="plat",
        key=key,
        title=key,
        url=f"https://acme.atlassian.net/browse/{key}",
        state=TrackerState("done") if done else TrackerState.NEW,
        status="Done" if done else "To Do",
        created=NOON - timedelta(days=30),
        updated=NOON - timedelta(days=1),
        closed=NOON - timedelta(days=2) if done else None,
        milestones=("1.0",),
    )
    fields.update(kw)
    return WorkItem(**fields)


def mixed() -> list[WorkItem]:
    return [
        gh(2, closed_days_ago=1),
        gh(3),
        gh(4, closed_days_ago=2, labels=("ux",)),  # in the milestone and the label
        gh(5, labels=("ux",), milestones=()),
        pl("PLAT-1", done=True),
        pl("PLAT-2", milestones=(), parent="PLAT-100"),
    ]


def test_a_deliverable_of_several_selectors_shows_done_of_total_per_part():
    lead = view(mixed(), include=PARTS)
    assert [(p.label, p.done, p.total) for p in lead.parts] == [
        ("web milestone v1", 2, 3),
        ("web label ux", 1, 2),
        ("plat fix version 1.0", 1, 1),
        ("plat epic PLAT-100", 0, 1),
    ]
    text = lines(lead)
    start = text.index("**Progress by part (an item in several parts counts in each)**")
    assert text[start + 2].startswith("- [web milestone v1](https://github.example/acme/web/")
    assert text[start + 2].endswith("): 2 of 3 done (66 %)")
    assert text[start + 5].endswith("): 0 of 1 done (0 %)")


def test_a_single_selector_has_no_breakdown_its_figures_are_the_deliverables():
    lead = view(steady(2, 2))
    assert lead.parts == ()
    assert not any(line.startswith("**Progress by part") for line in lines(lead))


def test_without_overlap_the_parts_add_up_and_say_nothing_about_it():
    lead = view(
        [gh(2), gh(3, milestones=("v2",))],
        include="[{source: web, milestone: v1}, {source: web, milestone: v2}]",
    )
    assert "**Progress by part**" in lines(lead)


def test_the_full_list_links_one_search_per_repository_and_per_jira_site():
    lead = view(mixed(), include=PARTS)
    github = (
        "https://github.example/acme/web/issues?q="
        "is:issue+%28milestone:%22v1%22+OR+label:%22ux%22%29"
    )
    jql = 'project = PLAT AND ((fixVersion = "1.0") OR (parent = PLAT-100))'
    jira = "https://acme.atlassian.net/issues/?jql=" + quote(jql, safe="")
    assert lead.scope.full_list == (("acme/web", github), ("PLAT", jira))
    assert f"Full list: [acme/web]({github}) · [PLAT]({jira})" in lines(lead)
    # Each part links to its own search.
    assert [p.search for p in lead.parts][:2] == [
        "https://github.example/acme/web/issues?q=is:issue+milestone:%22v1%22",
        "https://github.example/acme/web/issues?q=is:issue+label:%22ux%22",
    ]


def test_a_search_github_would_refuse_is_left_out():
    long_title = "v" * 250
    lead = view(
        [gh(2, milestones=(long_title,)), gh(3, labels=("ux",))],
        include=f"[{{source: web, milestone: {long_title}}}, {{source: web, label: ux}}]",
    )
    assert lead.scope.full_list == ()  # over GitHub's 256 characters
    assert [p.search is None for p in lead.parts] == [True, False]
    assert not any(line.startswith("Full list:") for line in lines(lead))
    labels = ", ".join(f"{{source: web, label: l{n}}}" for n in range(7))
    many = view([gh(2, labels=("l0",))], include=f"[{labels}]")
    assert many.scope.full_list == ()  # six ORs: GitHub takes at most five operators


def test_a_jira_search_longer_than_a_url_may_be_is_left_out():
    clause = " OR ".join(f'summary ~ "word{n}"' for n in range(120))
    lead = view([pl("PLAT-1")], include=f"[{{source: plat, jql: '{clause}'}}]")
    assert lead.scope.full_list == ()
    assert lead.scope.parts[0].search is None


def test_a_value_the_query_cannot_quote_gives_no_link():
    lead = view([gh(2, labels=('say "hi"',))], include="[{source: web, label: 'say \"hi\"'}]")
    assert lead.scope.full_list == ()


def test_an_epic_is_searched_as_the_sites_deployment_lists_its_children():
    on_server = parse_mapping(
        MAPPING.format(due="", budget="", include=PARTS, needed=0.85).replace(
            "deployment: cloud", "deployment: server"
        )
    )
    auto = parse_mapping(
        MAPPING.format(due="", budget="", include=PARTS, needed=0.85).replace(
            ", deployment: cloud", ""
        )
    )
    items = {
        "web": {},
        "plat": {
            i.key: replace(i, url=i.url.replace("acme.atlassian.net", "jira.acme.example"))
            for i in mixed()
            if i.source == "plat"
        },
    }

    def jira_link(mapping, cloud=None):
        scope = Portfolio(mapping, items, {}, {}, cloud=cloud).scope(mapping.deliverables[0])
        return dict(scope.full_list).get("PLAT")

    assert quote('"Epic Link" = PLAT-100', safe="") in jira_link(on_server)
    assert jira_link(auto) is None  # Data Center or Cloud? Nothing tells: no link
    assert quote("parent = PLAT-100", safe="") in jira_link(auto, cloud={"plat": True})


def test_the_json_report_carries_parts_links_percent_and_unestimated():
    lead = view(mixed(), include=PARTS)
    mapping = parse_mapping(MAPPING.format(due="", budget="", include=PARTS, needed=0.85))
    pm = project_manager_view(lead.scope, mapping.rules, TODAY)
    data = json_report([(lead, pm)], TODAY, NOON)["deliverables"][0]["delivery_lead"]
    assert data["parts"][0] == {
        "label": "web milestone v1",
        "done": 2,
        "total": 3,
        "search": "https://github.example/acme/web/issues?q=is:issue+milestone:%22v1%22",
    }
    assert [link["label"] for link in data["full_list"]] == ["acme/web", "PLAT"]


# ---- the burn-up across New Year ----------------------------------------------------------


def test_burnup_labels_carry_the_year_only_where_the_range_crosses_one():
    assert burnup_labels((date(2026, 10, 18), date(2026, 11, 25))) == ("10-18", "11-25")
    days = (date(2026, 12, 14), date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11))
    assert burnup_labels(days) == ("2026-12-14", "12-28", "2027-01-04", "2027-01-11")


def test_a_burnup_across_new_year_says_the_year_in_every_dialect():
    new_year = date(2027, 1, 10)
    items = [
        replace(gh(n, closed_days_ago=n), created=NOON - timedelta(days=20)) for n in range(2, 6)
    ]
    moved = [
        replace(
            i,
            created=i.created + timedelta(days=46),
            updated=i.updated + timedelta(days=46),
            closed=i.closed + timedelta(days=46),
        )
        for i in items
    ]
    lead = view(moved, today=new_year, due=new_year + timedelta(days=30))
    labels = burnup_labels(tuple(day for day, _, _ in lead.burnup))
    assert labels[0].startswith("2026-") and labels[-1] == "2027-01-10"
    assert any(label.startswith("2027-01-0") for label in labels[1:-1])
    document = delivery_lead_report(lead)
    md = markdown.render(document)
    assert f'x-axis ["{labels[0]}", ' in md  # the Mermaid chart
    assert f"|  | {labels[0]} | " in md  # its text table
    assert f"({labels[0]} → 2027-01-10)" in wiki.render(document, True)
    assert f"<th>{labels[0]}</th>" in html.render(document)


def test_without_an_85_date_the_reason_says_the_simulations_do_not_finish():
    # One item closed in 21 days, 300 open: most runs never finish within the horizon.
    lead = view([gh(2, closed_days_ago=3), *[gh(n) for n in range(3, 303)]])
    assert lead.health is Health.OFF_TRACK
    assert lead.forecast.p85 is None
    assert "; no 85 % date: fewer than 85 % of the simulations finish within 730 days" in (
        lead.reason
    )


@pytest.mark.e2e
def test_the_readmes_since_the_last_report_example_is_what_the_demo_says_a_day_later(tmp_path):
    anchor = datetime(2026, 11, 25, 11, tzinfo=UTC)  # noon in Berlin, as the goldens
    clock = [anchor]
    mapping = load_mapping(example_path("demo.yaml"))
    state = SQLiteState(tmp_path / "state.db")
    with Sandbox(seed="demo", now=anchor, clock=lambda: clock[0]) as sb:

        def cycle() -> Cycle:
            runtime = Runtime(clock=lambda: clock[0], sleep=lambda seconds: None)
            options = CycleOptions(as_of=clock[0])
            return Cycle.build(mapping, sandbox_settings(sb), state, options, runtime)

        assert cycle().run().exit_code == 0
        clock[0] = anchor + timedelta(days=1)
        first, second, third = open_issues(sb, "acme/web", "v2.0")[:3]
        sb.github.update_issue("acme/web", first["number"], state="closed")
        sb.github.update_issue("acme/web", second["number"], state="closed")
        sb.github.update_issue("acme/web", third["number"], labels=["blocked"])
        sb.github.add_issue("acme/web", "Apple Pay on the order page", milestone="v2.0")
        [report] = [
            r for r in cycle().compute(clock[0]).reports if r.deliverable_id == "checkout-v2"
        ]
        body = markdown.render(report.documents[0][1]).replace(sb.url, "https://sandbox.example")
    said = "\n".join(
        line.removeprefix("  ")
        for line in README.split("**Since the last report (2026-11-25)**", 1)[1]
        .split("```", 1)[0]
        .splitlines()
    )
    assert f"**Since the last report (2026-11-25)**{said}" in body
