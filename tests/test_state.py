"""The state store's contract, on SQLite and on PostgreSQL alike: migrations, the run lock,
snapshot versions, records. Tests taking `location` run on both stores; the few about one
engine's own machinery (SQLite's file, PostgreSQL's advisory lock) say so in their name."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from connectors.model import Milestone, TrackerState, WorkItem
from mappings.views import Snapshot, previous_report
from worker import state as state_module
from worker import state_pg
from worker.state import CommentRecord, Cursor, LockHeld, SQLiteState
from worker.stores import open_state

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path) -> str:
    """Where a store lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return request.getfixturevalue("postgres_url")


def sql(store, statement: str, parameters: tuple = ()):
    """Reach under the protocol (to fake another holder, say) in either engine's dialect."""
    if not isinstance(store, SQLiteState):
        statement = statement.replace("?", "%s")
    return store._db.execute(statement, parameters)


def snapshot(day: date, keys=("web:acme/web#1",), status="On track", blocked=None) -> Snapshot:
    return Snapshot(
        day=day,
        keys=frozenset(keys),
        dropped=frozenset(),
        done=0,
        total=len(keys),
        due=date(2026, 12, 15),
        status=status,
        blocked=blocked or {},
    )


def test_a_version_1_sqlite_file_is_migrated_on_open(tmp_path):
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.executescript(state_module._MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO cursors VALUES ('web:items', ?, ?)", (NOW.isoformat(), NOW.isoformat()))
    db.commit()
    db.close()

    store = SQLiteState(path)

    assert store._db.execute("PRAGMA user_version").fetchone()[0] == len(state_module._MIGRATIONS)
    assert store.cursor("web:items") == Cursor(NOW, NOW)  # kept across the migration
    store.save_site_info("plat", {"cloud": True}, NOW)
    assert store.site_info("plat") == ({"cloud": True}, NOW)


def test_a_sqlite_file_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "state.db"
    sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(RuntimeError, match="newer than this delivery-sync understands"):
        SQLiteState(path)


def test_the_lock_is_exclusive_while_its_holder_lives(location):
    first = open_state(location)
    first.acquire_lock(NOW)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        # Pretend the lock belongs to another live process on this host.
        sql(first, "UPDATE locks SET pid = ?", (holder.pid,))
        with pytest.raises(LockHeld, match=f"pid {holder.pid}"):
            open_state(location).acquire_lock(NOW)
    finally:
        holder.kill()
        holder.wait()
    # Its holder is gone: the lock is stale and taken over.
    second = open_state(location)
    second.acquire_lock(NOW)
    assert sql(second, "SELECT pid FROM locks").fetchone()[0] == os.getpid()


LOCK_ROW = "INSERT INTO locks (name, pid, host, acquired, heartbeat, owner) VALUES (?,?,?,?,?,?)"


def test_a_lock_from_another_host_expires_after_a_few_missed_heartbeats(location):
    """A pod killed hard leaves its lease behind under a hostname no later pod shares: the
    next scheduled run takes it over after LOCK_STALE (90 s), not half an hour."""
    store = open_state(location)
    sql(store, LOCK_ROW, ("run", 1, "other-host", NOW.isoformat(), NOW.isoformat(), "someone"))
    with pytest.raises(LockHeld, match="other-host"):
        store.acquire_lock(NOW + timedelta(seconds=80))
    store.acquire_lock(NOW + timedelta(seconds=100))
    assert sql(store, "SELECT host FROM locks").fetchone()[0] == socket.gethostname()


def test_release_leaves_a_lock_taken_over_by_someone_else(location):
    store = open_state(location)
    store.acquire_lock(NOW)
    sql(store, "UPDATE locks SET host = 'other-host', owner = 'another run'")
    store.release_lock()
    assert sql(store, "SELECT host FROM locks").fetchone()[0] == "other-host"


def test_snapshots_are_versions_kept_only_when_something_changed(location):
    store = open_state(location)
    day = date(2026, 11, 20)
    assert store.save_snapshot("d", snapshot(day))
    assert not store.save_snapshot("d", snapshot(day + timedelta(days=1)))  # same but the day
    assert store.save_snapshot("d", snapshot(day + timedelta(days=2), status="At risk"))
    blocked = {"web:acme/web#1": day}
    assert store.save_snapshot(
        "d", snapshot(day + timedelta(days=2), status="At risk", blocked=blocked)
    )
    history = store.history("d")
    assert [s.status for s in history] == ["On track", "At risk", "At risk"]
    assert history[-1].blocked == blocked
    assert store.history("other") == ()


def test_old_snapshots_go_but_the_newest_old_one_stays_as_baseline(location):
    store = open_state(location)
    start = date(2026, 1, 1)
    for n, status in enumerate(["A", "B", "C"]):
        store.save_snapshot("d", snapshot(start + timedelta(days=n), status=status))
    late = start + timedelta(days=state_module.SNAPSHOTS_KEPT_DAYS + 10)
    store.save_snapshot("d", snapshot(late, status="D"))
    assert [s.status for s in store.history("d")] == ["C", "D"]


def test_comment_records_and_pending_creates(location):
    store = open_state(location)
    store.save_comment_record(CommentRecord("web:1", "m", None, None, None))
    assert store.comment_record("web:1", "m").comment_id is None
    store.save_comment_record(CommentRecord("web:1", "m", "42", "body", "hash"))
    assert store.comment_record("web:1", "m") == CommentRecord("web:1", "m", "42", "body", "hash")
    store.delete_comment_record("web:1", "m")
    assert store.comment_record("web:1", "m") is None


def test_an_unusable_state_location_exits_2_with_the_reason(tmp_path, capsys):
    from tests.test_config import VALID, write
    from worker.cli import main

    config = write(tmp_path, VALID)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for location, reason in (
        (str(blocker / "state.db"), "cannot open the state store"),
        # A closed port; the password must not be shown with the reason.
        ("postgresql://sync:s3cret-pw@127.0.0.1:9/state", "cannot open the state store "),
    ):
        assert main(["run", "--once", "--config", str(config), "--state", location]) == 2
        err = capsys.readouterr().err
        assert reason in err
        assert "s3cret-pw" not in err


def test_a_lease_not_renewed_is_abandoned_even_on_this_host(location):
    store = open_state(location)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        sql(
            store,
            LOCK_ROW,
            ("run", holder.pid, socket.gethostname(), NOW.isoformat(), NOW.isoformat(), "x"),
        )
        with pytest.raises(LockHeld):
            store.acquire_lock(NOW + timedelta(seconds=60))
        store.acquire_lock(NOW + timedelta(seconds=120))  # a reused PID, not a live holder
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_under_our_own_pid_is_ours_to_take(location):
    store = open_state(location)
    sql(
        store,
        LOCK_ROW,
        ("run", os.getpid(), socket.gethostname(), NOW.isoformat(), NOW.isoformat(), "x"),
    )
    store.acquire_lock(NOW)  # a restarted container runs as the same PID 1


def test_refresh_tells_when_the_lock_was_taken_over(location):
    store = open_state(location)
    store.acquire_lock(NOW)
    assert store.refresh_lock(NOW + timedelta(minutes=1))
    sql(store, "UPDATE locks SET host = 'other-host', owner = 'another run'")
    assert not store.refresh_lock(NOW + timedelta(minutes=2))
    assert open_state(location).refresh_lock(NOW)  # never held: nothing lost


def test_the_heartbeat_renews_the_lease_while_the_run_is_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(state_module, "LOCK_HEARTBEAT", timedelta(seconds=0.05))
    path = tmp_path / "state.db"
    store = SQLiteState(path)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    store.acquire_lock(long_ago, heartbeat=True)
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while datetime.now(UTC) < deadline:
        beat = store._db.execute("SELECT heartbeat FROM locks").fetchone()[0]
        if datetime.fromisoformat(beat) > long_ago + timedelta(minutes=30):
            break
    else:
        raise AssertionError("the heartbeat never renewed the lease")
    store.close()
    assert SQLiteState(path)._db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0


def test_a_sqlite_heartbeat_that_finds_its_lease_taken_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(state_module, "LOCK_HEARTBEAT", timedelta(seconds=0.05))
    path = tmp_path / "state.db"
    store = SQLiteState(path)
    store.acquire_lock(datetime.now(UTC), heartbeat=True)
    SQLiteState(path)._db.execute("UPDATE locks SET owner = 'another run'")
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while not store._heartbeat.lost.is_set() and datetime.now(UTC) < deadline:
        pass
    assert not store.refresh_lock(datetime.now(UTC))


def test_a_read_only_copy_sees_the_store_but_writes_nothing_back(location):
    store = open_state(location)
    store.save_cursor("web:items", Cursor(NOW, NOW))
    store.save_snapshot("d", snapshot(date(2026, 11, 20)))
    store.acquire_lock(NOW)  # a real run holds the lock meanwhile
    copy = open_state(location, read_only=True)
    assert copy.cursor("web:items") == Cursor(NOW, NOW)
    assert copy.history("d") == store.history("d")
    copy.save_cursor("web:items", Cursor(NOW + timedelta(days=1), NOW))
    copy.save_snapshot("d", snapshot(date(2026, 11, 21), status="At risk"))
    copy.close()
    assert store.cursor("web:items") == Cursor(NOW, NOW)
    assert len(store.history("d")) == 1


def test_a_read_only_copy_of_a_missing_file_creates_none(tmp_path):
    assert open_state(str(tmp_path / "none.db"), read_only=True).cursor("x") is None
    assert not (tmp_path / "none.db").exists()


def test_a_failure_inside_the_sqlite_file_is_a_state_error_naming_it(tmp_path):
    path = tmp_path / "state.db"
    store = SQLiteState(path)
    store._db.execute("PRAGMA max_page_count = 1")  # the disk is full from here on
    item_json = "x" * 100_000
    with pytest.raises(state_module.StateError, match=r"state\.db failed: .*full"):
        store.save_site_info("web", {"blob": item_json}, NOW)


def test_publications_announcements_unreadable_and_verifications_round_trip(location):
    store = open_state(location)
    pub = state_module.Publication("d", "D", "abc", {"s0": 3}, ("web:1",), date(2026, 11, 2))
    store.save_publication(pub)
    assert store.publication("d") == pub and store.publication("x") is None
    news = state_module.Announcement("At risk", NOW, announced=True)
    store.save_announcement("d", "web:1", news)
    assert store.announcement("d", "web:1") == news
    quiet = state_module.Announcement("Done", NOW, announced=False)
    store.save_announcement("d", "web:1", quiet)
    assert store.announcement("d", "web:1") == quiet
    store.mark_unreadable("web", {"acme/web#4": "KeyError"}, NOW)
    assert store.unreadable("web") == {"acme/web#4": "KeyError"}
    store.forget_unreadable("web", ["acme/web#4"])
    assert store.unreadable("web") == {}
    store.forget_announcement("d", "web:1")
    assert store.announcement("d", "web:1") is None
    store.save_verified("web:1", NOW)
    assert store.verified("web:1") == NOW and store.verified("web:2") is None
    record = CommentRecord("web:1", "m", "7", "b", "h", retired=date(2026, 11, 3))
    store.save_comment_record(record)
    assert store.comment_record("web:1", "m") == record


def test_a_read_only_copy_of_a_path_with_uri_characters_reads_that_file(tmp_path):
    path = tmp_path / "we#ird?name%20.db"
    store = SQLiteState(path)
    store.save_cursor("web:items", Cursor(NOW, NOW))
    store.close()
    copy = open_state(str(path), read_only=True)
    assert copy.cursor("web:items") == Cursor(NOW, NOW)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        path.name
    ]


