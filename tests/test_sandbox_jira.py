"""Tests of the sandbox's simulated Jira in both modes (Cloud, Data Center), its JQL subset, its
faults, and the Jira part of the demo seed.

Everything runs against a real sandbox on 127.0.0.1, through `requests` and the `jira` library.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import jira
import pytest
import requests

from benchmarks.synthetic import generate_jira
from sandbox import seed
from sandbox.server import Sandbox
from tests.sandbox_clock import ANCHOR, FakeClock

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
EPIC_CHILDREN = 20


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ANCHOR + timedelta(hours=1))


def _sandbox(clock: FakeClock, mode: str, seed_doc: object = "demo") -> Sandbox:
    return Sandbox(seed=seed_doc, now=ANCHOR, clock=clock, jira_mode=mode)  # type: ignore[arg-type]


@pytest.fixture(params=["cloud", "server"])
def sb(request: pytest.FixtureRequest, clock: FakeClock):
    with _sandbox(clock, request.param) as sandbox:
        yield sandbox


@pytest.fixture
def cloud(clock: FakeClock):
    with _sandbox(clock, "cloud") as sandbox:
        yield sandbox


@pytest.fixture
def server(clock: FakeClock):
    with _sandbox(clock, "server") as sandbox:
        yield sandbox


def session(sb: Sandbox) -> requests.Session:
    s = requests.Session()
    if sb.jira_mode == "cloud":
        s.auth = (sb.jira_email, sb.jira_api_token)
    else:
        s.headers["Authorization"] = f"Bearer {sb.jira_pat}"
    return s


@pytest.fixture
def api(sb: Sandbox) -> requests.Session:
    return session(sb)


def rest(sb: Sandbox) -> str:
    return f"{sb.jira_url}/rest/api/2"


def search(sb: Sandbox, api: requests.Session, jql: str, **params: object) -> requests.Response:
    """One page from the mode's search endpoint."""
    path = "/search/jql" if sb.jira_mode == "cloud" else "/search"
    return api.get(rest(sb) + path, params={"jql": jql, "fields": "summary", **params})


def keys(sb: Sandbox, api: requests.Session, jql: str) -> list[str]:
    """Every key the query selects, in order, paging the mode's way."""
    out: list[str] = []
    params: dict[str, object] = {"maxResults": 100}
    while True:
        page = search(sb, api, jql, **params)
        assert page.status_code == 200, page.text
        body = page.json()
        out += [issue["key"] for issue in body["issues"]]
        if sb.jira_mode == "cloud":
            if body["isLast"]:
                return out
            params["nextPageToken"] = body["nextPageToken"]
        else:
            if body["startAt"] + len(body["issues"]) >= body["total"]:
                return out
            params["startAt"] = body["startAt"] + len(body["issues"])


def key_of(sb: Sandbox, summary: str) -> str:
    return next(i["key"] for i in sb.jira.issues() if i["fields"]["summary"] == summary)


def error(response: requests.Response) -> str:
    body = response.json()
    assert set(body) == {"errorMessages", "errors"}
    return " ".join(body["errorMessages"]) or str(body["errors"])


# -- server, user, fields, authentication -------------------------------------------------------


def test_server_info_tells_the_deployment_type_without_credentials(sb: Sandbox) -> None:
    info = requests.get(rest(sb) + "/serverInfo").json()
    assert info["baseUrl"] == sb.jira_url
    if sb.jira_mode == "cloud":
        assert info["deploymentType"] == "Cloud"
        assert info["versionNumbers"][0] >= 1000
    else:
        assert info["deploymentType"] == "Server"
        assert info["versionNumbers"] == [9, 12, 0]
    assert JIRA_TIME.match(info["serverTime"])


def test_myself_names_the_bot_the_way_each_mode_does(sb: Sandbox, api) -> None:
    me = api.get(rest(sb) + "/myself").json()
    assert me["displayName"] == "delivery-sync"
    assert me["timeZone"] == "UTC"
    if sb.jira_mode == "cloud":
        assert me["accountId"] == "557058:delivery-sync-bot"
        assert "name" not in me and "key" not in me
    else:
        assert (me["name"], me["key"]) == ("delivery-sync", "JIRAUSER10100")
        assert "accountId" not in me


def test_wrong_or_missing_credentials_get_401(sb: Sandbox) -> None:
    url = rest(sb) + "/myself"
    missing = requests.get(url)
    wrong_basic = requests.get(url, auth=(sb.jira_email, "nope"))
    wrong_bearer = requests.get(url, headers={"Authorization": "Bearer nope"})
    other_scheme = (
        requests.get(url, headers={"Authorization": f"Bearer {sb.jira_api_token}"})
        if sb.jira_mode == "cloud"
        else requests.get(url, auth=("delivery-sync", sb.jira_pat))
    )
    for response in (missing, wrong_basic, wrong_bearer, other_scheme):
        assert response.status_code == 401
        assert "authenticat" in error(response)
    assert requests.get(rest(sb) + "/serverInfo", auth=(sb.jira_email, "nope")).status_code == 401


def test_field_list_has_each_modes_custom_fields(sb: Sandbox, api) -> None:
    fields = {f["id"]: f for f in api.get(rest(sb) + "/field").json()}
    ids = sb.jira.fields
    sprint = fields[ids.sprint]
    assert sprint["name"] == "Sprint"
    assert sprint["schema"]["custom"] == "com.pyxis.greenhopper.jira:gh-sprint"
    assert fields["duedate"]["clauseNames"] == ["due", "duedate"]
    assert fields["fixVersions"]["schema"] == {
        "type": "array",
        "items": "version",
        "system": "fixVersions",
    }
    assert not fields["comment"]["navigable"]
    if sb.jira_mode == "cloud":
        assert (ids.story_points, ids.sprint) == ("customfield_10016", "customfield_10020")
        assert fields["customfield_10016"]["name"] == "Story point estimate"
        assert fields["customfield_10026"]["name"] == "Story Points"  # defined, never set
        assert not any(f["name"] == "Epic Link" for f in fields.values())
    else:
        assert (ids.story_points, ids.sprint) == ("customfield_10106", "customfield_10104")
        assert fields["customfield_10106"]["name"] == "Story Points"
        epic_link = fields["customfield_10101"]
        assert epic_link["name"] == "Epic Link"
        assert epic_link["schema"]["custom"] == "com.pyxis.greenhopper.jira:gh-epic-link"
        assert epic_link["clauseNames"] == ["cf[10101]", "Epic Link"]


