"""Forecast when a deliverable's remaining items will be done, and the delivery lead's status word.

How the forecast works (the README quotes this). The evidence is the number of items closed on
each calendar day of the window that ends yesterday (`daily_throughput`; today is not over yet).
One simulation run replays the future day by day with **today as day 1**: each day it draws one
day of the history at random, with replacement, and closes that many items, until the remaining
items are done. A run that needs *n* days finishes on ``today + (n - 1) days``, so a run whose first
draw covers all remaining work finishes today. Over `runs` runs (2000 by default), ``p50`` and
``p85`` are the earliest dates on or before which at least 50 % and 85 % of all runs have finished,
and ``probability_by_due`` is the share of runs finished on or before the due date (0.0 when the
due date has passed). All three are read from the same runs, so ``probability_by_due >= 0.85``
exactly when ``p85`` is set and ``due >= p85`` (likewise for 0.5 and ``p50``).

Precise rules:

- ``remaining`` counts the items open when the forecast is made, yet today is simulated as a full
  day of work; a forecast made late in the day is optimistic by at most one day's throughput.
- A run that has not finished within ``horizon_days`` simulated days (730) counts as never done: it
  is not done by any due date, and when fewer than 85 % (50 %) of runs finish within the horizon,
  ``p85`` (``p50``) is ``None`` and the note says so ("at the current pace more than 2 years").
- Nothing remaining needs no forecast: no dates, no probability, no note (the word is ``Done``).
- No item closed in the window means no evidence: no dates, no probability, a "not enough history"
  note. Fewer than 5 items closed, or more than 10 times as many items remaining as closed, is thin
  evidence: the forecast is still made, with a caveat in the note.
- Same arguments and seed, same `Forecast`. `seed_for` derives the seed from the data, so cycles on
  the same day with the same data produce the same report text and write nothing new.

Status word (`status_word`): ``Done`` when there are items and none remain; ``No due date`` when
there is none; ``Off track`` when the due date has passed with work remaining; otherwise, with
P = ``probability_by_due``: P >= ``on_track_probability`` → ``On track``, P >= 0.5 → ``At risk``,
else ``Off track``. Without evidence (no forecast or no probability) the word is ``At risk``: we
cannot claim the deliverable is on track and cannot prove it is off track. An empty deliverable
(no items) is ``No due date`` without a due date and ``At risk`` with one: nothing is scoped yet
(or the selectors match nothing), so nothing shows it is on track.
"""

import bisect
import hashlib
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

THIN_EVIDENCE_ITEMS = 5
THIN_EVIDENCE_RATIO = 10


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
    runs: int = 2000,
    horizon_days: int = 730,
) -> Forecast:
    """Monte Carlo: each run draws daily throughputs at random (with replacement) from the history
    until `remaining` items are done; p50/p85 and the chance of finishing by `due` are read from
    the runs' completion dates (see the module docstring for the exact rules)."""
    history = tuple(throughput)
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

    finished = sorted(_days_to_finish(history, remaining, runs, horizon_days, random.Random(seed)))
    p50 = _date_reached_by(finished, runs, 50, today)
    p85 = _date_reached_by(finished, runs, 85, today)
    probability = None
    if due is not None:
        probability = bisect.bisect_right(finished, (due - today).days + 1) / runs

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
    if p85 is None:
        share = f"only {len(finished) * 100 // runs} %" if finished else "none"
        notes.append(
            f"at the current pace more than {_span(horizon_days)}: "
            f"{share} of the simulations finish within {horizon_days} days"
        )
    return Forecast(
        **evidence,
        p50=p50,
        p85=p85,
        probability_by_due=probability,
        note="; ".join(notes) or None,
    )


def seed_for(*parts: object) -> int:
    """A stable seed from the data (e.g. deliverable id, today, remaining, throughput).

    Built from ``repr(parts)``, so the parts must have a stable repr (str, int, date, tuples of
    them); Python's ``hash()`` is not used because it is randomised per process."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def status_word(
    remaining: int,
    total: int,
    due: date | None,
    today: date,
    forecast: Forecast | None,
    on_track_probability: float,
) -> str:
    """Exactly one of "Done", "No due date", "On track", "At risk", "Off track" (DESIGN §6)."""
    if not 0 <= remaining <= total:
        raise ValueError(f"need 0 <= remaining <= total, got remaining={remaining}, total={total}")
    if total > 0 and remaining == 0:
        return "Done"
    if due is None:
        return "No due date"
    if total == 0:
        return "At risk"
    if due < today:
        return "Off track"
    probability = forecast.probability_by_due if forecast is not None else None
    if probability is None:
        return "At risk"
    if probability >= on_track_probability:
        return "On track"
    return "At risk" if probability >= 0.5 else "Off track"


def _days_to_finish(
    history: tuple[int, ...],
    remaining: int,
    runs: int,
    horizon_days: int,
    rng: random.Random,
    chunk_days: int | None = None,
) -> list[int]:
    """Days needed by each run that finishes within the horizon; runs that do not are left out.

    All runs read one stream of daily draws, each run starting where the previous one stopped.
    The stream comes in chunks of about `chunk_days` cumulative sums (by default sized to the
    expected total, within bounds that cap memory), so a run's end is found by bisection rather
    than a Python loop over days; a run may span chunks.
    """
    if max(history) * horizon_days < remaining:
        return []  # even the best day of the window, every day, cannot finish in time
    draw = _sampler(history, rng)
    if chunk_days is None:
        days_per_run = min(horizon_days, remaining * len(history) / sum(history) + 1)
        chunk_days = max(1024, min(65536, int(runs * days_per_run)))
    finished: list[int] = []
    runs_left, run_days, still_open = runs, 0, remaining
    while runs_left:
        totals = list(itertools.accumulate(draw(chunk_days), initial=0))
        end, start = len(totals) - 1, 0
        while runs_left:
            horizon_end = start + horizon_days - run_days
            last = min(end, horizon_end)
            stop = bisect.bisect_left(totals, totals[start] + still_open, start + 1, last + 1)
            if stop <= last:
                finished.append(run_days + stop - start)
            elif last == horizon_end:
                stop = last
            else:
                run_days += end - start
                still_open -= totals[end] - totals[start]
                break
            start, run_days, still_open = stop, 0, remaining
            runs_left -= 1
    return finished


def _sampler(history: tuple[int, ...], rng: random.Random) -> Callable[[int], Iterable[int]]:
    """Return ``draw(n)``: about `n` days drawn uniformly, with replacement, from `history`."""
    size = len(history)
    if size > 256 or max(history) > 255:
        return lambda n: rng.choices(history, k=n)
    # rng.choices costs ~60 ns a draw; mapping random bytes through a table runs in C at a few ns.
    # Bytes from the largest multiple of `size` up are dropped so every day stays equally likely.
    usable = 256 // size * size
    table = bytes(history[b % size] for b in range(usable)) + bytes(256 - usable)
    dropped = bytes(range(usable, 256))
    return lambda n: rng.randbytes(n * 256 // usable + 1).translate(table, dropped)


def _date_reached_by(finished: list[int], runs: int, percent: int, today: date) -> date | None:
    """The earliest date on or before which at least `percent` % of all runs have finished."""
    needed = -(-runs * percent // 100)
    if needed > len(finished):
        return None
    return today + timedelta(days=finished[needed - 1] - 1)


def _span(days: int) -> str:
    years, rest = divmod(days, 365)
    return f"{years} years" if years >= 2 and rest == 0 else f"{days} days"
