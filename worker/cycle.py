"""One sync cycle: fetch what changed → map onto deliverables → compute both role views → render →
reconcile the comments → remember a history snapshot. DESIGN §2 is the reference."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import TextIO

import structlog

from connectors.model import ItemRef, Marker, Role, Target, WorkItem
from connectors.retry import TrackerError
from connectors.tracker import Tracker
from mappings.config import Deliverable, MappingFile
from mappings.report import (
    retired_report,
    role_documents,
    status_change_notice,
    task_nudge,
    task_nudge_resolved,
)
from mappings.scope import (
    Portfolio,
    Scope,
    due_by_item,
    jql_stream,
    mapping_digest,
    report_targets,
    selector_key,
    target_ref,
    unlisted_people,
)
from mappings.views import (
    DeliveryLeadView,
    ProjectManagerView,
    delivery_lead_view,
    nudges,
    project_manager_view,
    snapshot_of,
)
from rendering.document import Document
from worker.publisher import (
    DryRunWrites,
    LiveWrites,
    Outcome,
    Published,
    Publisher,
    WriteBudget,
)
from worker.state import (
    Announcement,
    CommentRecord,
    Cursor,
    LockHeld,
    Publication,
    RunRecord,
    StateError,
    StateStore,
)

log = structlog.get_logger("delivery_sync.cycle")

# `since` and Jira's minute-resolution `updated` need an overlap; de-duplication by key absorbs it.
LOOKBACK = timedelta(minutes=5)
BATCH = 500
STATUS_CHANGE = "status-change"
# Our comments are checked against what we last wrote at least this often (and on every full
# resync): a deleted report is posted again, a report edited by someone is restored.
VERIFY_EVERY = timedelta(hours=24)


@dataclass
class CycleResult:
    published: list[Published] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # deliverable id → why
    statuses: dict[str, tuple[DeliveryLeadView, ProjectManagerView]] = field(default_factory=dict)
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)  # source → key → why
    reads: int = 0
    writes: int = 0

    @property
    def failed_writes(self) -> list[Published]:
        return [p for p in self.published if p.outcome is Outcome.FAILED]

    @property
    def exit_code(self) -> int:
        """1 when anything was left undone or unread: a failed source or write, a deliverable
        held back, an item that could not be read."""
        failed = self.failed_sources or self.failed_writes or self.skipped or self.unreadable
        return 1 if failed else 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for p in self.published if p.outcome is outcome)


@dataclass(frozen=True)
class DeliverableReport:
    """Both role views of one deliverable for one day, and the documents that say them."""

    scope: Scope
    lead_view: DeliveryLeadView
    pm_view: ProjectManagerView
    documents: tuple[tuple[Marker, Document], ...]
    digest: str = ""  # the deliverable's mapping entry (`mapping_digest`)
    mapping_changed: bool = False  # its mapping entry differs from its last publication's
    last_status: str | None = None  # the status of the last report, from the history

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
    prune: bool = False,
) -> CycleResult:
    """Run one cycle. `now` is the wall-clock start (for cursors); `as_of` (default `now`) is
    the instant every date computation uses. Once `stop` is set no new write starts. `prune`
    deletes retired reports instead of leaving a note in them."""
    stop = stop or threading.Event()
    today = (as_of or now).astimezone(mapping.tz).date()
    result = CycleResult(failed_sources=dict(setup_failures or {}))
    run_id = state.start_run(now)
    log.info("cycle.started", today=str(today), dry_run=dry_run, sources=len(mapping.sources))
    fetch_sources(mapping, trackers, state, now, result.failed_sources, stop)
    items = load_mirror(mapping, state)
    reports, result.skipped = compute_reports(mapping, state, today, result.failed_sources, items)
    if mapping.people:
        for person in unlisted_people((r.scope for r in reports), mapping.people):
            log.warning(
                "people.unlisted",
                tracker=person.tracker,
                identity=person.id,
                name=person.display_name,
                hint="add them to `people` so their work is counted as one person's",
            )

    writes = DryRunWrites(out) if dry_run else LiveWrites(WriteBudget(max_writes, stop=stop))
    publisher = Publisher(trackers, state, writes, today=today)
    verify_every = min(VERIFY_EVERY, timedelta(hours=mapping.rules.full_resync_hours))
    verified: set[Target] = set()
    for report in reports:
        keep_lock(state)
        result.statuses[report.deliverable_id] = (report.lead_view, report.pm_view)
        for target in report.scope.targets:
            if not dry_run and target not in verified:
                verified.add(target)
                last = state.verified(str(target))
                if (last is None or now - last >= verify_every) and publisher.verify(target):
                    state.save_verified(str(target), now)
            for marker, document in report.documents:
                result.published.append(publisher.publish(target, marker, document))
        failed = {p.target for p in result.published if p.outcome is Outcome.FAILED}
        result.published += announce(report, publisher, state, mapping, now, dry_run, failed)
        if not dry_run:
            state.save_snapshot(report.deliverable_id, snapshot_of(report.lead_view))
            state.save_publication(
                Publication(
                    report.deliverable_id,
                    report.scope.deliverable.name,
                    report.digest,
                    {
                        selector_key(selector): count
                        for selector, count in zip(
                            report.scope.deliverable.include, report.scope.matched, strict=True
                        )
                    },
                    tuple(str(t) for t in report.scope.targets),
                    today,
                    items=len(report.scope.items) + len(report.scope.dropped),
                )
            )

    keep_lock(state)
    # Not where a report of this mapping is unsettled: held back, skipped or not written this
    # cycle. Retiring there could leave the issue with no live report at all.
    unsettled = {
        str(target)
        for d in mapping.deliverables
        if d.id in result.skipped
        for target in report_targets(d)
    } | {str(p.target) for p in result.published if p.outcome in (Outcome.FAILED, Outcome.DEFERRED)}
    result.published += retire_reports(
        mapping, publisher, state, today, prune, set(result.failed_sources), unsettled
    )
    if mapping.rules.task_nudges:
        healthy = not result.failed_sources and not result.skipped
        result.published += publish_nudges(mapping, reports, publisher, state, today, healthy)
    if not dry_run:
        remember_touches(mapping, state, items, result.published)

    result.unreadable = {
        source.id: found for source in mapping.sources if (found := state.unreadable(source.id))
    }
    result.reads = sum(t.stats.reads for t in trackers.values())
    result.writes = sum(t.stats.writes for t in trackers.values())
    summary = {
        "created": result.count(Outcome.CREATED),
        "edited": result.count(Outcome.EDITED),
        "unchanged": result.count(Outcome.UNCHANGED),
        "deferred": result.count(Outcome.DEFERRED),
        "retired": result.count(Outcome.RETIRED),
        "pruned": result.count(Outcome.PRUNED),
        "failed": len(result.failed_writes),
        "failed_sources": sorted(result.failed_sources),
        "skipped_deliverables": sorted(result.skipped),
        "unreadable_items": sum(len(keys) for keys in result.unreadable.values()),
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
    log.info(
        "cycle.finished",
        **summary,
        reads=result.reads,
        writes=result.writes,
        exit_code=result.exit_code,
        why_skipped=dict(sorted(result.skipped.items())),
        why_failed=dict(sorted(result.failed_sources.items())),
    )
    return result


def announce(
    report: DeliverableReport,
    publisher: Publisher,
    state: StateStore,
    mapping: MappingFile,
    now: datetime,
    dry_run: bool,
    failed: Collection[Target] = (),
) -> list[Published]:
    """A status-change notice on each target whose last announced status differs — news from
    the trackers only. The reference is the status last announced there (or set silently by a
    first report or a mapping edit); a target gets at most one notice per cool-down, and none
    while its report could not be updated (the notice waits for the report)."""
    deliverable_id = report.deliverable_id
    status = report.lead_view.health
    cooldown = timedelta(hours=mapping.rules.notice_cooldown_hours)
    published = []

    def remember(target: Target, news: Announcement) -> None:
        if not dry_run:
            state.save_announcement(deliverable_id, str(target), news)

    for target in report.scope.targets:
        last = state.announcement(deliverable_id, str(target))
        if report.mapping_changed:
            # The mapping's doing: its status is the reference, quietly, even where the report
            # could not be written this cycle (the change is no news there either).
            if last is None or last.status != status:
                remember(target, Announcement(status, now, announced=False))
            continue
        if target in failed:
            continue
        if last is None:
            if report.last_status is None:
                remember(target, Announcement(status, now, announced=False))
                continue
            # A store from before announcements were kept: the last report is the reference.
            last = Announcement(report.last_status, now, announced=False)
            remember(target, last)
        if last.status == status:
            continue
        if not mapping.rules.notify_on_status_change:
            remember(target, Announcement(status, now, announced=False))
            continue
        if last.announced and now - last.since < cooldown:
            log.info(
                "notice.cooling_down",
                deliverable=deliverable_id,
                target=str(target),
                last_announced=last.since.isoformat(),
                status=status,
            )
            continue
        marker = Marker(
            Role.DELIVERY_LEAD,
            deliverable=deliverable_id,
            notice=STATUS_CHANGE,
            # Stable until the change is announced, however many cycles that takes.
            change=f"{last.since.isoformat(timespec='seconds')}:{last.status}->{status}",
        )
        notice = status_change_notice(report.lead_view, last.status, mapping.rules.mention)
        posted = publisher.post_once(target, marker, notice)
        published.append(posted)
        if posted.outcome in (Outcome.CREATED, Outcome.UNCHANGED):
            remember(target, Announcement(status, now, announced=True))
    return published


def retire_reports(
    mapping: MappingFile,
    publisher: Publisher,
    state: StateStore,
    today: date,
    prune: bool,
    failed_sources: set[str],
    unsettled: Collection[str] = (),
) -> list[Published]:
    """Reports this store published whose deliverable left the mapping, or whose target left
    its `report_to`, are edited once into a note that says so (or deleted, with `prune`); never
    edited again. Comments it only found (another deployment's, or from before a lost state)
    are never touched."""
    live = {d.id: {str(t) for t in report_targets(d)} for d in mapping.deliverables}
    sources = {s.id for s in mapping.sources}
    published = []
    for record in state.comment_records():
        marker = Marker.from_dict(json.loads(record.marker))
        if marker is None or marker.deliverable is None or marker.notice or marker.task:
            continue
        if record.comment_id is None or (record.retired and not prune):
            continue
        if record.target in live.get(marker.deliverable, ()):
            continue  # still reported there (maybe held back this cycle)
        target = Target.parse(record.target)
        if target.source not in sources or target.source in failed_sources:
            continue  # nobody to ask now
        if record.target in unsettled:
            continue  # the live reports there not yet in place
        keep_lock(state)
        done = publisher.retire(
            target,
            marker,
            record,
            _retired_document(marker, record, mapping, state, today),
            prune=prune,
        )
        published.append(done)
        if done.outcome in (Outcome.RETIRED, Outcome.PRUNED):
            # Back on this target one day, it starts afresh: no notice about an old change.
            state.forget_announcement(marker.deliverable, record.target)
    return published


def _retired_document(
    marker: Marker, record: CommentRecord, mapping: MappingFile, state: StateStore, today: date
) -> Document:
    deliverable = next((d for d in mapping.deliverables if d.id == marker.deliverable), None)
    publication = state.publication(marker.deliverable or "")
    name = publication.name if publication else (marker.deliverable or "")
    if deliverable is None:
        why = f"deliverable {marker.deliverable!r} was removed from the mapping file"
    else:
        name = deliverable.name
        why = f"this issue was removed from the report_to of deliverable {marker.deliverable!r}"
    # "Reported in another comment" only when that comment is there.
    successor = any(
        (live := state.comment_record(record.target, replace(marker, deliverable=d.id).key))
        is not None
        and live.comment_id is not None
        and live.retired is None
        for d in mapping.deliverables
        if d.name == name and d.id != marker.deliverable
    )
    role = marker.role.words if isinstance(marker.role, Role) else marker.role
    return retired_report(name, role, today, why, successor)


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
        key = target_ref(done.target, mapping.source(done.target.source)).key
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
    needed = nudges(r.pm_view for r in reports)
    for ref, nudge in needed.items():
        keep_lock(state)
        target = Target(ref.source, ref.issue)
        document = task_nudge(nudge, today, mapping.rules.mention)
        marker = Marker(Role.PROJECT_MANAGER, task=str(ref))
        published.append(publisher.publish(target, marker, document))
    if not healthy:
        return published
    sources = {s.id for s in mapping.sources}
    for record in state.comment_records():
        marker = Marker.from_dict(json.loads(record.marker))
        if marker is None or marker.task is None or ItemRef.parse(marker.task) in needed:
            continue
        target = Target.parse(record.target)
        if target.source in sources and record.comment_id is not None:
            keep_lock(state)
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
    unreadable = {s.id: state.unreadable(s.id) for s in mapping.sources}
    publications = {d.id: state.publication(d.id) for d in mapping.deliverables}
    portfolio = Portfolio(mapping, items, milestones, members, unreadable)
    scopes, skipped = _publishable_scopes(mapping, portfolio, publications, failed_sources)
    due_of = due_by_item(scopes)
    wip_everywhere = portfolio.work_in_progress()
    lead = mapping.person(mapping.roles.delivery_lead)
    pm = mapping.person(mapping.roles.project_manager)
    rules = mapping.rules
    reports = []
    for scope in scopes:
        deliverable_id = scope.deliverable.id
        history = state.history(deliverable_id)
        digest = mapping_digest(scope.deliverable, mapping)
        publication = publications[deliverable_id]
        lead_view = delivery_lead_view(
            scope, rules, today, history=history, delivery_lead=lead, mirror=items
        )
        pm_view = project_manager_view(
            scope,
            rules,
            today,
            project_manager=pm,
            wip_everywhere=wip_everywhere,
            due_by_item=due_of,
        )
        documents = role_documents(lead_view, pm_view, rules.mention)
        reports.append(
            DeliverableReport(
                scope,
                lead_view,
                pm_view,
                tuple((Marker(role, deliverable=deliverable_id), doc) for role, doc in documents),
                digest=digest,
                mapping_changed=publication is not None and publication.selectors != digest,
                last_status=history[-1].status if history else None,
            )
        )
    return reports, skipped


def _publishable_scopes(
    mapping: MappingFile,
    portfolio: Portfolio,
    publications: Mapping[str, Publication | None],
    failed_sources: Mapping[str, str],
) -> tuple[list[Scope], dict[str, str]]:
    """The scopes of the deliverables that may be published now, and why the others may not."""
    scopes: list[Scope] = []
    skipped: dict[str, str] = {}
    for index, deliverable in enumerate(mapping.deliverables):
        failed = sorted(_sources_of(deliverable) & set(failed_sources))
        if failed:
            skipped[deliverable.id] = f"source {', '.join(failed)} failed to fetch"
            log.warning("deliverable.skipped", deliverable=deliverable.id, failed_sources=failed)
            continue
        scope = portfolio.scope(deliverable)
        problems = portfolio.problems(index, scope, publications[deliverable.id])
        if problems:
            # A typo or a rename must never be published as "0 of 0 items done": the comments
            # keep their last text until the mapping or the tracker is fixed.
            skipped[deliverable.id] = "; ".join(str(p) for p in problems)
            log.error(
                "deliverable.held_back",
                deliverable=deliverable.id,
                problems=[str(p) for p in problems],
            )
            continue
        scopes.append(scope)
    return scopes, skipped


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
    unreadable: dict[str, str] = getattr(tracker, "unreadable", {})
    seen = _fetch_into_mirror(source_id, tracker.fetch_items(since), state, unreadable)
    removed = 0
    if full:
        # Deleted, transferred or no longer visible: a full fetch is the only way to know. An
        # item that came back unreadable is neither: its last good version stays.
        gone = state.item_keys(source_id) - seen - set(unreadable)
        state.delete_items(source_id, gone)
        removed = len(gone)
    cursors = {stream: Cursor(now, now if full or cursor is None else cursor.full_at)}
    for jql in jqls:
        member_stream = jql_stream(source_id, jql)
        member_cursor = state.cursor(member_stream)
        member_full = full or member_cursor is None
        member_since = None if member_full else member_cursor.since - LOOKBACK
        matching = _fetch_into_mirror(
            source_id, tracker.fetch_items(member_since, jql=jql), state, unreadable
        )
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
    # Unreadable until read well again; a full fetch knows of every item that still is.
    earlier = set(state.unreadable(source_id))
    state.forget_unreadable(source_id, earlier - set(unreadable) if full else earlier & seen)
    if unreadable:
        state.mark_unreadable(source_id, unreadable, now)
        log.warning("items.unreadable", source=source_id, items=sorted(unreadable))
    # A cursor never passes the cycle's start: items changed while we read are fetched again.
    for name, new in cursors.items():
        state.save_cursor(name, new)
    return {"full": full, "fetched": len(seen), "removed": removed, "unreadable": len(unreadable)}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _fetch_into_mirror(
    source_id: str, items: Iterable[WorkItem], state: StateStore, unreadable: dict[str, str]
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


def _store_one(source_id: str, item: WorkItem, state: StateStore, unreadable: dict) -> bool:
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