def test_two_runs_starting_together_on_an_old_sqlite_file_migrate_it_once(tmp_path, monkeypatch):
    """Both read the old version before either migrates: the version is read again inside the
    write transaction, so the second finds the work done instead of failing on ALTER TABLE."""
    import threading

    path = tmp_path / "state.db"
    db = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(state_module._MIGRATIONS[:3], start=1):
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    db.close()
    barrier = threading.Barrier(2)
    begin = state_module._Transaction.__enter__
    # Per thread: a set shared by both threads and updated without a lock could lose one
    # thread's entry, which then waited at the barrier again, alone, and failed 30 s later.
    this_thread = threading.local()

    def meet_first(self):  # both reach their first write transaction before either starts it
        if not getattr(this_thread, "met", False):
            this_thread.met = True
            barrier.wait(timeout=30)  # generous: a loaded CI machine
        begin(self)

    monkeypatch.setattr(state_module._Transaction, "__enter__", meet_first)
    outcomes = []

    def start():
        try:
            SQLiteState(path).close()
            outcomes.append("ok")
        except Exception as exc:  # the failure this test is about
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["ok", "ok"]
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == len(state_module._MIGRATIONS)


def test_a_snapshot_keeps_which_items_were_done_and_the_chance(tmp_path):
    """The next report's "since the last report" needs both; versions stored before they were
    kept read back as None, not as "nothing was done"."""
    store = SQLiteState(tmp_path / "state.db")
    day = date(2026, 11, 20)
    kept = replace(snapshot(day), done_keys=frozenset({"web:acme/web#1"}), chance=0.42)
    assert store.save_snapshot("d", kept)
    assert store.history("d")[-1].done_keys == {"web:acme/web#1"}
    assert store.history("d")[-1].chance == 0.42
    store.save_snapshot("old", snapshot(day))
    assert store.history("old")[-1].done_keys is None
    assert store.history("old")[-1].chance is None


