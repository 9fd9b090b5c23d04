"""One way to send a tracker request: count it, send it, classify what came back, retry.

Both adapters send every request through `Transport.request`. What really differs between the
trackers is a `Dialect`: how a request goes on the wire (the tracker library's session), how a
good answer is read, what the tracker's own error bodies look like, and which settings a message
tells a person to check. The rest is decided here, once for both:

- a transport failure is classified by `connectors.retry.connection_error` (a host that does not
  resolve is final, a refused connection is retried, a create that may have landed is ambiguous);
- an error status means the same on both trackers: 429 (and, where the dialect says so, a 403
  that is a rate limit) is retried after the tracker's wait; 5xx is retried, or is an
  `AmbiguousWrite` for a create; an answer that did not come from the tracker (a proxy's page, a
  wrong base URL) says so, whatever its status; 404/410 is `NotFound`; 401/403 name what to check;
- a 304 answers a conditional read (`Request.headers` carrying a validator): the dialect reads it
  as "unchanged"; to any other request it is an answer that is not what was promised;
- a 2xx answer that is not what its endpoint promises (`BadAnswer`) is a failed, retriable read,
  or an `AmbiguousWrite` for a create;
- everything runs under the one retry policy (`connectors.retry.call`);
- with a `RateBudget` (replicas sharing credentials, worker.ratelimits), every answer's
  remaining quota is recorded there, and no request is sent while the shared quota is at its
  reserve: the transport waits for the reset, or fails the request when that is too far off.

No tracker library is imported here: `requests` is loaded by whichever library sends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from connectors.retry import (
    MAX_WAIT_SECONDS,
    AmbiguousWrite,
    NotFound,
    RateLimited,
    TrackerError,
    call,
    connection_error,
    wait_seconds_from_headers,
)
from connectors.tracker import RequestStats

# What an endpoint promises: None when an answer is of that shape, else what it is instead
# ("an object where a list belongs"). Each dialect words its own shapes.
Shape = Callable[[Any], str | None]


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the adapters describe it."""

    method: str
    url: str  # as the dialect sends it (GitHub: a path under the API base or a `next` URL)
    what: str  # what it does, for messages: "list acme/web issues"
    params: Mapping[str, Any] | None = None
    body: Any = None  # sent as JSON
    create: bool = False  # creates something: an unknown outcome is never re-sent
    expect: Shape | None = None  # what a good answer must be (None: the dialect's default)
    headers: Mapping[str, str] | None = None  # extra headers (a conditional read's validator)

    @property
    def conditional(self) -> bool:
        names = {name.lower() for name in self.headers or ()}
        return bool(names & {"if-none-match", "if-modified-since"})

    @property
    def reads(self) -> bool:
        return self.method == "GET"


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back: the status, the headers (names in lower case) and the raw body."""

    status: int
    headers: Mapping[str, str]
    content: str | bytes  # as the library gives it: PyGithub decodes, requests does not

    @property
    def text(self) -> str:
        content = self.content
        return content if isinstance(content, str) else content.decode("utf-8", "replace")

    @property
    def raw(self) -> bytes:
        content = self.content
        return content.encode() if isinstance(content, str) else content


class BadAnswer(Exception):
    """A 2xx or 3xx answer that is not what its endpoint promises. The text is the message after
    `what: ` and says what the answer was, never what it held."""


class Dialect(ABC):
    """What one tracker's wire looks like: the hooks the transport calls."""

    host = "the server"  # named in connection errors
    url_variable: str | None = None  # the setting the URL came from, named in messages
    rate_limit_403 = False  # GitHub answers some rate limits with 403

    @abstractmethod
    def send(self, request: Request) -> Answer:
        """Put the request on the wire; raises the library's exceptions as they come."""

    @abstractmethod
    def read(self, answer: Answer, request: Request) -> Any:
        """What a successful answer holds; raises BadAnswer when it is not what was promised."""

    @abstractmethod
    def said(self, answer: Answer) -> str | None:
        """The tracker's own words in an error answer, cleaned of anything credential-like:
        "" when the tracker answered but said nothing, None when the answer is not the
        tracker's (a proxy, a web server, another product)."""

    @abstractmethod
    def shown(self, url: str) -> str:
        """`url` as messages show it: absolute, without query or credentials."""

    def failure(self, exc: Exception, request: Request) -> TrackerError | None:
        """The TrackerError for an exception of the tracker library; None: not one it knows."""
        return None

    def describe(self, answer: Answer, request: Request, said: str | None) -> str:
        """The plain message for an error status."""
        return f"{request.what}: HTTP {answer.status} {said or ''}".rstrip()

    def foreign(self, answer: Answer, request: Request) -> str | None:
        """The message for an error that is not the tracker's own answer; None: the plain one."""
        return None

    def denied(self, answer: Answer, request: Request, said: str | None, text: str) -> str:
        """The message for a 401 or a 403 that is not a rate limit."""
        return text

    def rate_limit_wait(self, wait: float | None) -> float | None:
        """Seconds to wait on a rate limit whose headers said `wait` (None: back off)."""
        return wait

    def where(self, request: Request) -> str:
        return f"{request.method} {self.shown(request.url)}"


