"""The state store: item mirror, cursors, comment records, history snapshots, run records, run lock.

Each part of the cycle uses one small protocol (`RunLock`, `Mirror`, `Cursors`, `Touches`,
`CommentLog`, `History`, `RunLog`); `StateStore` is all of them, and `SQLiteState` implements it
(WAL, schema versions in `PRAGMA user_version`). `worker.state_pg.PostgresState` is the second
implementation, with the same tables and the same versioned migrations, one for one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from connectors.model import Milestone, WorkItem
from connectors.tracker import Validator

if TYPE_CHECKING:  # the domain is imported when a snapshot is read, not to open the store
    from mappings.views import Snapshot

log = structlog.get_logger("delivery_sync.state")

LOCK_NAME = "run"
# The run lock is a lease: its holder renews it every LOCK_HEARTBEAT from a background thread,
# and a lease not renewed for LOCK_STALE (a few missed beats) belongs to a run that is gone — a
# pod killed hard, whose hostname the next pod never shares — and is taken over.
LOCK_HEARTBEAT = timedelta(seconds=15)
LOCK_STALE = timedelta(seconds=90)
LEGACY_LOCK_STALE = timedelta(minutes=30)
# GitHub and Jira move an issue's `updated` when we comment on it; this much later is still us.
TOUCH_SLACK = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a stream's next read starts, and how to ask the tracker whether it changed."""

    since: (
        datetime  # next incremental fetch asks for items updated at or after this (minus lookback)
    )
    full_at: datetime  # when the last full fetch of the stream completed
    # The stream's first page as the tracker last identified it (`ETag`, `Last-Modified`),
    # sent back on the next read: a 304 means the stream is unchanged. None: none given.
    etag: str | None = None
    last_modified: str | None = None
    # How the last full read was made (`worker.read_plan.Read`: "whole" or "selectors"); the
    # mirror of a source read by selectors holds only what the mapping names.
    plan: str | None = None

    @property
    def validator(self) -> Validator | None:
        if self.etag is None and self.last_modified is None:
            return None
        return Validator(self.etag, self.last_modified)


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """Which comment holds a report, and what it says. `comment_id` None: a create is in flight.
    `retired`: the day the report was retired (its deliverable or target left the mapping);
    a retired comment is never edited again."""

    target: str
    marker: str
    comment_id: str | None
    body: str | None
    body_hash: str | None
    retired: date | None = None


@dataclass(frozen=True, slots=True)
class Publication:
    """What a deliverable looked like when its reports were last published: its name (for the
    note that retires them), a digest of its selectors (a mapping edit is not news), how many
    items each selector matched (a selector matching nothing now, after matching some, is held
    back as a likely rename), and its report targets."""

    deliverable: str
    name: str
    selectors: str
    matched: dict[str, int]
    targets: tuple[str, ...]
    day: date
    items: int = 0  # counted and dropped items then
    # What the reports were computed from, so a cycle whose inputs are the same skips them:
    # `inputs` digests the deliverable's own inputs, `revision` the whole store's and the
    # mapping's (`worker.reports`); empty when a write was deferred or failed. `status` is
    # the health word then published.
    inputs: str = ""
    revision: str = ""
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Announcement:
    """The status a target's readers last heard of, for status-change notices: announced by a
    notice at `since` (the cool-down runs from then), or set quietly by a first report or a
    mapping edit (`announced` False)."""

    status: str
    since: datetime
    announced: bool


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    started: datetime
    finished: datetime | None
    reads: int
    writes: int
    failures: int
    summary: dict


class LockHeld(Exception):
    """Another run holds the state lock."""

    def __init__(self, holder: str):
        super().__init__(f"another delivery-sync run holds the state lock ({holder})")
        self.holder = holder


class StateError(Exception):
    """The state store failed (cannot be opened, a corrupt page, a full disk). The run stops
    cleanly with exit 2; what was written is whole, and the next healthy run repairs the rest."""


class StateUnavailable(StateError):
    """The state store named by --state / DELIVERY_SYNC_STATE cannot be opened."""


class RunLock(Protocol):
    """One run at a time: a lease, renewed while the run lives."""

    def acquire_lock(self, now: datetime, *, heartbeat: bool = False) -> None: ...
    def refresh_lock(self, now: datetime) -> bool: ...
    def release_lock(self) -> None: ...


