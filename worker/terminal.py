"""What a person at a terminal sees of a run: live progress per source and page on stderr while
the cycle works, and one summary line on stdout when it ends.

The progress is for people only: the CLI shows it when stderr is a terminal, it is drawn with
`rich` on stderr and cleared when the cycle ends, so stdout keeps only the per-comment lines and
the summary. It follows the cycle from the outside, through the stable log events
`source.fetched` and `source.failed` and each adapter's request counter (one read per page), so
the cycle knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import structlog
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from connectors.tracker import Tracker

if TYPE_CHECKING:
    from worker.cycle import CycleResult


def summary_line(result: CycleResult, seconds: float, dry_run: bool = False) -> str:
    """One line that says how the run went: deliverables, comments by outcome, requests, the
    rate-limit points they cost (where the tracker counts them), time. "delivery-sync: 3
    deliverables, 6 comments (1 edited, 5 unchanged), 14 requests, 9 rate-limit points, 2.1 s" """
    reported, held = len(result.views) + len(result.unchanged), len(result.skipped)
    parts = [f"{reported} deliverable{_s(reported)}" + (f" ({held} not reported)" if held else "")]
    outcomes: dict[str, int] = {}
    for published in result.published:
        outcomes[published.outcome.value] = outcomes.get(published.outcome.value, 0) + 1
    comments = len(result.published)
    detail = ", ".join(f"{n} {word}" for word, n in outcomes.items())
    parts.append(f"{comments} comment{_s(comments)}" + (f" ({detail})" if detail else ""))
    if result.failed_sources:
        parts.append(f"{len(result.failed_sources)} source{_s(len(result.failed_sources))} failed")
    requests = result.reads + result.writes
    writes = f" ({result.writes} write{_s(result.writes)})" if result.writes else ""
    parts.append(f"{requests} request{_s(requests)}{writes}")
    if result.rate_limit_points is not None:  # 304 answers are free: fewer than the requests
        points = result.rate_limit_points
        parts.append(f"{points} rate-limit point{_s(points)}")
    parts.append(f"{seconds:.1f} s")
    return ("delivery-sync (dry run): " if dry_run else "delivery-sync: ") + ", ".join(parts)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


class _Requests(ProgressColumn):
    """Pages read and writes sent by a source's adapter so far, read live at each refresh."""

    def render(self, task: Task) -> Text:
        stats = task.fields["tracker"].stats
        text = f"{stats.reads} page{_s(stats.reads)} read"
        if stats.writes:
            text += f", {stats.writes} write{_s(stats.writes)}"
        return Text(text)


class CycleProgress:
    """One line per source while a cycle runs: waiting, reading (with the pages read so far,
    live), done or failed. A context manager around `Cycle.run`."""

    def __init__(self, trackers: Mapping[str, Tracker], console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="·"),
            TextColumn("{task.description}"),
            _Requests(),
            TextColumn("{task.fields[state]}"),
            console=console,
            transient=True,  # gone when the cycle ends: the summary line says the rest
        )
        self._tasks = {
            source: self._progress.add_task(f"source {source}", total=1, tracker=t, state="")
            for source, t in trackers.items()
        }
        self._order = list(self._tasks)
        self._processors: list[Any] = []

    def __enter__(self) -> CycleProgress:
        self._processors = list(structlog.get_config()["processors"])
        structlog.configure(processors=[self._observe, *self._processors])
        self._next()
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()
        structlog.configure(processors=self._processors)

    def state(self, source: str) -> str:
        """What the line of `source` says now: "", "reading", "done" or "failed: …"."""
        return self._progress.tasks[self._tasks[source]].fields["state"]

    def _observe(self, _logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        """Sources are read in the mapping's order: when one ends, the next one starts."""
        name, source = event.get("event"), event.get("source")
        if name in ("source.fetched", "source.failed") and source in self._tasks:
            state = "done" if name == "source.fetched" else "failed"
            self._progress.update(self._tasks[source], completed=1, state=state)
            self._next()
        return event

    def _next(self) -> None:
        for source in self._order:
            task = self._progress.tasks[self._tasks[source]]
            if not task.finished:
                if not task.fields["state"]:
                    self._progress.update(self._tasks[source], state="reading")
                return
