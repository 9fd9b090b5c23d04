"""The `delivery-sync` command line (DESIGN §3): run, validate, report, demo, sandbox, schema.

Reports, diffs and tables go to stdout; logs go to stderr. Exit codes: 0 success, 1 some source
or target failed, 2 usage or configuration error, 3 another run holds the state lock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import sys
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, TextIO, cast

from pydantic import ValidationError

from mappings.config import (
    MappingError,
    MappingFile,
    json_schema,
    load_mapping,
    mapping_notes,
    parse_mapping,
)
from worker.runtime import Runtime

# The cycle, the adapters and the renderers are imported by the commands that use them, so
# `schema`, `validate` and `--help` start without them; `schema` and `--help` also start
# without the environment, the logs and the state store (structlog, pydantic-settings, sqlite3).
if TYPE_CHECKING:
    from worker.cycle import Computed, Cycle, CycleOptions, CycleResult
    from worker.metrics import RunMetrics
    from worker.settings import Settings
    from worker.state import StateStore
    from worker.state_pg import PostgresState

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
LOCK_REFRESH_SECONDS = 300
# In --interval mode each pause is this share of the interval, drawn afresh (jitter keeps many
# replicas from hitting the trackers in the same second); replicas sharing a PostgreSQL store
# start no cycle within SHARED_GAP intervals of the last one's start, so whoever wakes first
# runs it and the others join.
PAUSE_JITTER = (0.9, 1.1)
SHARED_GAP = 0.8


def _log() -> Any:
    import structlog

    return structlog.get_logger("delivery_sync.cli")


class UsageError(Exception):
    """Bad arguments or environment: exit 2 with the message."""


def main(argv: list[str] | None = None, *, runtime: Runtime | None = None) -> int:
    """The command line. `runtime` (clock, sleep, stop) is the process's own unless a test
    passes another."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.handler is _schema:
        return _schema(args)
    from worker import logs
    from worker.settings import Settings
    from worker.state import LockHeld, StateError

    try:
        settings = Settings()
    except ValidationError as exc:
        # Name the variable and the rule, never the value: it may be a secret.
        problems = [f"{str(e['loc'][0]).upper()}: {_rule(e)}" for e in exc.errors()]
        as_json = os.environ.get("DELIVERY_SYNC_LOG_FORMAT", "").lower() == "json"
        _refuse(as_json, "environment.invalid", "bad environment: " + "; ".join(problems))
        return EXIT_USAGE
    level = settings.delivery_sync_log_level
    if args.command == "demo" and "DELIVERY_SYNC_LOG_LEVEL" not in os.environ:
        level = "warning"  # the demo's output is the comments; keep the log to problems
    logs.configure(
        level,
        settings.delivery_sync_log_format,
        secrets=settings.secret_values(),
        basic_credentials=settings.basic_credentials(),
    )
    as_json = settings.delivery_sync_log_format == "json" or (
        settings.delivery_sync_log_format is None and not sys.stderr.isatty()
    )
    args.runtime = runtime or Runtime(out=sys.stdout)
    try:
        return args.handler(args, settings)
    except MappingError as exc:
        problems = [{"path": p.path, "line": p.line, "message": p.message} for p in exc.problems]
        _refuse(as_json, "mapping.invalid", str(exc), file=exc.file, problems=problems)
        return EXIT_USAGE
    except UsageError as exc:
        _refuse(as_json, "usage.invalid", f"delivery-sync: {exc}")
        return EXIT_USAGE
    except StateError as exc:
        _refuse(as_json, "state.failed", f"delivery-sync: {exc}")
        return EXIT_USAGE
    except LockHeld as exc:
        message = f"delivery-sync: {exc}; try again when it has finished"
        _refuse(as_json, "lock.held", message, holder=exc.holder)
        return EXIT_LOCKED


