"""Properties of the GitHub normaliser on arbitrary JSON: no exception escapes an item, what
comes out can be hashed, stored and rendered, and good items always come through.

Pages mix intact issues with issues whose known keys hold arbitrary JSON (None, wrong types,
lone surrogates in strings) or are missing, and with entries that are not objects at all."""

from __future__ import annotations

import json
import re
from datetime import datetime

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.github import (
    GitHubAccount,
    GitHubCredentials,
    GitHubTracker,
    issues_of_page,
    normalise_milestone,
)
from connectors.model import Person, WorkItem
from connectors.tracker import skip_malformed, valid_text
from tests.github_payloads import API, issue, milestone

KNOWN_KEYS = [
    "number",
    "title",
    "state",
    "state_reason",
    "html_url",
    "created_at",
    "updated_at",
    "closed_at",
    "labels",
    "assignees",
    "milestone",
    "body",
]
SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
TEXT = st.lists(st.one_of(st.characters(), SURROGATES), max_size=12).map("".join)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(["2026-11-20T09:30:00Z", "2026-11-20", "9999-12-31T23:59:59-14:00", "open"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(TEXT | st.sampled_from(["name", "login", "title"]), inner, max_size=4),
    ),
    max_leaves=12,
)
MISSING = object()


@st.composite
def broken_issue(draw) -> dict:
    """An issue payload with some known keys replaced by arbitrary JSON or removed."""
    raw = issue(draw(st.integers(min_value=1000, max_value=2000)))
    for key in draw(st.lists(st.sampled_from(KNOWN_KEYS), min_size=1, max_size=5, unique=True)):
        value = draw(st.one_of(JSON, st.just(MISSING)))
        if value is MISSING:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


@st.composite
def page(draw) -> tuple[list, set[str]]:
    """A listing page and the keys of the intact issues in it."""
    good_numbers = draw(st.lists(st.integers(min_value=1, max_value=999), max_size=5, unique=True))
    entries: list = [
        issue(n, draw(TEXT), labels=("sp:3",), assignees=("alex-kim",)) for n in good_numbers
    ]
    entries += draw(st.lists(st.one_of(broken_issue(), JSON), max_size=6))
    order = draw(st.permutations(range(len(entries))))
    return [entries[i] for i in order], {f"acme/web#{n}" for n in good_numbers}


def assert_usable(item: WorkItem) -> None:
    """What the mirror, the hash and the renderers rely on."""
    assert re.fullmatch(r"acme/web#[1-9]\d*", item.key)
    assert isinstance(item.title, str) and isinstance(item.url, str)
    assert isinstance(item.status, str)
    assert isinstance(item.created, datetime) and item.created.tzinfo is not None
    assert isinstance(item.updated, datetime) and item.updated.tzinfo is not None
    assert item.closed is None or item.closed.tzinfo is not None
    assert item.resolution is None or isinstance(item.resolution, str)
    assert all(isinstance(label, str) for label in item.labels)
    assert all(isinstance(m, str) for m in item.milestones)
    assert all(isinstance(p, Person) and isinstance(p.id, str) for p in item.assignees)
    stored = item.to_json()
    stored.encode("utf-8")  # no lone surrogate survives
    assert WorkItem.from_json(stored) == item


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_no_exception_escapes_an_item_and_good_items_come_through(drawn):
    entries, good = drawn
    unreadable: dict[str, str] = {}

    items = list(issues_of_page(valid_text(entries), "web", "acme/web", unreadable))

    for item in items:
        assert_usable(item)
    assert good <= {item.key for item in items}
    # Every entry that did not come out was a pull request, not an object, or is named.
    out = {item.key for item in items}
    for raw in valid_text(entries):
        number = raw.get("number") if isinstance(raw, dict) else None
        readable = isinstance(number, int) and not isinstance(number, bool) and number > 0
        if readable and "pull_request" not in raw and f"acme/web#{number}" not in out:
            assert f"acme/web#{number}" in unreadable


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_the_adapter_reads_any_such_page_off_the_wire_without_failing(drawn):
    entries, good = drawn
    credentials = GitHubCredentials(token=SecretStr("ghp_property_token"))
    account = GitHubAccount(API, credentials, write_pause=0)
    tracker = GitHubTracker("web", "acme/web", account=account, sleep=lambda _: None)
    # As GitHub sends them: non-ASCII escaped, so lone surrogates travel as `\ud800`.
    body = json.dumps(entries, allow_nan=True)
    with responses.RequestsMock() as mock:
        mock.get(
            re.compile(re.escape(API).replace("ghe\\.example", r"ghe\.example(:443)?") + ".*"),
            body=body,
            content_type="application/json",
        )
        items = list(tracker.fetch_items(None))
    for item in items:
        assert_usable(item)
    assert good <= {item.key for item in items}


@settings(max_examples=100)
@given(st.lists(st.one_of(JSON, st.builds(lambda t: milestone(1, t, None), TEXT)), max_size=6))
def test_milestones_from_arbitrary_json_are_usable_or_skipped(raws):
    found = list(
        skip_malformed(
            valid_text(raws),
            lambda raw: normalise_milestone(raw, "web"),
            event="milestone.malformed",
            source="web",
            name=lambda raw: raw.get("title"),
        )
    )
    for found_milestone in found:
        assert isinstance(found_milestone.title, str)
        found_milestone.to_json().encode("utf-8")
