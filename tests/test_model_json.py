"""A stored item's JSON is the dataclass's every field, whatever builds it: stores written before
`WorkItem.to_json` was hand-built read the same, and every field comes back."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime

from connectors.model import Person, TrackerState, WorkItem, _json_default


def every_field_set() -> WorkItem:
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return WorkItem(
        source="plat", key="PLAT-7", title="Pay by card", url="https://x/PLAT-7",
        state=TrackerState.INDETERMINATE, status="In Review", created=at, updated=at,
        closed=at, resolution="Done",
        assignees=(Person("jira", "712020:1", "Dana Lee"), Person("github", "sam-park")),
        labels=("checkout", "requirement"), due=date(2026, 12, 1), milestones=("2.0",),
        parent="PLAT-1", points=3.0, spent_seconds=3600, blocked_by=("PLAT-9",),
        sprint="Sprint 4", task_list=(1, 2),
    )  # fmt: skip


def test_to_json_is_what_asdict_gives():
    item = every_field_set()
    assert item.to_json() == json.dumps(asdict(item), default=_json_default, separators=(",", ":"))


def test_every_field_comes_back():
    item = every_field_set()
    assert WorkItem.from_json(item.to_json()) == item
