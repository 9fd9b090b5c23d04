"""One sync cycle: fetch what changed → map onto deliverables → compute both role views → render →
reconcile the comments → remember a history snapshot. DESIGN §2 is the reference."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import TextIO

import structlog

from connectors.document import Document
from connectors.model import Marker, Target, WorkItem
from connectors.retry import TrackerError
from connectors.tracker import Tracker
from mappings.config import Deliverable, MappingFile
from mappings.report import (
    delivery_lead_report,
    project_manager_report,
    status_change_notice,
    task_nudge,
    task_nudge_resolved,
)
from mappings.roles import Scope, issue_of, jql_stream, scope_of, target_key
from mappings.status import (
    DeliveryStatus,
    TaskStatus,
    delivery_status,
    nudges,
    snapshot_of,
    task_status,
)
from worker.publisher import Outcome, Published, Publisher, WriteBudget
from worker.state import Cursor, LockHeld, RunRecord, StateError, StateStore

log = structlog.get_logger("delivery_sync.cycle")

# `since` and Jira's minute-resolution `updated` need an overlap; de-duplication by key absorbs it.
LOOKBACK = timedelta(minutes=5)
BATCH = 500
DELIVERY_LEAD = "delivery-lead"
PROJECT_MANAGER = "project-manager"
STATUS_CHANGE = "status-change"


@dataclass
class CycleResult:
    published: list[Published] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # deliverable id → why
    statuses: dict[str, tuple[DeliveryStatus, TaskStatus]] = field(default_factory=dict)
    reads: int = 0
    writes: int = 0

    @property
    def failed_writes(self) -> list[Published]:
        return [p for p in self.published if p.outcome is Outcome.FAILED]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed_sources or self.failed_writes else 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for p in self.published if p.outcome is outcome)


@dataclass(frozen=True)
class DeliverableReport:
    """Both role views of one deliverable for one day, and the documents that say them."""

    scope: Scope
    lead: DeliveryStatus
    pm: TaskStatus
    documents: tuple[tuple[Marker, Document], ...]
    notice: Document | None = None  # the overall status changed since the last report
    change: str | None = None  # which change: "<day of the last snapshot>:<old>-><new>"

    @property
    def deliverable_id(self) -> str:
        return self.scope.deliverable.id


def run_cycle(
    mapping: MappingFile,
    trackers: Mapping[str, Tracker],
    state: StateStore,
    *,
    now: datetime,
    as_of: datetime | None = None,
    dry_run: bool = False,
    max_writes: int | None = None,
    out: TextIO | None = None,
    setup_failures: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> CycleResult:
    """Run one cycle. `now` is the wall-clock start (for cursors); `as_of` (default `now`) is
    the instant every date computation uses. Once `stop` is set no new write starts."""
    stop = stop or threading.Event()
    today = (as_of or now).astimezone(mapping.tz).date()
    result = CycleResult(failed_sources=dict(setup_failures or {}))
    run_id = state.start_run(now)
    log.info("cycle.started", today=str(today), dry_run=dry_run, sources=len(mapping.sources))
    fetch_sources(mapping, trackers, state, now, result.failed_sources, stop)
    items = load_mirror(mapping, state)
    reports, result.skipped = compute_reports(mapping, state, today, result.failed_sources, items)

    publisher = Publisher(trackers, state, dry_run, WriteBudget(max_writes, stop=stop), out)
    for report in reports:
        keep_lock(state)
        result.statuses[report.deliverable_id] = (report.lead, report.pm)
        for target in report.scope.targets:
            for marker, document in report.documents:
                result.published.append(publisher.publish(target, marker, document))
        notices_done = True
        if report.notice is not None:
            marker = Marker(
                DELIVERY_LEAD,
                deliverable=report.deliverable_id,
                notice=STATUS_CHANGE,
                change=report.change,
            )
            for target in report.scope.targets:
                posted = publisher.post_once(target, marker, report.notice)
                result.published.append(posted)
                notices_done &= posted.outcome in (Outcome.CREATED, Outcome.UNCHANGED)
        # Until every notice is out, the previous status stays the latest one remembered, so the
        # change is noticed (and the notice posted) again next cycle.
        if not dry_run and notices_done:
            state.save_snapshot(report.deliverable_id, snapshot_of(report.lead))

    if mapping.rules.task_nudges:
        healthy = not result.failed_sources and not result.skipped
        result.published += publish_nudges(mapping, reports, publisher, state, today, healthy)
    if not dry_run:
        remember_touches(mapping, state, items, result.published)

    result.reads = sum(t.stats.reads for t in trackers.values())
    result.writes = sum(t.stats.writes for t in trackers.values())
    summary = {
        "created": result.count(Outcome.CREATED),
        "edited": result.count(Outcome.EDITED),
        "unchanged": result.count(Outcome.UNCHANGED),
        "deferred": result.count(Outcome.DEFERRED),
        "failed": len(result.failed_writes),
        "failed_sources": sorted(result.failed_sources),
        "skipped_deliverables": sorted(result.skipped),
    }
    finished = datetime.now(UTC)
    keep_lock(state)
    state.finish_run(
        run_id,
        RunRecord(
            run_id,
            now,
            finished,
            result.reads,
            result.writes,
            len(result.failed_sources) + len(result.failed_writes),
            summary | {"dry_run": dry_run, "today": today.isoformat()},
        ),
    )
    log.info("cycle.finished", **summary, reads=result.reads, writes=result.writes)
    return result


# GitHub and Jira move an issue's `updated` when we comment on it; this much later is still us.
TOUCH_SLACK = timedelta(minutes=5)


def load_mirror(mapping: MappingFile, state: StateStore) -> dict[str, dict[str, WorkItem]]:
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
    state: StateStore,
    items: Mapping[str, Mapping[str, WorkItem]],
    published: Iterable[Published],
) -> None:
    at = datetime.now(UTC)
    for done in published:
        if done.outcome not in (Outcome.CREATED, Outcome.EDITED):
            continue
        key = target_key(done.target, mapping)
        item = items.get(done.target.source, {}).get(key)
        if item is not None:
            state.record_touch(done.target.source, key, item.updated, at)


def publish_nudges(
    mapping: MappingFile,
    reports: list[DeliverableReport],
    publisher: Publisher,
    state: StateStore,
    today: date,
    healthy: bool,
) -> list[Published]:
    """One project-manager comment on each task that needs action, edited in place; once the
    task needs nothing, the comment says so. Nothing is marked resolved after a cycle in which
    a source failed: a task missing then may only be missing from what we could read."""
    published = []
    needed = nudges(r.pm for r in reports)
    for key, nudge in needed.items():
        target = Target(nudge.item.source, issue_of(nudge.item))
        document = task_nudge(nudge, today, mapping.rules.mention)
        published.append(publisher.publish(target, Marker(PROJECT_MANAGER, task=key), document))
    if not healthy:
        return published
    sources = {s.id for s in mapping.sources}
    for record in state.comment_records():
        marker = Marker.from_dict(json.loads(record.marker))
        if marker is None or marker.task is None or marker.task in needed:
            continue
        source, issue = record.target.split(":", 1)
        if source in sources and record.comment_id is not None:
            target = Target(source, issue)
            published.append(publisher.publish(target, marker, task_nudge_resolved()))
    return published


def keep_lock(state: StateStore) -> None:
    """Refresh the run lock between steps; if another run took it over, stop here (no write
    is in flight between steps)."""
    if not state.refresh_lock(datetime.now(UTC)):
        log.error("lock.lost")
        raise LockHeld("another run took the state lock over while this one ran")


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
            fetched = sync_source(
                source.id,
                tracker,
                state,
                now,
                mapping.rules.full_resync_hours,
                jql_selectors(mapping, source.id),
                source.model_dump_json(
                    include={"kind", "repo", "project", "jql", "base_url", "url"}
                ),
            )
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


def compute_reports(
    mapping: MappingFile,
    state: StateStore,
    today: date,
    failed_sources: Mapping[str, str],
    items: Mapping[str, Mapping[str, WorkItem]],
) -> tuple[list[DeliverableReport], dict[str, str]]:
    """Both role documents for every deliverable whose sources all fetched; the others, with
    the reason, are left out so their comments keep their previous text."""
    milestones = {s.id: state.milestones(s.id) for s in mapping.sources}
    members = memberships(mapping, state)
    scopes: dict[str, Scope] = {}
    skipped: dict[str, str] = {}
    for deliverable in mapping.deliverables:
        failed = sorted(_sources_of(deliverable) & set(failed_sources))
        if failed:
            skipped[deliverable.id] = f"source {', '.join(failed)} failed to fetch"
            log.warning("deliverable.skipped", deliverable=deliverable.id, failed_sources=failed)
            continue
        scopes[deliverable.id] = scope_of(deliverable, mapping, items, milestones, members)

    due_of_key = _due_of_key(scopes.values())
    reports = []
    for deliverable_id, scope in scopes.items():
        history = state.history(deliverable_id)
        lead = delivery_status(scope, mapping, today, items, history=history)
        pm = task_status(scope, mapping, today, items, milestones, due_of_key)
        documents = (
            (
                Marker(DELIVERY_LEAD, deliverable=deliverable_id),
                delivery_lead_report(lead, mapping.rules.mention),
            ),
            (
                Marker(PROJECT_MANAGER, deliverable=deliverable_id),
                project_manager_report(pm, mapping.rules.mention),
            ),
        )
        previous = history[-1].status if history else None
        notice = change = None
        if mapping.rules.notify_on_status_change and previous and previous != lead.status:
            notice = status_change_notice(lead, previous, mapping.rules.mention)
            # Stable until the change is remembered, however many cycles it takes to post.
            change = f"{history[-1].day}:{previous}->{lead.status}"
        reports.append(DeliverableReport(scope, lead, pm, documents, notice, change))
    return reports, skipped


def sync_source(
    source_id: str,
    tracker: Tracker,
    state: StateStore,
    now: datetime,
    full_resync_hours: float,
    jqls: Iterable[str] = (),
    query: str = "",
) -> dict[str, int | bool]:
    """Bring the mirror of one source up to date: incremental from the cursor, or in full when
    the last full fetch is older than `full_resync_hours` (catching deletions and moves).

    Each stream has its own cursor, named after what it asks for: the source's items (`query`
    describes the repository or project and filter) and each selector JQL, whose matches are
    kept as a membership set. A stream with no cursor yet (new, or its query was edited) is
    fetched in full, so nothing is missing until the next full resync."""
    stream = f"{source_id}:items:{_digest(query)}"
    cursor = state.cursor(stream)
    full = cursor is None or now - cursor.full_at >= timedelta(hours=full_resync_hours)
    since = None if full or cursor is None else cursor.since - LOOKBACK
    seen = _fetch_into_mirror(source_id, tracker.fetch_items(since), state)
    removed = 0
    if full:
        # Deleted, transferred or no longer visible: a full fetch is the only way to know.
        gone = state.item_keys(source_id) - seen
        state.delete_items(source_id, gone)
        removed = len(gone)
    cursors = {stream: Cursor(now, now if full or cursor is None else cursor.full_at)}
    for jql in jqls:
        member_stream = jql_stream(source_id, jql)
        member_cursor = state.cursor(member_stream)
        member_full = full or member_cursor is None
        member_since = None if member_full else member_cursor.since - LOOKBACK
        matching = _fetch_into_mirror(source_id, tracker.fetch_items(member_since, jql=jql), state)
        if not member_full:
            # Changed items that no longer match left the selector; unchanged ones stay.
            matching |= state.membership(member_stream) - seen
        state.replace_membership(member_stream, matching)
        cursors[member_stream] = Cursor(now, now if member_full else member_cursor.full_at)
    state.replace_milestones(source_id, tracker.fetch_milestones())
    site = tracker.site()
    stored = state.site_info(source_id)
    if site is not None and (stored is None or stored[0] != site or full):
        state.save_site_info(source_id, site, now)
    # A cursor never passes the cycle's start: items changed while we read are fetched again.
    for name, new in cursors.items():
        state.save_cursor(name, new)
    return {"full": full, "fetched": len(seen), "removed": removed}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _fetch_into_mirror(source_id: str, items: Iterable[WorkItem], state: StateStore) -> set[str]:
    """Store items page by page (memory stays bounded by the mirror); return their keys."""
    keys: set[str] = set()
    for batch in _batches(items, BATCH):
        state.upsert_items(source_id, batch)
        keys.update(item.key for item in batch)
    return keys


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


def memberships(mapping: MappingFile, state: StateStore) -> dict[str, frozenset[str]]:
    return {
        jql_stream(source.id, jql): state.membership(jql_stream(source.id, jql))
        for source in mapping.sources
        for jql in jql_selectors(mapping, source.id)
    }


def _batches(items: Iterable[WorkItem], size: int) -> Iterator[list[WorkItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sources_of(deliverable: Deliverable) -> set[str]:
    return {s.source for s in deliverable.include} | {t.source for t in deliverable.report_to}


def _due_of_key(scopes: Iterable[Scope]) -> dict[str, date]:
    """The earliest due date among the deliverables that hold each item."""
    due: dict[str, date] = {}
    for scope in scopes:
        if scope.due is None:
            continue
        for item in scope.items:
            key = f"{item.source}:{item.key}"
            if key not in due or scope.due < due[key]:
                due[key] = scope.due
    return due
