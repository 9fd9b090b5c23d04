"""The read planner: a full fetch lists the whole repository or each selector, whichever the
tracker's sizes say costs fewer requests; the cycle follows the plan, and the comments do not
depend on which reading it chose."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

import worker.fetch
from sandbox.server import Sandbox
from tests.e2e import requests_to, run_cli, writes
from worker.read_plan import Read, ReadPlan, listing_pages, plan_full_read
from worker.state import SQLiteState

# ---- the pure plan -------------------------------------------------------------------------------


def test_a_listing_costs_its_pages_and_an_empty_one_still_one_request():
    assert [listing_pages(n, 100) for n in (0, 1, 100, 101, 10_000)] == [1, 1, 1, 2, 100]


def test_selectors_covering_a_small_share_are_read_one_by_one():
    plan = plan_full_read(whole_pages=100, selector_pages=[23, 48, 1], targets=3)
    # 23 + 48 + 1 pages of selector listings, and one request per report target
    assert plan == ReadPlan(Read.SELECTORS, 75, 100, 75)


def test_the_whole_listing_wins_when_the_selectors_cover_most_of_it():
    plan = plan_full_read(whole_pages=10, selector_pages=[6, 5], targets=1)
    assert plan.read is Read.WHOLE and plan.pages == 10 and plan.selector_pages == 12


def test_a_tie_reads_the_whole_listing():
    plan = plan_full_read(whole_pages=3, selector_pages=[1, 1], targets=1)
    assert plan.read is Read.WHOLE and plan.selector_pages == 3


def test_targets_the_first_page_held_cost_nothing():
    assert plan_full_read(3, [1, 1], 0).read is Read.SELECTORS  # 2 < 3
    assert plan_full_read(3, [1, 1], 1).read is Read.WHOLE


def test_one_page_repositories_are_always_read_whole():
    assert plan_full_read(1, [1], 0).read is Read.WHOLE
    assert plan_full_read(1, [None], 0).read is Read.WHOLE  # nothing to open one for


def test_no_selectors_means_the_whole_listing():
    assert plan_full_read(5, [], 2) == ReadPlan(Read.WHOLE, 5, 5, None)


def test_unknown_sizes_are_opened_only_when_a_saving_is_still_possible():
    plan = plan_full_read(whole_pages=50, selector_pages=[9, None], targets=1)
    # at best 9 + 1 + 1 requests, the opened page being the selector's first: under 50
    assert plan.read is Read.PROBE and plan.probe == (1,)
    # at best 40 + 8 × 1 + 1 + 1 = 50, not under 50: nothing is opened
    assert plan_full_read(50, [40, *[None] * 9], 1).read is Read.WHOLE
    assert plan_full_read(51, [40, *[None] * 9], 1).probe == tuple(range(1, 10))


def test_listing_pages_turn_sizes_into_the_pages_the_plan_compares():
    sizes = [150]
    assert plan_full_read(4, [listing_pages(n, 50) for n in sizes], 0).read is Read.SELECTORS
    assert plan_full_read(4, [listing_pages(n, 30) for n in sizes], 0).read is Read.WHOLE


def test_nonsense_pages_are_refused():
    with pytest.raises(ValueError):
        plan_full_read(0, [1], 0)
    with pytest.raises(ValueError):
        plan_full_read(2, [1], -1)
    with pytest.raises(ValueError):
        plan_full_read(2, [0], 0)


# ---- the cycle follows it, against the sandbox ---------------------------------------------------

MAPPING = """\
version: 1
timezone: Europe/Berlin
people:
  - {name: Dana Lee, github: dana-lee}
  - {name: Sam Park, github: sam-park}
roles: {delivery_lead: Dana Lee, project_manager: Sam Park}
sources:
  - {id: big, kind: github, repo: acme/big}
deliverables:
  - id: focus
    name: Focus release
    include:
      - {source: big, milestone: m1}
      - {source: big, label: focus}
    report_to:
      - {source: big, issue: 1}
"""


def big_repository(sb: Sandbox, issues: int = 1_000) -> None:
    """A repository of `issues` issues whose selectors cover 70 of them: 40 in milestone m1
    (some closed, some in progress), 30 labelled `focus`; the report target #1 has a checklist."""
    github = sb.github
    github.add_repo("acme/big")
    # Two days old: older than the five-minute overlap of incremental reads
    created = github.store.clock() - timedelta(days=2)
    due = date.today() + timedelta(days=30)
    m1 = github.add_milestone("acme/big", "m1", due_on=due)["number"]
    github.add_issue(
        "acme/big",
        "Focus release",
        body="- [x] scope agreed\n- [ ] signed off",
        created_at=created,
    )
    for n in range(2, issues + 1):
        fields: dict = {}
        if n % 25 == 0:
            fields = {"milestone": m1, "assignees": ["dana-lee"]}
            if n % 50 == 0:
                fields |= {"state": "closed", "state_reason": "completed"}
            elif n % 75 == 0:
                fields |= {"labels": ["in progress"]}
        elif n % 33 == 0:
            fields = {"labels": ["focus"], "assignees": ["sam-park"]}
        github.add_issue("acme/big", f"Issue {n}", created_at=created, **fields)