def test_unknown_paths_answer_404_in_each_modes_shape(sb: Sandbox, api) -> None:
    missing = api.get(rest(sb) + "/dashboard/7")
    assert missing.status_code == 404
    if sb.jira_mode == "server":
        assert missing.json()["message"].startswith("null for uri: ")
    assert api.get(rest(sb) + "/issue/PLAT-999").json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]
    assert api.get(rest(sb) + "/project/NOPE").status_code == 404
    assert api.delete(rest(sb) + "/myself").status_code == 405


# -- search: endpoints and paging ---------------------------------------------------------------


def test_cloud_classic_search_is_gone(cloud: Sandbox) -> None:
    response = session(cloud).get(rest(cloud) + "/search", params={"jql": "project = PLAT"})
    assert response.status_code == 410
    assert "/rest/api/3/search/jql" in error(response)


def test_server_has_no_enhanced_search(server: Sandbox) -> None:
    api = session(server)
    assert (
        api.get(rest(server) + "/search/jql", params={"jql": "project = PLAT"}).status_code == 404
    )


def test_cloud_chains_next_page_tokens_without_totals(cloud: Sandbox) -> None:
    cloud.jira.add_project("BIG", "Big project")
    cloud.jira.add_issues(250, "Item {n}", project="BIG")
    api = session(cloud)
    url = rest(cloud) + "/search/jql"
    jql = "project = BIG ORDER BY key ASC"

    pages, token = [], None
    while True:
        params = {"jql": jql, "maxResults": 100, "fields": "summary,status"}
        page = api.get(url, params={**params, "nextPageToken": token} if token else params).json()
        pages.append(page)
        if page["isLast"]:
            break
        token = page["nextPageToken"]
    assert [len(p["issues"]) for p in pages] == [100, 100, 50]
    assert [p["isLast"] for p in pages] == [False, False, True]
    assert "nextPageToken" not in pages[-1]
    assert not any({"total", "startAt", "maxResults"} & set(p) for p in pages)
    listed = [i["key"] for p in pages for i in p["issues"]]
    assert listed == [f"BIG-{n}" for n in range(1, 251)]

    again = api.get(
        url, params={"jql": jql, "maxResults": 100, "fields": "summary", "nextPageToken": token}
    ).json()
    assert [i["key"] for i in again["issues"]] == listed[200:]  # a token reads its page again
    many = api.get(url, params={"jql": jql, "maxResults": 500, "fields": "summary"}).json()
    assert len(many["issues"]) == 100  # capped when fields are asked for
    ids = api.get(url, params={"jql": jql, "maxResults": 500}).json()
    assert len(ids["issues"]) == 250 and ids["isLast"]
    assert ids["issues"][0] == {"id": pages[0]["issues"][0]["id"]}  # no fields: ids only
    assert len(api.get(url, params={"jql": jql}).json()["issues"]) == 50  # the default page


def test_cloud_refuses_a_token_from_another_query_and_bad_page_sizes(cloud: Sandbox) -> None:
    api = session(cloud)
    url = rest(cloud) + "/search/jql"
    first = api.get(url, params={"jql": "project = PLAT", "maxResults": 5}).json()
    other = api.get(
        url,
        params={"jql": "project = PLAT AND labels = x", "nextPageToken": first["nextPageToken"]},
    )
    assert other.status_code == 400
    garbled = api.get(url, params={"jql": "project = PLAT", "nextPageToken": "garbage"})
    assert garbled.status_code == 400
    assert api.get(url, params={"jql": "project = PLAT", "maxResults": 0}).status_code == 400


def test_server_pages_with_start_at_and_total(server: Sandbox) -> None:
    server.jira.add_project("BIG", "Big project")
    server.jira.add_issues(250, "Item {n}", project="BIG")
    api = session(server)
    url = rest(server) + "/search"
    jql = "project = BIG ORDER BY key ASC"

    pages = [
        api.get(url, params={"jql": jql, "startAt": start, "maxResults": 100}).json()
        for start in (0, 100, 200)
    ]
    assert [(p["startAt"], p["maxResults"], p["total"]) for p in pages] == [
        (0, 100, 250),
        (100, 100, 250),
        (200, 100, 250),
    ]
    listed = [i["key"] for p in pages for i in p["issues"]]
    assert listed == [f"BIG-{n}" for n in range(1, 251)]
    assert "summary" in pages[0]["issues"][0]["fields"]  # default: the navigable fields
    assert "comment" not in pages[0]["issues"][0]["fields"]

    count = api.get(url, params={"jql": jql, "maxResults": 0}).json()
    assert (count["total"], count["issues"]) == (250, [])
    capped = api.get(url, params={"jql": jql, "maxResults": 5000, "fields": "summary"}).json()
    assert capped["maxResults"] == 1000 and len(capped["issues"]) == 250
    assert len(api.get(url, params={"jql": jql}).json()["issues"]) == 50


def test_repeat_page_token_offers_the_first_pages_token_on_every_page(cloud: Sandbox) -> None:
    api = session(cloud)
    url = rest(cloud) + "/search/jql"
    params = {"jql": "project = PLAT ORDER BY key ASC", "maxResults": 100, "fields": "summary"}
    honest = api.get(url, params=params).json()
    assert honest["isLast"] and "nextPageToken" not in honest  # the demo fits one page

    cloud.jira.repeat_page_token = True
    first = api.get(url, params=params).json()
    again = api.get(url, params={**params, "nextPageToken": first["nextPageToken"]}).json()
    assert first["isLast"] is False and again["isLast"] is False
    assert again["nextPageToken"] == first["nextPageToken"]
    assert [i["key"] for i in again["issues"]] == [i["key"] for i in honest["issues"]]


def test_ignore_start_at_answers_the_first_page_whatever_is_asked(server: Sandbox) -> None:
    api = session(server)
    url = rest(server) + "/search"
    params = {"jql": "project = PLAT ORDER BY key ASC", "maxResults": 10}
    first = api.get(url, params={**params, "startAt": 0}).json()
    assert api.get(url, params={**params, "startAt": 10}).json()["issues"] != first["issues"]

    server.jira.ignore_start_at = True
    stuck = api.get(url, params={**params, "startAt": 10}).json()
    assert (stuck["startAt"], stuck["total"]) == (0, first["total"])
    assert stuck["issues"] == first["issues"]


