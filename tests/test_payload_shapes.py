"""The trackers' documented payloads (tests/fixtures/payloads, examples from GitHub's and
Atlassian's published REST references) against the sandbox and the adapters: the sandbox answers
in the documented shapes, and the adapters' parsers read the documented examples.

A shape is compared key by key: every documented key must be in the sandbox's answer with a value
of the same JSON type (null, where either side has it, says only that the field is nullable), in
nested objects and in every item of a list. Where the documented example is not what the API
sends, the difference is named in a `KNOWN` table with the reason; a new difference, or a known
one that went away, fails the test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.github import _normalise_comment as normalise_github_comment
from connectors.github import issues_of_page, normalise_milestone
from connectors.github import normalise_issue as normalise_github_issue
from connectors.jira import (
    ISSUE_FIELDS,
    SiteInfo,
    Unreadable,
    normalise_comment,
    normalise_version,
    site_info,
)
from connectors.jira import normalise_issue as normalise_jira_issue
from connectors.model import Comment, Milestone, Person, TrackerState, WorkItem
from sandbox.server import Sandbox
from tests.sandbox_clock import ANCHOR, FakeClock

FIXTURES = Path(__file__).parent / "fixtures" / "payloads"
SITE = "https://acme.atlassian.net"
MIA = "5b10a2844c20165700ede21g"  # the accountId of Atlassian's examples
MARKER = {"deliverable": "checkout-v2", "role": "delivery-lead"}

CLOSED_BY = (
    "GitHub sends closed_by only when one issue is read; its reference reuses the single-issue "
    "example for lists"
)
UPDATED = (
    "the reference's issue example gives `updated` as the number 1; Jira sends a time, as every "
    "other time in the same example, and the adapter needs one"
)
KNOWN = {
    "github-issues-list": {"$[].closed_by: missing": CLOSED_BY},
    "jira-search-jql": {"$.issues[].fields.updated: string, documented integer": UPDATED},
    "jira-search-page": {
        "$.issues[].fields.updated: string, documented integer": UPDATED,
        "$.warningMessages: missing": "sent when the JQL draws warnings; the adapter ignores it",
    },
    "jira-comments-page": {
        "$.comments[].visibility: missing": (
            "only a restricted comment has one; the adapter does not read it"
        ),
    },
    "jira-versions": {
        "$[].overdue: missing": (
            "the sandbox leaves `overdue` out of released versions, where the reference shows a "
            "released version that is overdue; the adapter does not read it"
        ),
    },
    "jira-myself": {
        "$.key: missing": "Cloud sends it empty; on Cloud the adapter reads accountId",
        "$.name: missing": "Cloud sends it empty; on Cloud the adapter reads accountId",
    },
}


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["body"]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def differences(documented: Any, answer: Any, path: str = "$") -> set[str]:
    """Where `answer` leaves the documented shape: a documented key it lacks, or a value of
    another JSON type. Each item of a list is held to the keys every documented item has, and
    to the types of the documented items it shares keys with."""
    if documented is None or answer is None:
        return set()
    if json_type(documented) != json_type(answer):
        return {f"{path}: {json_type(answer)}, documented {json_type(documented)}"}
    found: set[str] = set()
    if isinstance(documented, dict):
        for key, value in documented.items():
            if key in answer:
                found |= differences(value, answer[key], f"{path}.{key}")
            else:
                found.add(f"{path}.{key}: missing")
    elif isinstance(documented, list) and documented:
        objects = all(isinstance(item, dict) for item in documented)
        for item in answer:
            if not (objects and isinstance(item, dict)):
                found |= differences(documented[0], item, f"{path}[]")
                continue
            shared = set.intersection(*(set(d) for d in documented))
            found |= {f"{path}[].{key}: missing" for key in shared - set(item)}
            for doc in documented:
                for key in set(doc) & set(item):
                    found |= differences(doc[key], item[key], f"{path}[].{key}")
    return found


def read_fields(page: dict[str, Any]) -> dict[str, Any]:
    """A search page with each issue's fields cut to those the Jira adapter asks for."""
    issues = [
        {**issue, "fields": {k: v for k, v in issue["fields"].items() if k in ISSUE_FIELDS}}
        for issue in page["issues"]
    ]
    return {**page, "issues": issues}


def jira_session(sb: Sandbox) -> requests.Session:
    session = requests.Session()
    if sb.jira_mode == "cloud":
        session.auth = (sb.jira_email, sb.jira_api_token)
    else:
        session.headers["Authorization"] = f"Bearer {sb.jira_pat}"
    return session


def add_probe(sb: Sandbox) -> str:
    """An issue with every time-tracking value and links both ways, as the documented one has."""
    key = sb.jira.add_issue(
        "Shape probe", original_estimate=36_000, remaining_estimate=7_200, time_spent=28_800
    )["key"]
    sb.jira.add_link(key, "PLAT-16")  # the probe blocks PLAT-16: an outward link
    sb.jira.add_link("PLAT-17", key)  # PLAT-17 blocks the probe: an inward link
    return key


