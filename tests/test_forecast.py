"""The delivery forecast: throughput window, Monte Carlo dates and probability, health word."""

import math
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.forecast import (
    Forecast,
    Simulation,
    Window,
    _weighted_table,
    daily_arrivals,
    daily_throughput,
    forecast_completion,
    health,
    plan_day,
    seed_for,
)
from mappings.report import delivery_lead_report
from rendering import markdown
from tests import test_views as views_cases

TODAY = date(2026, 3, 2)
WORDS = {"Done", "No due date", "On track", "At risk", "Off track"}


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def forecast(remaining: int, throughput: list[int], due: date | None = None, **kw) -> Forecast:
    """`runs` and `horizon_days` keywords set the simulation, `arrivals` and `total` the growth;
    the default seed is 7."""
    seed = kw.pop("seed", 7)
    if "arrivals" in kw:
        throughput = Window(tuple(throughput), tuple(kw.pop("arrivals")), kw.pop("total", None))
    return forecast_completion(
        remaining, throughput, TODAY, due, seed=seed, simulation=Simulation(**kw)
    )


def with_probability(probability: float | None) -> Forecast:
    return Forecast(10, 21, 20, 20 / 21, day(5), day(9), probability, None)


# daily_throughput


def test_throughput_counts_each_day_of_the_window_that_ends_yesterday():
    closed = [day(-4), day(-3), day(-1), day(-1), day(0), day(2)]
    assert daily_throughput(closed, TODAY, 3) == (1, 0, 2)


def test_throughput_of_a_quiet_window_is_all_zeros():
    assert daily_throughput([day(-30)], TODAY, 21) == (0,) * 21


def test_throughput_window_must_hold_a_day():
    with pytest.raises(ValueError, match="window_days"):
        daily_throughput([], TODAY, 0)


# forecast_completion: edge cases


def test_nothing_remaining_needs_no_forecast():
    f = forecast(0, [2] * 21, due=day(10))
    assert (f.p50, f.p85, f.probability_by_due, f.note) == (None, None, None, None)
    assert f.closed_in_window == 42


def test_no_items_closed_in_the_window_gives_no_dates_and_says_why():
    f = forecast(10, [0] * 21, due=day(30))
    assert (f.p50, f.p85, f.probability_by_due) == (None, None, None)
    assert f.note == "not enough history: no items closed in the last 21 days"
    assert (f.closed_in_window, f.throughput_per_day) == (0, 0.0)


def test_steady_two_a_day_finishes_ten_items_on_the_fifth_day_counting_today():
    f = forecast(10, [2] * 21, due=day(4))
    assert (f.p50, f.p85) == (day(4), day(4))
    assert f.probability_by_due == 1.0
    assert forecast(10, [2] * 21, due=day(30)).probability_by_due == 1.0
    assert forecast(10, [2] * 21, due=day(3)).probability_by_due == 0.0
    assert f.note is None
    assert f.throughput_per_day == 2.0


def test_work_that_fits_in_one_day_finishes_today():
    f = forecast(3, [5] * 21, due=TODAY)
    assert (f.p50, f.p85, f.probability_by_due) == (TODAY, TODAY, 1.0)


def test_due_today_counts_only_the_runs_that_finish_today():
    # One day in four closes 4 items; the run's weights average out to equal days, so about a
    # quarter of the runs finish today.
    f = forecast(3, [0, 0, 0, 4] * 5, due=TODAY)
    assert 0.22 < f.probability_by_due < 0.28
    assert health(3, 8, TODAY, TODAY, f, 0.85) == "Off track"


def test_due_date_in_the_past_has_no_chance_and_is_off_track():
    f = forecast(3, [5] * 21, due=day(-1))
    assert f.probability_by_due == 0.0
    assert f.p85 == TODAY
    assert health(3, 10, day(-1), TODAY, f, 0.85) == "Off track"


def test_without_a_due_date_there_is_no_probability_but_still_dates():
    f = forecast(10, [2] * 21)
    assert f.probability_by_due is None
    assert f.p85 == day(4)