@pytest.fixture
def big(tmp_path):
    config = tmp_path / "big.yaml"
    config.write_text(MAPPING)
    with Sandbox(seed="demo") as sb:
        big_repository(sb)
        yield sb, config


def listing_reads(sb: Sandbox) -> list:
    return requests_to(sb, "GET", r"/repos/acme/big/issues(/\d+)?$")


def test_a_cold_run_reads_a_small_selection_by_its_selectors_and_says_so(big, tmp_path):
    sb, config = big

    cold = run_cli(["run", "--once"], sb, tmp_path / "state.db", config=config)

    assert cold.code == 0, cold.err
    reads = listing_reads(sb)
    whole_pages = listing_pages(len(sb.github.issues("acme/big")), 100)
    assert whole_pages == 10
    # the change probe (page 1); the label opened (its first page, the size unknown on a cold
    # run), which the plan then keeps as the label's listing; the milestone's; the report target
    assert len(reads) == 4 < whole_pages
    assert all(r.query.get("per_page") == ["100"] for r in reads[:3])
    assert [r.query.get("labels") or r.query.get("milestone") for r in reads[1:3]] == [
        ["focus"],
        ["1"],
    ]
    assert reads[3].path.endswith("/issues/1")
    # the target was read with no comment on it: its comments are not listed before posting
    assert requests_to(sb, "GET", r"/issues/1/comments$") == []
    assert len(requests_to(sb, "POST", r"/issues/1/comments$")) == 2
    assert '"read": "selectors"' in cold.err and '"whole_pages": 10' in cold.err
    assert '"opened": 1' in cold.err


def test_when_the_milestones_prove_the_selectors_cheaper_the_whole_listing_is_not_touched(
    big, tmp_path
):
    """Every issue has one milestone at most, so the milestones' counts together are a floor
    for the whole listing: 900 issues in another milestone make it at least 10 pages, which
    three pages of selectors and a target beat without reading the first page to know."""
    sb, config = big
    other = sb.github.add_milestone("acme/big", "backlog")["number"]
    for n in range(900):
        sb.github.add_issue("acme/big", f"Backlog {n}", milestone=other)

    cold = run_cli(["run", "--once"], sb, tmp_path / "state.db", config=config)

    assert cold.code == 0, cold.err
    reads = listing_reads(sb)
    assert not [r for r in reads if r.query.get("sort") == ["updated"]]  # no whole-listing page
    assert [r.query.get("labels") or r.query.get("milestone") for r in reads[:2]] == [
        ["focus"],
        ["1"],
    ]
    assert len(reads) == 3 and reads[2].path.endswith("/issues/1")
    planned = next(json.loads(line) for line in cold.err.splitlines() if "read.planned" in line)
    assert planned["read"] == "selectors" and planned["whole_pages"] is None
    assert planned["whole_pages_at_least"] == 10 and planned["opened"] == 1
    lead = next(
        c["body"] for c in sb.github.comments("acme/big", 1) if "Delivery status" in c["body"]
    )
    assert "Progress: 20 of 69 items done" in lead

    sb.clear_requests()
    later = run_cli(["run", "--once"], sb, tmp_path / "state.db", config=config)
    assert later.code == 0, later.err
    # the next cycle reads the first page, unconditionally (no validator yet), and only it
    assert [r.query.get("sort") for r in listing_reads(sb)] == [["updated"]]
    assert writes(sb) == []


def test_the_comments_are_the_same_whichever_way_the_source_was_read(big, tmp_path, monkeypatch):
    sb, config = big
    first = run_cli(["run", "--once"], sb, tmp_path / "selectors.db", config=config)
    assert first.code == 0 and '"read": "selectors"' in first.err
    posted = {c["id"]: c["body"] for c in sb.github.comments("acme/big", 1)}
    assert len(posted) == 2
    sb.clear_requests()

    def whole(whole_pages, selector_pages, targets):
        return ReadPlan(Read.WHOLE, whole_pages, whole_pages, None)

    monkeypatch.setattr(worker.fetch, "plan_full_read", whole)
    # A new state: this run reads all ten pages, finds our comments by their markers and
    # compares what it would write with what they say.
    again = run_cli(["run", "--once"], sb, tmp_path / "whole.db", config=config)

    assert again.code == 0, again.err
    # ten pages (GitHub's `next` links name the repository by id) and the conditional re-check
    assert len(requests_to(sb, "GET", r"/(repos/acme/big|repositories/\d+)/issues$")) == 11
    assert writes(sb) == []
    assert {c["id"]: c["body"] for c in sb.github.comments("acme/big", 1)} == posted


