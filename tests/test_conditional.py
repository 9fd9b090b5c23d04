"""Conditional requests: GitHub's headers on every request, each list stream's validator kept in
the state store and sent back, a 304 read as "unchanged", and the rate-limit points a cycle
spent, from the connector contract (`responses`) to whole runs against the sandbox."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime

import pytest
import responses
from pydantic import SecretStr

from connectors.github import GitHubAccount, GitHubCredentials, GitHubTracker, normalise_issue
from connectors.model import Marker, Role
from connectors.tracker import RequestStats, Validator
from tests.e2e import run_cli, writes
from tests.github_payloads import API, issue, milestone
from worker.fetch import Streams, sync_source
from worker.state import Cursor, SQLiteState

ETAG = 'W/"4f1c0ffee"'
ISSUES = re.compile(re.escape(API).replace(r"ghe\.example", r"ghe\.example(:443)?") + r"/repos/")


def url(path: str) -> re.Pattern:
    base = re.escape(API).replace(r"ghe\.example", r"ghe\.example(:443)?")
    return re.compile(base + re.escape(path) + r"(\?.*)?$")


def rate(used: int) -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-used": str(used),
        "x-ratelimit-remaining": str(5000 - used),
        "x-ratelimit-reset": "1796000000",
    }


@pytest.fixture
def tracker():
    credentials = GitHubCredentials(token=SecretStr("ghp_secret_token_value"))
    account = GitHubAccount(API, credentials, write_pause=0)
    return GitHubTracker("web", "acme/web", account=account, sleep=lambda _: None)


# ---- headers on the wire -------------------------------------------------------------------------


@responses.activate
def test_every_github_request_sends_the_media_type_and_the_api_version(tracker):
    responses.get(url("/repos/acme/web/issues"), json=[issue(1)])
    responses.get(url("/repos/acme/web/milestones"), json=[])
    responses.post(url("/repos/acme/web/issues/1/comments"), json={"id": 7, "body": "x"})
    responses.patch(url("/repos/acme/web/issues/comments/7"), json={"id": 7, "body": "y"})

    tracker.changes(None, None)
    tracker.milestone_changes(None)
    marker = Marker("checkout-v2", Role.DELIVERY_LEAD)
    tracker.create_comment("1", "x", marker)
    tracker.edit_comment("1", "7", "y", marker)

    assert len(responses.calls) == 4
    for call in responses.calls:
        assert call.request.headers["Accept"] == "application/vnd.github+json"
        assert call.request.headers["X-GitHub-Api-Version"] == "2022-11-28"


# ---- the issue stream ----------------------------------------------------------------------------


@responses.activate
def test_the_stored_etag_is_sent_and_a_304_reads_as_unchanged(tracker):
    responses.get(url("/repos/acme/web/issues"), status=304, headers={"ETag": ETAG, **rate(41)})

    listing = tracker.changes(datetime(2026, 11, 20, tzinfo=UTC), Validator(etag=ETAG))

    [call] = responses.calls
    assert call.request.headers["If-None-Match"] == ETAG
    assert listing.unchanged and list(listing.items()) == []
    assert listing.validator == Validator(etag=ETAG)
    assert tracker.stats.not_modified == 1 and tracker.stats.reads == 1


@responses.activate
def test_last_modified_is_sent_back_when_there_is_no_etag(tracker):
    responses.get(url("/repos/acme/web/issues"), status=304)
    stamp = "Fri, 20 Nov 2026 09:30:00 GMT"

    assert tracker.changes(None, Validator(last_modified=stamp)).unchanged

    headers = responses.calls[0].request.headers
    assert headers["If-Modified-Since"] == stamp and "If-None-Match" not in headers


@responses.activate
def test_a_changed_stream_is_read_and_gives_the_next_validator(tracker):
    responses.get(
        url("/repos/acme/web/issues"), json=[issue(3), issue(2)], headers={"ETag": 'W/"new"'}
    )

    listing = tracker.changes(None, Validator(etag=ETAG))

    query = responses.calls[0].request.params
    assert query == {"state": "all", "sort": "updated", "direction": "desc", "per_page": "100"}
    assert not listing.unchanged and listing.validator == Validator(etag='W/"new"')
    assert [i.key for i in listing.items()] == ["acme/web#3", "acme/web#2"]
    assert listing.pages == 1


@responses.activate
def test_an_incremental_read_stops_at_the_first_page_that_reaches_older_issues(tracker):
    def page(number: int, last: int = 3) -> dict[str, str]:
        link = f"{API}/repos/acme/web/issues?state=all&sort=updated&direction=desc&per_page=100"
        return {
            "Link": f'<{link}&page={number + 1}>; rel="next", <{link}&page={last}>; rel="last"',
            "ETag": f'W/"page{number}"',
        }

    new = [issue(n, updated_at="2026-11-20T10:00:00Z") for n in range(200, 100, -1)]
    mixed = [issue(n, updated_at="2026-11-20T09:58:00Z") for n in (100, 99)]
    mixed += [issue(n, updated_at="2026-11-19T08:00:00Z") for n in range(98, 0, -1)]
    responses.get(url("/repos/acme/web/issues"), json=new, headers=page(1))
    responses.get(url("/repos/acme/web/issues"), json=mixed, headers=page(2))

    listing = tracker.changes(datetime(2026, 11, 20, 9, 55, tzinfo=UTC), None)
    keys = [i.key for i in listing.items()]

    assert len(responses.calls) == 2  # page 3 holds only older issues: never asked for
    assert len(keys) == 102 and keys[-1] == "acme/web#99"
    assert listing.pages == 3 and listing.validator == Validator(etag='W/"page1"')


# ---- the milestone stream ------------------------------------------------------------------------


@responses.activate
def test_a_one_page_milestone_listing_is_asked_for_conditionally(tracker):
    responses.get(
        url("/repos/acme/web/milestones"),
        json=[milestone(1, "v2.0", None)],
        headers={"ETag": 'W/"m1"'},
    )
    responses.get(url("/repos/acme/web/milestones"), status=304)

    found, validator = tracker.milestone_changes(None)
    again, kept = tracker.milestone_changes(validator)

    assert [(m.title, m.number, m.size) for m in found] == [("v2.0", 1, 12)]
    assert responses.calls[1].request.headers["If-None-Match"] == 'W/"m1"'
    assert again is None and kept == validator


@responses.activate
def test_a_milestone_listing_of_several_pages_keeps_no_validator(tracker):
    link = f"{API}/repos/acme/web/milestones?state=all&per_page=100&page=2"
    responses.get(
        url("/repos/acme/web/milestones"),
        json=[milestone(1, "v1", None)],
        headers={"ETag": 'W/"m1"', "Link": f'<{link}>; rel="next", <{link}>; rel="last"'},
    )
    responses.get(url("/repos/acme/web/milestones"), json=[milestone(2, "v2", None)])

    found, validator = tracker.milestone_changes(None)

    assert [m.title for m in found] == ["v1", "v2"]
    assert validator is None  # a 304 on page 1 would say nothing of page 2


# ---- rate-limit points ---------------------------------------------------------------------------


def test_points_follow_the_used_count_and_a_304_costs_none():
    stats = RequestStats()
    stats.rate_limit_seen(200, rate(10))  # the first answer of a window: one point
    stats.rate_limit_seen(304, rate(10))  # not counted by GitHub
    stats.rate_limit_seen(200, rate(11))
    stats.rate_limit_seen(200, rate(15))  # others spent on the same token: still one of ours
    assert stats.rate_limit_points == 3 and stats.rate_limit_remaining == 4985


def test_a_new_window_starts_the_comparison_again():
    stats = RequestStats()
    stats.rate_limit_seen(200, rate(4999))
    stats.rate_limit_seen(200, {**rate(1), "x-ratelimit-reset": "1796003600"})
    stats.rate_limit_seen(304, {**rate(1), "x-ratelimit-reset": "1796003600"})
    assert stats.rate_limit_points == 2


def test_answers_without_a_used_count_cost_no_points():
    stats = RequestStats()
    stats.rate_limit_seen(200, {"x-ratelimit-remaining": "99"})  # Jira Cloud's quota header
    assert stats.rate_limit_points == 0 and stats.rate_limit_remaining == 99
    assert not stats.counts_points  # the summary says nothing rather than "0 points"


# ---- the state store -----------------------------------------------------------------------------


def test_migration_6_keeps_the_cursors_of_an_older_store(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE cursors (stream TEXT PRIMARY KEY, since TEXT NOT NULL,"
        " full_at TEXT NOT NULL);"
        "INSERT INTO cursors VALUES ('web:items:x', '2026-11-20T09:00:00+00:00',"
        " '2026-11-20T08:00:00+00:00');"
        "PRAGMA user_version = 4;"
    )
    db.close()
    store = SQLiteState(path)
    cursor = store.cursor("web:items:x")
    assert cursor == Cursor(
        datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 20, 8, tzinfo=UTC)
    )
    assert cursor.validator is None  # the first read after the upgrade is unconditional
    store.close()


# ---- whole runs against the sandbox --------------------------------------------------------------


def finished(err: str) -> dict:
    return next(
        json.loads(line) for line in err.splitlines() if '"event": "cycle.finished"' in line
    )


def issue_and_milestone_reads(sandbox) -> list:
    return [r for r in sandbox.requests if re.search(r"/(issues|milestones)$", r.path)]


def test_an_idle_run_is_one_conditional_read_per_stream_answered_304_and_free(sandbox, state):
    cold = run_cli(["run", "--once"], sandbox, state)
    assert cold.code == 0, cold.err
    sandbox.clear_requests()

    # Our own new comments moved their issues' update time: the run after a run that wrote
    # reads that once (one point per repository written to), and then the streams are quiet.
    after_writes = run_cli(["run", "--once"], sandbox, state)

    assert after_writes.code == 0, after_writes.err
    statuses = {r.path: r.status for r in issue_and_milestone_reads(sandbox)}
    assert statuses == {
        "/github/repos/acme/web/issues": 200,
        "/github/repos/acme/web/milestones": 304,
        "/github/repos/acme/api/issues": 200,
        "/github/repos/acme/api/milestones": 304,
    }
    assert finished(after_writes.err)["rate_limit_points"] == 2
    sandbox.clear_requests()
    used = sandbox.github.rate.used

    idle = run_cli(["run", "--once"], sandbox, state)

    assert idle.code == 0, idle.err
    # acme/web and acme/api: issues and milestones each, nothing else, no write
    reads = issue_and_milestone_reads(sandbox)
    assert len(sandbox.requests) == len(reads) == 4
    assert [r.status for r in reads] == [304] * 4
    assert writes(sandbox) == []
    assert sandbox.github.rate.used == used  # every read was a 304: no point spent
    summary = finished(idle.err)
    assert summary["not_modified"] == 4 and summary["rate_limit_points"] == 0
    assert summary["reads"] == 4 and summary["writes"] == 0


def test_the_run_record_and_summary_say_what_a_cold_run_spent(sandbox, state):
    used = sandbox.github.rate.used

    cold = run_cli(["run", "--once"], sandbox, state)

    assert cold.code == 0, cold.err
    spent = sandbox.github.rate.used - used
    assert spent > 0
    assert finished(cold.err)["rate_limit_points"] == spent
    db = sqlite3.connect(state)
    (summary,) = db.execute("SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    db.close()
    assert json.loads(summary)["rate_limit_points"] == spent
    assert json.loads(summary)["rate_limit_remaining"] == sandbox.github.rate.remaining


def test_a_change_is_read_once_and_the_run_after_is_free_again(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    number = next(
        i["number"]
        for i in sandbox.github.issues("acme/web")
        if i["state"] == "open" and "pull_request" not in i
    )
    sandbox.github.update_issue("acme/web", number, title="Renamed while idle")
    sandbox.clear_requests()

    changed = run_cli(["run", "--once"], sandbox, state)

    assert changed.code == 0, changed.err
    web = [r for r in sandbox.requests if r.path.endswith("/repos/acme/web/issues")]
    assert len(web) == 1  # one page: the change is on top, older issues end the read
    fetched = [
        json.loads(line)
        for line in changed.err.splitlines()
        if '"event": "source.fetched"' in line and '"source": "web"' in line
    ]
    assert fetched[0]["fetched"] >= 1 and not fetched[0]["unchanged"]
    sandbox.clear_requests()

    idle = run_cli(["run", "--once"], sandbox, state)

    assert finished(idle.err)["rate_limit_points"] == 0
    assert writes(sandbox) == []


# ---- a full read and the issue that moved while it was read -------------------------------------


@responses.activate
def test_an_issue_updated_during_a_full_read_is_found_by_the_recheck_not_deleted(tracker, tmp_path):
    store = SQLiteState(tmp_path / "state.db")
    old = issue(5, updated_at="2026-11-18T09:00:00Z")
    store.upsert_items("web", [normalise_issue(old, "web", "acme/web")])  # mirrored before
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    first = issue(9, updated_at="2026-11-20T09:00:00Z")
    # #5 was on page 2 when page 1 was read, and moved to the top before page 2 was asked for
    moved = issue(5, updated_at="2026-11-20T10:00:30Z")
    link = f"{API}/repos/acme/web/issues?state=all&sort=updated&direction=desc&per_page=100"
    pages = f'<{link}&page=2>; rel="next", <{link}&page=2>; rel="last"'
    responses.get(url("/repos/acme/web/milestones"), json=[])
    responses.get(
        url("/repos/acme/web/issues"), json=[first], headers={"ETag": 'W/"a"', "Link": pages}
    )
    responses.get(url("/repos/acme/web/issues"), json=[issue(3, updated_at="2026-11-19T09:00:00Z")])
    responses.get(url("/repos/acme/web/issues"), json=[moved, first], headers={"ETag": 'W/"b"'})
    streams = Streams("web", "acme/web")

    done = sync_source(tracker, store, streams, now)

    recheck = responses.calls[-1].request
    assert recheck.headers["If-None-Match"] == 'W/"a"' and "page" not in recheck.params
    assert set(store.item_keys("web")) == {"acme/web#9", "acme/web#3", "acme/web#5"}
    assert done["full"] and done["fetched"] == 3 and done["removed"] == 0
    assert store.cursor(streams.items).validator == Validator('W/"b"')
    store.close()


@responses.activate
def test_a_full_read_whose_recheck_is_304_keeps_the_first_validator(tracker, tmp_path):
    store = SQLiteState(tmp_path / "state.db")
    responses.get(url("/repos/acme/web/milestones"), json=[])
    responses.get(url("/repos/acme/web/issues"), json=[issue(9)], headers={"ETag": 'W/"a"'})
    responses.get(url("/repos/acme/web/issues"), status=304, headers=rate(3))
    streams = Streams("web", "acme/web")

    sync_source(tracker, store, streams, datetime(2026, 11, 20, 10, 0, tzinfo=UTC))

    assert len(responses.calls) == 3 and tracker.stats.not_modified == 1
    assert store.cursor(streams.items).validator == Validator('W/"a"')
    store.close()