def test_one_item_closed_in_the_window_still_forecasts_with_a_caveat():
    f = forecast(1, [0] * 20 + [1])
    # The productive day's weight q is Beta(1, 20), so P(not done after n days) = E[(1 - q)^n]
    # = 20 / (20 + n): the median run needs 20 days, the 85 % run 113 (Monte Carlo spread aside).
    assert day(15) <= f.p50 <= day(24)
    assert day(85) <= f.p85 <= day(150)
    assert f.note == "thin evidence: only 1 item closed in the last 21 days"


@pytest.mark.parametrize("seed", range(10))
def test_a_one_item_deliverable_with_one_item_closed_is_not_more_than_two_years(seed):
    # A plain resampling of this window leaves out its one productive day in 36 % of the runs,
    # which then never finish; the random weights are never zero, so nearly every run finishes.
    f = forecast(1, [0] * 20 + [1], due=day(729), seed=seed)
    assert f.p85 is not None and f.p85 < day(200)
    assert f.probability_by_due > 0.93  # exactly 1 - 20 / 750 = 0.973 without rounding
    assert "more than" not in f.note


def test_each_run_weighs_the_window_at_random():
    # With the window resampled as it is (no pace uncertainty) half the runs would be done within
    # 15 days and 1 - (20/21)^20 = 62 % within 20 days; the Bayesian bootstrap gives 20 / 40 = 50 %.
    f = forecast(1, [0] * 20 + [1], due=day(19))
    assert 0.46 <= f.probability_by_due <= 0.54
    # Two productive days: q is Beta(2, 19), P(done within n days) = 1 - 20*19 / ((20+n)(19+n)).
    assert 0.71 <= forecast(1, [0] * 19 + [1, 1], due=day(19)).probability_by_due <= 0.80


def test_more_uncertainty_about_the_pace_with_less_history():
    # The same average pace, 1 item a day, known from 3 weeks or from 30 weeks: the 85 % date of
    # the short history lies further out, the long one approaches the day-to-day noise alone.
    short = forecast(60, [0, 2] * 10 + [1])
    long = forecast(60, [0, 2] * 105)
    assert short.p85 > long.p85
    assert short.p50 - long.p50 <= timedelta(days=3)


def test_five_items_closed_is_enough_evidence():
    assert forecast(50, [1] * 5 + [0] * 16).note is None


def test_many_more_items_remaining_than_closed_is_flagged_as_thin_evidence():
    f = forecast(200, [1] * 14 + [0] * 7)
    assert f.note == (
        "thin evidence: 200 items remain, more than 10 times the 14 closed in the last 21 days"
    )
    assert f.p85 is not None


def test_scope_beyond_the_horizon_has_no_85_percent_date_and_says_so():
    f = forecast(500, [0] * 18 + [1, 1, 1], due=day(5000))
    assert (f.p50, f.p85) == (None, None)
    assert f.probability_by_due == 0.0
    assert "at the current pace more than 2 years" in f.note
    assert "thin evidence: only 3 items" in f.note
    assert health(500, 510, day(5000), TODAY, f, 0.85) == "Off track"


def test_scope_partly_beyond_the_horizon_counts_unfinished_runs_as_late():
    # Mean 0.7 a day: 500 items need about 714 days, so many runs miss the 730-day horizon.
    f = forecast(500, [1] * 7 + [0] * 3, due=day(10_000))
    assert f.p85 is None
    assert f.probability_by_due < 0.85
    assert "of the simulations finish within 730 days" in f.note


def test_a_run_finishing_on_the_last_day_of_the_horizon_counts_as_finished():
    assert forecast(10, [2] * 21, due=day(4), horizon_days=5).probability_by_due == 1.0
    late = forecast(10, [2] * 21, due=day(4), horizon_days=4)
    assert (late.p50, late.p85, late.probability_by_due) == (None, None, 0.0)
    assert "none of the simulations finish within 4 days" in late.note


def test_scope_the_best_pace_just_finishes_within_the_horizon_is_forecast():
    f = forecast(730, [1] * 21)
    assert f.p85 == day(729)


def test_many_short_runs_each_take_exactly_their_days():
    # 2000 one-day runs cross several chunks of simulated days; none may gain a day at the seams.
    f = forecast(1, [1] * 21, due=TODAY)
    assert (f.p85, f.probability_by_due) == (TODAY, 1.0)