@pytest.fixture(scope="module")
def github() -> Any:
    with Sandbox(seed="demo", now=ANCHOR, clock=FakeClock(ANCHOR + timedelta(hours=1))) as sb:
        session = requests.Session()
        session.headers["Authorization"] = f"token {sb.github_token}"
        yield sb, session


@pytest.fixture(scope="module", params=["cloud", "server"])
def jira(request: pytest.FixtureRequest) -> Any:
    clock = FakeClock(ANCHOR + timedelta(hours=1))
    with Sandbox(seed="demo", now=ANCHOR, clock=clock, jira_mode=request.param) as sb:
        sb.jira.add_comment("PLAT-1", "h3. Delivery status", properties={"delivery-sync": MARKER})
        yield sb, jira_session(sb), add_probe(sb)


# -- the shape comparison itself ----------------------------------------------------------------


def test_differences_names_missing_keys_type_changes_and_list_items() -> None:
    documented = {"id": 1, "user": {"login": "a"}, "labels": [{"name": "x"}], "closed_at": None}
    assert differences(documented, documented) == set()
    assert differences(documented, {**documented, "closed_at": "2026-01-01T00:00:00Z"}) == set()
    answer = {"id": "1", "user": {}, "labels": [{"name": "x"}, {"name": 2}, {}], "extra": 0}
    assert differences(documented, answer) == {
        "$.id: string, documented integer",
        "$.user.login: missing",
        "$.labels[].name: integer, documented string",
        "$.labels[].name: missing",
        "$.closed_at: missing",
    }


# -- the sandbox answers in the documented shapes -----------------------------------------------


def test_github_issue_listing_has_the_documented_shape(github) -> None:
    sb, api = github
    (issue,) = recorded("github-issues-list")
    listed = api.get(f"{sb.github_url}/repos/acme/web/issues", params={"state": "all"}).json()
    pulls = [i for i in listed if "pull_request" in i]
    issues = [i for i in listed if "pull_request" not in i]
    assert pulls and issues
    known = set(KNOWN["github-issues-list"])
    assert differences([issue], pulls) == known  # the documented item is a pull request
    plain = {k: v for k, v in issue.items() if k != "pull_request"}
    assert differences([plain], issues) == known


def test_github_single_issue_has_the_documented_shape_closed_by_included(github) -> None:
    sb, api = github
    (issue,) = recorded("github-issues-list")
    listed = api.get(f"{sb.github_url}/repos/acme/web/issues", params={"state": "all"}).json()
    number = next(i["number"] for i in listed if "pull_request" in i)
    one = api.get(f"{sb.github_url}/repos/acme/web/issues/{number}").json()
    assert differences(issue, one) == set()


def test_github_milestones_comments_and_labels_have_the_documented_shapes(github) -> None:
    sb, api = github
    repo = f"{sb.github_url}/repos/acme/web"
    milestones = api.get(f"{repo}/milestones", params={"state": "all"}).json()
    comments = api.get(f"{repo}/issues/1/comments").json()
    labels = api.get(f"{repo}/labels", params={"per_page": 100}).json()
    assert milestones and comments and labels
    assert differences([recorded("github-milestone")], milestones) == set()
    assert differences(recorded("github-issue-comments"), comments) == set()
    assert differences(recorded("github-labels"), labels) == set()


def test_jira_search_pages_have_the_documented_shape_in_the_fields_the_adapter_reads(
    jira,
) -> None:
    sb, api, probe = jira
    params = {"jql": f"key = {probe}", "fields": "*all"}
    if sb.jira_mode == "cloud":
        name, page = (
            "jira-search-jql",
            api.get(f"{sb.jira_url}/rest/api/2/search/jql", params=params),
        )
    else:
        name, page = "jira-search-page", api.get(f"{sb.jira_url}/rest/api/2/search", params=params)
    answer = page.json()
    assert [issue["key"] for issue in answer["issues"]] == [probe]
    documented = read_fields(recorded(name))
    assert {"issuelinks", "timetracking", "updated"} <= set(documented["issues"][0]["fields"])
    assert differences(documented, read_fields(answer)) == set(KNOWN[name])