def keep_lock(lock: RunLock) -> None:
    """Refresh the run lock between steps; if another run took it over, stop here (no write
    is in flight between steps)."""
    if not lock.refresh_lock(datetime.now(UTC)):
        log.error("lock.lost")
        raise LockHeld("another run took the state lock over while this one ran")


class Mirror(Protocol):
    """The trackers' items and milestones as last fetched, and the items that came back broken."""

    def items(self, source: str) -> dict[str, WorkItem]: ...
    def upsert_items(self, source: str, items: Iterable[WorkItem]) -> int: ...
    def item_keys(self, source: str) -> set[str]: ...
    def blocker_keys(self, source: str) -> set[str]:
        """The keys some mirrored item of `source` names as blocking it."""
        ...

    def delete_items(self, source: str, keys: Iterable[str]) -> None: ...
    def milestones(self, source: str) -> dict[str, Milestone]: ...
    def replace_milestones(self, source: str, milestones: Iterable[Milestone]) -> None: ...
    def membership(self, stream: str) -> frozenset[str]: ...
    def replace_membership(self, stream: str, keys: Iterable[str]) -> None: ...
    def unreadable(self, source: str) -> dict[str, str]: ...
    def mark_unreadable(self, source: str, problems: dict[str, str], since: datetime) -> None: ...
    def forget_unreadable(self, source: str, keys: Iterable[str]) -> None: ...
    def revision(self, source: str) -> int: ...


class Cursors(Protocol):
    """Where each stream's next fetch starts, and what was learnt about each site."""

    def cursor(self, stream: str) -> Cursor | None: ...
    def save_cursor(self, stream: str, cursor: Cursor) -> None: ...
    def site_info(self, source: str) -> tuple[dict, datetime] | None: ...
    def save_site_info(self, source: str, info: dict, saved: datetime) -> None: ...


class Touches(Protocol):
    """When our own comments moved an item's `updated`, so it is not taken for fresh work."""

    def record_touch(self, source: str, key: str, before: datetime, at: datetime) -> None: ...
    def touches(self, source: str) -> dict[str, tuple[datetime, datetime]]: ...
    def forget_touches(self, source: str, keys: Iterable[str]) -> None: ...


class CommentLog(Protocol):
    """Which comment holds which report and what it says, and when that was last checked."""

    def comment_record(self, target: str, marker: str) -> CommentRecord | None: ...
    def save_comment_record(self, record: CommentRecord) -> None: ...
    def delete_comment_record(self, target: str, marker: str) -> None: ...
    def comment_records(self, targets: Collection[str] | None = None) -> list[CommentRecord]:
        """Every record, or (`targets`) the records of those targets only."""
        ...

    def verified(self, target: str) -> datetime | None: ...
    def save_verified(self, target: str, at: datetime) -> None: ...


class History(Protocol):
    """What each deliverable looked like, was published as, and announced, over time."""

    def history(self, deliverable: str) -> tuple[Snapshot, ...]: ...
    def save_snapshot(self, deliverable: str, snapshot: Snapshot) -> bool: ...
    def publication(self, deliverable: str) -> Publication | None: ...
    def save_publication(self, publication: Publication) -> None: ...
    def announcement(self, deliverable: str, target: str) -> Announcement | None: ...
    def save_announcement(self, deliverable: str, target: str, news: Announcement) -> None: ...
    def forget_announcement(self, deliverable: str, target: str) -> None: ...


class RunLog(Protocol):
    """A record of each run."""

    def start_run(self, started: datetime) -> int: ...
    def finish_run(self, run_id: int, record: RunRecord) -> None: ...


class StateStore(RunLock, Mirror, Cursors, Touches, CommentLog, History, RunLog, Protocol):
    """Everything a run keeps between cycles; each part of the cycle asks for the small
    protocol it uses."""

    def close(self) -> None: ...