def test_a_day_closing_more_than_255_items_is_sampled_like_any_other():
    # Counts over 255 take the exact random.choices path; both must match the one-productive-day
    # distribution, P(done within n days) = 1 - 20 / (20 + n), so 50 % within 20 days.
    for best in (255, 300):
        f = forecast(250, [best] + [0] * 20, due=day(19))
        assert day(15) <= f.p50 <= day(24)
        assert 0.46 <= f.probability_by_due <= 0.54


def test_a_window_longer_than_256_days_forecasts_the_same_steady_pace():
    f = forecast(10, [2] * 300, due=day(4))
    assert (f.p50, f.p85, f.probability_by_due) == (day(4), day(4), 1.0)


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        forecast(-1, [1])
    with pytest.raises(ValueError):
        forecast(1, [])
    with pytest.raises(ValueError):
        forecast(1, [1, -1])
    with pytest.raises(ValueError):
        forecast(1, [1], runs=0)


# scope growth: arrivals simulated with the closings


def test_arrivals_count_items_created_after_the_plan_in_the_window():
    created = [day(-30), day(-9), day(-9), day(-4), day(-1), day(0)]
    # Planned on day -9: the two items filed that day are the plan, not growth.
    assert daily_arrivals(created, TODAY, 5, planned_on=day(-9)) == (0, 1, 0, 0, 1)
    assert daily_arrivals(created, TODAY, 10, planned_on=day(-31)) == (0, 2, 0, 0, 0, 0, 1, 0, 0, 1)


def test_no_arrivals_reproduce_the_closings_only_forecast_exactly():
    # Same runs, same random numbers: a deliverable that does not grow keeps its report text.
    before = forecast(120, NOISY, due=day(60), seed=11)
    assert forecast(120, NOISY, due=day(60), seed=11, arrivals=[0] * 21) == before
    grown = forecast(120, NOISY, due=day(60), seed=11, arrivals=[0] * 21, total=150)
    assert (grown.p50, grown.p85, grown.probability_by_due) == (
        before.p50,
        before.p85,
        before.probability_by_due,
    )
    assert (grown.added_in_window, grown.scope_growth, grown.growth_is_material) == (0, 0.0, False)


def test_arrivals_move_the_dates_later_and_the_chance_down():
    arrivals = [
        0,
        1,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        1,
        0,
        0,
        1,
    ]  # a third of the pace
    still = forecast(120, NOISY, due=day(60), seed=11)
    growing = forecast(120, NOISY, due=day(60), seed=11, arrivals=arrivals, total=200)
    assert growing.p50 > still.p50 and growing.p85 > still.p85
    assert growing.probability_by_due < still.probability_by_due
    assert (growing.added_in_window, growing.closed_in_window) == (7, 33)
    assert growing.scope_growth == pytest.approx(7 / 193)
    assert growing.arrivals_per_day == pytest.approx(7 / 21)


def test_steady_growth_nets_the_closings_less_the_arrivals():
    # Every day closes 3 and adds 1: the scope of 10 is caught up on the fifth day, counting today.
    f = forecast(10, [3] * 21, due=day(4), arrivals=[1] * 21)
    assert (f.p50, f.p85, f.probability_by_due) == (day(4), day(4), 1.0)
    assert forecast(10, [3] * 21, due=day(3), arrivals=[1] * 21).probability_by_due == 0.0


def test_a_run_is_done_the_day_it_catches_up_even_if_the_scope_grows_after():
    # Days either close 5 or add 5. A run whose first day closes 5 is done today; a sum taken only
    # at the end of a block of days would miss it when the next day adds 5 again.
    f = forecast(4, [5, 0] * 10 + [5], due=TODAY, arrivals=[0, 5] * 10 + [0])
    assert 0.47 <= f.probability_by_due <= 0.57  # on average 11 of 21 days close 5


def test_growth_faster_than_closing_stops_with_the_work_open_today():
    # Closing 2 a day, adding about 2.5: the 20 items open today take 10 days, about 25 arrive
    # meanwhile and take about 12 more. The growth is not extrapolated forever: never "never".
    f = forecast(20, [2] * 21, due=day(300), arrivals=[2, 3] * 10 + [2])
    assert day(20) <= f.p50 <= f.p85 <= day(24)
    assert f.probability_by_due == 1.0
    assert forecast(20, [2] * 21).p85 == day(9)


def test_thin_evidence_caveat_stays_when_the_scope_grows():
    f = forecast(3, [0] * 20 + [2], arrivals=[0] * 19 + [1, 0])
    assert f.note.startswith("thin evidence: only 2 items closed in the last 21 days")


