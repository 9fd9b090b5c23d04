"""Chaos: runs killed at random points under random faults never leave a duplicate or a stale
report behind (issue 9). Seeded, so a failure can be replayed with the seed it prints."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest

from sandbox.server import Sandbox
from tests.e2e import GITHUB_TARGETS, bot_comments, cli_command, cli_environment, marker_of, run_cli

pytestmark = pytest.mark.e2e

RUNS = 30
SEED = int(os.environ.get("CHAOS_SEED", "20261129"))

FAULTS = [
    {"drop_after": True, "method": "POST", "path": r"/comments$"},
    {"status": 502, "method": "POST", "path": r"/comments$", "body": "<html>Bad gateway</html>"},
    {"status": 404, "method": "PATCH", "path": r"/issues/comments/\d+$"},
    {"status": 500, "method": "PATCH", "path": r"/issues/comments/\d+$"},
    {"hold": 0.5, "method": "POST", "path": r"/comments$"},
    {"delay": 0.3, "method": "GET", "path": r"/issues$"},
    {
        "status": 200,
        "method": "GET",
        "path": r"/issues$",
        "body": "<html>Sign in</html>",
        "headers": {"content-type": "text/html"},
    },
    {"status": 503, "method": "GET", "path": r"/comments$"},
    {"status": 429, "method": "GET", "path": r"/milestones$", "retry_after": 1},
]


def test_killed_and_faulted_runs_leave_one_comment_per_target_and_role(tmp_path):
    rng = random.Random(SEED)
    state = tmp_path / "state.db"
    with Sandbox(seed="demo") as sandbox:
        environment = cli_environment(sandbox, state)
        issues = [
            i["number"]
            for i in sandbox.github.issues("acme/web")
            if "pull_request" not in i and i["number"] > 2
        ]
        for run in range(RUNS):
            sandbox.clear_faults()
            for _ in range(rng.randint(0, 2)):
                fault = dict(rng.choice(FAULTS))
                fault["times"] = rng.choice([1, 2, None])
                sandbox.inject(**fault)
            for number in rng.sample(issues, rng.randint(0, 3)):  # the trackers move on
                sandbox.github.update_issue(
                    "acme/web", number, state=rng.choice(["open", "closed"])
                )
            process = subprocess.Popen(
                [*cli_command(), "run", "--once"],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.05, 0.8))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            code = process.wait(timeout=60)
            assert code in (0, 1, 2, 3, -signal.SIGKILL), f"seed {SEED}, run {run}: exit {code}"

        sandbox.clear_faults()
        final = run_cli(["run", "--once"], sandbox, state)
        assert final.code == 0, f"seed {SEED}: {final.out}"
        for repo, number in GITHUB_TARGETS:
            reports = [
                marker_of(c)
                for c in bot_comments(sandbox, repo, number)
                if "notice" not in marker_of(c)
            ]
            roles = sorted(m["role"] for m in reports)
            assert roles == ["delivery-lead", "project-manager"], (SEED, repo, number, reports)
        dry = run_cli(["run", "--once", "--dry-run"], sandbox, state)
        assert dry.code == 0
        assert "# create" not in dry.out and "# edit" not in dry.out, dry.out