def test_the_previous_report_is_the_last_version_before_today():
    day = date(2026, 11, 20)
    history = (snapshot(day), snapshot(day + timedelta(days=3), status="At risk"))
    assert previous_report(history, day + timedelta(days=5)).status == "At risk"
    # A version from today is not "the last report": every run today compares with the same one.
    assert previous_report(history, day + timedelta(days=3)).day == day
    assert previous_report(history, day) is None


def item(key: str, updated: datetime, title: str = "t") -> WorkItem:
    return WorkItem("web", key, title, f"https://x/{key}", TrackerState.OPEN, "open", NOW, updated)


def test_the_mirror_round_trips(location):
    store = open_state(location)
    first, second = item("acme/web#1", NOW), item("acme/web#2", NOW, title="two")
    assert store.upsert_items("web", [first, second]) == 2
    changed = item("acme/web#2", NOW + timedelta(hours=1), title="two, renamed")
    store.upsert_items("web", [changed])
    assert store.items("web") == {"acme/web#1": first, "acme/web#2": changed}
    assert store.item_keys("web") == {"acme/web#1", "acme/web#2"} and store.items("api") == {}
    store.delete_items("web", ["acme/web#1"])
    assert store.item_keys("web") == {"acme/web#2"}
    v1, v2 = Milestone("web", "v1", date(2026, 12, 1)), Milestone("web", "v2", closed=True)
    store.replace_milestones("web", [v1, v2])
    store.replace_milestones("web", [v2])
    assert store.milestones("web") == {"v2": v2}
    store.replace_membership("plat:jql:x", ["PLAT-1", "PLAT-2", "PLAT-2"])
    store.replace_membership("plat:jql:x", ["PLAT-2", "PLAT-3"])
    assert store.membership("plat:jql:x") == frozenset({"PLAT-2", "PLAT-3"})
    assert store.membership("plat:jql:y") == frozenset()
    store.mark_unreadable("web", {"acme/web#4": "KeyError"}, NOW)
    store.mark_unreadable("web", {"acme/web#4": "TypeError", "acme/web#5": "x"}, NOW)
    assert store.unreadable("web") == {"acme/web#4": "TypeError", "acme/web#5": "x"}