def test_growing_forecast_is_deterministic_with_the_seed():
    arrivals = [1, 0, 0, 2, 0, 0, 1] * 3

    def at(seed: int) -> Forecast:
        return forecast(80, NOISY, due=day(50), seed=seed, arrivals=arrivals, runs=300)

    assert at(3) == at(3)
    assert len({at(s) for s in range(8)}) > 1


def test_counts_beyond_a_byte_are_drawn_with_exact_weights():
    # 300 arrivals on one day take the random.choices path; a run finishes today unless its first
    # day is that one, which on average weighs 1 / 21.
    f = forecast(1, [1] * 20 + [0], due=TODAY, arrivals=[0] * 20 + [300])
    assert 0.93 <= f.probability_by_due <= 0.97


@pytest.mark.parametrize(
    ("added", "closed", "material"),
    [(0, 40, False), (1, 5, False), (3, 40, False), (4, 40, True), (2, 20, True), (2, 3, True)],
)
def test_growth_is_material_from_a_tenth_of_the_closings_and_two_items(added, closed, material):
    f = Forecast(10, 21, closed, closed / 21, None, None, None, None, added_in_window=added)
    assert f.growth_is_material is material


def test_arrivals_must_match_the_window():
    with pytest.raises(ValueError, match="arrivals"):
        forecast(5, [1] * 21, arrivals=[1] * 20)
    with pytest.raises(ValueError, match="arrivals"):
        forecast(5, [1] * 21, arrivals=[-1] + [0] * 20)


# determinism and seeds

NOISY = [0, 3, 1, 0, 5, 2, 0, 0, 4, 1, 2, 0, 6, 1, 0, 0, 2, 3, 0, 1, 2]


def test_same_inputs_and_seed_give_the_same_forecast():
    assert forecast(120, NOISY, due=day(60), seed=11) == forecast(120, NOISY, due=day(60), seed=11)


def test_different_seeds_can_give_different_forecasts():
    results = {forecast(120, NOISY, due=day(60), seed=s, runs=100) for s in range(10)}
    assert len(results) > 1


def test_seed_is_stable_across_processes():
    # A fixed value: hash() would change from one process to the next and rewrite every report.
    assert seed_for("checkout-v2", date(2026, 3, 2), 10, (1, 0, 2)) == 8502737337670715057


def test_seed_depends_on_every_part():
    base = seed_for("checkout-v2", TODAY, 10, (1, 0, 2))
    assert base != seed_for("checkout-v2", day(1), 10, (1, 0, 2))
    assert base != seed_for("checkout-v2", TODAY, 11, (1, 0, 2))
    assert base != seed_for("checkout-v3", TODAY, 10, (1, 0, 2))


def test_same_forecast_in_a_fresh_process_whatever_the_hash_seed():
    # Report text must not change between cycles: nothing may depend on set or dict order.
    code = (
        "from datetime import date; "
        "from mappings.forecast import Simulation, forecast_completion as f; "
        f"print(f(120, {NOISY!r}, date(2026, 3, 2), date(2026, 5, 1), seed=11, "
        "simulation=Simulation(runs=300)))"
    )
    here = forecast(120, NOISY, due=date(2026, 5, 1), seed=11, runs=300)
    for hash_seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == repr(here)


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
    shift=st.floats(0.0, 1.0, exclude_max=True),
)
def test_each_count_gets_its_share_of_the_table_rounded_down_or_up(weights, shift):
    values = list(range(len(weights)))
    table = _weighted_table(values, weights, shift)
    assert len(table) == 256
    for value, weight in zip(values, weights, strict=True):
        share = 256 * weight / sum(weights)
        assert math.floor(share - 1e-9) <= table.count(value) <= math.ceil(share + 1e-9)


def test_the_table_keeps_every_weight_right_on_average():
    # Averaged over the shift, a count's slots are exactly its share of 256, even below one slot.
    weights = [20.0, 0.3, 1.7]
    slots = [0, 0, 0]
    for i in range(1000):
        table = _weighted_table([0, 1, 2], weights, (i + 0.5) / 1000)
        slots = [s + table.count(v) for s, v in zip(slots, (0, 1, 2), strict=True)]
    for s, w in zip(slots, weights, strict=True):
        assert s / 1000 == pytest.approx(256 * w / sum(weights), abs=0.01)


