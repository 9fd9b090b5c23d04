"""The project manager's comment: each task once, in its most urgent section, with its other
flags on its line; urgency order within sections; whose due date a task line shows; one WIP
number; what got done since the last report; the Jira sprint; nudges that agree with the
sections; the JSON report's PM part."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from connectors.jira import sprint_name
from connectors.model import Milestone, Person, WorkItem
from mappings.config import load_mapping, parse_mapping
from mappings.json_report import json_report, report_schema
from mappings.portfolio_page import portfolio_page
from mappings.report import project_manager_report
from mappings.scope import Portfolio, due_by_item
from mappings.views import (
    AcrossDeliverables,
    Flag,
    Snapshot,
    delivery_lead_view,
    nudges,
    project_manager_view,
    snapshot_of,
)
from rendering import markdown
from sandbox.server import Sandbox
from tests.e2e import (
    DEMO_MAPPING,
    bot_comments,
    marker_of,
    open_issues,
    run_cli,
    sandbox_settings,
)
from tests.items import github_item, jira_item
from worker.cli import example_path
from worker.cycle import Cycle, CycleOptions
from worker.runtime import Runtime
from worker.state import SQLiteState

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
TODAY = date(2026, 11, 25)
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)
FIX_VERSION_DUE = date(2026, 12, 20)
MILESTONE_DUE = date(2026, 12, 18)

MAPPING = """
version: 1
timezone: UTC
people:
  - {name: Dana Lee, github: dana-lee, jira: dana.lee}
  - {name: Sam Park, github: sam-park}
  - {name: Alex Kim, github: alex-kim, jira: alex.kim}
  - {name: Mei Chen, github: mei-chen}
roles: {delivery_lead: Dana Lee, project_manager: Sam Park}
sources:
  - {id: web, kind: github, repo: acme/web}
  - {id: plat, kind: jira, project: PLAT}
deliverables:
  - id: alpha
    name: Alpha
    due: 2026-12-31
    include:
      - {source: web, milestone: v1}
      - {source: web, label: alpha}
      - {source: plat, fix_version: "1.0"}
    report_to: [{source: web, issue: 1}]
  - id: other
    name: Other
    include: [{source: web, label: other}]
    report_to: [{source: web, issue: 2}]