_MIGRATIONS = [
    """
    CREATE TABLE items (
        source TEXT NOT NULL, key TEXT NOT NULL, updated TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    CREATE TABLE milestones (
        source TEXT NOT NULL, title TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (source, title)
    );
    CREATE TABLE memberships (
        stream TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (stream, key)
    );
    CREATE TABLE cursors (
        stream TEXT PRIMARY KEY, since TEXT NOT NULL, full_at TEXT NOT NULL
    );
    CREATE TABLE comments (
        target TEXT NOT NULL, marker TEXT NOT NULL, comment_id TEXT, body TEXT, body_hash TEXT,
        PRIMARY KEY (target, marker)
    );
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deliverable TEXT NOT NULL, day TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX snapshots_by_deliverable ON snapshots (deliverable, id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
        reads INTEGER NOT NULL DEFAULT 0, writes INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE locks (
        name TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, acquired TEXT NOT NULL,
        heartbeat TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE sites (
        source TEXT PRIMARY KEY, info TEXT NOT NULL, saved TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE touches (
        source TEXT NOT NULL, key TEXT NOT NULL, before TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    """,
    """
    ALTER TABLE comments ADD COLUMN retired TEXT;
    ALTER TABLE locks ADD COLUMN owner TEXT;
    CREATE TABLE publications (
        deliverable TEXT PRIMARY KEY, data TEXT NOT NULL
    );
    CREATE TABLE announcements (
        deliverable TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
        since TEXT NOT NULL, announced INTEGER NOT NULL, PRIMARY KEY (deliverable, target)
    );
    CREATE TABLE unreadable (
        source TEXT NOT NULL, key TEXT NOT NULL, error TEXT NOT NULL, since TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    CREATE TABLE verifications (
        target TEXT PRIMARY KEY, at TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE revisions (
        source TEXT PRIMARY KEY, revision INTEGER NOT NULL
    );
    """,
    """
    ALTER TABLE cursors ADD COLUMN etag TEXT;
    ALTER TABLE cursors ADD COLUMN last_modified TEXT;
    ALTER TABLE cursors ADD COLUMN plan TEXT;
    """,
]
SNAPSHOTS_KEPT_DAYS = 120


def is_news(
    batch: Sequence[tuple[WorkItem, str]],
    stored: Mapping[str, tuple[str, str]],
    touches: Callable[[], Mapping[str, tuple[datetime, datetime]]],
) -> bool:
    """Whether any item of the batch (each with its JSON) is news against the stored versions
    (key → stored update time, JSON): new, or changed by someone but us. An item whose only
    change is the update time our own comment gave it (within `TOUCH_SLACK` of the touch
    `touches()` recorded) is not news: it changes no report. Both stores share this rule."""
    changed = []
    for item, data in batch:
        old = stored.get(item.key)
        if old is None:
            return True
        if old[1] != data:
            changed.append((item, old))
    if not changed:
        return False
    touched = touches()
    return any(
        item.key not in touched
        or item.updated > touched[item.key][1] + TOUCH_SLACK
        or replace(item, updated=datetime.fromisoformat(old[0])).to_json() != old[1]
        for item, old in changed
    )


