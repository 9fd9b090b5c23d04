"""One sync cycle, assembled in one place: fetch what changed → map onto deliverables → compute
both role views → reconcile the comments → remember. DESIGN §2 is the reference.

`Cycle.build` puts a cycle together for `run`, `report`, `demo`, the golden tests and the
benchmark alike; `CycleOptions` says how it writes, `Runtime` what it takes from the process.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from connectors.model import Marker, Role, Target, WorkItem
from connectors.tracker import Tracker
from mappings.config import Deliverable, MappingFile
from mappings.scope import report_targets, selector_key, unlisted_people
from worker.fetch import fetch_sources, load_mirror, remember_touches
from worker.publisher import DryRunWrites, LiveWrites, Outcome, Published, Publisher, WriteBudget
from worker.reports import DeliverableReport, Reuse, compute_reports, revision_key, settled
from worker.retirement import Retirement, retire_reports
from worker.runtime import Runtime
from worker.settings import Settings
from worker.state import Publication, RunRecord, StateStore, keep_lock
from worker.trackers import build_trackers

# The views, the forecast, the report texts and the notices are imported where a report is
# computed or published (`worker.reports._report`, `_publish_computed`, `_remember`): an idle
# cycle computes none, and defining their classes is 5 % of its instructions.
if TYPE_CHECKING:
    from mappings.views import DeliveryLeadView, ProjectManagerView

log = structlog.get_logger("delivery_sync.cycle")

# Our comments are checked against what we last wrote at least this often (and on every full
# resync): a deleted report is posted again, a report edited by someone is restored.
VERIFY_EVERY = timedelta(hours=24)
# What a report's writes may come to for its publication to count as settled.
_SETTLED = (Outcome.CREATED, Outcome.EDITED, Outcome.UNCHANGED)


@dataclass(frozen=True)
class CycleOptions:
    """How a cycle writes. `as_of` is the instant every date computation uses (default: now);
    a dry run writes nothing and prints diffs; `max_writes` caps comment writes; `prune`
    deletes retired reports instead of leaving a note in them."""

    as_of: datetime | None = None
    dry_run: bool = False
    max_writes: int | None = None
    prune: bool = False


@dataclass
class CycleResult:
    published: list[Published] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # deliverable id → why
    views: dict[str, tuple[DeliveryLeadView, ProjectManagerView]] = field(default_factory=dict)
    unchanged: list[str] = field(
        default_factory=list
    )  # deliverables whose reports stood as written
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)  # source → key → why
    reads: int = 0
    writes: int = 0
    not_modified: int = 0  # reads answered 304: the stream had not changed
    # what the trackers' rate-limit headers say this cycle cost; None: no tracker counts points
    rate_limit_points: int | None = None
    rate_limit_remaining: int | None = None  # the lowest quota left a tracker reported

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
class Computed:
    """What a cycle knows before it writes: the reports of the deliverables it may publish, the
    ones held back and why, the sources that failed, and the mirror it read (empty when it
    did not need to). `unchanged` deliverables were not recomputed: their inputs are those of
    their last publication at `revision`, so their comments stand."""

    today: date
    reports: list[DeliverableReport]
    skipped: dict[str, str]
    failed_sources: dict[str, str]
    items: Mapping[str, Mapping[str, WorkItem]]
    unchanged: tuple[str, ...] = ()
    revision: str = ""


@dataclass
class Cycle:
    """One cycle over one mapping: its trackers (and the sources that could not be set up),
    its state store, its options and its runtime."""

    mapping: MappingFile
    trackers: Mapping[str, Tracker]
    state: StateStore
    setup_failures: Mapping[str, str] = field(default_factory=dict)
    options: CycleOptions = field(default_factory=CycleOptions)
    runtime: Runtime = field(default_factory=Runtime)

    @classmethod
    def build(
        cls,
        mapping: MappingFile,
        settings: Settings,
        state: StateStore,
        options: CycleOptions | None = None,
        runtime: Runtime | None = None,
    ) -> Cycle:
        """The cycle every command runs: adapters for every source with the environment's
        credentials and the site facts the state store remembers."""
        runtime = runtime or Runtime()
        trackers, failures = build_trackers(
            mapping, settings, state, runtime.clock(), sleep=runtime.sleep
        )
        return cls(mapping, trackers, state, failures, options or CycleOptions(), runtime)

    def today(self, now: datetime) -> date:
        """The calendar day every date computation uses, in the mapping's time zone."""
        return (self.options.as_of or now).astimezone(self.mapping.tz).date()

    def compute(self, now: datetime) -> Computed:
        """Fetch what changed and compute every report; nothing is written to a tracker."""
        return self.evaluate(now, self._fetch(now))

    def _fetch(self, now: datetime) -> dict[str, str]:
        """Bring the mirror up to date; the sources that failed, and why."""
        failed = dict(self.setup_failures)
        fetch_sources(self.mapping, self.trackers, self.state, now, failed, self.runtime.stop)
        return failed

    def evaluate(
        self, now: datetime, failed: Mapping[str, str] | None = None, reuse: Reuse | None = None
    ) -> Computed:
        """Compute the reports from the mirror as it stands (`failed`: sources that did not
        fetch this cycle, whose deliverables are held back). With `reuse`, reports whose
        inputs did not change are not computed, and when none did the mirror is not read."""
        today = self.today(now)
        failed = dict(failed or {})
        revision = reuse.revision if reuse is not None else ""
        quiet = settled(self.mapping, self.state, reuse, failed) if reuse is not None else None
        if quiet is not None:
            log.info("reports.unchanged", unchanged=len(quiet.unchanged), computed=0, mirror=False)
            return Computed(today, [], quiet.skipped, failed, {}, tuple(quiet.unchanged), revision)
        with _collector_paused():
            items = load_mirror(self.mapping, self.state)
            found = compute_reports(self.mapping, self.state, today, failed, items, reuse)
        if reuse is not None:
            log.info(
                "reports.unchanged",
                unchanged=len(found.unchanged),
                computed=len(found.reports),
                mirror=True,
            )
        if self.mapping.people:
            for person in unlisted_people((r.scope for r in found.reports), self.mapping.people):
                log.warning(
                    "people.unlisted",
                    tracker=person.tracker,
                    identity=person.id,
                    name=person.display_name,
                    hint="add them to `people` so their work is counted as one person's",
                )
        return Computed(
            today, found.reports, found.skipped, failed, items, tuple(found.unchanged), revision
        )

    def run(self) -> CycleResult:
        """One whole cycle: fetch, check our comments where due, compute what changed,
        reconcile every comment, retire what left the mapping, nudge, and remember what was
        published."""
        now = self.runtime.clock()
        run_id = self.state.start_run(now)
        today = self.today(now)
        log.info(
            "cycle.started",
            today=str(today),
            dry_run=self.options.dry_run,
            sources=len(self.mapping.sources),
        )
        failed = self._fetch(now)
        publisher = self._publisher(today)
        repaired = self._verify_all(publisher, failed, now)
        reuse = Reuse(revision_key(self.mapping, self.state, today), repaired)
        computed = self.evaluate(now, failed, reuse)
        result = CycleResult(failed_sources=computed.failed_sources, skipped=computed.skipped)
        self._publish_reports(computed, publisher, result, now)
        self._aftercare(computed, publisher, result)
        self._finish(run_id, result, now, computed.today)
        return result

    def _publisher(self, today: date) -> Publisher:
        options, runtime = self.options, self.runtime
        budget = WriteBudget(options.max_writes, stop=runtime.stop)
        writes = DryRunWrites(runtime.out) if options.dry_run else LiveWrites(budget)
        return Publisher(self.trackers, self.state, writes, today=today)

    def _verify_all(
        self,
        publisher: Publisher,
        failed: Mapping[str, str],
        now: datetime,
        only: Collection[str] | None = None,
    ) -> frozenset[str]:
        """The daily check of our comments on every target of a deliverable whose sources all
        fetched (`only`: of these deliverables); the targets where it found one gone or
        edited, whose reports are written again whatever their inputs."""
        if self.options.dry_run:
            return frozenset()
        every = min(VERIFY_EVERY, timedelta(hours=self.mapping.rules.full_resync_hours))
        due: list[Target] = []
        for deliverable in self.mapping.deliverables:
            if only is not None and deliverable.id not in only:
                continue
            sources = {s.source for s in deliverable.include}
            sources |= {t.source for t in deliverable.report_to}
            if sources & set(failed):
                continue
            for target in report_targets(deliverable):
                last = self.state.verified(str(target))
                if target not in due and (last is None or now - last >= every):
                    due.append(target)
        if not due:
            return frozenset()
        before = set(self.state.comment_records())
        for target in due:
            keep_lock(self.state)
            if publisher.verify(target):
                self.state.save_verified(str(target), now)
        return frozenset(r.target for r in set(self.state.comment_records()) - before)

    def _publish_reports(
        self, computed: Computed, publisher: Publisher, result: CycleResult, now: datetime
    ) -> None:
        """Both role comments on every target of every report, then its notices, then (unless
        this is a dry run) its snapshot and publication. A report left unchanged is counted
        as such, and its publication moves to this cycle's revision."""
        dry_run = self.options.dry_run
        if computed.reports:
            self._publish_computed(computed, publisher, result, now)
        if not computed.unchanged:
            return
        # What each standing comment says, read in one query rather than one per comment.
        deliverables = {d.id: d for d in self.mapping.deliverables}
        unchanged = [deliverables[d] for d in computed.unchanged]
        records = self.state.comment_records({str(t) for d in unchanged for t in report_targets(d)})
        bodies = {(r.target, r.marker): r.body or "" for r in records}
        for deliverable in unchanged:
            result.published += self._unchanged(deliverable, computed.revision, dry_run, bodies)
            result.unchanged.append(deliverable.id)

    def _publish_computed(
        self, computed: Computed, publisher: Publisher, result: CycleResult, now: datetime
    ) -> None:
        from worker.notices import Announcer

        dry_run = self.options.dry_run
        announcer = Announcer(publisher, self.state, self.mapping.rules, not dry_run)
        for report in computed.reports:
            keep_lock(self.state)
            result.views[report.deliverable_id] = (report.lead_view, report.pm_view)
            mine = []
            for target in report.scope.targets:
                for marker, document in report.documents:
                    mine.append(publisher.publish(target, marker, document))
            result.published += mine
            failed = {p.target for p in mine if p.outcome is Outcome.FAILED}
            notices = announcer.announce(report, now, failed)
            result.published += notices
            if not dry_run:
                settled = all(p.outcome in _SETTLED for p in mine + notices)
                self._remember(report, computed.today, computed.revision if settled else None)

    def _unchanged(
        self,
        deliverable: Deliverable,
        revision: str,
        dry_run: bool,
        bodies: Mapping[tuple[str, str], str],
    ) -> list[Published]:
        """A report not recomputed: its comments stand as last written (`bodies`, by target
        and marker)."""
        publication = self.state.publication(deliverable.id)
        if not dry_run and publication is not None and publication.revision != revision:
            self.state.save_publication(replace(publication, revision=revision))
        standing = []
        for target in report_targets(deliverable):
            for role in Role:
                marker = Marker(role, deliverable=deliverable.id)
                body = bodies.get((str(target), marker.key), "")
                standing.append(Published(target, marker, Outcome.UNCHANGED, body))
        return standing

    def _remember(self, report: DeliverableReport, today: date, revision: str | None) -> None:
        """The snapshot (for scope changes, blocker ages, the baseline of notices) and what the
        deliverable looked like when published (for held-back checks, retired notes, and to
        skip it while its inputs stay the same: not when a write did not go through)."""
        from mappings.views import snapshot_of

        scope = report.scope
        self.state.save_snapshot(report.deliverable_id, snapshot_of(report.lead_view))
        matched = zip(scope.deliverable.include, scope.matched, strict=True)
        self.state.save_publication(
            Publication(
                report.deliverable_id,
                scope.deliverable.name,
                report.digest,
                {selector_key(selector): count for selector, count in matched},
                tuple(str(t) for t in scope.targets),
                today,
                items=len(scope.items) + len(scope.dropped),
                inputs=report.inputs if revision is not None else "",
                revision=revision or "",
                status=report.lead_view.health,
            )
        )

    def _aftercare(
        self,
        computed: Computed,
        publisher: Publisher,
        result: CycleResult,
        unsettled_elsewhere: Collection[str] = (),
    ) -> None:
        """Retire what left the mapping, nudge tasks, and remember our own touches.
        `unsettled_elsewhere`: targets other replicas of a shared cycle could not settle."""
        keep_lock(self.state)
        # Not where a report of this mapping is unsettled: held back, skipped or not written
        # this cycle. Retiring there could leave the issue with no live report at all.
        unsettled = {
            str(target)
            for d in self.mapping.deliverables
            if d.id in result.skipped
            for target in report_targets(d)
        }
        unsettled |= unsettled_targets(result.published) | set(unsettled_elsewhere)
        retirement = Retirement(
            self.mapping, publisher, self.state, computed.today, self.options.prune
        )
        result.published += retire_reports(retirement, set(result.failed_sources), unsettled)
        # Nudges are computed from every report's view; when none was recomputed, none changed.
        if self.mapping.rules.task_nudges and not computed.unchanged:
            from worker.notices import publish_nudges

            healthy = not result.failed_sources and not result.skipped
            result.published += publish_nudges(
                self.mapping, computed.reports, publisher, self.state, computed.today, healthy
            )
        if not self.options.dry_run:
            at = self.runtime.clock()
            remember_touches(self.mapping, self.state, computed.items, result.published, at)

    def _finish(self, run_id: int, result: CycleResult, now: datetime, today: date) -> None:
        """Count the requests, keep the run record, and say how it went in one event."""
        result.unreadable = {
            s.id: found for s in self.mapping.sources if (found := self.state.unreadable(s.id))
        }
        result.reads = sum(t.stats.reads for t in self.trackers.values())
        result.writes = sum(t.stats.writes for t in self.trackers.values())
        _count_rate_limit(result, self.trackers)
        summary = _summary(result)
        keep_lock(self.state)
        failures = len(result.failed_sources) + len(result.failed_writes)
        self.state.finish_run(
            run_id,
            RunRecord(
                run_id,
                now,
                self.runtime.clock(),
                result.reads,
                result.writes,
                failures,
                summary | {"dry_run": self.options.dry_run, "today": today.isoformat()},
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while the mirror is read and the reports
    computed. Both allocate many small objects that live on (the mirror, its classification)
    and create no reference cycles worth collecting, yet every allocation threshold passed
    started a collection that walked them. That walk is 1-2 % of the step's instructions at
    50,000 items but touches all of the mirror's memory; timed under load, the step took
    1.6 s instead of 1.9 s without it. What little cyclic garbage is left is collected as usual
    afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def unsettled_targets(published: Iterable[Published]) -> set[str]:
    """Targets with a write that failed or was deferred this cycle."""
    return {str(p.target) for p in published if p.outcome in (Outcome.FAILED, Outcome.DEFERRED)}


def _summary(result: CycleResult) -> dict:
    return {
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
        "not_modified": result.not_modified,
        "rate_limit_points": result.rate_limit_points,
        "rate_limit_remaining": result.rate_limit_remaining,
    }


def _count_rate_limit(result: CycleResult, trackers: Mapping[str, Tracker]) -> None:
    stats = [t.stats for t in trackers.values()]
    result.not_modified = sum(s.not_modified for s in stats)
    counted = [s.rate_limit_points for s in stats if s.counts_points]
    result.rate_limit_points = sum(counted) if counted else None
    left = [s.rate_limit_remaining for s in stats if s.rate_limit_remaining is not None]
    result.rate_limit_remaining = min(left) if left else None
