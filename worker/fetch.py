"""Bring the mirror of every source up to date: each stream incremental from its cursor, in
full once per resync period; items that come back unreadable keep their last good version."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

import structlog

from connectors.model import WorkItem
from connectors.retry import TrackerError
from connectors.tracker import Tracker
from mappings.config import MappingFile
from mappings.scope import jql_stream, target_ref
from worker.publisher import Outcome, Published
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
BATCH = 500


@dataclass(frozen=True, slots=True)
class Streams:
    """What one source is fetched as: its items (`query` names the repository or project and
    filter, so an edited filter is a new stream) and each JQL selector's matches."""

    source_id: str
    query: str
    jqls: tuple[str, ...] = ()
    full_resync_hours: float = 24

    @property
    def items(self) -> str:
        return f"{self.source_id}:items:{hashlib.sha1(self.query.encode()).hexdigest()[:12]}"


def streams_of(mapping: MappingFile, source_id: str) -> Streams:
    source = mapping.source(source_id)
    return Streams(
        source_id,
        source.model_dump_json(include={"kind", "repo", "project", "jql", "base_url", "url"}),
        tuple(jql_selectors(mapping, source_id)),
        mapping.rules.full_resync_hours,
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
        if tracker is None:
            failed.setdefault(source.id, "no tracker could be set up")
            log.error("source.failed", source=source.id, error=failed[source.id])
            continue
        try:
            fetched = sync_source(tracker, state, streams_of(mapping, source.id), now)
        except TrackerError as exc:
            failed[source.id] = str(exc)
            log.error("source.failed", source=source.id, error=str(exc))
            continue
        except (StateError, LockHeld):
            raise  # not this source's fault: the run stops (exit 2 / 3)
        except Exception as exc:  # one broken source must not stop the others
            failed[source.id] = f"unexpected {type(exc).__name__}: {exc}"
            log.exception("source.failed", source=source.id, error=failed[source.id])
            continue
        log.info("source.fetched", source=source.id, **fetched)


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
    resync. A cursor never passes the cycle's start: items changed while we read come again."""
    source_id = streams.source_id
    cursor = state.cursor(streams.items)
    full = cursor is None or now - cursor.full_at >= timedelta(hours=streams.full_resync_hours)
    since = None if full or cursor is None else cursor.since - LOOKBACK
    unreadable: dict[str, str] = getattr(tracker, "unreadable", {})
    seen = _fetch_into_mirror(source_id, tracker.fetch_items(since), state, unreadable)
    removed = 0
    if full:
        # Deleted, transferred or no longer visible: a full fetch is the only way to know. An
        # item that came back unreadable is neither: its last good version stays.
        gone = state.item_keys(source_id) - seen - set(unreadable)
        state.delete_items(source_id, gone)
        removed = len(gone)
    cursors = {streams.items: Cursor(now, now if full or cursor is None else cursor.full_at)}
    cursors |= _sync_selectors(tracker, state, streams, (now, full), (seen, unreadable))
    state.replace_milestones(source_id, tracker.fetch_milestones())
    site = tracker.site()
    stored = state.site_info(source_id)
    if site is not None and (stored is None or stored[0] != site or full):
        state.save_site_info(source_id, site, now)
    _remember_unreadable(state, source_id, unreadable, seen, (now, full))
    for name, new in cursors.items():
        state.save_cursor(name, new)
    return {"full": full, "fetched": len(seen), "removed": removed, "unreadable": len(unreadable)}


def _sync_selectors(
    tracker: Tracker,
    state: _Store,
    streams: Streams,
    when: tuple[datetime, bool],
    read: tuple[set[str], dict[str, str]],
) -> dict[str, Cursor]:
    """Each JQL selector's matches, kept as a membership set; its new cursors."""
    (now, full), (seen, unreadable) = when, read
    cursors = {}
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
        cursors[member_stream] = Cursor(now, now if member_full else member_cursor.full_at)
    return cursors


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


class _MirrorWithTouches(Mirror, Touches, Protocol):
    """The mirror and the record of our own touches on it."""


def load_mirror(mapping: MappingFile, state: _MirrorWithTouches) -> dict[str, dict[str, WorkItem]]:
    """The mirror, with our own comments taken out of each item's last update: a task is not
    fresh because we nudged it, nor an epic because we reported on it."""
    items = {s.id: state.items(s.id) for s in mapping.sources}
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
