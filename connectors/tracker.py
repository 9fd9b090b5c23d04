"""What the worker needs from a tracker adapter: the one interface GitHub and Jira both satisfy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import structlog

from connectors.document import Document
from connectors.model import Comment, Marker, Milestone, WorkItem

T = TypeVar("T")
log = structlog.get_logger("delivery_sync.tracker")


def skip_malformed(
    raws: Iterable[Any],
    normalise: Callable[[Any], T],
    *,
    event: str,
    source: str,
    name: Callable[[dict], object],
) -> Iterator[T]:
    """Normalise each payload entry; a malformed one is skipped with a warning naming it."""
    for raw in raws:
        try:
            yield normalise(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning(
                event,
                source=source,
                item=name(raw) if isinstance(raw, dict) else None,
                error=f"{type(exc).__name__}: {exc}",
            )


@dataclass
class RequestStats:
    """Requests an adapter sent, for run records and the request-count budget."""

    reads: int = 0
    writes: int = 0


class Tracker(Protocol):
    kind: str  # "github" | "jira"
    source_id: str
    stats: RequestStats

    def fetch_items(self, since: datetime | None, *, jql: str | None = None) -> Iterator[WorkItem]:
        """Items updated at or after `since` (all items when None), each once.
        `jql` (Jira only) narrows the source to a selector's query. Malformed payload items
        are skipped with a warning."""
        ...

    def fetch_milestones(self) -> list[Milestone]: ...

    def site(self) -> dict | None:
        """Facts discovered about the site that later runs can reuse instead of asking again."""
        ...

    def check_access(self) -> None:
        """Raise TrackerError unless the credentials can read the source."""
        ...

    def fetch_item(self, issue: str) -> WorkItem | None:
        """One issue by number or key (a report target outside the fetched scope)."""
        ...

    def body(self, document: Document, marker: Marker) -> str:
        """Exactly the text the comment's body will hold, within the tracker's size limit."""
        ...

    def own_comments(self, issue: str) -> list[Comment]:
        """Comments on the issue written by our account, with their marker (None: unmarked)."""
        ...

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        """Give one of our unmarked comments its marker (a create whose marking failed)."""
        ...

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment: ...

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None: ...
