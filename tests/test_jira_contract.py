"""The Jira adapter's requests, pinned with `responses`: URLs, parameters, counts, retries, and the
normalisation of recorded-style Cloud and Data Center payloads."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlparse, urlsplit

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from responses import matchers
from structlog.testing import capture_logs
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from connectors.jira import (
    BasicAuth,
    BearerAuth,
    JiraAuth,
    JiraOptions,
    JiraTracker,
    SiteInfo,
    incremental_clause,
    jql_problem,
    search_jql,
)
from connectors.model import Marker, Person, TrackerState, WorkItem
from connectors.retry import AmbiguousWrite, NotFound, TrackerError
from rendering.document import Document, Heading, Line, Mention, Plain, Section, Text
from sandbox.jira import jql as sandbox_jql
from tests.jira_payloads import (
    BOT_ACCOUNT,
    BOT_NAME,
    CLOUD,
    CLOUD_POINTS,
    CLOUD_SPRINT,
    DC,
    DC_EPIC_LINK,
    DC_POINTS,
    DC_SPRINT,
    SIGN_IN_PAGE,
    cloud_page,
    cloud_sprint,
    comment,
    comments_page,
    dc_page,
    dc_sprint,
    fields,
    issue,
    jira_error,
    link,
    myself,
    prop,
    server_info,
    version,
)

EMAIL = "delivery-sync@acme.example"
API_TOKEN = "ATATT3xFfGF0-cloud-api-token-value"
PAT = "NjU0MzIxOTg3NjU0-dc-personal-access-token"
CLOUD_INFO = SiteInfo(
    cloud=True,
    account=BOT_ACCOUNT,
    story_points_field=CLOUD_POINTS,
    sprint_field=CLOUD_SPRINT,
)
DC_INFO = SiteInfo(
    cloud=False,
    account=BOT_NAME,
    story_points_field=DC_POINTS,
    epic_link_field=DC_EPIC_LINK,
    sprint_field=DC_SPRINT,
)
BASE_FIELDS = (
    "summary,status,resolution,resolutiondate,assignee,labels,duedate,fixVersions,parent,"
    "issuelinks,created,updated,timetracking,timespent"
)
CLOUD_FIELDS = f"{BASE_FIELDS},customfield_10016,customfield_10020"
DC_FIELDS = f"{BASE_FIELDS},customfield_10106,customfield_10104,customfield_10101"
FULL_JQL = 'project = "PLAT" ORDER BY updated ASC'
# Data Center pages by offset, so it orders by key: updates cannot reshuffle it mid-read.
DC_FULL_JQL = 'project = "PLAT" ORDER BY key ASC'
LEAD = Marker("delivery-lead", deliverable="checkout-v2")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def rest(base: str, path: str) -> str:
    return f"{base}/rest/api/2/{path}"


def strict(params: dict[str, str]) -> matchers.query_param_matcher:
    return matchers.query_param_matcher(params, strict_match=True)


@pytest.fixture
def sleeps():
    return []


def cloud_tracker(
    sleeps: list[float] | None = None, auth: JiraAuth | None = None, **options
) -> JiraTracker:
    auth = auth or BasicAuth(EMAIL, SecretStr(API_TOKEN))
    sink = sleeps if sleeps is not None else []
    return JiraTracker(
        "plat", "PLAT", url=CLOUD, auth=auth, options=JiraOptions(**options), sleep=sink.append
    )


def dc_tracker(
    sleeps: list[float] | None = None, auth: JiraAuth | None = None, **options
) -> JiraTracker:
    auth = auth or BearerAuth(SecretStr(PAT))
    options.setdefault("deployment", "server")
    sink = sleeps if sleeps is not None else []
    return JiraTracker(
        "plat", "PLAT", url=DC + "/", auth=auth, options=JiraOptions(**options), sleep=sink.append
    )


@pytest.fixture
def cloud(sleeps):
    return cloud_tracker(sleeps, info=CLOUD_INFO)


@pytest.fixture
def dc(sleeps):
    return dc_tracker(sleeps, info=DC_INFO)


def keys(n: int) -> list[str]:
    return [f"PLAT-{i}" for i in range(1, n + 1)]


# ---- search ------------------------------------------------------------------------------------


@responses.activate
def test_cloud_follows_the_next_page_token_to_the_end_and_never_calls_search(cloud):
    chunks = [keys(250)[i : i + 100] for i in (0, 100, 200)]
    tokens = [None, "CAEaAggC", "CAEaAggD"]
    for n, chunk in enumerate(chunks):
        params = {"jql": FULL_JQL, "maxResults": "100", "fields": CLOUD_FIELDS}
        if tokens[n]:
            params["nextPageToken"] = tokens[n]
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        responses.get(
            rest(CLOUD, "search/jql"),
            json=cloud_page([issue(k) for k in chunk], following),
            match=[strict(params)],
        )
    items = list(cloud.fetch_items(None))
    assert [i.key for i in items] == keys(250)
    assert len(responses.calls) == 3 and cloud.stats.reads == 3
    assert all(urlparse(c.request.url).path == "/rest/api/2/search/jql" for c in responses.calls)


@responses.activate
def test_cloud_stops_at_is_last_even_with_a_token(cloud):
    page = cloud_page([issue("PLAT-1")], None) | {"nextPageToken": "stale", "isLast": True}
    responses.get(rest(CLOUD, "search/jql"), json=page)
    assert [i.key for i in cloud.fetch_items(None)] == ["PLAT-1"]
    assert len(responses.calls) == 1


@responses.activate
def test_data_center_pages_by_start_at_until_the_total(dc):
    for start in (0, 100, 200):
        chunk = keys(250)[start : start + 100]
        params = {
            "jql": DC_FULL_JQL,
            "startAt": str(start),
            "maxResults": "100",
            "fields": DC_FIELDS,
        }
        responses.get(
            rest(DC, "search"),
            json=dc_page([issue(k, cloud=False) for k in chunk], start, 250),
            match=[strict(params)],
        )
    items = list(dc.fetch_items(None))
    assert len(items) == 250 and len(responses.calls) == 3 and dc.stats.reads == 3


@responses.activate
def test_data_center_advances_by_what_the_server_returned(dc):
    """A server that caps pages below 100 is still read to the end, without gaps."""
    for start in (0, 50):
        responses.get(
            rest(DC, "search"),
            json=dc_page(
                [issue(k, cloud=False) for k in keys(100)[start : start + 50]], start, 100
            ),
            match=[matchers.query_param_matcher({"startAt": str(start)}, strict_match=False)],
        )
    assert [i.key for i in dc.fetch_items(None)] == keys(100)
    assert len(responses.calls) == 2


@responses.activate
def test_the_query_combines_project_filters_and_the_increment(cloud):
    tracker = cloud_tracker(source_jql="component = Checkout", info=CLOUD_INFO)
    expected = (
        'project = "PLAT" AND (component = Checkout) AND (labels = client-facing) '
        "AND updated >= -90m ORDER BY updated ASC"
    )
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page([], None),
        match=[strict({"jql": expected, "maxResults": "100", "fields": CLOUD_FIELDS})],
    )
    since = datetime.now(UTC) - timedelta(minutes=89, seconds=30)
    assert list(tracker.fetch_items(since, jql="labels = client-facing")) == []
    assert len(responses.calls) == 1


@responses.activate
def test_data_center_sends_the_same_filters_ordered_by_key_and_the_epic_link_field(dc):
    expected = 'project = "PLAT" AND (fixVersion = "2.0") AND updated >= -15m ORDER BY key ASC'
    responses.get(
        rest(DC, "search"),
        json=dc_page([], 0, 0),
        match=[strict({"jql": expected, "startAt": "0", "maxResults": "100", "fields": DC_FIELDS})],
    )
    since = datetime.now(UTC) - timedelta(minutes=14, seconds=30)
    assert list(dc.fetch_items(since, jql='fixVersion = "2.0"')) == []


def test_the_increment_is_relative_and_rounded_up():
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert incremental_clause(now - timedelta(minutes=5), now) == "updated >= -5m"
    assert incremental_clause(now - timedelta(minutes=5, seconds=1), now) == "updated >= -6m"
    berlin = datetime.fromisoformat("2026-11-20T10:30:00+01:00")  # 09:30 UTC
    assert incremental_clause(berlin, now) == "updated >= -30m"
    assert incremental_clause(now + timedelta(minutes=3), now) == "updated >= -1m"  # clock skew


def test_a_full_query_has_no_increment():
    assert (
        search_jql(
            "PLAT", source_jql=None, selector_jql="labels = x", since=None, now=datetime.now(UTC)
        )
        == 'project = "PLAT" AND (labels = x) ORDER BY updated ASC'
    )


@responses.activate
def test_each_key_is_yielded_once_per_call(dc):
    """A key seen twice (an issue that moved between pages while we read) is yielded once."""
    responses.get(
        rest(DC, "search"),
        json=dc_page([issue("PLAT-1", cloud=False), issue("PLAT-2", cloud=False)], 0, 3),
    )
    responses.get(rest(DC, "search"), json=dc_page([issue("PLAT-2", cloud=False)], 2, 3))
    assert [i.key for i in dc.fetch_items(None)] == ["PLAT-1", "PLAT-2"]


# ---- normalisation -----------------------------------------------------------------------------


@responses.activate
def test_a_cloud_issue_is_normalised_field_by_field(cloud):
    raw = issue(
        "PLAT-42",
        "Pay by card",
        status_name="In Review",
        category="indeterminate",
        assignee=("712020:aa11-alex", "Alex Kim"),
        labels=("checkout", "requirement"),
        duedate="2026-12-01",
        fix_versions=("2.0", "2.1"),
        parent="PLAT-100",
        links=(
            link("Blocks", inward="PLAT-7"),  # PLAT-7 blocks PLAT-42
            link("Blocks", outward="PLAT-9"),  # PLAT-42 blocks PLAT-9
            link("Relates", inward="PLAT-8"),
            link("Blocks", inward="OPS-3", inward_category="done"),  # no longer blocks
        ),
        points=5.0,
        sprints=(
            cloud_sprint(36, "PLAT Sprint 11", "closed"),
            cloud_sprint(37, "PLAT Sprint 12", "active"),
            cloud_sprint(38, "PLAT Sprint 13", "future"),
        ),
        timetracking={
            "originalEstimate": "2d",
            "remainingEstimate": "1d",
            "timeSpent": "1d 2h",
            "originalEstimateSeconds": 57600,
            "remainingEstimateSeconds": 28800,
            "timeSpentSeconds": 36000,
        },
        time_fields=(57600, 28800, 36000),
    )
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([raw], None))
    [item] = cloud.fetch_items(None)
    assert item == WorkItem(
        source="plat",
        key="PLAT-42",
        title="Pay by card",
        url="https://acme.atlassian.net/browse/PLAT-42",
        state=TrackerState.INDETERMINATE,
        status="In Review",
        created=datetime(2026, 10, 2, 8, 15, tzinfo=UTC),
        updated=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        closed=None,
        resolution=None,
        assignees=(Person("jira", "712020:aa11-alex", "Alex Kim"),),
        labels=("checkout", "requirement"),
        due=date(2026, 12, 1),
        milestones=("2.0", "2.1"),
        parent="PLAT-100",
        points=5.0,
        spent_seconds=36000,
        blocked_by=("PLAT-7",),
        sprint="PLAT Sprint 12",
        task_list=(0, 0),
    )


@responses.activate
def test_a_resolved_issue_keeps_its_resolution_and_close_time(cloud):
    raw = issue(
        "PLAT-5",
        status_name="Closed",
        category="done",
        resolution="Won't Do",
        resolutiondate="2026-11-21T17:45:00.000+0100",
        sprints=(cloud_sprint(35, "PLAT Sprint 10", "closed"), cloud_sprint(36, "S11", "closed")),
    )
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([raw], None))
    [item] = cloud.fetch_items(None)
    assert item.state is TrackerState.DONE and item.status == "Closed"
    assert item.resolution == "Won't Do"
    assert item.closed == datetime(2026, 11, 21, 16, 45, tzinfo=UTC)
    assert item.sprint == "S11"  # no active sprint: the last one
    assert item.points is None and item.assignees == () and item.parent is None


@responses.activate
def test_a_cloud_sub_task_keeps_its_parent_story(cloud):
    raw = issue("PLAT-43", kind="Sub-task", parent="PLAT-42", category="new", status_name="To Do")
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([raw], None))
    [item] = cloud.fetch_items(None)
    assert (item.parent, item.state) == ("PLAT-42", TrackerState.NEW)


@responses.activate
def test_a_data_center_issue_uses_names_the_epic_link_and_flat_time_fields(dc):
    raw = issue(
        "PLAT-7",
        "Rate limiter",
        cloud=False,
        assignee=("alex.kim", "Alex Kim"),
        epic_link="PLAT-100",
        points=3,
        sprints=(dc_sprint(11, "PLAT Sprint 11", "closed"), dc_sprint(12, "Sprint, 12", "active")),
        time_fields=(28800, 7200, 21600),  # no `timetracking` in search results
        links=(link("Blocks", inward="PLAT-2", base=DC),),
    )
    responses.get(rest(DC, "search"), json=dc_page([raw], 0, 1))
    [item] = dc.fetch_items(None)
    assert item.url == "https://jira.acme.example/jira/browse/PLAT-7"
    assert item.assignees == (Person("jira", "alex.kim", "Alex Kim"),)
    assert item.parent == "PLAT-100"
    assert item.points == 3.0 and isinstance(item.points, float)
    assert item.sprint == "Sprint, 12"
    assert item.spent_seconds == 21600
    assert item.blocked_by == ("PLAT-2",)


@responses.activate
def test_a_data_center_sub_task_without_epic_link_keeps_its_parent(dc):
    raw = issue("PLAT-8", cloud=False, kind="Sub-task", parent="PLAT-7")
    responses.get(rest(DC, "search"), json=dc_page([raw], 0, 1))
    [item] = dc.fetch_items(None)
    assert item.parent == "PLAT-7" and item.sprint is None


@responses.activate
def test_an_unreadable_sprint_text_costs_the_sprint_not_the_issue(dc):
    raw = issue("PLAT-9", cloud=False, sprints=("com.atlassian.greenhopper.Sprint@1",))
    responses.get(rest(DC, "search"), json=dc_page([raw], 0, 1))
    [item] = dc.fetch_items(None)
    assert item.key == "PLAT-9" and item.sprint is None


@responses.activate
def test_a_malformed_item_is_skipped_with_a_warning(cloud):
    no_created = issue("PLAT-2")
    del no_created["fields"]["created"]
    odd_category = issue("PLAT-3", category="new")
    odd_category["fields"]["status"]["statusCategory"]["key"] = "archived"
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page(
            [issue("PLAT-1"), no_created, odd_category, {"id": "1"}, issue("PLAT-4")], None
        ),
    )
    with capture_logs() as logs:
        items = list(cloud.fetch_items(None))
    assert [i.key for i in items] == ["PLAT-1", "PLAT-4"]
    warnings = [e for e in logs if e["event"] == "item.malformed"]
    assert [w["item"] for w in warnings] == ["PLAT-2", "PLAT-3", None]
    assert all(w["source"] == "plat" and w["log_level"] == "warning" for w in warnings)


# ---- discovery ---------------------------------------------------------------------------------


@responses.activate
def test_discover_on_cloud_reads_server_info_fields_and_our_account():
    responses.get(rest(CLOUD, "serverInfo"), json=server_info(cloud=True))
    responses.get(rest(CLOUD, "field"), json=fields(cloud=True))
    responses.get(rest(CLOUD, "myself"), json=myself(cloud=True))
    tracker = cloud_tracker()
    assert len(responses.calls) == 0  # constructing the client costs nothing
    with capture_logs() as logs:
        info = tracker.discover()
    assert info == SiteInfo(
        cloud=True,
        account=BOT_ACCOUNT,
        story_points_field=CLOUD_POINTS,  # "Story point estimate", not the empty "Story Points"
        epic_link_field=None,  # Cloud links epics through `parent`
        sprint_field=CLOUD_SPRINT,
    )
    [ambiguous] = [e for e in logs if e["event"] == "jira.story_points.ambiguous"]
    assert ambiguous["candidates"] == [CLOUD_POINTS, "customfield_10028"]
    assert len(responses.calls) == 3 and tracker.stats.reads == 3
    assert tracker.info is info and len(responses.calls) == 3  # cached


@responses.activate
def test_discover_on_data_center_skips_server_info_when_the_deployment_is_given():
    responses.get(rest(DC, "field"), json=fields(cloud=False))
    responses.get(rest(DC, "myself"), json=myself(cloud=False))
    tracker = dc_tracker()
    assert tracker.discover() == DC_INFO
    assert [urlparse(c.request.url).path for c in responses.calls] == [
        "/jira/rest/api/2/field",
        "/jira/rest/api/2/myself",
    ]
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {PAT}"


@responses.activate
def test_the_first_fetch_discovers_the_site_once():
    responses.get(rest(CLOUD, "serverInfo"), json=server_info(cloud=True))
    responses.get(rest(CLOUD, "field"), json=fields(cloud=True))
    responses.get(rest(CLOUD, "myself"), json=myself(cloud=True))
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([issue("PLAT-1")], None))
    tracker = cloud_tracker(story_points_field="customfield_10028")
    [item] = tracker.fetch_items(None)
    [item] = tracker.fetch_items(None)
    assert item.points is None and item.sprint is None  # the payload holds none of them
    assert [urlparse(c.request.url).path.rsplit("/2/", 1)[1] for c in responses.calls] == [
        "serverInfo",
        "field",
        "myself",
        "search/jql",
        "search/jql",
    ]
    assert "customfield_10028" in responses.calls[3].request.params["fields"]
    expected_auth = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
    assert responses.calls[0].request.headers["Authorization"] == f"Basic {expected_auth}"
    assert tracker.info.story_points_field == CLOUD_POINTS  # what discovery found, stored


@responses.activate
def test_an_idle_cycle_with_stored_site_info_makes_only_the_search_request(cloud):
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([], None))
    cloud.body(Document((Line((Plain("x"),)),)), LEAD)
    assert len(responses.calls) == 0
    assert list(cloud.fetch_items(datetime.now(UTC) - timedelta(minutes=10))) == []
    assert len(responses.calls) == 1 and cloud.stats.reads == 1 and cloud.stats.writes == 0


@responses.activate
def test_stored_site_info_of_another_deployment_is_discovered_again():
    responses.get(rest(DC, "field"), json=fields(cloud=False))
    responses.get(rest(DC, "myself"), json=myself(cloud=False))
    tracker = dc_tracker(info=CLOUD_INFO)
    assert tracker.info == DC_INFO and len(responses.calls) == 2


@responses.activate
def test_the_mapping_file_story_points_field_wins(dc):
    override = dc_tracker(info=DC_INFO, story_points_field="customfield_12345")
    raw = issue("PLAT-1", cloud=False, points=8)
    raw["fields"]["customfield_12345"] = 2
    fields_sent = BASE_FIELDS + ",customfield_12345,customfield_10104,customfield_10101"
    responses.get(
        rest(DC, "search"),
        json=dc_page([raw], 0, 1),
        match=[matchers.query_param_matcher({"fields": fields_sent}, strict_match=False)],
    )
    [item] = override.fetch_items(None)
    assert item.points == 2.0
    assert override.info.story_points_field == DC_POINTS  # the stored discovery is untouched


@responses.activate
def test_story_points_none_asks_for_no_points_field():
    tracker = cloud_tracker(info=CLOUD_INFO, story_points_field="none")
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page([issue("PLAT-1", points=5)], None),
        match=[
            matchers.query_param_matcher(
                {"fields": f"{BASE_FIELDS},customfield_10020"}, strict_match=False
            )
        ],
    )
    [item] = tracker.fetch_items(None)
    assert item.points is None


def test_site_info_survives_a_json_round_trip():
    text = json.dumps(DC_INFO.to_dict())
    assert SiteInfo.from_dict(json.loads(text)) == DC_INFO
    assert SiteInfo.from_dict({"cloud": True, "account": "a", "later": 1}) == SiteInfo(True, "a")


# ---- milestones and single items ---------------------------------------------------------------


@responses.activate
def test_fix_versions_are_read_in_one_request(cloud):
    responses.get(
        rest(CLOUD, "project/PLAT/versions"),
        json=[
            version(10100, "2.0", "2026-12-15"),
            version(10101, "1.9", "2026-10-01", released=True),
            version(10102, "later", None),
            {"id": "1"},
        ],
        match=[strict({})],
    )
    found = cloud.fetch_milestones()
    assert [(m.title, m.due, m.closed, m.url) for m in found] == [
        ("2.0", date(2026, 12, 15), False, f"{CLOUD}/projects/PLAT/versions/10100"),
        ("1.9", date(2026, 10, 1), True, f"{CLOUD}/projects/PLAT/versions/10101"),
        ("later", None, False, f"{CLOUD}/projects/PLAT/versions/10102"),
    ]
    assert len(responses.calls) == 1


@responses.activate
def test_fetch_item_asks_for_the_same_fields(dc):
    responses.get(
        rest(DC, "issue/PLAT-100"),
        json=issue("PLAT-100", "Checkout v2", cloud=False, kind="Epic", duedate="2026-12-15"),
        match=[strict({"fields": DC_FIELDS})],
    )
    item = dc.fetch_item("PLAT-100")
    assert item is not None and item.key == "PLAT-100" and item.due == date(2026, 12, 15)


@responses.activate
def test_fetch_item_of_a_deleted_issue_is_none(cloud):
    responses.get(
        rest(CLOUD, "issue/PLAT-404"),
        status=404,
        json={"errorMessages": ["Issue does not exist or you do not have permission to see it."]},
    )
    assert cloud.fetch_item("PLAT-404") is None


# ---- comments: reading -------------------------------------------------------------------------


@responses.activate
def test_own_comments_are_our_accounts_with_the_marker_from_the_property(cloud):
    others = [comment(9000 + n, "hi", author="712020:someone-else") for n in range(100)]
    ours = [
        comment(10500, "status", properties=[prop(LEAD.to_dict())]),
        comment(
            10501,
            "pm",
            properties=[
                prop({"role": "project-manager", "deliverable": "checkout-v2", "v": 2}),
                prop({"x": 1}, key="another-app"),
            ],
        ),
        comment(10502, "copied", author="712020:mallory", properties=[prop(LEAD.to_dict())]),
        comment(10503, "no marker", properties=[]),
        comment(10504, "garbage", properties=[prop("{not json")]),
        comment(10505, "as text", properties=[prop(json.dumps(LEAD.to_dict()))]),
        comment(10506, "no role", properties=[prop({"deliverable": "checkout-v2"})]),
    ]
    for start, chunk in ((0, others), (100, ours)):
        responses.get(
            rest(CLOUD, "issue/PLAT-100/comment"),
            json=comments_page(chunk, start, 107),
            match=[strict({"startAt": str(start), "maxResults": "100", "expand": "properties"})],
        )
    found = cloud.own_comments("PLAT-100")
    assert [(c.id, c.marker) for c in found] == [
        ("10500", LEAD),
        ("10501", Marker("project-manager", deliverable="checkout-v2")),
        ("10503", None),
        ("10504", None),
        ("10505", LEAD),
        ("10506", None),
    ]
    assert found[0].author == BOT_ACCOUNT and found[0].body == "status"
    assert len(responses.calls) == 2


@responses.activate
def test_without_expanded_properties_our_comments_markers_are_read_one_by_one(dc):
    responses.get(
        rest(DC, "issue/PLAT-100/comment"),
        json=comments_page(
            [
                comment(10500, "status", cloud=False),
                comment(10501, "other", cloud=False),
                comment(10502, "theirs", cloud=False, author="sam.park"),
            ],
            0,
            3,
        ),
    )
    responses.get(
        rest(DC, "comment/10500/properties/delivery-sync"),
        json={"key": "delivery-sync", "value": LEAD.to_dict()},
    )
    responses.get(
        rest(DC, "comment/10501/properties/delivery-sync"),
        status=404,
        json={"errorMessages": ["The property with key 'delivery-sync' does not exist."]},
    )
    assert [(c.id, c.marker) for c in dc.own_comments("PLAT-100")] == [
        ("10500", LEAD),
        ("10501", None),
    ]
    assert len(responses.calls) == 3  # nothing read for another author's comment


# ---- comments: writing -------------------------------------------------------------------------


@responses.activate
def test_create_on_cloud_sets_the_marker_in_the_same_request(cloud):
    body = "h3. Delivery status — Checkout v2\n\nStatus: On track\n"
    responses.post(
        rest(CLOUD, "issue/PLAT-100/comment"),
        status=201,
        json=comment(10600, body),
        match=[
            matchers.json_params_matcher(
                {"body": body, "properties": [{"key": "delivery-sync", "value": LEAD.to_dict()}]}
            )
        ],
    )
    created = cloud.create_comment("PLAT-100", body, LEAD)
    assert (created.id, created.marker, created.body, created.author) == (
        "10600",
        LEAD,
        body,
        BOT_ACCOUNT,
    )
    assert len(responses.calls) == 1 and cloud.stats.writes == 1


@responses.activate
def test_create_on_data_center_also_puts_the_property(dc):
    payload = {"body": "x", "properties": [{"key": "delivery-sync", "value": LEAD.to_dict()}]}
    responses.post(
        rest(DC, "issue/PLAT-100/comment"),
        status=201,
        json=comment(10600, "x", cloud=False),
        match=[matchers.json_params_matcher(payload)],
    )
    responses.put(
        rest(DC, "comment/10600/properties/delivery-sync"),
        status=201,
        match=[matchers.json_params_matcher(LEAD.to_dict())],
    )
    assert dc.create_comment("PLAT-100", "x", LEAD).id == "10600"
    assert [c.request.method for c in responses.calls] == ["POST", "PUT"]
    assert dc.stats.writes == 2


@responses.activate
def test_a_comment_that_cannot_be_marked_is_left_for_the_next_cycle_to_mark(dc):
    responses.post(
        rest(DC, "issue/PLAT-100/comment"), status=201, json=comment(10600, "x", cloud=False)
    )
    responses.put(
        rest(DC, "comment/10600/properties/delivery-sync"),
        status=403,
        json={"errorMessages": ["You do not have permission to edit this comment."]},
    )
    with pytest.raises(TrackerError) as caught:
        dc.create_comment("PLAT-100", "x", LEAD)
    assert not isinstance(caught.value, AmbiguousWrite)
    assert "10600" in str(caught.value) and "the next cycle marks it" in str(caught.value)
    assert [c.request.method for c in responses.calls] == ["POST", "PUT"]


@responses.activate
def test_mark_comment_puts_the_marker_property(dc):
    responses.put(
        rest(DC, "comment/10600/properties/delivery-sync"),
        status=200,
        match=[matchers.json_params_matcher(LEAD.to_dict())],
    )
    dc.mark_comment("PLAT-100", "10600", LEAD)
    assert len(responses.calls) == 1 and dc.stats.writes == 1


@responses.activate
def test_a_create_answered_502_is_ambiguous_and_not_resent(cloud, sleeps):
    responses.post(rest(CLOUD, "issue/PLAT-100/comment"), status=502, body="<html>Bad Gateway")
    with pytest.raises(AmbiguousWrite):
        cloud.create_comment("PLAT-100", "x", LEAD)
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_a_create_whose_connection_drops_is_ambiguous(dc):
    responses.post(
        rest(DC, "issue/PLAT-100/comment"),
        body=requests.ConnectionError("Connection aborted: ConnectionResetError(104)"),
    )
    with pytest.raises(AmbiguousWrite):
        dc.create_comment("PLAT-100", "x", LEAD)
    assert len(responses.calls) == 1


@responses.activate
def test_a_create_that_never_reached_the_server_is_retried(cloud, sleeps):
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")
    path = rest(CLOUD, "issue/PLAT-100/comment")
    responses.post(path, body=requests.ConnectionError(MaxRetryError(None, path, refused)))
    responses.post(path, status=201, json=comment(10600, "x"))
    assert cloud.create_comment("PLAT-100", "x", LEAD).id == "10600"
    assert len(responses.calls) == 2 and len(sleeps) == 1


@responses.activate
def test_a_create_whose_answer_names_no_comment_is_ambiguous(cloud):
    responses.post(rest(CLOUD, "issue/PLAT-100/comment"), status=201, body="")
    with pytest.raises(AmbiguousWrite):
        cloud.create_comment("PLAT-100", "x", LEAD)


@responses.activate
def test_edit_puts_the_body_to_the_issue_comment_url_and_retries_a_502(cloud, sleeps):
    path = rest(CLOUD, "issue/PLAT-100/comment/10500")
    responses.put(path, status=502, body="Bad Gateway")
    responses.put(
        path,
        json=comment(10500, "new"),
        match=[matchers.json_params_matcher({"body": "new"})],
    )
    cloud.edit_comment("PLAT-100", "10500", "new", LEAD)
    assert len(responses.calls) == 2 and len(sleeps) == 1 and cloud.stats.writes == 2


@responses.activate
def test_editing_a_deleted_comment_is_not_found(dc):
    responses.put(
        rest(DC, "issue/PLAT-100/comment/10500"),
        status=404,
        json={"errorMessages": ["Can not find a comment for the id: 10500."]},
    )
    with pytest.raises(NotFound):
        dc.edit_comment("PLAT-100", "10500", "new", LEAD)


def test_a_body_over_the_limit_is_never_sent(cloud):
    with pytest.raises(TrackerError, match="32767"):
        cloud.edit_comment("PLAT-100", "10500", "x" * 32_768, LEAD)
    with pytest.raises(TrackerError):
        cloud.create_comment("PLAT-100", "x" * 32_768, LEAD)
    assert cloud.stats.writes == 0


# ---- bodies ------------------------------------------------------------------------------------


def test_bodies_mention_by_deployment_and_carry_no_marker(cloud, dc):
    people = (Person("jira", "712020:8f1e6a"), Person("jira", "dana.lee"))
    doc = Document((Heading("Delivery status — Checkout v2"), Line((Mention("Dana", people[:1]),))))
    body = cloud.body(doc, LEAD)
    assert "[~accountid:712020:8f1e6a]" in body and "delivery-sync" not in body
    dc_doc = Document((Line((Mention("Dana", people[1:]),)),))
    assert dc.body(dc_doc, LEAD) == "[~dana.lee]\n"


def test_a_huge_body_is_cut_to_the_jira_limit(cloud):
    items = tuple((Text(f"PLAT-{n} {'very long title ' * 20}"),) for n in range(2000))
    body = cloud.body(Document((Section("Overdue", items, limit=2000),)), LEAD)
    assert len(body) <= 32_767 and "more" in body


# ---- rate limits and errors --------------------------------------------------------------------


@responses.activate
def test_429_waits_as_retry_after_says(cloud, sleeps):
    responses.get(
        rest(CLOUD, "search/jql"),
        status=429,
        json={"errorMessages": ["Rate limit exceeded."]},
        headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"},
    )
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([], None))
    assert list(cloud.fetch_items(None)) == []
    assert sleeps == [7.0] and len(responses.calls) == 2


@responses.activate
def test_429_without_retry_after_waits_for_the_iso_reset(cloud, sleeps):
    reset = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    responses.get(
        rest(CLOUD, "project/PLAT/versions"),
        status=429,
        body="",
        headers={"X-RateLimit-Reset": reset + "Z", "X-RateLimit-Remaining": "0"},
    )
    responses.get(rest(CLOUD, "project/PLAT/versions"), json=[])
    assert cloud.fetch_milestones() == []
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


@responses.activate
def test_a_5xx_read_is_retried(dc, sleeps):
    responses.get(rest(DC, "project/PLAT/versions"), status=503, body="Service Unavailable")
    responses.get(rest(DC, "project/PLAT/versions"), json=[])
    assert dc.fetch_milestones() == [] and len(responses.calls) == 2 and len(sleeps) == 1


@responses.activate
def test_bad_jql_fails_at_once_with_jiras_message(cloud, sleeps):
    responses.get(
        rest(CLOUD, "search/jql"),
        status=400,
        json={"errorMessages": ["Field 'compnent' does not exist or you do not have permission."]},
    )
    with pytest.raises(TrackerError, match="HTTP 400 Field 'compnent' does not exist"):
        list(cloud.fetch_items(None, jql="compnent = x"))
    assert len(responses.calls) == 1 and sleeps == []


@pytest.mark.parametrize("deployment", ["cloud", "server"])
@responses.activate
def test_bad_credentials_fail_at_once_without_leaking_the_secret(deployment, sleeps, caplog):
    base, auth, secret = (
        (CLOUD, BasicAuth(EMAIL, SecretStr(API_TOKEN)), API_TOKEN)
        if deployment == "cloud"
        else (DC, BearerAuth(SecretStr(PAT)), PAT)
    )
    make = cloud_tracker if deployment == "cloud" else dc_tracker
    tracker = make(sleeps, auth=auth, deployment=deployment)
    responses.get(
        re.compile(re.escape(rest(base, "")) + ".*"),
        status=401,
        body="Client must be authenticated to access this resource.",
        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
    )
    caplog.set_level(logging.DEBUG)
    with capture_logs() as logs, pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    error = caught.value
    assert error.status == 401 and not error.retriable
    assert len(responses.calls) == 1 and sleeps == []
    encoded = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
    for text in (str(error), repr(error), repr(logs), caplog.text, repr(auth)):
        assert secret not in text and encoded not in text
    assert error.__cause__ is None and error.__suppress_context__


# ---- one rule for answers: the promised JSON shape, or a failed retriable read ------------------


def search_url(deployment: str) -> str:
    return rest(CLOUD, "search/jql") if deployment == "cloud" else rest(DC, "search")


def tracker_for(deployment: str, sleeps: list[float]) -> JiraTracker:
    if deployment == "cloud":
        return cloud_tracker(sleeps, info=CLOUD_INFO)
    return dc_tracker(sleeps, info=DC_INFO)


BOTH = pytest.mark.parametrize("deployment", ["cloud", "server"])


@BOTH
@responses.activate
def test_an_html_200_on_search_is_a_failed_read_not_an_empty_one(deployment, sleeps):
    responses.get(
        search_url(deployment), body=SIGN_IN_PAGE, content_type="text/html; charset=utf-8"
    )
    tracker = tracker_for(deployment, sleeps)
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    error = caught.value
    assert error.retriable and len(responses.calls) == 4 and len(sleeps) == 3
    text = str(error)
    assert "not JSON" in text and "text/html" in text and "check JIRA_URL" in text
    assert urlparse(search_url(deployment)).netloc in text
    assert "<html" not in text.lower() and "Sign in" not in text


@BOTH
@responses.activate
def test_a_sign_in_page_that_goes_away_is_read_on_the_next_attempt(deployment, sleeps):
    cloud = deployment == "cloud"
    responses.get(search_url(deployment), body=SIGN_IN_PAGE, content_type="text/html")
    page = (
        cloud_page([issue("PLAT-1")], None)
        if cloud
        else dc_page([issue("PLAT-1", cloud=False)], 0, 1)
    )
    responses.get(search_url(deployment), json=page)
    tracker = tracker_for(deployment, sleeps)
    assert [i.key for i in tracker.fetch_items(None)] == ["PLAT-1"]
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("deployment", "call_it", "path", "answer", "problem"),
    [
        ("cloud", "search", "search/jql", '{"issues": [{"key": "PLAT-1", "fie', "not JSON"),
        ("cloud", "search", "search/jql", '{"values": []}', "without its 'issues' list"),
        ("cloud", "search", "search/jql", '[{"key": "PLAT-1"}]', "a list where a page"),
        ("cloud", "search", "search/jql", '{"issues": [], "nextPageToken": 7}', "nextPageToken"),
        ("server", "search", "search", '{"issues": []}', "without its 'total'"),
        ("server", "search", "search", '{"issues": {}, "total": 0}', "'issues' list"),
        ("cloud", "versions", "project/PLAT/versions", '{"values": []}', "where a list belongs"),
        ("cloud", "versions", "project/PLAT/versions", "", "empty"),
        ("server", "comments", "issue/PLAT-1/comment", '{"total": 0}', "'comments' list"),
        ("server", "comments", "issue/PLAT-1/comment", "null", "null where a page"),
        ("cloud", "property", "comment/1/properties/delivery-sync", "[]", "where an object"),
        ("cloud", "issue", "issue/PLAT-1", '"PLAT-1"', "text where an object"),
    ],
)
@responses.activate
def test_an_answer_without_its_promised_shape_is_a_failed_retriable_read(
    deployment, call_it, path, answer, problem, sleeps
):
    base = CLOUD if deployment == "cloud" else DC
    responses.get(rest(base, path), body=answer, content_type="application/json")
    tracker = tracker_for(deployment, sleeps)
    calls = {
        "search": lambda: list(tracker.fetch_items(None)),
        "versions": tracker.fetch_milestones,
        "comments": lambda: tracker.own_comments("PLAT-1"),
        "property": lambda: tracker._property("1"),
        "issue": lambda: tracker.fetch_item("PLAT-1"),
    }
    with pytest.raises(TrackerError) as caught:
        calls[call_it]()
    assert caught.value.retriable and problem in str(caught.value)
    assert f"GET {rest(base, path)}" in str(caught.value)
    assert len(responses.calls) == 4


@responses.activate
def test_every_answer_has_lone_surrogates_made_valid_before_use(cloud):
    raw = json.dumps(
        cloud_page([issue("PLAT-1", "Broken \udc80 title", labels=("a\ud800",))], None)
    )
    assert "\\udc80" in raw  # the escape JSON allows and UTF-8 cannot encode
    responses.get(rest(CLOUD, "search/jql"), body=raw, content_type="application/json")
    [item] = cloud.fetch_items(None)
    assert item.title == "Broken \ufffd title" and item.labels == ("a\ufffd",)
    item.to_json().encode("utf-8")  # hashes and stores would encode it


# ---- paging that never ends ---------------------------------------------------------------------


@responses.activate
def test_a_next_page_token_sent_twice_stops_the_search(cloud):
    pages = [
        cloud_page([issue("PLAT-1")], "tokenA"),
        cloud_page([issue("PLAT-2")], "tokenB"),
        cloud_page([issue("PLAT-3")], "tokenA"),
        cloud_page([issue("PLAT-4")], "tokenB"),
    ]
    for page in pages:
        responses.get(rest(CLOUD, "search/jql"), json=page)
    with pytest.raises(TrackerError, match="page token it had sent before"):
        list(cloud.fetch_items(None))
    assert len(responses.calls) == 3


@responses.activate
def test_a_cloud_page_that_repeats_the_last_one_stops_the_search(cloud):
    same = [issue("PLAT-1"), issue("PLAT-2")]
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page(same, "t1"))
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page(same, "t2"))
    with pytest.raises(TrackerError, match="only entries of earlier pages"):
        list(cloud.fetch_items(None))
    assert len(responses.calls) == 2


@responses.activate
def test_cloud_pages_that_keep_promising_more_but_bring_nothing_stop(cloud):
    counter = iter(range(1000))
    responses.add_callback(
        responses.GET,
        rest(CLOUD, "search/jql"),
        callback=lambda request: (200, {}, json.dumps(cloud_page([], f"t{next(counter)}"))),
    )
    with pytest.raises(TrackerError, match="brought nothing new"):
        list(cloud.fetch_items(None))
    assert len(responses.calls) == 11


@responses.activate
def test_cloud_paging_stops_at_the_absolute_ceiling():
    tracker = cloud_tracker(info=CLOUD_INFO)
    tracker.max_pages = 5
    counter = iter(range(1, 1000))

    def fresh_page(request):
        n = next(counter)
        return 200, {}, json.dumps(cloud_page([issue(f"PLAT-{n}")], f"t{n}"))

    responses.add_callback(responses.GET, rest(CLOUD, "search/jql"), callback=fresh_page)
    with pytest.raises(TrackerError, match="more than 5 pages"):
        list(tracker.fetch_items(None))
    assert len(responses.calls) == 6


@responses.activate
def test_data_center_paging_that_ignores_start_at_stops(dc):
    first = dc_page([issue(k, cloud=False) for k in keys(100)], 0, 250)
    responses.get(rest(DC, "search"), json=first)
    with pytest.raises(TrackerError, match="asked for the page at 100, got the one at 0"):
        list(dc.fetch_items(None))
    assert len(responses.calls) == 2


@responses.activate
def test_data_center_paging_that_repeats_a_page_stops(dc):
    first = [issue(k, cloud=False) for k in keys(100)]
    responses.get(rest(DC, "search"), json=dc_page(first, 0, 250))
    responses.get(rest(DC, "search"), json=dc_page(first, 100, 250))  # echoes, but repeats
    with pytest.raises(TrackerError, match="only entries of earlier pages"):
        list(dc.fetch_items(None))


@responses.activate
def test_data_center_paging_stops_at_the_ceiling_its_first_total_allows(dc):
    """A total that keeps growing cannot hold the run: 2 × the pages the first total needs + 10."""
    counter = iter(range(1, 10_000))

    def growing(request):
        start = int(request.params["startAt"])
        chunk = [issue(f"PLAT-{next(counter)}", cloud=False) for _ in range(100)]
        return 200, {}, json.dumps(dc_page(chunk, start, start + 1000))

    responses.add_callback(responses.GET, rest(DC, "search"), callback=growing)
    with pytest.raises(TrackerError, match="more than 30 pages"):
        list(dc.fetch_items(None))  # first total 1000: 10 pages, ceiling 30
    assert len(responses.calls) == 31


@responses.activate
def test_comment_listing_that_ignores_start_at_stops(cloud):
    mine = [comment(10500 + n, f"c{n}", properties=[]) for n in range(100)]
    responses.get(rest(CLOUD, "issue/PLAT-1/comment"), json=comments_page(mine, 0, 500))
    with pytest.raises(TrackerError, match="list comments of PLAT-1: asked for the page at 100"):
        cloud.own_comments("PLAT-1")
    assert len(responses.calls) == 2


# ---- item isolation ----------------------------------------------------------------------------


@responses.activate
def test_unreadable_issues_are_skipped_named_and_recorded_and_the_rest_read(cloud):
    no_updated = issue("PLAT-2")
    no_updated["fields"]["updated"] = None
    odd_category = issue("PLAT-3")
    odd_category["fields"]["status"]["statusCategory"]["key"] = "archived"
    bad_due = issue("PLAT-4", duedate="2026-02-30")
    versions_as_text = issue("PLAT-5")
    versions_as_text["fields"]["fixVersions"] = ["2.0", "2.1"]
    summary_as_object = issue("PLAT-6")
    summary_as_object["fields"]["summary"] = {"text": "x"}
    page = [issue("PLAT-1"), no_updated, odd_category, bad_due, versions_as_text]
    page += [summary_as_object, issue("PLAT-7")]
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page(page, None))
    with capture_logs() as logs:
        items = list(cloud.fetch_items(None))
    assert [i.key for i in items] == ["PLAT-1", "PLAT-7"]
    assert sorted(cloud.unreadable) == ["PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5", "PLAT-6"]
    assert "fields.updated is missing" in cloud.unreadable["PLAT-2"]
    assert "'archived' is unknown" in cloud.unreadable["PLAT-3"]
    assert "'2026-02-30' is not a date" in cloud.unreadable["PLAT-4"]
    assert "a fix version is text, not an object" in cloud.unreadable["PLAT-5"]
    assert "the summary is an object" in cloud.unreadable["PLAT-6"]
    warned = [e["item"] for e in logs if e["event"] == "item.malformed"]
    assert warned == ["PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5", "PLAT-6"]


@pytest.mark.parametrize("points", ["five", float("nan"), float("inf"), True, [3], {"v": 3}])
@responses.activate
def test_points_that_are_not_a_finite_number_cost_only_the_points(cloud, points):
    raw = issue("PLAT-1")
    raw["fields"][CLOUD_POINTS] = points
    responses.get(
        rest(CLOUD, "search/jql"), json=cloud_page([raw, issue("PLAT-2", points=3)], None)
    )
    with capture_logs() as logs:
        items = list(cloud.fetch_items(None))
    assert [(i.key, i.points) for i in items] == [("PLAT-1", None), ("PLAT-2", 3.0)]
    assert cloud.unreadable == {}
    [warning] = [e for e in logs if e["event"] == "item.field_unreadable"]
    assert (warning["item"], warning["field"], warning["log_level"]) == (
        "PLAT-1",
        "story points",
        "warning",
    )


@responses.activate
def test_unreadable_time_spent_costs_only_that_figure(dc):
    raw = issue("PLAT-1", cloud=False, time_fields=(None, None, "2h"))
    responses.get(rest(DC, "search"), json=dc_page([raw, issue("PLAT-2", cloud=False)], 0, 2))
    with capture_logs() as logs:
        items = list(dc.fetch_items(None))
    assert [(i.key, i.spent_seconds) for i in items] == [("PLAT-1", None), ("PLAT-2", None)]
    [warning] = [e for e in logs if e["event"] == "item.field_unreadable"]
    assert (warning["item"], warning["field"]) == ("PLAT-1", "time spent")


@responses.activate
def test_issue_types_and_estimates_are_neither_asked_for_nor_read(cloud):
    # Nothing reads them: a broken one costs nothing, and the search does not fetch them.
    raw = issue("PLAT-1", time_fields=(-5, "2h", 3600))
    raw["fields"]["issuetype"] = "not an object"
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([raw], None))
    with capture_logs() as logs:
        [item] = cloud.fetch_items(None)
    assert item.key == "PLAT-1" and item.spent_seconds == 3600 and cloud.unreadable == {}
    assert [e for e in logs if e["log_level"] == "warning"] == []
    asked = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))["fields"].split(",")
    assert not {"issuetype", "timeoriginalestimate", "timeestimate"} & set(asked)


def test_a_mirror_row_written_with_the_dropped_fields_still_reads():
    item = WorkItem(
        source="plat",
        key="PLAT-1",
        title="Pay by card",
        url=f"{CLOUD}/browse/PLAT-1",
        state=TrackerState.NEW,
        status="To Do",
        created=NOW,
        updated=NOW,
        spent_seconds=60,
    )
    older = json.loads(item.to_json())
    older.update(issue_type="Story", estimate_seconds=3600, remaining_seconds=1800)
    assert WorkItem.from_json(json.dumps(older)) == item


@responses.activate
def test_a_report_target_that_cannot_be_read_is_a_tracker_error(cloud):
    raw = issue("PLAT-100")
    raw["fields"]["created"] = "yesterday"
    responses.get(rest(CLOUD, "issue/PLAT-100"), json=raw)
    with pytest.raises(TrackerError, match="PLAT-100: the issue cannot be read"):
        cloud.fetch_item("PLAT-100")


# ---- items from another project ----------------------------------------------------------------


@BOTH
@responses.activate
def test_issues_of_another_project_are_dropped_with_a_warning(deployment, sleeps):
    cloud = deployment == "cloud"
    page = [issue(k, cloud=cloud) for k in ("PLAT-1", "SECRET-7", "PLATFORM-3", "PLAT-2")]
    responses.get(
        search_url(deployment),
        json=cloud_page(page, None) if cloud else dc_page(page, 0, 4),
    )
    tracker = tracker_for(deployment, sleeps)
    with capture_logs() as logs:
        items = list(tracker.fetch_items(None))
    assert [i.key for i in items] == ["PLAT-1", "PLAT-2"]
    assert tracker.unreadable == {}
    foreign = [(e["item"], e["project"]) for e in logs if e["event"] == "item.foreign"]
    assert foreign == [("SECRET-7", "PLAT"), ("PLATFORM-3", "PLAT")]


ESCAPES = [
    "fixVersion = 2.0) OR (project = SECRET",
    "fixVersion = 2.0)) OR ((project = SECRET",
    "labels = a) OR project = SECRET OR (labels = b",
    'summary ~ "x") OR (project = SECRET',
    "summary ~ 'open",
    "(component = API",
    "labels = a\\) OR (project = SECRET",
]


@pytest.mark.parametrize("jql", ESCAPES)
@pytest.mark.parametrize("where", ["selector", "source"])
def test_jql_that_could_escape_the_project_clause_is_refused_unsent(jql, where):
    with responses.RequestsMock() as mock:  # any request at all would fail the test
        tracker = cloud_tracker(info=CLOUD_INFO, source_jql=jql if where == "source" else None)
        with pytest.raises(TrackerError) as caught:
            list(tracker.fetch_items(None, jql=jql if where == "selector" else None))
        with pytest.raises(TrackerError):
            tracker.check_jql(jql)
        assert len(mock.calls) == 0 and tracker.stats.reads == 0
    assert f"the {where} JQL" in str(caught.value) and "outside project PLAT" in str(caught.value)


@pytest.mark.parametrize(
    "jql",
    [
        "fixVersion = 2.0",
        "(fixVersion = 2.0) OR (labels in (a, b))",
        'summary ~ "a) OR (b"',
        'summary ~ "say \\"hi)\\" (twice"',
        "summary ~ 'don\\'t (panic' OR labels = x",
        "component = API AND fixVersion is EMPTY",
    ],
)
@responses.activate
def test_balanced_jql_is_sent_wrapped_in_parentheses(cloud, jql):
    expected = f'project = "PLAT" AND ({jql}) ORDER BY updated ASC'
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page([], None),
        match=[strict({"jql": expected, "maxResults": "100", "fields": CLOUD_FIELDS})],
    )
    assert list(cloud.fetch_items(None, jql=jql)) == []


def test_jql_problem_names_what_is_wrong():
    assert (
        jql_problem("a = 1) OR (b = 2")
        == "the ')' at position 6 closes a parenthesis it did not open"
    )
    assert jql_problem("(a = 1") == "1 '(' not closed"
    assert jql_problem('a ~ "x') == "a quoted string is not closed"
    assert "backslash" in jql_problem("a = x\\(y")
    assert jql_problem('a ~ "\\\\" AND (b = 1)') is None  # an escaped backslash ends nothing


# ---- quiet edits -------------------------------------------------------------------------------


@responses.activate
def test_cloud_edits_ask_jira_to_notify_nobody(cloud):
    responses.put(
        rest(CLOUD, "issue/PLAT-100/comment/10500"),
        json=comment(10500, "new"),
        match=[strict({"notifyUsers": "false"}), matchers.json_params_matcher({"body": "new"})],
    )
    cloud.edit_comment("PLAT-100", "10500", "new", LEAD)
    assert len(responses.calls) == 1


@responses.activate
def test_data_center_edits_send_no_notify_parameter_it_does_not_have(dc):
    responses.put(
        rest(DC, "issue/PLAT-100/comment/10500"),
        json=comment(10500, "new", cloud=False),
        match=[strict({}), matchers.json_params_matcher({"body": "new"})],
    )
    dc.edit_comment("PLAT-100", "10500", "new", LEAD)
    assert len(responses.calls) == 1


# ---- delete, labels, JQL check -----------------------------------------------------------------


@responses.activate
def test_delete_comment_deletes_and_a_gone_one_is_not_found(dc):
    url = rest(DC, "issue/PLAT-100/comment/10500")
    responses.delete(url, status=204)
    responses.delete(url, status=404, json=jira_error("Can not find a comment for the id: 10500."))
    dc.delete_comment("PLAT-100", "10500")
    with pytest.raises(NotFound):
        dc.delete_comment("PLAT-100", "10500")
    assert [c.request.method for c in responses.calls] == ["DELETE", "DELETE"]
    assert dc.stats.writes == 2


def test_jira_has_no_label_list_to_fetch(cloud):
    with responses.RequestsMock():
        assert cloud.fetch_labels() == []


@BOTH
@responses.activate
def test_check_jql_runs_the_selector_once_bounded_by_the_project(deployment, sleeps):
    query = 'project = "PLAT" AND (component = API) ORDER BY key ASC'
    params = {"jql": query, "maxResults": "1", "fields": "key"}
    if deployment == "cloud":
        page: dict = cloud_page([], None)
    else:
        params["startAt"] = "0"
        page = dc_page([], 0, 0)
    responses.get(search_url(deployment), json=page, match=[strict(params)])
    tracker_for(deployment, sleeps).check_jql("component = API")
    assert len(responses.calls) == 1


@responses.activate
def test_check_jql_raises_with_jiras_own_message(cloud, sleeps):
    responses.get(
        rest(CLOUD, "search/jql"),
        status=400,
        json=jira_error(
            "Error in the JQL Query: Expecting operator but got 'API'. (line 1, character 26)"
        ),
    )
    with pytest.raises(TrackerError, match="Expecting operator but got 'API'") as caught:
        cloud.check_jql("component API")
    assert caught.value.status == 400 and not caught.value.retriable and sleeps == []


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_check_jql_never_quotes_an_auth_failures_body(cloud, status):
    encoded = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
    responses.get(
        rest(CLOUD, "search/jql"),
        status=status,
        body=f"Denied. You sent: Authorization: Basic {encoded}",
        content_type="text/plain",
    )
    with pytest.raises(TrackerError) as caught:
        cloud.check_jql("component = API")
    text = str(caught.value)
    assert encoded not in text and API_TOKEN not in text and "Denied" not in text
    assert f"HTTP {status}" in text


# ---- errors a person can act on ----------------------------------------------------------------


def test_a_url_without_a_scheme_fails_at_once_with_the_fix(sleeps):
    tracker = JiraTracker(
        "plat", "PLAT", url="acme.atlassian.net", auth=BasicAuth(EMAIL, SecretStr(API_TOKEN)),
        sleep=sleeps.append,
    )  # fmt: skip
    with responses.RequestsMock() as mock, pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert len(mock.calls) == 0 and sleeps == [] and not caught.value.retriable
    text = str(caught.value)
    assert "JIRA_URL" in text and "no scheme" in text and "'https://acme.atlassian.net'" in text


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://acme.atlassian.net", "must start with https://"),
        ("https://", "names no host"),
        ("https://acme.atlassian.net:port", "is not a URL"),
        ("https://acme.atlassian.net/?x=1", "without '?'"),
    ],
)
def test_other_malformed_urls_fail_at_once(url, problem, sleeps):
    tracker = JiraTracker(
        "plat", "PLAT", url=url, auth=BearerAuth(SecretStr(PAT)),
        options=JiraOptions(deployment="server"), sleep=sleeps.append,
    )  # fmt: skip
    with responses.RequestsMock() as mock, pytest.raises(TrackerError, match=problem):
        tracker.fetch_milestones()
    assert len(mock.calls) == 0 and sleeps == []


def test_a_url_with_credentials_is_refused_without_showing_them():
    tracker = JiraTracker(
        "plat", "PLAT", url="https://dana:hunter2@acme.atlassian.net",
        auth=BasicAuth(EMAIL, SecretStr(API_TOKEN)), options=JiraOptions(info=CLOUD_INFO),
    )  # fmt: skip
    with responses.RequestsMock() as mock, pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert len(mock.calls) == 0
    assert "hunter2" not in str(caught.value) and "JIRA_EMAIL and JIRA_API_TOKEN" in str(
        caught.value
    )


def dns_failure(url: str) -> requests.ConnectionError:
    host = urlparse(url).hostname
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return requests.ConnectionError(MaxRetryError(None, url, NameResolutionError(host, None, gai)))


@responses.activate
def test_a_host_that_does_not_exist_is_not_retried(cloud, sleeps):
    url = rest(CLOUD, "search/jql")
    responses.get(url, body=dns_failure(url))
    with pytest.raises(TrackerError) as caught:
        list(cloud.fetch_items(None))
    assert not caught.value.retriable and len(responses.calls) == 1 and sleeps == []
    assert "acme.atlassian.net" in str(caught.value) and "JIRA_URL" in str(caught.value)


@responses.activate
def test_connection_errors_name_the_host_and_jira_url(dc, sleeps):
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")
    url = rest(DC, "project/PLAT/versions")
    responses.get(url, body=requests.ConnectionError(MaxRetryError(None, url, refused)))
    with pytest.raises(TrackerError) as caught:
        dc.fetch_milestones()
    text = str(caught.value)
    assert "jira.acme.example" in text and "JIRA_URL" in text
    assert caught.value.retriable and len(responses.calls) == 4


@responses.activate
def test_a_404_page_on_a_wrong_base_path_does_not_look_like_jira(sleeps):
    tracker = JiraTracker(
        "plat", "PLAT", url="https://jira.acme.example/wrong", auth=BearerAuth(SecretStr(PAT)),
        options=JiraOptions(deployment="server", info=DC_INFO), sleep=sleeps.append,
    )  # fmt: skip
    responses.get(
        re.compile(r"https://jira\.acme\.example/wrong/.*"),
        status=404,
        body="<html><body><h1>404 Not Found</h1><p>nginx</p></body></html>",
        content_type="text/html",
    )
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    error = caught.value
    assert not isinstance(error, NotFound) and not error.retriable and sleeps == []
    assert "does not look like a Jira site; check JIRA_URL" in str(error)
    assert "https://jira.acme.example/wrong/rest/api/2/search" in str(error)
    assert "nginx" not in str(error) and "<h1>" not in str(error)


@responses.activate
def test_a_server_whose_server_info_is_not_jiras_is_not_a_jira_site():
    tracker = cloud_tracker()
    responses.get(
        rest(CLOUD, "serverInfo"),
        json={"current_user_url": "https://api.github.com/user", "hub_url": "x"},
    )
    with pytest.raises(TrackerError, match="does not look like a Jira site") as caught:
        tracker.discover()
    assert not caught.value.retriable and len(responses.calls) == 1


@responses.activate
def test_a_401_from_something_else_is_not_reported_as_bad_credentials(sleeps):
    tracker = cloud_tracker(sleeps)
    responses.get(
        rest(CLOUD, "serverInfo"),
        status=401,
        json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
    )
    with pytest.raises(TrackerError) as caught:
        tracker.discover()
    text = str(caught.value)
    assert "Bad credentials" not in text and "does not answer like Jira" in text
    assert "check JIRA_URL" in text and caught.value.status == 401 and sleeps == []


@pytest.mark.parametrize("deployment", ["cloud", "server"])
@responses.activate
def test_a_jira_401_quotes_jiras_message_but_never_the_credential(deployment, sleeps):
    base = CLOUD if deployment == "cloud" else DC
    encoded = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
    echoed = f"Basic {encoded}" if deployment == "cloud" else f"Bearer {PAT}"
    responses.get(
        re.compile(re.escape(rest(base, "")) + ".*"),
        status=401,
        json=jira_error(
            "You are not authenticated.", f"Received Authorization: {echoed}", API_TOKEN, PAT
        ),
        headers={"X-AREQUESTID": "1x2x3"},
    )
    tracker = tracker_for(deployment, sleeps)
    with pytest.raises(TrackerError) as caught:
        tracker.fetch_milestones()
    text = str(caught.value)
    assert "You are not authenticated." in text and "Jira did not accept the credentials" in text
    assert "JIRA_PAT" in text if deployment == "server" else "JIRA_API_TOKEN" in text
    for secret in (encoded, API_TOKEN, PAT, echoed):
        assert secret not in text


JQL_CLAUSES = st.sampled_from(
    ["labels = a", "project = SECRET", "fixVersion = 2.1", 'summary ~ "x"', "NOT labels = b",
     "(labels = c)", 'summary ~ "a) OR (b"', "summary ~ 'q)'", "key in (PLAT-1, SECRET-1)"]
)  # fmt: skip
JQL_JOINS = st.sampled_from(
    [" OR ", " AND ", ") OR (", ") AND (", " OR (", ") OR ", "", '"', "'", "\\", ")", "("]
)
JQL_FILTERS = st.lists(st.tuples(JQL_CLAUSES, JQL_JOINS), min_size=1, max_size=5).map(
    lambda parts: "".join(clause + join for clause, join in parts)
)


@settings(max_examples=400)
@given(JQL_FILTERS)
def test_no_accepted_filter_changes_what_the_project_clause_governs(jql):
    """Read by an independent JQL parser (the sandbox's), every query built from an accepted
    filter is `project = "PLAT" AND (the filter)`: nothing in the filter reaches outside."""
    try:
        query = search_jql("PLAT", source_jql=None, selector_jql=jql, since=None, now=NOW)
    except TrackerError:
        assert jql_problem(jql) is not None
        return
    try:
        tree = sandbox_jql.parse(query)
    except sandbox_jql.JqlError:
        return  # Jira would refuse it with a 400: nothing is fetched
    assert isinstance(tree.where, sandbox_jql.And) and len(tree.where.items) == 2
    assert tree.where.items[0] == sandbox_jql.Clause(
        "project", "=", (sandbox_jql.Literal("PLAT", quoted=True),)
    )
