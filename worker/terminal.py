"""What a person at a terminal sees of a run's end: one summary line on stdout.

The live progress on stderr is `worker.progress` (drawn with rich, loaded only when stderr is a
terminal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from worker.cycle import CycleResult


def summary_line(result: CycleResult, seconds: float, dry_run: bool = False) -> str:
    """One line that says how the run went: deliverables, comments by outcome, requests, the
    rate-limit points they cost (where the tracker counts them), time. "delivery-sync: 3
    deliverables, 6 comments (1 edited, 5 unchanged), 14 requests, 9 rate-limit points, 2.1 s" """
    reported, held = len(result.views) + len(result.unchanged), len(result.skipped)
    parts = [
        f"{reported} deliverable{plural(reported)}" + (f" ({held} not reported)" if held else "")
    ]
    outcomes: dict[str, int] = {}
    for published in result.published:
        outcomes[published.outcome.value] = outcomes.get(published.outcome.value, 0) + 1
    comments = len(result.published)
    detail = ", ".join(f"{n} {word}" for word, n in outcomes.items())
    parts.append(f"{comments} comment{plural(comments)}" + (f" ({detail})" if detail else ""))
    if result.failed_sources:
        parts.append(
            f"{len(result.failed_sources)} source{plural(len(result.failed_sources))} failed"
        )
    requests = result.reads + result.writes
    writes = f" ({result.writes} write{plural(result.writes)})" if result.writes else ""
    parts.append(f"{requests} request{plural(requests)}{writes}")
    if result.rate_limit_points is not None:  # 304 answers are free: fewer than the requests
        points = result.rate_limit_points
        parts.append(f"{points} rate-limit point{plural(points)}")
    parts.append(f"{seconds:.1f} s")
    return ("delivery-sync (dry run): " if dry_run else "delivery-sync: ") + ", ".join(parts)


def plural(count: int) -> str:
    """The plural ending for `count` things."""
    return "" if count == 1 else "s"
