"""Tests of the sandbox itself: the simulated GitHub API, its faults and log, and the seed data.

Everything runs against a real sandbox on 127.0.0.1, through `requests` and PyGithub.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import github
import pytest
import requests

from benchmarks.synthetic import dumps, generate_github
from sandbox import seed
from sandbox.github.errors import GitHubError
from sandbox.server import Sandbox
from tests.sandbox_clock import ANCHOR, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ANCHOR + timedelta(hours=1))


@pytest.fixture
def sb(clock: FakeClock):
    with Sandbox(seed="demo", now=ANCHOR, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def api(sb: Sandbox) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"token {sb.github_token}"
    return session


@pytest.fixture
def gh(sb: Sandbox) -> github.Github:
    auth = github.Auth.Token(sb.github_token)
    return github.Github(
        base_url=sb.github_url,
        auth=auth,
        per_page=100,
        retry=None,
        lazy=True,
        # PyGithub waits 0.25 s between requests and 1 s between writes by default.
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- authentication, headers, errors ------------------------------------------------------------


def test_token_is_required(sb: Sandbox) -> None:
    missing = requests.get(f"{sb.github_url}/user")
    wrong = requests.get(f"{sb.github_url}/user", headers={"Authorization": "token nope"})
    bearer = requests.get(
        f"{sb.github_url}/user", headers={"Authorization": "Bearer " + sb.github_token}
    )

    assert missing.status_code == wrong.status_code == 401
    assert wrong.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert missing.json()["message"] == "Requires authentication"
    assert bearer.status_code == 200
    assert bearer.json()["login"] == "delivery-sync-bot"
    assert bearer.json()["type"] == "User"


def test_pygithub_bad_token_raises_bad_credentials(sb: Sandbox) -> None:
    g = github.Github(base_url=sb.github_url, auth=github.Auth.Token("nope"), retry=None)
    with pytest.raises(github.BadCredentialsException):
        g.get_user().login  # noqa: B018 - the attribute read makes the request


def test_every_answer_carries_rate_limit_headers_and_an_etag(sb: Sandbox, api) -> None:
    first = api.get(f"{sb.github_url}/repos/acme/web")
    second = api.get(f"{sb.github_url}/repos/acme/web/issues/1")

    assert first.headers["content-type"] == "application/json; charset=utf-8"
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "core"
    assert (
        int(second.headers["x-ratelimit-remaining"])
        == int(first.headers["x-ratelimit-remaining"]) - 1
    )
    assert int(second.headers["x-ratelimit-used"]) == int(first.headers["x-ratelimit-used"]) + 1
    assert int(first.headers["x-ratelimit-reset"]) > ANCHOR.timestamp()
    assert second.headers["etag"].startswith('W/"')


def test_if_none_match_gives_304_that_costs_nothing(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues"
    first = api.get(url, params={"state": "all"})
    again = api.get(url, params={"state": "all"}, headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]

    sb.github.update_issue("acme/web", first.json()[0]["number"], title="Changed")
    changed = api.get(
        url, params={"state": "all"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert changed.status_code == 200


def test_exhausted_rate_limit_gives_403(sb: Sandbox, gh) -> None:
    sb.github.rate.used = sb.github.rate.limit
    with pytest.raises(github.RateLimitExceededException):
        gh.get_user().login  # noqa: B018 - the attribute read makes the request


def test_unknown_routes_and_bad_json(sb: Sandbox, api) -> None:
    assert api.get(f"{sb.github_url}/repos/acme/nope").status_code == 404
    assert api.get(f"{sb.github_url}/repos/acme/web/issues/9999").json()["message"] == "Not Found"
    assert api.get(f"{sb.github_url}/orgs/acme/teams").status_code == 404
    bad = api.post(f"{sb.github_url}/repos/acme/web/issues/1/comments", data=b"{not json")
    assert bad.status_code == 400
    assert bad.json()["message"] == "Problems parsing JSON"
    invalid = api.get(f"{sb.github_url}/repos/acme/web/issues", params={"state": "weird"})
    assert invalid.status_code == 422


# -- repositories and issues --------------------------------------------------------------------


def test_repository(sb: Sandbox, api) -> None:
    repo = api.get(f"{sb.github_url}/repos/acme/web").json()
    assert repo["full_name"] == "acme/web"
    assert repo["owner"]["login"] == "acme"
    assert repo["owner"]["type"] == "Organization"
    assert repo["html_url"] == f"{sb.url}/acme/web"
    assert repo["url"] == f"{sb.github_url}/repos/acme/web"
    by_id = api.get(f"{sb.github_url}/repositories/{repo['id']}").json()
    assert by_id["full_name"] == "acme/web"


def test_issue_listing_defaults_to_open_newest_first_and_includes_pull_requests(sb, api) -> None:
    listed = api.get(f"{sb.github_url}/repos/acme/web/issues", params={"per_page": 100}).json()
    everything = sb.github.issues("acme/web")
    open_items = [i for i in everything if i["state"] == "open"]

    assert [i["number"] for i in listed] == sorted((i["number"] for i in open_items), reverse=True)
    prs = [i for i in listed if "pull_request" in i]
    assert prs, "open pull requests are listed with the issues"
    assert set(prs[0]["pull_request"]) == {"url", "html_url", "diff_url", "patch_url", "merged_at"}
    assert prs[0]["html_url"].startswith(f"{sb.url}/acme/web/pull/")
    assert all("pull_request" not in i for i in listed if "/issues/" in i["html_url"])
    assert all("closed_by" not in i for i in listed)  # GitHub sends it for single issues only


def test_pagination_link_header_and_per_page_cap(sb: Sandbox, api) -> None:
    sb.github.add_repo("acme/big")
    sb.github.add_issues("acme/big", 250, title="Item {n}")
    url = f"{sb.github_url}/repos/acme/big/issues"

    first = api.get(url, params={"per_page": 500, "state": "all"})
    assert len(first.json()) == 100  # capped
    assert set(first.links) == {"next", "last"}
    assert first.links["last"]["url"].endswith("page=3")
    assert "state=all" in first.links["next"]["url"]
    assert first.links["next"]["url"].startswith(sb.github_url + "/repositories/")

    numbers, pages, next_url = [], 0, url + "?per_page=100&state=all"
    while next_url:
        page = api.get(next_url)
        numbers += [i["number"] for i in page.json()]
        pages += 1
        next_url = page.links.get("next", {}).get("url")
    assert pages == 3
    assert sorted(numbers) == list(range(1, 251))

    middle = api.get(url, params={"per_page": 100, "page": 2})
    assert set(middle.links) == {"prev", "next", "last", "first"}
    assert middle.headers["link"].index('rel="prev"') < middle.headers["link"].index('rel="next"')
    last = api.get(url, params={"per_page": 100, "page": 3})
    assert len(last.json()) == 50
    assert set(last.links) == {"prev", "first"}
    assert "link" not in api.get(url, params={"per_page": 100, "labels": "nothing"}).headers
    assert len(api.get(url).json()) == 30  # the default page size


def test_since_keeps_issues_updated_at_or_after(sb: Sandbox, api, clock) -> None:
    changed_at = clock.advance(minutes=5)
    sb.github.update_issue("acme/web", 3, body="touched")
    url = f"{sb.github_url}/repos/acme/web/issues"

    hit = api.get(url, params={"state": "all", "since": iso(changed_at)}).json()
    miss = api.get(url, params={"state": "all", "since": iso(changed_at + timedelta(seconds=1))})
    assert [i["number"] for i in hit] == [3]
    assert hit[0]["updated_at"] == iso(changed_at)
    assert miss.json() == []

    week = ANCHOR - timedelta(days=7)
    recent = api.get(url, params={"state": "all", "since": iso(week), "per_page": 100}).json()
    expected = [i for i in sb.github.issues("acme/web") if i["updated_at"] >= iso(week)]
    assert len(recent) == len(expected) > 10


def test_sort_direction_and_filters(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues"
    asc = api.get(
        url, params={"state": "all", "sort": "updated", "direction": "asc", "per_page": 100}
    )
    stamps = [i["updated_at"] for i in asc.json()]
    assert stamps == sorted(stamps)

    labelled = api.get(url, params={"labels": "In Progress,checkout", "per_page": 100}).json()
    assert labelled
    assert all(
        {"in progress", "checkout"} <= {lab["name"] for lab in i["labels"]} for i in labelled
    )

    none = api.get(url, params={"milestone": "none", "state": "all", "per_page": 100}).json()
    some = api.get(url, params={"milestone": "*", "state": "all", "per_page": 100}).json()
    v20 = api.get(url, params={"milestone": "3", "state": "all", "per_page": 100}).json()
    assert all(i["milestone"] is None for i in none)
    assert all(i["milestone"] is not None for i in some)
    assert len(none) + len(some) == len(sb.github.issues("acme/web"))
    assert {i["milestone"]["title"] for i in v20} == {"v2.0"}

    alex = api.get(url, params={"assignee": "alex-kim", "labels": "in progress"}).json()
    unassigned = api.get(url, params={"assignee": "none", "per_page": 100}).json()
    assert len(alex) == 5
    assert unassigned and all(i["assignees"] == [] for i in unassigned)


def test_single_issue_shows_state_changes_as_github_makes_them(sb: Sandbox, api, clock) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues/40"
    issue = api.get(url).json()
    assert issue["title"] == "<script>alert(1)</script> in search box"
    assert issue["closed_by"] is None
    assert issue["html_url"] == f"{sb.url}/acme/web/issues/40"

    at = clock.advance(minutes=1)
    sb.github.update_issue(
        "acme/web", 40, state="closed", state_reason="not_planned", actor="delivery-sync-bot"
    )
    closed = api.get(url).json()
    assert (closed["state"], closed["state_reason"]) == ("closed", "not_planned")
    assert closed["closed_at"] == closed["updated_at"] == iso(at)
    assert closed["closed_by"]["login"] == "delivery-sync-bot"

    clock.advance(minutes=1)
    sb.github.update_issue("acme/web", 40, state="open")
    reopened = api.get(url).json()
    assert reopened["state_reason"] == "reopened"
    assert reopened["closed_at"] is None and reopened["closed_by"] is None

    edited = sb.github.update_issue(
        "acme/web", 40, labels=["bug", "Brand New"], assignees=["mei-chen"]
    )
    assert [lab["name"] for lab in edited["labels"]] == ["bug", "Brand New"]
    assert edited["assignee"]["login"] == "mei-chen"
    with pytest.raises(GitHubError) as refused:
        sb.github.update_issue("acme/web", 40, milestone=99)
    assert refused.value.status == 422


def test_helpers_update_and_delete_issues(sb: Sandbox, api, clock) -> None:
    number = next(i["number"] for i in sb.github.issues("acme/web") if i["state"] == "open")
    closed = sb.github.update_issue("acme/web", number, state="closed", state_reason="completed")
    assert closed["closed_at"] == iso(clock.now)
    assert closed["closed_by"]["login"] in {a["login"] for a in closed["assignees"]} | {
        closed["user"]["login"]
    }
    moved = sb.github.update_issue("acme/web", number, milestone="v2.1")
    assert moved["milestone"]["title"] == "v2.1"
    added = sb.github.add_issue("acme/web", "Scope creep", labels=["checkout"], milestone="v2.0")
    assert added["number"] == len(sb.github.issues("acme/web"))

    sb.github.delete_issue("acme/web", number)
    assert api.get(f"{sb.github_url}/repos/acme/web/issues/{number}").status_code == 410
    listed = api.get(
        f"{sb.github_url}/repos/acme/web/issues", params={"state": "all", "per_page": 100}
    )
    assert number not in [i["number"] for i in listed.json()]


# -- milestones ---------------------------------------------------------------------------------


def test_milestones_shapes_and_counts(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/milestones"
    open_ones = api.get(url).json()
    assert [m["title"] for m in open_ones] == ["v1.9", "v2.0", "v2.1"]  # due_on ascending
    every = {m["title"]: m for m in api.get(url, params={"state": "all"}).json()}
    assert every["v1.8"]["state"] == "closed" and every["v1.8"]["closed_at"]
    assert every["v1.9"]["due_on"] == iso(datetime(2026, 2, 24, 7, tzinfo=UTC))  # 6 days ago
    assert every["v2.0"]["due_on"] == iso(datetime(2026, 4, 9, 7, tzinfo=UTC))  # in 38 days
    assert every["v2.0"]["html_url"] == f"{sb.url}/acme/web/milestone/3"

    items = sb.github.issues("acme/web")
    in_v20 = [i for i in items if i["milestone"] and i["milestone"]["title"] == "v2.0"]
    assert any("pull_request" in i for i in in_v20)
    assert every["v2.0"]["open_issues"] == sum(i["state"] == "open" for i in in_v20)  # PRs count
    assert every["v2.0"]["closed_issues"] == sum(i["state"] == "closed" for i in in_v20)

    api_milestones = api.get(f"{sb.github_url}/repos/acme/api/milestones").json()
    assert [(m["title"], m["due_on"]) for m in api_milestones] == [
        ("2.0", iso(datetime(2026, 4, 9, 7, tzinfo=UTC))),
        ("2.1", None),
    ]
    paged = api.get(url, params={"state": "all", "per_page": 3})
    assert len(paged.json()) == 3 and "next" in paged.links


# -- comments -----------------------------------------------------------------------------------


def test_comment_create_list_edit_delete(sb: Sandbox, api, clock) -> None:
    issue_url = f"{sb.github_url}/repos/acme/web/issues/1"
    before = api.get(issue_url).json()
    at = clock.advance(minutes=3)

    created = api.post(f"{issue_url}/comments", json={"body": "Status: On track"})
    assert created.status_code == 201
    comment = created.json()
    assert comment["user"]["login"] == "delivery-sync-bot"
    assert comment["created_at"] == comment["updated_at"] == iso(at)
    assert comment["html_url"] == f"{sb.url}/acme/web/issues/1#issuecomment-{comment['id']}"
    assert comment["issue_url"] == issue_url
    assert created.headers["location"] == comment["url"]

    after = api.get(issue_url).json()
    assert after["comments"] == before["comments"] + 1
    assert after["updated_at"] == iso(at)

    listed = api.get(f"{issue_url}/comments").json()
    assert [c["id"] for c in listed] == sorted(c["id"] for c in listed)
    assert listed[-1]["body"] == "Status: On track"
    assert api.get(f"{issue_url}/comments", params={"since": iso(at)}).json() == [comment]

    edited_at = clock.advance(minutes=2)
    edited = api.patch(comment["url"], json={"body": "Status: At risk"}).json()
    assert edited["body"] == "Status: At risk"
    assert edited["updated_at"] == iso(edited_at) and edited["created_at"] == iso(at)
    assert sb.github.comments("acme/web", 1)[-1]["body"] == "Status: At risk"
    assert api.get(f"{issue_url}/comments").json()[-1]["body"] == "Status: At risk"

    assert api.delete(comment["url"]).status_code == 204
    assert comment["id"] not in [c["id"] for c in api.get(f"{issue_url}/comments").json()]
    assert api.patch(comment["url"], json={"body": "x"}).status_code == 404
    assert api.delete(comment["url"]).status_code == 404


def test_comment_limits_and_validation(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues/2/comments"
    at_limit = api.post(url, json={"body": "x" * 65_536})
    too_long = api.post(url, json={"body": "x" * 65_537})

    assert at_limit.status_code == 201
    assert too_long.status_code == 422
    error = too_long.json()
    assert error["message"] == "Validation Failed"
    assert error["errors"][0]["resource"] == "IssueComment"
    assert "maximum is 65536 characters" in error["errors"][0]["message"]
    assert api.patch(at_limit.json()["url"], json={"body": "y" * 70_000}).status_code == 422
    assert api.post(url, json={}).status_code == 422
    assert len(sb.github.comments("acme/web", 2)) == 1


def test_comment_pagination(sb: Sandbox, api) -> None:
    for n in range(7):
        sb.github.add_comment("acme/web", 5, f"note {n}", user="sam-park")
    url = f"{sb.github_url}/repos/acme/web/issues/5/comments"
    page = api.get(url, params={"per_page": 3, "page": 2})
    assert len(page.json()) == 3
    assert page.links["last"]["url"].endswith("page=3")
    assert page.links["next"]["url"].startswith(sb.github_url + "/repositories/")


# -- PyGithub against the sandbox ---------------------------------------------------------------


def test_pygithub_reads_and_writes(sb: Sandbox, gh) -> None:
    repo = gh.get_repo("acme/web")
    issues = list(repo.get_issues(state="all", sort="updated", direction="asc"))
    assert len(issues) == len(sb.github.issues("acme/web")) > 100  # two pages
    assert sum("/pull/" in i.html_url for i in issues) == 12  # .pull_request would cost a GET

    milestones = {m.title: m for m in repo.get_milestones(state="all")}
    assert set(milestones) == {"v1.8", "v1.9", "v2.0", "v2.1"}
    assert milestones["v2.0"].due_on == datetime(2026, 4, 9, 7, tzinfo=UTC)

    issue = repo.get_issue(1)
    humans = list(issue.get_comments())
    assert [c.user.login for c in humans] == ["sam-park", "dana-lee"]

    sb.clear_requests()
    comment = issue.create_comment("Delivery status\n<!-- delivery-sync {} -->")
    comment.edit("Delivery status (edited)")
    assert [(r.method, r.status) for r in sb.requests] == [("POST", 201), ("PATCH", 200)]
    stored = sb.github.comments("acme/web", 1)[-1]
    assert stored["id"] == comment.id and stored["body"] == "Delivery status (edited)"

    since = list(repo.get_issues(state="all", since=ANCHOR + timedelta(minutes=30)))
    assert [i.number for i in since] == [1]


# -- faults -------------------------------------------------------------------------------------


def test_status_fault_answers_without_performing(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues/1/comments"
    fault = sb.inject(status=502, method="POST", path=r"/issues/\d+/comments$", times=2)

    assert api.get(url).status_code == 200  # GET does not match
    assert api.post(url, json={"body": "a"}).status_code == 502
    assert api.post(url, json={"body": "b"}).status_code == 502
    assert api.post(url, json={"body": "c"}).status_code == 201
    assert fault.hits == 2 and sb.faults == []
    assert [c["body"] for c in sb.github.comments("acme/web", 1)][-1:] == ["c"]
    assert [r.fault for r in sb.requests[-3:]] == ["status", "status", None]


def test_rate_limit_faults_carry_retry_after(sb: Sandbox, api, gh) -> None:
    sb.inject(status=429, retry_after=7)
    sb.inject(status=403, retry_after=1)
    limited = api.get(f"{sb.github_url}/user")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert "secondary rate limit" in limited.json()["message"]
    with pytest.raises(github.RateLimitExceededException) as raised:
        gh.get_repo("acme/web").get_issue(1).create_comment("x")
    assert raised.value.headers["retry-after"] == "1"


def test_drop_after_performs_the_write_then_drops_the_connection(sb: Sandbox, api, gh) -> None:
    before = len(sb.github.comments("acme/web", 1))
    sb.inject(drop_after=True, method="POST", path=r"/comments$")

    with pytest.raises(requests.ConnectionError):
        api.post(f"{sb.github_url}/repos/acme/web/issues/1/comments", json={"body": "lost"})
    assert [c["body"] for c in sb.github.comments("acme/web", 1)][before:] == ["lost"]
    record = sb.requests[-1]
    assert (record.method, record.status, record.dropped, record.fault) == (
        "POST",
        201,
        True,
        "drop_after",
    )

    sb.inject(drop_after=True, method="POST")
    with pytest.raises(requests.ConnectionError):  # PyGithub with retry=None does not resend
        gh.get_repo("acme/web").get_issue(2).create_comment("lost too")
    assert [c["body"] for c in sb.github.comments("acme/web", 2)] == ["lost too"]
    assert api.get(f"{sb.github_url}/user").status_code == 200  # the next request is served


def test_delay_fault_makes_clients_time_out(sb: Sandbox, api) -> None:
    sb.inject(delay=0.5, path="/user$")
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        api.get(f"{sb.github_url}/user", timeout=0.2)
    assert time.monotonic() - started < 0.45
    assert api.get(f"{sb.github_url}/user", timeout=2).status_code == 200


def test_html_200_fault_answers_a_sign_in_page(sb: Sandbox, api) -> None:
    page = "<html><body>Sign in to continue</body></html>"
    sb.inject(status=200, body=page, path=r"/repos/acme/web/issues$")
    answer = api.get(f"{sb.github_url}/repos/acme/web/issues")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text == page
    assert sb.github.issues("acme/web")  # nothing was performed or lost


def test_truncate_fault_cuts_the_real_answer(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues"
    whole = api.get(url, params={"per_page": 5})
    sb.inject(truncate=100, path=r"/repos/acme/web/issues$")
    cut = api.get(url, params={"per_page": 5})
    assert cut.status_code == 200 and cut.headers["content-type"].startswith("application/json")
    assert cut.content == whole.content[:100] and cut.headers["content-length"] == "100"
    with pytest.raises(ValueError):
        cut.json()
    assert sb.requests[-1].fault == "truncate"


def test_link_loop_fault_points_next_at_the_page_just_read(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/issues"
    sb.inject(link_loop=True, path=r"/repos/acme/web/issues$", times=None)
    first = api.get(url, params={"state": "all", "per_page": 100})
    assert first.links["next"]["url"] == f"{url}?state=all&per_page=100"
    again = api.get(first.links["next"]["url"])
    assert again.json() == first.json() and again.links == first.links


def test_echo_auth_fault_repeats_the_authorization_header(sb: Sandbox, api) -> None:
    sb.inject(status=401, echo_auth=True, path="/user$")
    sb.inject(status=401, echo_auth=True, body="<p>denied: {authorization}</p>", path="/user$")
    as_json = api.get(f"{sb.github_url}/user")
    as_html = api.get(f"{sb.github_url}/user")
    header = f"token {sb.github_token}"
    assert as_json.status_code == as_html.status_code == 401
    assert as_json.json()["message"] == f"Bad credentials (Authorization: {header})"
    assert as_json.json()["authorization"] == header
    assert as_html.text == f"<p>denied: {header}</p>"
    with pytest.raises(ValueError, match="echo_auth"):
        sb.inject(echo_auth=True)
    with pytest.raises(ValueError, match="truncate"):
        sb.inject(truncate=-1)


def test_labels_are_listed_by_name_in_pages_with_githubs_shape(sb: Sandbox, api) -> None:
    url = f"{sb.github_url}/repos/acme/web/labels"
    first = api.get(url, params={"per_page": 3})
    assert first.status_code == 200 and len(first.json()) == 3
    assert set(first.json()[0]) == {
        "id",
        "node_id",
        "url",
        "name",
        "color",
        "default",
        "description",
    }
    everything = api.get(url, params={"per_page": 100}).json()
    names = [label["name"] for label in everything]
    assert names == sorted(names, key=str.lower)
    used = {label["name"] for issue in sb.github.issues("acme/web") for label in issue["labels"]}
    assert used <= set(names) and "checkout" in names
    assert first.links["next"]["url"].endswith("page=2")
    assert api.get(f"{sb.github_url}/repos/acme/nope/labels").status_code == 404


def test_faults_and_log_over_http(sb: Sandbox) -> None:
    control = f"{sb.url}/_sandbox"
    spec = {"status": 500, "method": "GET", "path": "/user$", "times": 1}
    assert requests.post(f"{control}/faults", json=spec).status_code == 201
    assert requests.post(f"{control}/faults", json={"bogus": 1}).status_code == 400
    assert requests.get(f"{control}/faults").json()[0]["status"] == 500

    headers = {"Authorization": f"token {sb.github_token}"}
    assert requests.get(f"{sb.github_url}/user", headers=headers).status_code == 500
    requests.get(
        f"{sb.github_url}/repos/acme/web/issues", params={"labels": "a,b"}, headers=headers
    )

    log = requests.get(f"{control}/requests").json()
    assert [(r["method"], r["path"], r["status"], r["fault"]) for r in log] == [
        ("GET", "/github/user", 500, "status"),
        ("GET", "/github/repos/acme/web/issues", 200, None),
    ]
    assert log[1]["query"] == {"labels": ["a,b"]}
    assert log[1]["app"] == "github"
    assert requests.delete(f"{control}/requests").status_code == 204
    assert requests.get(f"{control}/requests").json() == []

    requests.post(f"{control}/faults", json=[{"status": 502}, {"delay": 1}])
    assert requests.delete(f"{control}/faults").status_code == 204
    assert sb.faults == []


def test_request_log_records_writes(sb: Sandbox, api, clock) -> None:
    sb.clear_requests()
    api.post(f"{sb.github_url}/repos/acme/web/issues/1/comments", json={"body": "hi"})
    api.get(f"{sb.github_url}/repos/acme/web/issues", params={"state": "all", "per_page": "5"})

    post, listing = sb.requests
    assert (post.method, post.path, post.status, post.body) == (
        "POST",
        "/github/repos/acme/web/issues/1/comments",
        201,
        {"body": "hi"},
    )
    assert post.time == clock.now
    assert listing.query == {"state": ["all"], "per_page": ["5"]}
    assert listing.body is None


# -- browser pages ------------------------------------------------------------------------------


def test_html_pages_escape_everything(sb: Sandbox) -> None:
    sb.github.add_comment("acme/web", 40, "<b>bold</b> & more", user="mei-chen")
    page = requests.get(f"{sb.url}/acme/web/issues/40")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page.text
    assert 'id="issuecomment-' in page.text
    assert requests.get(f"{sb.url}/acme/web/issues").status_code == 200
    assert requests.get(f"{sb.url}/acme/web/milestone/3").status_code == 200
    assert requests.get(f"{sb.url}/acme/web/pull/9999").status_code == 404


# -- seeds --------------------------------------------------------------------------------------


def test_materialise_turns_relative_dates_into_absolute_ones() -> None:
    doc = {"x": [{"created_days_ago": 1.5, "due_in_days": -6, "title": "t"}], "y": {"a_in_days": 2}}
    out = seed.materialise(doc, ANCHOR)
    assert out["x"][0] == {
        "created_at": ANCHOR - timedelta(days=1, hours=12),
        "due_on": ANCHOR.date() - timedelta(days=6),
        "title": "t",
    }
    assert out["y"] == {"a_on": ANCHOR.date() + timedelta(days=2)}


def test_demo_seed_content() -> None:
    data = seed.materialise(seed.load("demo"), ANCHOR)["github"]
    assert {u["login"] for u in data["users"]} >= {"dana-lee", "sam-park", "alex-kim", "mei-chen"}
    web, api = data["repos"]
    issues = [i for r in (web, api) for i in r["issues"] if "pull_request" not in i]
    assert 140 <= len(issues) <= 160
    assert web["issues"][0]["title"] == "Checkout v2 — delivery tracking"
    assert web["issues"][0]["body"].count("- [x]") == 3
    assert web["issues"][0]["body"].count("- [ ]") == 2
    assert web["issues"][1]["title"] == "Mobile onboarding — delivery tracking"
    assert api["issues"][0]["title"] == "API hardening — delivery tracking"
    assert not any(c["user"] == data["bot"] for i in issues for c in i.get("comments", ()))

    for repo in (web, api):
        numbers = [i["number"] for i in repo["issues"]]
        assert numbers == list(range(1, len(numbers) + 1))
        created = [i["created_at"] for i in repo["issues"]]
        assert created == sorted(created)  # numbers follow creation, PRs interleaved
        for i in repo["issues"]:
            assert i["created_at"] <= i["updated_at"]
            assert "closed_at" not in i or i["created_at"] <= i["closed_at"] <= i["updated_at"]
            for c in i.get("comments", ()):
                assert i["created_at"] <= c["created_at"] <= i["updated_at"]

    def open_with(label: str) -> list[dict]:
        return [i for i in issues if i.get("state") != "closed" and label in i["labels"]]

    wip = Counter(a for i in open_with("in progress") for a in i["assignees"])
    assert wip["alex-kim"] in (4, 5) and max(n for p, n in wip.items() if p != "alex-kim") <= 3
    stale = [i for i in open_with("in progress") if ANCHOR - i["updated_at"] > timedelta(days=9)]
    assert len(stale) >= 4
    assert len(open_with("blocked")) >= 3
    reasons = Counter(i.get("state_reason") for i in issues if i.get("state") == "closed")
    assert reasons["not_planned"] >= 3 and reasons["duplicate"] == 1
    titles = {i["title"] for i in issues}
    assert "Fix @acme/frontend mention in #12 footer" in titles
    assert any("\n" in t for t in titles)


def test_demo_v20_is_about_forty_percent_done() -> None:
    web = seed.materialise(seed.load("demo"), ANCHOR)["github"]["repos"][0]
    v20 = [i for i in web["issues"] if i.get("milestone") == 3 and "pull_request" not in i]
    counted = [i for i in v20 if i.get("state_reason") not in ("not_planned", "duplicate")]
    done = [i for i in counted if i.get("state") == "closed"]
    assert 0.35 <= len(done) / len(counted) <= 0.45
    first_close = min(i["closed_at"] for i in done)
    assert timedelta(days=18) <= ANCHOR - first_close <= timedelta(days=27)


def test_generate_github_is_big_deterministic_and_loadable() -> None:
    doc = generate_github(repos=4, issues_per_repo=2_500, seed=3)
    assert doc == generate_github(repos=4, issues_per_repo=2_500, seed=3)
    with Sandbox(seed=doc, now=ANCHOR) as sandbox:
        session = requests.Session()
        session.headers["Authorization"] = f"token {sandbox.github_token}"
        url = f"{sandbox.github_url}/repos/bench/repo-003/issues"
        page = session.get(url, params={"state": "all", "per_page": 100, "page": 25})
        assert len(page.json()) == 100
        assert set(page.links) == {"prev", "first"}


def test_empty_seed_and_custom_data(clock: FakeClock) -> None:
    with Sandbox(seed=None, clock=clock) as sandbox:
        assert sandbox.github.store.repos == {}
        sandbox.github.add_repo("solo/one")
        sandbox.github.add_milestone("solo/one", "M1", due_on=ANCHOR.date())
        sandbox.github.add_issue("solo/one", "First", milestone="M1", pull_request=True)
        headers = {"Authorization": f"token {sandbox.github_token}"}
        listed = requests.get(f"{sandbox.github_url}/repos/solo/one/issues", headers=headers)
        assert [(i["number"], "pull_request" in i) for i in listed.json()] == [(1, True)]
        milestone = sandbox.github.milestones("solo/one")[0]
        assert milestone["open_issues"] == 1 and milestone["due_on"].endswith("T07:00:00Z")


def test_seed_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(dumps(generate_github(repos=1, issues_per_repo=5)), encoding="utf-8")
    assert len(seed.load(str(path))["github"]["repos"][0]["issues"]) == 5
    assert json.loads(path.read_text())["format"] == seed.FORMAT
    with pytest.raises(ValueError):
        seed.load("no-such-seed")