def unknown_outcome(text: str, create: bool, status: int | None = None) -> TrackerError:
    """A request whose answer was lost or unreadable: retriable, except a create, which may
    have landed and must be looked for before it is sent again."""
    if create:
        return AmbiguousWrite(text, status=status)
    return TrackerError(text, status=status, retriable=True)


def refusal(dialect: Dialect, answer: Answer, request: Request) -> TrackerError:
    """The one meaning of an error status, in the dialect's words."""
    status = answer.status
    said = dialect.said(answer)
    wait = wait_seconds_from_headers(dict(answer.headers), datetime.now(UTC))
    text = dialect.describe(answer, request, said)
    limited = status == 429 or (
        status == 403
        and dialect.rate_limit_403
        and (wait is not None or "rate limit" in (said or "").lower())
    )
    if limited:
        wait = dialect.rate_limit_wait(wait)
        return TrackerError(text, status=status, retriable=True, retry_after=wait)
    if status >= 500:
        return unknown_outcome(text, request.create, status)
    if said is None and (foreign := dialect.foreign(answer, request)) is not None:
        return TrackerError(foreign, status=status)
    if status in (404, 410):
        return NotFound(text, status=status)
    if status in (401, 403):
        return TrackerError(dialect.denied(answer, request, said, text), status=status)
    return TrackerError(text, status=status)


class RateBudget(Protocol):
    """A tracker's rate-limit quota shared by every process using the same credentials."""

    def pause(self) -> float:
        """Seconds to wait before the next request (0: go)."""
        ...

    def spent(self, remaining: int, reset: datetime | None) -> None:
        """What the tracker said is left, and when the window resets (None: not said)."""
        ...


def reset_time(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When the rate-limit window resets: `x-ratelimit-reset` as GitHub's epoch seconds or Jira
    Cloud's ISO-8601 time."""
    wait = wait_seconds_from_headers(
        {"x-ratelimit-reset": headers.get("x-ratelimit-reset", ""), "x-ratelimit-remaining": "0"},
        now,
    )
    return None if wait is None else datetime.fromtimestamp(now.timestamp() + wait, UTC)


class Transport:
    """Sends an adapter's requests: each attempt counted in `stats`, every failure classified,
    retried under the policy with the injected `sleep`; within a shared `budget` if given."""

    def __init__(
        self,
        dialect: Dialect,
        stats: RequestStats,
        sleep: Callable[[float], None],
        budget: RateBudget | None = None,
    ) -> None:
        self.dialect = dialect
        self.stats = stats
        self._sleep = sleep
        self.budget = budget

    def request(self, request: Request) -> Any:
        """What the dialect read from the answer, or the TrackerError the policy gave up on."""
        return call(lambda: self._attempt(request), what=request.what, sleep=self._sleep)

    def _attempt(self, request: Request) -> Any:
        if self.budget is not None:
            self._within_budget(request, self.budget)
        if request.reads:
            self.stats.reads += 1
        else:
            self.stats.writes += 1
        answer = self._send(request)
        self.stats.rate_limit_seen(answer.status, answer.headers)
        if answer.status == 304 and request.conditional:
            self.stats.not_modified += 1  # the dialect says what "unchanged" reads as
        remaining = answer.headers.get("x-ratelimit-remaining", "")
        if remaining.isdigit() and self.budget is not None:  # replicas sharing the token
            self.budget.spent(int(remaining), reset_time(answer.headers, datetime.now(UTC)))
        if answer.status >= 400:
            # Never chained: the library's exception may carry the request's headers.
            raise refusal(self.dialect, answer, request) from None
        try:
            return self.dialect.read(answer, request)
        except BadAnswer as bad:
            text = f"{request.what}: {bad}"
            raise unknown_outcome(text, request.create, answer.status) from None

    def _within_budget(self, request: Request, budget: RateBudget) -> None:
        """Wait while the shared quota is at its reserve; a wait longer than the policy allows
        fails the request (and so the source, for this cycle) instead of stalling the job."""
        pause = budget.pause()
        if pause > MAX_WAIT_SECONDS:
            raise RateLimited(
                f"{request.what}: the rate limit these credentials share is at its reserve "
                f"for {pause:.0f} s more, longer than {MAX_WAIT_SECONDS:.0f} s"
            )
        if pause > 0:
            self._sleep(pause)

    def _send(self, request: Request) -> Answer:
        import requests  # already loaded by the library that sends

        dialect = self.dialect
        try:
            return dialect.send(request)
        except requests.RequestException as exc:
            raise connection_error(
                exc, request.what, request.create, host=dialect.host, variable=dialect.url_variable
            ) from None
        except Exception as exc:
            error = dialect.failure(exc, request)
            if error is None:
                raise
            raise error from None
