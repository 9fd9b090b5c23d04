"""Faults the worker itself must survive (issue 9): bounded writes, state failures, the lock.

Each test drives the real CLI against the sandbox on 127.0.0.1 and asserts the outcome: exit
code, requests sent, comments left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from sandbox.server import Sandbox
from tests.e2e import JIRA_MAPPING, bot_comments, open_issues, requests_to, run_cli, writes

pytestmark = pytest.mark.e2e


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


def test_report_and_dry_run_work_while_a_run_holds_the_lock(state):
    """Read-only commands take no lock: they work on a copy of the state and write nothing."""
    from tests.e2e import cli_command, cli_environment

    with Sandbox(seed="demo") as sandbox:
        assert run_cli(["run", "--once"], sandbox, state).code == 0
        holder = subprocess.Popen(
            [*cli_command(), "run", "--interval", "1h"],
            env=cli_environment(sandbox, state),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while not _locked(state):
                assert time.monotonic() < deadline, "the loop never took the lock"
                time.sleep(0.05)
            assert run_cli(["run", "--once"], sandbox, state).code == 3
            sandbox.clear_requests()
            report = run_cli(["report", "--format", "json"], sandbox, state)
            dry = run_cli(["run", "--once", "--dry-run"], sandbox, state)
            assert report.code == 0, report.err
            assert dry.code == 0, dry.err
            assert json.loads(report.out)
            assert [r for r in sandbox.requests if r.method != "GET"] == []
        finally:
            holder.send_signal(signal.SIGTERM)
            holder.wait(timeout=30)


def _locked(state) -> bool:
    if not state.exists():
        return False
    with contextlib.closing(sqlite3.connect(state)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 1
        except sqlite3.Error:
            return False


def test_a_corrupt_state_store_exits_2_with_the_reason_and_no_traceback(state):
    with Sandbox(seed="demo") as sandbox:
        assert run_cli(["run", "--once"], sandbox, state).code == 0
        size = state.stat().st_size
        with state.open("r+b") as file:  # garbage over the pages after the first ones
            file.seek(4096 * 4)
            file.write(os.urandom(size - 4096 * 4))
        sandbox.clear_requests()

        result = run_cli(["run", "--once"], sandbox, state)

        assert result.code == 2, (result.out, result.err)
        assert "state store" in result.err and str(state) in result.err
        assert "Traceback" not in result.err
        assert [r for r in sandbox.requests if r.method != "GET"] == []

        # A fresh state repairs without a duplicate: our comments are found, not posted again.
        state.unlink()
        assert run_cli(["run", "--once"], sandbox, state).code == 0
        assert requests_to(sandbox, "POST", r"/comments$") == []


def test_a_full_disk_mid_cycle_stops_the_run_with_exit_2(tmp_path, monkeypatch, capsys):
    """The disk fills while the mirror is written: exit 2 with the reason, no traceback, and
    no comment was posted from half-written state."""
    from tests.e2e import cli_environment
    from worker import cli, stores

    with Sandbox(seed="demo") as sandbox:
        for key, value in cli_environment(sandbox, tmp_path / "state.db").items():
            monkeypatch.setenv(key, value)
        opened = stores.open_state

        def nearly_full(location, **kwargs):
            store = opened(location, **kwargs)
            pages = store._db.execute("PRAGMA page_count").fetchone()[0]
            store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
            return store

        monkeypatch.setattr(stores, "open_state", nearly_full)
        code = cli.main(["run", "--once"])
        err = capsys.readouterr().err
        assert code == 2
        assert "database or disk is full" in err
        assert "Traceback" not in err
        assert [r for r in sandbox.requests if r.method != "GET"] == []


def test_in_json_log_mode_refusals_are_structured_events(tmp_path, state):
    """A log pipeline reading JSON lines sees why a run stopped, as one event each."""
    from tests.test_config import write

    broken = write(tmp_path, "version: 1\nsources: []\n")
    with Sandbox(seed="demo") as sandbox:
        bad_mapping = run_cli(["run", "--once"], sandbox, state, config=broken)
        assert bad_mapping.code == 2
        [event] = [json.loads(line) for line in bad_mapping.err.splitlines()]
        assert event["event"] == "mapping.invalid" and event["file"] == str(broken)
        assert event["problems"][0]["path"]

        bad_env = run_cli(
            ["run", "--once"], sandbox, state, env={"DELIVERY_SYNC_LOG_LEVEL": "loud"}
        )
        assert bad_env.code == 2
        [event] = [json.loads(line) for line in bad_env.err.splitlines()]
        assert event["event"] == "environment.invalid"
        assert "DELIVERY_SYNC_LOG_LEVEL" in event["error"]

        state_dir = tmp_path / "blocked"
        state_dir.write_text("a file, not a directory")
        no_state = run_cli(["run", "--once", "--state", str(state_dir / "s.db")], sandbox, state)
        assert no_state.code == 2
        [event] = [json.loads(line) for line in no_state.err.splitlines()]
        assert event["event"] == "state.failed"

        done = run_cli(["run", "--once"], sandbox, state)
        finished = [json.loads(line) for line in done.err.splitlines() if "cycle.finished" in line]
        assert finished[0]["exit_code"] == 0 and finished[0]["created"] == 6


def test_an_unreadable_item_is_named_in_the_comments_until_it_reads_well_again(state):
    with Sandbox(seed="demo") as sandbox:
        assert run_cli(["run", "--once"], sandbox, state).code == 0
        v20 = open_issues(sandbox, "acme/web", "v2.0")
        broken = dict(v20[0], updated_at=None, title="Changed, but unreadable")
        sandbox.inject(status=200, body=[broken], path=r"/repos/acme/web/issues$", times=1)

        result = run_cli(["run", "--once"], sandbox, state)

        number = broken["number"]
        assert result.code == 1, result.out
        assert f"unreadable   web  (1 items could not be read: acme/web#{number})" in result.out
        [lead] = [c for c in bot_comments(sandbox, "acme/web", 1) if "Delivery status" in c["body"]]
        line = next(x for x in lead["body"].splitlines() if "could not be read" in x)
        assert line.startswith("1 item could not be read (their last readable version is counted)")
        assert f"web\\#{number}" in line
        # Its last readable version still counts: the figures did not drop.
        assert "Changed, but unreadable" not in lead["body"]

        sandbox.clear_requests()
        still = run_cli(["run", "--once"], sandbox, state)
        assert still.code == 1 and writes(sandbox) == []  # said once, not edited again

        sandbox.github.update_issue("acme/web", number, body="fixed")  # read well again
        healed = run_cli(["run", "--once"], sandbox, state)
        assert healed.code == 0, healed.out
        [lead] = [c for c in bot_comments(sandbox, "acme/web", 1) if "Delivery status" in c["body"]]
        assert "could not be read" not in lead["body"]


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_a_deleted_report_target_fails_its_comments_and_nothing_else(state, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        close_open_issues(sandbox, "2.1")  # the reports on PLAT-29 have news
        sandbox.jira.delete_issue("PLAT-29")
        sandbox.clear_requests()

        result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

        assert result.code == 1, result.out
        failed = [line for line in result.out.splitlines() if line.startswith("failed")]
        assert failed and all("plat:PLAT-29" in line for line in failed)
        assert "Traceback" not in result.err
        assert requests_to(sandbox, "POST", r"/comment$") == []  # nothing posted elsewhere
