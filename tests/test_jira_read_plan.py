"""The Jira read planner: a full read of a Jira project is one search by the union of the
mapping's selectors, report targets and epics (and the assigned work in progress), inside the
project and the source's filter; the whole project only when that union cannot be said."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from structlog.testing import capture_logs

from connectors.jira import normalise_issue
from connectors.model import Person
from mappings.config import JiraSource, Selector, parse_mapping
from mappings.scope import jql_stream
from mappings.searches import UNION_LIMIT, WORK_IN_PROGRESS, Inexpressible, union_jql
from tests.items import jira_item
from tests.jira_payloads import CLOUD, DC, cloud_page, dc_page, issue, jira_error, version
from tests.test_jira_contract import CLOUD_INFO, DC_INFO, cloud_tracker, dc_tracker, rest
from worker.fetch import RECHECK, Criteria, Streams, load_mirror, streams_of, sync_source
from worker.state import Cursor, SQLiteState

WIP = f"({WORK_IN_PROGRESS})"
PERSON = Person("jira", "712020:ann", "Ann")


def sel(**criteria: str) -> Selector:
    return Selector(source="plat", **criteria)


def union(selectors, keys=(), *, cloud=True, versions=("2.1", "2.0")) -> str:
    return union_jql(selectors, keys, project="PLAT", cloud=cloud, versions=versions)


# ---- the union (pure) --------------------------------------------------------------------------


def test_the_union_ors_the_selectors_each_anding_its_own_criteria():
    found = union([sel(fix_version="2.1", label="backend"), sel(label="ops")])
    assert found == f'(fixVersion = "2.1" AND labels = "backend") OR (labels = "ops") OR {WIP}'


@pytest.mark.parametrize(
    ("cloud", "children"), [(True, "parent = PLAT-7"), (False, '"Epic Link" = PLAT-7')]
)
def test_an_epic_is_its_children_as_the_deployment_names_them_and_itself(cloud, children):
    found = union([sel(epic="PLAT-7")], ["PLAT-29", "PLAT-1"], cloud=cloud)
    assert found == f"({children}) OR (key in (PLAT-1, PLAT-29, PLAT-7)) OR {WIP}"


def test_values_are_quoted_as_the_search_links_quote_them():
    found = union([sel(fix_version='2.1 "beta"'), sel(label="a\\b")], versions=['2.1 "beta"'])
    assert found.startswith('(fixVersion = "2.1 \\"beta\\"") OR (labels = "a\\\\b")')


def test_jql_selectors_are_left_to_their_own_searches_and_only_the_targets_remain():
    found = union([sel(jql="component = API")], ["PLAT-29"])
    assert found == f"(key in (PLAT-29)) OR {WIP}"


def test_a_fix_version_jira_does_not_have_matches_nothing_and_is_left_out():
    found = union([sel(fix_version="2.1.0"), sel(label="ops")], versions=["2.1"])
    assert found == f'(labels = "ops") OR {WIP}'


def test_keys_of_other_projects_are_left_out():
    assert union([sel(label="ops")], ["OPS-4", "PLAT-2"]).count("key in (PLAT-2)") == 1
    assert "OPS-4" not in union([sel(label="ops")], ["OPS-4", "PLAT-2"])


@pytest.mark.parametrize(
    ("selectors", "why"),
    [
        ([sel()], "every issue"),
        ([sel(label="ops\nteam")], "control character"),
        ([sel(label=f"l{n:04}") for n in range(400)], f"longer than {UNION_LIMIT}"),
    ],
)
def test_a_union_that_cannot_be_said_exactly_or_in_one_request_is_refused(selectors, why):
    with pytest.raises(Inexpressible, match=why):
        union(selectors)


# ---- the requests (contract, `responses`) ------------------------------------------------------

STREAMS = Streams(
    "plat",
    '{"kind":"jira","project":"PLAT"}',
    ("component = API",),
    24,
    (Criteria("2.1", None), Criteria(None, None, "PLAT-1")),
    ("PLAT-29",),
    "PLAT",
    JiraSource(id="plat", kind="jira", project="PLAT"),
)
MEMBER_JQL = 'project = "PLAT" AND (component = API) ORDER BY updated ASC'


def searched(call) -> str:
    return dict(parse_qsl(urlsplit(call.request.url).query))["jql"]


def cloud_union() -> str:
    return union([sel(fix_version="2.1"), sel(epic="PLAT-1")], ["PLAT-29"])


@responses.activate
def test_cloud_full_read_is_one_search_by_the_union_and_incremental_reads_the_project(tmp_path):
    store = SQLiteState(tmp_path / "state.db")
    store.upsert_items("plat", [])
    tracker = cloud_tracker(info=CLOUD_INFO)
    responses.get(rest(CLOUD, "project/PLAT/versions"), json=[version(1, "2.1", None)])
    full = f'project = "PLAT" AND ({cloud_union()}) ORDER BY updated ASC'
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page([issue("PLAT-3", fix_versions=("2.1",)), issue("PLAT-29")], None),
        match=[responses.matchers.query_param_matcher({"jql": full}, strict_match=False)],
    )
    responses.get(
        rest(CLOUD, "search/jql"),
        json=cloud_page([issue("PLAT-40")], None),
        match=[responses.matchers.query_param_matcher({"jql": MEMBER_JQL}, strict_match=False)],
    )
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)

    with capture_logs() as logs:
        done = sync_source(tracker, store, STREAMS, now)

    searches = [searched(c) for c in responses.calls if "search/jql" in c.request.url]
    assert searches == [full, MEMBER_JQL]
    assert set(store.item_keys("plat")) == {"PLAT-3", "PLAT-29", "PLAT-40"}
    assert done["full"] and done["removed"] == 0
    [plan] = [e for e in logs if e["event"] == "read.planned"]
    assert plan["read"] == "selectors" and plan["pages"] is None and plan["reason"] is None
    assert store.cursor(STREAMS.items).plan == STREAMS.by_selectors

    responses.calls.reset()
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([], None))
    sync_source(tracker, store, STREAMS, now + timedelta(minutes=10))
    first = searched(responses.calls[1])  # after the version listing
    assert re.fullmatch(r'project = "PLAT" AND updated >= -\d+m ORDER BY updated ASC', first)
    store.close()


@responses.activate
def test_data_center_full_read_pages_the_union_by_key_and_keeps_the_jql_members(tmp_path):
    store = SQLiteState(tmp_path / "state.db")
    tracker = dc_tracker(info=DC_INFO)
    gone = issue("PLAT-5", cloud=False)
    member = issue("PLAT-40", cloud=False)
    store.upsert_items(
        "plat", [normalise_issue(raw, "plat", DC, DC_INFO) for raw in (gone, member)]
    )
    responses.get(rest(DC, "project/PLAT/versions"), json=[version(1, "2.1", None, base=DC)])
    jql = union([sel(fix_version="2.1"), sel(epic="PLAT-1")], ["PLAT-29"], cloud=False)
    full = f'project = "PLAT" AND ({jql}) ORDER BY key ASC'
    responses.get(
        rest(DC, "search"),
        json=dc_page([issue("PLAT-3", cloud=False, epic_link="PLAT-1")], 0, 1),
        match=[responses.matchers.query_param_matcher({"jql": full}, strict_match=False)],
    )
    responses.get(rest(DC, "search"), json=dc_page([member], 0, 1))

    done = sync_source(tracker, store, STREAMS, datetime(2026, 11, 20, 12, tzinfo=UTC))

    member = 'project = "PLAT" AND (component = API) ORDER BY key ASC'
    assert [searched(c) for c in responses.calls if "/search" in c.request.url] == [full, member]
    # PLAT-5 is in no selector: gone from the mirror. PLAT-40 came from the JQL selector's own
    # search, so the read by the union does not take it for deleted.
    assert set(store.item_keys("plat")) == {"PLAT-3", "PLAT-40"}
    assert done["removed"] == 1
    store.close()


@responses.activate
def test_a_union_jira_refuses_falls_back_to_the_whole_project_and_says_why(tmp_path):
    store = SQLiteState(tmp_path / "state.db")
    tracker = cloud_tracker(info=CLOUD_INFO)
    responses.get(rest(CLOUD, "project/PLAT/versions"), json=[version(1, "2.1", None)])
    refused = jira_error("An issue with key 'PLAT-29' does not exist for field 'key'.")
    responses.get(rest(CLOUD, "search/jql"), status=400, json=refused)
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([issue("PLAT-3")], None))
    responses.get(rest(CLOUD, "search/jql"), json=cloud_page([], None))

    with capture_logs() as logs:
        sync_source(tracker, store, STREAMS, datetime(2026, 11, 20, 12, tzinfo=UTC))

    searches = [searched(c) for c in responses.calls if "search/jql" in c.request.url]
    assert searches[1] == 'project = "PLAT" ORDER BY updated ASC'
    [plan] = [e for e in logs if e["event"] == "read.planned"]
    assert plan["read"] == "whole" and "does not exist" in plan["reason"]
    assert store.cursor(STREAMS.items).plan == "whole"
    store.close()


def dc_mirror(tmp_path, keys: list[str]) -> SQLiteState:
    store = SQLiteState(tmp_path / "state.db")
    raws = [issue(key, cloud=False, fix_versions=("2.1",)) for key in keys]
    store.upsert_items("plat", [normalise_issue(raw, "plat", DC, DC_INFO) for raw in raws])
    return store


def dc_union_read(found: list[str]) -> None:
    responses.get(rest(DC, "project/PLAT/versions"), json=[version(1, "2.1", None, base=DC)])
    page = [issue(key, cloud=False, fix_versions=("2.1",)) for key in found]
    jql = union([sel(fix_version="2.1"), sel(epic="PLAT-1")], ["PLAT-29"], cloud=False)
    dc_search(jql, json=dc_page(page, 0, len(page)))


def dc_search(jql: str, **answer) -> None:
    full = f'project = "PLAT" AND ({jql}) ORDER BY key ASC'
    match = [responses.matchers.query_param_matcher({"jql": full}, strict_match=False)]
    responses.get(rest(DC, "search"), match=match, **answer)


@responses.activate
def test_an_item_the_union_skipped_is_searched_for_by_key_and_a_deleted_one_removed(tmp_path):
    # Data Center pages by offset: an issue leaving the union mid-read moves PLAT-7 back onto
    # a page already read. As mirrored, PLAT-7 and PLAT-8 are in the union; PLAT-8 is gone, so
    # Jira refuses the search naming both, and each is searched for on its own.
    store = dc_mirror(tmp_path, ["PLAT-3", "PLAT-7", "PLAT-8"])
    dc_union_read(["PLAT-3"])
    gone = jira_error("An issue with key 'PLAT-8' does not exist for field 'key'.")
    dc_search("key in (PLAT-7, PLAT-8)", status=400, json=gone)
    seven = issue("PLAT-7", cloud=False, fix_versions=("2.1",))
    dc_search("key = PLAT-7", json=dc_page([seven], 0, 1))
    dc_search("key = PLAT-8", status=400, json=gone)
    streams = replace(STREAMS, jqls=())

    done = sync_source(dc_tracker(info=DC_INFO), store, streams, datetime(2026, 11, 20, tzinfo=UTC))

    assert set(store.item_keys("plat")) == {"PLAT-3", "PLAT-7"}
    assert done["removed"] == 1
    assert len([c for c in responses.calls if "/search" in c.request.url]) == 4
    store.close()


@responses.activate
def test_more_missing_items_than_the_recheck_bound_are_removed_unasked(tmp_path):
    missing = [f"PLAT-{n}" for n in range(10, 11 + RECHECK)]
    store = dc_mirror(tmp_path, ["PLAT-3", *missing])
    dc_union_read(["PLAT-3"])
    streams = replace(STREAMS, jqls=())

    with capture_logs() as logs:
        sync_source(dc_tracker(info=DC_INFO), store, streams, datetime(2026, 11, 20, tzinfo=UTC))

    assert len([c for c in responses.calls if "/search" in c.request.url]) == 1
    assert set(store.item_keys("plat")) == {"PLAT-3"}
    [skipped] = [e for e in logs if e["event"] == "read.recheck_skipped"]
    assert skipped["missing"] == RECHECK + 1
    store.close()


# ---- what a cycle loads after a read by the union ----------------------------------------------

MAPPING = """
version: 1
sources:
  - {id: plat, kind: jira, project: PLAT}