def test_cursors_sites_touches_and_runs_round_trip(location):
    store = open_state(location)
    assert store.cursor("web:items") is None
    store.save_cursor("web:items", Cursor(NOW, NOW - timedelta(days=1)))
    store.save_cursor("web:items", Cursor(NOW + timedelta(hours=1), NOW))
    assert store.cursor("web:items") == Cursor(NOW + timedelta(hours=1), NOW)
    assert store.site_info("plat") is None
    store.save_site_info("plat", {"cloud": True, "fields": ["a"]}, NOW)
    store.save_site_info("plat", {"cloud": False}, NOW + timedelta(hours=1))
    assert store.site_info("plat") == ({"cloud": False}, NOW + timedelta(hours=1))
    before, at = NOW - timedelta(days=3), NOW
    store.record_touch("web", "acme/web#1", before, at)
    # Written again before anyone else touched it: the first `before` stays.
    store.record_touch("web", "acme/web#1", at, at + timedelta(hours=1))
    assert store.touches("web") == {"acme/web#1": (before, at + timedelta(hours=1))}
    store.forget_touches("web", ["acme/web#1"])
    assert store.touches("web") == {}
    first, second = store.start_run(NOW), store.start_run(NOW + timedelta(minutes=1))
    assert second > first
    record = state_module.RunRecord(first, NOW, NOW + timedelta(seconds=5), 3, 1, 0, {"a": 1})
    store.finish_run(first, record)
    row = sql(store, "SELECT finished, reads, writes, summary FROM runs WHERE id = ?", (first,))
    assert row.fetchone() == ((NOW + timedelta(seconds=5)).isoformat(), 3, 1, '{"a": 1}')


