"""Properties of the Jira normaliser on arbitrary JSON: no exception escapes an item, what comes
out can be hashed, stored and rendered, and good items always come through.

Pages mix intact issues with issues whose fields hold arbitrary JSON (None, wrong types, lone
surrogates in strings, NaN and huge numbers) or are missing, and with entries that are not
objects at all. The path is the adapter's: `valid_text`, then `skip_malformed` over
`normalise_issue`; and the whole adapter reading such a page off the wire."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.jira import (
    ISSUE_FIELDS,
    BasicAuth,
    JiraOptions,
    JiraTracker,
    SiteInfo,
    normalise_issue,
    normalise_version,
)
from connectors.model import Person, TrackerState, WorkItem
from connectors.tracker import skip_malformed, valid_text
from tests.jira_payloads import (
    BOT_ACCOUNT,
    CLOUD,
    CLOUD_POINTS,
    CLOUD_SPRINT,
    cloud_page,
    cloud_sprint,
    issue,
    link,
    version,
)

INFO = SiteInfo(
    cloud=True, account=BOT_ACCOUNT, story_points_field=CLOUD_POINTS, sprint_field=CLOUD_SPRINT
)
# Every field the adapter asks for, so each can arrive broken.
FIELDS = [*ISSUE_FIELDS, CLOUD_POINTS, CLOUD_SPRINT]
SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
TEXT = st.lists(st.one_of(st.characters(), SURROGATES), max_size=12).map("".join)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(
        [
            "2026-11-20T09:30:00.000+0000",
            "2026-11-20",
            "2026-02-30",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "new",
            "indeterminate",
            "done",
            "archived",
            "PLAT-7",
            "OPS-1",
            "Blocks",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            TEXT | st.sampled_from(["key", "name", "statusCategory", "fields", "accountId"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
MISSING = object()


def intact(number: int, summary: str) -> dict:
    return issue(
        f"PLAT-{number}",
        summary,
        assignee=("712020:aa11-alex", "Alex Kim"),
        labels=("checkout",),
        duedate="2026-12-01",
        fix_versions=("2.0",),
        parent="PLAT-100",
        links=(link("Blocks", inward="PLAT-7"),),
        points=3.0,
        sprints=(cloud_sprint(37, "PLAT Sprint 12", "active"),),
        time_fields=(3600, 1800, 900),
    )


@st.composite
def broken_issue(draw) -> dict:
    """An issue payload with some fields (or the key, or the whole `fields`) replaced by
    arbitrary JSON or removed; sometimes a nested value (the status category) instead."""
    raw = intact(draw(st.integers(min_value=1000, max_value=2000)), "broken")
    fields = raw["fields"]
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=5, unique=True)):
        value = draw(st.one_of(JSON, st.just(MISSING)))
        if value is MISSING:
            fields.pop(name, None)
        else:
            fields[name] = value
    if draw(st.booleans()) and isinstance(fields.get("status"), dict):
        fields["status"] = {**fields["status"], "statusCategory": {"key": draw(JSON)}}
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        raw[draw(st.sampled_from(["key", "fields"]))] = draw(JSON)
    return raw


@st.composite
def page(draw) -> tuple[list, set[str]]:
    """A search page and the keys of the intact issues in it."""
    numbers = draw(st.lists(st.integers(min_value=1, max_value=999), max_size=5, unique=True))
    entries: list = [intact(n, draw(TEXT)) for n in numbers]
    entries += draw(st.lists(st.one_of(broken_issue(), JSON), max_size=6))
    order = draw(st.permutations(range(len(entries))))
    return [entries[i] for i in order], {f"PLAT-{n}" for n in numbers}


def assert_usable(item: WorkItem) -> None:
    """What the mirror, the hash and the renderers rely on."""
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*-\d+", item.key)
    assert isinstance(item.title, str) and isinstance(item.url, str)
    assert isinstance(item.state, TrackerState) and isinstance(item.status, str)
    assert isinstance(item.created, datetime) and item.created.tzinfo is not None
    assert isinstance(item.updated, datetime) and item.updated.tzinfo is not None
    assert item.closed is None or item.closed.tzinfo is not None
    assert item.resolution is None or isinstance(item.resolution, str)
    assert item.parent is None or isinstance(item.parent, str)
    assert item.sprint is None or isinstance(item.sprint, str)
    assert all(isinstance(label, str) for label in item.labels)
    assert all(isinstance(m, str) for m in item.milestones)
    assert all(isinstance(key, str) for key in item.blocked_by)
    assert all(isinstance(p, Person) and isinstance(p.id, str) for p in item.assignees)
    assert item.points is None or math.isfinite(item.points)  # never `nan of nan`
    spent = item.spent_seconds
    assert spent is None or (isinstance(spent, int) and spent >= 0)
    hash(item)
    stored = item.to_json()
    stored.encode("utf-8")  # no lone surrogate survives
    assert WorkItem.from_json(stored) == item


def normalised(entries: list, unreadable: dict[str, str]) -> list[WorkItem]:
    return list(
        skip_malformed(
            valid_text(entries),
            lambda raw: normalise_issue(raw, "plat", CLOUD, INFO),
            event="item.malformed",
            source="plat",
            name=lambda raw: raw.get("key"),
            unreadable=unreadable,
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_no_exception_escapes_an_item_and_good_items_come_through(drawn):
    entries, good = drawn
    unreadable: dict[str, str] = {}

    items = normalised(entries, unreadable)

    for item in items:
        assert_usable(item)
    assert good <= {item.key for item in items}
    # Every object with a text key that did not come out is named, with the reason.
    out = {item.key for item in items}
    for raw in valid_text(entries):
        key = raw.get("key") if isinstance(raw, dict) else None
        if isinstance(key, str) and key not in out:
            assert unreadable.get(key)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_the_adapter_reads_any_such_page_off_the_wire_without_failing(drawn):
    entries, good = drawn
    tracker = JiraTracker(
        "plat", "PLAT", url=CLOUD, auth=BasicAuth("bot@acme.example", SecretStr("t0ken")),
        options=JiraOptions(info=INFO), sleep=lambda _: None,
    )  # fmt: skip
    # As Jira sends them: non-ASCII escaped, so lone surrogates travel as `\ud800`.
    body = json.dumps(cloud_page(entries, None), allow_nan=True)
    with responses.RequestsMock() as mock:
        mock.get(f"{CLOUD}/rest/api/2/search/jql", body=body, content_type="application/json")
        items = list(tracker.fetch_items(None))
    for item in items:
        assert_usable(item)
        assert item.key.startswith("PLAT-")  # another project's issue never comes through
    assert good <= {item.key for item in items}


@settings(max_examples=100)
@given(st.lists(st.one_of(JSON, st.builds(lambda t: version(1, t, None), TEXT)), max_size=6))
def test_versions_from_arbitrary_json_are_usable_or_skipped(raws):
    found = list(
        skip_malformed(
            valid_text(raws),
            lambda raw: normalise_version(raw, "plat", CLOUD, "PLAT"),
            event="milestone.malformed",
            source="plat",
            name=lambda raw: raw.get("name"),
        )
    )
    for milestone in found:
        assert isinstance(milestone.title, str)
        milestone.to_json().encode("utf-8")
