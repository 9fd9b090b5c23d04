"""End to end on the sandbox: the real CLI in a subprocess, outcomes read from the request log."""

from __future__ import annotations

import json
import math

import pytest

from tests.e2e import GITHUB_TARGETS, bot_comments, marker_of, requests_to, run_cli, writes

pytestmark = pytest.mark.e2e

TARGETS = GITHUB_TARGETS


def test_first_cycle_creates_two_comments_per_target_then_idle_cycle_writes_nothing(sandbox, state):
    first = run_cli(["run", "--once"], sandbox, state)
    assert first.code == 0, first.err

    posts = requests_to(sandbox, "POST", r"/issues/\d+/comments$")
    assert len(posts) == 2 * len(TARGETS)
    for repo, number in TARGETS:
        comments = bot_comments(sandbox, repo, number)
        assert len(comments) == 2
        roles = sorted(marker_of(c)["role"] for c in comments)
        assert roles == ["delivery-lead", "project-manager"]
        lead, pm = sorted(comments, key=lambda c: "Task status" in c["body"])
        assert lead["body"].startswith("### Delivery status — ")
        assert pm["body"].startswith("### Task status — ")

    sandbox.clear_requests()
    second = run_cli(["run", "--once"], sandbox, state)
    assert second.code == 0, second.err
    assert writes(sandbox) == []
    # Idle: one read per source stream (issues, milestones) and nothing else. The milestones
    # are answered 304; the issues once more in full, as our comments moved their issues.
    assert len(sandbox.requests) == 4
    assert all(r.method == "GET" for r in sandbox.requests)


