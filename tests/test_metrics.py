"""Metrics of a batch job: the node-exporter textfile after a real cycle against the sandbox, the
Pushgateway push (to a listener on 127.0.0.1), and /metrics served in loop mode."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mappings.config import load_mapping
from mappings.forecast import Health
from tests.e2e import (
    DEMO_MAPPING,
    GITHUB_MAPPING,
    GITHUB_TARGETS,
    bot_comments,
    cli_environment,
    marker_of,
    run_cli,
)
from worker.metrics import LAST_SUCCESS, WRITE_OUTCOMES

NAMES = {
    LAST_SUCCESS,
    "delivery_sync_run_duration_seconds",
    "delivery_sync_requests",  # the parser names a counter family without `_total`
    "delivery_sync_writes",
    "delivery_sync_failures",
    "delivery_sync_rate_limit_remaining",
    "delivery_sync_deliverables",
}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a text exposition: (name, sorted labels) → value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def by_label(found: dict, name: str, label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for (n, labels), value in found.items() if n == name}


def metrics_run(sandbox, state, path: Path, config: Path = DEMO_MAPPING, **env):
    return run_cli(
        ["run", "--once"],
        sandbox,
        state,
        config=config,
        env={"DELIVERY_SYNC_METRICS_FILE": str(path), **env},
    )


def test_the_textfile_after_a_cycle_holds_the_runs_requests_comments_and_statuses(
    sandbox, state, tmp_path
):
    path = tmp_path / "delivery-sync.prom"
    before = datetime.now(UTC).timestamp()
    done = metrics_run(sandbox, state, path)
    after = datetime.now(UTC).timestamp()
    assert done.code == 0, done.err

    families = {f.name for f in text_string_to_metric_families(path.read_text())}
    assert families == NAMES
    found = samples(path.read_text())
    # Requests: exactly what the sandbox answered, per tracker, GETs being the reads.
    requests = {
        (dict(labels)["tracker"], dict(labels)["kind"]): value
        for (name, labels), value in found.items()
        if name == "delivery_sync_requests_total"
    }
    logged = {
        (tracker, kind): sum(
            1
            for r in sandbox.requests
            if r.app == tracker and (r.method == "GET") == (kind == "read")
        )
        for tracker in ("github", "jira")
        for kind in ("read", "write")
    }
    assert requests == logged
    assert logged[("github", "write")] > 0 and logged[("jira", "write")] > 0
    # Comments: the first run creates every report, each one POST.
    writes = by_label(found, "delivery_sync_writes_total", "outcome")
    assert set(writes) == {o.value for o in WRITE_OUTCOMES}
    posts = [r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/comments")]
    posts += [r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/comment")]
    assert writes["created"] == len(posts) == 8
    assert sum(writes.values()) == writes["created"]
    assert by_label(found, "delivery_sync_failures_total", "what") == {
        "source": 0,
        "comment": 0,
        "deliverable": 0,
        "item": 0,
    }
    # Deliverables: one series per status word, zeros included, counting what was posted.
    statuses = by_label(found, "delivery_sync_deliverables", "status")
    assert set(statuses) == {h.value for h in Health}
    posted = {
        marker_of(c)["deliverable"]: c["body"].split("Status: ", 1)[1].split("\n", 1)[0]
        for repo, number in GITHUB_TARGETS
        for c in bot_comments(sandbox, repo, number)
        if marker_of(c)["role"] == "delivery-lead"
    }
    assert sum(statuses.values()) == len(posted) == 3
    assert statuses == {h.value: list(posted.values()).count(h.value) for h in Health}
    # The quota the trackers announced last.
    remaining = by_label(found, "delivery_sync_rate_limit_remaining", "source")
    assert set(remaining) == {"web", "api", "plat"}
    assert min(remaining["web"], remaining["api"]) == sandbox.github.rate.remaining
    assert remaining["plat"] == sandbox.jira.rate.remaining
    # When, and how long.
    last_success = found[(LAST_SUCCESS, ())]
    assert before <= last_success <= after
    assert 0 < found[("delivery_sync_run_duration_seconds", ())] <= after - before


def test_an_idle_run_counts_its_comments_unchanged_and_writes_nothing(sandbox, state, tmp_path):
    path = tmp_path / "delivery-sync.prom"
    assert metrics_run(sandbox, state, path).code == 0
    first = samples(path.read_text())
    assert metrics_run(sandbox, state, path).code == 0
    second = samples(path.read_text())
    writes = by_label(second, "delivery_sync_writes_total", "outcome")
    assert writes["unchanged"] == 8 and writes["created"] == writes["edited"] == 0
    assert all(
        value == 0
        for (name, labels), value in second.items()
        if name == "delivery_sync_requests_total" and dict(labels)["kind"] == "write"
    )
    assert second[(LAST_SUCCESS, ())] > first[(LAST_SUCCESS, ())]
    # Reports left unchanged are not recomputed; they count with the status they were posted with.
    statuses = by_label(second, "delivery_sync_deliverables", "status")
    assert statuses == by_label(first, "delivery_sync_deliverables", "status")
    assert sum(statuses.values()) == 3


def test_a_failed_run_keeps_the_last_success_and_counts_what_failed(sandbox, state, tmp_path):
    path = tmp_path / "delivery-sync.prom"
    assert metrics_run(sandbox, state, path, config=GITHUB_MAPPING).code == 0
    succeeded = samples(path.read_text())[(LAST_SUCCESS, ())]

    sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
    failed = metrics_run(sandbox, state, path, config=GITHUB_MAPPING)
    assert failed.code == 1
    found = samples(path.read_text())
    assert found[(LAST_SUCCESS, ())] == succeeded
    failures = by_label(found, "delivery_sync_failures_total", "what")
    assert failures["source"] == 1
    assert failures["deliverable"] >= 1
    statuses = by_label(found, "delivery_sync_deliverables", "status")
    # The held-back deliverables are counted as failures, not under a status word.
    deliverables = len(load_mapping(GITHUB_MAPPING).deliverables)
    assert sum(statuses.values()) + failures["deliverable"] == deliverables


def test_a_first_run_that_fails_writes_zero_so_the_staleness_alert_fires(sandbox, state, tmp_path):
    path = tmp_path / "delivery-sync.prom"
    sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
    assert metrics_run(sandbox, state, path, config=GITHUB_MAPPING).code == 1
    assert samples(path.read_text())[(LAST_SUCCESS, ())] == 0


def test_a_textfile_that_cannot_be_written_is_a_warning_not_the_exit_code(sandbox, state, tmp_path):
    path = tmp_path / "missing-directory" / "delivery-sync.prom"
    done = metrics_run(sandbox, state, path)
    assert done.code == 0
    events = [json.loads(line) for line in done.err.splitlines() if line.startswith("{")]
    assert [e["path"] for e in events if e["event"] == "metrics.write_failed"] == [str(path)]


def test_a_dry_run_writes_no_metrics(sandbox, state, tmp_path):
    path = tmp_path / "delivery-sync.prom"
    done = run_cli(
        ["run", "--once", "--dry-run"],
        sandbox,
        state,
        env={"DELIVERY_SYNC_METRICS_FILE": str(path)},
    )
    assert done.code == 0
    assert not path.exists()


# ---- Pushgateway ------------------------------------------------------------------------------


class _Gateway(ThreadingHTTPServer):
    """A stand-in Pushgateway on 127.0.0.1: keeps every request, answers `status`."""

    def __init__(self, status: int = 200):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.status = status
        self.received: list[tuple[str, str, str]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> _Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()


class _GatewayHandler(BaseHTTPRequestHandler):
    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.server.received.append((self.command, self.path, body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = _record

    def log_message(self, *args: object) -> None:
        pass


def test_each_run_is_pushed_to_the_pushgateway_and_a_failed_one_keeps_its_last_success(
    sandbox, state
):
    with _Gateway() as gateway:
        env = {"DELIVERY_SYNC_PUSHGATEWAY": gateway.url}
        first = run_cli(["run", "--once"], sandbox, state, env=env)
        sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
        second = run_cli(["run", "--once"], sandbox, state, env=env)
    assert (first.code, second.code) == (0, 1)
    assert [(method, path) for method, path, _ in gateway.received] == [
        ("POST", "/metrics/job/delivery-sync"),
        ("POST", "/metrics/job/delivery-sync"),
    ]
    pushed = samples(gateway.received[0][2])
    assert {name for name, _ in pushed} >= {
        LAST_SUCCESS,
        "delivery_sync_requests_total",
        "delivery_sync_writes_total",
        "delivery_sync_failures_total",
        "delivery_sync_deliverables",
    }
    assert by_label(pushed, "delivery_sync_writes_total", "outcome")["created"] == 6
    # POST replaces only the families sent: without a success to report, the failed run sends
    # none, and the gateway keeps the first run's.
    failed = samples(gateway.received[1][2])
    assert LAST_SUCCESS not in {name for name, _ in failed}
    assert by_label(failed, "delivery_sync_failures_total", "what")["source"] == 1


@pytest.mark.parametrize("answer", [500, None], ids=["gateway-error", "nobody-listening"])
def test_a_failing_push_is_a_warning_and_never_the_exit_code(sandbox, state, answer):
    with _Gateway(status=answer or 200) as gateway:
        url = gateway.url
        if answer is None:
            gateway.shutdown()
            gateway.server_close()
        done = run_cli(["run", "--once"], sandbox, state, env={"DELIVERY_SYNC_PUSHGATEWAY": url})
    assert done.code == 0
    events = [json.loads(line) for line in done.err.splitlines() if line.startswith("{")]
    warnings = [e for e in events if e["event"] == "metrics.push_failed"]
    assert [w["gateway"] for w in warnings] == [url]
    assert sandbox.github_token not in done.err


def test_a_pushgateway_url_with_credentials_is_refused_without_showing_them(sandbox, state):
    done = run_cli(
        ["run", "--once"],
        sandbox,
        state,
        env={"DELIVERY_SYNC_PUSHGATEWAY": "http://push:hunter22@gateway:9091"},
    )
    assert done.code == 2
    assert "DELIVERY_SYNC_PUSHGATEWAY" in done.err and "hunter22" not in done.err


# ---- /metrics in loop mode --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            return answer.read().decode()
    except OSError:
        return None


def _run_in_loop_mode(monkeypatch, sandbox, state, port: int, watch) -> int:
    """`run --interval 1s` in this process (signal handlers need the main thread), with the
    test runtime; `watch(runtime)` runs beside it and sets its stop when it has seen enough."""
    from worker.cli import main
    from worker.runtime import Runtime

    environment = cli_environment(sandbox, state, DEMO_MAPPING) | {
        "DELIVERY_SYNC_METRICS_PORT": str(port)
    }
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "JIRA_", "DELIVERY_SYNC_")):
            monkeypatch.delenv(name)  # only the sandbox's environment, as run_cli gives
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    runtime = Runtime(sleep=lambda seconds: None, out=io.StringIO())
    watcher = threading.Thread(target=watch, args=(runtime,), daemon=True)
    watcher.start()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["run", "--interval", "1s"], runtime=runtime)
    watcher.join(timeout=60)
    return code


def test_loop_mode_serves_each_iterations_metrics_and_stops_serving_at_the_end(
    monkeypatch, sandbox, state
):
    port = _free_port()
    scraped: list[dict] = []

    def watch(runtime) -> None:
        # Stop after the second iteration's metrics were served (a deadline, not a timing
        # assertion: a slow machine only waits longer).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(scraped) < 2:
            text = _scrape(port)
            if text and LAST_SUCCESS in text:
                found = samples(text)
                if not scraped or found[(LAST_SUCCESS, ())] != scraped[-1][(LAST_SUCCESS, ())]:
                    scraped.append(found)
            time.sleep(0.05)
        runtime.stop.set()

    assert _run_in_loop_mode(monkeypatch, sandbox, state, port, watch) == 0
    assert len(scraped) == 2
    first, second = (by_label(s, "delivery_sync_writes_total", "outcome") for s in scraped)
    assert first["created"] == 8 and first["unchanged"] == 0
    assert second["created"] == 0 and second["unchanged"] == 8
    assert sum(by_label(scraped[1], "delivery_sync_deliverables", "status").values()) == 3
    assert _scrape(port) is None  # the server stopped with the loop


def test_a_metrics_port_in_use_exits_2_naming_the_variable(sandbox, state):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli(
            ["run", "--interval", "1m"],
            sandbox,
            state,
            env={"DELIVERY_SYNC_METRICS_PORT": str(port), "DELIVERY_SYNC_LOG_FORMAT": "console"},
        )
    assert done.code == 2
    assert f"DELIVERY_SYNC_METRICS_PORT: cannot serve /metrics on 127.0.0.1:{port}" in done.err
    assert "Traceback" not in done.err
    assert sandbox.requests == []  # it stopped before any cycle


def test_the_readme_names_only_metrics_a_run_writes_and_its_alert_rules_parse(
    sandbox, state, tmp_path
):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    monitoring = readme.split("\n## Monitoring\n", 1)[1].split("\n## ", 1)[0]
    path = tmp_path / "delivery-sync.prom"
    assert metrics_run(sandbox, state, path).code == 0
    written = {name for name, _ in samples(path.read_text())}
    named = set(re.findall(r"\bdelivery_sync_[a-z_]+", monitoring)) - {"delivery_sync_"}
    assert named == written
    rules = yaml.safe_load(re.search(r"```yaml\n(groups:.+?)```", monitoring, re.S).group(1))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert any("time() - delivery_sync_last_success_timestamp_seconds" in e for e in exprs)
    assert "delivery_sync_failures_total > 0" in exprs