def test_a_pull_request_reported_on_counts_nowhere_whichever_way_the_source_is_read(
    big, tmp_path, monkeypatch
):
    """A release pull request in the milestone, with a checklist, is the report target: a
    listing leaves pull requests out, so fetching the target on its own must not bring it (and
    its checklist) into the mirror, or the comment would change with the way of reading."""
    sb, config = big
    m1 = next(m["number"] for m in sb.github.milestones("acme/big") if m["title"] == "m1")
    pr = sb.github.add_issue(
        "acme/big", "Release m1", milestone=m1, pull_request=True, body="- [x] notes\n- [ ] tag"
    )
    config.write_text(
        MAPPING.replace("{source: big, issue: 1}", f"{{source: big, issue: {pr['number']}}}")
    )

    by_selectors = run_cli(["run", "--once"], sb, tmp_path / "selectors.db", config=config)

    assert by_selectors.code == 0 and '"read": "selectors"' in by_selectors.err
    assert requests_to(sb, "GET", rf"/issues/{pr['number']}$")  # fetched, and left out
    lead = next(c["body"] for c in sb.github.comments("acme/big", pr["number"]))
    assert "Progress: 20 of 69 items done" in lead and "notes" not in lead
    sb.clear_requests()
    monkeypatch.setattr(
        worker.fetch, "plan_full_read", lambda w, s, t: ReadPlan(Read.WHOLE, w, w, None)
    )
    whole = run_cli(["run", "--once"], sb, tmp_path / "whole.db", config=config)
    assert whole.code == 0 and writes(sb) == []  # the same text: nothing to edit


def test_a_later_full_read_sizes_labels_from_the_last_cycle_without_opening_them(big, tmp_path):
    sb, config = big
    config.write_text(MAPPING + "rules: {full_resync_hours: 0.0001}\n")
    state = tmp_path / "state.db"
    assert run_cli(["run", "--once"], sb, state, config=config).code == 0
    time.sleep(0.5)  # the resync period has passed: the next run reads in full again
    sb.clear_requests()

    again = run_cli(["run", "--once"], sb, state, config=config)

    assert again.code == 0, again.err
    assert '"read": "selectors"' in again.err and '"opened": 0' in again.err
    # the change probe, the milestone's listing, the label's; not the target: our comments
    # moved it to the front, onto the probe's page
    assert len(listing_reads(sb)) == 3


def test_a_selector_added_to_the_mapping_reads_the_repository_in_full_again(big, tmp_path):
    sb, config = big
    state = tmp_path / "state.db"
    assert run_cli(["run", "--once"], sb, state, config=config).code == 0
    extra = [sb.github.add_issue("acme/big", f"Extra {n}", labels=["extra"]) for n in range(3)]
    config.write_text(
        MAPPING.replace(
            "      - {source: big, label: focus}\n",
            "      - {source: big, label: focus}\n      - {source: big, label: extra}\n",
        )
    )
    sb.clear_requests()

    again = run_cli(["run", "--once"], sb, state, config=config)

    assert again.code == 0, again.err
    assert '"event": "read.planned"' in again.err  # a full read, not an incremental one
    lead = next(
        c["body"] for c in sb.github.comments("acme/big", 1) if "Delivery status" in c["body"]
    )
    assert "Progress: 20 of 72 items done" in lead  # 69 before, and the three new ones
    assert len(extra) == 3


def settled_with_an_issue_outside(sb: Sandbox, config, state) -> int:
    """Two runs (cold, then the one that reads our comments' bump); an issue outside every
    selector (no label, no milestone)."""
    assert run_cli(["run", "--once"], sb, state, config=config).code == 0
    assert run_cli(["run", "--once"], sb, state, config=config).code == 0
    return next(
        i["number"]
        for i in sb.github.issues("acme/big")
        if i["number"] > 1 and not i["labels"] and not i["milestone"]
    )


def test_work_outside_the_selectors_moves_no_figure_between_full_reads(big, tmp_path):
    sb, config = big
    state = tmp_path / "state.db"
    outside = settled_with_an_issue_outside(sb, config, state)
    sb.github.update_issue("acme/big", outside, labels=["in progress"], assignees=["dana-lee"])
    sb.clear_requests()

    later = run_cli(["run", "--once"], sb, state, config=config)

    assert later.code == 0, later.err
    fetched = next(
        json.loads(line) for line in later.err.splitlines() if '"source.fetched"' in line
    )
    assert not fetched["full"] and not fetched["unchanged"]  # the change was read ...
    mirrored = SQLiteState(state).item_keys("big")
    assert f"acme/big#{outside}" not in mirrored  # ... and not kept: no figure counts it
    assert '"mirror": false' in later.err  # so the mirror is not even read
    assert writes(sb) == []  # and no figure of the comments moved


def test_an_issue_that_enters_a_selector_later_is_kept_and_counted(big, tmp_path):
    sb, config = big
    state = tmp_path / "state.db"
    outside = settled_with_an_issue_outside(sb, config, state)
    sb.github.update_issue("acme/big", outside, labels=["Focus"])  # GitHub ignores the case

    later = run_cli(["run", "--once"], sb, state, config=config)

    assert later.code == 0, later.err
    lead = next(
        c["body"] for c in sb.github.comments("acme/big", 1) if "Delivery status" in c["body"]
    )
    assert "Progress: 20 of 70 items done" in lead  # 69, and the one labelled since
