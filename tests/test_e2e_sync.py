"""The sync engine end to end: incremental reads, exactly-once comments, the lock, loop mode.

Every test drives the real CLI in a subprocess against a sandbox on 127.0.0.1 and counts from
the sandbox's request log.
"""

from __future__ import annotations

import math
import signal
import subprocess
import time
from datetime import timedelta

import pytest

from sandbox.server import Sandbox
from tests.e2e import (
    GITHUB_MAPPING,
    GITHUB_TARGETS,
    bot_comments,
    cli_command,
    cli_environment,
    marker_of,
    open_issues,
    requests_to,
    run_cli,
    writes,
)

pytestmark = pytest.mark.e2e

TARGETS = GITHUB_TARGETS


def assert_one_comment_per_role(sb: Sandbox) -> None:
    for repo, number in TARGETS:
        reports = [marker_of(c) for c in bot_comments(sb, repo, number)]
        reports = [m for m in reports if "notice" not in m]
        assert sorted(m["role"] for m in reports) == ["delivery-lead", "project-manager"], (
            repo,
            number,
            reports,
        )


def start_cli(args: list[str], sb: Sandbox, state) -> subprocess.Popen:
    return subprocess.Popen(
        [*cli_command(), *args],
        env=cli_environment(sb, state),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_changed_items_cost_a_page_per_hundred_and_only_changed_reports_are_written(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    before = {c["id"]: c["body"] for repo, n in TARGETS for c in bot_comments(sandbox, repo, n)}
    web = sandbox.github.issues("acme/web")
    changed = [i["number"] for i in web if "pull_request" not in i][:85]
    changed += [i["number"] for i in web if "pull_request" in i][:12]
    for number in changed:
        sandbox.github.update_issue("acme/web", number, body="edited description")
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0, result.err
    idle_reads = 4  # issues + milestones, for each of the two repositories
    assert len(changed) == 97
    reads = [r for r in sandbox.requests if r.method == "GET"]
    assert len(reads) <= idle_reads + math.ceil(len(changed) / 100)
    # Updates make stale items fresh again: exactly the reports whose text changed are edited.
    after = {c["id"]: c["body"] for repo, n in TARGETS for c in bot_comments(sandbox, repo, n)}
    assert after.keys() == before.keys()
    changed_reports = {cid for cid in after if after[cid] != before[cid]}
    edited = {int(r.path.rsplit("/", 1)[1]) for r in requests_to(sandbox, "PATCH", r"/comments/")}
    assert changed_reports and edited == changed_reports
    assert len(writes(sandbox)) == len(changed_reports)


def test_more_than_a_page_of_changes_reads_one_more_page(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    web = sandbox.github.issues("acme/web")
    assert len(web) > 100
    for issue in web:
        sandbox.github.update_issue("acme/web", issue["number"], body="touched")
    sandbox.clear_requests()
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    reads = [r for r in sandbox.requests if r.method == "GET"]
    assert len(reads) == 4 + 1


def test_a_create_whose_answer_is_lost_is_not_posted_twice(sandbox, state):
    fault = sandbox.inject(drop_after=True, method="POST", path=r"/issues/\d+/comments$", times=2)
    result = run_cli(["run", "--once"], sandbox, state)
    assert fault.hits == 2
    assert result.code == 0, result.err
    assert "comment.create_ambiguous" in result.err
    assert_one_comment_per_role(sandbox)
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    assert_one_comment_per_role(sandbox)


def test_deleting_the_state_finds_the_comments_again_instead_of_reposting(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    for suffix in ("", "-wal", "-shm"):
        state.with_name(state.name + suffix).unlink(missing_ok=True)
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0, result.err
    assert requests_to(sandbox, "POST", r".") == []
    assert_one_comment_per_role(sandbox)
    listings = requests_to(sandbox, "GET", r"/issues/\d+/comments$")
    assert len(listings) == len(TARGETS)
    # Both repositories use one token: our login is asked for once, not per repository.
    assert len(requests_to(sandbox, "GET", r"/github/user$")) == 1


def test_max_writes_defers_the_rest_to_the_next_cycle(sandbox, state):
    first = run_cli(["run", "--once", "--max-writes", "2"], sandbox, state)
    assert first.code == 0, first.err
    assert len(requests_to(sandbox, "POST", r"/comments$")) == 2
    assert first.err.count('"comment.deferred"') == 4
    second = run_cli(["run", "--once"], sandbox, state)
    assert second.code == 0
    assert len(requests_to(sandbox, "POST", r"/comments$")) == 6
    assert_one_comment_per_role(sandbox)


def test_an_item_moved_out_of_a_milestone_shows_as_removed(sandbox, state):
    # "Since the last report" compares with the last report before today: a day apart.
    day_one = sandbox.anchor.date()
    day_two = day_one + timedelta(days=1)
    assert run_cli(["run", "--once", "--as-of", str(day_one)], sandbox, state).code == 0
    moved = open_issues(sandbox, "acme/web", "v2.1")[0]
    sandbox.github.update_issue("acme/web", moved["number"], milestone=None)

    assert run_cli(["run", "--once", "--as-of", str(day_two)], sandbox, state).code == 0

    [lead] = [c for c in bot_comments(sandbox, "acme/web", 2) if "Delivery status" in c["body"]]
    assert f"- Removed: [web\\#{moved['number']}]({moved['html_url']})" in lead["body"]
    assert f"**Since the last report ({day_one})**" in lead["body"]


def test_a_status_change_posts_one_notice(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    for issue in open_issues(sandbox, "acme/web", "v2.1"):
        sandbox.github.update_issue("acme/web", issue["number"], state="closed")

    assert run_cli(["run", "--once"], sandbox, state).code == 0
    assert run_cli(["run", "--once"], sandbox, state).code == 0

    notices = [c for c in bot_comments(sandbox, "acme/web", 2) if "notice" in marker_of(c)]
    assert len(notices) == 1
    notice = marker_of(notices[0])
    assert notice.pop("change").endswith(":Off track->Done")  # an extra key names the change
    assert notice == {
        "deliverable": "mobile-onboarding",
        "role": "delivery-lead",
        "notice": "status-change",
    }
    assert "Delivery status changed: Off track → Done" in notices[0]["body"]
    assert "@dana-lee" in notices[0]["body"]
    assert_one_comment_per_role(sandbox)


def test_a_second_run_exits_3_while_the_first_holds_the_lock(sandbox, state):
    loop = start_cli(["run", "--interval", "1h"], sandbox, state)
    try:
        wait_for(lambda: len(requests_to(sandbox, "POST", r"/comments$")) == 6)
        second = run_cli(["run", "--once"], sandbox, state)
        assert second.code == 3
        assert "another delivery-sync run holds the state lock" in second.err
    finally:
        loop.kill()
        loop.wait()
    # The holder was killed: its lock is stale and the next run takes it over.
    sandbox.clear_requests()
    after = run_cli(["run", "--once"], sandbox, state)
    assert after.code == 0, after.err
    assert writes(sandbox) == []


def test_sigterm_finishes_the_write_in_flight_and_exits_0(sandbox, state):
    # Hold the third create for a while, and stop the process while it is in flight.
    slow = sandbox.inject(delay=1.5, method="POST", path=r"/acme/web/issues/2/comments$")
    loop = start_cli(["run", "--interval", "1h"], sandbox, state)
    wait_for(lambda: slow.hits == 1)
    loop.send_signal(signal.SIGTERM)
    _, err = loop.communicate(timeout=60)

    assert loop.returncode == 0, err
    assert "run.stopped" in err
    posts = requests_to(sandbox, "POST", r"/comments$")
    assert len(posts) == 3  # the one in flight finished, no new one started
    sandbox.clear_requests()

    assert run_cli(["run", "--once"], sandbox, state).code == 0
    assert len(requests_to(sandbox, "POST", r"/comments$")) == 3  # only what was left
    assert_one_comment_per_role(sandbox)


def test_a_process_killed_right_after_a_create_never_duplicates_it(sandbox, state):
    # The server performs the first create, then keeps the client waiting: we kill it there.
    held = sandbox.inject(hold=60, method="POST", path=r"/issues/\d+/comments$")
    victim = start_cli(["run", "--once"], sandbox, state)
    try:
        wait_for(lambda: held.hits == 1)
        assert len(bot_comments(sandbox, "acme/web", 1)) == 1
    finally:
        victim.kill()
        victim.wait()
    sandbox.clear_faults()

    for _ in range(2):
        result = run_cli(["run", "--once"], sandbox, state)
        assert result.code == 0, result.err

    assert_one_comment_per_role(sandbox)
    assert len(requests_to(sandbox, "POST", r"/comments$")) == 2 * len(TARGETS)


def test_task_nudges_are_posted_once_and_resolved_in_place(sandbox, state, tmp_path):
    config = tmp_path / "nudges.yaml"
    config.write_text(GITHUB_MAPPING.read_text() + "  task_nudges: true\n")
    first = run_cli(["run", "--once"], sandbox, state, config=config)
    assert first.code == 0, first.err

    nudged = {}
    for repo in ("acme/web", "acme/api"):
        for issue in sandbox.github.issues(repo):
            for comment in bot_comments(sandbox, repo, issue["number"]):
                if marker_of(comment).get("task"):
                    nudged[(repo, issue["number"])] = comment
    # Every blocked and stale task of a reported deliverable has exactly one nudge.
    assert ("acme/web", 45) in nudged and ("acme/web", 52) in nudged  # blocked; stale
    assert len(requests_to(sandbox, "POST", r"/comments$")) == 2 * len(TARGETS) + len(nudged)
    assert marker_of(nudged[("acme/web", 45)]) == {
        "task": "web:acme/web#45",
        "role": "project-manager",
    }
    assert nudged[("acme/web", 45)]["body"].startswith("**Needs action** — holds up Checkout v2")
    assert "Blocked: label blocked" in nudged[("acme/web", 45)]["body"]

    sandbox.clear_requests()
    assert run_cli(["run", "--once"], sandbox, state, config=config).code == 0
    assert writes(sandbox) == []

    sandbox.github.update_issue("acme/web", 45, labels=["checkout"])
    sandbox.clear_requests()
    assert run_cli(["run", "--once"], sandbox, state, config=config).code == 0

    assert requests_to(sandbox, "POST", r".") == []
    [resolved] = [c for c in bot_comments(sandbox, "acme/web", 45) if marker_of(c).get("task")]
    assert resolved["id"] == nudged[("acme/web", 45)]["id"]
    assert resolved["body"].startswith("**Resolved** — this task no longer needs action.")


def test_loop_mode_runs_cycle_after_cycle_and_picks_up_mapping_edits(sandbox, state, tmp_path):
    config = tmp_path / "loop.yaml"
    config.write_text(GITHUB_MAPPING.read_text())
    loop = subprocess.Popen(
        [*cli_command(), "run", "--interval", "1s"],
        env=cli_environment(sandbox, state, config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(requests_to(sandbox, "POST", r"/comments$")) == 6)
        # An edit that breaks the file is ignored; the loop keeps the last good mapping.
        config.write_text("version: 1\nsources: []\n")
        wait_for(lambda: sum(1 for r in sandbox.requests if r.path.endswith("/milestones")) >= 6)
        # A good edit is picked up: a new deliverable gets its comments on the next cycle.
        config.write_text(
            GITHUB_MAPPING.read_text().replace(
                "deliverables:\n",
                "deliverables:\n  - id: bugs\n    name: Bugs\n"
                "    include: [{source: web, label: bug}]\n"
                "    report_to: [{source: web, issue: 3}]\n",
            )
        )
        wait_for(lambda: len(bot_comments(sandbox, "acme/web", 3)) == 2)
    finally:
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=60) == 0
    assert_one_comment_per_role(sandbox)
