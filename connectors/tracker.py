"""What the worker needs from a tracker adapter: the one interface GitHub and Jira both satisfy."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import structlog

from connectors.model import Comment, Marker, Milestone, WorkItem

if TYPE_CHECKING:
    from rendering.document import Document

T = TypeVar("T")
log = structlog.get_logger("delivery_sync.tracker")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# JSON text can carry a lone surrogate only as a \uD800–\uDFFF escape (strict UTF-8 and UTF-16
# decoding refuse one), so an answer without such an escape needs no `valid_text` walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def valid_answer(parsed: Any, raw: str | bytes) -> Any:
    """A parsed JSON answer made valid Unicode (`valid_text`), walked only when its text `raw`
    holds a surrogate escape: the only way JSON carries a lone surrogate."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return valid_text(parsed) if _SURROGATE_ESCAPE.search(text) else parsed


def valid_text(value: Any) -> Any:
    """A parsed JSON answer with every string made valid Unicode (a lone surrogate, which JSON
    allows as `\\ud800` but UTF-8 cannot encode, becomes U+FFFD). Applied to every answer before
    anything else touches it, so one broken title cannot stop a hash, a store or a render."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_text(v) for v in value]
    return value


def skip_malformed(
    raws: Iterable[Any],
    normalise: Callable[[Any], T],
    *,
    event: str,
    source: str,
    name: Callable[[dict], object],
    unreadable: dict[str, str] | None = None,
) -> Iterator[T]:
    """Normalise each payload entry; a malformed one is skipped with a warning naming it, and
    recorded in `unreadable` (its name → why) so the cycle can say which items it could not read."""
    for raw in raws:
        try:
            yield normalise(raw)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            item = _safe_name(name, raw)
            error = f"{type(exc).__name__}: {exc}"
            log.warning(event, source=source, item=item, error=error)
            if unreadable is not None and item is not None:
                unreadable[str(item)] = error


def _safe_name(name: Callable[[dict], object], raw: Any) -> object:
    if not isinstance(raw, dict):
        return None
    try:
        return name(raw)
    except Exception:  # a payload too broken to name is still skipped, just anonymously
        return None


@dataclass
class RequestStats:
    """Requests an adapter sent, for run records and the request-count budget; the answers
    that said "not modified"; and what the tracker's rate-limit headers said: the quota left
    and the points this adapter's requests were charged."""

    reads: int = 0
    writes: int = 0
    rate_limit_remaining: int | None = None  # the last `x-ratelimit-remaining` seen; None: none
    not_modified: int = 0  # 304 answers to conditional reads
    rate_limit_points: int = 0  # requests the tracker counted against the primary rate limit
    _last_used: tuple[str, int] | None = field(default=None, repr=False)  # (reset, used)

    def rate_limit_seen(self, status: int, headers: Mapping[str, str]) -> None:
        """Read one answer's rate-limit headers (names in lower case).

        GitHub's `x-ratelimit-used` counts the window's charged requests: an answer whose count
        did not rise since our previous answer in the same window (`x-ratelimit-reset`) cost
        nothing (a 304). A rise counts as one point, whatever its size: requests of other
        processes sharing the token are not ours. The first answer of a window has nothing to
        compare with: it costs a point unless it is a 304. Jira sends no count: no points."""
        remaining = headers.get("x-ratelimit-remaining", "")
        if remaining.isdigit():  # both trackers send it (Jira Cloud, when a quota applies)
            self.rate_limit_remaining = int(remaining)
        used = headers.get("x-ratelimit-used", "")
        if not used.isdigit():
            return
        now = (headers.get("x-ratelimit-reset", ""), int(used))
        last = self._last_used
        charged = status != 304 if last is None or last[0] != now[0] else now[1] > last[1]
        self._last_used = now
        self.rate_limit_points += charged

    @property
    def counts_points(self) -> bool:
        """Whether the tracker sent a count of the points it charged (GitHub does, Jira not)."""
        return self._last_used is not None


