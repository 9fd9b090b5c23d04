"""The sandbox: simulated tracker REST APIs on loopback, for tests, the demo and benchmarks.

`Sandbox` serves *apps* (one per simulated tracker) with the standard library's threading HTTP
server on 127.0.0.1. Each app is mounted at a path prefix and sees paths relative to it: the
GitHub app at `/github` (the API base, like GitHub Enterprise's `/api/v3`), its browser pages at
the root; the Jira app at `/jira` (the site's base URL, like `https://acme.atlassian.net`), in
Cloud or Data Center mode (`jira_mode`). An app is any object with `name`,
`handle(request) -> Response` and `fault_response(request, status, fault) -> Response`.

The server keeps a log of every request an app answered (`Sandbox.requests`) and injects faults
on demand (`Sandbox.inject`): answer with an error status without performing the request, perform
it and then drop the connection without answering, or delay the answer. Faults also make answers
that lie, as proxies, captive portals and broken servers do: a `200` with an HTML page (`status`
200 with a string `body`), a body cut after N bytes (`truncate`), a `Link: rel="next"` pointing
back at the page just read (`link_loop`), a 401 that echoes the request's `Authorization`
header (`echo_auth`).

Control endpoints (no authentication; loopback only), for tests that drive another process:

    GET    /_sandbox/requests   the request log as JSON
    DELETE /_sandbox/requests   clear the log
    GET    /_sandbox/faults     the active faults
    POST   /_sandbox/faults     add faults: one object or a list, the keywords of `Sandbox.inject`
    DELETE /_sandbox/faults     remove all faults

For manual trials: `python -m sandbox.server --port 8080` (or `delivery-sync sandbox`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from sandbox import seed as seeds

Clock = Callable[[], datetime]
SeedSource = str | Path | Mapping[str, Any] | None

CONTROL_PREFIX = "/_sandbox"
GITHUB_PREFIX = "/github"
JIRA_PREFIX = "/jira"
LOG_LIMIT = 100_000  # oldest records are forgotten beyond this, so a long `serve` stays bounded


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

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"content-type": "text/html; charset=utf-8"})


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


class Sandbox:
    """Simulated trackers on 127.0.0.1; see the module docstring.

    `seed` is a seed name under `sandbox/seeds` ("demo"), a JSON file path, a seed
    document (e.g. from `seed.generate_github`) or None for no data. `now` anchors the seed's
    relative dates (default: the current time); `clock` is what mutations stamp (`updated_at`,
    new comments) and rate-limit resets use (default: the current time, read on each request).
    `jira_mode` is "cloud" (Jira Cloud) or "server" (Jira Data Center).
    """

    def __init__(
        self,
        seed: SeedSource = "demo",
        *,
        now: datetime | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        jira_mode: str = "cloud",
    ) -> None:
        # The apps import this module's primitives, so they are imported here, not at the top.
        from sandbox.github import GitHubApp, GitHubWeb
        from sandbox.jira import JiraApp

        self.clock: Clock = clock or utc_now
        self.anchor = (now or utc_now()).astimezone(UTC).replace(microsecond=0)
        data = seeds.materialise(seeds.load(seed), self.anchor)
        self.github = GitHubApp(data.get("github"), clock=self.clock)
        self.jira = JiraApp(data.get("jira"), mode=jira_mode, clock=self.clock)
        self._host, self._port = host, port
        self._mounts: list[tuple[str, App]] = []
        self._log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)
        self._log_lock = threading.Lock()
        self._faults = Faults()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.mount(GITHUB_PREFIX, self.github)
        self.mount(JIRA_PREFIX, self.jira)
        self.mount("", GitHubWeb(self.github))

    # -- apps and lifecycle -------------------------------------------------------------------

    def mount(self, prefix: str, app: App) -> None:
        """Serve `app` under `prefix` ("" for the root); the longest matching prefix wins."""
        prefix = prefix.rstrip("/")
        if prefix == CONTROL_PREFIX:
            raise ValueError(f"{CONTROL_PREFIX} is reserved")
        self._mounts = [(p, a) for p, a in self._mounts if p != prefix] + [(prefix, app)]
        self._mounts.sort(key=lambda item: len(item[0]), reverse=True)

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((self._host, self._port), _Handler)
        server.daemon_threads = True
        server.sandbox = self  # type: ignore[attr-defined]
        self._server = server
        self._port = server.server_address[1]
        self.github.set_base_urls(self.url, self.github_url)
        self.jira.set_base_url(self.jira_url)
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes delayed requests
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def github_url(self) -> str:
        return self.url + GITHUB_PREFIX

    @property
    def github_token(self) -> str:
        return self.github.token

    @property
    def jira_url(self) -> str:
        """The Jira site's base URL (REST under `/rest/api/2`), for `JIRA_URL`."""
        return self.url + JIRA_PREFIX

    @property
    def jira_mode(self) -> str:
        return self.jira.mode

    @property
    def jira_email(self) -> str:
        """Cloud basic auth: `Authorization: Basic base64(jira_email:jira_api_token)`."""
        return self.jira.email

    @property
    def jira_api_token(self) -> str:
        return self.jira.api_token

    @property
    def jira_pat(self) -> str:
        """Data Center: `Authorization: Bearer <jira_pat>`."""
        return self.jira.pat

    # -- request log and faults ---------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def inject(
        self,
        *,
        status: int | None = None,
        drop_after: bool = False,
        delay: float = 0.0,
        hold: float = 0.0,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        truncate: int | None = None,
        link_loop: bool = False,
        echo_auth: bool = False,
    ) -> Fault:
        """Add a fault rule (see `Fault`); returns it, so a test can read `hits`."""
        fault = Fault(
            status=status,
            drop_after=drop_after,
            delay=delay,
            hold=hold,
            times=times,
            method=method,
            path=path,
            retry_after=retry_after,
            headers=dict(headers or {}),
            body=body,
            truncate=truncate,
            link_loop=link_loop,
            echo_auth=echo_auth,
        )
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.active()

    # -- dispatch (called from the server's threads) ----------------------------------------

    def dispatch(self, request: Request) -> Response | None:
        """Answer one request; None means: close the connection without an answer."""
        if _under(request.full_path, CONTROL_PREFIX):
            return self._control(request)
        prefix, app = self._route(request.full_path)
        request.mount = prefix
        request.path = request.full_path[len(prefix) :] or "/"
        fault = self._faults.take(request.method, request.full_path)
        if fault is not None and fault.delay > 0 and self._stopping.wait(fault.delay):
            return None
        if fault is not None and fault.status is not None:
            response = app.fault_response(request, fault.status, fault)
        else:
            response = self._call(app, request)
        if fault is not None:
            response = fault.shape(response, request)
        dropped = fault is not None and fault.drop_after
        self._record(request, app, response.status, dropped, fault)
        if fault is not None and fault.hold > 0 and self._stopping.wait(fault.hold):
            return None
        return None if dropped else response

    def _route(self, path: str) -> tuple[str, App]:
        for prefix, app in self._mounts:
            if _under(path, prefix):
                return prefix, app
        raise LookupError("no app is mounted at the root")

    @staticmethod
    def _call(app: App, request: Request) -> Response:
        try:
            return app.handle(request)
        except Exception:  # a bug in an app must not kill the connection silently
            traceback.print_exc(file=sys.stderr)
            return Response.json({"message": "Sandbox internal error"}, status=500)

    def _record(
        self, request: Request, app: App, status: int, dropped: bool, fault: Fault | None
    ) -> None:
        record = RequestRecord(
            method=request.method,
            path=request.full_path,
            app=app.name,
            query=request.query,
            status=status,
            body=request.logged_body(),
            time=self.clock(),
            dropped=dropped,
            fault=fault.kind if fault else None,
        )
        with self._log_lock:
            self._log.append(record)

    def _control(self, request: Request) -> Response:
        what = request.full_path[len(CONTROL_PREFIX) :].strip("/")
        if what == "requests" and request.method == "GET":
            return Response.json([r.to_dict() for r in self.requests])
        if what == "faults" and request.method == "GET":
            return Response.json([f.to_dict() for f in self.faults])
        if what in ("requests", "faults") and request.method == "DELETE":
            self.clear_requests() if what == "requests" else self.clear_faults()
            return Response(204)
        if what == "faults" and request.method == "POST":
            try:
                raw = request.json()
                specs = raw if isinstance(raw, list) else [raw]
                added = [self._faults.add(Fault.from_dict(spec)) for spec in specs]
            except (BadJson, TypeError, ValueError, re.error) as exc:
                return Response.json({"message": f"bad fault: {exc}"}, status=400)
            return Response.json([f.to_dict() for f in added], status=201)
        return Response.json({"message": "Not Found"}, status=404)


