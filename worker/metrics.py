"""Prometheus metrics of each run, for a batch job: built from the run's outcome, written as a
node-exporter textfile, pushed to a Pushgateway, and served on /metrics in loop mode.

Every figure is the last run's: counters (`…_total`) count that run's requests, comments and
failures, starting from zero each run as a restarted process's would, so an alert reads the
value itself (`delivery_sync_failures_total > 0`). The one figure that outlives a run is
`delivery_sync_last_success_timestamp_seconds` — the end of the last run that exited 0 — which
an alert on a job that silently stopped working needs even while runs fail: a failed run
repeats the previous value (read back from the textfile, or remembered in loop mode), writes 0
when none is known, and leaves the Pushgateway's value alone. Metrics never change a run's exit
code: a file that cannot be written or a push that fails is a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from worker.publisher import Outcome

# prometheus_client is imported where metrics are built, written or served: a run that sends
# them nowhere (no textfile, no Pushgateway, no port) starts without it.
if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

    from worker.cycle import Cycle, CycleResult
    from worker.settings import Settings

log = structlog.get_logger("delivery_sync.metrics")

JOB = "delivery-sync"  # the Pushgateway's job label
LAST_SUCCESS = "delivery_sync_last_success_timestamp_seconds"
PUSH_TIMEOUT_SECONDS = 10
# What a comment can come to in a real run (the dry run's "would …" never reach metrics).
WRITE_OUTCOMES = tuple(o for o in Outcome if not o.value.startswith("would "))


class MetricsUnavailable(Exception):
    """/metrics cannot be served (the port is taken, the address is not this machine's)."""


@dataclass(frozen=True, slots=True)
class TrackerRequests:
    """One source's requests in a run, and the quota its tracker said was left."""

    source: str
    tracker: str  # "github" | "jira"
    reads: int
    writes: int
    rate_limit_remaining: int | None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What the metrics say about one run: when it ran, its exit code, its requests per source,
    its comments by outcome, its failures by kind, and its deliverables by status word."""

    started: datetime
    finished: datetime
    exit_code: int
    requests: tuple[TrackerRequests, ...]
    comments: Mapping[str, int]
    failures: Mapping[str, int]
    statuses: Mapping[str, int]

    @classmethod
    def of(
        cls, result: CycleResult, cycle: Cycle, started: datetime, finished: datetime
    ) -> RunOutcome:
        """The outcome of `cycle`'s run that gave `result`, read from its trackers' request
        counts and (for reports left unchanged) its state store."""
        requests = tuple(
            TrackerRequests(
                source,
                t.kind,
                t.stats.reads,
                t.stats.writes,
                t.stats.rate_limit_remaining,
            )
            for source, t in sorted(cycle.trackers.items())
        )
        return cls(
            started,
            finished,
            result.exit_code,
            requests,
            comments={o.value: result.count(o) for o in WRITE_OUTCOMES},
            failures={
                "source": len(result.failed_sources),
                "comment": len(result.failed_writes),
                "deliverable": len(result.skipped),
                "item": sum(len(keys) for keys in result.unreadable.values()),
            },
            statuses=_statuses(result, cycle),
        )


def _statuses(result: CycleResult, cycle: Cycle) -> dict[str, int]:
    """Reported deliverables by status word. A report whose inputs did not change was not
    recomputed this cycle: it counts with the status it was last published with."""
    words = [lead.health.value for lead, _ in result.views.values()]
    for deliverable_id in result.unchanged:
        publication = cycle.state.publication(deliverable_id)
        if publication is not None and publication.status:
            words.append(str(publication.status))
    from mappings.forecast import Health  # when metrics are recorded, not at every start-up

    return {h.value: words.count(h.value) for h in Health}


def families(run: RunOutcome, last_success: float | None) -> list[Metric]:
    """The metric families of one run. `last_success` (Unix seconds) is left out when None."""
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    out: list[Metric] = []
    if last_success is not None:
        help_text = "When the last run that exited 0 ended, in Unix seconds (0: none known)"
        out.append(GaugeMetricFamily(LAST_SUCCESS, help_text, value=last_success))
    duration = (run.finished - run.started).total_seconds()
    out += [
        GaugeMetricFamily(
            "delivery_sync_run_duration_seconds", "How long the last run took", value=duration
        ),
        _requests(run.requests),
        _labelled(
            CounterMetricFamily("delivery_sync_writes", _WRITES, labels=["outcome"]),
            run.comments,
        ),
        _labelled(
            CounterMetricFamily("delivery_sync_failures", _FAILURES, labels=["what"]),
            run.failures,
        ),
        _rate_limits(run.requests),
        _labelled(
            GaugeMetricFamily("delivery_sync_deliverables", _DELIVERABLES, labels=["status"]),
            run.statuses,
        ),
    ]
    return out


_WRITES = "Comments (reports, notices, nudges) in the last run, by what was done with them"
_FAILURES = (
    "What failed in the last run: sources that did not fetch, comment writes, deliverables "
    "not reported, items that could not be read"
)
_DELIVERABLES = "Deliverables reported in the last run, by the word of their Status: line"


def _labelled(family: CounterMetricFamily | GaugeMetricFamily, values: Mapping[str, int]) -> Metric:
    for label, value in values.items():
        family.add_metric([label], value)
    return family


def _requests(requests: Sequence[TrackerRequests]) -> Metric:
    from prometheus_client.core import CounterMetricFamily

    family = CounterMetricFamily(
        "delivery_sync_requests",
        "Requests sent to the trackers in the last run (every attempt, retries included)",
        labels=["tracker", "kind"],
    )
    for tracker in sorted({r.tracker for r in requests}):
        mine = [r for r in requests if r.tracker == tracker]
        family.add_metric([tracker, "read"], sum(r.reads for r in mine))
        family.add_metric([tracker, "write"], sum(r.writes for r in mine))
    return family


def _rate_limits(requests: Sequence[TrackerRequests]) -> Metric:
    from prometheus_client.core import GaugeMetricFamily

    family = GaugeMetricFamily(
        "delivery_sync_rate_limit_remaining",
        "Requests the tracker said were left in its rate-limit window, at the source's last answer",
        labels=["source"],
    )
    for r in requests:
        if r.rate_limit_remaining is not None:
            family.add_metric([r.source], r.rate_limit_remaining)
    return family


class _Families:
    """A collector of a fixed set of families: the registry of one run, or (replaced after each
    iteration) what loop mode's /metrics serves."""

    def __init__(self, metrics: Sequence[Metric] = ()):
        self.metrics = list(metrics)

    def collect(self) -> list[Metric]:
        return self.metrics


def _registry(collector: _Families) -> CollectorRegistry:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def previous_success(path: str) -> float | None:
    """The last success a textfile written earlier holds; None when there is none to read."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = Path(path).read_text(encoding="utf-8")
        found = [
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == LAST_SUCCESS
            for sample in family.samples
        ]
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return found[0] if found and found[0] > 0 else None


class RunMetrics:
    """Where each run's metrics go, as the settings say: the textfile, the Pushgateway, and in
    loop mode (`serve`) the /metrics server. Remembers the last success across iterations."""

    def __init__(self, settings: Settings):
        self.file = settings.delivery_sync_metrics_file
        self.gateway = settings.delivery_sync_pushgateway
        self.last_success = previous_success(self.file) if self.file else None
        self._served = _Families()
        self._server: WSGIServer | None = None

    @classmethod
    def start(cls, settings: Settings, *, serve: bool) -> RunMetrics:
        """The run's metrics; with `serve` and a port set, /metrics is served until `close`.
        Raises MetricsUnavailable when the port cannot be bound."""
        metrics = cls(settings)
        port = settings.delivery_sync_metrics_port
        if port is not None and not serve:
            log.warning("metrics.port_ignored", hint="/metrics is served only with --interval")
        elif port is not None:
            metrics._serve(port, settings.delivery_sync_metrics_address)
        return metrics

    def _serve(self, port: int, address: str) -> None:
        from prometheus_client import start_http_server

        try:
            # One registry for the server's life; its families are replaced after each cycle.
            self._server, _ = start_http_server(port, address, registry=_registry(self._served))
        except OSError as exc:
            raise MetricsUnavailable(
                f"DELIVERY_SYNC_METRICS_PORT: cannot serve /metrics on {address}:{port} "
                f"({exc.strerror or exc}); pick another port"
            ) from None
        log.info("metrics.serving", address=address, port=port)

    @property
    def wanted(self) -> bool:
        """Whether the metrics go anywhere: a textfile, a Pushgateway or /metrics."""
        return bool(self.file or self.gateway or self._server)

    def record(self, run: RunOutcome) -> None:
        """Publish one run's metrics to every output the settings name."""
        if run.exit_code == 0:
            self.last_success = run.finished.timestamp()
        if not self.wanted:
            return
        known = self.last_success if self.last_success is not None else 0.0
        # The textfile and /metrics are read as they are: 0 ("no success known") makes the
        # staleness alert fire for a job that never succeeded, instead of a missing series.
        self._served.metrics = families(run, known)
        if self.file:
            self._write(self._served.metrics)
        if self.gateway:
            # pushadd (POST) replaces only the families it sends: a failed run that knows no
            # previous success sends none, and the gateway keeps the last one it was given.
            self._push(families(run, self.last_success))

    def _write(self, metrics: Sequence[Metric]) -> None:
        from prometheus_client import write_to_textfile

        try:
            # Written to a temporary file beside it, then renamed: node-exporter never reads
            # half a file.
            write_to_textfile(self.file, _registry(_Families(metrics)))
        except OSError as exc:
            log.warning("metrics.write_failed", path=self.file, error=str(exc))

    def _push(self, metrics: Sequence[Metric]) -> None:
        from prometheus_client import pushadd_to_gateway

        try:
            pushadd_to_gateway(
                self.gateway,
                job=JOB,
                registry=_registry(_Families(metrics)),
                timeout=PUSH_TIMEOUT_SECONDS,
            )
        except Exception as exc:  # any failure of the push is a warning, never the run's
            log.warning("metrics.push_failed", gateway=self.gateway, error=str(exc))

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
