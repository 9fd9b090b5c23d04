"""The two role views from items and a date: the edge cases each metric must handle honestly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.model import Milestone, Person, WorkItem
from mappings.classify import Category
from mappings.config import parse_mapping
from mappings.report import delivery_lead_report, project_manager_report, report_data
from mappings.scope import Portfolio
from mappings.views import (
    AcrossDeliverables,
    Flag,
    Snapshot,
    delivery_lead_view,
    project_manager_view,
    snapshot_of,
)
from tests.items import github_item, jira_item

TODAY = date(2026, 11, 25)
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)

MAPPING = """
version: 1
timezone: UTC
people:
  - {name: Dana Lee, github: dana-lee, jira: dana.lee}
  - {name: Sam Park, github: sam-park}
roles: {delivery_lead: Dana Lee, project_manager: Sam Park}
sources:
  - {id: web, kind: github, repo: acme/web, points_label: '^sp:(\\d+)$'}
  - {id: plat, kind: jira, project: PLAT}
deliverables:
  - id: alpha
    name: Alpha
    include: [{source: web, milestone: v1}, {source: plat, fix_version: "1.0"}]
    report_to: [{source: web, issue: 1}]
  - id: beta
    name: Beta
    due: 2026-12-31
    budget_hours: 100
    include: [{source: web, label: beta}]
    report_to: [{source: web, issue: 2}]