class SQLiteState:
    """SQLite implementation of StateStore. One connection, used by one thread (the lock's
    heartbeat opens its own)."""

    def __init__(self, path: str | Path, *, connection: sqlite3.Connection | None = None):
        self.path = str(path)
        if connection is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=5000")
        self._db = _Guarded(connection, self.path)
        self._owns_lock = False
        self._owner = uuid.uuid4().hex
        self._heartbeat: _Heartbeat | None = None
        self._migrate()

    @classmethod
    def read_only_copy(cls, path: str | Path) -> SQLiteState:
        """An in-memory copy of the store at `path` (empty when there is none yet), for the
        commands that write nothing that lasts (`report`, `run --dry-run`): they take no lock
        and can run beside a real run without touching its state."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if Path(path).exists():
            # A URI, so "#", "?" or "%" in the path name the file instead of URI syntax.
            uri = Path(path).resolve().as_uri() + "?mode=ro"
            source = sqlite3.connect(uri, uri=True, timeout=5)
            try:
                source.backup(memory)
            finally:
                source.close()
        return cls(":memory:", connection=memory)

    def _migrate(self) -> None:
        """Apply the migrations this store lacks, each in its own write transaction. The
        version is read again inside it: replicas starting together migrate once."""
        while True:
            with self._transaction():
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version > len(_MIGRATIONS):
                    raise RuntimeError(
                        f"{self.path}: state schema version {version} is newer than this "
                        f"delivery-sync understands ({len(_MIGRATIONS)}); upgrade delivery-sync"
                    )
                if version == len(_MIGRATIONS):
                    return
                for statement in filter(str.strip, _MIGRATIONS[version].split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {version + 1}")

    def _transaction(self):
        return _Transaction(self._db)

    # ---- lock -------------------------------------------------------------------------------

    def acquire_lock(self, now: datetime, *, heartbeat: bool = False) -> None:
        """Take the run lock or raise LockHeld. A lock is taken over when its holder is a dead
        process on this host, or when its lease was not renewed for LOCK_STALE. With
        `heartbeat`, a background thread renews the lease until `release_lock`."""
        host, pid = socket.gethostname(), os.getpid()
        with self._transaction():
            row = self._db.execute(
                "SELECT pid, host, acquired, heartbeat, owner FROM locks WHERE name = ?",
                (LOCK_NAME,),
            ).fetchone()
            # A lock without an owner was taken by a version before the lease, which renewed it
            # only every five minutes: it keeps its old half hour, so an upgrade never takes
            # the lock of an older run that is still going.
            stale_after = LOCK_STALE if row is None or row[4] else LEGACY_LOCK_STALE
            if row is not None and not _lock_is_stale(
                row[0], row[1], row[3], host, now, stale_after
            ):
                raise LockHeld(f"pid {row[0]} on {row[1]} since {row[2]}")
            self._db.execute(
                "INSERT OR REPLACE INTO locks (name, pid, host, acquired, heartbeat, owner) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (LOCK_NAME, pid, host, now.isoformat(), now.isoformat(), self._owner),
            )
        self._owns_lock = True
        if heartbeat and self.path != ":memory:":
            self._heartbeat = _Heartbeat(self.path, self._owner, LOCK_HEARTBEAT.total_seconds())
            self._heartbeat.start()

    def refresh_lock(self, now: datetime) -> bool:
        """Tell others we are alive; False when the lock we held was taken over."""
        if not self._owns_lock:
            return True  # nothing held, nothing lost
        if self._heartbeat is not None and self._heartbeat.lost.is_set():
            self._owns_lock = False
            return False
        updated = self._db.execute(
            "UPDATE locks SET heartbeat = ? WHERE name = ? AND owner = ?",
            (now.isoformat(), LOCK_NAME, self._owner),
        ).rowcount
        self._owns_lock = updated == 1
        return self._owns_lock

    def release_lock(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        if self._owns_lock:
            self._db.execute(
                "DELETE FROM locks WHERE name = ? AND owner = ?", (LOCK_NAME, self._owner)
            )
            self._owns_lock = False

    # ---- mirror -----------------------------------------------------------------------------

    def items(self, source: str) -> dict[str, WorkItem]:
        rows = self._db.execute("SELECT data FROM items WHERE source = ?", (source,))
        items = (WorkItem.from_json(data) for (data,) in rows)
        return {item.key: item for item in items}

    def upsert_items(self, source: str, items: Iterable[WorkItem]) -> int:
        """Store items; the source's revision moves when one is new or differs from its stored
        version in more than the update time our own comment gave it (`TOUCH_SLACK`)."""
        batch = [(item, item.to_json()) for item in items]
        with self._transaction():
            news = self._news(source, batch)
            self._db.executemany(
                "INSERT INTO items (source, key, updated, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, key) DO UPDATE SET updated = excluded.updated, "
                "data = excluded.data WHERE data IS NOT excluded.data",
                [(source, i.key, i.updated.isoformat(), data) for i, data in batch],
            )
            if news:
                self._bump(source)
        return len(batch)

    def _news(self, source: str, batch: list[tuple[WorkItem, str]]) -> bool:
        """Whether any item of the batch is news (`is_news`)."""
        stored: dict[str, tuple[str, str]] = {}
        for start in range(0, len(batch), 500):
            keys = [i.key for i, _ in batch[start : start + 500]]
            rows = self._db.execute(
                f"SELECT key, updated, data FROM items WHERE source = ? "
                f"AND key IN ({', '.join('?' * len(keys))})",
                (source, *keys),
            )
            stored.update((key, (updated, data)) for key, updated, data in rows)
        return is_news(batch, stored, lambda: self.touches(source))

    def item_keys(self, source: str) -> set[str]:
        rows = self._db.execute("SELECT key FROM items WHERE source = ?", (source,))
        return {key for (key,) in rows}

    def blocker_keys(self, source: str) -> set[str]:
        rows = self._db.execute(
            "SELECT DISTINCT blocker.value FROM items, json_each(items.data, '$.blocked_by') "
            "AS blocker WHERE items.source = ?",
            (source,),
        )
        return {str(key) for (key,) in rows}

    def delete_items(self, source: str, keys: Iterable[str]) -> None:
        with self._transaction():
            deleted = self._db.executemany(
                "DELETE FROM items WHERE source = ? AND key = ?", [(source, k) for k in keys]
            )
            if deleted.rowcount > 0:
                self._bump(source)

    def milestones(self, source: str) -> dict[str, Milestone]:
        rows = self._db.execute("SELECT data FROM milestones WHERE source = ?", (source,))
        found = (Milestone.from_json(data) for (data,) in rows)
        return {m.title: m for m in found}

    def replace_milestones(self, source: str, milestones: Iterable[Milestone]) -> None:
        rows = [(source, m.title, m.to_json()) for m in milestones]
        with self._transaction():
            stored = self._db.execute(
                "SELECT title, data FROM milestones WHERE source = ?", (source,)
            )
            if dict(stored) == {title: data for _, title, data in rows}:
                return
            self._bump(source)
            self._db.execute("DELETE FROM milestones WHERE source = ?", (source,))
            self._db.executemany(
                "INSERT OR REPLACE INTO milestones (source, title, data) VALUES (?, ?, ?)", rows
            )

    def membership(self, stream: str) -> frozenset[str]:
        rows = self._db.execute("SELECT key FROM memberships WHERE stream = ?", (stream,))
        return frozenset(key for (key,) in rows)

    def replace_membership(self, stream: str, keys: Iterable[str]) -> None:
        keys = set(keys)
        with self._transaction():
            stored = self._db.execute("SELECT key FROM memberships WHERE stream = ?", (stream,))
            if {key for (key,) in stored} == keys:
                return
            self._bump(stream.split(":", 1)[0])  # a stream is named after its source
            self._db.execute("DELETE FROM memberships WHERE stream = ?", (stream,))
            self._db.executemany(
                "INSERT OR IGNORE INTO memberships (stream, key) VALUES (?, ?)",
                [(stream, k) for k in keys],
            )

    def site_info(self, source: str) -> tuple[dict, datetime] | None:
        """What an adapter discovered about its site (Jira: deployment, fields, our account)."""
        row = self._db.execute(
            "SELECT info, saved FROM sites WHERE source = ?", (source,)
        ).fetchone()
        return None if row is None else (json.loads(row[0]), datetime.fromisoformat(row[1]))

    def save_site_info(self, source: str, info: dict, saved: datetime) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sites (source, info, saved) VALUES (?, ?, ?)",
            (source, json.dumps(info, sort_keys=True), saved.isoformat()),
        )

    def record_touch(self, source: str, key: str, before: datetime, at: datetime) -> None:
        """We commented on an item at `at`; its own last update before that was `before`.
        Keeps the first `before` when we write to it again before anyone else does."""
        self._db.execute(
            "INSERT INTO touches (source, key, before, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source, key) DO UPDATE SET at = excluded.at",
            (source, key, before.isoformat(), at.isoformat()),
        )

    def touches(self, source: str) -> dict[str, tuple[datetime, datetime]]:
        rows = self._db.execute("SELECT key, before, at FROM touches WHERE source = ?", (source,))
        return {
            key: (datetime.fromisoformat(before), datetime.fromisoformat(at))
            for key, before, at in rows
        }

    def forget_touches(self, source: str, keys: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany(
                "DELETE FROM touches WHERE source = ? AND key = ?", [(source, k) for k in keys]
            )

    def cursor(self, stream: str) -> Cursor | None:
        row = self._db.execute(
            "SELECT since, full_at, etag, last_modified, plan FROM cursors WHERE stream = ?",
            (stream,),
        ).fetchone()
        if row is None:
            return None
        return Cursor(datetime.fromisoformat(row[0]), datetime.fromisoformat(row[1]), *row[2:])

    def save_cursor(self, stream: str, cursor: Cursor) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO cursors (stream, since, full_at, etag, last_modified, plan) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                stream,
                cursor.since.isoformat(),
                cursor.full_at.isoformat(),
                cursor.etag,
                cursor.last_modified,
                cursor.plan,
            ),
        )

    # ---- comments ---------------------------------------------------------------------------

    def comment_record(self, target: str, marker: str) -> CommentRecord | None:
        row = self._db.execute(
            "SELECT target, marker, comment_id, body, body_hash, retired FROM comments "
            "WHERE target = ? AND marker = ?",
            (target, marker),
        ).fetchone()
        return None if row is None else _record(row)

    def save_comment_record(self, record: CommentRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO comments "
            "(target, marker, comment_id, body, body_hash, retired) VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.target,
                record.marker,
                record.comment_id,
                record.body,
                record.body_hash,
                record.retired.isoformat() if record.retired else None,
            ),
        )

    def delete_comment_record(self, target: str, marker: str) -> None:
        self._db.execute("DELETE FROM comments WHERE target = ? AND marker = ?", (target, marker))

    def comment_records(self, targets: Collection[str] | None = None) -> list[CommentRecord]:
        columns = "SELECT target, marker, comment_id, body, body_hash, retired FROM comments"
        if targets is None:
            return [_record(row) for row in self._db.execute(f"{columns} ORDER BY target, marker")]
        records: list[CommentRecord] = []
        wanted = sorted(set(targets))
        for start in range(0, len(wanted), 500):  # within SQLite's limit on parameters
            chunk = wanted[start : start + 500]
            rows = self._db.execute(
                f"{columns} WHERE target IN ({', '.join('?' * len(chunk))})", chunk
            )
            records += [_record(row) for row in rows]
        return sorted(records, key=lambda r: (r.target, r.marker))

    # ---- publications, announcements, unreadable items, verifications -------------------------

    def publication(self, deliverable: str) -> Publication | None:
        row = self._db.execute(
            "SELECT data FROM publications WHERE deliverable = ?", (deliverable,)
        ).fetchone()
        return None if row is None else _publication(deliverable, row[0])

    def save_publication(self, publication: Publication) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO publications (deliverable, data) VALUES (?, ?)",
            (publication.deliverable, _publication_data(publication)),
        )

    def announcement(self, deliverable: str, target: str) -> Announcement | None:
        row = self._db.execute(
            "SELECT status, since, announced FROM announcements "
            "WHERE deliverable = ? AND target = ?",
            (deliverable, target),
        ).fetchone()
        if row is None:
            return None
        return Announcement(row[0], datetime.fromisoformat(row[1]), bool(row[2]))

    def save_announcement(self, deliverable: str, target: str, news: Announcement) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO announcements (deliverable, target, status, since, announced) "
            "VALUES (?, ?, ?, ?, ?)",
            (deliverable, target, news.status, news.since.isoformat(), int(news.announced)),
        )

    def forget_announcement(self, deliverable: str, target: str) -> None:
        self._db.execute(
            "DELETE FROM announcements WHERE deliverable = ? AND target = ?", (deliverable, target)
        )

    def unreadable(self, source: str) -> dict[str, str]:
        """Items of the source that came back malformed and have not been read well since."""
        rows = self._db.execute("SELECT key, error FROM unreadable WHERE source = ?", (source,))
        return dict(rows)

    def mark_unreadable(self, source: str, problems: dict[str, str], since: datetime) -> None:
        with self._transaction():
            if set(problems) - set(self.unreadable(source)):
                self._bump(source)
            self._db.executemany(
                "INSERT INTO unreadable (source, key, error, since) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, key) DO UPDATE SET error = excluded.error",
                [(source, key, error, since.isoformat()) for key, error in problems.items()],
            )

    def forget_unreadable(self, source: str, keys: Iterable[str]) -> None:
        with self._transaction():
            forgotten = self._db.executemany(
                "DELETE FROM unreadable WHERE source = ? AND key = ?", [(source, k) for k in keys]
            )
            if forgotten.rowcount > 0:
                self._bump(source)

    def revision(self, source: str) -> int:
        """A number that moves whenever the source's mirror changes in a way a report can see:
        its items, milestones, selector memberships or unreadable items."""
        row = self._db.execute(
            "SELECT revision FROM revisions WHERE source = ?", (source,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _bump(self, source: str) -> None:
        self._db.execute(
            "INSERT INTO revisions (source, revision) VALUES (?, 1) "
            "ON CONFLICT (source) DO UPDATE SET revision = revision + 1",
            (source,),
        )

    def verified(self, target: str) -> datetime | None:
        """When the comments on a target were last checked against what we wrote."""
        row = self._db.execute(
            "SELECT at FROM verifications WHERE target = ?", (target,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def save_verified(self, target: str, at: datetime) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO verifications (target, at) VALUES (?, ?)",
            (target, at.isoformat()),
        )

    # ---- history ----------------------------------------------------------------------------

    def history(self, deliverable: str) -> tuple[Snapshot, ...]:
        rows = self._db.execute(
            "SELECT data FROM snapshots WHERE deliverable = ? ORDER BY id", (deliverable,)
        )
        return tuple(_snapshot(json.loads(data)) for (data,) in rows)

    def save_snapshot(self, deliverable: str, snapshot: Snapshot) -> bool:
        """Keep a new version when anything but the day changed; False when it did not."""
        with self._transaction():
            row = self._db.execute(
                "SELECT data FROM snapshots WHERE deliverable = ? ORDER BY id DESC LIMIT 1",
                (deliverable,),
            ).fetchone()
            if row is not None and _snapshot(json.loads(row[0])).same_as(snapshot):
                return False
            self._db.execute(
                "INSERT INTO snapshots (deliverable, day, data) VALUES (?, ?, ?)",
                (deliverable, snapshot.day.isoformat(), json.dumps(_snapshot_data(snapshot))),
            )
            # Old versions go, except the newest of them: it is the baseline of what followed.
            self._db.execute(
                "DELETE FROM snapshots WHERE deliverable = ? AND julianday(?) - julianday(day) > ?"
                " AND id < (SELECT MAX(id) FROM snapshots WHERE deliverable = ?"
                " AND julianday(?) - julianday(day) > ?)",
                (
                    deliverable,
                    snapshot.day.isoformat(),
                    SNAPSHOTS_KEPT_DAYS,
                    deliverable,
                    snapshot.day.isoformat(),
                    SNAPSHOTS_KEPT_DAYS,
                ),
            )
        return True

    # ---- runs -------------------------------------------------------------------------------

    def start_run(self, started: datetime) -> int:
        cursor = self._db.execute("INSERT INTO runs (started) VALUES (?)", (started.isoformat(),))
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, record: RunRecord) -> None:
        self._db.execute(
            "UPDATE runs SET finished = ?, reads = ?, writes = ?, failures = ?, summary = ? "
            "WHERE id = ?",
            (
                (record.finished or datetime.now(UTC)).isoformat(),
                record.reads,
                record.writes,
                record.failures,
                json.dumps(record.summary),
                run_id,
            ),
        )

    def close(self) -> None:
        try:
            self.release_lock()
        finally:
            self._db.close()


class _Transaction:
    def __init__(self, db: _Guarded):
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self._db.execute("COMMIT")
            return
        # The original failure is what matters; SQLite has rolled back on its own if it could not.
        with contextlib.suppress(StateError):
            self._db.execute("ROLLBACK")


class _Guarded:
    """The SQLite connection, with every failure — also one met while reading rows — turned
    into a StateError naming the store, so no caller mistakes it for a tracker's failure."""

    def __init__(self, connection: sqlite3.Connection, path: str):
        self._connection = connection
        self._path = path

    def _fail(self, exc: sqlite3.Error) -> StateError:
        return StateError(f"the state store {self._path} failed: {exc}")

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Rows:
        try:
            return _Rows(self._connection.execute(sql, tuple(parameters)), self._fail)
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> _Rows:
        try:
            return _Rows(self._connection.executemany(sql, rows), self._fail)
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def close(self) -> None:
        self._connection.close()


