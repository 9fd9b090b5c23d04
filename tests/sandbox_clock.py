"""A clock the sandbox tests move by hand, anchored where the seed's relative dates start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ANCHOR = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
