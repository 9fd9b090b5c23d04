"""What a command loads at start-up: only what it uses.

Each case runs the real command in a new interpreter (a test process has imported everything
already) and reads `sys.modules` when it has finished: a Jira-only run never loads PyGithub or
the GitHub adapter, a GitHub-only run with a token never loads the `jira` library, the Jira
adapter, PyGithub or rich, a run whose metrics go nowhere never loads prometheus_client, an idle
run (nothing to compute, nothing to write) loads neither the views nor the forecast nor the
report texts nor the renderers, and `schema` and `--help` load neither tracker library, nor
the logs or the state store.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import GITHUB_MAPPING, JIRA_MAPPING, cli_environment

GITHUB = ("github", "jwt", "cryptography", "connectors.github")
JIRA = ("jira", "connectors.jira")
TRACKERS = (*GITHUB, *JIRA, "requests", "urllib3", "tenacity")

# Runs the command's entry point in a fresh interpreter, then says its exit code and which of
# the named modules (or their submodules) it loaded.
PROBE = """
import contextlib, json, sys
from worker.cli import main
names, argv = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with contextlib.redirect_stdout(sys.stderr):
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
loaded = sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def loaded_by(argv: list[str], names: tuple[str, ...], env: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names), json.dumps(argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("argv", [["schema"], ["schema", "--report"], ["--help"]])
def test_schema_and_help_load_no_tracker_library_no_logs_and_no_state(argv):
    names = (*TRACKERS, "structlog", "sqlite3", "prometheus_client", "rich", "pydantic_settings")
    assert loaded_by(argv, names) == {"code": 0, "loaded": []}


def test_a_jira_only_run_does_not_load_pygithub(jira_sandbox, state: Path):
    env = cli_environment(jira_sandbox, state, JIRA_MAPPING)
    found = loaded_by(["run", "--once"], (*GITHUB, *JIRA), env)
    assert found == {"code": 0, "loaded": ["connectors.jira", "jira"]}


def test_a_github_only_run_loads_neither_the_jira_library_nor_prometheus(sandbox, state: Path):
    env = cli_environment(sandbox, state, GITHUB_MAPPING)
    found = loaded_by(["run", "--once"], (*GITHUB, *JIRA, "prometheus_client", "rich"), env)
    # A token needs no PyGithub (it signs a GitHub App's tokens), and logs not on a terminal
    # need no rich (structlog would import it for tracebacks we render as plain text).
    assert found == {"code": 0, "loaded": ["connectors.github"]}


REPORTS = (
    "mappings.views",
    "mappings.forecast",
    "mappings.report",
    "worker.notices",
    "rendering.document",  # the renderers: a cycle that writes nothing renders nothing
)


def test_an_idle_run_defines_no_view_forecast_report_text_or_renderer(sandbox, state: Path):
    env = cli_environment(sandbox, state, GITHUB_MAPPING)
    # The first cycle computes and writes every report; the second finds nothing changed.
    assert loaded_by(["run", "--once"], REPORTS, env) == {"code": 0, "loaded": sorted(REPORTS)}
    assert loaded_by(["run", "--once"], REPORTS, env) == {"code": 0, "loaded": []}


def test_a_run_with_a_metrics_file_loads_prometheus_and_writes_it(sandbox, state: Path):
    metrics = state.parent / "metrics.prom"
    env = cli_environment(sandbox, state, GITHUB_MAPPING) | {
        "DELIVERY_SYNC_METRICS_FILE": str(metrics)
    }
    found = loaded_by(["run", "--once"], ("prometheus_client",), env)
    assert found == {"code": 0, "loaded": ["prometheus_client"]}
    assert "delivery_sync_requests_total" in metrics.read_text()


# The console script's own entry (`worker.start`), as `delivery-sync` calls it.
SCRIPT_PROBE = """
import contextlib, gc, json, sys
sys.argv = ["delivery-sync", "schema"]
from worker.start import main
with contextlib.redirect_stdout(sys.stderr):
    code = main()
imported = [name for name in ("pydantic", "mappings.config", "worker.cli") if name in sys.modules]
print(json.dumps({"code": code, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "imported": imported}))
"""


def test_the_console_script_imports_the_command_line_with_the_collector_held_then_frozen():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT_PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["code"] == 0 and json.loads(done.stderr)["title"]  # the schema was printed
    assert found["imported"] == ["pydantic", "mappings.config", "worker.cli"]
    # What the import built is out of the collector's reach, and the collector is back on.
    assert found["enabled"] is True
    assert found["frozen"] > 20_000  # 0 without the held import; ~43,000 objects here