def _under(path: str, prefix: str) -> bool:
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


class _Handler(BaseHTTPRequestHandler):
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
        response = self.server.sandbox.dispatch(request)  # type: ignore[attr-defined]
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


def serve(
    port: int = 8080,
    seed: SeedSource = "demo",
    *,
    host: str = "127.0.0.1",
    now: datetime | None = None,
    out: Any = None,
    jira_mode: str = "cloud",
) -> None:
    """Run a sandbox in the foreground until interrupted, printing where to point a client."""
    out = out or sys.stdout
    sandbox = Sandbox(seed, now=now, port=port, host=host, jira_mode=jira_mode).start()
    if sandbox.jira_mode == "cloud":
        jira_auth = (
            f"  JIRA_EMAIL={sandbox.jira_email}",
            f"  JIRA_API_TOKEN={sandbox.jira_api_token}",
        )
    else:
        jira_auth = (f"  JIRA_PAT={sandbox.jira_pat}",)
    lines = (
        f"delivery-sync sandbox on {sandbox.url}  (seed: {seed}, Jira: {sandbox.jira_mode})",
        f"  GITHUB_API_URL={sandbox.github_url}",
        f"  GITHUB_TOKEN={sandbox.github_token}",
        f"  JIRA_URL={sandbox.jira_url}",
        *jira_auth,
        f"  browse:   {sandbox.url}/   {sandbox.jira_url}/",
        f"  requests: {sandbox.url}{CONTROL_PREFIX}/requests   faults: {CONTROL_PREFIX}/faults",
        "Press Ctrl-C to stop.",
    )
    print("\n".join(lines), file=out, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated trackers on loopback.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--seed", default="demo", help="seed name or JSON file (default: demo)")
    parser.add_argument("--jira-mode", choices=("cloud", "server"), default="cloud")
    args = parser.parse_args(argv)
    serve(args.port, args.seed, jira_mode=args.jira_mode)


if __name__ == "__main__":
    _main()
