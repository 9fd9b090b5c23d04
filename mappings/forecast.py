"""Forecast when a deliverable's remaining items will be done, and the deliverable's health word.

How the forecast works (the README quotes this). The evidence is the number of items closed on
each calendar day of the window that ends yesterday (today is not over yet). Each of the 2000
simulation runs first gives every day of that window a random weight (a Bayesian bootstrap), so
that some runs assume the team works a little faster and some a little slower than the window's
average, since three weeks of history only estimate the pace roughly. The run then replays the
future day by day, starting today, by drawing days from the window in proportion to their
weights and closing that many items, until the remaining items are done. The 50 % and 85 % dates
are the dates by which half and 85 % of the runs have finished, and the chance of finishing by the
due date is the share of runs finished by then.

Precise rules:

- The weights of a run are Dirichlet(1, ..., 1) over the window's days (exponential random
  numbers, normalised). On average every day counts equally, as in a plain resampling of the
  window, but no weight is ever zero, so no run assumes a pace of zero when items did close (a
  plain resampling of a window with one closing misses that day in 36 % of runs, which then never
  finish). For speed, a run's weights are rounded to 256ths by systematic rounding, which keeps
  every weight right on average; only a run whose days with closings weigh less than 1/256 in
  total can round to a pace of zero (and never finish), a run that would see a day with closings
  less than once in 256 days. With one closing in 21 days this lowers the share of runs finished
  within 730 days from 97.3 % to about 96 %.
- One run covers today as day 1: a run that needs *n* days finishes on ``today + (n - 1) days``,
  so a run whose first drawn day covers all remaining work finishes today. ``p50`` and ``p85`` are
  the earliest dates on or before which at least 50 % and 85 % of all `runs` have finished, and
  ``probability_by_due`` is the share of runs finished on or before the due date (0.0 when the due
  date has passed). All three are read from the same runs, so ``probability_by_due >= 0.85``
  exactly when ``p85`` is set and ``due >= p85`` (likewise for 0.5 and ``p50``).
- ``remaining`` counts the items open when the forecast is made, yet today is simulated as a full
  day of work; a forecast made late in the day is optimistic by at most one day's throughput.
- A run that has not finished within ``horizon_days`` simulated days (730) counts as never done: it
  is not done by any due date, and when fewer than 85 % (50 %) of runs finish within the horizon,
  ``p85`` (``p50``) is ``None`` and the note says so ("at the current pace more than 2 years").
- Nothing remaining needs no forecast: no dates, no probability, no note (the word is ``Done``).
- No item closed in the window means no evidence: no dates, no probability, a "not enough history"
  note. Fewer than 5 items closed, or more than 10 times as many items remaining as closed, is thin
  evidence: the forecast is still made, with a caveat in the note. With thin evidence the dates
  are wide, as they should be: one item closed in 21 days gives one remaining item a 50 % date
  about 3 weeks out and an 85 % date about 4 months out.
- Same arguments and seed, same `Forecast`. `seed_for` derives the seed from the data, so cycles on
  the same day with the same data produce the same report text and write nothing new.

Health (`health`, the word of the delivery lead's ``Status:`` line): ``Done`` when there are
items and none remain; ``No due date`` when there is none; ``Off track`` when the due date has
passed with work remaining; otherwise, with P = ``probability_by_due``: P >=
``on_track_probability`` → ``On track``, P >= 0.5 → ``At risk``, else ``Off track``. Without
evidence (no forecast or no probability) the word is ``At risk``: we cannot claim the
deliverable is on track and cannot prove it is off track. An empty deliverable (no items) is
``No due date`` without a due date and ``At risk`` with one: nothing is scoped yet (or the
selectors match nothing), so nothing shows it is on track.
"""

import bisect
import functools
import hashlib
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

THIN_EVIDENCE_ITEMS = 5
THIN_EVIDENCE_RATIO = 10


class Health(StrEnum):
    """A deliverable's health: exactly the words of the report's `Status:` line (DESIGN §6)."""

    ON_TRACK = "On track"
    AT_RISK = "At risk"
    OFF_TRACK = "Off track"
    DONE = "Done"
    NO_DUE_DATE = "No due date"


@dataclass(frozen=True, slots=True)
class Simulation:
    """How much simulating a forecast does: the number of runs, and the simulated days after
    which a run that has not finished counts as never done."""

    runs: int = 2000
    horizon_days: int = 730