def _rule(error: dict) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _refuse(as_json: bool, event: str, message: str, **fields: object) -> None:
    """Why the command stopped: a structured event when the logs are JSON (so a log pipeline
    sees it), else the plain message. Either way on stderr, with secrets scrubbed."""
    from worker import logs

    message = logs.scrub(message)
    if as_json:
        record = {"event": event, "level": "error", "error": message, **fields}
        print(json.dumps(record, default=str), file=sys.stderr)
    else:
        print(message, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="delivery-sync",
        description="Post role-specific delivery status comments into GitHub and Jira.",
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(commands)
    _other_parsers(commands)
    return parser


def _run_parser(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run sync cycles: fetch, compute, update comments")
    _config_arg(run)
    when = run.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="run one cycle and exit (default)")
    when.add_argument(
        "--interval", metavar="DURATION", help="run a cycle every DURATION (e.g. 15m) until stopped"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="write nothing; print a diff per target"
    )
    run.add_argument(
        "--as-of", metavar="ISO-8601", help="the instant used for all date computations"
    )
    run.add_argument(
        "--state", metavar="PATH-OR-URL", help="state store (default $DELIVERY_SYNC_STATE)"
    )
    run.add_argument(
        "--max-writes", type=_non_negative, metavar="N", help="at most N comment writes"
    )
    run.add_argument(
        "--prune",
        action="store_true",
        help="delete retired reports (deliverable or target left the mapping) instead of "
        "leaving a note in them",
    )
    run.set_defaults(handler=_run)


def _other_parsers(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser("validate", help="check the mapping file (exit 0 valid, 2 not)")
    _config_arg(validate)
    validate.add_argument("--online", action="store_true", help="also check access to every source")
    validate.set_defaults(handler=_validate)

    report = commands.add_parser("report", help="print the reports without posting them")
    _config_arg(report)
    report.add_argument(
        "--format", choices=("markdown", "jira", "json", "html"), default="markdown"
    )
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    report.add_argument("--as-of", metavar="ISO-8601")
    report.add_argument("--state", metavar="PATH-OR-URL")
    report.set_defaults(handler=_report)

    demo = commands.add_parser("demo", help="one real cycle against the embedded sandbox")
    demo.add_argument(
        "--as-of",
        metavar="ISO-8601",
        help="the instant the demo's dates are computed for (its data is relative to now)",
    )
    demo.add_argument(
        "--state", metavar="PATH", help="keep the demo's state here (default: temporary)"
    )
    demo.set_defaults(handler=_demo)

    sandbox = commands.add_parser("sandbox", help="serve the simulated trackers for local trials")
    sandbox.add_argument("--port", type=_port, default=8765, help="0: any free port")
    sandbox.add_argument("--seed", default="demo", help="seed data set name, or a JSON file")
    sandbox.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)"
    )
    sandbox.add_argument(
        "--jira", choices=("cloud", "server"), default="cloud", help="Jira Cloud or Data Center"
    )
    sandbox.set_defaults(handler=_sandbox)

    _first_hour_parsers(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of the mapping file")
    schema.add_argument(
        "--report", action="store_true", help="the JSON Schema of `report --format json` instead"
    )
    schema.set_defaults(handler=_schema)


def _first_hour_parsers(commands: argparse._SubParsersAction) -> None:
    discover = commands.add_parser(
        "discover", help="list the milestones, fix versions, labels and epics a mapping can name"
    )
    init = commands.add_parser("init", help="write a starter mapping file from what discover finds")
    for parser in (discover, init):
        _config_arg(parser)
        parser.add_argument("--source", metavar="ID", help="a source of the mapping file")
        parser.add_argument(
            "--repo", action="append", default=[], metavar="OWNER/NAME", help="a GitHub repository"
        )
        parser.add_argument(
            "--project", action="append", default=[], metavar="KEY", help="a Jira project"
        )
    discover.set_defaults(handler=_discover)
    init.add_argument(
        "--output", metavar="FILE", help="where to write it (default: ./delivery-sync.yaml)"
    )
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    init.set_defaults(handler=_init)


class _Version(argparse.Action):
    """`--version`, with the number looked up only when asked: reading the installed package's
    metadata cost every command about 10 ms of start-up."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **_: Any):
        super().__init__(
            option_strings,
            dest=dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"delivery-sync {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("delivery-sync")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="mapping file (default $DELIVERY_SYNC_CONFIG, then ./delivery-sync.yaml)",
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


# ---- commands -----------------------------------------------------------------------------


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from worker.cycle import CycleOptions
    from worker.stores import is_postgres, open_state

    mapping = _load(args, settings)
    options = CycleOptions(
        as_of=parse_as_of(args.as_of, mapping) if args.as_of else None,
        dry_run=args.dry_run,
        max_writes=args.max_writes,
        prune=args.prune,
    )
    interval = parse_duration(args.interval) if args.interval else None
    metrics = _metrics(settings, interval)
    runtime: Runtime = args.runtime
    stop = runtime.stop
    # SIGTERM / Ctrl-C: finish the write in flight, start no new one, exit 0.
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    state = None
    location = args.state or settings.delivery_sync_state
    # With PostgreSQL, replicas share each cycle's work instead of taking turns (worker.shared).
    args.shared = is_postgres(location) and not args.dry_run
    try:
        # A dry run writes nothing that lasts: it works on a copy of the state, without the lock.
        state = open_state(location, read_only=args.dry_run)
        if args.shared:
            cast("PostgresState", state).keep_leases(settings.delivery_sync_lease_seconds)
        elif not args.dry_run:
            state.acquire_lock(runtime.clock(), heartbeat=True)
        cycle = _cycle(args, settings, mapping, state, options, interval)
        result = _loop(args, settings, cycle, interval, metrics)
    finally:
        metrics.close()
        if state is not None:
            state.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stop.is_set():
        _log().info("run.stopped", reason="signal")
        return EXIT_OK
    return result.exit_code


def _loop(
    args: argparse.Namespace,
    settings: Settings,
    cycle: Cycle,
    interval: timedelta | None,
    metrics: RunMetrics,
) -> CycleResult:
    """One cycle, or (`--interval`) one after another with the mapping re-read in between,
    until stopped; the last cycle's result. Each real cycle's metrics go where `metrics` says."""
    from worker.metrics import RunOutcome
    from worker.terminal import summary_line

    jitter = random.Random()
    while True:
        started, began = cycle.runtime.clock(), monotonic()
        with _progress(cycle):
            result = cycle.run()
        # Not for a preview, which is not a run of the job; not when they go nowhere (an
        # outcome reads every unchanged deliverable's publication).
        if not args.dry_run and metrics.wanted:
            metrics.record(RunOutcome.of(result, cycle, started, cycle.runtime.clock()))
        _print_summary(result, sys.stdout)
        elapsed = monotonic() - began
        print(summary_line(result, elapsed, cycle.options.dry_run), file=sys.stdout)
        sys.stdout.flush()
        if interval is None or cycle.runtime.stop.is_set():
            return result
        pause = interval.total_seconds() * jitter.uniform(*PAUSE_JITTER)
        _log().info("loop.sleeping", seconds=round(pause, 1))
        if _sleep_holding_lock(pause, cycle.runtime.stop, cycle.state):
            return result
        mapping = _reload(args, settings, cycle.mapping)
        cycle = _cycle(args, settings, mapping, cycle.state, cycle.options, interval)


def _cycle(
    args: argparse.Namespace,
    settings: Settings,
    mapping: MappingFile,
    state: StateStore,
    options: CycleOptions,
    interval: timedelta | None,
) -> Cycle:
    """A cycle of its own, or (PostgreSQL) one shared with the other replicas: with --once,
    the one named by DELIVERY_SYNC_CYCLE; with --interval, at most one per interval in all."""
    from worker.cycle import Cycle
    from worker.shared import SharedCycle

    if not args.shared:
        return Cycle.build(mapping, settings, state, options, args.runtime)
    shared = SharedCycle.build(mapping, settings, state, options, args.runtime)
    if interval is None:
        return replace(shared, name=settings.delivery_sync_cycle)
    return replace(shared, gap=interval * SHARED_GAP)


def _metrics(settings: Settings, interval: timedelta | None) -> RunMetrics:
    """Where each run's metrics go; /metrics is served in loop mode only."""
    from worker.metrics import MetricsUnavailable, RunMetrics

    try:
        return RunMetrics.start(settings, serve=interval is not None)
    except MetricsUnavailable as exc:
        raise UsageError(str(exc)) from None


def _progress(cycle: Cycle) -> contextlib.AbstractContextManager:
    """Live progress per source on stderr, when a person is watching it."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    from worker.progress import CycleProgress

    return CycleProgress(cycle.trackers, Console(file=sys.stderr))


def _sleep_holding_lock(seconds: float, stop: threading.Event, state: StateStore) -> bool:
    """Wait between cycles, refreshing the lock; True when it is time to stop."""
    from worker.state import LockHeld

    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    while (left := (deadline - datetime.now(UTC)).total_seconds()) > 0:
        if stop.wait(min(left, LOCK_REFRESH_SECONDS)):
            return True
        if not state.refresh_lock(datetime.now(UTC)):
            raise LockHeld("another run took the state lock over while this one slept")
    return False


def _reload(args: argparse.Namespace, settings: Settings, current: MappingFile) -> MappingFile:
    """Loop mode picks up mapping-file edits; a broken edit keeps the last good mapping."""
    try:
        return _load(args, settings)
    except MappingError as exc:
        _log().error("mapping.invalid", error=str(exc))
        return current


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from worker import logs, online
    from worker.trackers import build_trackers

    mapping = _load(args, settings)
    path = _config_path(args, settings)
    print(
        f"{path}: valid ({len(mapping.sources)} sources, {len(mapping.deliverables)} deliverables)"
    )
    for note in mapping_notes(mapping):
        print(f"{path}: note: {note}")
    if not args.online:
        return EXIT_OK
    trackers, failures = build_trackers(mapping, settings)
    rows = online.check_access(mapping, trackers, failures)
    width = max(len(name) for name, _ in rows)
    for name, problem in rows:
        print(logs.scrub(f"{name:<{width}}  {problem or 'ok'}"))
    unreachable = {s.id for s in mapping.sources if dict(rows).get(f"source {s.id}")}
    findings = online.check_selectors(mapping, trackers, unreachable)
    for finding in findings:
        print(logs.scrub(f"{path}: {finding.path}: {finding.message}"))
    block = online.people_block(mapping.people, online.assignees(mapping, trackers, unreachable))
    if block:
        print(
            "\n# Assignees of counted items that `people` does not list yet, paired across "
            "trackers where the names match.\n# Check the pairs, then paste over `people:`:\n"
            + block,
            end="",
        )
    failed = any(problem for _, problem in rows) or findings
    return EXIT_FAILED if failed else EXIT_OK


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from worker.cycle import Cycle, CycleOptions
    from worker.stores import open_state

    mapping = _load(args, settings)
    options = CycleOptions(as_of=parse_as_of(args.as_of, mapping) if args.as_of else None)
    # A copy of the state: `report` takes no lock and leaves nothing behind.
    state = open_state(args.state or settings.delivery_sync_state, read_only=True)
    try:
        cycle = Cycle.build(mapping, settings, state, options, args.runtime)
        computed = cycle.compute(args.runtime.clock())
    finally:
        state.close()
    # Mentions differ between Jira Cloud and Data Center: ask what the sites turned out to be.
    sites = [t.site() for t in cycle.trackers.values() if t.kind == "jira"]
    cloud = all(site.get("cloud", True) for site in sites if site)
    text = format_reports(computed, args.format, cloud, args.runtime.clock())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for deliverable, why in sorted(computed.skipped.items()):
        print(f"delivery-sync: {deliverable} not reported: {why}", file=sys.stderr)
    return EXIT_FAILED if computed.failed_sources else EXIT_OK


def format_reports(
    computed: Computed, fmt: str, cloud: bool = True, generated_at: datetime | None = None
) -> str:
    """The reports in one of `report`'s formats."""
    from mappings.json_report import json_report
    from rendering import html, markdown, wiki

    reports = computed.reports
    if fmt == "json":
        views = ((r.lead_view, r.pm_view) for r in reports)
        data = json_report(views, computed.today, generated_at or datetime.now(UTC))
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        from mappings.portfolio_page import portfolio_page

        views = [(r.lead_view, r.pm_view) for r in reports]
        return html.page_html(portfolio_page(views, computed.today))
    render = markdown.render if fmt == "markdown" else (lambda d: wiki.render(d, cloud))
    chunks = [
        f"{'=' * 8} {r.deliverable_id} · {marker.role} {'=' * 8}\n{render(doc)}"
        for r in reports
        for marker, doc in r.documents
    ]
    return "\n".join(chunks)


def _discover(args: argparse.Namespace, settings: Settings) -> int:
    from worker.discovery import describe

    found, failed = _catalogues(args, settings)
    sys.stdout.write("\n".join(describe(catalogue) for catalogue in found))
    return EXIT_FAILED if failed else EXIT_OK


def _init(args: argparse.Namespace, settings: Settings) -> int:
    from worker.discovery import starter_mapping

    target = Path(args.output or "delivery-sync.yaml")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    found, failed = _catalogues(args, settings)
    if failed:
        print(f"delivery-sync: nothing written to {target}", file=sys.stderr)
        return EXIT_FAILED
    try:
        text = starter_mapping(found)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    mapping = parse_mapping(text, str(target))  # what we write must pass `validate`
    target.write_text(text, encoding="utf-8")
    print(
        f"{target}: written ({len(mapping.sources)} sources, {len(mapping.deliverables)} "
        f"deliverables); next: delivery-sync validate --online --config {target}"
    )
    return EXIT_OK


def _catalogues(args: argparse.Namespace, settings: Settings) -> tuple[list, bool]:
    """What each named source offers, and whether any could not be read (said on stderr)."""
    from connectors.retry import TrackerError
    from worker import logs
    from worker.discovery import discover
    from worker.trackers import SourceSetupError, build_tracker

    found, failed = [], False
    for source in _named_sources(args, settings):
        try:
            tracker = build_tracker(source, settings, sleep=args.runtime.sleep)
            found.append(discover(source, tracker))
        except (SourceSetupError, TrackerError) as exc:
            failed = True
            print(logs.scrub(f"delivery-sync: source {source.id}: {exc}"), file=sys.stderr)
    return found, failed


def _named_sources(args: argparse.Namespace, settings: Settings) -> list:
    """`--repo` and `--project` need no mapping file; `--source`, or nothing, reads it."""
    from mappings.config import GitHubSource, JiraSource

    def source_id(name: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "source"

    try:
        named = [
            *(
                GitHubSource(id=source_id(r.rpartition("/")[2]), kind="github", repo=r)
                for r in args.repo
            ),
            *(JiraSource(id=source_id(p), kind="jira", project=p) for p in args.project),
        ]
    except ValidationError as exc:
        raise UsageError(f"--repo / --project: {_rule(exc.errors()[0])}") from None
    if named:
        return named
    if not Path(_config_path(args, settings)).exists():
        raise UsageError(
            f"no mapping file at {_config_path(args, settings)}: name the sources with "
            "--repo OWNER/NAME or --project KEY (or give --config FILE)"
        )
    mapping = _load(args, settings)
    if args.source is None:
        return list(mapping.sources)
    known = [s.id for s in mapping.sources]
    if args.source not in known:
        raise UsageError(
            f"--source: no source {args.source!r} in the mapping file ({', '.join(known)})"
        )
    return [mapping.source(args.source)]


def _schema(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Needs neither the environment nor the logs, so it runs before either is set up."""
    if args.report:
        from mappings.json_report import report_schema

        print(json.dumps(report_schema(), indent=2))
    else:
        print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox.server import serve

    try:
        serve(port=args.port, seed=args.seed, host=args.host, jira_mode=args.jira)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UsageError(
            f"cannot serve on {args.host}:{args.port} ({exc.strerror or exc}); "
            "pick another with --port (0: any free port)"
        ) from None
    except ValueError as exc:  # an unknown seed, or a file that is not one
        raise UsageError(f"--seed: {exc}") from None
    return EXIT_OK


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from sandbox.server import Sandbox
    from worker.cycle import Cycle, CycleOptions
    from worker.settings import Settings
    from worker.stores import open_state

    mapping = load_mapping(example_path("demo.yaml"))
    # The demo data is relative to the sandbox's "now": anchored at --as-of, the figures are
    # those the README shows for that day.
    as_of = parse_as_of(args.as_of, mapping) if args.as_of else None
    options = CycleOptions(as_of=as_of)
    sandbox_clock = (lambda: as_of) if as_of else None
    out = sys.stdout
    with (
        Sandbox(seed="demo", now=as_of, clock=sandbox_clock) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        demo_settings = Settings(
            github_token=sandbox.github_token,
            github_api_url=sandbox.github_url,
            jira_url=sandbox.jira_url,
            jira_email=sandbox.jira_email,
            jira_api_token=sandbox.jira_api_token,
            delivery_sync_state=args.state or str(Path(tmp) / "demo.db"),
            delivery_sync_github_write_pause=0,  # the sandbox has no secondary rate limit
        )
        out.write(f"delivery-sync demo: sandbox trackers on {sandbox.url}\n\n")
        state = open_state(demo_settings.delivery_sync_state)
        try:
            state.acquire_lock(args.runtime.clock())
            # The second cycle shows that nothing changed means no write.
            first, second = (
                Cycle.build(mapping, demo_settings, state, options, args.runtime).run()
                for _ in range(2)
            )
        finally:
            state.close()
    today = (as_of or args.runtime.clock()).astimezone(mapping.tz).date()
    page = _demo_page(first, today, Path(args.state).parent if args.state else None)
    _print_demo(first, second, page, out)
    return max(first.exit_code, second.exit_code)


def _demo_page(result: CycleResult, today: date, folder: Path | None) -> Path:
    """The portfolio page of the demo's first cycle, next to its state; a temporary state is
    gone when the demo ends, so then the page gets a folder of its own that stays."""
    import tempfile

    from mappings.portfolio_page import portfolio_page
    from rendering.html import page_html

    folder = folder or Path(tempfile.mkdtemp(prefix="delivery-sync-demo-"))
    path = folder / "portfolio.html"
    path.write_text(page_html(portfolio_page(result.views.values(), today)), encoding="utf-8")
    return path.resolve()


def _print_demo(first: CycleResult, second: CycleResult, page: Path, out: TextIO) -> None:
    from worker.publisher import Outcome

    for published in first.published:
        out.write(
            f"──── {published.target} · {published.marker.role} · "
            f"{published.outcome.value} ────\n{published.body}\n\n"
        )
    out.write(
        f"First cycle: {first.reads} reads, {first.writes} writes "
        f"({first.count(Outcome.CREATED)} comments created).\n"
        f"Second cycle, nothing changed: {second.reads} reads, {second.writes} writes.\n"
        f"Portfolio page: {page} (open it in a browser).\n"
    )


# ---- helpers ------------------------------------------------------------------------------


def example_path(name: str) -> Path:
    """A mapping file bundled with the package (mappings/examples)."""
    from importlib import resources

    return Path(str(resources.files("mappings.examples").joinpath(name)))


def _config_path(args: argparse.Namespace, settings: Settings) -> str:
    return args.config or settings.delivery_sync_config


def _load(args: argparse.Namespace, settings: Settings) -> MappingFile:
    from worker import logs

    mapping = load_mapping(_config_path(args, settings))
    named = (settings.secret_from(s.token_env) for s in mapping.sources if s.token_env)
    logs.add_secrets(secret.get_secret_value() for secret in named if secret)
    return mapping


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if match is None or not any(match.groups()):
        raise UsageError(f"--interval: {text!r} is not a duration like 15m, 1h or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise UsageError("--interval must be longer than zero")
    return duration


def parse_as_of(text: str, mapping: MappingFile) -> datetime:
    """An ISO-8601 date or date-time. A date means noon of that day in the mapping's time zone;
    a date-time without offset is read in the mapping's time zone."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(12), tzinfo=mapping.tz)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of: {text!r} is not an ISO-8601 date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=mapping.tz)


def _print_summary(result: CycleResult, out: TextIO) -> None:
    """One line per comment, held-back deliverable, failed source and unreadable source; error
    texts come from the trackers, so they are scrubbed of every form of our secrets."""
    from worker import logs

    lines = []
    for published in result.published:
        line = f"{published.outcome.value:<12} {published.target}  {published.marker.key}"
        if published.error:
            line += f"  ({published.error})"
        lines.append(line)
    for deliverable, why in sorted(result.skipped.items()):
        lines.append(f"{'not reported':<12} {deliverable}  ({why})")
    for source, why in sorted(result.failed_sources.items()):
        lines.append(f"{'source failed':<12} {source}  ({why})")
    for source, problems in sorted(result.unreadable.items()):
        keys = ", ".join(sorted(problems))
        lines.append(
            f"{'unreadable':<12} {source}  ({len(problems)} items could not be read: {keys})"
        )
    out.writelines(logs.scrub(line) + "\n" for line in lines)


if __name__ == "__main__":
    sys.exit(main())
