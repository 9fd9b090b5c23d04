"""Backtest the delivery forecast on synthetic project histories replayed day by day.

Run from the repository root after ``pip install -e .``::

    python benchmarks/backtest.py [--projects N] [--seed S] [--jobs N] [--thin N]

Each project is generated with a fixed seed from one of five profiles (steady, accelerating,
stalling, scope creep, discovery) and then replayed: every 14 days from day 21 (when the 21-day
window is first full) until it is done, the forecast is made with only the history known at the
start of that day, exactly as the worker would: the window's closings and its arrivals (items
added after the plan; the initial scope counts as filed on the start day). Afterwards each
forecast is checked against what happened:

(a) was the actual completion date on or before the forecast's 85 % date (aim: 80-90 %)?
(b) is ``probability_by_due`` calibrated: of the forecasts that said P, did about P finish by the
    project's due date? (only forecasts made on or before the due date count)

The generator is not tuned to the forecast; where the future differs from the recent past
(stalls, scope creep) the 85 % date is expected to miss more often, and the tables show by how much.

``--thin`` adds a separate check of thin evidence (1-4 items closed in the window), which the
projects above rarely produce: each case has a constant true pace (Poisson closings per calendar
day), drawn from a population of paces between one item per 90 days and one a day; only cases
whose 21-day window closed 1-4 items are kept, and the forecast for 1, 3 or 10 remaining items is
checked against the day the same pace actually closes them. Two populations are shown, paces
spread evenly on a log scale and evenly on a linear scale, because with so little evidence what
counts as a well-calibrated answer depends on which paces are plausible in the first place.
"""

import argparse
import itertools
import math
import multiprocessing
import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from mappings.forecast import (
    THIN_EVIDENCE_ITEMS,
    THIN_EVIDENCE_RATIO,
    Forecast,
    Window,
    daily_arrivals,
    daily_throughput,
    forecast_completion,
    plan_day,
    seed_for,
)

WINDOW_DAYS = 21
CHECK_EVERY_DAYS = 14
# The first four profiles and their seed are those of the original backtest; "discovery" was added
# afterwards (see `generate`) and comes last, so the first four draw the same random numbers.
PROFILES = ("steady", "accelerating", "stalling", "scope creep", "discovery")
THIN_CLOSED = (1, 2, 3, 4)
THIN_REMAINING = (1, 3, 10)
THIN_PACES = (1 / 90, 1.0)  # items per calendar day


@dataclass(frozen=True)
class Project:
    name: str
    profile: str
    start: date
    due: date
    closes: tuple[int, ...]  # items closed on each day, day 0 = start
    added: tuple[int, ...]  # items added to the scope at the end of each day

    @property
    def finished_day(self) -> int:
        return len(self.closes) - 1


@dataclass(frozen=True)
class Check:
    profile: str
    forecast: Forecast
    today: date
    due: date
    finished: date


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the daily means here stay small."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def generate(profile: str, index: int, rng: random.Random) -> Project:
    """One project's whole life: closures per day (working days only, bursty) and scope changes.

    - steady: the same underlying pace throughout;
    - accelerating: the pace grows from half to twice the base as the work progresses;
    - stalling: at 30-70 % progress the pace drops to 15 % for 20-60 days, then recovers;
    - scope creep: items trickle in at 10-30 % of the pace, plus one change request adding
      10-25 % of the initial scope somewhere in the first 60 % of the planned time.
    - discovery (the fifth profile, written and committed before any of its results were seen):
      scope is discovered as the work goes on, fast at first and then less and less. On working
      days items arrive at a rate that starts at 30-100 % of the pace and halves every 14-42
      calendar days; the due date is planned from the initial scope, as in every profile.
    """
    scope = rng.randint(40, 200)
    pace = rng.uniform(1.0, 4.0)  # items per working day
    start = date(2025, 1, 6) + timedelta(days=rng.randrange(7))
    planned_days = scope / (pace * 5 / 7)
    due = start + timedelta(days=round(planned_days * rng.uniform(0.8, 1.4)))
    stall_at, stall_days = rng.uniform(0.3, 0.7), rng.randint(20, 60)
    creep = rng.uniform(0.1, 0.3)
    change_day, change_size = rng.randrange(round(planned_days * 0.6) + 1), rng.uniform(0.1, 0.25)
    discovery = half_life = 0.0
    if profile == "discovery":  # drawn only here, so the other profiles' draws stay as they were
        discovery, half_life = rng.uniform(0.3, 1.0), rng.uniform(14, 42)

    closes: list[int] = []
    added: list[int] = []
    done, total, stall_started = 0, scope, None
    while done < total:
        today = start + timedelta(days=len(closes))
        progress = done / total
        rate = pace
        if profile == "accelerating":
            rate = pace * (0.5 + 1.5 * progress)
        elif profile == "stalling":
            if stall_started is None and progress >= stall_at:
                stall_started = len(closes)
            if stall_started is not None and len(closes) - stall_started < stall_days:
                rate = pace * 0.15
        working = today.weekday() < 5
        closed = min(total - done, poisson(rng, rate * rng.gammavariate(2, 0.5))) if working else 0
        done += closed
        new = 0
        if profile == "scope creep" and done < total:
            new = poisson(rng, creep * pace) if working else 0
            if len(closes) == change_day:
                new += round(scope * change_size)
        elif profile == "discovery" and done < total and working:
            new = poisson(rng, pace * discovery * 0.5 ** (len(closes) / half_life))
        total += new
        closes.append(closed)
        added.append(new)
    return Project(f"{profile}-{index}", profile, start, due, tuple(closes), tuple(added))


