"""The benchmark scripts stay out of the suite (timings are no pass/fail), but each must at
least start: `--help` exits 0 and prints its usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted(
    p for p in (Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py")
    if p.name != "__init__.py"
)  # fmt: skip


def test_every_benchmark_script_is_covered():
    assert {p.name for p in SCRIPTS} >= {"compare.py", "cycle.py", "baseline_careful.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_exits_0(script):
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")


def test_a_measured_child_reports_its_own_peak_memory_not_its_parents():
    # Started directly, a child would report this process's peak: 100 MB more than its own.
    from benchmarks.child import measure_child

    ballast = bytearray(100 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    run = measure_child([sys.executable, "-c", "pass"], {}, ".")
    assert run.code == 0
    assert run.rss_mb < 50
    del ballast
