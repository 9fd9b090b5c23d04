"""Faults the worker itself must survive (issue 9): bounded writes, state failures, the lock.

Each test drives the real CLI against the sandbox on 127.0.0.1 and asserts the outcome: exit
code, requests sent, comments left behind.
"""

from __future__ import annotations

import time

import pytest

from connectors.sandbox.server import Sandbox
from tests.e2e import JIRA_MAPPING, bot_comments, requests_to, run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state.db"


def test_github_edit_answering_404_while_still_listed_is_tried_once_per_cycle(state):
    with Sandbox(seed="demo") as sandbox:
        assert run_cli(["run", "--once"], sandbox, state).code == 0
        for issue in sandbox.github.issues("acme/web")[:30]:
            if "pull_request" not in issue and issue["number"] > 2:
                sandbox.github.update_issue("acme/web", issue["number"], state="closed")
        sandbox.inject(status=404, method="PATCH", path=r"/issues/comments/\d+$", times=None)
        sandbox.clear_requests()

        started = time.monotonic()
        result = run_cli(["run", "--once"], sandbox, state)

        assert time.monotonic() - started < 30
        assert result.code == 1, result.err
        assert "still listed" in result.out
        patches = requests_to(sandbox, "PATCH", r"/issues/comments/\d+$")
        listings = requests_to(sandbox, "GET", r"/issues/\d+/comments$")
        edited_reports = len(patches)
        assert 0 < edited_reports <= 6  # one attempt per report whose text changed
        assert len(listings) <= 3  # one per target at most
        assert requests_to(sandbox, "POST", r"/comments$") == []
        for repo, number in (("acme/web", 1), ("acme/web", 2)):
            assert len(bot_comments(sandbox, repo, number)) == 2


def close_open_issues(sandbox: Sandbox, fix_version: str) -> None:
    for issue in sandbox.jira.issues():
        fields = issue["fields"]
        versions = [v["name"] for v in fields["fixVersions"]]
        if fix_version in versions and fields["status"]["statusCategory"]["key"] != "done":
            sandbox.jira.transition(issue["key"], "Done")


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_jira_edit_answering_404_while_still_listed_is_tried_once_per_cycle(state, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        close_open_issues(sandbox, "2.1")
        sandbox.inject(status=404, method="PUT", path=r"/issue/[^/]+/comment/\d+$", times=None)
        sandbox.clear_requests()

        result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

        assert result.code == 1, result.err
        puts = requests_to(sandbox, "PUT", r"/issue/[^/]+/comment/\d+$")
        assert 0 < len(puts) <= 4
        posted = requests_to(sandbox, "POST", r"/comment$")
        # A status-change notice is a new comment by design; a report is never posted again.
        assert all("notice" in r.body["properties"][0]["value"] for r in posted)
        # The next cycle tries once more, no more.
        sandbox.clear_requests()
        again = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)
        assert again.code == 1
        assert len(requests_to(sandbox, "PUT", r"/issue/[^/]+/comment/\d+$")) == len(puts)
        assert len(requests_to(sandbox, "GET", r"/issue/[^/]+/comment$")) <= 2