def replay(project: Project) -> list[Check]:
    """Forecast at each check day with only the days before it, as the worker would: the initial
    scope was filed on the start day (the plan), each later item on the day it was added."""
    checks = []
    finished = project.start + timedelta(days=project.finished_day)
    closed_on: list[date] = []
    created_on: list[date] = []  # items added after the start day
    open_items = sum(project.closes) - sum(project.added)  # initial scope
    for day, (closed, new) in enumerate(zip(project.closes, project.added, strict=True)):
        today = project.start + timedelta(days=day)
        if day >= WINDOW_DAYS and (day - WINDOW_DAYS) % CHECK_EVERY_DAYS == 0:
            throughput = daily_throughput(closed_on, today, WINDOW_DAYS)
            planned_on = plan_day(None, [project.start], closed_on)
            arrivals = daily_arrivals(created_on, today, WINDOW_DAYS, planned_on)
            seed = seed_for(project.name, today, open_items, throughput)
            window = Window(throughput, arrivals, scope=open_items + len(closed_on))
            forecast = forecast_completion(open_items, window, today, project.due, seed=seed)
            checks.append(Check(project.profile, forecast, today, project.due, finished))
        closed_on.extend([today] * closed)
        created_on.extend([today] * new)
        open_items += new - closed
    return checks


