"""The one retry and rate-limit policy (tenacity) for every tracker request of both adapters.

Adapters translate their library's exceptions into `TrackerError`s; this module decides what is
retried and how long to wait. Reads and idempotent writes (edits) are retried on timeouts,
connection errors, 5xx and rate limits. A create is never re-sent blindly: when its outcome is
unknown (sent, then a timeout, reset or 5xx) it raises `AmbiguousWrite`, and the caller must look
for the comment before trying again. Waits honour `Retry-After`, then the rate-limit reset, then
back off exponentially with jitter; a wait longer than `max_wait` fails the request instead of
stalling a scheduled job for an hour.

What cannot succeed by waiting is never retried: a host name that does not resolve, a malformed
URL, a TLS failure, and (decided by the adapters) 401, 403 that is not a rate limit, and 404.
Error texts never carry what a server echoed of our credentials: `safe_message` cleans any text
taken from an answer before it goes into a `TrackerError`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import structlog

if TYPE_CHECKING:
    import requests
    from tenacity import RetryCallState

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


def connection_error(
    exc: requests.RequestException,
    what: str,
    create: bool,
    *,
    host: str | None = None,
    variable: str | None = None,
) -> TrackerError:
    """A transport failure: retriable, except a create that may have reached the server, and
    what waiting cannot fix (a host name that does not resolve, a malformed URL, TLS).

    `host` and `variable` (the setting the URL came from, e.g. `GITHUB_API_URL`) are named in
    the message, so a person knows what to check."""
    import requests  # loaded already: `exc` is one of its exceptions

    at = f" {host}" if host else ""
    check = f"; check {variable}" if variable else ""
    kind = type(exc).__name__
    if isinstance(exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema):
        return TrackerError(f"{what}: the URL has no http:// or https:// scheme{check}")
    if isinstance(exc, requests.exceptions.InvalidURL):
        return TrackerError(f"{what}: the URL is not valid{check}")
    if _caused_by(exc, "NameResolution") or _caused_by(exc, "gaierror"):
        return TrackerError(f"{what}: cannot resolve the host name{at} (a typo?){check}")
    if isinstance(exc, requests.exceptions.SSLError):
        return TrackerError(f"{what}: TLS with{at} failed ({kind}){check}")
    if isinstance(exc, requests.ConnectTimeout) or _caused_by(exc, "NewConnectionError"):
        return TrackerError(
            f"{what}: cannot connect to{at or ' the server'} ({kind}){check}", retriable=True
        )
    text = f"{what}: connection to{at or ' the server'} failed ({kind}){check}"
    return AmbiguousWrite(text) if create else TrackerError(text, retriable=True)


def _caused_by(exc: BaseException, name: str) -> bool:
    """Whether `exc` or anything it wraps (urllib3 keeps the cause in `.reason`) is of a type
    whose name contains `name`."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if name in type(current).__name__:
            return True
        inner = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        inner += list(current.args)
        pending += [e for e in inner if isinstance(e, BaseException)]
    return False


# Credentials as servers and proxies echo them: an auth scheme and its value, GitHub's token
# formats, JSON Web Tokens (a GitHub App's bearer), and long opaque runs mixing upper case,
# lower case and digits (base64 of `user:token`, API tokens), which prose and URLs do not have.
_AUTH_HEADER = re.compile(
    r"(?i)\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token|digest)\s+)?[^\s,;\"'<>]+"
)
_AUTH_VALUE = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9_.+/=~-]{8,}")
_KNOWN_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{16,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)
_OPAQUE = re.compile(r"[A-Za-z0-9+/_=-]{24,}")
REDACTED = "***"


def _opaque(match: re.Match[str]) -> str:
    run = match[0]
    mixed = (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
    )
    return REDACTED if mixed else run


def safe_message(text: str, secrets: Iterable[str] = (), limit: int = 200) -> str:
    """`text` from a server's answer made fit for an error message: our own `secrets` and
    anything that looks like a credential replaced by `***`, cut to `limit` characters."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _AUTH_HEADER.sub(lambda m: f"{m[1]}{REDACTED}", text)
    text = _AUTH_VALUE.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    text = _KNOWN_TOKEN.sub(REDACTED, text)
    text = _OPAQUE.sub(_opaque, text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    from tenacity.wait import wait_exponential_jitter

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
    # tenacity is loaded with the first request, not by every command that can name an error.
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

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
