"""Jira answers that lie and mappings that try to escape, end to end: the real CLI against the
sandbox's Jira in Cloud and Data Center mode, each fault injected in the sandbox."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml
from pydantic import SecretStr

from connectors.jira import BasicAuth, BearerAuth, JiraTracker
from connectors.retry import TrackerError
from sandbox.server import Sandbox
from tests.e2e import (
    JIRA_MAPPING,
    Completed,
    cli_command,
    cli_environment,
    requests_to,
    run_cli,
    writes,
)
from tests.jira_payloads import SIGN_IN_PAGE

pytestmark = pytest.mark.e2e

TARGETS = ("PLAT-1", "PLAT-29")
ESCAPE = "fixVersion = 2.1) OR (project = SECRET"


@pytest.fixture
def sandbox(jira_sandbox):
    return jira_sandbox


def run_within(
    seconds: float, args: list[str], sandbox: Sandbox, state: Path, **options
) -> tuple[Completed, float]:
    """The CLI run, and how long it took; a run still going after `seconds` fails the test."""
    environment = cli_environment(sandbox, state, options.get("config", JIRA_MAPPING))
    environment |= options.get("env", {})
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*cli_command(), *args], env=environment, capture_output=True, text=True,
            timeout=seconds,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"the run did not end within {seconds} s")
    return Completed(done.returncode, done.stdout, done.stderr), time.monotonic() - started


def events(result: Completed, name: str) -> list[dict]:
    """The JSON log events of one kind from a run's stderr."""
    out = []
    for line in result.err.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == name:
            out.append(event)
    return out


def report_lines(sb: Sandbox) -> dict[str, list[str]]:
    """The figure lines of every comment on the report targets."""
    return {
        key: sorted(
            line
            for comment in sb.jira.comments(key)
            for line in comment["body"].splitlines()
            if line.startswith(("Status:", "Progress:", "Points:"))
        )
        for key in TARGETS
    }


def bodies(sb: Sandbox) -> dict[str, list[str]]:
    return {key: [c["body"] for c in sb.jira.comments(key)] for key in TARGETS}


def searches(sb: Sandbox) -> list:
    return requests_to(sb, "GET", r"/rest/api/2/search(/jql)?$")


# ---- one rule for answers ----------------------------------------------------------------------


