"""Replicas sharing one cycle through a PostgreSQL state store (DESIGN §8): the cycle is cut
into work units that any replica may claim, each done exactly once.

Four phases, each finished by all replicas together before the next starts, in the order of a
single run (worker.cycle):

1. `fetch:<source>` — bring one source's mirror up to date (all its streams);
2. `verify:<deliverable>` — the daily check of our comments on the report targets of a group
   of deliverables that share report targets (so one holder lists and writes each target's
   comments);
3. `publish:<deliverable>` — both role comments on every target of that group, then their
   notices, snapshots and publications;
4. `aftercare` — retire reports that left the mapping and nudge tasks, once.

Publishing starts only when every fetch of this cycle is done, so a deliverable is published
from sources fetched in this cycle, and held back (as in a single run) when one of them failed.
Between phases 2 and 3 each replica computes the reports whose inputs changed, from the mirror
all of them brought up to date. Units
are leased, not locked: a replica renews its leases from a background thread; one killed hard
stops renewing and its unit is taken over when the lease expires. The comment protocol of
worker.publisher (a pending record before each create, a look before any create after one) is
kept in the shared store, so a takeover after a kill mid-write finds the comment instead of
posting it again. A replica that lost a lease (frozen past it) stops before its next write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, cast

import structlog

from mappings.config import MappingFile
from mappings.scope import report_targets
from worker.cycle import Computed, Cycle, CycleResult, unsettled_targets
from worker.fetch import fetch_source, remember_touches
from worker.publisher import Publisher
from worker.reports import Reuse, revision_key
from worker.state import keep_lock

log = structlog.get_logger("delivery_sync.shared")

FETCH, VERIFY, PUBLISH, AFTERCARE = 1, 2, 3, 4
# How often a replica with nothing to claim looks again (for the phase to end, or a lease to
# expire): one indexed COUNT per replica per interval.
POLL_SECONDS = 0.5


class WorkQueue(Protocol):
    """The shared cycles and their leased work units (worker.state_pg.PostgresState)."""

    def join_cycle(
        self, name: str | None, plan: list[tuple[str, int]], digest: str, gap: timedelta
    ) -> int | None: ...
    def claim(self, cycle: int, phase: int) -> tuple[str, str | None] | None: ...
    def complete(self, cycle: int, unit: str, outcome: str | None) -> bool: ...
    def pending(self, cycle: int, phase: int) -> int: ...
    def outcomes(self, cycle: int, phase: int) -> dict[str, str | None]: ...
    def finish_cycle(self, cycle: int) -> bool: ...


def publish_groups(mapping: MappingFile) -> dict[str, tuple[str, ...]]:
    """Deliverables joined by a shared report target, as one unit each, named after the first
    of them: a target's comments are listed, verified and written by one holder."""
    owner = {d.id: d.id for d in mapping.deliverables}

    def root(deliverable: str) -> str:
        while owner[deliverable] != deliverable:
            deliverable = owner[deliverable]
        return deliverable

    first_on: dict[str, str] = {}
    for deliverable in mapping.deliverables:
        for target in report_targets(deliverable):
            other = first_on.setdefault(str(target), deliverable.id)
            a, b = sorted((root(other), root(deliverable.id)))
            owner[b] = a
    groups: dict[str, list[str]] = {}
    for deliverable in mapping.deliverables:
        groups.setdefault(root(deliverable.id), []).append(deliverable.id)
    return {f"publish:{first}": tuple(members) for first, members in groups.items()}


def plan_of(mapping: MappingFile) -> list[tuple[str, int]]:
    """Every unit of a cycle over the mapping, with its phase."""
    units = [(f"fetch:{source.id}", FETCH) for source in mapping.sources]
    for unit in publish_groups(mapping):
        units += [(unit.replace("publish:", "verify:", 1), VERIFY), (unit, PUBLISH)]
    return [*units, ("aftercare", AFTERCARE)]


def mapping_digest(mapping: MappingFile) -> str:
    """Replicas join a cycle only when it was planned from the mapping they run."""
    return hashlib.sha256(mapping.model_dump_json().encode()).hexdigest()