@dataclass(frozen=True, slots=True)
class Forecast:
    """The evidence a forecast rests on, its dates and chance of meeting the due date, a caveat."""

    remaining: int
    window_days: int
    closed_in_window: int
    throughput_per_day: float
    p50: date | None
    p85: date | None
    probability_by_due: float | None
    note: str | None


def daily_throughput(closed_on: Iterable[date], today: date, window_days: int) -> tuple[int, ...]:
    """Items closed per calendar day over the `window_days` days that end yesterday (today is not
    over yet), oldest day first. `closed_on` holds calendar dates in the mapping's time zone."""
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, got {window_days}")
    first = today - timedelta(days=window_days)
    counts = [0] * window_days
    for day in closed_on:
        if first <= day < today:
            counts[(day - first).days] += 1
    return tuple(counts)


def forecast_completion(
    remaining: int,
    throughput: Sequence[int],
    today: date,
    due: date | None,
    *,
    seed: int,
    simulation: Simulation = Simulation(),
) -> Forecast:
    """Monte Carlo: each run weighs the days of the history at random (Bayesian bootstrap), then
    draws daily throughputs from them in proportion to the weights until `remaining` items are
    done; p50/p85 and the chance of finishing by `due` are read from the runs' completion dates
    (see the module docstring for the exact rules)."""
    history = tuple(throughput)
    runs, horizon_days = simulation.runs, simulation.horizon_days
    if remaining < 0:
        raise ValueError(f"remaining must not be negative, got {remaining}")
    if not history or min(history) < 0:
        raise ValueError("throughput must hold at least one day and no negative counts")
    if runs < 1 or horizon_days < 1:
        raise ValueError("runs and horizon_days must be at least 1")

    window, closed = len(history), sum(history)
    evidence = {
        "remaining": remaining,
        "window_days": window,
        "closed_in_window": closed,
        "throughput_per_day": closed / window,
    }
    if remaining == 0:
        return Forecast(**evidence, p50=None, p85=None, probability_by_due=None, note=None)
    if closed == 0:
        note = f"not enough history: no items closed in the last {window} days"
        return Forecast(**evidence, p50=None, p85=None, probability_by_due=None, note=note)

    finished = _finish_days(history, remaining, simulation, seed)
    probability = None
    if due is not None:
        probability = bisect.bisect_right(finished, (due - today).days + 1) / runs
    p85 = _date_reached_by(finished, runs, 85, today)
    return Forecast(
        **evidence,
        p50=_date_reached_by(finished, runs, 50, today),
        p85=p85,
        probability_by_due=probability,
        note=_caveats(remaining, closed, window, p85 is None, len(finished), simulation),
    )


def _caveats(
    remaining: int,
    closed: int,
    window: int,
    undated: bool,
    finished: int,
    simulation: Simulation,
) -> str | None:
    """What the reader should know about the evidence: thin, or not enough to date the 85 %."""
    notes = []
    if closed < THIN_EVIDENCE_ITEMS:
        notes.append(
            f"thin evidence: only {closed} item{'s' if closed > 1 else ''} closed "
            f"in the last {window} days"
        )
    elif remaining > THIN_EVIDENCE_RATIO * closed:
        notes.append(
            f"thin evidence: {remaining} items remain, more than {THIN_EVIDENCE_RATIO} times "
            f"the {closed} closed in the last {window} days"
        )
    if undated:
        share = f"only {finished * 100 // simulation.runs} %" if finished else "none"
        notes.append(
            f"at the current pace more than {_span(simulation.horizon_days)}: "
            f"{share} of the simulations finish within {simulation.horizon_days} days"
        )
    return "; ".join(notes) or None


def seed_for(*parts: object) -> int:
    """A stable seed from the data (e.g. deliverable id, today, remaining, throughput).

    Built from ``repr(parts)``, so the parts must have a stable repr (str, int, date, tuples of
    them); Python's ``hash()`` is not used because it is randomised per process."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def health(
    remaining: int,
    total: int,
    due: date | None,
    today: date,
    forecast: Forecast | None,
    on_track_probability: float,
) -> Health:
    """Exactly one of the five `Health` words (DESIGN §6); the rules are the module docstring's."""
    if not 0 <= remaining <= total:
        raise ValueError(f"need 0 <= remaining <= total, got remaining={remaining}, total={total}")
    if total > 0 and remaining == 0:
        return Health.DONE
    if due is None:
        return Health.NO_DUE_DATE
    if total == 0:
        return Health.AT_RISK
    if due < today:
        return Health.OFF_TRACK
    probability = forecast.probability_by_due if forecast is not None else None
    if probability is None:
        return Health.AT_RISK
    if probability >= on_track_probability:
        return Health.ON_TRACK
    return Health.AT_RISK if probability >= 0.5 else Health.OFF_TRACK


