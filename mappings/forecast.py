"""Forecast when a deliverable's remaining items will be done, and the deliverable's health word.

How the forecast works (the README quotes this). The evidence is, for each calendar day of the
window that ends yesterday (today is not over yet), the number of items closed that day and the
number added to the scope that day. Each of the 2000 simulation runs first gives every day of that
window a random weight (a Bayesian bootstrap), so that some runs assume the team works a little
faster and some a little slower than the window's average, and the scope grows a little faster or
slower, since three weeks of history only estimate either pace roughly. The run then replays the
future day by day, starting today, by drawing days from the window in proportion to their
weights: each drawn day closes its items and adds its arrivals, until the done count catches up
with the grown scope. The 50 % and 85 % dates are the dates by which half and 85 % of the runs
have finished, and the chance of finishing by the due date is the share of runs finished by then.

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
- Arrivals (`daily_arrivals`) are the items created after the plan was made: items created on or
  before `plan_day` (the deliverable's ``start``, else the day its first item was done, else the
  day its first item was filed) are the plan itself, so a backlog filed at once, or filed over the
  weeks before work began, is not growth. Only creation dates are known: an older
  item added to a selector later counts on the day it was created, not the day it joined (before
  the window: not at all), and items that leave the scope are not subtracted.
- A day is drawn as a whole, its closings and arrivals together (the window's day pairs share one
  weight), so a run's growth and closing paces come from the same days. No arrivals in the
  window: the runs are exactly those of the closings-only forecast (same random numbers).
- The scope grows while the work open today is done: arrivals accrue until the run's closings
  have covered ``remaining``; what arrived until then is then closed without growing further. Growth
  is thus projected for as long as the known work takes (every deliverable's growth ends; the
  window cannot say when), and a window that added as many items as it closed doubles the work,
  never making it endless: with items closed, no run assumes it never finishes because of growth.
- ``remaining`` counts the items open when the forecast is made, yet today is simulated as a full
  day of work; a forecast made late in the day is optimistic by at most one day's throughput.
- A run that has not finished within ``horizon_days`` simulated days (730) counts as never done: it
  is not done by any due date, and when fewer than 85 % (50 %) of runs finish within the horizon,
  ``p85`` (``p50``) is ``None`` and the note says so ("at the current pace more than 2 years",
  "at the current pace and growth ..." when the scope grew in the window).
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
import math
import operator
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

THIN_EVIDENCE_ITEMS = 5
THIN_EVIDENCE_RATIO = 10
# Growth is worth a sentence in the comment when the window's arrivals reach a tenth of its
# closings (the finish moves out by about 1 / (1 - 0.1) - 1 = 11 %) and are more than one item.
GROWTH_MATERIAL_SHARE = 0.1
GROWTH_MATERIAL_ITEMS = 2


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
class Window:
    """The evidence of a forecast that allows for growth: the items closed and the items added
    on each day of the window, oldest first, and the counted items now (`scope`, only to state
    the growth as a share of the scope; None: not stated)."""

    closed: tuple[int, ...]
    added: tuple[int, ...]
    scope: int | None = None


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
    # Scope growth over the same window: items added (created after the plan) and, when the
    # caller gave the scope's size, the growth as a share of the scope at the window's start.
    added_in_window: int = 0
    scope_growth: float | None = None

    @property
    def arrivals_per_day(self) -> float:
        return self.added_in_window / self.window_days

    @property
    def growth_is_material(self) -> bool:
        """Arrivals at GROWTH_MATERIAL_SHARE or more of the closing pace: they move the dates
        by about a tenth or more, so the comment says the forecast assumes they go on."""
        return self.added_in_window >= max(
            GROWTH_MATERIAL_ITEMS, GROWTH_MATERIAL_SHARE * self.closed_in_window
        )


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


def plan_day(start: date | None, created_on: Iterable[date], closed_on: Iterable[date]) -> date:
    """The day the plan was made, after which new items are growth: the deliverable's `start`
    when set, else the day its first item was done (until then the team is still filing the
    plan, not finding new work), else the day its first item was filed."""
    if start is not None:
        return start
    return min(closed_on, default=None) or min(created_on)


def daily_arrivals(
    created_on: Iterable[date], today: date, window_days: int, planned_on: date
) -> tuple[int, ...]:
    """Items added to the scope on each day of the same window as `daily_throughput`: the items
    created after `planned_on`, the day the plan was made. Items created on or before that day
    are the plan itself, however recently they were filed: a backlog filed at once is not growth.
    Only creation dates are known, so an older item added to a selector later counts on the day
    it was created, not the day it joined (before the window: not at all)."""
    return daily_throughput((day for day in created_on if day > planned_on), today, window_days)


def forecast_completion(
    remaining: int,
    throughput: Sequence[int] | Window,
    today: date,
    due: date | None,
    *,
    seed: int,
    simulation: Simulation = Simulation(),
) -> Forecast:
    """Monte Carlo: each run weighs the days of the history at random (Bayesian bootstrap), then
    draws days from them in proportion to the weights, each closing its items and, when
    `throughput` is a `Window`, adding its arrivals, until the done count catches up with the
    grown scope; p50/p85 and the chance of finishing by `due` are read from the runs' completion
    dates (see the module docstring for the exact rules). A plain sequence is the items closed
    per day, with no growth."""
    if isinstance(throughput, Window):
        history, added = tuple(throughput.closed), tuple(throughput.added)
        total = throughput.scope
    else:
        history, total = tuple(throughput), None
        added = (0,) * len(history)
    _check(remaining, history, added, simulation)
    window, closed, grown = len(history), sum(history), sum(added)
    evidence = {
        "remaining": remaining,
        "window_days": window,
        "closed_in_window": closed,
        "throughput_per_day": closed / window,
        "added_in_window": grown,
        "scope_growth": _growth(grown, total),
    }
    if remaining == 0:
        return Forecast(**evidence, p50=None, p85=None, probability_by_due=None, note=None)
    if closed == 0:
        note = f"not enough history: no items closed in the last {window} days"
        return Forecast(**evidence, p50=None, p85=None, probability_by_due=None, note=note)

    runs = simulation.runs
    finished = _finish_days(history, added if grown else None, remaining, simulation, seed)
    probability = None
    if due is not None:
        probability = bisect.bisect_right(finished, (due - today).days + 1) / runs
    p85 = _date_reached_by(finished, runs, 85, today)
    notes = [_caveats(remaining, closed, window)]
    if p85 is None:
        notes.append(_beyond_horizon(len(finished), simulation, grown > 0))
    return Forecast(
        **evidence,
        p50=_date_reached_by(finished, runs, 50, today),
        p85=p85,
        probability_by_due=probability,
        note="; ".join(note for note in notes if note) or None,
    )


def _check(
    remaining: int, history: tuple[int, ...], added: tuple[int, ...], simulation: Simulation
) -> None:
    if remaining < 0:
        raise ValueError(f"remaining must not be negative, got {remaining}")
    if not history or min(history) < 0:
        raise ValueError("throughput must hold at least one day and no negative counts")
    if len(added) != len(history) or min(added) < 0:
        raise ValueError("arrivals must cover the throughput's days, with no negative counts")
    if simulation.runs < 1 or simulation.horizon_days < 1:
        raise ValueError("runs and horizon_days must be at least 1")


def _growth(added: int, total: int | None) -> float | None:
    """The window's arrivals as a share of the scope at the window's start (`total` less them)."""
    if total is None or total - added <= 0:
        return None
    return added / (total - added)


def _caveats(remaining: int, closed: int, window: int) -> str | None:
    """What the reader should know about the evidence: thin."""
    if closed < THIN_EVIDENCE_ITEMS:
        return (
            f"thin evidence: only {closed} item{'s' if closed > 1 else ''} closed "
            f"in the last {window} days"
        )
    if remaining > THIN_EVIDENCE_RATIO * closed:
        return (
            f"thin evidence: {remaining} items remain, more than {THIN_EVIDENCE_RATIO} times "
            f"the {closed} closed in the last {window} days"
        )
    return None


def _beyond_horizon(finished: int, simulation: Simulation, growing: bool) -> str:
    """Why there is no 85 % date: too few runs finish within the horizon."""
    share = f"only {finished * 100 // simulation.runs} %" if finished else "none"
    pace = "the current pace and growth" if growing else "the current pace"
    return (
        f"at {pace} more than {_span(simulation.horizon_days)}: "
        f"{share} of the simulations finish within {simulation.horizon_days} days"
    )


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
    history: tuple[int, ...],
    added: tuple[int, ...] | None,
    remaining: int,
    simulation: Simulation,
    seed: int,
) -> tuple[int, ...]:
    """The sorted days the runs need. A pure function of its arguments, remembered: a process
    that computes the same deliverable again the same day (`--interval` cycles with nothing
    changed) does not simulate it again. Without arrivals (`added` None) the runs are exactly
    those of the closings-only forecast."""
    rng = random.Random(seed)
    runs, horizon_days = simulation.runs, simulation.horizon_days
    if added is None:
        finished = _days_to_finish(history, remaining, runs, horizon_days, rng)
    else:
        finished = _days_to_finish_growing(history, added, remaining, runs, horizon_days, rng)
    return tuple(sorted(finished))


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
    finished = []
    for _ in range(runs):
        weights = _dirichlet_masses(days_with, rng)
        days = run(values, weights, remaining, horizon_days, rng)
        if days is not None:
            finished.append(days)
    return finished


def _dirichlet_masses(days_with: list[int], rng: random.Random) -> list[float]:
    """A Gamma(n) variate per group of n interchangeable days (unnormalised Dirichlet masses).

    A group of one day is Gamma(1), an exponential: written out, as `gammavariate` computes it
    (``-log(1 - random())``, the same number from the same draw), it costs a tenth of the call,
    and most groups of a short window are single days."""
    random_, gamma = rng.random, rng.gammavariate
    return [-math.log(1.0 - random_()) if n == 1 else gamma(n, 1.0) for n in days_with]


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
    edges = [int(c / total * 256 + shift) for c in cumulative]
    # Only the partial sums equal to the total (a trailing run of zero weights) can round past
    # 256, and the edges never decrease: clamping that tail is cheaper than a `min` per edge.
    last = len(edges) - 1
    while last >= 0 and edges[last] >= 256:
        edges[last] = 256
        last -= 1
    edges[-1] = 256
    slots = map(operator.sub, edges, [0, *edges[:-1]])
    # Called once per simulated run: the byte strings are joined in C, not built one by one.
    return b"".join(map(operator.mul, map(_BYTE.__getitem__, values), slots))


_BYTE = [bytes((value,)) for value in range(256)]


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


def _days_to_finish_growing(
    history: tuple[int, ...],
    added: tuple[int, ...],
    remaining: int,
    runs: int,
    horizon_days: int,
    rng: random.Random,
) -> list[int]:
    """`_days_to_finish` when the scope grows: a day of the window is drawn as a whole, its
    closings and its arrivals together (a joint Bayesian bootstrap of the window's day pairs), so
    a run's growth pace and closing pace come from the same days."""
    pairs = sorted(set(zip(history, added, strict=True)))
    if max(closed for closed, _ in pairs) * horizon_days < remaining:
        return []
    days_with = [sum(1 for day in zip(history, added, strict=True) if day == p) for p in pairs]
    fits = len(pairs) <= 256 and max(max(p) for p in pairs) <= 255
    # The byte tables are the same for every run: built once per forecast.
    run, window = (_grow_with_tables, _pair_tables(pairs)) if fits else (_grow_with_choices, pairs)
    finished = []
    for _ in range(runs):
        weights = _dirichlet_masses(days_with, rng)
        days = run(window, weights, remaining, horizon_days, rng)
        if days is not None:
            finished.append(days)
    return finished


def _grow_with_tables(
    tables: tuple[list[int], bytes, bytes],
    weights: list[float],
    remaining: int,
    horizon_days: int,
    rng: random.Random,
) -> int | None:
    """One growing run with byte tables (`_pair_tables`): one random byte per day picks a day of
    the window; the same bytes mapped through a closings table and an arrivals table give the
    day's two counts."""
    index, closing_of, arrival_of = tables
    slots = _weighted_table(index, weights, rng.random())
    closings, arrivals = slots.translate(closing_of), slots.translate(arrival_of)
    pace = sum(closings) / 256
    if pace == 0:
        return None  # no day with closings kept a slot: never done
    randbytes = rng.randbytes

    def draw(n: int) -> tuple[bytes, bytes]:
        block = randbytes(n)
        return block.translate(closings), block.translate(arrivals)

    return _first_passage(draw, pace, remaining, horizon_days)


def _pair_tables(pairs: list[tuple[int, int]]) -> tuple[list[int], bytes, bytes]:
    """The day pairs' indices, and the byte tables that map an index to its closings and to its
    arrivals."""
    closing_of = bytes(c for c, _ in pairs).ljust(256, b"\0")
    return list(range(len(pairs))), closing_of, bytes(a for _, a in pairs).ljust(256, b"\0")


def _grow_with_choices(
    pairs: list[tuple[int, int]],
    weights: list[float],
    remaining: int,
    horizon_days: int,
    rng: random.Random,
) -> int | None:
    """`_grow_with_tables` for windows whose counts or distinct days do not fit a byte."""
    cum = list(itertools.accumulate(weights))
    pace = sum(c * w for (c, _), w in zip(pairs, weights, strict=True)) / (cum[-1] or 1.0)
    if pace == 0:
        return None

    def draw(n: int) -> tuple[list[int], list[int]]:
        days = rng.choices(pairs, cum_weights=cum, k=n)
        return [c for c, _ in days], [a for _, a in days]

    return _first_passage(draw, pace, remaining, horizon_days)


def _first_passage(
    draw: Callable[[int], tuple[Sequence[int], Sequence[int]]],
    pace: float,
    remaining: int,
    horizon_days: int,
) -> int | None:
    """The day on which the closings drawn by `draw` (n days: their closings and arrivals) have
    caught up with `remaining` and with what arrived until then, or None past the horizon.

    The scope grows while the work open today is being done; the items that arrived meanwhile are
    then closed without growing further (see the module docstring for why)."""
    first = _catch_up(draw, pace, remaining, horizon_days)
    if first is None:
        return None
    days, surplus, grown = first
    if grown <= surplus:
        return days
    rest = _catch_up(draw, pace, grown - surplus, horizon_days - days)
    return None if rest is None else days + rest[0]


def _catch_up(
    draw: Callable[[int], tuple[Sequence[int], Sequence[int]]],
    pace: float,
    left: int,
    horizon_days: int,
) -> tuple[int, int, int] | None:
    """The first day on which the drawn closings reach `left`, the items closed beyond it that
    day, and the arrivals until then (that day included); None past the horizon."""
    days, grown = 0, 0
    while days < horizon_days:
        closed, added = draw(min(int(left / pace * 0.8) + 16, horizon_days - days))
        total = sum(closed)
        if total >= left:
            steps = list(itertools.accumulate(closed))
            day = bisect.bisect_left(steps, left)
            return days + day + 1, steps[day] - left, grown + sum(added[: day + 1])
        days, left, grown = days + len(closed), left - total, grown + sum(added)
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