def test_jira_comment_page_and_its_properties_have_the_documented_shapes(jira) -> None:
    sb, api, _ = jira
    page = api.get(
        f"{sb.jira_url}/rest/api/2/issue/PLAT-1/comment", params={"expand": "properties"}
    ).json()
    documented = recorded("jira-comments-page")
    if sb.jira_mode == "server":  # a Data Center user has a name and a key, no accountId
        for comment in documented["comments"]:
            del comment["author"]["accountId"], comment["updateAuthor"]["accountId"]
    assert differences(documented, page) == set(KNOWN["jira-comments-page"])
    # A property's value is whatever the app that set it stores: only its presence is compared.
    entity = {**recorded("jira-comment-property"), "value": None}
    entries = [entry for comment in page["comments"] for entry in comment["properties"]]
    assert entries == [{"key": "delivery-sync", "value": MARKER}]
    assert differences([entity], entries) == set()
    cid = page["comments"][-1]["id"]
    one = api.get(f"{sb.jira_url}/rest/api/2/comment/{cid}/properties/delivery-sync").json()
    assert differences(entity, one) == set()


def test_jira_versions_server_info_and_myself_have_the_documented_shapes(jira) -> None:
    sb, api, _ = jira
    rest = f"{sb.jira_url}/rest/api/2"
    versions = api.get(f"{rest}/project/PLAT/versions").json()
    assert differences(recorded("jira-versions"), versions) == set(KNOWN["jira-versions"])
    if sb.jira_mode == "cloud":  # the documented site and user are Cloud's
        server = api.get(f"{rest}/serverInfo").json()
        assert differences(recorded("jira-server-info"), server) == set()
        me = api.get(f"{rest}/myself").json()
        assert differences(recorded("jira-myself"), me) == set(KNOWN["jira-myself"])


# -- the adapters read the documented payloads --------------------------------------------------


def test_github_parsers_read_the_documented_issue_milestone_and_comment() -> None:
    (raw,) = recorded("github-issues-list")
    assert normalise_github_issue(raw, "web", "octocat/Hello-World") == WorkItem(
        source="web",
        key="octocat/Hello-World#1347",
        title="Found a bug",
        url="https://github.com/octocat/Hello-World/issues/1347",
        state=TrackerState.OPEN,
        status="open",
        created=datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC),
        updated=datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC),
        assignees=(Person("github", "octocat", "octocat"),),
        labels=("bug",),
        milestones=("v1.0",),
    )
    assert normalise_milestone(recorded("github-milestone"), "web") == Milestone(
        source="web",
        title="v1.0",
        due=date(2012, 10, 9),
        closed=False,
        url="https://github.com/octocat/Hello-World/milestones/v1.0",
        number=1,
        size=12,  # open_issues + closed_issues: what `milestone=1` would list
    )
    (comment,) = recorded("github-issue-comments")
    at = datetime(2011, 4, 14, 16, 0, 49, tzinfo=UTC)
    assert normalise_github_comment(comment) == Comment(
        id="1", body="Me too", author="octocat", created=at, updated=at
    )


def test_github_listing_drops_the_documented_item_because_it_is_a_pull_request() -> None:
    page = recorded("github-issues-list")
    assert "pull_request" in page[0]
    assert list(issues_of_page(page, "web", "octocat/Hello-World")) == []


def test_jira_parsers_read_the_documented_versions_and_comment() -> None:
    first, second = (
        normalise_version(raw, "plat", SITE, "EX") for raw in recorded("jira-versions")
    )
    assert first == Milestone(
        source="plat",
        title="New Version 1",
        due=date(2010, 7, 6),
        closed=True,
        url=f"{SITE}/projects/EX/versions/10000",
    )
    assert second == Milestone(
        source="plat", title="Next Version", url=f"{SITE}/projects/EX/versions/10010"
    )
    (raw,) = recorded("jira-comments-page")["comments"]
    assert normalise_comment(raw, cloud=True) == Comment(
        id="10000",
        body=raw["body"],
        author=MIA,
        created=datetime(2021, 1, 17, 12, 34, tzinfo=UTC),
        updated=datetime(2021, 1, 18, 23, 45, tzinfo=UTC),
        editor="Mia Krystof",
    )


def test_another_apps_comment_property_is_not_taken_for_our_marker() -> None:
    (raw,) = recorded("jira-comments-page")["comments"]
    entry = recorded("jira-comment-property")
    assert entry["key"] != "delivery-sync"
    assert normalise_comment({**raw, "properties": [entry]}, cloud=True).marker is None


def test_the_documented_jira_issue_is_refused_for_its_missing_status() -> None:
    info = SiteInfo(cloud=True, account=MIA)
    for name in ("jira-search-jql", "jira-search-page"):
        (issue,) = recorded(name)["issues"]
        with pytest.raises(Unreadable, match="the status is null"):
            normalise_jira_issue(issue, "plat", SITE, info)


def test_site_info_reads_our_account_from_the_documented_myself() -> None:
    server, me = recorded("jira-server-info"), recorded("jira-myself")
    assert "deploymentType" not in server  # the reference leaves out what auto-detection reads
    assert site_info("cloud", server, [], me) == SiteInfo(cloud=True, account=MIA)
