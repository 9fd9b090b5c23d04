"""What a person at a terminal sees: one summary line on stdout at the end of every run, and live
progress per source on stderr when (and only when) stderr is a terminal."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from mappings.config import load_mapping
from tests.e2e import GITHUB_MAPPING, run_cli, sandbox_settings, writes
from worker.cycle import Cycle
from worker.progress import CycleProgress
from worker.runtime import Runtime
from worker.stores import open_state

pytestmark = pytest.mark.e2e

SUMMARY = re.compile(
    r"^delivery-sync: (\d+) deliverables, (\d+) comments \(([^)]*)\), "
    r"(\d+) requests(?: \((\d+) writes\))?, (\d+) rate-limit points?, \d+\.\d s$"
)


def summary_of(out: str) -> re.Match:
    lines = [line for line in out.splitlines() if line.startswith("delivery-sync")]
    assert len(lines) == 1, out
    assert out.splitlines()[-1] == lines[0], "the summary is the last line"
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    return match


def test_every_run_ends_with_one_summary_line_that_counts_what_it_did(sandbox, state):
    first = run_cli(["run", "--once"], sandbox, state)
    assert first.code == 0, first.err
    deliverables, comments, outcomes, requests, written, points = summary_of(first.out).groups()
    assert deliverables == "3" and comments == "6" and outcomes == "6 created"
    assert int(requests) == len(sandbox.requests) and int(written) == len(writes(sandbox)) == 6
    assert int(points) == sandbox.github.rate.used

    before = len(sandbox.requests)
    second = run_cli(["run", "--once"], sandbox, state)
    deliverables, comments, outcomes, requests, written, points = summary_of(second.out).groups()
    assert (comments, outcomes, written) == ("6", "6 unchanged", None)
    assert int(requests) == len(sandbox.requests) - before


def test_a_dry_run_and_a_failed_source_say_so_in_the_summary(sandbox, state):
    sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
    result = run_cli(["run", "--once", "--dry-run"], sandbox, state)
    assert result.code == 1
    line = result.out.splitlines()[-1]
    assert line.startswith("delivery-sync (dry run): 1 deliverable (2 not reported), ")
    assert "2 would create" in line and "1 source failed" in line


def test_no_progress_is_drawn_when_stderr_is_not_a_terminal(sandbox, state):
    result = run_cli(["run", "--once"], sandbox, state)
    assert "pages read" not in result.err and "\x1b[" not in result.err


def test_progress_follows_each_source_and_its_pages_on_a_terminal(sandbox, state):
    sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    store = open_state(str(state))
    try:
        # Retries of the failing source do not wait: the test is about what is drawn, not when.
        runtime = Runtime(sleep=lambda seconds: None)
        mapping, settings = load_mapping(GITHUB_MAPPING), sandbox_settings(sandbox)
        cycle = Cycle.build(mapping, settings, store, None, runtime)
        with CycleProgress(cycle.trackers, console) as progress:
            assert progress.state("web") == "reading" and progress.state("api") == ""
            cycle.run()
            assert progress.state("web") == "done"
            assert progress.state("api") == "failed"
    finally:
        store.close()
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "source web" in drawn and "source api" in drawn and "read" in drawn