def test_a_cursor_keeps_its_validator_and_how_the_stream_was_read(location):
    store = open_state(location)
    modified = "Wed, 25 Nov 2026 12:00:00 GMT"
    store.save_cursor("web:items", Cursor(NOW, NOW, 'W/"4f1c"', modified, "selectors 0a1b"))
    store.save_cursor("web:milestones", Cursor(NOW, NOW))
    kept = store.cursor("web:items")
    assert (kept.etag, kept.last_modified, kept.plan) == ('W/"4f1c"', modified, "selectors 0a1b")
    assert store.cursor("web:milestones").validator is None


def test_comment_records_list_in_order_and_delete(location):
    store = open_state(location)
    for target, marker in (("web:2", "b"), ("web:1", "b"), ("web:1", "a")):
        store.save_comment_record(CommentRecord(target, marker, "1", "x", "h"))
    listed = [(r.target, r.marker) for r in store.comment_records()]
    assert listed == [("web:1", "a"), ("web:1", "b"), ("web:2", "b")]
    store.delete_comment_record("web:1", "b")
    assert [(r.target, r.marker) for r in store.comment_records()] == [
        ("web:1", "a"),
        ("web:2", "b"),
    ]


def test_blocker_keys_are_the_keys_mirrored_items_name_as_blocking_them(location):
    store = open_state(location)
    store.upsert_items(
        "web",
        [
            replace(item("1", NOW), blocked_by=("7", "8")),
            replace(item("2", NOW), blocked_by=("8",)),
            item("3", NOW),
        ],
    )
    store.upsert_items("other", [replace(item("4", NOW), source="other", blocked_by=("9",))])
    assert store.blocker_keys("web") == {"7", "8"}
    assert store.blocker_keys("nowhere") == set()


