"""Time one delivery forecast (2000 runs) for growing scopes and realistic throughput histories.

Run from the repository root after ``pip install -e .``::

    python benchmarks/forecast_speed.py [--calls N]

Budget: at most 50 ms per call for up to 500 remaining items on one core. Each row times `--calls`
calls with different seeds (the seed changes the draws and, through each run's random weights,
a little of the amount of work) and reports the median and the slowest call.
"""

import argparse
import platform
import random
import statistics
import time
from datetime import date

from mappings.forecast import Window, forecast_completion

BUDGET_MS = 50
TODAY = date(2026, 3, 2)


def histories() -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """(label, closings, arrivals): the first rows without growth, the last ones with."""
    rng = random.Random(7)
    weekdays = [rng.randint(2, 4) if day % 7 < 5 else 0 for day in range(21)]
    still = [
        ("0–6 a day (mean ≈ 3)", tuple(rng.randint(0, 6) for _ in range(21))),
        ("weekdays 2–4, weekends 0", tuple(weekdays)),
        ("0–2 a day (mean ≈ 1)", tuple(rng.randint(0, 2) for _ in range(21))),
        ("0–1 a day (mean ≈ 0.67; 500 items reach the 2-year horizon)", tuple([1] * 14 + [0] * 7)),
        ("300-day window, 0–6 a day", tuple(rng.randint(0, 6) for _ in range(300))),
        ("1 item closed in 21 days (thin evidence)", tuple([0] * 20 + [1])),
        (
            "one day closing 300, others 0–2 (rng.choices path)",
            tuple([300] + [rng.randint(0, 2) for _ in range(20)]),
        ),
    ]
    growing = [
        (
            "0–6 a day, adding 0–2 a day",
            tuple(rng.randint(0, 6) for _ in range(21)),
            tuple(rng.randint(0, 2) for _ in range(21)),
        ),
        ("0–2 a day, adding as many", (1, 0, 2) * 7, (2, 1, 0) * 7),
        ("1 closed, 5 added in 21 days (thin evidence)", (0,) * 20 + (1,), (1,) * 5 + (0,) * 16),
        (
            "0–2 a day, one day adding 300 (rng.choices path)",
            tuple(rng.randint(0, 2) for _ in range(21)),
            (300,) + (0,) * 20,
        ),
    ]
    return [(label, closed, (0,) * len(closed)) for label, closed in still] + growing


def time_calls(
    remaining: int, history: tuple[int, ...], arrivals: tuple[int, ...], calls: int
) -> list[float]:
    timings = []
    for seed in range(calls):
        began = time.perf_counter()
        forecast_completion(
            remaining, Window(history, arrivals), TODAY, date(2026, 9, 1), seed=seed
        )
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20, help="timed calls per row")
    args = parser.parse_args()

    print(
        f"Python {platform.python_version()} on {platform.machine()}, runs=2000, "
        f"{args.calls} calls per row, budget {BUDGET_MS} ms per call\n"
    )
    print("| throughput history (21 days unless said) | remaining | median ms | slowest ms |")
    print("|---|---:|---:|---:|")
    for label, history, arrivals in histories():
        for remaining in (10, 100, 250, 500):
            timings = time_calls(remaining, history, arrivals, args.calls)
            slowest = max(timings)
            flag = "" if slowest <= BUDGET_MS else " **over budget**"
            print(
                f"| {label} | {remaining} | {statistics.median(timings):.1f} "
                f"| {slowest:.1f}{flag} |"
            )


if __name__ == "__main__":
    main()
