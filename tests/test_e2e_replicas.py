"""Replicas sharing one PostgreSQL store share one cycle's work (issue 14): started together,
they all succeed, write each comment once and list each source stream once in total; idle,
they read each stream once and write nothing; with one killed mid-write, a later run leaves
exactly one comment per target and role. Real processes, a real PostgreSQL, the sandbox."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.github.app import RateLimit
from sandbox.server import Sandbox
from tests.e2e import (
    DEMO_MAPPING,
    GITHUB_TARGETS,
    bot_comments,
    cli_command,
    cli_environment,
    marker_of,
    run_cli,
    writes,
)
from worker.ratelimits import RESERVE

pytestmark = pytest.mark.e2e

# A stream listing: a repository's issues or milestones, a Jira search or version list. Comment
# listings (per report target) and the Jira site discovery are not streams.
STREAM = re.compile(r"/repos/[^/]+/[^/]+/(issues|milestones)$|/search(/jql)?$|/versions$")


def listings(sandbox: Sandbox) -> Counter:
    return Counter(
        (r.path, json.dumps(r.query, sort_keys=True))
        for r in sandbox.requests
        if r.method == "GET" and STREAM.search(r.path)
    )


def start_replicas(
    sandbox: Sandbox, url: str, cycle: str, logs: Path, count: int = 3, lease: int = 20
) -> list:
    """`count` replicas of `run --once` on one store and cycle, each logging to its own file
    under `logs` (readable while they run). The lease is long enough that a replica starved
    of CPU on a busy machine still renews it in time (a quarter of it between renewals)."""
    environment = cli_environment(sandbox, Path(url), DEMO_MAPPING) | {
        "DELIVERY_SYNC_STATE": url,
        "DELIVERY_SYNC_CYCLE": cycle,
        "DELIVERY_SYNC_LEASE_SECONDS": str(lease),
    }
    replicas = []
    for n in range(count):
        log = (logs / f"{cycle}-{n}.log").open("w")
        process = subprocess.Popen(
            [*cli_command(), "run", "--once"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        process.log = Path(log.name)
        replicas.append(process)
    return replicas


def finish(replicas: list) -> list[tuple[int, str]]:
    return [(p.wait(timeout=120), p.log.read_text()) for p in replicas]


def events(stderr: str, name: str) -> list[dict]:
    found = []
    for line in stderr.splitlines():
        if line.startswith("{") and f'"{name}"' in line:
            record = json.loads(line)
            if record.get("event") == name:
                found.append(record)
    return found


def report_comments(sandbox: Sandbox) -> dict:
    """Our report comments on every demo target, GitHub and Jira: (target) → roles."""
    found = {}
    for repo, number in GITHUB_TARGETS:
        markers = [marker_of(c) for c in bot_comments(sandbox, repo, number)]
        found[f"{repo}#{number}"] = sorted(m["role"] for m in markers if "notice" not in m)
    plat = [
        p["value"]
        for c in sandbox.jira.comments("PLAT-1")
        for p in c.get("properties") or ()
        if p["key"] == "delivery-sync"
    ]
    found["PLAT-1"] = sorted(m["role"] for m in plat if "notice" not in m)
    return found


ONE_EACH = ["delivery-lead", "project-manager"]


def single_replica_listings(tmp_path: Path) -> Counter:
    """What one process alone, on its own SQLite store, lists in a cold cycle."""
    with Sandbox(seed="demo") as alone:
        assert (
            run_cli(["run", "--once"], alone, tmp_path / "alone.db", config=DEMO_MAPPING).code == 0
        )
        return listings(alone)


def test_three_replicas_started_together_share_one_cycle(sandbox, postgres_url, tmp_path):
    outcomes = finish(start_replicas(sandbox, postgres_url, "job-1", tmp_path))

    assert [code for code, _ in outcomes] == [0, 0, 0], [err[-2000:] for _, err in outcomes]
    assert report_comments(sandbox) == {t: ONE_EACH for t in report_comments(sandbox)}
    assert len(report_comments(sandbox)) == 4
    # Each stream was listed once in total: the same requests one process alone sends.
    assert listings(sandbox) == single_replica_listings(tmp_path)
    # The work was shared: every unit done once, by one of them.
    done = Counter(
        unit
        for _, err in outcomes
        for name in ("source.fetched",)
        for unit in (e["source"] for e in events(err, name))
    )
    assert done == Counter({"web": 1, "api": 1, "plat": 1})

    sandbox.clear_requests()
    idle = finish(start_replicas(sandbox, postgres_url, "job-2", tmp_path))

    assert [code for code, _ in idle] == [0, 0, 0], [err[-2000:] for _, err in idle]
    assert writes(sandbox) == []
    streams = listings(sandbox)
    assert streams and set(streams.values()) == {1}, streams  # one read per stream in total


def test_a_replica_killed_mid_write_leaves_one_comment_per_target_and_role(
    sandbox, postgres_url, tmp_path
):
    # Writes are slow; the first create on acme/web#2 is performed, and then its answer never
    # comes: whoever sent it is killed there, its unit (a pending record behind) taken over.
    held = sandbox.inject(hold=60, method="POST", path=r"/acme/web/issues/2/comments$")
    sandbox.inject(delay=0.3, method="POST", path=r"/comments?$", times=None)
    replicas = start_replicas(sandbox, postgres_url, "job-1", tmp_path, lease=6)
    deadline = time.monotonic() + 90
    while held.hits == 0:
        assert time.monotonic() < deadline, "no replica reached the write"
        time.sleep(0.05)
    victim = next(p for p in replicas if '"unit": "publish:mobile-onboarding"' in p.log.read_text())
    victim.send_signal(signal.SIGKILL)
    survivors = [p for p in replicas if p is not victim]
    outcomes = finish(survivors)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert [code for code, _ in outcomes] == [0, 0], [err[-2000:] for _, err in outcomes]
    taken = [e["unit"] for _, err in outcomes for e in events(err, "unit.taken_over")]
    assert taken == ["publish:mobile-onboarding"]
    sandbox.clear_faults()

    again = finish(start_replicas(sandbox, postgres_url, "job-2", tmp_path, count=1))
    assert [code for code, _ in again] == [0], again[0][1][-2000:]

    assert report_comments(sandbox) == {
        "acme/web#1": ONE_EACH,
        "acme/web#2": ONE_EACH,
        "acme/api#1": ONE_EACH,
        "PLAT-1": ONE_EACH,
    }
    # The right figures: a dry run would write nothing now.
    dry = run_cli(
        ["run", "--once", "--dry-run"],
        sandbox,
        tmp_path / "unused.db",
        config=DEMO_MAPPING,
        env={"DELIVERY_SYNC_STATE": postgres_url},
    )
    assert dry.code == 0, dry.err[-2000:]
    assert "# create" not in dry.out and "# edit" not in dry.out, dry.out


@dataclass(slots=True)
class SpentFromTheFirstRequest(RateLimit):
    """GitHub's quota for the sandbox token, at the reserve from the first request on, until a
    reset `window` seconds after it (then a fresh hour, as GitHub does)."""

    window: int = 6
    first_reset: int = 0

    def roll(self, now: datetime) -> None:
        if not self.first_reset:
            self.first_reset = int(now.timestamp()) + self.window
            self.used, self.reset = self.limit - RESERVE, self.first_reset
            return
        RateLimit.roll(self, now)


def test_replicas_sharing_a_token_back_off_together_at_its_reserve(sandbox, postgres_url, tmp_path):
    """From the first GitHub answer on, the token's quota is at the reserve until a reset a few
    seconds later: no replica sends GitHub another request before the reset (but the one
    another replica may have had in flight), and afterwards they all finish."""
    quota = sandbox.github.rate = SpentFromTheFirstRequest()

    outcomes = finish(start_replicas(sandbox, postgres_url, "job-1", tmp_path, count=2))

    assert [code for code, _ in outcomes] == [0, 0], [err[-2000:] for _, err in outcomes]
    assert report_comments(sandbox) == {t: ONE_EACH for t in report_comments(sandbox)}
    backed_off = [e for _, err in outcomes for e in events(err, "rate_limit.reserve_reached")]
    assert backed_off, "no replica backed off at the reserve"
    github = [r for r in sandbox.requests if r.app == "github"]
    assert all(r.status < 400 for r in github)  # the quota was never spent
    reset = datetime.fromtimestamp(quota.first_reset, UTC)
    window = [r for r in github[1:] if r.time < reset - timedelta(seconds=1)]
    assert len(window) <= 1, [(r.method, r.path, r.time) for r in window]
    assert len(github) > 2  # the work went on after the reset


def test_two_looping_replicas_share_their_first_cycle_and_stop_on_sigterm(
    sandbox, postgres_url, tmp_path
):
    """`run --interval` replicas on one store (the Deployment, deploy/kubernetes-deployment.yaml)
    share one cycle without a DELIVERY_SYNC_CYCLE name, and SIGTERM stops each while it sleeps.
    The interval is a minute, not the CLI's smallest (1s): a replica sleeps 0.9 to 1.1 intervals
    after its cycle, so no second cycle can start before the SIGTERM lands, however slow the
    machine; the test never waits for the interval."""
    environment = cli_environment(sandbox, Path(postgres_url), DEMO_MAPPING) | {
        "DELIVERY_SYNC_STATE": postgres_url,
        "DELIVERY_SYNC_LEASE_SECONDS": "20",
    }
    replicas = []
    for n in range(2):
        out, err = (tmp_path / f"loop-{n}.out").open("w"), (tmp_path / f"loop-{n}.log").open("w")
        process = subprocess.Popen(
            [*cli_command(), "run", "--interval", "1m"], env=environment, stdout=out, stderr=err
        )
        process.out, process.log = Path(out.name), Path(err.name)
        replicas.append(process)

    def summarised(process: subprocess.Popen) -> bool:
        return any(
            line.startswith("delivery-sync: ") for line in process.out.read_text().split("\n")
        )

    try:
        deadline = time.monotonic() + 120
        while not all(summarised(p) for p in replicas):
            assert time.monotonic() < deadline, [p.log.read_text()[-2000:] for p in replicas]
            assert all(p.poll() is None for p in replicas), "a replica ended before its summary"
            time.sleep(0.1)
    finally:
        for process in replicas:
            process.send_signal(signal.SIGTERM)
    outcomes = finish(replicas)

    assert [code for code, _ in outcomes] == [0, 0], [err[-2000:] for _, err in outcomes]
    assert all(events(err, "run.stopped") for _, err in outcomes)
    joined = {e["cycle"] for _, err in outcomes for e in events(err, "cycle.joined")}
    assert len(joined) == 1, joined  # one cycle, shared: neither ran one of its own
    fetched = Counter(e["source"] for _, err in outcomes for e in events(err, "source.fetched"))
    assert fetched == Counter({"web": 1, "api": 1, "plat": 1})
    assert report_comments(sandbox) == {t: ONE_EACH for t in report_comments(sandbox)}
    assert len(report_comments(sandbox)) == 4
    assert listings(sandbox) == single_replica_listings(tmp_path)
