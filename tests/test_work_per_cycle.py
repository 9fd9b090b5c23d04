"""How often a cycle forecasts and builds the workload table (issue 12): the forecast once per
deliverable per day unless its items changed, the workload table once per cycle for every
deliverable, and what the standing comments say read in one query. Counted with spies on the
functions the cycle calls, in-process against the sandbox; outcomes, not timings.
"""

from __future__ import annotations

import gc
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

import mappings.forecast
import mappings.views
import worker.cycle
from mappings.config import parse_mapping
from mappings.scope import Portfolio
from tests.e2e import GITHUB_MAPPING, only_in_mobile_onboarding, sandbox_settings
from worker.cycle import Cycle, CycleOptions
from worker.state import SQLiteState

DELIVERABLES = 3  # in the GitHub-only example mapping


@pytest.fixture
def calls(monkeypatch) -> Counter[str]:
    """How many times each spied function ran: the views' forecasts, the simulations the
    forecasts could not take from the process's memory, and the workload table."""
    counted: Counter[str] = Counter()
    forecast = mappings.views.forecast_completion
    simulate = mappings.forecast._finish_days.__wrapped__
    workload = Portfolio.work_in_progress

    def counting(name, function):
        def spy(*args, **kwargs):
            counted[name] += 1
            return function(*args, **kwargs)

        return spy

    monkeypatch.setattr(mappings.views, "forecast_completion", counting("forecast", forecast))
    # A fresh memory of simulations around a counting one: what this test runs is counted.
    fresh = mappings.forecast.functools.lru_cache(maxsize=512)(counting("simulation", simulate))
    monkeypatch.setattr(mappings.forecast, "_finish_days", fresh)
    monkeypatch.setattr(Portfolio, "work_in_progress", counting("workload", workload))
    return counted


def run_cycle(sandbox, state, day: int = 0):
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    options = CycleOptions(as_of=noon + timedelta(days=day))
    mapping = parse_mapping(GITHUB_MAPPING.read_text())
    result = Cycle.build(mapping, sandbox_settings(sandbox), SQLiteState(state), options).run()
    assert result.exit_code == 0
    return result


def forecasts_in(result) -> int:
    """The deliverables whose delivery-lead view carries a forecast."""
    return sum(lead.forecast is not None for lead, _ in result.views.values())


def test_each_deliverable_is_forecast_once_and_the_workload_built_once_per_cycle(
    sandbox, state, calls
):
    first = run_cycle(sandbox, state)

    assert len(first.views) == DELIVERABLES
    forecasts = forecasts_in(first)
    assert forecasts >= 2  # the example's deliverables have work left and closings to go by
    assert calls == {"forecast": forecasts, "simulation": forecasts, "workload": 1}


def test_an_idle_cycle_the_same_day_forecasts_nothing(sandbox, state, calls):
    run_cycle(sandbox, state)
    calls.clear()

    idle = run_cycle(sandbox, state)

    assert idle.views == {} and len(idle.unchanged) == DELIVERABLES
    assert calls == {}


def test_a_changed_item_forecasts_only_its_deliverable_again(sandbox, state, calls):
    run_cycle(sandbox, state)
    calls.clear()
    number = only_in_mobile_onboarding(sandbox)
    sandbox.github.update_issue("acme/web", number, title="Renamed by the team")

    changed = run_cycle(sandbox, state)

    assert set(changed.views) == {"mobile-onboarding"}
    assert calls["forecast"] == forecasts_in(changed) == 1
    # A new title changes no figure the forecast rests on: the simulation is remembered.
    assert calls["simulation"] == 0
    assert calls["workload"] == 1


def test_a_new_day_forecasts_every_deliverable_once_again(sandbox, state, calls):
    run_cycle(sandbox, state)
    calls.clear()

    tomorrow = run_cycle(sandbox, state, day=1)

    forecasts = forecasts_in(tomorrow)
    assert forecasts >= 2
    assert calls == {"forecast": forecasts, "simulation": forecasts, "workload": 1}


def test_computing_the_reports_leaves_the_garbage_collector_as_it_found_it(
    sandbox, state, monkeypatch
):
    # The collector is held off while the mirror is read and the reports computed (CPU), and
    # must be running again afterwards, even when computing failed.
    run_cycle(sandbox, state)
    assert gc.isenabled()

    def broken(*args, **kwargs):
        assert not gc.isenabled()  # held off while computing
        raise RuntimeError("computing failed")

    monkeypatch.setattr(worker.cycle, "compute_reports", broken)
    sandbox.github.update_issue("acme/web", only_in_mobile_onboarding(sandbox), title="Renamed")
    with pytest.raises(RuntimeError, match="computing failed"):
        run_cycle(sandbox, state)
    assert gc.isenabled()


def test_an_idle_cycle_reads_what_the_comments_say_in_one_query_not_one_per_comment(
    sandbox, state, monkeypatch
):
    first = run_cycle(sandbox, state)
    written = {(p.target, p.marker): p.body for p in first.published}
    singles: list[tuple] = []
    listings: list[object] = []
    one, every = SQLiteState.comment_record, SQLiteState.comment_records
    monkeypatch.setattr(
        SQLiteState, "comment_record", lambda self, *a: singles.append(a) or one(self, *a)
    )
    monkeypatch.setattr(
        SQLiteState,
        "comment_records",
        lambda self, targets=None: listings.append(targets) or every(self, targets),
    )

    idle = run_cycle(sandbox, state)

    assert len(idle.unchanged) == DELIVERABLES and len(idle.published) == len(written) >= 6
    # Every standing comment is listed with what it says, as the first cycle wrote it.
    assert {(p.target, p.marker): p.body for p in idle.published} == written
    assert singles == []
    # One read of the unchanged reports' targets, not the whole table (which, with replicas
    # sharing a cycle, each publish unit would read again).
    targets = [set(t) for t in listings if t is not None]
    assert targets == [{str(target) for target, _ in written}]