deliverables:
  - id: r21
    name: Release 2.1
    include:
      - {source: plat, fix_version: "2.1"}
      - {source: plat, jql: "component = API"}
    report_to:
      - {source: plat, issue: PLAT-29}
"""


def test_a_mirror_read_by_the_union_loads_what_it_names_and_the_blockers_of_its_items(tmp_path):
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    mapping = parse_mapping(MAPPING)
    store = SQLiteState(tmp_path / "state.db")
    planned = jira_item("PLAT-3", milestones=("2.1",), blocked_by=("PLAT-9",), now=now)
    store.upsert_items(
        "plat",
        [
            planned,
            jira_item("PLAT-9", "done", milestones=(), now=now),  # its blocker, closed since
            jira_item("PLAT-29", milestones=(), now=now),  # the report target
            jira_item("PLAT-40", milestones=(), now=now),  # the JQL selector's
            jira_item("PLAT-50", milestones=(), now=now),  # brought in by an incremental read
            jira_item("PLAT-51", "indeterminate", milestones=(), now=now),  # in progress, no one
            jira_item("PLAT-52", "indeterminate", assignees=(PERSON,), milestones=(), now=now),
        ],
    )
    streams = streams_of(mapping, "plat")
    store.save_cursor(streams.items, Cursor(now, now, plan=streams.by_selectors))
    store.replace_membership(jql_stream("plat", "component = API"), {"PLAT-40"})

    loaded = load_mirror(mapping, store)["plat"]

    assert set(loaded) == {"PLAT-3", "PLAT-9", "PLAT-29", "PLAT-40", "PLAT-52"}
    store.close()


def test_a_jql_selectors_epic_is_read_with_the_union_and_its_query_is_not():
    mapping = parse_mapping(
        MAPPING.replace(
            '{source: plat, jql: "component = API"}', '{source: plat, jql: "x = 1", epic: PLAT-7}'
        )
    )
    streams = streams_of(mapping, "plat")
    assert set(streams.selectors) == {Criteria("2.1", None), Criteria(None, None, "PLAT-7")}
    assert streams.jqls == ("x = 1",)