def coverage_table(checks: list[Check]) -> list[str]:
    rows = [
        "| profile | forecasts | actual ≤ p85 | actual ≤ p50 | no p85 date | no evidence "
        "| median days late when past p85 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for profile, group in by_profile(checks):
        dated = [c for c in group if c.forecast.p85 is not None]
        hit85 = sum(1 for c in dated if c.finished <= c.forecast.p85)
        hit50 = sum(1 for c in dated if c.finished <= c.forecast.p50)
        late = [(c.finished - c.forecast.p85).days for c in dated if c.finished > c.forecast.p85]
        no_date = sum(1 for c in group if c.forecast.p85 is None and c.forecast.closed_in_window)
        no_evidence = sum(1 for c in group if not c.forecast.closed_in_window)
        rows.append(
            f"| {profile} | {len(group)} | {share(hit85, len(dated))} | {share(hit50, len(dated))} "
            f"| {no_date} | {no_evidence} | {f'{statistics.median(late):g}' if late else '–'} |"
        )
    return rows


def evidence_table(checks: list[Check]) -> list[str]:
    """Coverage split by the strength of the evidence the forecast rests on."""
    rows = [
        "| evidence | forecasts | actual ≤ p85 | no p85 date | of those, done within 2 years |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, group in (
        ("thin (< 5 closed, or > 10× as many remaining)", [c for c in checks if is_thin(c)]),
        ("enough", [c for c in checks if c.forecast.closed_in_window and not is_thin(c)]),
    ):
        dated = [c for c in group if c.forecast.p85 is not None]
        hit85 = sum(1 for c in dated if c.finished <= c.forecast.p85)
        undated = [c for c in group if c.forecast.p85 is None]
        soon = sum(1 for c in undated if (c.finished - c.today).days < 730)
        rows.append(
            f"| {label} | {len(group)} | {share(hit85, len(dated))} | {len(undated)} | {soon} |"
        )
    return rows


def is_thin(check: Check) -> bool:
    closed, remaining = check.forecast.closed_in_window, check.forecast.remaining
    return closed > 0 and (closed < THIN_EVIDENCE_ITEMS or remaining > THIN_EVIDENCE_RATIO * closed)


def calibration_table(checks: list[Check]) -> list[str]:
    scored = [c for c in checks if c.today <= c.due and c.forecast.probability_by_due is not None]
    rows = [
        "| P(done by due) | forecasts | mean predicted | observed | " + " | ".join(PROFILES) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(PROFILES),
    ]
    bands = [(f"{b / 10:.1f}–{(b + 1) / 10:.1f}", b / 10, (b + 1) / 10) for b in range(10)]
    bands[-1] = ("0.9–1.0", 0.9, 1.01)
    words = [("On track, P ≥ 0.85", 0.85, 1.01), ("At risk", 0.5, 0.85), ("Off track", 0, 0.5)]
    for label, low, high in [*bands, *words]:
        if label == words[0][0]:
            rows.append("| **by status word** |" + " |" * (3 + len(PROFILES)))
        band = [c for c in scored if low <= c.forecast.probability_by_due < high]
        predicted = statistics.fmean(c.forecast.probability_by_due for c in band) if band else 0
        observed = [observed_rate([c for c in band if c.profile == p]) for p in PROFILES]
        rows.append(
            f"| {label} | {len(band)} | {predicted:.2f} | {observed_rate(band, sized=False)} | "
            + " | ".join(observed)
            + " |"
        )
    rows.append("| **Brier score** (0 is perfect) | | | " + brier(scored) + " | ")
    rows[-1] += " | ".join(brier([c for c in scored if c.profile == p]) for p in PROFILES) + " |"
    return rows


def by_profile(checks: list[Check]) -> list[tuple[str, list[Check]]]:
    return [(p, [c for c in checks if c.profile == p]) for p in PROFILES] + [("all", checks)]


def observed_rate(group: list[Check], sized: bool = True) -> str:
    """Share of the group that finished by its due date, with the group's size if `sized`."""
    if not group:
        return "–"
    rate = f"{sum(1 for c in group if c.finished <= c.due) / len(group):.2f}"
    return f"{rate} ({len(group)})" if sized else rate


def brier(group: list[Check]) -> str:
    errors = [(c.forecast.probability_by_due - (c.finished <= c.due)) ** 2 for c in group]
    return f"{statistics.fmean(errors):.3f}" if errors else "–"


def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def thin_table(population: str, per_cell: int, seed: int) -> list[str]:
    """Coverage of the 85 % date with 1-4 items closed in the window (see the module docstring)."""
    rng = random.Random(f"{seed}-{population}")
    low, high = THIN_PACES
    cells: dict[tuple[int, int], list[tuple[tuple[int, ...], int, int]]] = {
        cell: [] for cell in itertools.product(THIN_CLOSED, THIN_REMAINING)
    }
    while any(len(cases) < per_cell for cases in cells.values()):
        if population == "log scale":
            pace = math.exp(rng.uniform(math.log(low), math.log(high)))
        else:
            pace = rng.uniform(low, high)
        window = tuple(poisson(rng, pace) for _ in range(WINDOW_DAYS))
        remaining = rng.choice(THIN_REMAINING)
        cases = cells.get((sum(window), remaining))
        if cases is None or len(cases) >= per_cell:
            continue
        days, left = 0, remaining  # day 1 is the day of the forecast, as in the worker
        while left > 0:
            days += 1
            left -= poisson(rng, pace)
        cases.append((window, remaining, days))

    today = date(2026, 3, 2)
    rows = [
        f"| closed in window | remaining | forecasts ({population}) | actual ≤ p85 | actual ≤ p50 "
        "| no p85 date | median p50 / p85 (days) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (closed, remaining), cases in cells.items():
        hit85 = hit50 = undated = 0
        p50s, p85s = [], []
        for index, (window, remaining, days) in enumerate(cases):
            seed_of_case = seed_for("thin", population, index, window, remaining)
            forecast = forecast_completion(remaining, window, today, None, seed=seed_of_case)
            finished = today + timedelta(days=days - 1)
            if forecast.p85 is None:
                undated += 1
            else:
                hit85 += finished <= forecast.p85
                p85s.append((forecast.p85 - today).days + 1)
            if forecast.p50 is not None:
                hit50 += finished <= forecast.p50
                p50s.append((forecast.p50 - today).days + 1)
        dated = len(cases) - undated
        medians = (
            f"{statistics.median(p50s) if p50s else '–'} / "
            f"{statistics.median(p85s) if p85s else '> 730'}"
        )
        rows.append(
            f"| {closed} | {remaining} | {len(cases)} | {share(hit85, dated)} "
            f"| {share(hit50, len(p50s))} | {undated} | {medians} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100, help="projects per profile")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument(
        "--profiles",
        default=",".join(PROFILES),
        help="comma-separated profiles to report (all are generated, so the seed's draws stay)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes to replay in")
    parser.add_argument(
        "--thin", type=int, metavar="N", default=0, help="also check thin evidence, N cases a cell"
    )
    args = parser.parse_args()

    began = time.perf_counter()
    rng = random.Random(args.seed)
    projects = [generate(p, i, rng) for p in PROFILES for i in range(args.projects)]
    shown = args.profiles.split(",")
    projects = [p for p in projects if p.profile in shown]
    with multiprocessing.Pool(args.jobs) as pool:
        checks = [check for checks in pool.map(replay, projects, chunksize=4) for check in checks]
    elapsed = time.perf_counter() - began

    print(f"{len(projects)} projects, {len(checks)} forecasts, seed {args.seed}, {elapsed:.1f} s\n")
    print("(a) Actual completion versus the forecast dates (forecasts that gave a p85 date):\n")
    print("\n".join(coverage_table(checks)))
    print("\n(b) Calibration of probability_by_due (forecasts made on or before the due date);")
    print("observed = share done by the due date, (forecasts in the band):\n")
    print("\n".join(calibration_table(checks)))
    print("\n(c) The 85 % date by the strength of the evidence:\n")
    print("\n".join(evidence_table(checks)))
    if args.thin:
        for population in ("log scale", "linear scale"):
            print(f"\n(d) Thin evidence, true paces spread evenly on a {population}:\n")
            print("\n".join(thin_table(population, args.thin, args.seed)))


if __name__ == "__main__":
    main()
