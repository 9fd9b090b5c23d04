"""Run a command as a measured child process: exit code, CPU seconds and its own peak RSS.

The peak RSS Linux reports for a child (`ru_maxrss` from `wait4`) is never below the peak of the
process that started it: Python's subprocess starts children with vfork, and at `exec` the
kernel carries the parent's high-water mark over to the child. A benchmark that holds a sandbox
with 50,000 items in memory would report its own peak (about 127 MB) for every cycle it starts,
whatever the cycle used. So the command is started by a small launcher, a fresh interpreter of
a few MB that waits for it and reports its figures.

    python benchmarks/child.py delivery-sync run --once
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("connectors", "mappings", "rendering", "worker")

_LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
                  usage.ru_maxrss / 1024]))
"""


@dataclass(frozen=True)
class Measured:
    code: int
    cpu: float  # user + system seconds of the command
    rss_mb: float  # its peak resident set, MiB
    err: str  # what it wrote on stderr


def compile_product(root: Path) -> None:
    """Compile the product's bytecode, as `pip install` does: measured from a checkout with
    PYTHONDONTWRITEBYTECODE=1 (as in a container), every start would otherwise compile its
    own modules again, about 0.2 s of CPU that no installed copy spends."""
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)


def measure_child(argv: list[str], env: dict[str, str], cwd: str) -> Measured:
    """Run `argv` (its stdout discarded) and say how it went."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    code, cpu, rss = json.loads(done.stdout.splitlines()[-1])
    return Measured(code, cpu, rss, done.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Run COMMAND once as a measured child; print its exit code, CPU seconds and "
        "peak RSS (its own, not this process's)."
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND")
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("name a command")
    run = measure_child(args.command, dict(os.environ), os.getcwd())
    sys.stderr.write(run.err)
    print(f"exit {run.code}, CPU {run.cpu:.2f} s, peak RSS {run.rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
