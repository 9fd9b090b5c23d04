"""The sandbox: simulated tracker REST APIs on loopback, for the `demo` and `sandbox` commands,
the tests and the benchmarks. This is the composition root: it builds the apps from a seed,
mounts them, serves them, keeps the request log and injects faults.

`Sandbox` serves *apps* (one per simulated tracker, see `sandbox.wire.App`) with the standard
library's threading HTTP server on 127.0.0.1. Each app is mounted at a path prefix and sees
paths relative to it: the GitHub app at `/github` (the API base, like GitHub Enterprise's
`/api/v3`), its browser pages at the root; the Jira app at `/jira` (the site's base URL, like
`https://acme.atlassian.net`), in Cloud or Data Center mode (`jira_mode`).

The server keeps a log of every request an app answered (`Sandbox.requests`) and injects faults
on demand (`Sandbox.inject`, see `sandbox.wire.Fault`): answer with an error status without
performing the request, perform it and then drop the connection without answering, or delay the
answer. Faults also make answers that lie, as proxies, captive portals and broken servers do: a
`200` with an HTML page (`status` 200 with a string `body`), a body cut after N bytes
(`truncate`), a `Link: rel="next"` pointing back at the page just read (`link_loop`), a 401 that
echoes the request's `Authorization` header (`echo_auth`).

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
import re
import shlex
import sys
import threading
import traceback
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from sandbox import seed as seeds
from sandbox.github.app import GitHubApp
from sandbox.github.web import GitHubWeb
from sandbox.jira.app import JiraApp
from sandbox.wire import (
    App,
    BadJson,
    Clock,
    Fault,
    Faults,
    Request,
    RequestHandler,
    RequestRecord,
    Response,
    utc_now,
)

CONTROL_PREFIX = "/_sandbox"
GITHUB_PREFIX = "/github"
JIRA_PREFIX = "/jira"
LOG_LIMIT = 100_000  # oldest records are forgotten beyond this, so a long `serve` stays bounded


class Sandbox:
    """Simulated trackers on 127.0.0.1; see the module docstring.

    `seed` is a seed name under `sandbox/seeds` ("demo"), a JSON file path, a seed document
    (e.g. from `benchmarks.synthetic.generate_github`) or None for no data. `now` anchors the
    seed's relative dates (default: the current time); `clock` is what mutations stamp
    (`updated_at`, new comments) and rate-limit resets use (default: the current time, read on
    each request). `jira_mode` is "cloud" (Jira Cloud) or "server" (Jira Data Center).
    """

    def __init__(
        self,
        seed: seeds.Source = "demo",
        *,
        now: datetime | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        jira_mode: str = "cloud",
    ) -> None:
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
        self.mount("", GitHubWeb(self.github.store))

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
        server = ThreadingHTTPServer((self._host, self._port), RequestHandler)
        server.daemon_threads = True
        server.dispatcher = self  # type: ignore[attr-defined]
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


def serve(
    port: int = 8080,
    seed: seeds.Source = "demo",
    *,
    host: str = "127.0.0.1",
    now: datetime | None = None,
    out: Any = None,
    jira_mode: str = "cloud",
) -> None:
    """Run a sandbox in the foreground until interrupted, printing the environment to point a
    client at it as `export` lines a shell takes as they are. Raises OSError when the port
    cannot be bound and ValueError for an unknown seed."""
    out = out or sys.stdout
    sandbox = Sandbox(seed, now=now, port=port, host=host, jira_mode=jira_mode).start()
    print("\n".join(_instructions(sandbox, seed)), file=out, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _instructions(sandbox: Sandbox, seed: seeds.Source) -> list[str]:
    if sandbox.jira_mode == "cloud":
        jira_auth = {"JIRA_EMAIL": sandbox.jira_email, "JIRA_API_TOKEN": sandbox.jira_api_token}
    else:
        jira_auth = {"JIRA_PAT": sandbox.jira_pat}
    environment = {
        "GITHUB_API_URL": sandbox.github_url,
        "GITHUB_TOKEN": sandbox.github_token,
        "JIRA_URL": sandbox.jira_url,
        **jira_auth,
        # The sandbox has no secondary rate limit: no pause between writes.
        "DELIVERY_SYNC_GITHUB_WRITE_PAUSE": "0",
    }
    return [
        f"# delivery-sync sandbox on {sandbox.url}  (seed: {seed}, Jira: {sandbox.jira_mode})",
        "# paste these into another shell, then run e.g. `delivery-sync validate --online "
        "--config mappings/examples/demo.yaml`:",
        *(f"export {name}={shlex.quote(value)}" for name, value in environment.items()),
        f"# browse:   {sandbox.url}/   {sandbox.jira_url}/",
        f"# requests: {sandbox.url}{CONTROL_PREFIX}/requests   faults: {CONTROL_PREFIX}/faults",
        "# Press Ctrl-C to stop.",
    ]


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated trackers on loopback.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--seed", default="demo", help="seed name or JSON file (default: demo)")
    parser.add_argument("--jira-mode", choices=("cloud", "server"), default="cloud")
    args = parser.parse_args(argv)
    serve(args.port, args.seed, jira_mode=args.jira_mode)


if __name__ == "__main__":
    _main()