# health


@pytest.mark.parametrize(
    ("remaining", "total", "due", "probability", "word"),
    [
        (0, 5, day(-3), None, "Done"),
        (0, 0, None, None, "No due date"),
        (0, 0, day(10), None, "At risk"),
        (0, 0, day(-1), None, "At risk"),
        (4, 5, None, 0.99, "No due date"),
        (4, 5, day(-1), 0.99, "Off track"),
        (4, 5, day(10), 0.85, "On track"),
        (4, 5, day(10), 0.84, "At risk"),
        (4, 5, day(10), 0.5, "At risk"),
        (4, 5, day(10), 0.49, "Off track"),
        (4, 5, day(10), None, "At risk"),
        (4, 5, TODAY, 1.0, "On track"),
    ],
)
def test_health_word(remaining, total, due, probability, word):
    assert health(remaining, total, due, TODAY, with_probability(probability), 0.85) == word


def test_no_evidence_is_at_risk_until_the_due_date_passes():
    f = forecast(4, [0] * 21, due=day(10))
    assert health(4, 5, day(10), TODAY, f, 0.85) == "At risk"
    assert health(4, 5, day(-1), TODAY, f, 0.85) == "Off track"
    assert health(4, 5, day(10), TODAY, None, 0.85) == "At risk"


def test_on_track_threshold_comes_from_the_rules():
    assert health(4, 5, day(10), TODAY, with_probability(0.9), 0.95) == "At risk"


def test_health_refuses_impossible_counts():
    with pytest.raises(ValueError):
        health(6, 5, None, TODAY, None, 0.85)


# invariants over any history


@settings(max_examples=150, deadline=None)
@given(
    history=st.lists(st.integers(0, 8), min_size=1, max_size=28),
    remaining=st.integers(0, 400),
    due_offset=st.none() | st.integers(-5, 900),
    seed=st.integers(0, 2**32),
    runs=st.integers(1, 300),
    horizon_days=st.integers(1, 60) | st.just(730),
)
def test_forecast_invariants_hold_for_any_history(
    history, remaining, due_offset, seed, runs, horizon_days
):
    def with_due(due: date | None) -> Forecast:
        return forecast(remaining, history, due, seed=seed, runs=runs, horizon_days=horizon_days)

    due = None if due_offset is None else day(due_offset)
    f = with_due(due)

    assert f == with_due(due)
    assert (f.window_days, f.closed_in_window) == (len(history), sum(history))
    evidence = remaining > 0 and sum(history) > 0
    assert (f.probability_by_due is None) == (due is None or not evidence)
    if f.probability_by_due is not None:
        assert 0.0 <= f.probability_by_due <= 1.0
        # The dates and the probability are read from the same runs.
        assert (f.probability_by_due >= 0.85) == (f.p85 is not None and due >= f.p85)
        assert (f.probability_by_due >= 0.5) == (f.p50 is not None and due >= f.p50)
    for share, reached in ((0.5, f.p50), (0.85, f.p85)):
        if reached is not None:
            # The earliest date by which the share of runs has finished, and never past the horizon.
            assert with_due(reached - timedelta(days=1)).probability_by_due < share
            assert with_due(reached).probability_by_due >= share
            assert reached <= day(horizon_days - 1)
    if evidence:
        # Runs that miss the horizon are never done, however late the due date.
        end = with_due(day(horizon_days - 1)).probability_by_due
        assert with_due(day(horizon_days + 400)).probability_by_due == end
    if f.p85 is not None:
        assert f.p50 is not None and f.p50 <= f.p85
    if f.p50 is not None:
        # No run closes more than the best day of the window, every day.
        assert f.p50 >= day(math.ceil(remaining / max(history)) - 1)
    if evidence and min(history) > 0 and remaining <= min(history) * horizon_days:
        # Every run closes at least the worst day of the window, every day.
        assert f.p85 <= day(math.ceil(remaining / min(history)) - 1)
    if evidence and f.p85 is None:
        assert "at the current pace more than" in f.note
    word = health(remaining, remaining + 1, due, TODAY, f, 0.85)
    assert word in WORDS
    assert (word == "Done") == (remaining == 0)


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 4)), min_size=1, max_size=28),
    remaining=st.integers(1, 300),
    due_offset=st.integers(-5, 900),
    seed=st.integers(0, 2**32),
    horizon_days=st.integers(1, 60) | st.just(730),
)
def test_growing_forecast_invariants_hold_for_any_history(
    days, remaining, due_offset, seed, horizon_days
):
    closings, arrivals = [c for c, _ in days], [a for _, a in days]

    def with_due(due: date) -> Forecast:
        return forecast(
            remaining,
            closings,
            due,
            seed=seed,
            runs=200,
            horizon_days=horizon_days,
            arrivals=arrivals,
        )

    f = with_due(day(due_offset))
    assert f == with_due(day(due_offset))
    assert f.added_in_window == sum(arrivals)
    if not sum(closings):
        assert f.p85 is None and f.note.startswith("not enough history")
        return
    assert (f.probability_by_due >= 0.85) == (f.p85 is not None and day(due_offset) >= f.p85)
    assert (f.probability_by_due >= 0.5) == (f.p50 is not None and day(due_offset) >= f.p50)
    if f.p50 is not None:
        # Arrivals only ever delay: no run beats the best day of the window, every day.
        assert f.p50 >= day(math.ceil(remaining / max(closings)) - 1)
        assert f.p50 <= day(horizon_days - 1)
    if f.p85 is None:
        assert "more than" in f.note


