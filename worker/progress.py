"""What a person at a terminal sees while a run works: live progress per source and page on
stderr.

The progress is for people only: the CLI shows it when stderr is a terminal, it is drawn with
`rich` on stderr and cleared when the cycle ends, so stdout keeps only the per-comment lines and
the summary (`worker.terminal`). It follows the cycle from the outside, through the stable log
events `source.fetched` and `source.failed` and each adapter's request counter (one read per
page), so the cycle knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import structlog
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from connectors.tracker import Tracker
from worker.terminal import plural


class _Requests(ProgressColumn):
    """Pages read and writes sent by a source's adapter so far, read live at each refresh."""

    def render(self, task: Task) -> Text:
        stats = task.fields["tracker"].stats
        text = f"{stats.reads} page{plural(stats.reads)} read"
        if stats.writes:
            text += f", {stats.writes} write{plural(stats.writes)}"
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