def test_closing_one_issue_edits_only_the_affected_comments(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    issue = next(
        i
        for i in sandbox.github.issues("acme/web")
        if i["state"] == "open"
        and "pull_request" not in i
        and (i["milestone"] or {}).get("title") == "v2.0"
    )
    before = {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/web", 1)}
    sandbox.github.update_issue(
        "acme/web", issue["number"], state="closed", state_reason="completed"
    )
    sandbox.clear_requests()

    third = run_cli(["run", "--once"], sandbox, state)

    assert third.code == 0, third.err
    assert requests_to(sandbox, "POST", r".") == []
    edits = requests_to(sandbox, "PATCH", r"/issues/comments/\d+$")
    assert {int(r.path.rsplit("/", 1)[1]) for r in edits} == set(before)
    after = {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/web", 1)}
    lead_before = next(b for b in before.values() if "Delivery status" in b)
    lead_after = next(b for b in after.values() if "Delivery status" in b)
    done_before = int(lead_before.split("Progress: ", 1)[1].split(" ", 1)[0])
    assert f"Progress: {done_before + 1} of " in lead_after
    for repo, number in TARGETS[1:]:
        assert len(bot_comments(sandbox, repo, number)) == 2


def test_cycle_lists_issues_in_pages_of_100_without_per_issue_requests(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    # Pull requests are listed by the endpoint too: they count towards the pages.
    listed = sum(len(sandbox.github.issues(repo)) for repo in ("acme/web", "acme/api"))
    assert listed > 100
    list_requests = [
        r
        for r in sandbox.requests
        if r.method == "GET" and r.path.endswith("/issues") and r.query.get("state") == ["all"]
    ]
    # Each repository's pages, and its first page once more, conditionally, to catch an issue
    # that changed while the others were read (answered 304: nothing did).
    expected = sum(
        math.ceil(len(sandbox.github.issues(repo)) / 100) + 1 for repo in ("acme/web", "acme/api")
    )
    assert len(list_requests) == expected
    assert [r.status for r in list_requests].count(304) == 2
    assert all(r.query.get("per_page") == ["100"] for r in list_requests)
    assert requests_to(sandbox, "GET", r"/issues/\d+$") == []


def test_dry_run_prints_a_diff_and_writes_nothing(sandbox, state):
    result = run_cli(["run", "--once", "--dry-run"], sandbox, state)
    assert result.code == 0, result.err
    assert writes(sandbox) == []
    assert result.out.count("# create comment on ") == 2 * len(TARGETS)
    assert "+### Delivery status — Checkout v2" in result.out
    assert "+Status: " in result.out and "+Progress: " in result.out


def test_as_of_fixes_the_date_of_the_report(sandbox, state):
    result = run_cli(["run", "--once", "--as-of", "2026-12-01"], sandbox, state)
    assert result.code == 0, result.err
    [lead] = [c for c in bot_comments(sandbox, "acme/web", 1) if "Delivery status" in c["body"]]
    assert "As of 2026-12-01 " in lead["body"]


def test_a_failing_source_does_not_stop_the_others(sandbox, state):
    sandbox.inject(status=500, path=r"/repos/acme/api/issues$", times=None)
    result = run_cli(["run", "--once"], sandbox, state)
    assert result.code == 1
    # web's two deliverables report; the two that need api wait for the next cycle.
    assert len(bot_comments(sandbox, "acme/web", 2)) == 2
    assert bot_comments(sandbox, "acme/web", 1) == []
    assert bot_comments(sandbox, "acme/api", 1) == []
    assert "source.failed" in result.err
    assert "checkout-v2" in result.out and "api-hardening" in result.out


def test_bad_token_exits_1_without_leaking_it(sandbox, state):
    result = run_cli(
        ["run", "--once"], sandbox, state, env={"GITHUB_TOKEN": "ghp_wrong_secret_123"}
    )
    assert result.code == 1
    assert "ghp_wrong_secret_123" not in result.out + result.err
    assert "401" in result.out


def test_bad_mapping_file_exits_2(sandbox, state, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        "version: 1\nsources:\n  - {id: web, kind: github, repo: acme/web, colour: x}\n"
    )
    result = run_cli(["run", "--once"], sandbox, state, config=config)
    assert result.code == 2
    assert f"{config}" in result.err and "sources[0].colour (line 3)" in result.err
    assert sandbox.requests == []


def test_report_prints_json_and_writes_nothing(sandbox, state):
    result = run_cli(["report", "--format", "json", "--as-of", "2026-12-01"], sandbox, state)
    assert result.code == 0, result.err
    assert writes(sandbox) == []
    report = json.loads(result.out)
    assert report["schema_version"] == 1 and report["as_of"] == "2026-12-01"
    data = {d["id"]: d for d in report["deliverables"]}
    assert set(data) == {"checkout-v2", "mobile-onboarding", "api-hardening"}
    checkout = data["checkout-v2"]
    assert checkout["status"] in ("On track", "At risk", "Off track")
    assert 0 < checkout["done"] < checkout["total"]
    counted = [i for i in checkout["items"] if not i["dropped"]]
    assert len(counted) == checkout["total"]
    assert sum(i["category"] == "done" for i in counted) == checkout["done"]
    assert data["api-hardening"]["status"] == "No due date"


def test_the_json_report_validates_against_the_published_schema(sandbox, state):
    import jsonschema

    schema = json.loads(run_cli(["schema", "--report"], sandbox, state).out)
    result = run_cli(["report", "--format", "json"], sandbox, state)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    jsonschema.validate(report, schema)  # raises with the path of what does not match
    broken = dict(report, schema_version=2)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    item = report["deliverables"][0]["items"][0]
    assert set(item) == {
        "source", "key", "title", "url", "category", "dropped", "points", "blocked",
        "assignees", "due",
    }  # fmt: skip
    assert report["deliverables"][0]["burnup"][-1]["scope"] >= 1


def test_report_as_html_is_one_portfolio_page_that_escapes_titles(sandbox, state, tmp_path):
    page = tmp_path / "report.html"
    result = run_cli(["report", "--format", "html", "--output", str(page)], sandbox, state)
    assert result.code == 0, result.err
    text = page.read_text()
    assert text.count("<h1>") == 1 and text.count('<table class="overview">') == 1
    assert text.count('<section class="entry"') == text.count("<svg ") == 3
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_validate_online_checks_every_source_and_target(sandbox, state, tmp_path):
    good = run_cli(["validate", "--online"], sandbox, state)
    assert good.code == 0, good.out + good.err
    lines = [" ".join(line.split()) for line in good.out.splitlines()]
    assert "source web ok" in lines and "target api:1 ok" in lines

    config = tmp_path / "missing-target.yaml"
    config.write_text(
        "version: 1\nsources:\n  - {id: web, kind: github, repo: acme/web}\n"
        "deliverables:\n  - id: x\n    name: X\n    include: [{source: web, label: bug}]\n"
        "    report_to: [{source: web, issue: 9999}]\n"
    )
    missing = run_cli(["validate", "--online"], sandbox, state, config=config)
    assert missing.code == 1
    assert "target web:9999  issue not found" in missing.out.splitlines()

    wrong = run_cli(["validate", "--online"], sandbox, state, env={"GITHUB_TOKEN": "nope-nope"})
    assert wrong.code == 1 and "401" in wrong.out and "nope-nope" not in wrong.out
    assert writes(sandbox) == []