class _Rows:
    def __init__(self, cursor: sqlite3.Cursor, fail: Callable[[sqlite3.Error], StateError]):
        self._cursor = cursor
        self._fail = fail
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                row = self._cursor.fetchone()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
            if row is None:
                return
            yield row


@dataclass
class _Heartbeat:
    """Renews the run lock's lease from its own thread and connection, so a long tracker
    request or rate-limit wait never lets the lease lapse while the run is alive."""

    path: str
    owner: str
    every: float  # seconds between renewals
    lost: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lock-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        except sqlite3.Error:
            self.lost.set()  # cannot renew the lease: stop before the next write, not after it
            return
        try:
            while not self._stop.wait(self.every):
                try:
                    renewed = db.execute(
                        "UPDATE locks SET heartbeat = ? WHERE name = ? AND owner = ?",
                        (datetime.now(UTC).isoformat(), LOCK_NAME, self.owner),
                    ).rowcount
                except sqlite3.Error:
                    continue  # busy or briefly unwritable: the next beat tries again
                if renewed != 1:
                    self.lost.set()  # taken over: the run stops before its next write
                    return
        finally:
            db.close()


def _record(row: tuple) -> CommentRecord:
    target, marker, comment_id, body, body_hash, retired = row
    return CommentRecord(
        target,
        marker,
        comment_id,
        body,
        body_hash,
        date.fromisoformat(retired) if retired else None,
    )


