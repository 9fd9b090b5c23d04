"""`discover` lists what a mapping file can name in a source, with counts a person can check
against the tracker; `init` writes a starter mapping from it that passes `validate --online`.
Against the sandbox: GitHub, and Jira in Cloud and Data Center mode."""

from __future__ import annotations

import re

import pytest

from tests.e2e import GITHUB_MAPPING, run_cli, writes

pytestmark = pytest.mark.e2e


def table_row(out: str, first_cell: str) -> list[str]:
    """The cells of the row whose first cell is `first_cell`, split on runs of 2+ spaces."""
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{out}")


def github_counts(sandbox, repo: str, field: str, name: str) -> tuple[int, int]:
    """Open and closed issues (not pull requests) carrying this milestone title or label."""
    issues = [i for i in sandbox.github.issues(repo) if "pull_request" not in i]
    if field == "milestone":
        chosen = [i for i in issues if (i["milestone"] or {}).get("title") == name]
    else:
        chosen = [i for i in issues if name in {label["name"] for label in i["labels"]}]
    return (
        sum(i["state"] == "open" for i in chosen),
        sum(i["state"] == "closed" for i in chosen),
    )


def test_discover_lists_github_milestones_with_due_dates_and_counts_and_labels(sandbox, state):
    result = run_cli(["discover", "--source", "web"], sandbox, state, config=GITHUB_MAPPING)
    assert result.code == 0, result.err
    for milestone in sandbox.github.milestones("acme/web"):
        row = table_row(result.out, milestone["title"])
        opened, closed = github_counts(sandbox, "acme/web", "milestone", milestone["title"])
        due = (milestone["due_on"] or "—")[:10]
        assert row == [milestone["title"], due, str(opened), str(closed), milestone["state"]]
    opened, closed = github_counts(sandbox, "acme/web", "label", "checkout")
    assert table_row(result.out, "checkout") == ["checkout", str(opened), str(closed)]
    assert "source api" not in result.out  # only the source asked for
    assert writes(sandbox) == []


def test_discover_lists_fix_versions_labels_and_epics_in_both_jira_modes(jira_sandbox, state):
    result = run_cli(["discover", "--project", "PLAT"], jira_sandbox, state)
    assert result.code == 0, result.err
    issues = jira_sandbox.jira.issues("PLAT")
    for version in ("2.0", "2.1"):
        chosen = [
            i["fields"]
            for i in issues
            if version in {v["name"] for v in i["fields"].get("fixVersions") or []}
        ]
        done = sum(f["status"]["statusCategory"]["key"] == "done" for f in chosen)
        row = table_row(result.out, version)
        assert row[2:] == [str(len(chosen) - done), str(done), "unreleased"], row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[1])
    epics = [i for i in issues if i["fields"]["issuetype"]["name"] == "Epic"]
    assert epics
    for epic in epics:
        row = table_row(result.out, epic["key"])
        assert row[1] == epic["fields"]["summary"]
    assert table_row(result.out, "checkout")[0] == "checkout"
    assert writes(jira_sandbox) == []


def test_init_writes_a_starter_mapping_that_passes_validate_online(jira_sandbox, state, tmp_path):
    target = tmp_path / "delivery-sync.yaml"
    made = run_cli(
        ["init", "--repo", "acme/web", "--project", "PLAT", "--output", str(target)],
        jira_sandbox,
        state,
    )
    assert made.code == 0, made.err
    assert f"{target}: written (2 sources" in made.out
    text = target.read_text()
    assert "{source: web, milestone: v2.0}" in text and '{source: plat, fix_version: "2.0"}' in text
    assert "milestone: v1.8" not in text  # closed: nothing to deliver there any more
    checked = run_cli(["validate", "--online"], jira_sandbox, state, config=target)
    assert checked.code == 0, checked.out + checked.err
    assert writes(jira_sandbox) == []


def test_init_never_overwrites_a_file_without_force(sandbox, state, tmp_path):
    target = tmp_path / "delivery-sync.yaml"
    target.write_text("# mine\n")
    refused = run_cli(["init", "--repo", "acme/web", "--output", str(target)], sandbox, state)
    assert refused.code == 2 and "exists; pass --force" in refused.err
    assert target.read_text() == "# mine\n"
    forced = run_cli(
        ["init", "--repo", "acme/web", "--output", str(target), "--force"], sandbox, state
    )
    assert forced.code == 0, forced.err
    assert target.read_text().startswith("# A starter mapping")


def test_a_source_that_cannot_be_read_is_named_and_init_writes_nothing(sandbox, state, tmp_path):
    env = {"GITHUB_TOKEN": "wrong-token-123"}
    target = tmp_path / "delivery-sync.yaml"
    listed = run_cli(["discover", "--repo", "acme/web"], sandbox, state, env=env)
    assert listed.code == 1 and "source web" in listed.err and "wrong-token-123" not in listed.err
    made = run_cli(["init", "--repo", "acme/web", "--output", str(target)], sandbox, state, env=env)
    assert made.code == 1 and not target.exists()


def test_unknown_source_or_repository_name_is_a_usage_error(sandbox, state, tmp_path):
    unknown = run_cli(["discover", "--source", "nope"], sandbox, state, config=GITHUB_MAPPING)
    assert unknown.code == 2 and "no source 'nope' in the mapping file (web, api)" in unknown.err
    malformed = run_cli(["discover", "--repo", "not-a-repo"], sandbox, state)
    assert malformed.code == 2 and "--repo" in malformed.err
    nothing = run_cli(["discover"], sandbox, state, config=tmp_path / "absent.yaml")
    assert nothing.code == 2 and "--repo OWNER/NAME or --project KEY" in nothing.err
    assert "Traceback" not in unknown.err + malformed.err + nothing.err