def test_foreign_issues_join_the_first_page_of_every_search(sb: Sandbox, api) -> None:
    sb.jira.add_project("OPS", "Operations")
    foreign = [sb.jira.add_issue(f"Ops {n}", project="OPS")["key"] for n in (1, 2)]
    jql = "project = PLAT AND labels = nothing-has-this"
    assert keys(sb, api, jql) == []

    sb.jira.foreign_issues = foreign
    assert keys(sb, api, jql) == ["OPS-1", "OPS-2"]
    everything = keys(sb, api, "project = PLAT ORDER BY key ASC")
    assert everything[-2:] == foreign and everything.count("OPS-1") == 1  # first page only


def test_comment_notifications_follow_each_modes_rules(sb: Sandbox, api) -> None:
    url = rest(sb) + "/issue/PLAT-3/comment"
    created = api.post(url, json={"body": "v1"}).json()
    edit = f"{url}/{created['id']}"
    assert api.put(edit, json={"body": "v2"}, params={"notifyUsers": "false"}).ok
    assert api.put(edit, json={"body": "v3"}).ok
    assert api.get(rest(sb) + "/issue/PLAT-3/comment").ok  # reading notifies nobody

    events = [(n.event, n.comment) for n in sb.jira.notifications_for("PLAT-3")]
    cid = int(created["id"])
    # Cloud honours notifyUsers=false; Data Center's comment edit has no such parameter.
    edits = 1 if sb.jira_mode == "cloud" else 2
    assert events == [("comment_created", cid)] + [("comment_edited", cid)] * edits
    assert [n.event for n in sb.jira.notifications_for("PLAT-3", "comment_created")] == [
        "comment_created"
    ]


def test_fields_parameter_picks_fields(sb: Sandbox, api) -> None:
    def fields_of(fields: str) -> set[str]:
        page = search(sb, api, "key = PLAT-1", fields=fields).json()
        return set(page["issues"][0].get("fields", {}))

    assert fields_of("summary,status") == {"summary", "status"}
    assert fields_of("summary,nonsense,customfield_99999") == {"summary"}
    every = fields_of("*all")
    navigable = fields_of("*navigable")
    assert {"comment", "timetracking"} <= every - navigable
    assert {"summary", "status", "fixVersions", "issuelinks", sb.jira.fields.sprint} <= navigable
    assert fields_of("*navigable,-description") == navigable - {"description"}
    repeated = api.get(
        rest(sb) + ("/search/jql" if sb.jira_mode == "cloud" else "/search"),
        params=[("jql", "key = PLAT-1"), ("fields", "summary"), ("fields", "labels,duedate")],
    )
    assert set(repeated.json()["issues"][0]["fields"]) == {"summary", "labels", "duedate"}
    one = api.get(rest(sb) + "/issue/PLAT-1", params={"fields": "summary,labels"}).json()
    assert set(one["fields"]) == {"summary", "labels"}
    assert "comment" in api.get(rest(sb) + "/issue/PLAT-1").json()["fields"]  # default *all


# -- JQL ----------------------------------------------------------------------------------------


def test_unbounded_queries_are_refused_on_cloud_only(sb: Sandbox, api) -> None:
    unbounded = [
        "updated >= -1d",
        "ORDER BY updated ASC",
        "",
        "project = PLAT OR updated >= -1d",
        "NOT project = PLAT",
        "project != PLAT",
    ]
    for jql in unbounded:
        response = search(sb, api, jql)
        if sb.jira_mode == "cloud":
            assert response.status_code == 400, jql
            assert "Unbounded JQL queries are not allowed here" in error(response)
        else:
            assert response.status_code == 200, jql
    bounded = [
        "project = PLAT AND updated >= -1d",
        "key in (PLAT-1, PLAT-2) OR project = PLAT",
        "parent = PLAT-1" if sb.jira_mode == "cloud" else '"Epic Link" = PLAT-1',
    ]
    for jql in bounded:
        assert search(sb, api, jql).status_code == 200, jql


@pytest.mark.parametrize(
    "jql",
    [
        "project = PLAT AND summary ~ checkout",
        "project = PLAT AND text ~ checkout",
        "project = PLAT AND status was Done",
        "project = PLAT AND status changed",
        "project = PLAT AND",
        "project = PLAT AND (status = Done",
        'project = "PLAT',
        "project = PLAT ORDER BY labels",
        "project = PLAT AND fixVersion in earliestUnreleasedVersion(PLAT)",
        "project = PLAT AND updated >= startOfDay()",
        "project = PLAT AND labels > x",
        "project = PLAT & labels = x",
        "project = PLAT AND issueFunction in linkedIssuesOf('x')",
        "project = PLAT AND labels = AND",
        "project = PLAT labels = x",
        "project = PLAT AND summary = x",
    ],
)
def test_jql_outside_the_subset_fails_loudly(sb: Sandbox, api, jql: str) -> None:
    response = search(sb, api, jql)
    assert response.status_code == 400
    assert response.json()["errors"] == {}
    assert response.json()["errorMessages"][0].startswith("Error in the JQL Query: ")


def test_jql_values_that_do_not_exist_are_400s(sb: Sandbox, api) -> None:
    cases = {
        "project = PLAT AND status = Nope": "The value 'Nope' does not exist for the field "
        "'status'.",
        "key = PLAT-999": "An issue with key 'PLAT-999' does not exist for field 'key'.",
        "project = NOPE": "The value 'NOPE' does not exist for the field 'project'.",
        "project = PLAT AND fixVersion = 9.9": "The value '9.9' does not exist for the field "
        "'fixVersion'.",
        "project = PLAT AND updated >= yesterday": "Date value 'yesterday' for field 'updated' "
        "is invalid.",
    }
    for jql, message in cases.items():
        response = search(sb, api, jql)
        assert response.status_code == 400, jql
        assert error(response).startswith(message), jql


