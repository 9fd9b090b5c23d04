"""Wall time and requests of one cycle done by 1, 2 and 4 replicas sharing a PostgreSQL store
(DESIGN §8), against the sandbox with a per-request latency, so that the trackers and not the
CPU bound a cycle, as they do in production.

The portfolio: 20 GitHub repositories and 5 Jira projects (half the items each side), one
deliverable per repository (milestones M2 and M3, reported on issue 1) and per project (fix
version V2, reported on the project's first issue). For each replica count: a fresh sandbox
and a fresh database, a cold cycle (`run --once` in N real processes sharing one cycle), then
an idle one. Requests are counted from the sandbox's log.

    python benchmarks/replicas.py                 # 50,000 items, 50 ms per request
    python benchmarks/replicas.py 5000 0.02       # items, seconds per request

PostgreSQL: DELIVERY_SYNC_BENCH_POSTGRES (a server's maintenance URL), else a throwaway server
started from this machine's PostgreSQL binaries, as the tests do.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from benchmarks.synthetic import generate_github, generate_jira  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402
from tests.pg import throwaway_server  # noqa: E402

REPOS, PROJECTS = 20, 5
PROJECT_KEYS = [chr(ord("B") + i // 26) + chr(ord("A") + i % 26) for i in range(PROJECTS)]


def seed(total: int) -> dict:
    github = generate_github(repos=REPOS, issues_per_repo=total // 2 // REPOS, seed=1)
    jira = generate_jira(projects=PROJECTS, issues_per_project=total // 2 // PROJECTS, seed=2)
    return github | {"jira": jira["jira"]}


def mapping_text() -> str:
    lines = ["version: 1", "timezone: UTC", "sources:"]
    lines += [f"  - {{id: r{r}, kind: github, repo: bench/repo-{r:03d}}}" for r in range(REPOS)]
    lines += [
        f"  - {{id: j{p}, kind: jira, project: {key}, story_points_field: customfield_10016}}"
        for p, key in enumerate(PROJECT_KEYS)
    ]
    lines.append("deliverables:")
    for r in range(REPOS):
        lines += [
            f"  - id: d{r}",
            f"    name: Repo {r} releases",
            f"    include: [{{source: r{r}, milestone: M2}}, {{source: r{r}, milestone: M3}}]",
            f"    report_to: [{{source: r{r}, issue: 1}}]",
        ]
    for p, key in enumerate(PROJECT_KEYS):
        lines += [
            f"  - id: p{p}",
            f"    name: Project {key} release",
            f"    include: [{{source: j{p}, fix_version: V2}}]",
            f"    report_to: [{{source: j{p}, issue: {key}-1}}]",
        ]
    return "\n".join(lines) + "\n"


def replicas(sandbox: Sandbox, config: Path, url: str, cycle: str, count: int) -> list[int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "JIRA_"))}
    env |= {
        "GITHUB_TOKEN": sandbox.github_token,
        "GITHUB_API_URL": sandbox.github_url,
        "JIRA_URL": sandbox.jira_url,
        "JIRA_EMAIL": sandbox.jira_email,
        "JIRA_API_TOKEN": sandbox.jira_api_token,
        "DELIVERY_SYNC_CONFIG": str(config),
        "DELIVERY_SYNC_STATE": url,
        "DELIVERY_SYNC_CYCLE": cycle,
        "DELIVERY_SYNC_LOG_LEVEL": "warning",
        "DELIVERY_SYNC_GITHUB_WRITE_PAUSE": "0",  # the sandbox has no secondary rate limit
    }
    command = [sys.executable, "-m", "worker.start", "run", "--once"]  # as `delivery-sync`
    started = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]
    return [p.wait() for p in started]


@contextlib.contextmanager
def database(server: str):
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(server: str, total: int, latency: float, count: int) -> list[tuple]:
    rows = []
    with (
        Sandbox(seed=seed(total)) as sandbox,
        database(server) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        sandbox.github.rate.limit = sandbox.jira.rate.limit = 10**9
        sandbox.inject(delay=latency, times=None)  # every request, both trackers
        config = Path(tmp) / "m.yaml"
        config.write_text(mapping_text())
        for cycle in ("cold", "idle"):
            sandbox.clear_requests()
            started = time.perf_counter()
            codes = replicas(sandbox, config, url, f"bench-{cycle}", count)
            seconds = time.perf_counter() - started
            reads = sum(1 for r in sandbox.requests if r.method == "GET")
            writes = len(sandbox.requests) - reads
            rows.append((count, cycle, codes, reads, writes, seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("items", nargs="?", type=int, default=50_000)
    parser.add_argument("latency", nargs="?", type=float, default=0.05, help="seconds/request")
    args = parser.parse_args()
    total, latency = args.items, args.latency
    print(
        f"{total:,} items: {REPOS} GitHub repositories, {PROJECTS} Jira projects; "
        f"{latency * 1000:.0f} ms per request; {os.cpu_count()} CPUs, {platform.platform()}\n"
    )
    print("| replicas | cycle | exit codes | reads | writes | wall s |")
    print("|---:|---|---|---:|---:|---:|")
    server = os.environ.get("DELIVERY_SYNC_BENCH_POSTGRES")
    with contextlib.nullcontext(server) if server else throwaway_server() as url:
        for count in (1, 2, 4):
            for n, cycle, codes, reads, writes, seconds in measure(url, total, latency, count):
                print(f"| {n} | {cycle} | {codes} | {reads} | {writes} | {seconds:.1f} |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