"""

DANA = Person("github", "dana-lee")
ALEX = Person("github", "alex-kim")
MEI = Person("github", "mei-chen")


def gh(n: int, **kw) -> WorkItem:
    return github_item(n, now=NOON, **{"title": f"Web {n}", "assignees": (DANA,), **kw})


def jira(key: str, category: str = "new", **kw) -> WorkItem:
    fields = {"title": f"Jira {key}", "assignees": (Person("jira", "dana.lee"),), **kw}
    return jira_item(key, category, now=NOON, **fields)


def board(items, *, history=(), today=TODAY, deliverable="alpha"):
    """The PM view of one deliverable over `items`, as a cycle computes it."""
    mapping = parse_mapping(MAPPING)
    by_source: dict = {"web": {}, "plat": {}}
    for item in items:
        by_source[item.source][item.key] = item
    stones = {
        "web": {"v1": Milestone("web", "v1", MILESTONE_DUE)},
        "plat": {
            "1.0": Milestone("plat", "1.0", FIX_VERSION_DUE),
            "2.0": Milestone("plat", "2.0", date(2027, 3, 1)),
        },
    }
    portfolio = Portfolio(mapping, by_source, stones, {})
    scopes = [portfolio.scope(d) for d in mapping.deliverables]
    scope = next(s for s in scopes if s.deliverable.id == deliverable)
    across = AcrossDeliverables(portfolio.work_in_progress(), due_by_item(scopes))
    return project_manager_view(
        scope,
        mapping.rules,
        today,
        history=history,
        project_manager=mapping.person("Sam Park"),
        across=across,
    )


def lead_of(items, *, history=(), today=TODAY):
    mapping = parse_mapping(MAPPING)
    by_source: dict = {"web": {}, "plat": {}}
    for item in items:
        by_source[item.source][item.key] = item
    portfolio = Portfolio(mapping, by_source, {}, {})
    scope = portfolio.scope(mapping.deliverables[0])
    return delivery_lead_view(scope, mapping.rules, today, history=history)


def text(view) -> str:
    return markdown.render(project_manager_report(view))


def line_of(body: str, url: str) -> list[str]:
    """Every line of the comment that names the item at `url`."""
    return [line for line in body.splitlines() if f"({url})" in line]


def keys(tasks) -> list[str]:
    return [t.item.key for t in tasks]


# ---- each task once ----------------------------------------------------------------------


def test_a_task_with_three_flags_is_listed_once_in_its_most_urgent_section():
    blocker = jira("PLAT-9", milestones=("2.0",), due=TODAY + timedelta(days=30))
    late = jira(
        "PLAT-26",
        "indeterminate",
        due=TODAY - timedelta(days=4),
        blocked_by=("PLAT-9",),
        assignees=(),
        updated=NOON - timedelta(days=12),
    )
    view = board([late, blocker])
    assert keys(view.overdue) == ["PLAT-26"]
    assert all("PLAT-26" not in keys(tasks) for _, tasks in view.sections[1:])
    [task] = view.overdue
    assert task.flags == (Flag.OVERDUE, Flag.BLOCKED, Flag.CONFLICT, Flag.UNASSIGNED)
    [line] = line_of(text(view), late.url)
    assert line.endswith(
        f"· unassigned · due {TODAY - timedelta(days=4)} · 4 days overdue"
        f" · also: blocked by PLAT-9; PLAT-9 is due later ({TODAY + timedelta(days=30)})"
    )


def test_another_sections_line_names_the_blocker_first():
    items = [
        jira("PLAT-3", status="Blocked", due=TODAY - timedelta(days=1), blocked_by=("PLAT-9",)),
        jira("PLAT-4", labels=("blocked",), due=TODAY - timedelta(days=2)),
        jira("PLAT-9", due=TODAY - timedelta(days=3)),
    ]
    also = {t.item.key: t.also for t in board(items).overdue}
    assert also == {
        "PLAT-9": (),
        "PLAT-4": ("blocked (label blocked)",),
        "PLAT-3": ("blocked by PLAT-9 (status Blocked)",),
    }


def test_a_blocked_task_is_not_also_called_stale():
    waiting = gh(3, labels=("in progress", "blocked"), updated=NOON - timedelta(days=14))
    idle = gh(4, labels=("in progress",), updated=NOON - timedelta(days=14))
    view = board([waiting, idle])
    assert keys(view.blocked) == ["acme/web#3"] and keys(view.stale) == ["acme/web#4"]
    assert view.blocked[0].flags == (Flag.BLOCKED,)
    assert "no update" not in " ".join(line_of(text(view), waiting.url))


def test_each_open_task_appears_once_in_the_whole_comment_but_the_workload_table():
    items = [
        gh(3, labels=("blocked",), assignees=()),
        gh(4, labels=("in progress",), updated=NOON - timedelta(days=9), assignees=()),
        jira("PLAT-2", due=TODAY, assignees=()),
        jira("PLAT-3", due=TODAY - timedelta(days=1), assignees=(), labels=("blocked",)),
        jira("PLAT-4", due=date(2027, 2, 1), assignees=()),
        gh(5, assignees=()),
    ]
    body = text(board(items))
    for item in items:
        assert len(line_of(body, item.url)) == 1, item.key


# ---- order within each section --------------------------------------------------------------


def test_overdue_lists_the_latest_first_and_ties_by_key():
    items = [
        jira("PLAT-7", due=TODAY - timedelta(days=1)),
        jira("PLAT-3", due=TODAY - timedelta(days=6)),
        jira("PLAT-5", due=TODAY - timedelta(days=6)),
        jira("PLAT-4", due=TODAY - timedelta(days=2)),
    ]
    view = board(items)
    assert keys(view.overdue) == ["PLAT-3", "PLAT-5", "PLAT-4", "PLAT-7"]
    assert [t.note for t in view.overdue][:1] == ["6 days overdue"]


def test_blocked_lists_the_longest_blocked_first_using_the_blocked_since_of_the_history():
    items = [
        gh(3, labels=("blocked",), updated=NOON - timedelta(days=2)),
        gh(4, labels=("blocked",), updated=NOON - timedelta(days=5)),
        gh(5, labels=("blocked",), updated=NOON - timedelta(days=2)),
    ]
    # The last report saw #3 blocked since 10 days ago: its age does not reset on an update.
    earlier = Snapshot(
        day=TODAY - timedelta(days=1),
        keys=frozenset(),
        dropped=frozenset(),
        done=0,
        total=3,
        due=None,
        blocked={"web:acme/web#3": TODAY - timedelta(days=10)},
    )
    view = board(items, history=(earlier,))
    assert keys(view.blocked) == ["acme/web#3", "acme/web#4", "acme/web#5"]
    assert [t.note for t in view.blocked] == [
        "label blocked, blocked 10 days",
        "label blocked, blocked 5 days",
        "label blocked, blocked 2 days",
    ]


def test_due_soon_lists_the_earliest_first():
    items = [
        jira("PLAT-8", due=TODAY + timedelta(days=3)),
        jira("PLAT-6", due=TODAY),
        jira("PLAT-7", due=TODAY + timedelta(days=1)),
    ]
    view = board(items)
    assert [(t.item.key, t.note) for t in view.due_soon] == [
        ("PLAT-6", "due today"),
        ("PLAT-7", "due in 1 day"),
        ("PLAT-8", "due in 3 days"),
    ]


def test_stale_lists_the_longest_idle_first_and_ties_by_key():
    items = [
        gh(12, labels=("in progress",), updated=NOON - timedelta(days=8)),
        gh(3, labels=("in progress",), updated=NOON - timedelta(days=20)),
        gh(4, labels=("in progress",), updated=NOON - timedelta(days=8)),
        gh(5, labels=("in progress",), updated=NOON - timedelta(days=6)),  # not stale yet
    ]
    view = board(items)
    assert keys(view.stale) == ["acme/web#3", "acme/web#4", "acme/web#12"]


def test_conflicts_and_unassigned_list_the_earliest_due_first_and_no_date_last():
    items = [
        jira("PLAT-4", due=date(2027, 2, 9)),
        jira("PLAT-3", due=date(2027, 1, 9)),
        gh(7, assignees=(), milestones=(), labels=("alpha",)),
        gh(6, assignees=()),
        jira("PLAT-5", assignees=(), due=date(2026, 12, 1)),
    ]
    view = board(items)
    assert keys(view.conflicts) == ["PLAT-3", "PLAT-4"]
    assert view.conflicts[0].note == "due after the deliverable (2026-12-31)"
    assert keys(view.unassigned) == ["PLAT-5", "acme/web#6", "acme/web#7"]


def test_sections_come_in_order_of_urgency():
    items = [
        gh(3, assignees=()),
        jira("PLAT-4", due=date(2027, 2, 9)),
        gh(4, labels=("in progress",), updated=NOON - timedelta(days=9)),
        jira("PLAT-2", due=TODAY + timedelta(days=1)),
        gh(5, labels=("blocked",)),
        jira("PLAT-1", due=TODAY - timedelta(days=1)),
    ]
    body = text(board(items))
    titles = [line for line in body.splitlines() if line.startswith("**")]
    assert titles[:6] == [
        "**Overdue (1)**",
        "**Blocked (1)**",
        "**Due soon (1)**",
        "**Stale (1)**",
        "**Conflicts (1)**",
        "**Unassigned (1)**",
    ]


# ---- whose due date a line shows ------------------------------------------------------------


def test_a_github_task_shows_its_milestones_date_as_such_and_never_the_deliverables():
    in_milestone = gh(3, assignees=())
    only_labelled = gh(4, milestones=(), labels=("alpha",), assignees=())
    body = text(board([in_milestone, only_labelled]))
    [line] = line_of(body, in_milestone.url)
    assert line.endswith(f"· unassigned · due {MILESTONE_DUE} (milestone v1)")
    [line] = line_of(body, only_labelled.url)
    assert line.endswith("· unassigned · no due date")  # not the deliverable's 2026-12-31


def test_a_jira_task_shows_its_own_date_plainly_and_an_inherited_one_with_its_version():
    own = jira("PLAT-2", due=date(2026, 12, 10), assignees=())
    inherited = jira("PLAT-3", assignees=())
    body = text(board([own, inherited]))
    [own_line] = line_of(body, own.url)
    [inherited_line] = line_of(body, inherited.url)
    assert own_line.endswith("· unassigned · due 2026-12-10")
    assert inherited_line.endswith(f"· unassigned · due {FIX_VERSION_DUE} (fix version 1.0)")


# ---- one WIP number ---------------------------------------------------------------------------


def test_the_wip_limit_is_judged_on_one_number_shown_alike_in_the_table_and_the_list():
    busy = [
        gh(n, labels=("in progress", "other"), assignees=(ALEX,), milestones=())
        for n in range(10, 16)
    ]
    mine = [gh(n, labels=("in progress", "other"), milestones=()) for n in range(20, 23)]
    items = [
        *busy,
        *mine,
        gh(3, labels=("in progress",), assignees=(ALEX,)),  # Alex: 1 here, 7 in all
        gh(4, labels=("in progress",)),  # Dana: 1 here, 4 in all
        gh(5, assignees=(MEI,)),  # Mei: nothing in progress anywhere
        gh(6, labels=("other",), assignees=(MEI,), milestones=()),
    ]
    # Someone busy elsewhere with nothing in progress here is not this deliverable's problem.
    items += [
        gh(n, labels=("in progress", "other"), assignees=(MEI,), milestones=())
        for n in range(30, 35)
    ]
    view = board(items)
    assert [(w.person, w.wip_everywhere, w.in_progress) for w in view.over_wip] == [
        ("Alex Kim", 7, 1),
        ("Dana Lee", 4, 1),
    ]
    body = text(view)
    assert "- Alex Kim — WIP 7 (all sources; 1 here), limit 3" in body
    assert "- Dana Lee — WIP 4 (all sources; 1 here), limit 3" in body
    assert (
        "| Person | Open | Overdue | Points open | In progress here | WIP (all sources) |" in body
    )
    assert "| Alex Kim | 1 | 0 | 0 | 1 | 7 |" in body
    assert "| Mei Chen | 1 | 0 | 0 | 0 | 5 |" in body
    assert "Mei Chen —" not in body


def test_wip_everywhere_is_never_shown_below_the_work_in_progress_here():
    mapping = parse_mapping(MAPPING)
    items = {"web": {i.key: i for i in (gh(3, labels=("in progress",)),)}, "plat": {}}
    scope = Portfolio(mapping, items, {}, {}).scope(mapping.deliverables[0])
    view = project_manager_view(scope, mapping.rules, TODAY)  # nothing known of elsewhere
    assert [(w.in_progress, w.wip_everywhere) for w in view.workload] == [(1, 1)]


# ---- done since the last report ---------------------------------------------------------------


def test_the_first_report_says_once_that_there_is_nothing_to_compare_with():
    view = board([gh(3), gh(4, closed_days_ago=1)])
    assert view.done_since is None
    body = text(view)
    assert body.count("Done since the last report") == 1
    assert "Done since the last report: first report, nothing to compare with yet" in body


def test_done_since_the_last_report_across_two_cycles():
    day_one = [gh(3), gh(4), gh(5, closed_days_ago=3), jira("PLAT-2", "indeterminate")]
    first = snapshot_of(lead_of(day_one))
    assert board(day_one).done_since is None

    tomorrow = TODAY + timedelta(days=1)
    day_two = [
        gh(3, closed_days_ago=-0.5),
        gh(4),
        gh(5, closed_days_ago=3),
        jira("PLAT-2", "done", closed=NOON + timedelta(hours=6)),
        gh(6, closed_days_ago=60, labels=("alpha",), milestones=()),  # joined the scope done
    ]
    view = board(day_two, history=(first,), today=tomorrow)
    assert view.done_since.since == TODAY
    assert keys(view.done_since.items) == ["acme/web#3", "PLAT-2"]
    body = text(view)
    assert f"**Done since the last report ({TODAY}) (2)**" in body
    [line] = line_of(body, "https://github.example/acme/web/issues/3")
    assert line.endswith(f"· Dana Lee · done {tomorrow}")
    # A second run on the same day compares with the same report, not with its own.
    again = (first, snapshot_of(lead_of(day_two, history=(first,), today=tomorrow)))
    assert keys(board(day_two, history=again, today=tomorrow).done_since.items) == keys(
        view.done_since.items
    )


def test_a_stored_version_without_done_keys_falls_back_to_the_closing_day():
    legacy = Snapshot(
        day=TODAY - timedelta(days=2),
        keys=frozenset({"web:acme/web#3", "web:acme/web#4"}),
        dropped=frozenset(),
        done=0,
        total=2,
        due=None,
    )
    items = [gh(3, closed_days_ago=1), gh(4, closed_days_ago=2), gh(5, closed_days_ago=9)]
    view = board(items, history=(legacy,))
    assert keys(view.done_since.items) == ["acme/web#3"]


def test_nothing_done_since_the_last_report_says_none():
    first = snapshot_of(lead_of([gh(3)]))
    view = board([gh(3)], history=(first,), today=TODAY + timedelta(days=1))
    assert f"**Done since the last report ({TODAY}):** none" in text(view)


# ---- sprint -----------------------------------------------------------------------------------


def test_a_jira_task_shows_its_sprint_and_a_github_task_none():
    planned = jira("PLAT-2", due=TODAY, sprint="PLAT Sprint 12")
    view = board([planned, gh(3, assignees=())])
    body = text(view)
    [line] = line_of(body, planned.url)
    assert line.endswith(f"· Dana Lee · due {TODAY} · sprint PLAT Sprint 12 · due today")
    assert "sprint" not in " ".join(line_of(body, "https://github.example/acme/web/issues/3"))


def test_the_sprint_is_the_one_an_issue_is_planned_in_now():
    closed = {"name": "Sprint 11", "state": "closed"}
    active = {"name": "Sprint 12", "state": "active"}
    future = {"name": "Sprint 13", "state": "future"}
    assert sprint_name([closed, active, future]) == "Sprint 12"
    assert sprint_name([closed, future]) == "Sprint 13"
    # An open issue whose sprints are all over went back to the backlog; a done one keeps
    # the sprint it was done in.
    assert sprint_name([closed]) is None
    assert sprint_name([closed], resolved=True) == "Sprint 11"
    data_center = "com.atlassian.greenhopper.service.sprint.Sprint@1f[id=11,state=CLOSED,name=S11]"
    assert sprint_name([data_center]) is None


# ---- nudges and the JSON report -----------------------------------------------------------


def test_nudges_give_the_same_flags_as_the_task_line():
    blocked_idle = jira(
        "PLAT-26", "indeterminate", status="Blocked", updated=NOON - timedelta(days=12)
    )
    late_unassigned = jira("PLAT-63", due=TODAY - timedelta(days=1), assignees=())
    view = board([blocked_idle, late_unassigned, jira("PLAT-9", assignees=())])
    found = {ref.key: n.reasons for ref, n in nudges([view]).items()}
    assert found == {
        "PLAT-26": ("Blocked: status Blocked",),
        "PLAT-63": ("Overdue: 1 day overdue", "Unassigned"),
    }


def test_the_json_report_lists_each_task_once_with_all_its_flags():
    blocker = jira("PLAT-9", milestones=("2.0",), due=TODAY + timedelta(days=30))
    late = jira("PLAT-26", due=TODAY - timedelta(days=4), blocked_by=("PLAT-9",), assignees=())
    items = [late, blocker, gh(3, sprint=None)]
    lead = lead_of(items)
    data = json.loads(json.dumps(json_report([(lead, board(items))], TODAY, NOON)))
    jsonschema.validate(data, report_schema())  # the published schema holds the PM part too
    pm = data["deliverables"][0]["project_manager"]
    sections = ("overdue", "blocked", "due_soon", "stale", "conflicts", "unassigned")
    listed = [t["item"] for s in sections for t in pm[s]]
    assert len(listed) == len(set(listed))
    [task] = pm["overdue"]
    assert task["item"] == "plat:PLAT-26"
    assert task["flags"] == ["overdue", "blocked", "conflict", "unassigned"]
    assert task["note"] == "4 days overdue"
    assert pm["done_since"] is None and pm["wip_limit"] == 3
    task["flags"] = ["late"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_schema())


def test_the_portfolio_page_lists_the_tasks_as_the_comment_does():
    blocker = jira("PLAT-9", milestones=("2.0",), due=TODAY + timedelta(days=30))
    late = jira("PLAT-26", due=TODAY - timedelta(days=4), blocked_by=("PLAT-9",), assignees=())
    busy = [gh(n, labels=("in progress",)) for n in range(3, 7)]
    items = [late, blocker, *busy]
    view = board(items)
    [entry] = portfolio_page([(lead_of(items), view)], TODAY).entries
    page = markdown.render(entry.hot_spots)
    comment = text(view)
    assert len(line_of(page, late.url)) == 1
    assert line_of(page, late.url) == line_of(comment, late.url)
    assert "- Dana Lee — WIP 4 (all sources; 4 here), limit 3" in page
    assert "- Dana Lee — WIP 4 (all sources; 4 here), limit 3" in comment


# ---- end to end ---------------------------------------------------------------------------


def _pm_comment(sandbox) -> str:
    [body] = [
        c["body"]
        for c in bot_comments(sandbox, "acme/web", 1)
        if marker_of(c).get("role") == "project-manager"
    ]
    return body


def test_a_second_run_a_day_later_lists_what_got_done_in_between(sandbox, state):
    day_one = datetime.now(UTC)
    first = run_cli(
        ["run", "--once", "--as-of", day_one.isoformat()], sandbox, state, config=DEMO_MAPPING
    )
    assert first.code == 0, first.err
    assert "Done since the last report: first report, nothing to compare with yet" in (
        _pm_comment(sandbox)
    )
    sandbox.github.update_issue("acme/web", 52, state="closed", state_reason="completed")
    day_two = day_one + timedelta(days=1)
    second = run_cli(
        ["run", "--once", "--as-of", day_two.isoformat()], sandbox, state, config=DEMO_MAPPING
    )
    assert second.code == 0, second.err
    body = _pm_comment(sandbox)
    done = body.split("**Done since the last report (", 1)[1].split("\n\n**", 1)[0]
    assert "acme/web/issues/52)" in done and "(1)**" in done
    assert len([line for line in body.splitlines() if "acme/web/issues/52)" in line]) == 1


@pytest.mark.e2e
def test_the_readmes_done_since_example_is_what_the_demo_says_a_day_later(tmp_path):
    anchor = datetime(2026, 11, 25, 11, tzinfo=UTC)  # noon in Berlin, as the goldens
    clock = [anchor]
    mapping = load_mapping(example_path("demo.yaml"))
    state = SQLiteState(tmp_path / "state.db")
    with Sandbox(seed="demo", now=anchor, clock=lambda: clock[0]) as sb:

        def cycle() -> Cycle:
            runtime = Runtime(clock=lambda: clock[0], sleep=lambda seconds: None)
            return Cycle.build(
                mapping, sandbox_settings(sb), state, CycleOptions(as_of=clock[0]), runtime
            )

        assert cycle().run().exit_code == 0
        clock[0] = anchor + timedelta(days=1)
        first, second = open_issues(sb, "acme/web", "v2.0")[:2]
        sb.github.update_issue("acme/web", first["number"], state="closed")
        sb.github.update_issue("acme/web", second["number"], state="closed")
        [report] = [
            r for r in cycle().compute(clock[0]).reports if r.deliverable_id == "checkout-v2"
        ]
        [pm] = [doc for marker, doc in report.documents if marker.role == "project-manager"]
        body = markdown.render(pm).replace(sb.url, "https://sandbox.example")
    heading = "**Done since the last report (2026-11-25) (2)**"
    quoted = README.split(heading, 1)[1].split("```", 1)[0]
    said = "\n".join(line.removeprefix("  ") for line in quoted.splitlines())
    assert f"{heading}{said}" in body
