"""The one retry and rate-limit policy (tenacity) for every tracker request of both adapters.

Adapters translate their library's exceptions into `TrackerError`s; this module decides what is
retried and how long to wait. Reads and idempotent writes (edits) are retried on timeouts,
connection errors, 5xx and rate limits. A create is never re-sent blindly: when its outcome is
unknown (sent, then a timeout, reset or 5xx) it raises `AmbiguousWrite`, and the caller must look
for the comment before trying again. Waits honour `Retry-After`, then the rate-limit reset, then
back off exponentially with jitter; a wait longer than `max_wait` fails the request instead of
stalling a scheduled job for an hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import requests
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

T = TypeVar("T")
log = structlog.get_logger("delivery_sync.retry")

ATTEMPTS = 4
MAX_WAIT_SECONDS = 120.0


class TrackerError(Exception):
    """A request a tracker refused or we could not complete. The message never holds secrets."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retriable: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.retriable = retriable
        self.retry_after = retry_after


class AmbiguousWrite(TrackerError):
    """A create was sent but its outcome is unknown: it may or may not exist now."""


class NotFound(TrackerError):
    """The object is gone (deleted comment, transferred issue)."""


class RateLimited(TrackerError):
    """The tracker wants us to wait longer than a scheduled job should."""


def connection_error(exc: requests.RequestException, what: str, create: bool) -> TrackerError:
    """A transport failure: retriable, except a create that may have reached the server."""
    if isinstance(exc, requests.ConnectTimeout) or _never_connected(exc):
        return TrackerError(f"{what}: cannot connect ({type(exc).__name__})", retriable=True)
    text = f"{what}: connection failed ({type(exc).__name__})"
    return AmbiguousWrite(text) if create else TrackerError(text, retriable=True)


def _never_connected(exc: BaseException) -> bool:
    """The request never reached the server (refused, DNS), so even a create may be re-sent."""
    seen: BaseException | None = exc
    while seen is not None:
        reason = getattr(seen.args[0], "reason", None) if seen.args else None
        names = {type(seen).__name__, type(reason).__name__}
        if any("NewConnectionError" in n or "NameResolution" in n for n in names):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def wait_seconds_from_headers(headers: dict[str, str], now: datetime) -> float | None:
    """Seconds to wait according to `Retry-After`, else the rate-limit reset header.

    GitHub sends `x-ratelimit-reset` as epoch seconds, Jira Cloud as an ISO-8601 time.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after is not None:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            pass
    reset = lowered.get("x-ratelimit-reset")
    remaining = lowered.get("x-ratelimit-remaining")
    if reset is None or remaining not in (None, "0"):
        return None
    try:
        return max(float(reset) - now.timestamp(), 0.0)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max((moment - now).total_seconds(), 0.0)


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    backoff = wait_exponential_jitter(initial=1, max=30, jitter=1)(state)
    if isinstance(error, TrackerError) and error.retry_after is not None:
        return max(error.retry_after, 0.0)
    return backoff


def _should_retry(error: BaseException) -> bool:
    return isinstance(error, TrackerError) and error.retriable


def call(
    request: Callable[[], T],
    *,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
    max_wait: float = MAX_WAIT_SECONDS,
) -> T:
    """Run `request` under the policy. `request` raises TrackerError (already classified)."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        if wait > max_wait:
            raise RateLimited(
                f"{what}: the tracker asks to wait {wait:.0f} s, more than {max_wait:.0f} s",
                status=getattr(error, "status", None),
            ) from error
        log.warning(
            "request.retry",
            request=what,
            attempt=state.attempt_number,
            wait_seconds=round(wait, 2),
            error=str(error),
        )

    retrying = Retrying(
        retry=retry_if_exception(_should_retry),
        stop=stop_after_attempt(attempts),
        wait=_wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(request)