"""


def gh(n: int, **kw) -> WorkItem:
    return github_item(n, now=NOON, **kw)


def jira(key: str, category: str = "new", **kw) -> WorkItem:
    return jira_item(key, category, now=NOON, **kw)


def run(items, milestones=None, deliverable="alpha", history=()):
    mapping = parse_mapping(MAPPING)
    by_source = {"web": {}, "plat": {}}
    for item in items:
        by_source[item.source][item.key] = item
    stones = milestones or {
        "web": {"v1": Milestone("web", "v1", date(2026, 12, 20))},
        "plat": {"1.0": Milestone("plat", "1.0", date(2026, 12, 20))},
    }
    d = next(x for x in mapping.deliverables if x.id == deliverable)
    portfolio = Portfolio(mapping, by_source, stones, {})
    scope = portfolio.scope(d)
    lead = delivery_lead_view(
        scope,
        mapping.rules,
        TODAY,
        history=history,
        delivery_lead=mapping.person(mapping.roles.delivery_lead),
        mirror=by_source,
    )
    pm = project_manager_view(
        scope,
        mapping.rules,
        TODAY,
        project_manager=mapping.person(mapping.roles.project_manager),
        across=AcrossDeliverables(wip_everywhere=portfolio.work_in_progress()),
    )
    return lead, pm


def test_empty_deliverable_is_at_risk_not_on_track():
    lead, pm = run([])
    assert (lead.done, lead.total, lead.health) == (0, 0, "At risk")
    assert lead.forecast is None and lead.burnup == ()
    assert pm.counts == {Category.TODO: 0, Category.IN_PROGRESS: 0, Category.DONE: 0}
    body = delivery_lead_report(lead)
    assert body.blocks  # renders without a forecast or chart


def test_all_done_is_done_whatever_the_date():
    lead, _ = run([gh(11, closed_days_ago=3), gh(12, closed_days_ago=50)])
    assert (lead.done, lead.total, lead.health, lead.forecast) == (2, 2, "Done", None)


def test_no_due_date_anywhere():
    lead, _ = run([gh(11), gh(12, closed_days_ago=2)], milestones={"web": {}, "plat": {}})
    assert lead.scope.due is None and lead.health == "No due date"
    assert lead.forecast is not None and lead.forecast.probability_by_due is None


def test_due_date_in_the_past_with_work_left_is_off_track():
    past = {"web": {"v1": Milestone("web", "v1", TODAY - timedelta(days=2))}, "plat": {}}
    lead, pm = run([gh(11), gh(12, closed_days_ago=1)], milestones=past)
    assert lead.health == "Off track"
    assert [t.item.key for t in pm.overdue] == ["acme/web#11"]
    assert pm.overdue[0].note == "2 days overdue"


def test_zero_throughput_says_not_enough_history():
    lead, _ = run([gh(11), gh(12), gh(3, closed_days_ago=40)])
    assert lead.health == "At risk"
    assert lead.forecast.p85 is None and "not enough history" in lead.forecast.note


def test_missing_estimates_show_no_points_line():
    lead, _ = run([gh(11), gh(12, closed_days_ago=1)])
    assert lead.points_total is None
    text = "".join(str(b) for b in delivery_lead_report(lead).blocks)
    assert "Points:" not in text


def test_points_count_only_estimated_items():
    lead, _ = run([gh(11, labels=("sp:3",)), gh(12, closed_days_ago=1, labels=("sp:5",)), gh(3)])
    assert (lead.points_done, lead.points_total) == (5, 8)


def test_dropped_items_are_not_counted_but_listed():
    items = [gh(11), gh(12, closed_days_ago=1), gh(3, closed_days_ago=1, reason="not_planned")]
    items.append(jira("PLAT-1", "done", resolution="Won't Do"))
    lead, pm = run(items)
    assert (lead.done, lead.total) == (1, 2)
    assert {i.key for i in lead.scope.dropped} == {"acme/web#3", "PLAT-1"}
    assert pm.dropped == 2


def test_an_item_in_two_deliverables_counts_in_both():
    both = gh(7, labels=("beta",))
    alpha, _ = run([both, gh(8)])
    beta, _ = run([both, gh(8)], deliverable="beta")
    assert "acme/web#7" in {i.key for i in alpha.scope.items}
    assert {i.key for i in beta.scope.items} == {"acme/web#7"}


def test_report_targets_are_not_counted():
    lead, _ = run([gh(1), gh(2), gh(5)])
    assert {i.key for i in lead.scope.items} == {"acme/web#5"}


def test_budget_from_time_tracking():
    items = [
        gh(11, labels=("beta",), milestones=(), spent_seconds=30 * 3600, closed_days_ago=1),
        gh(3, labels=("beta",), milestones=(), spent_seconds=40 * 3600),
    ]
    lead, _ = run(items, deliverable="beta")
    b = lead.budget
    assert (b.spent_hours, b.earned_hours) == (70, 50)
    assert b.cpi == pytest.approx(50 / 70) and b.projected_hours == pytest.approx(140)
    assert b.at_risk  # 140 h projected > 100 h × 1.1


def test_pm_sections():
    dana = Person("github", "dana-lee", "dana-lee")
    items = [
        gh(3, assignees=(dana,), labels=("in progress",), updated=NOON - timedelta(days=9)),
        gh(4, labels=("blocked",)),
        jira("PLAT-2", "indeterminate", assignees=(Person("jira", "dana.lee"),), due=TODAY),
        jira("PLAT-3", "new", blocked_by=("PLAT-9",), due=TODAY + timedelta(days=10)),
        jira("PLAT-9", "new", milestones=("2.0",), due=TODAY + timedelta(days=30)),
    ]
    _, pm = run(items)
    assert [t.item.key for t in pm.stale] == ["acme/web#3"]
    assert [t.note for t in pm.stale] == ["in progress, no update for 9 days"]
    assert {t.item.key: t.note for t in pm.blocked} == {
        "acme/web#4": "label blocked, blocked 1 day",
        "PLAT-3": "blocked by PLAT-9, blocked 1 day",
    }
    assert [(t.item.key, t.note) for t in pm.due_soon] == [("PLAT-2", "due today")]
    # Each task is listed once: the blocked ones carry their other flags on their line.
    assert pm.unassigned == () and pm.conflicts == ()
    assert {t.item.key: t.flags[1:] for t in pm.blocked} == {
        "acme/web#4": (Flag.UNASSIGNED,),
        "PLAT-3": (Flag.CONFLICT, Flag.UNASSIGNED),
    }
    # one person across both trackers, through `people`
    assert [(w.person, w.open, w.in_progress) for w in pm.workload] == [("Dana Lee", 2, 2)]
    assert [t.also for t in pm.blocked if t.item.key == "PLAT-3"] == [
        (f"PLAT-9 is due later ({TODAY + timedelta(days=30)})",)
    ]
    doc = project_manager_report(pm)
    assert doc.blocks[0].text == "Task status — Alpha"


def test_blocked_age_carries_over_from_the_last_snapshot():
    item = gh(4, labels=("blocked",), updated=NOON - timedelta(days=2))
    lead, _ = run([item])
    assert lead.blockers[0].since == TODAY - timedelta(days=2)
    touched = gh(4, labels=("blocked",), updated=NOON)
    later, _ = run([touched], history=(snapshot_of(lead),))
    assert later.blockers[0].since == TODAY - timedelta(days=2)


def test_items_are_named_in_the_stored_form_and_a_removed_one_by_its_key():
    week_ago = Snapshot(
        day=TODAY - timedelta(days=8),
        keys=frozenset({"web:acme/web#3", "web:acme/web#9"}),
        dropped=frozenset(),
        done=0,
        total=2,
        due=date(2026, 12, 20),
        status="On track",
    )
    items = [gh(3, labels=("blocked",)), gh(5), gh(4, closed_days_ago=1, reason="not_planned")]
    lead, pm = run(items, history=(week_ago,))
    data = report_data(lead, pm)["delivery_lead"]
    assert data["since_last_report"]["added"] == ["web:acme/web#5"]
    assert data["since_last_report"]["removed"] == ["web:acme/web#9"]
    assert data["since_last_report"]["dropped"] == data["dropped"] == ["web:acme/web#4"]
    assert [b["item"] for b in data["blockers"]] == ["web:acme/web#3"]
    assert [t["item"] for t in report_data(lead, pm)["project_manager"]["blocked"]] == [
        "web:acme/web#3"
    ]
    assert "Removed: acme/web#9" in [
        "".join(getattr(i, "text", "") for i in line)
        for block in delivery_lead_report(lead).blocks
        for line in getattr(block, "items", ())
    ]
    assert snapshot_of(lead).keys == {"web:acme/web#3", "web:acme/web#5"}
    assert snapshot_of(lead).blocked == {"web:acme/web#3": TODAY - timedelta(days=1)}
