"""One classification pass: each item read once in its own source's settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from connectors.model import ItemRef, Milestone, Person, TrackerState, WorkItem
from mappings.classify import Category, Classifier
from mappings.config import parse_mapping
from mappings.scope import Portfolio

NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)
MAPPING = parse_mapping(
    """
version: 1
timezone: Europe/Berlin
people: [{name: Dana Lee, github: dana-lee, jira: dana.lee}]
rules: {requirement_labels: [Requirement]}
sources:
  - id: web
    kind: github
    repo: acme/web
    points_label: '^sp:(\\d+)$'
    in_progress_labels: [Doing]
  - {id: plat, kind: jira, project: PLAT, blocked_statuses: [On Hold]}
deliverables:
  - {id: a, name: A, include: [{source: web, label: shared}, {source: plat, fix_version: "1.0"}]}
  - {id: b, name: B, include: [{source: web, label: shared}]}
"""
)


def gh(n: int, **kw) -> WorkItem:
    fields = dict(
        source="web",
        key=f"acme/web#{n}",
        title=f"Item {n}",
        url=f"https://github.example/acme/web/issues/{n}",
        state=TrackerState.OPEN,
        status="open",
        created=NOON - timedelta(days=10),
        updated=NOON,
        labels=("shared",),
    )
    return WorkItem(**(fields | kw))


def jira(key: str, **kw) -> WorkItem:
    fields = dict(
        source="plat",
        key=key,
        title=key,
        url=f"https://jira.example/browse/{key}",
        state=TrackerState.NEW,
        status="To Do",
        created=NOON - timedelta(days=10),
        updated=NOON,
        milestones=("1.0",),
    )
    return WorkItem(**(fields | kw))


def classifier(*items: WorkItem, milestones=None) -> Classifier:
    mirror: dict[str, dict[str, WorkItem]] = {"web": {}, "plat": {}}
    for item in items:
        mirror[item.source][item.key] = item
    return Classifier(MAPPING, mirror, milestones or {})


def test_labels_compare_case_insensitively_on_github_and_exactly_on_jira():
    web = gh(1, labels=("doing", "sp:5", "REQUIREMENT", "Blocked"))
    plat = jira("PLAT-1", labels=("requirement", "Blocked"))
    c = classifier(web, plat)
    one, two = c.classify(web), c.classify(plat)
    assert (one.category, one.points, one.requirement, one.blocked) == (
        Category.IN_PROGRESS,
        5.0,
        True,
        "label blocked",
    )
    assert (two.category, two.points, two.requirement, two.blocked) == (
        Category.TODO,
        None,
        False,
        None,
    )


def test_the_blocked_reason_names_the_status_and_every_blocker_not_done():
    waiting = jira("PLAT-1", status="On Hold", blocked_by=("PLAT-2", "PLAT-3", "PLAT-9"))
    open_one = jira("PLAT-2", due=date(2026, 12, 24))
    done_one = jira("PLAT-3", state=TrackerState.DONE, status="Done")
    found = classifier(waiting, open_one, done_one).classify(waiting)
    assert found.blocked == "status On Hold; blocked by PLAT-2, PLAT-9"
    assert [(b.ref, b.due, b.known) for b in found.open_blockers] == [
        (ItemRef("plat", "PLAT-2"), date(2026, 12, 24), True),
        (ItemRef("plat", "PLAT-9"), None, False),
    ]


def test_due_dates_people_and_days_are_read_in_the_mappings_terms():
    late_evening = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already the 25th in Berlin
    item = jira(
        "PLAT-4",
        state=TrackerState.DONE,
        status="Done",
        closed=late_evening,
        resolution="Won't Do",
        assignees=(Person("jira", "dana.lee"), Person("jira", "sam", "Sam Park")),
    )
    stones = {"plat": {"1.0": Milestone("plat", "1.0", date(2026, 12, 20))}}
    found = classifier(item, milestones=stones).classify(item)
    assert found.closed_on == date(2026, 11, 25)
    assert found.due == date(2026, 12, 20)
    assert found.assignee_names == ("Dana Lee", "Sam Park")
    assert found.dropped and found.done


def test_an_item_two_deliverables_count_is_classified_once():
    shared = gh(5)
    mirror = {"web": {shared.key: shared}, "plat": {}}
    portfolio = Portfolio(MAPPING, mirror, {}, {})
    a, b = (portfolio.scope(d) for d in MAPPING.deliverables)
    assert a.items == b.items and a.items[0] is b.items[0]


def test_work_in_progress_counts_every_mirrored_source_by_person():
    dana_web = Person("github", "dana-lee")
    dana_jira = Person("jira", "dana.lee")
    c = classifier(
        gh(1, labels=("doing",), assignees=(dana_web,)),
        gh(2, assignees=(dana_web,)),
        jira("PLAT-1", state=TrackerState.INDETERMINATE, assignees=(dana_jira,)),
    )
    assert c.work_in_progress() == {"Dana Lee": 2}
