"""Jira end to end, in Cloud and Data Center mode: the real CLI against the sandbox's Jira."""

from __future__ import annotations

import math
import re

import pytest

from mappings.searches import Inexpressible
from sandbox.server import Sandbox
from tests.e2e import DEMO_MAPPING, JIRA_MAPPING, MIXED_MAPPING, requests_to, run_cli, writes

pytestmark = pytest.mark.e2e

TARGETS = ("PLAT-1", "PLAT-29")
BOT = {"cloud": "557058:delivery-sync-bot", "server": "delivery-sync"}


@pytest.fixture
def sandbox(jira_sandbox):
    return jira_sandbox


def ours(sb: Sandbox, key: str) -> list[dict]:
    mine = []
    for comment in sb.jira.comments(key):
        author = comment["author"].get("accountId") or comment["author"].get("name")
        if author == BOT[sb.jira_mode]:
            mine.append(comment)
    return mine


def marker(comment: dict) -> dict:
    [value] = [p["value"] for p in comment["properties"] if p["key"] == "delivery-sync"]
    return value


def searches(sb: Sandbox) -> list:
    return requests_to(sb, r"GET", r"/rest/api/2/search(/jql)?$")


def test_first_cycle_creates_the_comments_and_an_idle_cycle_writes_nothing(sandbox, state):
    first = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)
    assert first.code == 0, first.err
    for key in TARGETS:
        comments = ours(sandbox, key)
        assert sorted(marker(c)["role"] for c in comments) == ["delivery-lead", "project-manager"]
        lead = next(c for c in comments if marker(c)["role"] == "delivery-lead")
        assert lead["body"].startswith("h3. Delivery status — ")
        assert re.search(
            r"^Status: (On track|At risk|Off track|Done|No due date)$", lead["body"], re.M
        )
        assert re.search(r"^Progress: \d+ of \d+ items done$", lead["body"], re.M)
        assert '"role"' not in lead["body"]  # the marker is a property, not text

    sandbox.clear_requests()
    second = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)
    assert second.code == 0, second.err
    assert writes(sandbox) == []
    # One read per stream: the project search, one JQL selector, the versions. No discovery.
    paths = sorted(r.path.removeprefix("/jira/rest/api/2/") for r in sandbox.requests)
    search = "search/jql" if sandbox.jira_mode == "cloud" else "search"
    assert paths == ["project/PLAT/versions", search, search]


def test_a_lost_state_finds_the_comments_by_their_property(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
    for suffix in ("", "-wal", "-shm"):
        state.with_name(state.name + suffix).unlink(missing_ok=True)
    sandbox.clear_requests()

    again = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

    assert again.code == 0, again.err
    assert requests_to(sandbox, "POST", r"/comment$") == []
    for key in TARGETS:
        assert len(ours(sandbox, key)) == 2


def test_search_pages_follow_the_deployment(sandbox, state, monkeypatch):
    # The whole project's paging: a full read by the union pages the same way
    # (tests/test_e2e_jira_read_plan.py).
    monkeypatch.setattr("worker.fetch.union_jql", whole_project)
    sandbox.jira.add_issues(150, "Load item {n}", fix_versions=["2.1"])
    total = len(sandbox.jira.issues("PLAT"))
    assert total > 200
    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
    base = [r for r in searches(sandbox) if "component" not in r.query["jql"][0]]
    assert len(base) == math.ceil(total / 100)
    assert all(
        r.query["maxResults"] == ["100"] and r.query.get("fields") for r in searches(sandbox)
    )
    if sandbox.jira_mode == "cloud":
        assert all(r.query["jql"][0].endswith("ORDER BY updated ASC") for r in base)
        assert requests_to(sandbox, "GET", r"/rest/api/2/search$") == []
        assert [r.query.get("nextPageToken") is None for r in base] == [True, False, False]
    else:
        # Offset paging needs an order that updates cannot reshuffle mid-read.
        assert all(r.query["jql"][0].endswith("ORDER BY key ASC") for r in base)
        assert [r.query["startAt"] for r in base] == [["0"], ["100"], ["200"]]


def whole_project(*args, **kwargs):
    raise Inexpressible("forced by the test")


def test_titles_with_wiki_markup_stay_inert(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state, config=MIXED_MAPPING).code == 0
    [pm] = [c for c in ours(sandbox, "PLAT-1") if marker(c)["role"] == "project-manager"]
    body = pm["body"]
    for key in ("PLAT\\-52", "PLAT\\-53", "PLAT\\-63"):  # [~admin], {noformat}, {color}
        assert key in body
    # Macro names are shown, escaped so Jira starts no macro: inert, not lost.
    assert "\\{noformat\\}" in body and "\\{color:red\\}" in body
    unescaped = body.replace("\\{", "").replace("\\}", "")
    assert "{noformat}" not in unescaped and "{color" not in unescaped
    assert "[~admin]" not in body and "\\[\\~admin\\]" in body


def test_the_mixed_deliverable_says_the_same_in_both_trackers(state):
    with Sandbox(seed="demo", jira_mode="cloud") as sandbox:
        check_mixed_deliverable(sandbox, state)


def check_mixed_deliverable(sandbox: Sandbox, state) -> None:
    assert run_cli(["run", "--once"], sandbox, state, config=DEMO_MAPPING).code == 0
    [jira_lead] = [c for c in ours(sandbox, "PLAT-1") if marker(c)["role"] == "delivery-lead"]
    github_lead = next(
        c["body"]
        for c in sandbox.github.comments("acme/web", 1)
        if c["user"]["login"] == "delivery-sync-bot" and "Delivery status" in c["body"]
    )
    assert github_lead.startswith("### Delivery status — Checkout v2")
    assert jira_lead["body"].startswith("h3. Delivery status — Checkout v2")
    for line in ("Status:", "Progress:", "Points:", "Due:", "Budget:", "Requirements met:"):
        github_line = next(x for x in github_lead.splitlines() if x.startswith(line))
        jira_line = next(x for x in jira_lead["body"].splitlines() if x.startswith(line))
        assert github_line == jira_line
    assert "@dana-lee" in github_lead
    assert "[~accountid:712020:8f1e6a4c-2b7d-4e91-a3f0-5c6d7e8f9a01]" in jira_lead["body"]
    assert writes(sandbox)  # and a second cycle changes nothing anywhere
    sandbox.clear_requests()
    assert run_cli(["run", "--once"], sandbox, state, config=DEMO_MAPPING).code == 0
    assert writes(sandbox) == []


def test_a_create_whose_answer_is_lost_is_found_by_its_property(sandbox, state):
    fault = sandbox.inject(drop_after=True, method="POST", path=r"/issue/PLAT-1/comment$")
    result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)
    assert fault.hits == 1
    assert result.code == 0, result.err
    assert "comment.create_ambiguous" in result.err
    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
    for key in TARGETS:
        assert sorted(marker(c)["role"] for c in ours(sandbox, key)) == [
            "delivery-lead",
            "project-manager",
        ]
