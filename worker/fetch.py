"""Bring the mirror of every source up to date: each stream incremental from its cursor, in
full once per resync period; items that come back unreadable keep their last good version."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import NamedTuple, Protocol

import structlog

from connectors.model import ItemRef, TrackerState, WorkItem
from connectors.retry import TrackerError
from connectors.tracker import ChangeListing, Selection, Tracker, Validator
from mappings.config import JiraSource, MappingFile, Selector, Source
from mappings.scope import jql_stream, matches, report_targets, target_ref
from mappings.searches import Inexpressible, union_jql
from worker.publisher import Outcome, Published
from worker.read_plan import Read, ReadPlan, listing_pages, plan_full_read
from worker.state import (
    TOUCH_SLACK,
    Cursor,
    Cursors,
    LockHeld,
    Mirror,
    StateError,
    StateStore,
    Touches,
    keep_lock,
)

log = structlog.get_logger("delivery_sync.fetch")

# `since` and Jira's minute-resolution `updated` need an overlap; de-duplication by key absorbs it.
LOOKBACK = timedelta(minutes=5)
PER_PAGE = 100  # entries per page both adapters ask for
BATCH = 500
RECHECK = 20  # mirrored items a Jira read by the union missed that are asked for one by one


class Criteria(NamedTuple):
    """One selector as a full read by selectors lists it (its `jql`, if any, is a stream of
    its own): the milestone (GitHub) or fix version (Jira) title, the label, the epic (Jira)."""

    milestone: str | None
    label: str | None
    epic: str | None = None


@dataclass(frozen=True, slots=True)
class Streams:
    """What one source is fetched as: its items (`query` names the repository or project and
    filter, so an edited filter is a new stream) and each JQL selector's matches."""

    source_id: str
    query: str
    jqls: tuple[str, ...] = ()
    full_resync_hours: float = 24
    # What a full read by selectors lists: each selector without `jql`, and the report targets
    # on this source (GitHub: fetched one by one; Jira: inside the one search by the union).
    selectors: tuple[Criteria, ...] = ()
    targets: tuple[str, ...] = ()
    project: str | None = None  # the Jira project key; None: a GitHub repository
    source: Source | None = field(default=None, compare=False)  # the mapping's
    # `selectors` as the mapping's selectors of `source`, for `mappings.scope.matches`
    matchers: tuple[Selector, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        source = self.source
        found = () if source is None else tuple(_matcher(source, c) for c in self.selectors)
        object.__setattr__(self, "matchers", found)

    @property
    def items(self) -> str:
        return f"{self.source_id}:items:{hashlib.sha1(self.query.encode()).hexdigest()[:12]}"

    @property
    def by_selectors(self) -> str:
        """How a full read by these selectors and targets is recorded in the cursor: a mirror
        read so holds nothing for a selector or target added since, which a full read fetches."""
        digest = hashlib.sha1(repr((self.selectors, self.targets)).encode()).hexdigest()[:12]
        return f"{Read.SELECTORS.value} {digest}"

    def names(self, item: WorkItem) -> bool:
        """Whether a full read by selectors reads the item for its own sake: a report target,
        an epic a selector names, or an item one of `selectors` selects (`matches`: labels
        compare as the tracker compares them)."""
        if ItemRef(self.source_id, item.key).issue in self.targets:
            return True
        if any(c.epic == item.key for c in self.selectors):
            return True
        return self.source is not None and any(
            matches(item, selector, self.source) for selector in self.matchers
        )


def _matcher(source: Source, criteria: Criteria) -> Selector:
    """`criteria` as the mapping would say it of `source`: a milestone on GitHub, a fix version
    on Jira."""
    title = {"fix_version" if isinstance(source, JiraSource) else "milestone": criteria.milestone}
    return Selector(source=source.id, label=criteria.label, epic=criteria.epic, **title)


def streams_of(mapping: MappingFile, source_id: str) -> Streams:
    source = mapping.source(source_id)
    # A `jql` selector's matches are a stream of their own; its epic, whose due date and
    # existence are read from the mirror, is read with the other selectors (its children too:
    # more than the selector needs, never less).
    selectors = {
        Criteria(selector.milestone or selector.fix_version, selector.label, selector.epic)
        if selector.jql is None
        else Criteria(None, None, selector.epic)
        for deliverable in mapping.deliverables
        for selector in deliverable.include
        if selector.source == source_id and (selector.jql is None or selector.epic is not None)
    }
    return Streams(
        source_id,
        source.model_dump_json(include={"kind", "repo", "project", "jql", "base_url", "url"}),
        tuple(jql_selectors(mapping, source_id)),
        mapping.rules.full_resync_hours,
        tuple(sorted(selectors, key=str)),
        tuple(
            sorted(
                {
                    t.issue
                    for d in mapping.deliverables
                    for t in report_targets(d)
                    if t.source == source_id
                }
            )
        ),
        source.project if isinstance(source, JiraSource) else None,
        source,
    )


def fetch_sources(
    mapping: MappingFile,
    trackers: Mapping[str, Tracker],
    state: StateStore,
    now: datetime,
    failed: dict[str, str],
    stop: threading.Event | None = None,
) -> None:
    """Bring every source's mirror up to date; a failing source is recorded in `failed` and
    never stops the others. Once `stop` is set the remaining sources are left for next time."""
    for source in mapping.sources:
        keep_lock(state)
        if stop is not None and stop.is_set():
            failed[source.id] = "not fetched: stopping"
            continue
        tracker = trackers.get(source.id)
        error = fetch_source(mapping, source.id, tracker, state, now, failed.get(source.id))
        if error is not None:
            failed[source.id] = error


def fetch_source(
    mapping: MappingFile,
    source_id: str,
    tracker: Tracker | None,
    state: StateStore,
    now: datetime,
    setup_failure: str | None = None,
) -> str | None:
    """Bring one source's mirror up to date (a work unit of a shared cycle, worker.shared); why
    it failed, or None. The state store's own failures and a lost lock stop the run instead."""
    if tracker is None:
        error = setup_failure or "no tracker could be set up"
        log.error("source.failed", source=source_id, error=error)
        return error
    try:
        fetched = sync_source(tracker, state, streams_of(mapping, source_id), now)
    except TrackerError as exc:
        log.error("source.failed", source=source_id, error=str(exc))
        return str(exc)
    except (StateError, LockHeld):
        raise  # not this source's fault: the run stops (exit 2 / 3)
    except Exception as exc:  # one broken source must not stop the others
        error = f"unexpected {type(exc).__name__}: {exc}"
        log.exception("source.failed", source=source_id, error=error)
        return error
    log.info("source.fetched", source=source_id, **fetched)
    return None


class _Store(Mirror, Cursors, Protocol):
    """What fetching writes: the mirror and the cursors."""


def sync_source(
    tracker: Tracker, state: _Store, streams: Streams, now: datetime
) -> dict[str, int | bool]:
    """Bring the mirror of one source up to date: incremental from the cursor, or in full when
    the last full fetch is older than `full_resync_hours` (catching deletions and moves).

    Each stream has its own cursor, named after what it asks for: the source's items and each
    selector JQL, whose matches are kept as a membership set. A stream with no cursor yet (new,
    or its query was edited) is fetched in full, so nothing is missing until the next full
    resync. A cursor never passes the cycle's start: items changed while we read come again.
    A read the tracker answers "not modified" (a 304 to the stream's validator) changes
    nothing, not even the cursor. A mirror last read by selectors is read in full again as soon
    as the mapping names another selector or report target on the source."""
    source_id = streams.source_id
    _sync_milestones(tracker, state, source_id, now)
    cursor = state.cursor(streams.items)
    full = (
        cursor is None
        or now - cursor.full_at >= timedelta(hours=streams.full_resync_hours)
        or (
            (cursor.plan or "").startswith(Read.SELECTORS.value)
            and cursor.plan != streams.by_selectors
        )
    )
    unreadable: dict[str, str] = getattr(tracker, "unreadable", {})
    if full or cursor is None:
        seen, validator, plan = _read_everything(tracker, state, streams, now, unreadable)
        unchanged = False
    else:
        listing = tracker.changes(cursor.since - LOOKBACK, cursor.validator)
        changed = _worth_mirroring(state, streams, cursor, listing.items())
        seen = _fetch_into_mirror(source_id, changed, state, unreadable)
        unchanged, validator, plan = listing.unchanged, listing.validator, cursor.plan
    cursors, members = _sync_selectors(tracker, state, streams, (now, full), (seen, unreadable))
    removed = 0
    if full:
        # Deleted, transferred or no longer visible: a full fetch is the only way to know. An
        # item that came back unreadable is neither: its last good version stays; nor is an
        # item a JQL selector's own search just matched (a read by selectors leaves those out).
        gone = state.item_keys(source_id) - seen - members - set(unreadable)
        state.delete_items(source_id, gone)
        removed = len(gone)
    if not unchanged:
        full_at = now if full or cursor is None else cursor.full_at
        cursors[streams.items] = _cursor(now, full_at, validator, plan)
    site = tracker.site()
    stored = state.site_info(source_id)
    if site is not None and (stored is None or stored[0] != site or full):
        state.save_site_info(source_id, site, now)
    _remember_unreadable(state, source_id, unreadable, seen, (now, full))
    for name, new in cursors.items():
        state.save_cursor(name, new)
    return {
        "full": full,
        "unchanged": unchanged,
        "fetched": len(seen),
        "removed": removed,
        "unreadable": len(unreadable),
    }


def _worth_mirroring(
    state: Mirror, streams: Streams, cursor: Cursor, items: Iterable[WorkItem]
) -> list[WorkItem]:
    """The items of an incremental read worth storing. A source last read in full by its
    selectors keeps only what `_needed` would load: an issue changed outside every selector,
    and not mirrored already, would be left out of every figure, and storing it would only make
    the next cycle read the whole mirror for nothing (its revision moves on a new item). An
    issue that enters a selector (labelled, given the milestone or fix version) is stored; one
    already mirrored is kept current, so it is seen leaving. On Jira, so is assigned work in
    progress anywhere in the project (the workload counts it) and an issue some mirrored or
    changed issue names as its blocker (its status says whether that one is still blocked)."""
    plan = cursor.plan or ""
    batch = list(items)
    if not batch or not plan.startswith(Read.SELECTORS.value) or streams.source is None:
        return batch
    known = state.item_keys(streams.source_id)
    if streams.project is None:
        return [item for item in batch if item.key in known or streams.names(item)]
    blockers = state.blocker_keys(streams.source_id) | {
        key for item in batch for key in item.blocked_by
    }
    return [
        item
        for item in batch
        if item.key in known or item.key in blockers or _in_union(item, streams)
    ]


def _cursor(
    since: datetime, full_at: datetime, validator: Validator | None, plan: str | None = None
) -> Cursor:
    if validator is None:
        return Cursor(since, full_at, plan=plan)
    return Cursor(since, full_at, validator.etag, validator.last_modified, plan)


def _sync_milestones(tracker: Tracker, state: _Store, source_id: str, now: datetime) -> None:
    """The milestones (fix versions), read every cycle because their dates change without any
    issue changing; asked for conditionally where the tracker allows it."""
    stream = f"{source_id}:milestones"
    cursor = state.cursor(stream)
    found, validator = tracker.milestone_changes(cursor.validator if cursor else None)
    if found is None:
        return  # unchanged: the stored ones stand
    state.replace_milestones(source_id, found)
    state.save_cursor(stream, _cursor(now, now, validator))


def _read_everything(
    tracker: Tracker, state: _Store, streams: Streams, now: datetime, unreadable: dict[str, str]
) -> tuple[set[str], Validator | None, str]:
    """Every item of the source the mapping can need; the keys read, the validator of the
    source's listing (None: not read), and how it was read (`worker.read_plan`).

    When the milestones alone prove the selectors cheaper than any whole listing could be,
    only the selectors are read (`_SelectorReading`). Otherwise the listing's first page is
    read first, newest change first: it is the change probe of the next cycles, and it says
    how many pages the whole listing has. By selectors: each selector's listing and each report
    target the pages read did not hold; the first page's validator stands, since any later
    change moves its issue to the top of that page. Whole: the rest of the pages, then the
    first page once more, conditionally: unchanged (a 304, no rate-limit point) unless an item
    changed while we read, which then moved to the front, where this read finds it. Only then
    can the caller take an item it did not see for deleted. A Jira project is one search by the
    union of what the mapping needs from it (`_read_union`), or, when that cannot be, its whole
    listing."""
    source_id = streams.source_id
    if streams.project is not None:
        seen = _read_union(tracker, state, streams, unreadable)
        if seen is not None:
            return seen, None, streams.by_selectors
    selectors = _SelectorReading.of(tracker, state, streams)  # before anything is stored
    if selectors is not None and selectors.choose(_whole_pages_at_least(state, streams), None):
        return selectors.read(state, unreadable, set()), None, streams.by_selectors
    listing = tracker.changes(None, None)
    first_page = {item.key for item in listing.first}
    if (
        selectors is not None
        and listing.pages is not None
        and selectors.choose(listing.pages, first_page)
    ):
        # Of the first page, what the mapping names: the rest would count nowhere.
        named = [item for item in listing.first if streams.names(item)]
        seen = _fetch_into_mirror(source_id, named, state, unreadable)
        seen |= selectors.read(state, unreadable, seen)
        return seen, listing.validator, streams.by_selectors
    seen = _fetch_into_mirror(source_id, listing.first, state, unreadable)
    seen |= _fetch_into_mirror(source_id, listing.rest, state, unreadable)
    if listing.validator is None:
        return seen, None, Read.WHOLE.value
    again = tracker.changes(now - LOOKBACK, listing.validator)
    seen |= _fetch_into_mirror(source_id, again.items(), state, unreadable)
    return seen, again.validator, Read.WHOLE.value


def _union(tracker: Tracker, state: _Store, streams: Streams) -> str | None:
    """The JQL a Jira project's full read searches by (`mappings.searches.union_jql`); None
    when it cannot be said exactly, or in one GET: then the project is read whole.

    Whatever the sizes, one search by the union costs no more pages than the whole project it
    is a part of, so no size is asked for (Cloud's `search/jql` reports none anyway)."""
    try:
        return union_jql(
            list(streams.matchers),
            streams.targets,
            project=streams.project or "",
            cloud=bool(tracker.cloud()),
            versions=state.milestones(streams.source_id).keys(),
        )
    except Inexpressible as exc:
        _planned(streams.source_id, Read.WHOLE, reason=str(exc))
        return None


def _read_union(
    tracker: Tracker, state: _Store, streams: Streams, unreadable: dict[str, str]
) -> set[str] | None:
    """The keys one search by the union of a Jira project's selectors read into the mirror;
    None when there is no such union (`_union`) or Jira refused it (a report target or epic
    that does not exist makes the whole query a 400): then the project is read whole, and the
    log says why."""
    union = _union(tracker, state, streams)
    if union is None:
        return None
    items = tracker.fetch_items(None, jql=union)
    try:
        first = next(items, None)  # Jira refuses a query on its first page, before any item
    except TrackerError as exc:
        if exc.status != 400:
            raise
        _planned(streams.source_id, Read.WHOLE, reason=f"Jira refused the union: {exc}")
        return None
    _planned(streams.source_id, Read.SELECTORS, reason=None)
    found = chain([] if first is None else [first], items)
    seen = _fetch_into_mirror(streams.source_id, found, state, unreadable)
    return seen | _recheck(tracker, state, streams, seen, unreadable)


def _recheck(
    tracker: Tracker, state: _Store, streams: Streams, seen: set[str], unreadable: dict[str, str]
) -> set[str]:
    """The keys of mirrored items the union did not return although, as last mirrored, they
    are in it, and which the source still holds (searched for by key, then stored).

    Such an item was deleted or moved, changed since (the next incremental read brings it), or
    was skipped: Data Center pages by offset, so an issue that leaves the union mid-read moves
    the next one back onto a page already read. A few are asked for; more than `RECHECK` (a
    renamed fix version, say) are left to the deletion as before, and the log says so."""
    items = state.items(streams.source_id)
    missing = sorted(k for k in items.keys() - seen if _in_union(items[k], streams))
    if not missing:
        return set()
    if len(missing) > RECHECK:
        log.warning("read.recheck_skipped", source=streams.source_id, missing=len(missing))
        return set()
    return _fetch_into_mirror(streams.source_id, _by_key(tracker, missing), state, unreadable)


def _by_key(tracker: Tracker, keys: list[str]) -> Iterator[WorkItem]:
    """The issues of `keys` the source still holds: one search (inside the project and the
    source's filter, which a GET of the issue would not apply); when Jira refuses it because
    a key no longer exists, one search per key, a refused one being gone."""
    try:
        yield from list(tracker.fetch_items(None, jql=f"key in ({', '.join(keys)})"))
        return
    except TrackerError as exc:
        if exc.status != 400:
            raise
    for key in keys:
        try:
            yield from list(tracker.fetch_items(None, jql=f"key = {key}"))
        except TrackerError as exc:
            if exc.status != 400:
                raise


def _in_union(item: WorkItem, streams: Streams) -> bool:
    """Whether an item, as mirrored, is in what `mappings.searches.union_jql` searches for."""
    return streams.names(item) or _assigned_in_progress(item)


def _assigned_in_progress(item: WorkItem) -> bool:
    """The union's `mappings.searches.WORK_IN_PROGRESS`, said of a Jira item: in a status of
    the In Progress category, and assigned (the workload's "WIP everywhere" counts it)."""
    return item.state is TrackerState.INDETERMINATE and bool(item.assignees)


def _planned(
    source_id: str,
    read: Read,
    reason: str | None,
    plan: ReadPlan | None = None,
    *,
    floor: bool = False,
    opened: int = 0,
) -> None:
    """`read.planned`, as GitHub's and Jira's reads both say it: a Jira union is never sized
    (`pages` None), and `reason` says why a Jira project is read whole. On GitHub, `floor`:
    the whole listing was not read, and its pages are the milestones' floor
    (`whole_pages_at_least`); `opened`: selectors opened to learn their size."""
    whole = plan.whole_pages if plan else None
    log.info(
        "read.planned",
        source=source_id,
        read=read.value,
        pages=plan.pages if plan else None,
        whole_pages=None if floor else whole,
        whole_pages_at_least=whole if floor else None,
        selector_pages=plan.selector_pages if plan else None,
        opened=opened,
        reason=reason,
    )


def _whole_pages_at_least(state: Mirror, streams: Streams) -> int:
    """The fewest pages the whole listing can have: an issue or pull request belongs to one
    milestone at most, so the source lists at least all the milestones' issues together."""
    milestones = state.milestones(streams.source_id).values()
    return listing_pages(sum(m.size or 0 for m in milestones), PER_PAGE)


@dataclass
class _SelectorReading:
    """Reading a source by its selectors: each selector's size (pages) as known before this
    read, the listings opened to learn the unknown ones, and the plan against the whole
    listing (`worker.read_plan`)."""

    tracker: Tracker
    streams: Streams
    sized: list[tuple[Selection, int | None]]
    opened: dict[int, ChangeListing] = field(default_factory=dict)

    @classmethod
    def of(cls, tracker: Tracker, state: _Store, streams: Streams) -> _SelectorReading | None:
        """None when the source has no selector to read by one listing each (a Jira project
        is read by one search, `_read_union`). Sizes come from the mirror as the previous cycle
        left it: call this before storing anything of this read."""
        if not streams.selectors or streams.project is not None:
            return None
        return cls(tracker, streams, _sized_selections(state, streams))

    def pages(self) -> list[int | None]:
        """Each selector's pages: as its opened listing announced, else from its size."""
        known = [None if n is None else listing_pages(n, PER_PAGE) for _, n in self.sized]
        return [self.opened[i].pages if i in self.opened else n for i, n in enumerate(known)]

    def choose(self, whole_pages: int, first_page: set[str] | None) -> bool:
        """Whether to read by selectors rather than a whole listing of `whole_pages` (read:
        its first page's keys in `first_page`; None: a lower bound, nothing of it read), after
        opening the selectors of unknown size when that can still pay."""
        targets = len(_missing_targets(self.streams, first_page or set()))
        plan = plan_full_read(whole_pages, self.pages(), targets)
        if plan.read is Read.PROBE:
            for index in plan.probe:
                self.opened[index] = self.tracker.open_selection(self.sized[index][0])
            plan = plan_full_read(whole_pages, self.pages(), targets)
        if first_page is not None or plan.read is Read.SELECTORS:
            floor = first_page is None
            _planned(
                self.streams.source_id, plan.read, None, plan, floor=floor, opened=len(self.opened)
            )
        return plan.read is Read.SELECTORS

    def read(self, state: _Store, unreadable: dict[str, str], seen: set[str]) -> set[str]:
        """Each selector's listing, then each report target no page read held."""
        source_id = self.streams.source_id
        listings = [
            self.opened[i] if i in self.opened else self.tracker.open_selection(selection)
            for i, (selection, _) in enumerate(self.sized)
        ]
        read = seen | _fetch_into_mirror(source_id, _each_once(listings), state, unreadable)
        missing = _missing_targets(self.streams, read)
        return read | _fetch_into_mirror(
            source_id, _targets(self.tracker, missing), state, unreadable
        )


def _each_once(listings: Iterable[ChangeListing]) -> Iterator[WorkItem]:
    """The items of the listings, each once however many list it."""
    keys: set[str] = set()
    for listing in listings:
        for item in listing.items():
            if item.key not in keys:
                keys.add(item.key)
                yield item


def _missing_targets(streams: Streams, seen: set[str]) -> list[str]:
    """The source's report targets (as the tracker names them) among no item read so far."""
    read = {ItemRef(streams.source_id, key).issue for key in seen}
    return [issue for issue in streams.targets if issue not in read]


def _targets(tracker: Tracker, issues: Iterable[str]) -> Iterator[WorkItem]:
    """The report targets as work items. A pull request is left out, as every listing leaves
    it out: otherwise a target that is one would count in a deliverable when the source is read
    by its selectors, and not when it is read whole."""
    for issue in issues:
        item = tracker.fetch_item(issue, pull_requests=False)
        if item is not None:
            yield item


def _sized_selections(state: _Store, streams: Streams) -> list[tuple[Selection, int | None]]:
    """Each selector as a listing, with the size the tracker reported for it (a milestone's
    open + closed count) or, for a label, how many mirrored items carried it after the previous
    cycle (None on a cold run). A milestone the tracker does not have lists nothing: its
    deliverable is held back anyway."""
    milestones = state.milestones(streams.source_id)
    counts = None
    if any(title is None for title, _, _ in streams.selectors):
        counts = _label_counts(state, streams.source_id)
    sized: list[tuple[Selection, int | None]] = []
    for title, label, _ in streams.selectors:
        if title is not None:
            milestone = milestones.get(title)
            if milestone is not None and milestone.number is not None:
                sized.append((Selection(milestone.number, label), milestone.size))
        elif label is not None:
            size = None if counts is None else counts.get(label.casefold(), 0)
            sized.append((Selection(None, label), size))
    return sized


def _label_counts(state: Mirror, source_id: str) -> dict[str, int] | None:
    """Mirrored items per label (case-folded); None when nothing is mirrored yet."""
    items = state.items(source_id)
    if not items:
        return None
    counts: dict[str, int] = {}
    for item in items.values():
        for label in {name.casefold() for name in item.labels}:
            counts[label] = counts.get(label, 0) + 1
    return counts


def _sync_selectors(
    tracker: Tracker,
    state: _Store,
    streams: Streams,
    when: tuple[datetime, bool],
    read: tuple[set[str], dict[str, str]],
) -> tuple[dict[str, Cursor], set[str]]:
    """Each JQL selector's matches, kept as a membership set; their new cursors, and every
    member's key."""
    (now, full), (seen, unreadable) = when, read
    cursors = {}
    members: set[str] = set()
    for jql in streams.jqls:
        member_stream = jql_stream(streams.source_id, jql)
        member_cursor = state.cursor(member_stream)
        member_full = full or member_cursor is None
        member_since = None if member_full else member_cursor.since - LOOKBACK
        matching = _fetch_into_mirror(
            streams.source_id, tracker.fetch_items(member_since, jql=jql), state, unreadable
        )
        if not member_full:
            # Changed items that no longer match left the selector; unchanged ones stay.
            matching |= state.membership(member_stream) - seen
        state.replace_membership(member_stream, matching)
        members |= matching
        cursors[member_stream] = Cursor(now, now if member_full else member_cursor.full_at)
    return cursors, members


def _remember_unreadable(
    state: Mirror,
    source_id: str,
    unreadable: dict[str, str],
    seen: set[str],
    when: tuple[datetime, bool],
) -> None:
    """Unreadable until read well again; a full fetch knows of every item that still is."""
    now, full = when
    earlier = set(state.unreadable(source_id))
    state.forget_unreadable(source_id, earlier - set(unreadable) if full else earlier & seen)
    if unreadable:
        state.mark_unreadable(source_id, unreadable, now)
        log.warning("items.unreadable", source=source_id, items=sorted(unreadable))


def _fetch_into_mirror(
    source_id: str, items: Iterable[WorkItem], state: Mirror, unreadable: dict[str, str]
) -> set[str]:
    """Store items page by page (memory stays bounded by the mirror); return their keys. An
    item that cannot be stored is skipped with a warning and counted as unreadable; the state
    store's own failures stop the run."""
    keys: set[str] = set()
    for batch in _batches(items, BATCH):
        try:
            state.upsert_items(source_id, batch)
        except StateError:
            raise
        except Exception:  # one item the store cannot take must not lose its page
            batch = [item for item in batch if _store_one(source_id, item, state, unreadable)]
        keys.update(item.key for item in batch)
    return keys


def _store_one(source_id: str, item: WorkItem, state: Mirror, unreadable: dict) -> bool:
    try:
        state.upsert_items(source_id, [item])
    except StateError:
        raise
    except Exception as exc:
        unreadable[item.key] = f"{type(exc).__name__}: {exc}"
        log.warning("item.malformed", source=source_id, item=item.key, error=unreadable[item.key])
        return False
    return True


def jql_selectors(mapping: MappingFile, source_id: str) -> list[str]:
    """The distinct JQL selectors that name this source."""
    return sorted(
        {
            selector.jql
            for deliverable in mapping.deliverables
            for selector in deliverable.include
            if selector.source == source_id and selector.jql
        }
    )


def memberships(mapping: MappingFile, state: Mirror) -> dict[str, frozenset[str]]:
    return {
        jql_stream(source.id, jql): state.membership(jql_stream(source.id, jql))
        for source in mapping.sources
        for jql in jql_selectors(mapping, source.id)
    }


def _batches(items: Iterable[WorkItem], size: int) -> Iterator[list[WorkItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _MirrorWithTouches(Mirror, Touches, Cursors, Protocol):
    """The mirror, the record of our own touches on it, and how each source was last read."""


def _needed(mapping: MappingFile, source_id: str, state: _MirrorWithTouches) -> dict[str, WorkItem]:
    """The source's mirror. When its last full read went by selectors, only what the mapping
    names: the selectors' items (a JQL selector's: its members), the report targets, the
    epics and, on Jira, the assigned work in progress. The items changed since that a
    source-wide incremental read brought in are left out too, so figures over all mirrored
    items (GitHub's "WIP everywhere") do not drift between full reads; except the blockers
    of the items kept: a blocker whose status changed since is here to say so (Jira does not
    touch the issue it blocks)."""
    items = state.items(source_id)
    cursor = state.cursor(streams_of(mapping, source_id).items)
    if cursor is None or not (cursor.plan or "").startswith(Read.SELECTORS.value):
        return items
    source = mapping.source(source_id)
    selectors = [s for d in mapping.deliverables for s in d.include if s.source == source_id]
    members = {s.jql: state.membership(jql_stream(source_id, s.jql)) for s in selectors if s.jql}
    named = {s.epic for s in selectors if s.epic} | {
        target_ref(t, source).key
        for d in mapping.deliverables
        for t in report_targets(d)
        if t.source == source_id
    }
    # A Jira full read by selectors also reads the assigned work in progress anywhere in the
    # project (`mappings.searches.WORK_IN_PROGRESS`): the workload counts it, and an item that
    # starts or stops being in progress changes, so the incremental read keeps it current.
    jira = isinstance(source, JiraSource)
    kept = {
        key: item
        for key, item in items.items()
        if key in named
        or (jira and _assigned_in_progress(item))
        or any(matches(item, s, source, members.get(s.jql or "")) for s in selectors)
    }
    blockers = {key for item in kept.values() for key in item.blocked_by if key in items}
    return kept | {key: items[key] for key in blockers}


def load_mirror(mapping: MappingFile, state: _MirrorWithTouches) -> dict[str, dict[str, WorkItem]]:
    """The mirror, with our own comments taken out of each item's last update: a task is not
    fresh because we nudged it, nor an epic because we reported on it."""
    items = {s.id: _needed(mapping, s.id, state) for s in mapping.sources}
    for source, by_key in items.items():
        stale_touches = []
        for key, (before, at) in state.touches(source).items():
            item = by_key.get(key)
            if item is not None and item.updated <= at + TOUCH_SLACK:
                by_key[key] = replace(item, updated=before)
            else:
                stale_touches.append(key)  # changed by someone else since, or gone
        state.forget_touches(source, stale_touches)
    return items


def remember_touches(
    mapping: MappingFile,
    state: Touches,
    items: Mapping[str, Mapping[str, WorkItem]],
    published: Iterable[Published],
    at: datetime,
) -> None:
    """Remember the items our writes just touched, and their update time before that."""
    for done in published:
        if done.outcome not in (Outcome.CREATED, Outcome.EDITED):
            continue
        key = target_ref(done.target, mapping.source(done.target.source)).key
        item = items.get(done.target.source, {}).get(key)
        if item is not None:
            state.record_touch(done.target.source, key, item.updated, at)