def _publication(deliverable: str, data: str) -> Publication:
    raw = json.loads(data)
    return Publication(
        deliverable,
        raw["name"],
        raw["selectors"],
        dict(raw["matched"]),
        tuple(raw["targets"]),
        date.fromisoformat(raw["day"]),
        int(raw.get("items", 0)),
        raw.get("inputs", ""),
        raw.get("revision", ""),
        raw.get("status"),
    )


def _publication_data(publication: Publication) -> str:
    data = {
        "name": publication.name,
        "selectors": publication.selectors,
        "matched": publication.matched,
        "targets": list(publication.targets),
        "day": publication.day.isoformat(),
        "items": publication.items,
        "inputs": publication.inputs,
        "revision": publication.revision,
        "status": publication.status,
    }
    return json.dumps(data, sort_keys=True)


def _snapshot_data(snapshot: Snapshot) -> dict:
    return {
        "day": snapshot.day.isoformat(),
        "keys": sorted(snapshot.keys),
        "dropped": sorted(snapshot.dropped),
        "done": snapshot.done,
        "total": snapshot.total,
        "due": snapshot.due.isoformat() if snapshot.due else None,
        "status": snapshot.status,
        "blocked": {key: day.isoformat() for key, day in sorted(snapshot.blocked.items())},
        "points_done": snapshot.points_done,
        "points_total": snapshot.points_total,
        "done_keys": sorted(snapshot.done_keys) if snapshot.done_keys is not None else None,
        "chance": snapshot.chance,
    }