@dataclass(frozen=True, slots=True)
class Validator:
    """What the tracker said identifies a listing's first page (`ETag`, `Last-Modified`). The
    next read of the same stream sends it back (`If-None-Match`, else `If-Modified-Since`); a
    304 answer means the page, and so the stream, did not change."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Validator | None:
        """The validator an answer carries (header names in lower case); None: none."""
        etag, modified = headers.get("etag") or None, headers.get("last-modified") or None
        return cls(etag, modified) if etag or modified else None

    def headers(self) -> dict[str, str]:
        """The conditional request header (an ETag is the stronger test; it wins)."""
        if self.etag:
            return {"If-None-Match": self.etag}
        return {"If-Modified-Since": self.last_modified} if self.last_modified else {}


@dataclass(frozen=True, slots=True)
class Selection:
    """One selector as a tracker lists it (GitHub: `milestone=<number>` and/or `labels=`)."""

    milestone: int | None = None  # the milestone's number
    label: str | None = None

    def __post_init__(self) -> None:
        if self.milestone is None and self.label is None:
            raise ValueError("a selection needs a milestone or a label")

    def __str__(self) -> str:
        parts = [f"milestone {self.milestone}"] if self.milestone is not None else []
        return " and ".join(parts + ([f"label {self.label!r}"] if self.label is not None else []))


@dataclass
class ChangeListing:
    """One read of a listing (a source's whole listing, newest change first, or a selection's):
    whether the tracker said it is unchanged (a 304: nothing to read), the validator for the
    next read, how many pages the tracker announced for it (None: not told), the items of its
    first page, read already, and the rest, read only when iterated."""

    unchanged: bool
    validator: Validator | None
    pages: int | None
    first: list[WorkItem]
    rest: Iterator[WorkItem] = field(default_factory=lambda: iter(()))

    def items(self) -> Iterator[WorkItem]:
        yield from self.first
        yield from self.rest


class Tracker(Protocol):
    kind: str  # "github" | "jira"
    source_id: str
    stats: RequestStats
    # Items this adapter object skipped as malformed since it was built, by the key the mirror
    # knows them under ("acme/web#45", "PLAT-9") → why. The cycle keeps their last good version
    # and says in the deliverable's comments that they could not be read.
    unreadable: dict[str, str]

    def fetch_items(self, since: datetime | None, *, jql: str | None = None) -> Iterator[WorkItem]:
        """Items updated at or after `since` (all items when None), each once.
        `jql` (Jira only) narrows the source to a selector's query. Malformed payload items
        are skipped with a warning."""
        ...

    def changes(self, since: datetime | None, validator: Validator | None) -> ChangeListing:
        """The source's items, most recently updated first, down to `since` (all when None).
        With a `validator` the first page is asked for conditionally: `unchanged` when the
        tracker says it did not change. The first page is read before this returns."""
        ...

    def open_selection(self, selection: Selection) -> ChangeListing:
        """The selection's listing in creation order (stable while issues change), its first
        page read before this returns and `pages` as the tracker announced them; the rest read
        only when iterated. Only where `changes` announces the whole listing's pages (GitHub)."""
        ...

    def fetch_milestones(self) -> list[Milestone]: ...

    def milestone_changes(
        self, validator: Validator | None
    ) -> tuple[list[Milestone] | None, Validator | None]:
        """The milestones (None: unchanged since `validator`) and the validator for next time
        (None where the tracker gives none, or the listing is too long for one to prove it
        unchanged)."""
        ...

    def cloud(self) -> bool | None:
        """Jira: whether the site is Cloud (discovered first if not known yet), which decides
        how a query names an epic's children. GitHub: None."""
        ...

    def site(self) -> dict | None:
        """Facts discovered about the site that later runs can reuse instead of asking again."""
        ...

    def check_access(self) -> None:
        """Raise TrackerError unless the credentials can read the source."""
        ...

    def fetch_item(self, issue: str, *, pull_requests: bool = True) -> WorkItem | None:
        """One issue by number or key (a report target outside the fetched scope); None when
        there is none. `pull_requests=False`: None for a GitHub pull request too, which no
        listing of the mirror holds."""
        ...

    def body(self, document: Document, marker: Marker) -> str:
        """Exactly the text the comment's body will hold, within the tracker's size limit."""
        ...

    def counted_no_comments(self, issue: str) -> bool:
        """True when this cycle read the issue and the tracker counted no comment on it, and
        this adapter has not tried to comment on it since (GitHub's `comments` count; False
        where the tracker gives none). A writer elsewhere — a replica, a run that stopped
        mid-write — may have commented after that read: the caller decides when that cannot
        be (`worker.publisher`)."""
        ...

    def own_comments(self, issue: str) -> list[Comment]:
        """Comments on the issue written by our account, with their marker (None: unmarked)."""
        ...

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        """Give one of our unmarked comments its marker (a create whose marking failed)."""
        ...

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment: ...

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        """Replace the body. Notifies nobody where the tracker allows it (Jira Cloud:
        `notifyUsers=false`). Raises NotFound when the comment (or its issue) is gone."""
        ...

    def delete_comment(self, issue: str, comment_id: str) -> None:
        """Delete one of our comments (`run --prune`). Raises NotFound when already gone."""
        ...

    def fetch_labels(self) -> list[str]:
        """The label names the source knows (GitHub: the repository's labels), for
        `validate --online`. Jira has no label list worth reading: returns []."""
        ...

    def check_jql(self, jql: str) -> None:
        """Jira: run a selector's JQL once (bounded by the project), raising TrackerError with
        Jira's own message when the query is refused. GitHub: raises ValueError."""
        ...
