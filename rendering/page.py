"""The portfolio page before it is HTML: an overview row and a section per deliverable.

`mappings.portfolio_page` fills it from the role views; `rendering.html.page_html` writes it.
Like `rendering.document`, it holds our own wording as plain strings and keeps tracker text in
document nodes (`Section`, `Document`), which the walk strips and the HTML dialect escapes.
Every plain string is escaped too, since deliverable names come from the mapping file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rendering.document import Document, Section


@dataclass(frozen=True, slots=True)
class BurnUp:
    """The burn-up series and the dates the chart marks: today, the due date and the forecast
    range (the 50 % and 85 % dates; None when the forecast has none)."""

    days: tuple[date, ...]
    done: tuple[int, ...]
    scope: tuple[int, ...]
    today: date
    due: date | None = None
    p50: date | None = None
    p85: date | None = None


@dataclass(frozen=True, slots=True)
class PageEntry:
    """One deliverable: its overview row and its section.

    `anchor` is the mapping file's deliverable id (`[a-z0-9-]+`), used in element ids."""

    anchor: str
    name: str
    status: str  # exactly a `Status:` word of the delivery-lead comment
    reason: str | None  # what decided the status, when the view says
    done: int
    total: int
    due: date | None
    due_note: str  # "in 38 days, from fix version 2.0"; "" without a due date
    p85: str  # the 85 % date, or why there is none ("done", "no forecast")
    chance: str  # "74 %", or "—"
    budget: str  # "193 h of 400 h · projected 473 h · at risk", or "—"
    budget_at_risk: bool
    facts: tuple[str, ...]  # the lead's figure lines: progress, due, forecast, budget …
    burnup: BurnUp | None
    blockers: Section
    hot_spots: Document  # the PM's sections that need action; empty ones left out

    @property
    def percent(self) -> int:
        """Done share, floored, so 99.6 % never reads as 100 % while work remains."""
        return self.done * 100 // self.total if self.total else 0


@dataclass(frozen=True, slots=True)
class Page:
    """The whole page: every deliverable of the mapping file on one calendar day."""

    as_of: date
    entries: tuple[PageEntry, ...]