def test_comment_records_of_some_targets_only(location):
    store = open_state(location)
    for target, marker in (("web:2", "b"), ("web:1", "b"), ("web:1", "a"), ("web:3", "a")):
        store.save_comment_record(CommentRecord(target, marker, "1", f"{target} {marker}", "h"))
    some = store.comment_records(["web:3", "web:1", "web:9"])
    assert [(r.target, r.marker, r.body) for r in some] == [
        ("web:1", "a", "web:1 a"),
        ("web:1", "b", "web:1 b"),
        ("web:3", "a", "web:3 a"),
    ]
    assert store.comment_records([]) == []
    # Past SQLite's limit on parameters: read in chunks, a record in the last one found too.
    store.save_comment_record(CommentRecord("web:999", "a", "1", "late", "h"))
    many = [f"web:{n}" for n in range(1, 1200)]
    assert sorted(many).index("web:999") >= 1000
    assert [r.target for r in store.comment_records(many)] == [
        "web:1",
        "web:1",
        "web:2",
        "web:3",
        "web:999",
    ]


# ---- PostgreSQL's own machinery ------------------------------------------------------------


def test_the_postgres_migrations_mirror_sqlites_one_for_one(tmp_path, postgres_url):
    """Same number of migrations, and after them the same tables with the same columns: a
    read-only copy is a SQLite store, and a migration added to one list is added to both."""
    assert len(state_pg.MIGRATIONS) == len(state_module._MIGRATIONS)
    lite = SQLiteState(tmp_path / "state.db")
    tables = [
        name
        for (name,) in lite._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    ]
    expected = {t: [r[1] for r in lite._db.execute(f"PRAGMA table_info({t})")] for t in tables}
    pg = state_pg.PostgresState(postgres_url)
    found = {
        table: [
            name
            for (name,) in pg._db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        for table in expected
    }
    assert found == expected


def test_a_version_1_postgres_store_is_migrated_on_open(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as db:
        for statement in state_pg._statements(state_pg.MIGRATIONS[0]):
            db.execute(statement)
        db.execute("CREATE TABLE schema_versions (part TEXT PRIMARY KEY, version INTEGER)")
        db.execute("INSERT INTO schema_versions VALUES ('state', 1)")
        db.execute("INSERT INTO cursors VALUES ('web:items', %s, %s)", (NOW.isoformat(),) * 2)
    store = state_pg.PostgresState(postgres_url)
    assert state_pg.schema_version(store._db, "state") == len(state_pg.MIGRATIONS)
    assert store.cursor("web:items") == Cursor(NOW, NOW)  # kept across the migration
    store.save_comment_record(CommentRecord("web:1", "m", "7", "b", "h", retired=NOW.date()))
    assert store.comment_record("web:1", "m").retired == NOW.date()


def test_a_postgres_store_from_a_newer_version_is_refused(postgres_url, capsys):
    state_pg.PostgresState(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("UPDATE schema_versions SET version = 99 WHERE part = 'state'")
    for read_only in (False, True):
        with pytest.raises(state_module.StateUnavailable, match="newer than this delivery-sync"):
            open_state(postgres_url, read_only=read_only)


def test_replicas_starting_together_on_a_new_postgres_database_migrate_it_once(postgres_url):
    """Five processes open the same empty database at once: the advisory lock lets one
    migrate and the others find the work done, instead of failing on CREATE TABLE."""
    script = (
        "import sys; from worker.state_pg import PostgresState; PostgresState(sys.argv[1]).close()"
    )
    starters = [
        subprocess.Popen([sys.executable, "-c", script, postgres_url], stderr=subprocess.PIPE)
        for _ in range(5)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in starters]
    assert [p.returncode for p in starters] == [0] * 5, errors
    store = state_pg.PostgresState(postgres_url)
    assert state_pg.schema_version(store._db, "state") == len(state_pg.MIGRATIONS)
    assert sql(store, "SELECT COUNT(*) FROM schema_versions WHERE part = 'state'").fetchone() == (
        1,
    )


def test_a_failure_inside_the_postgres_store_names_it_without_its_password(postgres_url):
    with_password = postgres_url.replace("postgres@", "postgres:pw-do-not-show@")
    store = state_pg.PostgresState(with_password)  # trust authentication ignores it
    sql(store, "DROP TABLE cursors")
    with pytest.raises(state_module.StateError) as failure:
        store.cursor("web:items")
    assert state_pg.display_name(postgres_url) in str(failure.value)
    assert "pw-do-not-show" not in str(failure.value)


def test_the_revision_moves_only_when_the_mirror_changes(location):
    """An idle cycle skips reports whose inputs did not move: each engine must move a source's
    revision on every change a report can see, and only then."""
    store = open_state(location)
    assert store.revision("web") == 0
    first = item("acme/web#1", NOW)
    store.upsert_items("web", [first])
    moved = store.revision("web")
    assert moved > 0
    store.upsert_items("web", [first])  # the same item again
    store.replace_milestones("web", [])
    store.replace_membership("web:jql:x", [])
    store.forget_unreadable("web", ["acme/web#9"])
    assert store.revision("web") == moved
    steps = [
        lambda: store.upsert_items("web", [item("acme/web#1", NOW, title="renamed")]),
        lambda: store.replace_milestones("web", [Milestone("web", "v1", date(2026, 12, 1))]),
        lambda: store.replace_membership("web:jql:x", ["acme/web#1"]),
        lambda: store.mark_unreadable("web", {"acme/web#4": "KeyError"}, NOW),
        lambda: store.forget_unreadable("web", ["acme/web#4"]),
        lambda: store.delete_items("web", ["acme/web#1"]),
    ]
    for step in steps:
        before = store.revision("web")
        step()
        assert store.revision("web") > before
    assert store.revision("api") == 0


def test_our_own_comments_update_time_is_no_news_in_either_engine(location):
    """Posting a comment moves the issue's update time; the next read brings it back changed
    in nothing else. Neither engine may move the revision for that, or every cycle after a
    write recomputes every report the issue is in."""
    store = open_state(location)
    store.upsert_items("web", [item("acme/web#1", NOW), item("acme/web#2", NOW)])
    moved = store.revision("web")
    commented = NOW + timedelta(minutes=1)
    store.record_touch("web", "acme/web#1", NOW, commented)

    store.upsert_items("web", [item("acme/web#1", commented + timedelta(seconds=2))])
    assert store.revision("web") == moved  # only our bump
    assert store.items("web")["acme/web#1"].updated == commented + timedelta(seconds=2)

    store.upsert_items("web", [item("acme/web#2", commented)])  # nobody of ours touched it
    assert store.revision("web") > moved
    moved = store.revision("web")
    store.upsert_items("web", [item("acme/web#1", commented + timedelta(seconds=3), "renamed")])
    assert store.revision("web") > moved  # a bump and a real change


def test_a_shared_quota_keeps_the_lowest_figure_of_a_window_and_restarts_with_the_next(
    postgres_url,
):
    from worker.ratelimits import RESERVE, SharedBudget, credentials_key

    store = state_pg.PostgresState(postgres_url)
    key = credentials_key("https://api.github.com", "the token")
    assert "the token" not in key
    budget = SharedBudget(store, key, clock=lambda: NOW)
    assert budget.pause() == 0  # nothing known yet
    window = NOW + timedelta(minutes=10)
    budget.spent(RESERVE + 10, window)
    budget.spent(RESERVE - 1, window)
    budget.spent(RESERVE + 5, window)  # an older answer, reported late
    assert store.rate_limit(key) == (RESERVE - 1, window)
    assert budget.pause() == 601  # until the reset, and a second for clock skew
    later = window + timedelta(hours=1)
    budget.spent(4999, later)
    assert store.rate_limit(key) == (4999, later) and budget.pause() == 0
    assert SharedBudget(store, key, clock=lambda: later).pause() == 0