@functools.lru_cache(maxsize=512)
def _finish_days(
    history: tuple[int, ...], remaining: int, simulation: Simulation, seed: int
) -> tuple[int, ...]:
    """The sorted days the runs need. A pure function of its arguments, remembered: a process
    that computes the same deliverable again the same day (`--interval` cycles with nothing
    changed) does not simulate it again."""
    rng = random.Random(seed)
    return tuple(
        sorted(_days_to_finish(history, remaining, simulation.runs, simulation.horizon_days, rng))
    )


def _days_to_finish(
    history: tuple[int, ...], remaining: int, runs: int, horizon_days: int, rng: random.Random
) -> list[int]:
    """Days needed by each run that finishes within the horizon; runs that do not are left out.

    Days with the same count are interchangeable, so a run weighs each distinct count by the sum
    of its days' Dirichlet weights: a Gamma(number of such days) variate, normalised.
    """
    values = sorted(set(history))
    if values[-1] * horizon_days < remaining:
        return []  # even the best day of the window, every day, cannot finish in time
    days_with = [history.count(v) for v in values]
    run = _run_with_table if values[-1] <= 255 else _run_with_choices
    gamma, finished = rng.gammavariate, []
    for _ in range(runs):
        weights = [gamma(n, 1.0) for n in days_with]
        days = run(values, weights, remaining, horizon_days, rng)
        if days is not None:
            finished.append(days)
    return finished


def _run_with_table(
    values: list[int], weights: list[float], remaining: int, horizon_days: int, rng: random.Random
) -> int | None:
    """One run: the days it needs, or None past the horizon. Counts must fit in a byte.

    A day is one random byte mapped through the run's `_weighted_table` in C (a few ns instead of
    ~60 ns for `random.choices`). Blocks of days are summed in C; only the block in which the run
    finishes is scanned day by day.
    """
    table = _weighted_table(values, weights, rng.random())
    pace = sum(table) / 256
    if pace == 0:
        return None  # no day with closings kept a slot: never done
    days, left = 0, remaining
    while days < horizon_days:
        # About 80 % of the days this run still needs, so usually the run ends in a later block.
        n = min(int(left / pace * 0.8) + 16, horizon_days - days)
        block = rng.randbytes(n).translate(table)
        closed = sum(block)
        if closed >= left:
            return days + bisect.bisect_left(list(itertools.accumulate(block)), left) + 1
        days, left = days + n, left - closed
    return None


def _weighted_table(values: list[int], weights: list[float], shift: float) -> bytes:
    """256 bytes in which each count takes a number of slots in proportion to its weight.

    Systematic rounding with `shift` in [0, 1): a count's slots are its weight's share of 256
    rounded down or up, with the chance of rounding up equal to the fraction, so the expected
    number of slots is exact and the slots always add up to 256.
    """
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1] or 1.0
    edges = [min(256, int(c / total * 256 + shift)) for c in cumulative]
    edges[-1] = 256
    starts = [0, *edges[:-1]]
    return b"".join(
        [bytes((v,)) * (end - start) for v, start, end in zip(values, starts, edges, strict=True)]
    )


def _run_with_choices(
    values: list[int], weights: list[float], remaining: int, horizon_days: int, rng: random.Random
) -> int | None:
    """`_run_with_table` for windows with a day closing more than 255 items (exact weights)."""
    cum = list(itertools.accumulate(weights))
    pace = sum(value * w for value, w in zip(values, weights, strict=True)) / (cum[-1] or 1.0)
    if pace == 0:
        return None
    days, left = 0, remaining
    while days < horizon_days:
        n = min(int(left / pace * 0.8) + 16, horizon_days - days)
        totals = list(itertools.accumulate(rng.choices(values, cum_weights=cum, k=n)))
        if totals[-1] >= left:
            return days + bisect.bisect_left(totals, left) + 1
        days, left = days + n, left - totals[-1]
    return None


def _date_reached_by(finished: Sequence[int], runs: int, percent: int, today: date) -> date | None:
    """The earliest date on or before which at least `percent` % of all runs have finished."""
    needed = -(-runs * percent // 100)
    if needed > len(finished):
        return None
    return today + timedelta(days=finished[needed - 1] - 1)


def _span(days: int) -> str:
    years, rest = divmod(days, 365)
    return f"{years} years" if years >= 2 and rest == 0 else f"{days} days"
