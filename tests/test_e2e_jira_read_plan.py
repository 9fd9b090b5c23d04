"""The Jira read planner end to end, Cloud and Data Center: the real CLI against the sandbox's
Jira. A cold run searches the union of the selectors instead of the whole project, and
publishes what a whole read publishes; incremental runs still read the whole project's
changes; a mapping that names more forces a full read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mappings.searches import Inexpressible
from sandbox.server import Sandbox
from tests.e2e import JIRA_MAPPING, requests_to, run_cli
from worker.state import SQLiteState

pytestmark = pytest.mark.e2e

TARGETS = ("PLAT-1", "PLAT-29")
MEMBER = "component = API"  # the mapping's JQL selector, which keeps a search of its own


def item_searches(sb: Sandbox) -> list[str]:
    """The JQL of each search page that read the project's items (not the JQL selector's)."""
    found = requests_to(sb, "GET", r"/rest/api/2/search(/jql)?$")
    return [r.query["jql"][0] for r in found if MEMBER not in r.query["jql"][0]]


def comments(sb: Sandbox) -> dict[str, list[str]]:
    return {
        key: sorted(c["body"].replace(sb.url, "SANDBOX") for c in sb.jira.comments(key))
        for key in TARGETS
    }


def outside_the_selectors(sb: Sandbox) -> None:
    """Work no selector names: most of the project, as in a real one."""
    sb.jira.add_issues(250, "Unplanned item {n}")


def whole_project(*args, **kwargs):
    raise Inexpressible("forced by the test")


def test_a_cold_run_reads_the_union_and_publishes_what_a_whole_read_does(
    jira_sandbox, state, tmp_path, monkeypatch
):
    outside_the_selectors(jira_sandbox)
    total = len(jira_sandbox.jira.issues("PLAT"))

    assert run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING).code == 0

    union = item_searches(jira_sandbox)
    assert union and all("key in (PLAT-1, PLAT-29)" in jql for jql in union)
    assert len({jql for jql in union}) == 1  # one search, however many pages
    assert len(union) < math.ceil(total / 100)
    with Sandbox(seed="demo", jira_mode=jira_sandbox.jira_mode) as whole:
        outside_the_selectors(whole)
        monkeypatch.setattr("worker.fetch.union_jql", whole_project)
        assert (
            run_cli(["run", "--once"], whole, tmp_path / "whole.db", config=JIRA_MAPPING).code == 0
        )
        assert len(item_searches(whole)) == math.ceil(total / 100)
        assert comments(jira_sandbox) == comments(whole)
        assert all(comments(whole)[key] for key in TARGETS)


def test_an_item_moved_out_of_a_selector_is_seen_by_the_next_incremental_run(jira_sandbox, state):
    assert run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING).code == 0
    store = SQLiteState(state)
    key = next(k for k, i in store.items("plat").items() if i.milestones == ("2.1",))
    store.close()
    jira_sandbox.jira.update_issue(key, fix_versions=[])
    jira_sandbox.clear_requests()

    assert run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING).code == 0

    [incremental] = item_searches(jira_sandbox)
    assert "updated >= -" in incremental and "key in" not in incremental
    store = SQLiteState(state)
    assert store.items("plat")[key].milestones == ()
    store.close()


def test_a_mapping_naming_another_selector_forces_a_full_read(jira_sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING).code == 0
    jira_sandbox.clear_requests()
    assert run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING).code == 0
    assert all("updated >= -" in jql for jql in item_searches(jira_sandbox))
    more = tmp_path / "more.yaml"
    text = Path(JIRA_MAPPING).read_text(encoding="utf-8")
    added = '      - {source: plat, fix_version: "2.1"}\n      - {source: plat, label: ops}\n'
    more.write_text(text.replace('      - {source: plat, fix_version: "2.1"}\n', added, 1))
    jira_sandbox.clear_requests()

    result = run_cli(["run", "--once"], jira_sandbox, state, config=more)

    assert result.code == 0, result.err
    [full] = set(item_searches(jira_sandbox))
    assert 'labels = "ops"' in full and "updated >=" not in full
    planned = [json.loads(line) for line in result.err.splitlines() if "read.planned" in line]
    assert [(p["read"], p["reason"]) for p in planned] == [("selectors", None)]


def events(result, name: str) -> list[dict]:
    return [json.loads(line) for line in result.err.splitlines() if f'"{name}"' in line]


def in_selector(sb: Sandbox) -> str:
    """An open issue of the mapping's fix version 2.1."""
    return next(
        i["key"]
        for i in sb.jira.issues("PLAT")
        if [v["name"] for v in i["fields"]["fixVersions"]] == ["2.1"]
        and i["fields"]["status"]["statusCategory"]["key"] != "done"
    )


def settled(sb: Sandbox, state: Path) -> None:
    """A cold run, then the one that sees our own comments' bump of the report targets."""
    for _ in range(2):
        assert run_cli(["run", "--once"], sb, state, config=JIRA_MAPPING).code == 0


def test_a_change_outside_every_selector_is_not_stored_and_leaves_the_run_idle(jira_sandbox, state):
    [quiet] = [i["key"] for i in jira_sandbox.jira.add_issues(1, "Unplanned item {n}")]
    settled(jira_sandbox, state)
    jira_sandbox.jira.update_issue(quiet, summary="Renamed, still outside every selector")

    result = run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING)

    assert result.code == 0, result.err
    [unchanged] = events(result, "reports.unchanged")
    assert unchanged["mirror"] is False  # nothing news: the mirror was not even read
    store = SQLiteState(state)
    assert quiet not in store.items("plat")
    store.close()


def test_outside_work_in_progress_and_a_blocker_of_a_selected_issue_are_still_stored(
    jira_sandbox, state
):
    wip, blocker = (i["key"] for i in jira_sandbox.jira.add_issues(2, "Unplanned item {n}"))
    jira_sandbox.jira.add_link(blocker, in_selector(jira_sandbox))
    settled(jira_sandbox, state)
    store = SQLiteState(state)
    # Both new, so both in the incremental search: the blocker is kept (its status says whether
    # the selected issue is still blocked), the other is outside everything the mapping needs.
    assert blocker in store.items("plat") and wip not in store.items("plat")
    store.close()
    jira_sandbox.jira.update_issue(wip, assignee="sam.park")
    jira_sandbox.jira.transition(wip, "In Progress")  # now counted in "WIP everywhere"

    result = run_cli(["run", "--once"], jira_sandbox, state, config=JIRA_MAPPING)

    assert result.code == 0, result.err
    store = SQLiteState(state)
    assert wip in store.items("plat")
    store.close()