def _snapshot(data: dict) -> Snapshot:
    from mappings.views import Snapshot

    return Snapshot(
        day=date.fromisoformat(data["day"]),
        keys=frozenset(data["keys"]),
        dropped=frozenset(data.get("dropped", ())),
        done=data["done"],
        total=data["total"],
        due=date.fromisoformat(data["due"]) if data.get("due") else None,
        status=data.get("status"),
        blocked={k: date.fromisoformat(v) for k, v in data.get("blocked", {}).items()},
        points_done=data.get("points_done"),
        points_total=data.get("points_total"),
        done_keys=frozenset(data["done_keys"]) if data.get("done_keys") is not None else None,
        chance=data.get("chance"),
    )


def _lock_is_stale(
    pid: int, host: str, heartbeat: str, my_host: str, now: datetime, stale_after: timedelta
) -> bool:
    """Abandoned: not renewed for `stale_after`, or held on this host by a process that is gone
    (or by our own PID, which a restarted container reuses)."""
    if now - datetime.fromisoformat(heartbeat) > stale_after:
        return True
    if host != my_host:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def open_sqlite(location: str, *, read_only: bool = False) -> SQLiteState:
    """A SQLite store at a path (or sqlite:/// URL); `read_only`: an in-memory copy, for
    commands whose writes must not last. `worker.stores.open_state` chooses the engine."""
    path = location.removeprefix("sqlite:///")
    try:
        return SQLiteState.read_only_copy(path) if read_only else SQLiteState(path)
    except (OSError, sqlite3.Error, StateError) as exc:
        reason = str(exc).removeprefix(f"the state store {path} failed: ")
        raise StateUnavailable(f"cannot open the state store {path}: {reason}") from None
    except RuntimeError as exc:  # a schema from a newer delivery-sync
        raise StateUnavailable(str(exc)) from None
