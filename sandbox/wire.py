"""The sandbox's side of the wire: requests, answers, fault rules, the request log's records, and
the HTTP handler that turns the standard library's server into calls of a `Dispatcher`.

Everything here is independent of the simulated trackers: the apps (`sandbox.github`,
`sandbox.jira`) build on these primitives, and the composition root (`sandbox.server`) wires
them to a listening socket.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: the current UTC time, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class BadJson(ValueError):
    """The request body is not valid JSON."""


@dataclass(slots=True)
class Request:
    """One HTTP request as an app sees it: `path` is relative to the app's mount point."""

    method: str
    path: str
    full_path: str  # as requested, without the query string
    mount: str  # the prefix the app is mounted at ("" for the root)
    query_pairs: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    host_url: str  # "http://HOST:PORT" from the Host header: absolute URLs are built from it
    _json: Any = field(default=None, repr=False)

    @property
    def query(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.query_pairs:
            out.setdefault(key, []).append(value)
        return out

    def param(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter (as Rails, and so GitHub, reads repeated keys)."""
        values = [v for k, v in self.query_pairs if k == name]
        return values[-1] if values else default

    @property
    def base_url(self) -> str:
        """The absolute URL of the app's mount point."""
        return self.host_url + self.mount

    def json(self) -> Any:
        """The body parsed as JSON (None when empty); raises `BadJson` when it is not JSON."""
        if self._json is None and self.body:
            try:
                self._json = json.loads(self.body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise BadJson(str(exc)) from exc
        return self._json

    def logged_body(self) -> Any:
        """What the request log keeps: the parsed JSON, else the text, else None."""
        if not self.body:
            return None
        try:
            return self.json()
        except BadJson:
            return self.body.decode("utf-8", "replace")


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        try:
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:
            # A lone surrogate (a broken title) cannot be UTF-8; trackers send it as `\ud800`.
            body = json.dumps(data, separators=(",", ":")).encode()
        out = {"content-type": "application/json; charset=utf-8"}
        out.update(headers or {})
        return cls(status, body, out)


def html_page(
    title: str, body: str, status: int = 200, *, content_type: str = "text/html; charset=utf-8"
) -> Response:
    """A tiny browser page for manual trials: `title` is escaped here, `body` is HTML already."""
    title = html.escape(title, quote=True)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return Response(status, page.encode(), {"content-type": content_type})


class App(Protocol):
    """A simulated tracker, mounted by `Sandbox.mount`."""

    name: str

    def handle(self, request: Request) -> Response: ...

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        """How this tracker answers with `status` when a fault says so (its own error shape)."""
        ...


@dataclass(slots=True)
class Fault:
    """One fault rule: which requests it matches, what it does to them, and how many times.

    - `status`: answer with this status without performing the request (`body` and `headers`
      override the app's usual error answer; `retry_after` sets the `retry-after` header);
    - `drop_after`: perform the request, then close the connection without any answer;
    - `delay`: wait this many seconds first (combines with either of the above, or alone);
    - `hold`: perform the request, then wait this many seconds before answering (a client that
      dies meanwhile has made a write it never heard about);
    - `truncate`: cut the answer's body (performed, or the `status` answer) to this many bytes,
      with a matching `Content-Length`, as a proxy that lost the rest would;
    - `link_loop`: give the answer a `Link: <the request's own URL>; rel="next"` header, so a
      client that follows it reads the same page forever;
    - `echo_auth` (with `status`): the answer repeats the request's `Authorization` header: a
      string `body` has `{authorization}` replaced by it (or gets it appended), a JSON object
      answer gets an `authorization` key and the header appended to its `message` (GitHub) or
      `errorMessages` (Jira).

    `method` (None: any) and `path` (a regex searched in the full path, prefix included, e.g.
    `r"/issues/\\d+/comments$"`; None: any) select requests; `times` is how many matching
    requests it affects (None: all until cleared). `hits` counts the ones it affected.
    """

    status: int | None = None
    drop_after: bool = False
    delay: float = 0.0
    hold: float = 0.0
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    truncate: int | None = None
    link_loop: bool = False
    echo_auth: bool = False
    hits: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.echo_auth and self.status is None:
            raise ValueError("`echo_auth` needs `status` (e.g. 401)")
        acts = self.drop_after or self.delay > 0 or self.hold > 0 or self.link_loop
        if self.status is None and not acts and self.truncate is None:
            raise ValueError(
                "a fault needs `status`, `drop_after`, `delay`, `hold`, `truncate` or `link_loop`"
            )
        if self.truncate is not None and self.truncate < 0:
            raise ValueError("`truncate` must be 0 or more bytes")
        if self.status is not None and self.hold > 0:
            raise ValueError("`status` and `hold` exclude each other: nothing is performed")
        if self.status is not None and self.drop_after:
            raise ValueError("`status` and `drop_after` exclude each other")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"bad status {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError("`times` must be at least 1 (or None for every request)")
        self.method = self.method.upper() if self.method else None
        self._pattern = re.compile(self.path) if self.path else None
        self.headers = {k.lower(): str(v) for k, v in self.headers.items()}
        if self.retry_after is not None:
            self.headers["retry-after"] = f"{self.retry_after:g}"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Fault:
        allowed = {"status", "drop_after", "delay", "hold", "times", "method", "path"}
        allowed |= {"retry_after"}
        allowed |= {"headers", "body", "truncate", "link_loop", "echo_auth"}
        unknown = set(raw) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        return cls(**raw)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    @property
    def kind(self) -> str:
        if self.status is not None:
            return "status"
        if self.drop_after:
            return "drop_after"
        if self.hold > 0:
            return "hold"
        if self.truncate is not None:
            return "truncate"
        return "link_loop" if self.link_loop else "delay"

    def shape(self, response: Response, request: Request) -> Response:
        """The answer as this fault delivers it (echoed credentials, a looping link, cut)."""
        if self.echo_auth:
            response = _echo_authorization(response, request.headers.get("authorization", ""))
        if self.link_loop:
            query = f"?{urlencode(request.query_pairs)}" if request.query_pairs else ""
            own = f"{request.host_url}{quote(request.full_path)}{query}"
            response.headers["link"] = f'<{own}>; rel="next"'
        if self.truncate is not None:
            response.body = response.body[: self.truncate]
        return response

    def to_dict(self) -> dict[str, Any]:
        keys = ("status", "drop_after", "delay", "hold", "times", "method", "path", "headers")
        keys += ("body", "truncate", "link_loop", "echo_auth")
        return {k: getattr(self, k) for k in keys} | {"hits": self.hits}


def _echo_authorization(response: Response, echoed: str) -> Response:
    """`response` repeating the request's Authorization header, as a careless proxy would."""
    if "json" in response.headers.get("content-type", ""):
        try:
            data = json.loads(response.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("message"), str):
                data["message"] += f" (Authorization: {echoed})"
            if isinstance(data.get("errorMessages"), list):
                data["errorMessages"].append(f"Authorization: {echoed}")
            data["authorization"] = echoed
            response.body = json.dumps(data).encode()
            return response
    text = response.body.decode("utf-8", "replace")
    if "{authorization}" in text:
        text = text.replace("{authorization}", echoed)
    else:
        text += f"\nAuthorization: {echoed}\n"
    response.body = text.encode()
    return response


class Faults:
    """The active fault rules; the first live rule matching a request takes it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._rules:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._rules.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One answered (or dropped) request. `path` is the full path, mount prefix included."""

    method: str
    path: str
    app: str  # the app's name ("github", "github-web", …)
    query: dict[str, list[str]]
    status: int  # what the app answered; for a dropped request, what it would have answered
    body: Any  # the request body: parsed JSON, else text, else None
    time: datetime  # by the sandbox's clock
    dropped: bool = False  # the client got no answer (a `drop_after` fault)
    fault: str | None = None  # the fault kind that affected it

    def to_dict(self) -> dict[str, Any]:
        keys = ("method", "path", "app", "query", "status", "body", "dropped", "fault")
        return {k: getattr(self, k) for k in keys} | {"time": self.time.isoformat()}


class Dispatcher(Protocol):
    """What the handler hands each request to; None means: close without an answer."""

    def dispatch(self, request: Request) -> Response | None: ...


class RequestHandler(BaseHTTPRequestHandler):
    """Reads one request off the socket, asks the server's `dispatcher`, writes the answer."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs; every answer has a Content-Length
    disable_nagle_algorithm = True  # else headers and body, written apart, stall ~40 ms

    def version_string(self) -> str:
        return "delivery-sync-sandbox"

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        host = self.headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=unquote(split.path),
            full_path=unquote(split.path),
            mount="",
            query_pairs=parse_qsl(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            host_url=f"http://{host}",
        )
        dispatcher: Dispatcher = self.server.dispatcher  # type: ignore[attr-defined]
        response = dispatcher.dispatch(request)
        if response is None:
            # No status line at all: the client sees the connection closed (RemoteDisconnected).
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):  # they have no body, and so no length
            self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log replaces stderr chatter
