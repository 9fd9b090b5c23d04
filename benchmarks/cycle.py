"""Request counts, CPU and memory of whole cycles against the sandbox (DESIGN §7).

For each size, a synthetic GitHub seed (10 repositories, one deliverable per repository
milestone, reported on each repository's tracking issue) is served by the sandbox, and the
real `delivery-sync run --once` runs in a subprocess:

- cold: empty state, no comments yet;
- idle: nothing changed;
- incremental: k issues changed;
- cold again with the comments already in the trackers (state file deleted).

Reads and writes are counted from the sandbox's request log; peak memory is the subprocess's
max RSS. CPU for reading the mirror, mapping, both views and rendering is timed in-process on
the same mirror, through the cycle's own `evaluate` step.

    python benchmarks/cycle.py            # 1k, 10k, 50k items
    python benchmarks/cycle.py 2000       # one size
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.child import compile_product, measure_child  # noqa: E402
from benchmarks.synthetic import generate_github  # noqa: E402
from mappings.config import parse_mapping  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402
from worker.cycle import Cycle  # noqa: E402
from worker.state import SQLiteState  # noqa: E402

REPOS = 10
CHANGED = 50


def mapping_text() -> str:
    lines = ["version: 1", "timezone: UTC", "sources:"]
    for r in range(REPOS):
        lines.append(f"  - {{id: r{r}, kind: github, repo: bench/repo-{r:03d}}}")
    lines.append("deliverables:")
    for r in range(REPOS):
        lines += [
            f"  - id: d{r}",
            f"    name: Repo {r} releases",
            f"    include: [{{source: r{r}, milestone: M2}}, {{source: r{r}, milestone: M3}}]",
            f"    report_to: [{{source: r{r}, issue: 1}}]",
        ]
    return "\n".join(lines) + "\n"


def run_cli(sandbox: Sandbox, config: Path, state: Path) -> tuple[int, float, float]:
    """Exit code, wall seconds, and the child's peak RSS in MB (Linux reports KB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "DELIVERY_"))}
    env |= {
        "GITHUB_TOKEN": sandbox.github_token,
        "GITHUB_API_URL": sandbox.github_url,
        "DELIVERY_SYNC_CONFIG": str(config),
        "DELIVERY_SYNC_STATE": str(state),
        "DELIVERY_SYNC_LOG_LEVEL": "warning",
        "DELIVERY_SYNC_GITHUB_WRITE_PAUSE": "0",  # the sandbox has no secondary rate limit
    }
    command = [sys.executable, "-m", "worker.start", "run", "--once"]  # as `delivery-sync`
    started = time.perf_counter()
    # Through a launcher, so the peak RSS is the cycle's, not this process's (benchmarks/child.py).
    run = measure_child(command, env, str(ROOT))
    sys.stderr.write(run.err)
    return run.code, time.perf_counter() - started, run.rss_mb


def counts(sandbox: Sandbox) -> tuple[int, int]:
    log = sandbox.requests
    reads = sum(1 for r in log if r.method == "GET")
    return reads, len(log) - reads


def measure(total: int) -> dict:
    doc = generate_github(repos=REPOS, issues_per_repo=total // REPOS, seed=1)
    rows = {}
    with Sandbox(seed=doc) as sandbox, tempfile.TemporaryDirectory() as tmp:
        sandbox.github.rate.limit = 10**9
        listed = sum(len(sandbox.github.issues(f"bench/repo-{r:03d}")) for r in range(REPOS))
        config, state = Path(tmp) / "m.yaml", Path(tmp) / "state.db"
        config.write_text(mapping_text())
        pages = sum(
            math.ceil(len(sandbox.github.issues(f"bench/repo-{r:03d}")) / 100) for r in range(REPOS)
        )

        def step(name: str) -> None:
            sandbox.clear_requests()
            code, seconds, rss = run_cli(sandbox, config, state)
            reads, writes = counts(sandbox)
            rows[name] = (code, reads, writes, seconds, rss)

        step("cold")
        step("idle")
        for r in range(CHANGED):
            repo = f"bench/repo-{r % REPOS:03d}"
            sandbox.github.update_issue(repo, 2 + r // REPOS, labels=["blocked"])
        step(f"{CHANGED} changed")
        for suffix in ("", "-wal", "-shm"):
            Path(str(state) + suffix).unlink(missing_ok=True)
        step("cold, comments exist")

        # The same pipeline, on the mirror the runs left: reading it, mapping, both views, render.
        cycle = Cycle(parse_mapping(mapping_text()), {}, SQLiteState(state))
        started = time.process_time()
        cycle.evaluate(datetime.now(UTC))
        cpu = time.process_time() - started
    return {"total": listed, "pages": pages, "rows": rows, "cpu": cpu}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Requests, wall time and peak memory of whole `run --once` cycles against "
        "the sandbox, and the CPU of mapping, status and rendering, at each size."
    )
    parser.add_argument(
        "sizes",
        nargs="*",
        type=int,
        default=[1_000, 10_000, 50_000],
        metavar="ITEMS",
        help="GitHub items over 10 repositories (default: 1000 10000 50000)",
    )
    sizes = parser.parse_args(argv).sizes
    compile_product(ROOT)
    print(f"{REPOS} repositories, {REPOS} deliverables; reads/writes from the sandbox's log\n")
    print("| items listed | cycle | exit | reads | writes | page bound | wall s | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    cpu_rows = []
    for size in sizes:
        result = measure(size)
        for name, (code, reads, writes, seconds, rss) in result["rows"].items():
            print(
                f"| {result['total']:,} | {name} | {code} | {reads} | {writes} | "
                f"{result['pages']} | {seconds:.1f} | {rss:.0f} |"
            )
        cpu_rows.append((result["total"], result["cpu"]))
    print("\n| items | mapping + status + render CPU s | per 10,000 items |")
    print("|---:|---:|---:|")
    for total, cpu in cpu_rows:
        print(f"| {total:,} | {cpu:.2f} | {cpu / total * 10_000:.2f} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(benchmark process itself, sandbox included: {peak:.0f} MB)")


if __name__ == "__main__":
    main()
