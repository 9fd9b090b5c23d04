"""Rate limits shared by the replicas that use the same credentials (DESIGN §8): what the
tracker last said is left of a token's quota, and when it resets, kept in the shared store under
a hash of the credentials (never the credentials), so every replica backs off together when the
quota reaches the reserve, instead of each spending it down on its own."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from worker.runtime import utc_now

log = structlog.get_logger("delivery_sync.ratelimits")

# Requests kept back from the shared quota: room for the writes of the reports in flight and for
# whatever else uses the token. GitHub gives a token 5,000 an hour.
RESERVE = 50


class RateLimits(Protocol):
    """The shared record of each credential's quota (worker.state_pg.PostgresState)."""

    def rate_limit(self, key: str) -> tuple[int, datetime | None] | None: ...
    def save_rate_limit(self, key: str, remaining: int, reset: datetime | None) -> None: ...


def credentials_key(*parts: str) -> str:
    """The name a credential's quota is kept under: a hash, so the store never holds it."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class SharedBudget:
    """One credential's quota as all replicas see it (connectors.transport.RateBudget)."""

    def __init__(
        self, store: RateLimits, key: str, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._store = store
        self._key = key
        self._clock = clock

    def pause(self) -> float:
        known = self._store.rate_limit(self._key)
        if known is None:
            return 0.0
        remaining, reset = known
        if remaining > RESERVE or reset is None:
            return 0.0
        # A second past the reset: the tracker's clock and ours are not the same clock.
        wait = (reset - self._clock() + timedelta(seconds=1)).total_seconds()
        if wait <= 0:
            return 0.0
        log.warning(
            "rate_limit.reserve_reached",
            credentials=self._key[:12],
            remaining=remaining,
            reserve=RESERVE,
            wait_seconds=round(wait, 1),
        )
        return wait

    def spent(self, remaining: int, reset: datetime | None) -> None:
        self._store.save_rate_limit(self._key, remaining, reset)
