"""What delivery-sync will not do to your trackers (issue 8), end to end against the sandbox:
a mapping typo never wipes a status, a mapping edit is not news, notices are not repeated, and
reports that left the mapping are retired, not frozen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.server import Sandbox
from tests.e2e import (
    GITHUB_MAPPING,
    JIRA_MAPPING,
    bot_comments,
    marker_of,
    open_issues,
    requests_to,
    run_cli,
    writes,
)

pytestmark = pytest.mark.e2e


def edited(tmp_path: Path, base: Path, old: str, new: str, name: str = "edited.yaml") -> Path:
    text = base.read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def reports_on(sb: Sandbox, repo: str, number: int) -> list[dict]:
    return [c for c in bot_comments(sb, repo, number) if "notice" not in marker_of(c)]


def notices_on(sb: Sandbox, repo: str, number: int) -> list[dict]:
    return [c for c in bot_comments(sb, repo, number) if "notice" in marker_of(c)]


def close_milestone_issues(sb: Sandbox, repo: str, milestone: str) -> None:
    for issue in open_issues(sb, repo, milestone):
        sb.github.update_issue(repo, issue["number"], state="closed")


# ---- a mapping typo never wipes a status -------------------------------------------------------


def test_a_milestone_typo_holds_the_deliverable_back_and_restoring_it_posts_nothing(
    sandbox, state, tmp_path
):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    before = {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/web", 2)}
    typo = edited(tmp_path, GITHUB_MAPPING, "milestone: v2.1}", "milestone: v2.I}")
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state, config=typo)

    assert result.code == 1, result.err
    assert "deliverables[1].include[0].milestone" in result.out
    assert "acme/web has no milestone 'v2.I'; did you mean 'v2.1'" in result.out
    assert '"deliverable.held_back"' in result.err
    # Not a single write to that deliverable's comments, and no notice anywhere.
    assert {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/web", 2)} == before
    assert [r for r in writes(sandbox) if r.method == "POST"] == []

    sandbox.clear_requests()
    restored = run_cli(["run", "--once"], sandbox, state)
    assert restored.code == 0, restored.out
    assert writes(sandbox) == []


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_a_fix_version_typo_holds_the_deliverable_back_in_both_jira_modes(state, tmp_path, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        before = {c["id"]: c["body"] for c in sandbox.jira.comments("PLAT-29")}
        typo = edited(tmp_path, JIRA_MAPPING, 'fix_version: "2.1"', 'fix_version: "2.1.0"')
        sandbox.clear_requests()

        result = run_cli(["run", "--once"], sandbox, state, config=typo)

        assert result.code == 1, result.err
        assert "deliverables[1].include[0].fix_version" in result.out
        assert "PLAT has no fix version '2.1.0'; did you mean '2.1'" in result.out
        assert {c["id"]: c["body"] for c in sandbox.jira.comments("PLAT-29")} == before
        assert writes(sandbox) == []
        # The other deliverable was published as usual (here: nothing changed, nothing written).
        assert "unchanged    plat:PLAT-1" in result.out

        sandbox.clear_requests()
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        assert writes(sandbox) == []


def test_a_relabelled_container_is_held_back_not_reported_empty(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    before = {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/api", 1)}
    for issue in sandbox.github.issues("acme/api"):
        labels = [label["name"] for label in issue["labels"]]
        if "security" in labels:
            others = [name for name in labels if name != "security"] + ["sec"]
            sandbox.github.update_issue("acme/api", issue["number"], labels=others)
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 1
    assert "deliverables[2].include[0]" in result.out
    assert "and matches none now" in result.out
    assert {c["id"]: c["body"] for c in bot_comments(sandbox, "acme/api", 1)} == before


# ---- notices announce the trackers' news, not ours -------------------------------------------


def test_a_status_that_flips_and_flips_back_is_announced_once(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    open_before = [i["number"] for i in open_issues(sandbox, "acme/web", "v2.1")]
    close_milestone_issues(sandbox, "acme/web", "v2.1")
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    assert len(notices_on(sandbox, "acme/web", 2)) == 1

    for number in open_before:  # reopened: back to the old status, within the cool-down
        sandbox.github.update_issue("acme/web", number, state="open")
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    close_milestone_issues(sandbox, "acme/web", "v2.1")
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    for number in open_before:
        sandbox.github.update_issue("acme/web", number, state="open")
    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0
    assert len(notices_on(sandbox, "acme/web", 2)) == 1
    assert '"notice.cooling_down"' in result.err


def test_a_status_changed_by_editing_the_mapping_is_not_announced(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    lead = next(
        c for c in reports_on(sandbox, "acme/web", 2) if marker_of(c)["role"] == "delivery-lead"
    )
    status_before = next(line for line in lead["body"].splitlines() if line.startswith("Status:"))
    # The delivery lead moves the deadline far out: the status changes, by the mapping's doing.
    later = edited(
        tmp_path,
        GITHUB_MAPPING,
        "    name: Mobile onboarding\n",
        "    name: Mobile onboarding\n    due: 2031-06-30\n",
    )
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state, config=later)

    assert result.code == 0, result.out
    lead = next(
        c for c in reports_on(sandbox, "acme/web", 2) if marker_of(c)["role"] == "delivery-lead"
    )
    status_after = next(line for line in lead["body"].splitlines() if line.startswith("Status:"))
    assert status_after != status_before  # the report shows the new status
    assert notices_on(sandbox, "acme/web", 2) == []
    assert requests_to(sandbox, "POST", r".") == []


# ---- retired reports ----------------------------------------------------------------------


def test_renaming_a_deliverable_retires_its_old_reports_once(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    old = {c["id"] for c in reports_on(sandbox, "acme/web", 2)}
    renamed = edited(tmp_path, GITHUB_MAPPING, "id: mobile-onboarding", "id: mobile-v1")
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state, config=renamed)

    assert result.code == 0, result.out
    assert result.err.count('"comment.retired"') == 2
    assert len(requests_to(sandbox, "POST", r"/issues/2/comments$")) == 2  # the new reports
    comments = {c["id"]: c for c in reports_on(sandbox, "acme/web", 2)}
    assert len(comments) == 4
    for comment_id in old:
        body, marker = comments[comment_id]["body"], marker_of(comments[comment_id])
        assert marker["retired"] is True and marker["deliverable"] == "mobile-onboarding"
        assert "Retired report — Mobile onboarding" in body
        assert "no longer updated since" in body
        assert "'mobile-onboarding' was removed from the mapping file" in body
        assert "Mobile onboarding is now reported in another comment on this issue" in body
        for figure in ("Status:", "Progress:", "Open:"):
            assert figure not in body

    sandbox.clear_requests()
    again = run_cli(["run", "--once"], sandbox, state, config=renamed)
    assert again.code == 0
    assert writes(sandbox) == []


def test_removing_a_report_target_retires_the_reports_there(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    fewer = edited(
        tmp_path,
        GITHUB_MAPPING,
        "    report_to:\n      - {source: api, issue: 1}\n",
        "",
    )
    result = run_cli(["run", "--once"], sandbox, state, config=fewer)
    assert result.code == 0, result.out
    bodies = [c["body"] for c in reports_on(sandbox, "acme/api", 1)]
    assert len(bodies) == 2
    assert all("removed from the report_to of deliverable 'api-hardening'" in b for b in bodies)


def test_prune_deletes_retired_reports(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    renamed = edited(tmp_path, GITHUB_MAPPING, "id: mobile-onboarding", "id: mobile-v1")
    assert run_cli(["run", "--once"], sandbox, state, config=renamed).code == 0
    sandbox.clear_requests()

    result = run_cli(["run", "--once", "--prune"], sandbox, state, config=renamed)

    assert result.code == 0, result.out
    assert len(requests_to(sandbox, "DELETE", r"/issues/comments/\d+$")) == 2
    assert result.err.count('"comment.pruned"') == 2
    remaining = reports_on(sandbox, "acme/web", 2)
    assert sorted(marker_of(c)["deliverable"] for c in remaining) == ["mobile-v1", "mobile-v1"]


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_jira_reports_are_retired_with_the_marker_property(state, tmp_path, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        renamed = edited(tmp_path, JIRA_MAPPING, "id: release-2-1", "id: platform-2-1")
        result = run_cli(["run", "--once"], sandbox, state, config=renamed)
        assert result.code == 0, result.out
        retired = []
        for comment in sandbox.jira.comments("PLAT-29"):
            props = {p["key"]: p["value"] for p in comment.get("properties", ())}
            value = props.get("delivery-sync") or {}
            if value.get("retired"):
                retired.append(comment)
                assert value["deliverable"] == "release-2-1"
                assert "Progress:" not in comment["body"]
        assert len(retired) == 2


# ---- people ----------------------------------------------------------------------------------


def test_assignees_missing_from_people_are_reported_once(sandbox, state, tmp_path):
    few = edited(
        tmp_path,
        GITHUB_MAPPING,
        "  - {name: Alex Kim, github: alex-kim}\n",
        "",
    )
    result = run_cli(["run", "--once"], sandbox, state, config=few)
    assert result.code == 0
    events = [json.loads(line) for line in result.err.splitlines() if "people.unlisted" in line]
    assert [(e["tracker"], e["identity"]) for e in events] == [("github", "alex-kim")]


# ---- self-healing reports --------------------------------------------------------------------


def age_verifications(state: Path, hours: float) -> None:
    import sqlite3
    from datetime import UTC, datetime, timedelta

    at = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    with sqlite3.connect(state) as db:
        db.execute("UPDATE verifications SET at = ?", (at,))


def test_a_deleted_or_edited_report_is_restored_at_the_daily_check(sandbox, state):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    lead, pm = sorted(reports_on(sandbox, "acme/web", 1), key=lambda c: marker_of(c)["role"])
    sandbox.github.delete_comment(lead["id"])
    sandbox.github.update_comment(pm["id"], pm["body"].replace("Open:", "Opened by hand:"))
    sandbox.clear_requests()

    idle = run_cli(["run", "--once"], sandbox, state)  # an ordinary idle cycle asks nothing more
    assert idle.code == 0
    assert writes(sandbox) == []
    assert requests_to(sandbox, "GET", r"/issues/\d+/comments$") == []

    age_verifications(state, 25)
    healed = run_cli(["run", "--once"], sandbox, state)

    assert healed.code == 0, healed.out
    assert len(requests_to(sandbox, "POST", r"/issues/1/comments$")) == 1
    assert len(requests_to(sandbox, "PATCH", rf"/issues/comments/{pm['id']}$")) == 1
    assert '"comment.missing"' in healed.err and '"comment.changed_by_someone"' in healed.err
    restored = {marker_of(c)["role"]: c["body"] for c in reports_on(sandbox, "acme/web", 1)}
    assert sorted(restored) == ["delivery-lead", "project-manager"]
    assert "Opened by hand:" not in restored["project-manager"]
    # One listing per target, and one more where a 404 on the edit proved a report gone.
    assert len(requests_to(sandbox, "GET", r"/issues/\d+/comments$")) == 4

    sandbox.clear_requests()
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    assert writes(sandbox) == []


# ---- validate --online checks what the selectors name ------------------------------------------


def test_validate_online_names_the_milestones_and_labels_the_repository_lacks(
    sandbox, state, tmp_path
):
    typo = edited(tmp_path, GITHUB_MAPPING, "milestone: v2.1}", "milestone: v2.I}")
    typo = edited(tmp_path, typo, "label: checkout}", "label: chekout}", name="typos.yaml")

    result = run_cli(["validate", "--online"], sandbox, state, config=typo)

    assert result.code == 1, result.out
    lines = result.out.splitlines()
    assert any(
        line.startswith(
            f"{typo}: deliverables[1].include[0].milestone: acme/web has no milestone 'v2.I'; "
            "did you mean 'v2.1'"
        )
        for line in lines
    ), lines
    assert (
        f"{typo}: deliverables[0].include[1].label: acme/web has no label 'chekout'; "
        "did you mean 'checkout'?"
    ) in lines
    assert writes(sandbox) == []
    good = run_cli(["validate", "--online"], sandbox, state)
    assert good.code == 0, good.out


def test_validate_online_prints_a_people_block_pairing_identities_across_trackers(
    sandbox, state, tmp_path
):
    from tests.e2e import MIXED_MAPPING

    text = MIXED_MAPPING.read_text()
    start, end = text.index("people:\n"), text.index("roles:\n")
    bare = tmp_path / "no-people.yaml"
    bare.write_text(
        text[:start]
        + "people: []\n"
        + text[end:].replace("roles:\n  delivery_lead: Dana Lee\n  project_manager: Sam Park\n", "")
    )

    result = run_cli(["validate", "--online"], sandbox, state, config=bare)

    assert result.code == 0, result.out + result.err
    block = result.out[result.out.index("people:\n") :]
    entries = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    alex = [e for e in entries if "alex-kim" in e]
    assert alex == [
        '- {name: Alex Kim, github: alex-kim, jira: "712020:a41f7c3e-9b2d-4c6e-8f1a-2b3c4d5e6f03"}'
    ]
    import yaml

    assert yaml.safe_load(block)["people"]  # pastes as valid YAML


def test_the_mixed_example_counts_each_engineer_once(state):
    """Every assignee of the example's counted items is listed in its `people`."""
    from tests.e2e import MIXED_MAPPING

    with Sandbox(seed="demo") as sandbox:
        result = run_cli(["run", "--once"], sandbox, state, config=MIXED_MAPPING)
        assert result.code == 0, result.out
        assert "people.unlisted" not in result.err
        [pm] = [c for c in reports_on(sandbox, "acme/web", 1) if "Task status" in c["body"]]
        table = pm["body"][pm["body"].index("| Person") :]
        assert "alex-kim" not in table and "Alex Kim" in table


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_validate_online_checks_fix_versions_epics_and_jql_in_both_jira_modes(
    state, tmp_path, mode
):
    typo = edited(tmp_path, JIRA_MAPPING, 'fix_version: "2.1"', 'fix_version: "2.1.0"')
    typo = edited(tmp_path, typo, "epic: PLAT-1}", "epic: PLAT-9999}", name="epic.yaml")
    typo = edited(
        tmp_path, typo, 'jql: "component = API', 'jql: "component = = API', name="jql.yaml"
    )
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        result = run_cli(["validate", "--online"], sandbox, state, config=typo)

        assert result.code == 1, result.out + result.err
        out = result.out
        assert (
            f"{typo}: deliverables[1].include[0].fix_version: PLAT has no fix version '2.1.0'; "
            "did you mean '2.1'" in out
        )
        assert f"{typo}: deliverables[0].include[0].epic: there is no issue PLAT-9999" in out
        [jql_line] = [line for line in out.splitlines() if ".include[1].jql:" in line]
        assert jql_line.startswith(f"{typo}: deliverables[1].include[1].jql: ")
        assert "400" in jql_line
        assert writes(sandbox) == []

        good = run_cli(["validate", "--online"], sandbox, state, config=JIRA_MAPPING)
        assert good.code == 0, good.out


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_a_jira_report_edited_by_someone_is_restored_naming_the_editor(state, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        [lead] = [
            c
            for c in sandbox.jira.comments("PLAT-29")
            if c["body"].startswith("h3. Delivery status")
        ]
        sandbox.jira.update_comment(lead["id"], "Looks fine to me", user="sam.park")
        age_verifications(state, 25)
        sandbox.clear_requests()

        result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

        assert result.code == 0, result.out
        [event] = [
            json.loads(line)
            for line in result.err.splitlines()
            if '"comment.changed_by_someone"' in line
        ]
        assert event["editor"] == "Sam Park"
        [restored] = [c for c in sandbox.jira.comments("PLAT-29") if c["id"] == lead["id"]]
        assert restored["body"] == lead["body"]
        puts = requests_to(sandbox, "PUT", rf"/comment/{lead['id']}$")
        assert len(puts) == 1
        if mode == "cloud":
            assert puts[0].query.get("notifyUsers") == ["false"]  # restoring notifies nobody


def test_validate_notes_a_deliverable_that_reports_nowhere(tmp_path, state):
    quiet = edited(
        tmp_path, GITHUB_MAPPING, "    report_to:\n      - {source: api, issue: 1}\n", ""
    )
    with Sandbox(seed="demo") as sandbox:
        result = run_cli(["validate"], sandbox, state, config=quiet)
    assert result.code == 0
    assert (
        f"{quiet}: note: deliverables[2].report_to: deliverable 'api-hardening' has no "
        "report_to: it will only appear in `report`, no comments are posted"
    ) in result.out.splitlines()


@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_prune_deletes_retired_jira_reports(state, tmp_path, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        renamed = edited(tmp_path, JIRA_MAPPING, "id: release-2-1", "id: platform-2-1")
        sandbox.clear_requests()

        result = run_cli(["run", "--once", "--prune"], sandbox, state, config=renamed)

        assert result.code == 0, result.out
        assert len(requests_to(sandbox, "DELETE", r"/issue/PLAT-29/comment/\d+$")) == 2
        markers = []
        for comment in sandbox.jira.comments("PLAT-29"):
            props = {p["key"]: p["value"] for p in comment.get("properties", ())}
            if "delivery-sync" in props:
                markers.append(props["delivery-sync"]["deliverable"])
        assert sorted(markers) == ["platform-2-1", "platform-2-1"]


# ---- regressions found in review ---------------------------------------------------------------


def status_lines(sb: Sandbox, repo: str, number: int) -> list[str]:
    return [
        line
        for c in reports_on(sb, repo, number)
        for line in c["body"].splitlines()
        if line.startswith("Status:")
    ]


def test_an_empty_comment_listing_at_the_daily_check_posts_no_duplicate(sandbox, state):
    """A cache or replica answering the listing once with an empty page is no proof that our
    reports are gone: the check rewrites them, and only a 404 on that write would repost."""
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    age_verifications(state, 25)
    sandbox.inject(
        status=200, body=[], method="GET", path=r"/repos/acme/web/issues/1/comments$", times=1
    )
    sandbox.clear_requests()

    result = run_cli(["run", "--once"], sandbox, state)

    assert result.code == 0, result.out
    assert len(reports_on(sandbox, "acme/web", 1)) == 2
    assert requests_to(sandbox, "POST", r"/issues/1/comments$") == []


TEAM_B = """version: 1
timezone: Europe/Berlin
sources:
  - {id: web, kind: github, repo: acme/web}
deliverables:
  - id: web-qa
    name: Web QA
    include:
      - {source: web, label: checkout}
    report_to:
      - {source: web, issue: 1}
"""


def test_a_second_deployment_with_the_same_bot_never_retires_the_first_ones_reports(
    sandbox, state, tmp_path
):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    team_a = {c["id"]: c["body"] for c in reports_on(sandbox, "acme/web", 1)}
    other = tmp_path / "team-b.yaml"
    other.write_text(TEAM_B)

    for args in (["run", "--once"], ["run", "--once", "--prune"]):
        result = run_cli(args, sandbox, tmp_path / "team-b.db", config=other)
        assert result.code == 0, result.out
        now = {c["id"]: c["body"] for c in reports_on(sandbox, "acme/web", 1)}
        assert {cid: now.get(cid) for cid in team_a} == team_a


def test_a_rename_with_a_typo_retires_nothing_until_the_new_reports_are_in_place(
    sandbox, state, tmp_path
):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    both = edited(tmp_path, GITHUB_MAPPING, "id: mobile-onboarding", "id: mobile-v1")
    both = edited(tmp_path, both, "milestone: v2.1}", "milestone: v2.I}", name="both.yaml")
    before = {c["id"]: c["body"] for c in reports_on(sandbox, "acme/web", 2)}

    held = run_cli(["run", "--once"], sandbox, state, config=both)

    assert held.code == 1 and "not reported" in held.out
    assert {c["id"]: c["body"] for c in reports_on(sandbox, "acme/web", 2)} == before
    fixed = edited(tmp_path, GITHUB_MAPPING, "id: mobile-onboarding", "id: mobile-v1")
    assert run_cli(["run", "--once"], sandbox, state, config=fixed).code == 0
    bodies = [c["body"] for c in reports_on(sandbox, "acme/web", 2)]
    assert sum("Progress:" in b for b in bodies) == 1
    assert sum("now reported in another comment" in b for b in bodies) == 2


def test_a_target_back_in_report_to_gets_new_reports_and_the_notes_stay(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    fewer = edited(
        tmp_path, GITHUB_MAPPING, "    report_to:\n      - {source: api, issue: 1}\n", ""
    )
    assert run_cli(["run", "--once"], sandbox, state, config=fewer).code == 0
    notes = {c["id"]: c["body"] for c in reports_on(sandbox, "acme/api", 1)}
    sandbox.clear_requests()

    back = run_cli(["run", "--once"], sandbox, state)

    assert back.code == 0, back.out
    now = {c["id"]: c["body"] for c in reports_on(sandbox, "acme/api", 1)}
    assert {cid: now[cid] for cid in notes} == notes  # never edited again
    assert len(requests_to(sandbox, "POST", r"/issues/1/comments$")) == 2
    assert notices_on(sandbox, "acme/api", 1) == []


def test_a_mapping_edit_is_not_announced_even_when_the_report_write_failed_once(
    sandbox, state, tmp_path
):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    lead = next(
        c for c in reports_on(sandbox, "acme/web", 2) if marker_of(c)["role"] == "delivery-lead"
    )
    later = edited(
        tmp_path,
        GITHUB_MAPPING,
        "    name: Mobile onboarding\n",
        "    name: Mobile onboarding\n    due: 2031-06-30\n",
    )
    sandbox.inject(status=422, method="PATCH", path=rf"/issues/comments/{lead['id']}$", times=1)
    assert run_cli(["run", "--once"], sandbox, state, config=later).code == 1
    assert run_cli(["run", "--once"], sandbox, state, config=later).code == 0
    assert notices_on(sandbox, "acme/web", 2) == []


def test_editing_the_rules_is_not_announced(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    before = status_lines(sandbox, "acme/web", 2)
    # A one-week window misses the slow weeks of "Mobile onboarding": Off track → On track.
    eager = edited(
        tmp_path,
        GITHUB_MAPPING,
        "  wip_limit: 3\n",
        "  wip_limit: 3\n  forecast_window_days: 7\n",
    )
    assert run_cli(["run", "--once"], sandbox, state, config=eager).code == 0
    assert status_lines(sandbox, "acme/web", 2) != before  # the status did change
    assert notices_on(sandbox, "acme/web", 2) == []


def test_a_jql_selector_that_empties_by_design_holds_nothing_back(state):
    """`component = API AND fixVersion is EMPTY` empties as the team triages: not a rename."""
    with Sandbox(seed="demo") as sandbox:
        assert run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING).code == 0
        for issue in sandbox.jira.issues("PLAT"):
            fields = issue["fields"]
            components = [c["name"] for c in fields.get("components") or []]
            untriaged = "API" in components and not fields.get("fixVersions")
            if untriaged and issue["key"] != "PLAT-29":
                sandbox.jira.update_issue(issue["key"], fix_versions=["2.1"])

        result = run_cli(["run", "--once"], sandbox, state, config=JIRA_MAPPING)

        assert result.code == 0, result.out
        assert "not reported" not in result.out


def test_a_target_re_added_later_hears_of_no_old_change(sandbox, state, tmp_path):
    assert run_cli(["run", "--once"], sandbox, state).code == 0
    fewer = edited(
        tmp_path, GITHUB_MAPPING, "    report_to:\n      - {source: web, issue: 2}\n", ""
    )
    assert run_cli(["run", "--once"], sandbox, state, config=fewer).code == 0
    close_milestone_issues(sandbox, "acme/web", "v2.1")  # news while web#2 is no target
    assert run_cli(["run", "--once"], sandbox, state, config=fewer).code == 0

    assert run_cli(["run", "--once"], sandbox, state).code == 0

    assert notices_on(sandbox, "acme/web", 2) == []