def test_jql_subset_selects_what_jira_would(sb: Sandbox, api) -> None:
    issues = {i["key"]: i["fields"] for i in sb.jira.issues()}
    user = sb.jira.user_id

    def expect(predicate) -> set[str]:
        return {k for k, f in issues.items() if predicate(f)}

    def category(f) -> str:
        return f["status"]["statusCategory"]["key"]

    def versions(f) -> set[str]:
        return {v["name"] for v in f["fixVersions"]}

    def assignee(f) -> str | None:
        who = f["assignee"]
        return None if who is None else who.get("accountId") or who.get("name")

    points = "Story point estimate" if sb.jira_mode == "cloud" else "Story Points"
    cases = {
        "project = PLAT AND statusCategory = Done": expect(lambda f: category(f) == "done"),
        "project = PLAT AND statusCategory in ('To Do', indeterminate)": expect(
            lambda f: category(f) != "done"
        ),
        "project = PLAT AND status in ('In Progress', 'In Review', Blocked)": expect(
            lambda f: f["status"]["name"] in ("In Progress", "In Review", "Blocked")
        ),
        'project = PLAT AND resolution in ("Won\'t Do", Duplicate)': expect(
            lambda f: (f["resolution"] or {}).get("name") in ("Won't Do", "Duplicate")
        ),
        "project = PLAT AND resolution = Unresolved": expect(lambda f: f["resolution"] is None),
        "project = PLAT AND resolution is not EMPTY": expect(lambda f: f["resolution"]),
        "project = PLAT AND fixVersion = '2.0' AND labels = requirement": expect(
            lambda f: "2.0" in versions(f) and "requirement" in f["labels"]
        ),
        "project = PLAT AND fixVersion != 2.0": expect(
            lambda f: versions(f) and "2.0" not in versions(f)  # empty never matches !=
        ),
        "project = PLAT AND fixVersion is EMPTY": expect(lambda f: not versions(f)),
        "project = PLAT AND fixVersion in releasedVersions()": expect(
            lambda f: versions(f) == {"1.9"}
        ),
        "project = PLAT AND labels not in (checkout, requirement)": expect(
            lambda f: f["labels"] and not {"checkout", "requirement"} & set(f["labels"])
        ),
        "project = PLAT AND NOT labels = checkout": expect(
            lambda f: f["labels"] and "checkout" not in f["labels"]
        ),
        "project = PLAT AND NOT (labels = checkout OR issuetype = Bug OR labels is EMPTY)": expect(
            lambda f: (
                f["labels"] and "checkout" not in f["labels"] and f["issuetype"]["name"] != "Bug"
            )
        ),
        "project = PLAT AND component = Payments": expect(
            lambda f: "Payments" in {c["name"] for c in f["components"]}
        ),
        "project = PLAT AND assignee is EMPTY AND statusCategory != Done": expect(
            lambda f: f["assignee"] is None and category(f) != "done"
        ),
        f"project = PLAT AND assignee = '{user('alex.kim')}' AND status = 'In Progress'": expect(
            lambda f: assignee(f) == user("alex.kim") and f["status"]["name"] == "In Progress"
        ),
        f"project = PLAT AND assignee != {user('alex.kim')}": expect(
            lambda f: assignee(f) not in (None, user("alex.kim"))
        ),
        "project = PLAT AND (issuetype = Bug OR type = Epic) AND priority in (Highest, High)": (
            expect(
                lambda f: (
                    f["issuetype"]["name"] in ("Bug", "Epic")
                    and f["priority"]["name"] in ("Highest", "High")
                )
            )
        ),
        "project = PLAT AND issuetype in subTaskIssueTypes()": expect(
            lambda f: f["issuetype"]["subtask"]
        ),
        "project = PLAT AND duedate < now() AND resolution = Unresolved": expect(
            lambda f: (
                f["duedate"] and f["duedate"] <= ANCHOR.date().isoformat() and not f["resolution"]
            )
        ),
        "project = PLAT AND due <= 3d AND due >= now()": expect(
            lambda f: (
                f["duedate"]
                and ANCHOR.date() < date.fromisoformat(f["duedate"]) <= ANCHOR.date() + timedelta(3)
            )
        ),
        f"project = PLAT AND {sb.jira.fields.sprint.replace('customfield_', 'cf[')}] "
        "in openSprints()": expect(
            lambda f: any(s["state"] == "active" for s in f[sb.jira.fields.sprint] or [])
        ),
        f'project = PLAT AND "{points}" >= 5': expect(
            lambda f: (f[sb.jira.fields.story_points] or 0) >= 5
        ),
    }
    for jql, expected in cases.items():
        assert expected, jql
        assert set(keys(sb, api, jql)) == expected, jql
    if sb.jira_mode == "cloud":  # the classic field exists on Cloud, but nobody fills it in
        assert keys(sb, api, 'project = PLAT AND "Story Points" is not EMPTY') == []


