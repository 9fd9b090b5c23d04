"""End to end on the sandbox: the real CLI against a GitHub whose answers lie.

A sign-in page answered with 200, truncated JSON, a `Link` that points back at the page just
read, a 401 that echoes the Authorization header, a broken item, a wrong API base, a key that is
not a key. Each test asserts what a team would see: the exit code, what was (not) written to the
trackers, and the message."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from sandbox.server import Sandbox
from tests.e2e import (
    GITHUB_MAPPING,
    GITHUB_TARGETS,
    bot_comments,
    cli_command,
    cli_environment,
    open_issues,
    requests_to,
    run_cli,
    writes,
)

pytestmark = pytest.mark.e2e

SIGN_IN = "<!doctype html><html><body><h1>Hotel Wi-Fi</h1><form>Sign in</form></body></html>"


def report_bodies(sandbox: Sandbox) -> dict[int, str]:
    return {
        c["id"]: c["body"]
        for repo, number in GITHUB_TARGETS
        for c in bot_comments(sandbox, repo, number)
    }


def progress(body: str) -> str:
    return re.search(r"Progress: .*", body)[0]


def source_failed_line(out: str, source: str) -> str:
    return next(line for line in out.splitlines() if re.match(rf"source failed\s+{source}\b", line))


def test_a_sign_in_page_on_the_issue_list_during_a_full_fetch_fails_the_source_and_writes_nothing(
    sandbox, state, tmp_path
):
    # Every run fetches in full: the case where an empty page used to empty the mirror.
    config = tmp_path / "always-full.yaml"
    config.write_text(GITHUB_MAPPING.read_text() + "  full_resync_hours: 0.0001\n")
    assert run_cli(["run", "--once"], sandbox, state, config=config).code == 0
    before = report_bodies(sandbox)
    assert len(before) == 2 * len(GITHUB_TARGETS)
    time.sleep(0.5)
    sandbox.clear_requests()
    sandbox.inject(status=200, body=SIGN_IN, path=r"/repos/acme/web/issues$", times=None)

    result = run_cli(["run", "--once"], sandbox, state, config=config)

    assert result.code == 1
    line = source_failed_line(result.out, "web")
    assert "answered HTML, not JSON — a proxy or sign-in page?" in line
    assert "GITHUB_API_URL" in line and "Hotel" not in result.out + result.err
    listing = requests_to(sandbox, "GET", r"/repos/acme/web/issues$")
    assert listing and all("since" not in r.query for r in listing)  # a full fetch
    assert writes(sandbox) == []  # no report edited down, no status-change notice
    assert report_bodies(sandbox) == before
    assert all("Progress: 0 of 0" not in body for body in before.values())

    # The mirror kept every item: once GitHub answers again, the reports have nothing to change.
    sandbox.clear_faults()
    time.sleep(0.5)
    again = run_cli(["run", "--once"], sandbox, state, config=config)
    assert again.code == 0, again.out + again.err
    assert writes(sandbox) == []


def test_a_sign_in_page_on_a_comment_listing_after_state_loss_posts_no_duplicate(
    sandbox, state, tmp_path
):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    sandbox.clear_requests()
    sandbox.inject(
        status=200, body=SIGN_IN, method="GET", path=r"/acme/web/issues/1/comments$", times=4
    )  # every attempt of the first listing; the rest of the run is healthy

    lost = run_cli(["run", "--once"], sandbox, tmp_path / "new-state.db")

    # A listing that is not JSON is a failed read, never "no comments yet": nothing is posted
    # (whether the publisher's next look succeeds decides the exit code, not this adapter).
    assert requests_to(sandbox, "POST", r".") == []
    for repo, number in GITHUB_TARGETS:
        assert len(bot_comments(sandbox, repo, number)) == 2
    assert "list comments of acme/web#1" in lost.err and "answered HTML, not JSON" in lost.err


def test_truncated_json_once_is_retried_and_the_run_completes(sandbox, state):
    sandbox.inject(truncate=300, method="GET", path=r"/repos/acme/web/issues$", times=1)

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0, result.out + result.err
    retries = [json.loads(line) for line in result.err.splitlines() if "request.retry" in line]
    assert [r["request"] for r in retries] == ["list acme/web issues"]
    assert "truncated or invalid JSON" in retries[0]["error"]
    assert "Traceback" not in result.err
    for repo, number in GITHUB_TARGETS:
        assert len(bot_comments(sandbox, repo, number)) == 2


def test_a_next_link_back_to_the_same_page_ends_the_run_in_bounded_time(sandbox, state, tmp_path):
    # A full fetch reads every page; an incremental one stops at the first page that reaches
    # issues older than its cursor, and is answered 304 when nothing changed.
    config = tmp_path / "always-full.yaml"
    config.write_text(GITHUB_MAPPING.read_text() + "  full_resync_hours: 0.0001\n")
    assert run_cli(["run", "--once"], sandbox, state, config=config).code == 0
    time.sleep(0.5)
    sandbox.clear_requests()
    sandbox.inject(link_loop=True, method="GET", path=r"/repos/acme/web/issues$", times=None)

    started = time.monotonic()
    result = run_cli(["run", "--once"], sandbox, state, config=config)
    elapsed = time.monotonic() - started

    assert result.code == 1
    assert elapsed < 60  # generous: it stops on the first repeat, not after a timeout
    assert "was already read; stopping instead of paging forever" in source_failed_line(
        result.out, "web"
    )
    assert len(requests_to(sandbox, "GET", r"/repos/acme/web/issues$")) == 1
    assert writes(sandbox) == []


TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0" * 2


@pytest.mark.parametrize(
    "body",
    [None, "<html><body>Unauthorized. Your request: Authorization: {authorization}</body></html>"],
    ids=["github-json", "proxy-html"],
)
@pytest.mark.parametrize("command", [["run", "--once"], ["validate", "--online"]])
def test_a_401_that_echoes_the_authorization_header_never_shows_the_token(
    sandbox, state, body, command
):
    sandbox.inject(status=401, echo_auth=True, body=body, path=r"^/github/", times=None)

    result = run_cli(command, sandbox, state, env={"GITHUB_TOKEN": TOKEN})

    shown = result.out + result.err
    assert result.code == 1 and "401" in result.out
    assert sandbox.faults[0].hits >= 1  # the echo was really sent
    forms = [
        TOKEN,
        f"token {TOKEN}",
        f"Bearer {TOKEN}",
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode(),
        TOKEN[4:24],
    ]
    assert [form for form in forms if form in shown] == []


def test_a_malformed_item_is_skipped_and_named_while_the_source_still_reports(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    v20 = open_issues(sandbox, "acme/web", "v2.0")
    closed = sandbox.github.update_issue(
        "acme/web", v20[0]["number"], state="closed", state_reason="completed"
    )
    broken = dict(v20[1], updated_at=None)
    sandbox.inject(status=200, body=[broken, closed], path=r"/repos/acme/web/issues$", times=1)
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state)

    assert "source failed" not in result.out, result.out
    assert "Traceback" not in result.err
    malformed = [json.loads(line) for line in result.err.splitlines() if '"item.malformed"' in line]
    assert [(m["source"], m["item"]) for m in malformed] == [
        ("web", f"acme/web#{broken['number']}")
    ]
    assert "updated_at is null" in malformed[0]["error"]
    # The readable change still reached the report.
    assert requests_to(sandbox, "PATCH", r"/issues/comments/\d+$")


def test_a_lone_surrogate_in_a_title_is_shown_as_a_replacement_character(sandbox, state):
    issue = sandbox.github.add_issue(
        "acme/web",
        "Fix \ud800 in checkout",
        milestone="v2.0",
        labels=["blocked"],  # listed, with its title, under Blocked in the PM comment
        assignees=["alex-kim"],
    )

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0, result.out + result.err
    [pm] = [c for c in bot_comments(sandbox, "acme/web", 1) if "Task status" in c["body"]]
    assert f"/acme/web/issues/{issue['number']}) `Fix \ufffd in checkout`" in pm["body"]


def test_an_api_url_without_the_api_path_says_it_is_not_the_github_api(sandbox, state):
    # The web server's root, as if GITHUB_API_URL lacked GitHub Enterprise's /api/v3.
    result = run_cli(["validate", "--online"], sandbox, state, env={"GITHUB_API_URL": sandbox.url})

    assert result.code == 1
    source = next(line for line in result.out.splitlines() if line.startswith("source web"))
    assert "HTTP 404" in source and "does not look like the GitHub API" in source
    assert "check GITHUB_API_URL" in source and "https://HOST/api/v3" in source
    assert "<html" not in result.out and "<p>" not in result.out


def test_an_api_url_with_credentials_exits_2_without_showing_them(sandbox, state):
    url = sandbox.github_url.replace("http://", "http://x-access-token:hunter2-pass@")

    result = run_cli(["run", "--once"], sandbox, state, env={"GITHUB_API_URL": url})

    assert result.code == 2
    assert "GITHUB_API_URL" in result.err and "must not carry credentials" in result.err
    assert "hunter2" not in result.out + result.err
    assert sandbox.requests == []


def run_without_token(args: list[str], sandbox: Sandbox, state: Path, **env: str):
    environment = cli_environment(sandbox, state)
    del environment["GITHUB_TOKEN"]
    environment.update(env)
    done = subprocess.run(
        [*cli_command(), *args], env=environment, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr


def test_a_malformed_app_key_fails_the_source_naming_the_variable_without_a_traceback(
    sandbox, state
):
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAnot-a-real-key\n"

    code, out, err = run_without_token(
        ["run", "--once"],
        sandbox,
        state,
        GITHUB_APP_ID="12345",
        GITHUB_APP_PRIVATE_KEY=key,
        GITHUB_APP_INSTALLATION_ID="678",
    )

    assert code == 1
    assert "GITHUB_APP_PRIVATE_KEY is not the GitHub App's private key" in source_failed_line(
        out, "web"
    )
    assert "Traceback" not in err and "public key" not in out + err
    assert "MIIEowIBAAKCAQEAnot" not in out + err
    assert sandbox.requests == []