def test_an_html_200_on_search_fails_the_source_and_touches_no_comment(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
    before = bodies(sandbox)
    sandbox.jira.transition("PLAT-16", "To Do")  # the reports would change if read
    sandbox.clear_requests()
    portal = sandbox.inject(status=200, body=SIGN_IN_PAGE, path=r"/rest/api/2/search", times=None)

    result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

    assert result.code == 1, result.err
    assert portal.hits == 4  # one search, tried as the retry policy says, then given up
    assert writes(sandbox) == [] and bodies(sandbox) == before
    assert all(n.event == "comment_created" for n in sandbox.jira.notifications)
    [failed] = events(result, "source.failed")
    assert failed["source"] == "plat" and "not JSON but text/html" in failed["error"]
    assert "source failed plat" in result.out and "<html" not in result.out.lower()


# ---- paging that never ends --------------------------------------------------------------------


def test_a_repeating_next_page_token_ends_in_bounded_time(state):
    with Sandbox(seed="demo", jira_mode="cloud") as sandbox:
        sandbox.jira.repeat_page_token = True
        result, took = run_within(60, ["run", "--once"], sandbox, state)
        assert result.code == 1, result.err
        assert took < 60 and len(searches(sandbox)) <= 3
        [failed] = events(result, "source.failed")
        assert re.search(r"page token it had sent before|only entries of earlier", failed["error"])
        assert writes(sandbox) == []


def test_data_center_paging_that_ignores_start_at_ends_in_bounded_time(state):
    with Sandbox(seed="demo", jira_mode="server") as sandbox:
        sandbox.jira.add_issues(150, "Load item {n}", fix_versions=["2.1"])
        sandbox.jira.ignore_start_at = True
        result, took = run_within(60, ["run", "--once"], sandbox, state)
        assert result.code == 1, result.err
        assert took < 60 and len(searches(sandbox)) == 2
        [failed] = events(result, "source.failed")
        assert "asked for the page at 100, got the one at 0" in failed["error"]
        assert writes(sandbox) == []


# ---- items from another project ----------------------------------------------------------------


def test_injected_foreign_issues_change_no_figure(sandbox, tmp_path):
    mode = sandbox.jira_mode
    with Sandbox(seed="demo", jira_mode=mode) as clean:
        assert (
            run_cli(["run", "--once"], clean, tmp_path / "clean.db", config=JIRA_MAPPING).code == 0
        )
        expected = report_lines(clean)
    assert expected["PLAT-1"] and any(line.startswith("Progress: ") for line in expected["PLAT-1"])

    sandbox.jira.add_project("OPS", "Operations")
    foreign = [
        sandbox.jira.add_issue(f"Ops task {n}", project="OPS", parent="PLAT-1", status="Done")[
            "key"
        ]
        for n in range(5)
    ]
    sandbox.jira.foreign_issues = foreign
    result = run_cli(["run", "--once"], sandbox, tmp_path / "state.db", config=JIRA_MAPPING)

    assert result.code == 0, result.err
    assert report_lines(sandbox) == expected
    dropped = {e["item"] for e in events(result, "item.foreign")}
    assert dropped == set(foreign)
    assert all("OPS-" not in body for key in TARGETS for body in bodies(sandbox)[key])


def secret_mapping(tmp_path: Path, jql: str) -> Path:
    mapping = yaml.safe_load(JIRA_MAPPING.read_text())
    mapping["deliverables"][1]["include"] = [{"source": "plat", "jql": jql}]
    path = tmp_path / "escape.yaml"
    path.write_text(yaml.safe_dump(mapping))
    return path


def add_secret_project(sb: Sandbox) -> str:
    sb.jira.add_project("SECRET", "Secret")
    return sb.jira.add_issue("Launch codes", project="SECRET", fix_versions=[])["key"]


def test_a_selector_that_escapes_the_project_clause_never_fetches_another_project(
    sandbox, tmp_path
):
    secret = add_secret_project(sandbox)
    result = run_cli(
        ["run", "--once"], sandbox, tmp_path / "state.db", config=secret_mapping(tmp_path, ESCAPE)
    )
    assert result.code in (1, 2), result.err  # refused by the adapter (1) or the loader (2)
    assert not [r for r in searches(sandbox) if "SECRET" in r.query["jql"][0]]
    assert secret not in result.out + result.err
    assert all(secret not in body for key in TARGETS for body in bodies(sandbox)[key])


def test_the_adapter_refuses_the_escape_the_sandbox_would_answer(sandbox):
    """Against the sandbox directly: the unwrapped query really reaches SECRET, and the adapter
    never sends it."""
    secret = add_secret_project(sandbox)
    cloud = sandbox.jira_mode == "cloud"
    session = requests.Session()
    if cloud:
        session.auth = (sandbox.jira_email, sandbox.jira_api_token)
    else:
        session.headers["Authorization"] = f"Bearer {sandbox.jira_pat}"
    wrapped = f'project = "PLAT" AND ({ESCAPE}) ORDER BY key ASC'  # what was sent before
    answer = session.get(
        f"{sandbox.jira_url}/rest/api/2/{'search/jql' if cloud else 'search'}",
        params={"jql": wrapped, "fields": "summary"},
    ).json()
    assert secret in [i["key"] for i in answer["issues"]]  # the attack is real here
    sandbox.clear_requests()

    auth = (
        BasicAuth(sandbox.jira_email, SecretStr(sandbox.jira_api_token))
        if cloud
        else BearerAuth(SecretStr(sandbox.jira_pat))
    )
    tracker = JiraTracker("plat", "PLAT", url=sandbox.jira_url, auth=auth, sleep=lambda s: None)
    with pytest.raises(TrackerError, match="outside project PLAT"):
        list(tracker.fetch_items(None, jql=ESCAPE))
    with pytest.raises(TrackerError, match="outside project PLAT"):
        tracker.check_jql(ESCAPE)
    assert searches(sandbox) == []


# ---- quiet edits -------------------------------------------------------------------------------


def test_report_edits_notify_nobody_on_cloud_and_are_documented_on_data_center(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
    created = len(sandbox.jira.notifications)
    assert created == 4 and {n.event for n in sandbox.jira.notifications} == {"comment_created"}
    sandbox.jira.transition("PLAT-16", "To Do")  # a child of PLAT-1: its reports change
    sandbox.clear_requests()

    assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0

    edits = requests_to(sandbox, "PUT", r"/issue/PLAT-\d+/comment/\d+$")
    assert edits and all(r.status == 200 for r in edits)
    edited = sandbox.jira.notifications[created:]
    if sandbox.jira_mode == "cloud":
        assert all(r.query.get("notifyUsers") == ["false"] for r in edits)
        assert edited == []  # nobody e-mailed about our edits
    else:  # Data Center has no notifyUsers on comment edits: the notification scheme decides
        assert all("notifyUsers" not in r.query for r in edits)
        assert [n.event for n in edited] == ["comment_edited"] * len(edits)


# ---- errors a person can act on ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("/wrong", "does not look like a Jira site; check JIRA_URL"),
        ("/github", "does not answer like Jira: check JIRA_URL"),
    ],
)
def test_a_url_that_is_not_a_jira_site_says_so_at_once(sandbox, state, where, says):
    result, took = run_within(
        60, ["run", "--once"], sandbox, state, env={"JIRA_URL": sandbox.url + where}
    )
    assert result.code == 1, result.err
    assert says in result.out and took < 30
    assert "Bad credentials" not in result.out + result.err
    assert "<html" not in result.out.lower() and events(result, "request.retry") == []


def test_a_jira_url_without_a_scheme_fails_at_once_naming_jira_url(sandbox, state):
    bare = sandbox.jira_url.removeprefix("http://")
    result, took = run_within(60, ["run", "--once"], sandbox, state, env={"JIRA_URL": bare})
    assert result.code in (1, 2), result.err  # the adapter (1) or the settings (2) refuse it
    assert "JIRA_URL" in result.out + result.err and "https://" in result.out + result.err
    assert took < 30 and events(result, "request.retry") == [] and sandbox.requests == []