# where the arrivals come from: the plan day, and the delivery lead's view and comment


def test_the_plan_is_the_start_else_the_first_closing_else_the_first_filing():
    created, closed = [day(-40), day(-12)], [day(-9), day(-20)]
    assert plan_day(day(-30), created, closed) == day(-30)
    assert plan_day(None, created, closed) == day(-20)
    assert plan_day(None, created, []) == day(-40)


def _lead(items):
    lead, _ = views_cases.run(items)
    return lead, markdown.render(delivery_lead_report(lead))


def _days_ago(n: int) -> datetime:
    return views_cases.NOON - timedelta(days=n)


def test_items_filed_after_work_began_are_growth_and_the_comment_says_so():
    # Ten planned items and five done over the last five days (filed long before); four more
    # filed after the first was done.
    planned = [views_cases.gh(n, created=_days_ago(40)) for n in range(10, 20)]
    done = [views_cases.gh(n, closed_days_ago=n - 20, created=_days_ago(40)) for n in range(21, 26)]
    added = [views_cases.gh(n, created=_days_ago(n - 30)) for n in range(31, 35)]
    lead, body = _lead(planned + done + added)
    f = lead.forecast
    assert (f.closed_in_window, f.added_in_window, f.remaining) == (5, 4, 14)
    assert f.scope_growth == pytest.approx(4 / 15)
    assert (
        "Scope grew 27 % in 21 days (4 items added, 5 closed); the forecast assumes that pace of "
        "growth until the open items are done"
    ) in body
    closings = daily_throughput(
        [views_cases.TODAY - timedelta(days=n) for n in range(1, 6)], views_cases.TODAY, 21
    )
    still = forecast_completion(
        14,
        closings,
        views_cases.TODAY,
        lead.scope.due,
        seed=seed_for("alpha", views_cases.TODAY, 14, closings),
    )
    assert f.p50 > still.p50


def test_a_backlog_filed_before_work_began_is_the_plan_not_growth():
    # Everything filed over the last two weeks, the first item done five days ago: no growth, and
    # the forecast is exactly the closings-only one.
    items = [views_cases.gh(n, created=_days_ago(n)) for n in range(6, 16)]
    items += [
        views_cases.gh(n, closed_days_ago=n - 20, created=_days_ago(14)) for n in (21, 23, 25)
    ]
    lead, body = _lead(items)
    f = lead.forecast
    assert (f.added_in_window, f.scope_growth, f.growth_is_material) == (0, 0.0, False)
    assert "Scope grew" not in body
    today = views_cases.TODAY
    closings = daily_throughput([today - timedelta(days=n) for n in (1, 3, 5)], today, 21)
    seed = seed_for("alpha", today, 10, closings)
    alone = forecast_completion(10, closings, today, lead.scope.due, seed=seed)
    assert (alone.p50, alone.p85, alone.probability_by_due) == (f.p50, f.p85, f.probability_by_due)
