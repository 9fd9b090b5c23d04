"""One sync cycle, assembled in one place: fetch what changed → map onto deliverables → compute
both role views → reconcile the comments → remember. DESIGN §2 is the reference.

`Cycle.build` puts a cycle together for `run`, `report`, `demo`, the golden tests and the
benchmark alike; `CycleOptions` says how it writes, `Runtime` what it takes from the process.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog

from connectors.model import Target, WorkItem
from connectors.tracker import Tracker
from mappings.config import MappingFile
from mappings.scope import report_targets, selector_key, unlisted_people
from mappings.views import DeliveryLeadView, ProjectManagerView, snapshot_of
from worker.fetch import fetch_sources, load_mirror, remember_touches
from worker.notices import Announcer, publish_nudges
from worker.publisher import DryRunWrites, LiveWrites, Outcome, Published, Publisher, WriteBudget
from worker.reports import DeliverableReport, compute_reports
from worker.retirement import Retirement, retire_reports
from worker.runtime import Runtime
from worker.settings import Settings
from worker.state import Publication, RunRecord, StateStore, keep_lock
from worker.trackers import build_trackers

log = structlog.get_logger("delivery_sync.cycle")

# Our comments are checked against what we last wrote at least this often (and on every full
# resync): a deleted report is posted again, a report edited by someone is restored.
VERIFY_EVERY = timedelta(hours=24)


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
class Computed:
    """What a cycle knows before it writes: the reports of the deliverables it may publish, the
    ones held back and why, the sources that failed, and the mirror it read."""

    today: date
    reports: list[DeliverableReport]
    skipped: dict[str, str]
    failed_sources: dict[str, str]
    items: Mapping[str, Mapping[str, WorkItem]]


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
        failed = dict(self.setup_failures)
        fetch_sources(self.mapping, self.trackers, self.state, now, failed, self.runtime.stop)
        return self.evaluate(now, failed)

    def evaluate(self, now: datetime, failed: Mapping[str, str] | None = None) -> Computed:
        """Compute every report from the mirror as it stands (`failed`: sources that did not
        fetch this cycle, whose deliverables are held back)."""
        today = self.today(now)
        failed = dict(failed or {})
        items = load_mirror(self.mapping, self.state)
        reports, skipped = compute_reports(self.mapping, self.state, today, failed, items)
        if self.mapping.people:
            for person in unlisted_people((r.scope for r in reports), self.mapping.people):
                log.warning(
                    "people.unlisted",
                    tracker=person.tracker,
                    identity=person.id,
                    name=person.display_name,
                    hint="add them to `people` so their work is counted as one person's",
                )
        return Computed(today, reports, skipped, failed, items)

    def run(self) -> CycleResult:
        """One whole cycle: compute, reconcile every comment, retire what left the mapping,
        nudge, and remember what was published."""
        now = self.runtime.clock()
        run_id = self.state.start_run(now)
        log.info(
            "cycle.started",
            today=str(self.today(now)),
            dry_run=self.options.dry_run,
            sources=len(self.mapping.sources),
        )
        computed = self.compute(now)
        result = CycleResult(failed_sources=computed.failed_sources, skipped=computed.skipped)
        publisher = self._publisher(computed.today)
        self._publish_reports(computed, publisher, result, now)
        self._aftercare(computed, publisher, result)
        self._finish(run_id, result, now, computed.today)
        return result

    def _publisher(self, today: date) -> Publisher:
        options, runtime = self.options, self.runtime
        budget = WriteBudget(options.max_writes, stop=runtime.stop)
        writes = DryRunWrites(runtime.out) if options.dry_run else LiveWrites(budget)
        return Publisher(self.trackers, self.state, writes, today=today)

    def _publish_reports(
        self, computed: Computed, publisher: Publisher, result: CycleResult, now: datetime
    ) -> None:
        """Both role comments on every target of every report, then its notices, then (unless
        this is a dry run) its snapshot and publication."""
        dry_run = self.options.dry_run
        announcer = Announcer(publisher, self.state, self.mapping.rules, not dry_run)
        verified: set[Target] = set()
        for report in computed.reports:
            keep_lock(self.state)
            result.views[report.deliverable_id] = (report.lead_view, report.pm_view)
            for target in report.scope.targets:
                if not dry_run and target not in verified:
                    verified.add(target)
                    self._verify(publisher, target, now)
                for marker, document in report.documents:
                    result.published.append(publisher.publish(target, marker, document))
            failed = {p.target for p in result.published if p.outcome is Outcome.FAILED}
            result.published += announcer.announce(report, now, failed)
            if not dry_run:
                self._remember(report, computed.today)

    def _verify(self, publisher: Publisher, target: Target, now: datetime) -> None:
        every = min(VERIFY_EVERY, timedelta(hours=self.mapping.rules.full_resync_hours))
        last = self.state.verified(str(target))
        if (last is None or now - last >= every) and publisher.verify(target):
            self.state.save_verified(str(target), now)

    def _remember(self, report: DeliverableReport, today: date) -> None:
        """The snapshot (for scope changes, blocker ages, the baseline of notices) and what the
        deliverable looked like when published (for held-back checks and retired notes)."""
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
        if self.mapping.rules.task_nudges:
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
    }