def test_updated_with_relative_and_absolute_dates(sb: Sandbox, api, clock: FakeClock) -> None:
    touched_at = clock.advance(minutes=5)  # 13:05:00 UTC; the user's time zone is UTC
    sb.jira.update_issue("PLAT-7", labels=["touched"])
    clock.advance(minutes=3, seconds=20)

    def hits(jql: str) -> list[str]:
        return keys(sb, api, f"project = PLAT AND {jql}")

    assert hits("updated >= -5m") == ["PLAT-7"]
    assert hits("updated >= -2m") == []
    assert hits("updated > '-1h'") == ["PLAT-7"]
    minute = touched_at.strftime("%Y/%m/%d %H:%M")
    later = (touched_at + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    assert hits(f'updated >= "{minute}"') == ["PLAT-7"]
    assert hits(f"updated >= '{later}'") == []
    assert hits(f'updated = "{minute}"') == ["PLAT-7"]  # to the minute
    assert "PLAT-7" in hits(f"updated >= {touched_at.date().isoformat()}")
    assert hits(f"updated >= {(touched_at.date() + timedelta(1)).isoformat()}") == []

    week = keys(sb, api, "project = PLAT AND updated >= -1w ORDER BY updated ASC")
    stamps = [sb.jira.issue(k, "updated")["fields"]["updated"] for k in week]
    assert stamps == sorted(stamps) and week[-1] == "PLAT-7"
    cutoff = (ANCHOR - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    assert len(week) == sum(i["fields"]["updated"] >= cutoff for i in sb.jira.issues())
    both = keys(sb, api, "project = PLAT ORDER BY status DESC, key ASC")
    order = ["To Do", "In Progress", "In Review", "Blocked", "Done"]
    statuses = [order.index(sb.jira.issue(k, "status")["fields"]["status"]["name"]) for k in both]
    assert statuses == sorted(statuses, reverse=True)
    assert keys(sb, api, "project = PLAT")[0] == f"PLAT-{len(sb.jira.issues())}"  # key DESC


def test_epic_children_use_parent_on_cloud_and_epic_link_on_server(sb: Sandbox, api) -> None:
    capture = key_of(sb, "Payments API v2: capture and refund")
    epic_link = sb.jira.fields.epic_link
    if sb.jira_mode == "cloud":
        children = keys(sb, api, "parent = PLAT-1")
        assert search(sb, api, '"Epic Link" = PLAT-1').status_code == 400
    else:
        children = keys(sb, api, '"Epic Link" = PLAT-1')
        assert keys(sb, api, "cf[10101] = PLAT-1") == children
        assert keys(sb, api, "parent = PLAT-1") == []  # parent means sub-tasks' parents here
    assert len(children) == EPIC_CHILDREN
    sub_tasks = keys(sb, api, f"parent = {capture}")
    assert len(sub_tasks) == 2

    child = api.get(rest(sb) + f"/issue/{capture}").json()["fields"]
    sub_task = api.get(rest(sb) + f"/issue/{sub_tasks[0]}").json()["fields"]
    assert sub_task["parent"]["key"] == capture
    assert sub_task["issuetype"] | {"subtask": True} == sub_task["issuetype"]
    assert {s["key"] for s in child["subtasks"]} == set(sub_tasks)
    if sb.jira_mode == "cloud":
        assert child["parent"]["key"] == "PLAT-1"
        assert child["parent"]["fields"]["issuetype"]["name"] == "Epic"
        assert set(child["parent"]["fields"]) >= {"summary", "status", "issuetype"}
        assert epic_link is None
    else:
        assert "parent" not in child
        assert child[epic_link] == "PLAT-1"
        assert sub_task[epic_link] is None
    assert child["aggregatetimespent"] == child["timespent"] + sum(
        api.get(rest(sb) + f"/issue/{k}").json()["fields"]["timespent"] for k in sub_tasks
    )


# -- issue payloads -----------------------------------------------------------------------------


def test_issue_payload_has_jiras_shapes(sb: Sandbox, api) -> None:
    tax = key_of(sb, "Tax service: EU VAT per shipping country")
    address = key_of(sb, "Address validation service")
    issue = api.get(rest(sb) + f"/issue/{tax}").json()
    assert issue["self"] == f"{rest(sb)}/issue/{issue['id']}"
    assert issue["key"] == tax
    f = issue["fields"]
    assert f["status"]["name"] == "Blocked"
    assert f["status"]["statusCategory"] | {"key": "indeterminate"} == f["status"]["statusCategory"]
    assert f["resolution"] is None and f["resolutiondate"] is None
    assert f["duedate"] == (ANCHOR.date() + timedelta(days=5)).isoformat()
    assert JIRA_TIME.match(f["created"]) and JIRA_TIME.match(f["updated"])
    assert [v["name"] for v in f["fixVersions"]] == ["2.0"]
    assert set(f["fixVersions"][0]) >= {"id", "name", "released", "releaseDate", "self"}
    (link,) = f["issuelinks"]
    assert link["type"] | {"name": "Blocks", "inward": "is blocked by"} == link["type"]
    assert link["inwardIssue"]["key"] == address  # the address service blocks the tax service
    blocker = api.get(rest(sb) + f"/issue/{address}").json()["fields"]
    assert blocker["issuelinks"][0]["outwardIssue"]["key"] == tax
    assert blocker["duedate"] > f["duedate"]  # a dependency due after what waits for it
    tracking = f["timetracking"]
    assert set(tracking) >= {"originalEstimateSeconds", "timeSpentSeconds"}
    assert f["timeoriginalestimate"] == tracking["originalEstimateSeconds"]
    sprints = f[sb.jira.fields.sprint]
    assert sprints[-1] | {"state": "active"} == sprints[-1]
    assert set(sprints[-1]) >= {"id", "name", "state", "startDate", "endDate"}
    person = f["assignee"]
    if sb.jira_mode == "cloud":
        demo_users = {u["name"]: u for u in seed.load("demo")["jira"]["users"]}
        assert person["accountId"] == demo_users["priya.shah"]["account_id"]
        assert "name" not in person
        assert JIRA_TIME.match(f["statuscategorychangedate"])
    else:
        assert (person["name"], person["key"]) == ("priya.shah", "JIRAUSER10104")
    assert person["displayName"] == "Priya Shah"

    dropped = api.get(rest(sb) + f"/issue/{key_of(sb, 'Klarna pay-later integration')}").json()
    assert dropped["fields"]["resolution"]["name"] == "Won't Do"
    assert dropped["fields"]["status"]["statusCategory"]["key"] == "done"
    assert JIRA_TIME.match(dropped["fields"]["resolutiondate"])


def test_helpers_transition_and_link(sb: Sandbox, api, clock: FakeClock) -> None:
    key = key_of(sb, "Retire the legacy checkout endpoints")
    at = clock.advance(hours=2)
    done = sb.jira.transition(key, "Done", resolution="Won't Do")
    assert done["fields"]["resolution"]["name"] == "Won't Do"
    assert done["fields"]["resolutiondate"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
    assert key in keys(sb, api, "project = PLAT AND resolved >= -1h")
    reopened = sb.jira.transition(key, "In Progress")
    assert reopened["fields"]["resolution"] is None
    added = sb.jira.add_issue(
        "Scope creep", fix_versions=["2.0"], parent="PLAT-1", due=date(2026, 4, 1)
    )
    sb.jira.add_link(added["key"], key)
    assert added["key"] in keys(sb, api, "project = PLAT AND fixVersion = 2.0 AND created >= -1m")
    links = sb.jira.issue(key)["fields"]["issuelinks"]
    assert links[-1]["inwardIssue"]["key"] == added["key"]
    sb.jira.delete_issue(added["key"])
    assert api.get(rest(sb) + f"/issue/{added['key']}").status_code == 404
    assert added["key"] not in keys(sb, api, "project = PLAT")


# -- comments and their properties --------------------------------------------------------------


def test_comment_create_with_inline_properties(sb: Sandbox, api, clock: FakeClock) -> None:
    at = clock.advance(minutes=7)
    marker = {"deliverable": "checkout-v2", "role": "delivery-lead"}
    created = api.post(
        rest(sb) + "/issue/PLAT-1/comment",
        json={
            "body": "h3. Delivery status",
            "properties": [{"key": "delivery-sync", "value": marker}],
        },
    )
    assert created.status_code == 201
    comment = created.json()
    assert comment["body"] == "h3. Delivery status"
    assert comment["created"] == comment["updated"]
    assert comment["created"].startswith(at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert comment["author"]["displayName"] == "delivery-sync"
    assert comment["self"].endswith(f"/comment/{comment['id']}")
    assert ("jsdPublic" in comment) == (sb.jira_mode == "cloud")
    issue = api.get(rest(sb) + "/issue/PLAT-1", params={"fields": "updated"}).json()
    assert issue["fields"]["updated"] == comment["created"]  # a comment bumps the issue

    listed = api.get(rest(sb) + "/issue/PLAT-1/comment", params={"expand": "properties"}).json()
    mine = next(c for c in listed["comments"] if c["id"] == comment["id"])
    one = api.get(rest(sb) + f"/comment/{comment['id']}/properties/delivery-sync")
    if sb.jira_mode == "cloud":
        assert mine["properties"] == [{"key": "delivery-sync", "value": marker}]
        assert one.json() == {"key": "delivery-sync", "value": marker}
    else:  # Data Center mode ignores inline properties: set them with the properties API
        assert mine["properties"] == []
        assert one.status_code == 404
    plain = api.get(rest(sb) + "/issue/PLAT-1/comment").json()["comments"]
    assert all("properties" not in c for c in plain)


def test_comment_property_put_and_get(sb: Sandbox, api) -> None:
    comment = api.post(rest(sb) + "/issue/PLAT-1/comment", json={"body": "status"}).json()
    url = rest(sb) + f"/comment/{comment['id']}/properties"
    value = {"deliverable": "checkout-v2", "role": "project-manager"}

    first = api.put(f"{url}/delivery-sync", json=value)
    again = api.put(f"{url}/delivery-sync", json=value | {"extra": 1})
    assert (first.status_code, again.status_code) == (201, 200)
    assert api.get(f"{url}/delivery-sync").json() == {
        "key": "delivery-sync",
        "value": value | {"extra": 1},
    }
    assert sb.jira.comment_properties(comment["id"]) == {"delivery-sync": value | {"extra": 1}}
    assert api.put(f"{url}/scalar", json="just a string").status_code == 201
    assert api.put(f"{url}/big", json="x" * 32_767).status_code == 400  # 32,769 with quotes
    assert api.put(f"{url}/bad", data=b"{not json").status_code == 400
    assert api.get(f"{url}/bad").status_code == 404  # never set
    assert api.get(rest(sb) + "/comment/999999/properties/delivery-sync").status_code == 404


def test_comment_edit_and_delete(sb: Sandbox, api, clock: FakeClock) -> None:
    created_at = clock.advance(minutes=1)
    comment = api.post(rest(sb) + "/issue/PLAT-1/comment", json={"body": "v1"}).json()
    edited_at = clock.advance(minutes=2)
    url = rest(sb) + f"/issue/PLAT-1/comment/{comment['id']}"
    edited = api.put(url, json={"body": "v2"})
    assert edited.status_code == 200
    body = edited.json()
    assert body["body"] == "v2"
    assert body["created"].startswith(created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["updated"].startswith(edited_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["updateAuthor"]["displayName"] == "delivery-sync"
    listing = rest(sb) + "/issue/PLAT-1/comment"
    assert api.get(listing).json()["comments"][-1]["body"] == "v2"
    assert sb.jira.comments("PLAT-1")[-1]["body"] == "v2"

    human = sb.jira.comments("PLAT-1")[0]
    assert human["author"]["displayName"] == "Sam Park"
    forbidden = api.put(rest(sb) + f"/issue/PLAT-1/comment/{human['id']}", json={"body": "x"})
    assert forbidden.status_code == 403
    assert (
        api.put(rest(sb) + f"/issue/PLAT-2/comment/{comment['id']}", json={"body": "x"}).status_code
        == 404
    )
    assert api.get(url).json()["body"] == "v2"  # one comment, as the `jira` library reads it
    assert api.get(rest(sb) + f"/issue/PLAT-2/comment/{comment['id']}").status_code == 404
    assert api.delete(url).status_code == 204
    assert comment["id"] not in [c["id"] for c in api.get(listing).json()["comments"]]
    assert api.delete(url).status_code == 404
    assert api.get(url).status_code == 404


def test_comment_body_limits(sb: Sandbox, api) -> None:
    url = rest(sb) + "/issue/PLAT-2/comment"
    at_limit = api.post(url, json={"body": "x" * 32_767})
    too_long = api.post(url, json={"body": "x" * 32_768})
    assert at_limit.status_code == 201
    assert too_long.status_code == 400
    assert too_long.json() == {
        "errorMessages": [],
        "errors": {
            "comment": "The entered text is too long. It exceeds the allowed limit of 32767 "
            "characters."
        },
    }
    edit = api.put(f"{url}/{at_limit.json()['id']}", json={"body": "y" * 40_000})
    assert edit.status_code == 400
    assert api.post(url, json={"body": "  "}).json()["errors"] == {
        "comment": "Comment body can not be empty!"
    }
    assert api.post(url, data=b"{oops").status_code == 400
    assert len(sb.jira.comments("PLAT-2")) == 1


def test_comment_listing_pages_and_order(sb: Sandbox, api) -> None:
    key = sb.jira.add_issue("Chatty")["key"]
    for n in range(7):
        sb.jira.add_comment(
            key, f"note {n}", author="sam.park", created_at=ANCHOR + timedelta(minutes=n)
        )
    url = rest(sb) + f"/issue/{key}/comment"
    page = api.get(url, params={"startAt": 2, "maxResults": 3}).json()
    assert (page["startAt"], page["maxResults"], page["total"]) == (2, 3, 7)
    assert [c["body"] for c in page["comments"]] == ["note 2", "note 3", "note 4"]
    newest = api.get(url, params={"orderBy": "-created", "maxResults": 1}).json()
    assert newest["comments"][0]["body"] == "note 6"


# -- projects and versions ----------------------------------------------------------------------


def test_versions_and_project(sb: Sandbox, api) -> None:
    versions = {v["name"]: v for v in api.get(rest(sb) + "/project/PLAT/versions").json()}
    assert list(versions) == ["1.9", "2.0", "2.1"]
    milestone = seed.materialise(seed.load("demo"), ANCHOR)["github"]["repos"][0]["milestones"][2]
    assert versions["2.0"]["releaseDate"] == milestone["due_on"].isoformat()  # same as GitHub v2.0
    assert versions["2.1"]["releaseDate"] == (ANCHOR.date() + timedelta(days=70)).isoformat()
    assert versions["1.9"]["released"] is True
    assert versions["1.9"]["releaseDate"] == (ANCHOR.date() - timedelta(days=20)).isoformat()
    assert versions["2.0"]["overdue"] is False
    assert {"self", "id", "archived", "projectId"} <= set(versions["2.0"])
    project = api.get(rest(sb) + "/project/PLAT").json()
    assert (project["key"], project["name"]) == ("PLAT", "Platform")
    assert {c["name"] for c in project["components"]} >= {"Checkout", "Payments"}
    sb.jira.add_version("2.2", release_date=ANCHOR.date() - timedelta(days=1))
    late = api.get(rest(sb) + "/project/PLAT/versions").json()[-1]
    assert (late["name"], late["overdue"]) == ("2.2", True)


# -- rate limits, faults, the request log -------------------------------------------------------


def test_cloud_rate_limit_headers_and_exhaustion(cloud: Sandbox, clock: FakeClock) -> None:
    api = session(cloud)
    first = api.get(rest(cloud) + "/myself")
    second = api.get(rest(cloud) + "/myself")
    assert first.headers["content-type"] == "application/json;charset=UTF-8"
    assert (
        int(second.headers["x-ratelimit-remaining"])
        == int(first.headers["x-ratelimit-remaining"]) - 1
    )
    assert "x-ratelimit-nearlimit" not in first.headers

    cloud.jira.rate.used = cloud.jira.rate.limit
    limited = api.get(rest(cloud) + "/myself")
    assert limited.status_code == 429
    wait = int(limited.headers["retry-after"])
    assert 0 < wait <= 3600
    reset = datetime.strptime(limited.headers["x-ratelimit-reset"], "%Y-%m-%dT%H:%MZ")
    assert reset.replace(tzinfo=UTC) > clock.now - timedelta(minutes=1)
    assert limited.headers["x-ratelimit-nearlimit"] == "true"
    clock.advance(hours=1, seconds=1)
    assert api.get(rest(cloud) + "/myself").status_code == 200  # a new window


def test_server_mode_sends_no_rate_limit_headers(server: Sandbox) -> None:
    response = session(server).get(rest(server) + "/myself")
    assert not any(h.startswith("x-ratelimit") for h in response.headers)


def test_injected_429_looks_like_jiras(sb: Sandbox, api, clock: FakeClock) -> None:
    sb.inject(status=429, path=r"/jira/rest/api/2/search", retry_after=7)
    sb.inject(status=429, method="POST", path=r"/comment$")
    limited = search(sb, api, "project = PLAT")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert "Rate limit" in error(limited)
    if sb.jira_mode == "cloud":
        reset = (clock.now + timedelta(seconds=7)).strftime("%Y-%m-%dT%H:%MZ")
        assert limited.headers["x-ratelimit-reset"] == reset
    posted = api.post(rest(sb) + "/issue/PLAT-1/comment", json={"body": "x"})
    assert (posted.status_code, posted.headers["retry-after"]) == (429, "10")
    assert search(sb, api, "project = PLAT").status_code == 200
    assert [r.fault for r in sb.requests[-3:]] == ["status", "status", None]
    assert sb.requests[-1].app == "jira"


def test_drop_after_performs_the_comment_post_then_drops(sb: Sandbox, api) -> None:
    before = len(sb.jira.comments("PLAT-1"))
    sb.inject(drop_after=True, method="POST", path=r"/jira/rest/api/2/issue/[^/]+/comment$")
    marker = {"deliverable": "checkout-v2", "role": "delivery-lead"}
    with pytest.raises(requests.ConnectionError):
        api.post(
            rest(sb) + "/issue/PLAT-1/comment",
            json={"body": "lost", "properties": [{"key": "delivery-sync", "value": marker}]},
        )
    stored = sb.jira.comments("PLAT-1")[before:]
    assert [c["body"] for c in stored] == ["lost"]
    expected = [{"key": "delivery-sync", "value": marker}] if sb.jira_mode == "cloud" else []
    assert stored[0]["properties"] == expected  # Cloud: the marker arrived with the comment
    record = sb.requests[-1]
    assert (record.method, record.status, record.dropped, record.fault) == (
        "POST",
        201,
        True,
        "drop_after",
    )
    assert record.path == "/jira/rest/api/2/issue/PLAT-1/comment"
    assert api.get(rest(sb) + "/myself").status_code == 200


# -- the jira library ---------------------------------------------------------------------------


def test_jira_library_against_cloud(cloud: Sandbox) -> None:
    cloud.clear_requests()
    client = jira.JIRA(
        server=cloud.jira_url,
        basic_auth=(cloud.jira_email, cloud.jira_api_token),
        max_retries=0,
        timeout=10,
    )
    assert [(r.method, r.path) for r in cloud.requests] == [("GET", "/jira/rest/api/2/serverInfo")]
    assert client._is_cloud
    first = client.enhanced_search_issues(
        "project = PLAT ORDER BY updated ASC",
        maxResults=25,
        fields=["summary", "status", "updated"],
        json_result=True,
    )
    assert len(first["issues"]) == 25 and not first["isLast"]
    second = client.enhanced_search_issues(
        "project = PLAT ORDER BY updated ASC",
        nextPageToken=first["nextPageToken"],
        maxResults=100,
        fields=["summary", "status", "updated"],
        json_result=True,
    )
    assert second["isLast"]
    every = [i["key"] for i in first["issues"] + second["issues"]]
    assert sorted(every) == sorted(i["key"] for i in cloud.jira.issues())
    assert set(second["issues"][0]["fields"]) == {"summary", "status", "updated"}
    assert client.search_issues("project = PLAT", maxResults=5, json_result=True)["issues"]
    comment = client.add_comment("PLAT-1", "from the library")
    assert cloud.jira.comments("PLAT-1")[-1]["id"] == comment.id


def test_jira_library_against_server(server: Sandbox) -> None:
    client = jira.JIRA(
        server=server.jira_url, token_auth=server.jira_pat, max_retries=0, timeout=10
    )
    assert not client._is_cloud
    page = client.search_issues(
        "project = PLAT ORDER BY key ASC",
        startAt=10,
        maxResults=10,
        fields="summary,customfield_10101",
        json_result=True,
    )
    assert (page["startAt"], page["total"]) == (10, len(server.jira.issues()))
    assert [i["key"] for i in page["issues"]] == [f"PLAT-{n}" for n in range(11, 21)]
    with pytest.raises(jira.JIRAError) as raised:
        jira.JIRA(server=server.jira_url, token_auth="nope", max_retries=0, timeout=10).myself()
    assert raised.value.status_code == 401


# -- browser pages ------------------------------------------------------------------------------


def test_browse_pages_escape_everything(sb: Sandbox) -> None:
    key = key_of(sb, "{color:red}alarm{color} banner when payments fail")
    sb.jira.add_comment(key, "<b>bold</b> & more", author="mei.chen")
    page = requests.get(f"{sb.jira_url}/browse/{key}")
    assert page.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page.text
    assert "<b>bold" not in page.text
    assert "{color:red}alarm{color}" in page.text
    assert 'id="comment-' in page.text
    assert requests.get(f"{sb.jira_url}/").status_code == 200
    assert requests.get(f"{sb.jira_url}/browse/PLAT-999").status_code == 404


# -- seeds --------------------------------------------------------------------------------------


def test_demo_jira_seed_content() -> None:
    data = seed.materialise(seed.load("demo"), ANCHOR)["jira"]
    people = {u["name"]: u for u in data["users"]}
    assert set(people) == {
        "dana.lee",
        "sam.park",
        "alex.kim",
        "priya.shah",
        "jordan.diaz",
        "mei.chen",
    }
    assert people["dana.lee"]["account_id"].startswith("712020:8f1e6a")
    assert {u["display_name"] for u in data["users"]} == {
        "Dana Lee",
        "Sam Park",
        "Alex Kim",
        "Priya Shah",
        "Jordan Diaz",
        "Mei Chen",
    }
    (project,) = data["projects"]
    issues = project["issues"]
    assert [i["key"] for i in issues] == [f"PLAT-{n}" for n in range(1, len(issues) + 1)]
    assert [i["created_at"] for i in issues] == sorted(i["created_at"] for i in issues)
    assert 55 <= len(issues) <= 70
    epic = issues[0]
    assert (epic["type"], epic["summary"]) == ("Epic", "Checkout v2 — platform work")
    children = [i for i in issues if i.get("parent") == "PLAT-1"]
    assert len(children) == EPIC_CHILDREN
    assert all(c["fix_versions"] == ["2.0"] for c in children)
    assert all("original_estimate" in c for c in children)
    assert sum(c.get("time_spent", 0) for c in children) > 100 * 3600
    assert Counter(i.get("resolution") for i in issues)["Won't Do"] == 2
    assert Counter(i.get("resolution") for i in issues)["Duplicate"] == 1
    assert sum("story_points" in i for i in issues) > len(issues) * 0.6

    open_items = [i for i in issues if i["status"] != "Done"]
    stale = [
        i
        for i in open_items
        if i["status"] == "In Progress" and ANCHOR - i["updated_at"] > timedelta(days=9)
    ]
    assert len(stale) >= 2 and all(ANCHOR - i["updated_at"] < timedelta(days=15) for i in stale)
    overdue = [i for i in open_items if i.get("due_on") and i["due_on"] < ANCHOR.date()]
    soon = [
        i for i in open_items if i.get("due_on") and 1 <= (i["due_on"] - ANCHOR.date()).days <= 3
    ]
    assert len(overdue) >= 3 and len(soon) >= 3
    assert sum(1 for i in open_items if "assignee" not in i) >= 4
    assert sum(1 for i in open_items if i["status"] == "Blocked") == 2
    assert any("blocked" in i.get("labels", ()) and i["status"] == "To Do" for i in issues)
    summaries = {i["summary"] for i in issues}
    for needle in ("{noformat}", "[~admin]", "a|b|c", "*bold* and _italic_", "!image.png!"):
        assert any(needle in s for s in summaries), needle
    assert "{color:red}alarm{color} banner when payments fail" in summaries

    by_key = {i["key"]: i for i in issues}
    blocks = [(i, by_key[link["outward"]]) for i in issues for link in i.get("links", ())]
    assert any(
        blocker["status"] != "Done" and blocker["due_on"] > blocked["due_on"]
        for blocker, blocked in blocks
        if blocker.get("due_on") and blocked.get("due_on")
    )
    for issue in issues:
        assert issue["created_at"] <= issue["updated_at"]
        if "resolved_at" in issue:
            assert issue["created_at"] <= issue["resolved_at"] <= issue["updated_at"]
        for c in issue.get("comments", ()):
            assert issue["created_at"] <= c["created_at"] <= issue["updated_at"]
    closed_weeks = Counter(
        (ANCHOR - i["resolved_at"]).days // 7 for i in issues if "resolved_at" in i
    )
    assert set(closed_weeks) == {0, 1, 2, 3, 4, 5}  # the last six weeks
    assert max(closed_weeks.values()) >= 2 * min(closed_weeks.values())  # at an uneven rate


def test_generate_jira_is_big_deterministic_and_loadable(clock: FakeClock) -> None:
    doc = generate_jira(projects=2, issues_per_project=2_500, seed=3)
    assert doc == generate_jira(projects=2, issues_per_project=2_500, seed=3)
    with _sandbox(clock, "cloud", doc) as sandbox:
        api = session(sandbox)
        page = search(sandbox, api, "project = BB AND fixVersion = V1", maxResults=100).json()
        assert len(page["issues"]) == 100 and not page["isLast"]
        assert api.get(rest(sandbox) + "/issue/BB-1").json()["fields"]["summary"] == (
            "Delivery tracking"
        )
