"""The first hour of a new user: --version, the sandbox's paste-able environment and clean
errors, and a demo whose figures are the README's for a given day."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e import cli_command, run_cli

GOLDEN = Path(__file__).parent / "golden"

pytestmark = pytest.mark.e2e


def test_version_prints_the_installed_version(sandbox, state):
    result = run_cli(["--version"], sandbox, state)
    assert result.code == 0
    assert re.fullmatch(r"delivery-sync \d+\.\d+\.\d+\n", result.out)


def test_the_sandbox_prints_export_lines_a_shell_takes_as_they_are(tmp_path):
    process = subprocess.Popen(
        [*cli_command(), "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        lines = [process.stdout.readline() for _ in range(9)]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    exports = [line.strip() for line in lines if line.startswith("export ")]
    names = [line.split("=", 1)[0].removeprefix("export ") for line in exports]
    assert names == [
        "GITHUB_API_URL",
        "GITHUB_TOKEN",
        "JIRA_URL",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "DELIVERY_SYNC_GITHUB_WRITE_PAUSE",
    ]
    # A shell reads them back as the same values.
    script = "\n".join([*exports, 'printf "%s|%s" "$GITHUB_API_URL" "$JIRA_EMAIL"'])
    shown = subprocess.run(["sh", "-c", script], capture_output=True, text=True).stdout
    api, email = shown.split("|")
    assert api.startswith("http://127.0.0.1:") and api.endswith("/github") and "@" in email
    assert all(not line.startswith("export ") or "=" in line for line in lines)


def test_a_port_in_use_or_an_unknown_seed_is_a_clear_error_without_a_traceback(sandbox, state):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_cli(["sandbox", "--port", str(port)], sandbox, state, subprocess_=True)
    assert busy.code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in busy.err and "--port" in busy.err
    unknown = run_cli(["sandbox", "--seed", "nope", "--port", "0"], sandbox, state)
    assert unknown.code == 2 and "no packaged seed named 'nope'" in unknown.err
    bad_port = run_cli(["sandbox", "--port", "70000"], sandbox, state)
    assert bad_port.code == 2 and "a port is 0 to 65535" in bad_port.err
    for result in (busy, unknown, bad_port):
        assert "Traceback" not in result.err


def test_the_demo_for_the_readmes_day_shows_the_readmes_figures(sandbox, state):
    """The README quotes the golden comments, made from the demo data on 2026-11-25: `demo
    --as-of 2026-11-25` prints the same text."""
    result = run_cli(["demo", "--as-of", "2026-11-25"], sandbox, state)
    assert result.code == 0, result.err
    site = re.search(r"sandbox trackers on (http://127\.0\.0\.1:\d+)", result.out)[1]
    shown = result.out.replace(site, "https://sandbox.example")
    golden = (GOLDEN / "checkout-v2.delivery-lead.md").read_text(encoding="utf-8").rstrip("\n")
    heading = "──── web:1 · delivery-lead · created ────\n"
    assert heading + golden in shown
