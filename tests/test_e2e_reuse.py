"""Work in proportion to change, end to end: an idle cycle reads no mirror and builds no view,
a changed item recomputes only the deliverables that count it, a new day recomputes them all.

Outcomes come from the `reports.unchanged` log event (how many reports were computed, how many
were left as published, whether the mirror was read) and from the sandbox's request log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e import bot_comments, marker_of, only_in_mobile_onboarding, run_cli, writes

pytestmark = pytest.mark.e2e

DELIVERABLES = 3  # in the GitHub-only example mapping


def reuse_of(err: str) -> dict:
    """The run's one `reports.unchanged` event."""
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    found = [e for e in events if e.get("event") == "reports.unchanged"]
    assert len(found) == 1, err
    return {k: found[0][k] for k in ("unchanged", "computed", "mirror")}


def as_of(day_offset: int = 0) -> list[str]:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return ["--as-of", (noon + timedelta(days=day_offset)).isoformat()]


def test_an_idle_cycle_reads_no_mirror_builds_no_view_and_writes_nothing(sandbox, state):
    first = run_cli(["run", "--once", *as_of()], sandbox, state)
    assert first.code == 0, first.err
    assert reuse_of(first.err) == {"unchanged": 0, "computed": DELIVERABLES, "mirror": True}
    sandbox.clear_requests()

    idle = run_cli(["run", "--once", *as_of()], sandbox, state)

    assert idle.code == 0, idle.err
    assert reuse_of(idle.err) == {"unchanged": DELIVERABLES, "computed": 0, "mirror": False}
    assert writes(sandbox) == []
    # Every report is still accounted for in the summary, as unchanged, and the last line
    # counts the deliverables whose reports stood.
    lines = idle.out.splitlines()
    assert sum(line.startswith("unchanged ") for line in lines) == 2 * DELIVERABLES
    assert lines[-1].startswith(f"delivery-sync: {DELIVERABLES} deliverables, ")


def test_a_changed_item_recomputes_only_the_deliverables_that_count_it(sandbox, state):
    assert run_cli(["run", "--once", *as_of()], sandbox, state).code == 0
    number = only_in_mobile_onboarding(sandbox)
    sandbox.github.update_issue("acme/web", number, title="Renamed by the team")
    sandbox.clear_requests()

    changed = run_cli(["run", "--once", *as_of()], sandbox, state)

    assert changed.code == 0, changed.err
    assert reuse_of(changed.err) == {
        "unchanged": DELIVERABLES - 1,
        "computed": 1,
        "mirror": True,
    }
    # Only mobile-onboarding's comments (on web#2) may have been edited.
    edited = {r.path.rsplit("/", 1)[1] for r in writes(sandbox)}
    ours = {str(c["id"]) for c in bot_comments(sandbox, "acme/web", 2)}
    assert edited <= ours

    again = run_cli(["run", "--once", *as_of()], sandbox, state)
    assert reuse_of(again.err)["computed"] == 0


def test_a_new_day_recomputes_every_report(sandbox, state):
    assert run_cli(["run", "--once", *as_of()], sandbox, state).code == 0
    sandbox.clear_requests()

    tomorrow = run_cli(["run", "--once", *as_of(1)], sandbox, state)

    assert tomorrow.code == 0, tomorrow.err
    assert reuse_of(tomorrow.err) == {"unchanged": 0, "computed": DELIVERABLES, "mirror": True}
    again = run_cli(["run", "--once", *as_of(1)], sandbox, state)
    assert reuse_of(again.err) == {"unchanged": DELIVERABLES, "computed": 0, "mirror": False}


def test_a_deferred_write_is_recomputed_and_written_next_cycle(sandbox, state):
    capped = run_cli(["run", "--once", "--max-writes", "2", *as_of()], sandbox, state)
    assert capped.code == 0, capped.err
    sandbox.clear_requests()

    rest = run_cli(["run", "--once", *as_of()], sandbox, state)

    assert rest.code == 0, rest.err
    assert reuse_of(rest.err)["computed"] >= 1
    roles = [marker_of(c)["role"] for n in (1, 2) for c in bot_comments(sandbox, "acme/web", n)]
    roles += [marker_of(c)["role"] for c in bot_comments(sandbox, "acme/api", 1)]
    assert sorted(roles) == sorted(["delivery-lead", "project-manager"] * DELIVERABLES)
    sandbox.clear_requests()
    idle = run_cli(["run", "--once", *as_of()], sandbox, state)
    assert reuse_of(idle.err) == {"unchanged": DELIVERABLES, "computed": 0, "mirror": False}
    assert writes(sandbox) == []
