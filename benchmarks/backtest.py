"""Backtest the delivery forecast on synthetic project histories replayed day by day.

Run from the repository root after ``pip install -e .``::

    python benchmarks/backtest.py [--projects N] [--seed S]

Each project is generated with a fixed seed from one of four profiles (steady, accelerating,
stalling, scope creep) and then replayed: every 14 days from day 21 (when the 21-day window is
first full) until it is done, the forecast is made with only the history known at the start of that
day, exactly as the worker would. Afterwards each forecast is checked against what happened:

(a) was the actual completion date on or before the forecast's 85 % date (aim: 80-90 %)?
(b) is ``probability_by_due`` calibrated: of the forecasts that said P, did about P finish by the
    project's due date? (only forecasts made on or before the due date count)

The generator is not tuned to the forecast; where the future differs from the recent past
(stalls, scope creep) the 85 % date is expected to miss more often, and the tables show by how much.
"""

import argparse
import math
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from mappings.forecast import Forecast, daily_throughput, forecast_completion, seed_for

WINDOW_DAYS = 21
CHECK_EVERY_DAYS = 14
PROFILES = ("steady", "accelerating", "stalling", "scope creep")


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
    """
    scope = rng.randint(40, 200)
    pace = rng.uniform(1.0, 4.0)  # items per working day
    start = date(2025, 1, 6) + timedelta(days=rng.randrange(7))
    planned_days = scope / (pace * 5 / 7)
    due = start + timedelta(days=round(planned_days * rng.uniform(0.8, 1.4)))
    stall_at, stall_days = rng.uniform(0.3, 0.7), rng.randint(20, 60)
    creep = rng.uniform(0.1, 0.3)
    change_day, change_size = rng.randrange(round(planned_days * 0.6) + 1), rng.uniform(0.1, 0.25)

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
        total += new
        closes.append(closed)
        added.append(new)
    return Project(f"{profile}-{index}", profile, start, due, tuple(closes), tuple(added))


def replay(project: Project) -> list[Check]:
    """Forecast at each check day with only the days before it, as the worker would."""
    checks = []
    finished = project.start + timedelta(days=project.finished_day)
    closed_on: list[date] = []
    open_items = sum(project.closes) - sum(project.added)  # initial scope
    for day, (closed, new) in enumerate(zip(project.closes, project.added, strict=True)):
        today = project.start + timedelta(days=day)
        if day >= WINDOW_DAYS and (day - WINDOW_DAYS) % CHECK_EVERY_DAYS == 0:
            throughput = daily_throughput(closed_on, today, WINDOW_DAYS)
            seed = seed_for(project.name, today, open_items, throughput)
            forecast = forecast_completion(open_items, throughput, today, project.due, seed=seed)
            checks.append(Check(project.profile, forecast, today, project.due, finished))
        closed_on.extend([today] * closed)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100, help="projects per profile")
    parser.add_argument("--seed", type=int, default=20260302)
    args = parser.parse_args()

    began = time.perf_counter()
    rng = random.Random(args.seed)
    projects = [generate(p, i, rng) for p in PROFILES for i in range(args.projects)]
    checks = [check for project in projects for check in replay(project)]
    elapsed = time.perf_counter() - began

    print(f"{len(projects)} projects, {len(checks)} forecasts, seed {args.seed}, {elapsed:.1f} s\n")
    print("(a) Actual completion versus the forecast dates (forecasts that gave a p85 date):\n")
    print("\n".join(coverage_table(checks)))
    print("\n(b) Calibration of probability_by_due (forecasts made on or before the due date);")
    print("observed = share done by the due date, (forecasts in the band):\n")
    print("\n".join(calibration_table(checks)))


if __name__ == "__main__":
    main()
