"""The cycle in-process against the sandbox: JQL selector streams and the item mirror."""

from __future__ import annotations

import pytest

from mappings.config import parse_mapping
from mappings.scope import jql_stream
from sandbox.server import Sandbox
from tests.e2e import sandbox_settings
from worker.cycle import Cycle
from worker.state import SQLiteState

MAPPING = """
version: 1
sources:
  - {id: plat, kind: jira, project: PLAT}
deliverables:
  - id: api-backlog
    name: API work without a version
    include:
      - {source: plat, jql: "component = API AND fixVersion is EMPTY"}
    report_to: [{source: plat, issue: PLAT-29}]
"""
JQL = "component = API AND fixVersion is EMPTY"


@pytest.fixture
def sandbox(jira_sandbox):
    return jira_sandbox


def cycle(sb: Sandbox, state: SQLiteState, mapping_text: str = MAPPING):
    return Cycle.build(parse_mapping(mapping_text), sandbox_settings(sb), state).run()


def matching(sb: Sandbox) -> set[str]:
    return {
        i["key"]
        for i in sb.jira.issues("PLAT")
        if any(c["name"] == "API" for c in i["fields"].get("components") or ())
        and not i["fields"].get("fixVersions")
    }


def test_jql_selector_membership_follows_the_tracker(sandbox, tmp_path):
    state = SQLiteState(tmp_path / "state.db")
    assert cycle(sandbox, state).exit_code == 0
    stream = jql_stream("plat", JQL)
    expected = matching(sandbox)
    assert expected and state.membership(stream) == expected

    leaving = sorted(expected)[0]
    sandbox.jira.update_issue(leaving, fix_versions=["2.0"])
    joining = sandbox.jira.add_issue("Rate limit the public API", components=["API"])["key"]
    sandbox.clear_requests()

    result = cycle(sandbox, state)

    assert result.exit_code == 0
    assert state.membership(stream) == (expected - {leaving}) | {joining}
    lead, _ = result.views["api-backlog"]
    assert {f"{i.source}:{i.key}" for i in lead.scope.items} == {
        f"plat:{key}" for key in (expected - {leaving}) | {joining}
    }
    # Incremental: one search per stream and the versions, nothing else read.
    reads = [r for r in sandbox.requests if r.method == "GET"]
    assert len(reads) == 3


def test_a_selector_added_later_is_complete_on_its_first_cycle(sandbox, tmp_path):
    state = SQLiteState(tmp_path / "state.db")
    assert cycle(sandbox, state, MAPPING).exit_code == 0
    added = MAPPING + (
        "  - id: checkout\n    name: Checkout\n"
        '    include: [{source: plat, jql: "component = Checkout"}]\n'
        "    report_to: [{source: plat, issue: PLAT-1}]\n"
    )
    result = cycle(sandbox, state, added)
    expected = {
        f"plat:{i['key']}"
        for i in sandbox.jira.issues("PLAT")
        if any(c["name"] == "Checkout" for c in i["fields"].get("components") or ())
        and i["key"] != "PLAT-1"
    }
    lead, _ = result.views["checkout"]
    assert (
        expected
        and {f"{i.source}:{i.key}" for i in lead.scope.items}
        | {f"{i.source}:{i.key}" for i in lead.scope.dropped}
        == expected
    )


def test_editing_the_source_filter_refetches_and_drops_what_it_excludes(sandbox, tmp_path):
    epics = {
        i["key"] for i in sandbox.jira.issues("PLAT") if i["fields"]["issuetype"]["name"] == "Epic"
    }
    state = SQLiteState(tmp_path / "state.db")
    assert cycle(sandbox, state, MAPPING).exit_code == 0
    assert epics & set(state.items("plat"))
    narrowed = MAPPING.replace(
        "{id: plat, kind: jira, project: PLAT}",
        '{id: plat, kind: jira, project: PLAT, jql: "issuetype != Epic"}',
    )
    assert cycle(sandbox, state, narrowed).exit_code == 0
    assert not epics & set(state.items("plat"))


def test_an_unexpected_error_in_one_source_leaves_the_others_reporting(tmp_path, monkeypatch):
    from connectors.github import GitHubTracker

    def broken(self, validator):
        raise RuntimeError("bug in a payload nobody expected")

    mapping = parse_mapping(
        MAPPING.replace(
            "sources:\n",
            "sources:\n  - {id: web, kind: github, repo: acme/web}\n",
        )
    )
    monkeypatch.setattr(GitHubTracker, "milestone_changes", broken)
    with Sandbox(seed="demo") as sb:
        state = SQLiteState(tmp_path / "state.db")
        result = Cycle.build(mapping, sandbox_settings(sb), state).run()
    assert result.exit_code == 1
    assert result.failed_sources == {
        "web": "unexpected RuntimeError: bug in a payload nobody expected"
    }
    assert "api-backlog" in result.views  # the Jira deliverable was still reported