@dataclass
class SharedCycle(Cycle):
    """A cycle done together with the other replicas on the same PostgreSQL store. `name`:
    the cycle replicas started together share (DELIVERY_SYNC_CYCLE); `gap`: in --interval
    mode, a cycle started by any replica less than this long ago is not started again."""

    name: str | None = None
    gap: timedelta = timedelta(0)

    @property
    def work(self) -> WorkQueue:
        return cast(WorkQueue, self.state)

    def run(self) -> CycleResult:
        now = self.runtime.clock()
        plan = plan_of(self.mapping)
        cycle = self.work.join_cycle(self.name, plan, mapping_digest(self.mapping), self.gap)
        if cycle is None:
            log.info("cycle.already_done", name=self.name)
            return CycleResult()
        log.info("cycle.joined", cycle=cycle, name=self.name, today=str(self.today(now)))
        run_id = self.state.start_run(now)
        result = CycleResult()
        self._fetch(cycle, now, result)
        stop = self.runtime.stop
        publisher = self._publisher(self.today(now))
        computed = None
        if not stop.is_set():
            failed = self._failed_sources(cycle)
            repaired = self._verify(cycle, publisher, failed, now)
            reuse = Reuse(revision_key(self.mapping, self.state, self.today(now)), repaired)
            computed = None if stop.is_set() else self.evaluate(now, failed, reuse)
        if computed is not None:
            mine = self._publish(cycle, computed, publisher, result, now)
            result.skipped = {d: why for d, why in computed.skipped.items() if d in mine}
            if not stop.is_set():
                self._aftercare_once(cycle, computed, publisher, result)
        if self.work.finish_cycle(cycle):
            log.info("cycle.closed", cycle=cycle)
        self._finish(run_id, result, now, computed.today if computed else self.today(now))
        return result

    def _claims(self, cycle: int, phase: int) -> Iterator[tuple[str, bool]]:
        """The units of a phase this replica claims, each with whether it was taken over from
        another holder, until every unit of the phase is done (by anyone) or a stop is asked
        for; waiting meanwhile for others' units to finish or their leases to expire."""
        stop = self.runtime.stop
        while not stop.is_set():
            keep_lock(self.state)
            claimed = self.work.claim(cycle, phase)
            if claimed is not None:
                unit, previous = claimed
                if previous is not None:
                    log.warning("unit.taken_over", unit=unit, previous_holder=previous)
                else:
                    log.info("unit.claimed", unit=unit)
                yield unit, previous is not None
                continue
            if self.work.pending(cycle, phase) == 0:
                return
            stop.wait(POLL_SECONDS)

    def _done(self, cycle: int, unit: str, outcome: str | None = None) -> None:
        if not self.work.complete(cycle, unit, outcome):
            log.warning("unit.lost", unit=unit)

    def _fetch(self, cycle: int, now: datetime, result: CycleResult) -> None:
        for unit, _ in self._claims(cycle, FETCH):
            source = unit.removeprefix("fetch:")
            tracker = self.trackers.get(source)
            failure = self.setup_failures.get(source)
            error = fetch_source(self.mapping, source, tracker, self.state, now, failure)
            if error is not None:
                result.failed_sources[source] = error
            self._done(cycle, unit, error)

    def _failed_sources(self, cycle: int) -> dict[str, str]:
        """The sources any replica failed to fetch in this cycle: their deliverables are held
        back, as in a single run."""
        return {
            unit.removeprefix("fetch:"): why
            for unit, why in self.work.outcomes(cycle, FETCH).items()
            if why is not None
        }

    def _verify(
        self, cycle: int, publisher: Publisher, failed: dict[str, str], now: datetime
    ) -> frozenset[str]:
        """Check our comments on the targets of the groups this replica claims; the targets
        any replica found a comment gone or edited on."""
        groups = publish_groups(self.mapping)
        for unit, _ in self._claims(cycle, VERIFY):
            members = groups.get(unit.replace("verify:", "publish:", 1), ())
            repaired = self._verify_all(publisher, failed, now, only=members)
            self._done(cycle, unit, json.dumps(sorted(repaired)))
        repaired_anywhere: set[str] = set()
        for outcome in self.work.outcomes(cycle, VERIFY).values():
            repaired_anywhere |= set(json.loads(outcome or "[]"))
        return frozenset(repaired_anywhere)

    def _publish(
        self,
        cycle: int,
        computed: Computed,
        publisher: Publisher,
        result: CycleResult,
        now: datetime,
    ) -> set[str]:
        """Publish the groups this replica claims; the deliverables it published."""
        groups = publish_groups(self.mapping)
        mine: set[str] = set()
        for unit, taken_over in self._claims(cycle, PUBLISH):
            if taken_over:
                # Its holder may have written to these targets after our own listing of them
                # (in the verify phase): look afresh, or a create it made would be made again.
                publisher.forget_listings()
            members = set(groups.get(unit, ()))
            part = replace(
                computed,
                reports=[r for r in computed.reports if r.deliverable_id in members],
                unchanged=tuple(d for d in computed.unchanged if d in members),
            )
            before = len(result.published)
            self._publish_reports(part, publisher, result, now)
            published = result.published[before:]
            at = self.runtime.clock()
            remember_touches(self.mapping, self.state, computed.items, published, at)
            unsettled = sorted(unsettled_targets(published))
            self._done(cycle, unit, json.dumps(unsettled))
            mine |= members
        return mine

    def _aftercare_once(
        self, cycle: int, computed: Computed, publisher: Publisher, result: CycleResult
    ) -> None:
        """Retire and nudge, by whichever replica claims it, knowing which targets the
        others left unsettled."""
        for unit, taken_over in self._claims(cycle, AFTERCARE):
            if taken_over:
                publisher.forget_listings()  # as for a publish unit taken over
            elsewhere: set[str] = set()
            for outcome in self.work.outcomes(cycle, PUBLISH).values():
                elsewhere |= set(json.loads(outcome or "[]"))
            everything = CycleResult(
                failed_sources=computed.failed_sources, skipped=computed.skipped
            )
            self._aftercare(computed, publisher, everything, elsewhere)
            result.published += everything.published
            self._done(cycle, unit)
