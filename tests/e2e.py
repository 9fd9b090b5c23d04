"""Helpers for end-to-end tests: run the real `delivery-sync` command against a sandbox."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from sandbox.server import Sandbox
from worker.cli import example_path
from worker.settings import Settings

GITHUB_MAPPING = example_path("github-only.yaml")
JIRA_MAPPING = example_path("jira-only.yaml")
DEMO_MAPPING = example_path("demo.yaml")
MIXED_MAPPING = example_path("mixed.yaml")


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("delivery-sync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "worker.start"]


@dataclass
class Completed:
    code: int
    out: str
    err: str


def sandbox_settings(sandbox: Sandbox, **more) -> Settings:
    """The settings of a user pointed at the sandbox (Jira Cloud or Data Center credentials as
    the sandbox's mode needs), for tests that build a cycle in-process."""
    cloud = sandbox.jira_mode == "cloud"
    return Settings(
        github_token=sandbox.github_token,
        github_api_url=sandbox.github_url,
        jira_url=sandbox.jira_url,
        jira_email=sandbox.jira_email if cloud else None,
        jira_api_token=sandbox.jira_api_token if cloud else None,
        jira_pat=None if cloud else sandbox.jira_pat,
        delivery_sync_github_write_pause=0,  # the sandbox has no secondary rate limit
        **more,
    )


def cli_environment(sandbox: Sandbox, state: Path, config: Path = GITHUB_MAPPING) -> dict:
    """The environment of a user pointed at the sandbox: nothing inherited from ours."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "JIRA_", "DELIVERY_SYNC_"))
    }
    environment.update(
        GITHUB_TOKEN=sandbox.github_token,
        GITHUB_API_URL=sandbox.github_url,
        JIRA_URL=sandbox.jira_url,
        DELIVERY_SYNC_STATE=str(state),
        DELIVERY_SYNC_CONFIG=str(config),
        DELIVERY_SYNC_LOG_FORMAT="json",
        DELIVERY_SYNC_GITHUB_WRITE_PAUSE="0",  # the sandbox has no secondary rate limit
    )
    if sandbox.jira_mode == "cloud":
        environment.update(JIRA_EMAIL=sandbox.jira_email, JIRA_API_TOKEN=sandbox.jira_api_token)
    else:
        environment.update(JIRA_PAT=sandbox.jira_pat)
    return environment


def run_cli(
    args: list[str],
    sandbox: Sandbox,
    state: Path,
    *,
    config: Path = GITHUB_MAPPING,
    env: dict | None = None,
    subprocess_: bool = False,
) -> Completed:
    """Run `delivery-sync ARGS` as a user would, with only the sandbox's environment.

    By default the command's entry point (`worker.cli.main`) runs in this process, with its own
    environment, stdout and stderr and a runtime whose retries do not sleep, which saves the
    interpreter start-up of a new process for each of the suite's hundreds of runs and the real
    back-off waits. Tests that need a real process (signals, kills, the
    lock across processes) start one; `subprocess_=True`, or DELIVERY_SYNC_TEST_SUBPROCESS=1 for
    every run, does the same here."""
    environment = cli_environment(sandbox, state, config) | (env or {})
    if subprocess_ or os.environ.get("DELIVERY_SYNC_TEST_SUBPROCESS") == "1":
        done = subprocess.run(
            [*cli_command(), *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Completed(done.returncode, done.stdout, done.stderr)
    return _in_process(args, environment)


def _in_process(args: list[str], environment: dict) -> Completed:
    from worker.cli import main
    from worker.runtime import Runtime

    out, err = io.StringIO(), io.StringIO()
    # Retries do not really wait: the waits they ask for are what tests assert, from the log.
    runtime = Runtime(sleep=lambda seconds: None, out=out)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args, runtime=runtime)
            except SystemExit as exc:  # argparse refusing the arguments
                code = exc.code if isinstance(exc.code, int) else 2
            except Exception:  # what a real process would print before exiting 1
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Completed(code, out.getvalue(), err.getvalue())


def writes(sandbox: Sandbox) -> list:
    return [r for r in sandbox.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]


def requests_to(sandbox: Sandbox, method: str, pattern: str) -> list:
    return [r for r in sandbox.requests if r.method == method and re.search(pattern, r.path)]


# The GitHub demo: report targets, and how to tell our comments there.
GITHUB_TARGETS = [("acme/web", 1), ("acme/web", 2), ("acme/api", 1)]


def bot_comments(sandbox: Sandbox, repo: str, number: int) -> list[dict]:
    return [
        c
        for c in sandbox.github.comments(repo, number)
        if c["user"]["login"] == "delivery-sync-bot"
    ]


def marker_of(comment: dict) -> dict:
    """The marker of a GitHub comment of ours, parsed from its last line."""
    return json.loads(comment["body"].rsplit("<!-- delivery-sync ", 1)[1].removesuffix(" -->"))


def open_issues(sb: Sandbox, repo: str, milestone: str | None = None) -> list[dict]:
    """Open issues of a demo repository (not pull requests, not the report targets #1 and #2),
    in one milestone when named."""
    return [
        i
        for i in sb.github.issues(repo)
        if i["state"] == "open"
        and "pull_request" not in i
        and i["number"] > 2
        and (milestone is None or (i["milestone"] or {}).get("title") == milestone)
    ]


def only_in_mobile_onboarding(sandbox) -> int:
    """An open issue of the demo's milestone v2.1 without the `checkout` label: one
    deliverable (mobile onboarding) counts it, the other does not."""
    return next(
        issue["number"]
        for issue in sandbox.github.issues("acme/web")
        if "pull_request" not in issue
        and (issue.get("milestone") or {}).get("title") == "v2.1"
        and not any(label["name"] == "checkout" for label in issue["labels"])
        and issue["state"] == "open"
    )
