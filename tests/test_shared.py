"""The work queue replicas share a cycle through (worker.shared over worker.state_pg): how a
cycle is cut into units, and the claim, lease, takeover and completion rules, on a real
PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

from mappings.config import parse_mapping
from worker.shared import AFTERCARE, FETCH, PUBLISH, VERIFY, plan_of, publish_groups
from worker.state_pg import PostgresState

MAPPING = """\
version: 1
timezone: UTC
sources:
  - {id: web, kind: github, repo: acme/web}
  - {id: api, kind: github, repo: acme/api}
deliverables:
  - id: checkout
    name: Checkout
    include: [{source: web, label: checkout}]
    report_to: [{source: web, issue: 1}]
  - id: payments
    name: Payments
    include: [{source: api, label: payments}]
    report_to: [{source: api, issue: 1}, {source: web, issue: 1}]
  - id: search
    name: Search
    include: [{source: api, label: search}]
    report_to: [{source: api, issue: 2}]
"""
PLAN = [("fetch:a", FETCH), ("fetch:b", FETCH), ("publish:x", PUBLISH), ("aftercare", AFTERCARE)]


def test_deliverables_sharing_a_report_target_are_published_by_one_holder():
    mapping = parse_mapping(MAPPING)
    assert publish_groups(mapping) == {
        "publish:checkout": ("checkout", "payments"),
        "publish:search": ("search",),
    }
    assert plan_of(mapping) == [
        ("fetch:web", FETCH),
        ("fetch:api", FETCH),
        ("verify:checkout", VERIFY),
        ("publish:checkout", PUBLISH),
        ("verify:search", VERIFY),
        ("publish:search", PUBLISH),
        ("aftercare", AFTERCARE),
    ]


def test_replicas_claim_different_units_and_a_finished_named_cycle_is_not_run_again(
    postgres_url,
):
    first, second = PostgresState(postgres_url), PostgresState(postgres_url)
    cycle = first.join_cycle("job-1", PLAN, "digest", timedelta(0))
    assert second.join_cycle("job-1", PLAN, "digest", timedelta(0)) == cycle
    a, b = first.claim(cycle, FETCH), second.claim(cycle, FETCH)
    assert {a[0], b[0]} == {"fetch:a", "fetch:b"} and a[1] is None and b[1] is None
    assert first.claim(cycle, FETCH) is None  # both held
    assert first.pending(cycle, FETCH) == 2
    assert first.complete(cycle, a[0], None) and second.complete(cycle, b[0], "boom")
    assert first.pending(cycle, FETCH) == 0
    assert first.outcomes(cycle, FETCH) == {a[0]: None, b[0]: "boom"}
    for phase in (PUBLISH, AFTERCARE):
        unit, _ = first.claim(cycle, phase)
        first.complete(cycle, unit, None)
    assert first.finish_cycle(cycle) and not second.finish_cycle(cycle)
    assert second.join_cycle("job-1", PLAN, "digest", timedelta(0)) is None
    assert second.join_cycle("job-2", PLAN, "digest", timedelta(0)) not in (None, cycle)


def test_a_lapsed_lease_is_taken_over_and_its_old_holder_cannot_complete_it(postgres_url):
    holder, taker = PostgresState(postgres_url), PostgresState(postgres_url)
    holder._lease_ttl = timedelta(seconds=0.2)  # never renewed: as if killed
    cycle = holder.join_cycle(None, PLAN, "digest", timedelta(0))
    unit, _ = holder.claim(cycle, FETCH)
    time.sleep(0.5)
    others = {taker.claim(cycle, FETCH), taker.claim(cycle, FETCH)}
    assert (unit, holder._owner) in others  # taken over, naming the holder it was taken from
    assert not holder.complete(cycle, unit, None)
    assert taker.complete(cycle, unit, None)


def test_a_replica_of_another_mapping_supersedes_the_open_cycle(postgres_url):
    old, new = PostgresState(postgres_url), PostgresState(postgres_url)
    stale = old.join_cycle(None, PLAN, "old mapping", timedelta(0))
    fresh = new.join_cycle(None, PLAN, "new mapping", timedelta(0))
    assert fresh != stale
    assert old.pending(stale, FETCH) == 0  # nobody held them: dropped with the old cycle
    assert new.pending(fresh, FETCH) == 2


def test_in_interval_mode_a_cycle_is_not_started_again_within_the_gap(postgres_url):
    store = PostgresState(postgres_url)
    cycle = store.join_cycle(None, [("aftercare", AFTERCARE)], "d", timedelta(minutes=5))
    unit, _ = store.claim(cycle, AFTERCARE)
    store.complete(cycle, unit, None)
    store.finish_cycle(cycle)
    assert store.join_cycle(None, [("aftercare", AFTERCARE)], "d", timedelta(minutes=5)) is None
    assert store.join_cycle(None, [("aftercare", AFTERCARE)], "d", timedelta(0)) is not None
