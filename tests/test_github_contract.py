"""The GitHub adapter's requests, pinned with `responses`: URLs, parameters, counts, retries."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr, ValidationError
from responses import matchers
from structlog.testing import capture_logs

from connectors.github import (
    GitHubAccount,
    GitHubCredentials,
    GitHubTracker,
    marker_line,
    parse_marker,
    task_list,
)
from connectors.model import Marker, TrackerState
from connectors.retry import AmbiguousWrite, NotFound, RateLimited, TrackerError
from mappings.config import parse_mapping
from tests.github_payloads import API, comment, issue, label, milestone, user
from worker.settings import Settings
from worker.trackers import build_trackers

ISSUES = re.compile(
    re.escape(API).replace("ghe\\.example", r"ghe\.example(:443)?")
    + r"/repos/acme/web/issues(\?.*)?$"
)


def url(path: str) -> re.Pattern:
    base = re.escape(API).replace(r"ghe\.example", r"ghe\.example(:443)?")
    return re.compile(base + re.escape(path) + r"(\?.*)?$")


def app_credentials(private_key: str) -> GitHubCredentials:
    return GitHubCredentials(
        app_id="12345",
        private_key=SecretStr(private_key),
        installation_id=678,
        variable="GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID",
    )


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def tracker(sleeps):
    credentials = GitHubCredentials(token=SecretStr("ghp_secret_token_value"))
    account = GitHubAccount(API, credentials, write_pause=0)
    return GitHubTracker("web", "acme/web", account=account, sleep=sleeps.append)


def page_link(page: int, last: int) -> dict[str, str]:
    if page >= last:
        return {}
    nxt = f"{API}/repos/acme/web/issues?state=all&per_page=100&page={page + 1}"
    end = f"{API}/repos/acme/web/issues?state=all&per_page=100&page={last}"
    return {"Link": f'<{nxt}>; rel="next", <{end}>; rel="last"'}


@responses.activate
def test_issues_are_listed_in_pages_of_100_without_per_item_requests(tracker):
    numbers = list(range(1, 251))
    for page in (1, 2, 3):
        chunk = numbers[(page - 1) * 100 : page * 100]
        payload = [issue(n, pull_request=(n % 10 == 0)) for n in chunk]
        params = {"state": "all", "per_page": "100", "page": str(page)}
        if page == 1:
            params = {"state": "all", "sort": "created", "direction": "asc", "per_page": "100"}
        responses.get(
            url("/repos/acme/web/issues"),
            json=payload,
            headers=page_link(page, 3),
            match=[matchers.query_param_matcher(params, strict_match=True)],
        )
    items = list(tracker.fetch_items(None))
    assert len(responses.calls) == 3
    assert len(items) == 225  # every tenth entry is a pull request
    assert all("#" in i.key and not i.key.endswith("#10") for i in items)
    assert tracker.stats.reads == 3


@responses.activate
def test_since_is_sent_in_utc(tracker):
    responses.get(
        url("/repos/acme/web/issues"),
        json=[],
        match=[
            matchers.query_param_matcher(
                {
                    "state": "all",
                    "sort": "created",
                    "direction": "asc",
                    "per_page": "100",
                    "since": "2026-11-20T09:00:00Z",
                },
                strict_match=True,
            )
        ],
    )
    since = datetime.fromisoformat("2026-11-20T10:00:00+01:00")
    assert list(tracker.fetch_items(since)) == []
    assert len(responses.calls) == 1


@responses.activate
def test_issue_payload_is_normalised(tracker):
    body = "Client asks:\n- [x] pay by card\n- [ ] pay by invoice\n  * [X] receipts\n"
    responses.get(
        url("/repos/acme/web/issues"),
        json=[
            issue(
                7,
                "Card payments",
                state="closed",
                state_reason="not_planned",
                labels=("checkout", "sp:3"),
                assignees=("alex-kim", "mei-chen"),
                milestone_title="v2.0",
                body=body,
                closed_at="2026-11-21T17:45:00Z",
            )
        ],
    )
    [item] = tracker.fetch_items(None)
    assert item.key == "acme/web#7" and item.short_key == "web#7"
    assert item.state is TrackerState.CLOSED and item.resolution == "not_planned"
    assert item.labels == ("checkout", "sp:3")
    assert [p.id for p in item.assignees] == ["alex-kim", "mei-chen"]
    assert item.milestones == ("v2.0",)
    assert item.closed == datetime(2026, 11, 21, 17, 45, tzinfo=UTC)
    assert item.task_list == (2, 3)
    assert item.url == "https://ghe.example/acme/web/issues/7"


@responses.activate
def test_a_malformed_item_is_skipped_with_a_warning(tracker):
    broken = issue(2)
    del broken["created_at"]
    responses.get(url("/repos/acme/web/issues"), json=[issue(1), broken, issue(3)])
    with capture_logs() as logs:
        items = list(tracker.fetch_items(None))
    assert [i.key for i in items] == ["acme/web#1", "acme/web#3"]
    [warning] = [e for e in logs if e["event"] == "item.malformed"]
    assert warning["item"] == "acme/web#2" and warning["source"] == "web"
    assert warning["log_level"] == "warning"
    assert list(tracker.unreadable) == ["acme/web#2"]


@responses.activate
def test_milestones_keep_the_due_day(tracker):
    responses.get(
        url("/repos/acme/web/milestones"),
        json=[milestone(1, "v2.0", "2026-12-15T08:00:00Z"), milestone(2, "later", None, "closed")],
        match=[
            matchers.query_param_matcher({"state": "all", "per_page": "100"}, strict_match=True)
        ],
    )
    found = tracker.fetch_milestones()
    assert [(m.title, m.due, m.closed) for m in found] == [
        ("v2.0", date(2026, 12, 15), False),
        ("later", None, True),
    ]


@responses.activate
def test_own_comments_are_our_authors_with_their_markers(tracker):
    ours = Marker("delivery-lead", deliverable="checkout-v2")
    responses.get(url("/user"), json=user("delivery-sync-bot", 77))
    responses.get(
        url("/repos/acme/web/issues/1/comments"),
        json=[
            comment(11, "hello"),
            comment(12, "status\n" + marker_line(ours)),
            comment(13, "copied\n" + marker_line(ours), login="mallory"),
            comment(
                14, 'x\n<!--delivery-sync {"role":"project-manager","deliverable":"a","v":2}-->'
            ),
        ],
    )
    found = tracker.own_comments("1")
    assert [(c.id, c.marker) for c in found] == [
        ("11", None),
        ("12", ours),
        ("14", Marker("project-manager", deliverable="a")),
    ]


def issue_with(number: int, comments: int) -> dict:
    return {**issue(number), "comments": comments}


@responses.activate
def test_the_comment_count_of_listed_issues_is_kept_for_the_cycle(tracker):
    responses.get(ISSUES, json=[issue_with(1, 0), issue_with(2, 3)])
    list(tracker.fetch_items(None))

    assert tracker.counted_no_comments("1") and not tracker.counted_no_comments("2")
    assert not tracker.counted_no_comments("3")  # never read


@responses.activate
def test_a_single_issue_read_counts_too_and_a_later_read_with_comments_undoes_it(tracker):
    responses.get(url("/repos/acme/web/issues/1"), json=issue_with(1, 0))
    tracker.fetch_item("1")
    assert tracker.counted_no_comments("1")

    responses.get(ISSUES, json=[issue_with(1, 1)])  # somebody commented since
    list(tracker.fetch_items(None))
    assert not tracker.counted_no_comments("1")


@responses.activate
def test_after_any_attempt_to_comment_the_count_read_before_is_not_believed(tracker, sleeps):
    """A create that may have landed (a 502) leaves the count read earlier stale."""
    responses.get(ISSUES, json=[issue_with(1, 0)])
    responses.post(
        url("/repos/acme/web/issues/1/comments"), status=502, json={"message": "Bad Gateway"}
    )
    list(tracker.fetch_items(None))
    with pytest.raises(AmbiguousWrite):
        tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a"))

    assert not tracker.counted_no_comments("1")


@responses.activate
def test_a_count_that_is_not_a_number_is_not_believed(tracker):
    odd = issue_with(2, 0)
    odd["comments"] = "0"
    responses.get(ISSUES, json=[odd])
    list(tracker.fetch_items(None))

    assert not tracker.counted_no_comments("2")


@responses.activate
def test_create_posts_the_body_once(tracker):
    marker = Marker("delivery-lead", deliverable="checkout-v2")
    body = "### Delivery status — X\n" + marker_line(marker)
    responses.post(
        url("/repos/acme/web/issues/1/comments"),
        json=comment(99, body),
        status=201,
        match=[matchers.json_params_matcher({"body": body})],
    )
    created = tracker.create_comment("1", body, marker)
    assert created.id == "99" and created.marker == marker
    assert len(responses.calls) == 1


@responses.activate
def test_a_create_answered_502_is_ambiguous_and_not_resent(tracker, sleeps):
    responses.post(
        url("/repos/acme/web/issues/1/comments"), status=502, json={"message": "Bad Gateway"}
    )
    with pytest.raises(AmbiguousWrite):
        tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a"))
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_a_create_whose_connection_drops_is_ambiguous(tracker):
    responses.post(
        url("/repos/acme/web/issues/1/comments"),
        body=requests.ConnectionError("Connection aborted: RemoteDisconnected"),
    )
    with pytest.raises(AmbiguousWrite):
        tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a"))
    assert len(responses.calls) == 1


@responses.activate
def test_a_create_refused_by_the_rate_limit_waits_and_retries(tracker, sleeps):
    path = url("/repos/acme/web/issues/1/comments")
    responses.post(
        path,
        status=403,
        json={"message": "You have exceeded a secondary rate limit"},
        headers={"Retry-After": "7"},
    )
    responses.post(path, status=201, json=comment(5, "x"))
    assert tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a")).id == "5"
    assert sleeps == [7.0]
    assert len(responses.calls) == 2


@responses.activate
def test_edit_is_retried_after_a_server_error(tracker, sleeps):
    path = url("/repos/acme/web/issues/comments/12")
    responses.patch(path, status=502, json={"message": "Bad Gateway"})
    responses.patch(
        path,
        status=200,
        json=comment(12, "new"),
        match=[matchers.json_params_matcher({"body": "new"})],
    )
    tracker.edit_comment("1", "12", "new", Marker("delivery-lead", deliverable="a"))
    assert len(responses.calls) == 2 and len(sleeps) == 1


@responses.activate
def test_editing_a_deleted_comment_is_not_found(tracker):
    responses.patch(
        url("/repos/acme/web/issues/comments/12"), status=404, json={"message": "Not Found"}
    )
    with pytest.raises(NotFound):
        tracker.edit_comment("1", "12", "new", Marker("delivery-lead", deliverable="a"))


@responses.activate
def test_bad_credentials_fail_at_once_without_leaking_the_token(tracker, sleeps):
    responses.get(url("/repos/acme/web/issues"), status=401, json={"message": "Bad credentials"})
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert caught.value.status == 401 and not caught.value.retriable
    assert "ghp_secret_token_value" not in str(caught.value)
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_rate_limit_reset_far_away_fails_instead_of_waiting_an_hour(tracker, sleeps):
    reset = int(datetime.now(UTC).timestamp()) + 3600
    responses.get(
        url("/repos/acme/web/issues"),
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    with pytest.raises(RateLimited):
        list(tracker.fetch_items(None))
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_429_without_retry_after_backs_off_and_retries_reads(tracker, sleeps):
    responses.get(url("/repos/acme/web/milestones"), status=429, json={"message": "slow down"})
    responses.get(url("/repos/acme/web/milestones"), json=[])
    assert tracker.fetch_milestones() == []
    assert len(sleeps) == 1 and len(responses.calls) == 2


def test_marker_is_parsed_as_json_with_free_spacing():
    assert parse_marker(
        'x\n<!--   delivery-sync {"role" : "delivery-lead", "deliverable":"a"}   -->\n'
    ) == (Marker("delivery-lead", deliverable="a"))
    assert parse_marker("x\n<!-- delivery-sync {not json} -->") is None
    assert parse_marker('<!-- delivery-sync {"role": "delivery-lead"} -->') is None
    assert (
        parse_marker('<!-- delivery-sync {"deliverable": "a", "role": "pm"} -->\nmore text') is None
    )


def test_task_list_counts_checkboxes():
    assert task_list("- [x] a\n- [ ] b\n1. [X] c\ntext [x] not a box\n") == (2, 3)
    assert task_list(None) == (0, 0)


@responses.activate
def test_an_installation_token_that_cannot_read_user_accepts_bot_authors(tracker):
    marker = Marker("delivery-lead", deliverable="a")
    responses.get(
        url("/user"), status=403, json={"message": "Resource not accessible by integration"}
    )
    responses.get(
        url("/repos/acme/web/issues/1/comments"),
        json=[
            comment(1, "x\n" + marker_line(marker), login="github-actions[bot]"),
            comment(2, "x\n" + marker_line(marker), login="mallory"),
        ],
    )
    with capture_logs() as logs:
        assert [(c.id, c.marker) for c in tracker.own_comments("1")] == [("1", marker)]
    assert [e["event"] for e in logs] == ["github.identity_unknown"]


@responses.activate
def test_a_github_app_comments_as_its_bot_account():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account = GitHubAccount(API, app_credentials(pem), write_pause=0)
    tracker = GitHubTracker("web", "acme/web", account=account)
    responses.post(
        url("/app/installations/678/access_tokens"),
        status=201,
        json={"token": "ghs_installation_token", "expires_at": "2099-01-01T00:00:00Z"},
    )
    responses.get(url("/app"), json={"id": 12345, "slug": "acme-delivery", "name": "ACME delivery"})
    marker = Marker("delivery-lead", deliverable="a")
    responses.get(
        url("/repos/acme/web/issues/1/comments"),
        json=[
            comment(1, "x\n" + marker_line(marker), login="acme-delivery[bot]"),
            comment(2, "x\n" + marker_line(marker), login="other-app[bot]"),
        ],
    )
    assert [c.id for c in tracker.own_comments("1")] == ["1"]
    listing = next(c for c in responses.calls if c.request.url.endswith("/comments?per_page=100"))
    assert listing.request.headers["Authorization"] == "token ghs_installation_token"
    app_call = next(c for c in responses.calls if c.request.url.endswith("/app"))
    assert app_call.request.headers["Authorization"].startswith("Bearer ")  # a JWT, not the key
    assert "PRIVATE KEY" not in str([c.request.headers for c in responses.calls])


# ---- one rule for answers: the JSON shape the endpoint promises, or a failed read -------------

SIGN_IN = "<!doctype html><html><body><form>Sign in to the hotel Wi-Fi</form></body></html>"


@responses.activate
def test_an_html_page_answered_200_is_a_failed_retriable_read_not_an_empty_page(tracker, sleeps):
    responses.get(url("/repos/acme/web/issues"), body=SIGN_IN, content_type="text/html")
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    error = caught.value
    assert error.retriable
    assert "answered HTML, not JSON — a proxy or sign-in page?" in str(error)
    assert "https://ghe.example/api/v3/repos/acme/web/issues" in str(error)
    assert "GITHUB_API_URL" in str(error) and "Sign in" not in str(error)
    assert len(responses.calls) == 4 and len(sleeps) == 3  # retried under the policy


@responses.activate
def test_an_html_page_once_is_retried_and_the_read_completes(tracker, sleeps):
    responses.get(url("/repos/acme/web/issues"), body=SIGN_IN, content_type="text/html")
    responses.get(url("/repos/acme/web/issues"), json=[issue(1), issue(2)])
    assert [i.key for i in tracker.fetch_items(None)] == ["acme/web#1", "acme/web#2"]
    assert len(sleeps) == 1


@responses.activate
def test_truncated_json_is_a_retriable_read_error_not_a_crash(tracker, sleeps):
    whole = json.dumps([issue(1), issue(2)])
    responses.get(url("/repos/acme/web/issues"), body=whole[:700], content_type="application/json")
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert caught.value.retriable
    assert "truncated or invalid JSON" in str(caught.value)
    assert len(responses.calls) == 4


@pytest.mark.parametrize(
    ("read", "path"),
    [
        (lambda t: list(t.fetch_items(None)), "/repos/acme/web/issues"),
        (lambda t: t.fetch_milestones(), "/repos/acme/web/milestones"),
        (lambda t: t.fetch_labels(), "/repos/acme/web/labels"),
        (lambda t: t.own_comments("1"), "/repos/acme/web/issues/1/comments"),
    ],
    ids=["issues", "milestones", "labels", "comments"],
)
@responses.activate
def test_a_listing_answered_with_an_object_is_a_failed_read(tracker, read, path):
    responses.get(url("/user"), json=user("delivery-sync-bot", 77))
    responses.get(url(path), json={"message": "Moved", "items": []})
    with pytest.raises(TrackerError) as caught:
        read(tracker)
    assert "answered a JSON object where a list was expected" in str(caught.value)
    assert caught.value.retriable


@responses.activate
def test_a_comment_listing_answered_with_html_fails_instead_of_finding_nothing(tracker):
    responses.get(url("/user"), json=user("delivery-sync-bot", 77))
    responses.get(url("/repos/acme/web/issues/1/comments"), body=SIGN_IN, content_type="text/html")
    with pytest.raises(TrackerError, match="answered HTML"):
        tracker.own_comments("1")


@responses.activate
def test_single_objects_need_their_keys(tracker):
    responses.get(url("/repos/acme/web"), json=[{"full_name": "acme/web"}])
    responses.get(url("/repos/acme/web/issues/7"), json={"title": "no number"})
    with pytest.raises(TrackerError, match="where an object was expected"):
        tracker.check_access()
    with pytest.raises(TrackerError, match="an object without number"):
        tracker.fetch_item("7")


@responses.activate
def test_a_created_comment_answered_with_html_is_ambiguous_and_not_resent(tracker, sleeps):
    responses.post(
        url("/repos/acme/web/issues/1/comments"),
        body=SIGN_IN,
        status=201,
        content_type="text/html",
    )
    with pytest.raises(AmbiguousWrite, match="answered HTML"):
        tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a"))
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_lone_surrogates_in_an_answer_become_replacement_characters(tracker):
    payload = [issue(1, "Fix \ud800 in checkout", labels=("bug\udfff",))]
    responses.get(
        url("/repos/acme/web/issues"),
        body=json.dumps(payload),  # ensure_ascii: the surrogates travel as \ud800 escapes
        content_type="application/json",
    )
    [item] = tracker.fetch_items(None)
    assert item.title == "Fix \ufffd in checkout" and item.labels == ("bug\ufffd",)
    item.to_json().encode("utf-8")  # hashable and storable


# ---- paging that never ends -------------------------------------------------------------------


def looping(links: Callable[[int], str]) -> Callable:
    """A listing whose page N answers one issue and the `Link` header `links(N)`."""

    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query)).get("page", "1"))
        headers = {"Link": links(page)} if links(page) else {}
        return 200, headers, json.dumps([issue(page)])

    return answer


def page_url(page: int) -> str:
    """GitHub's `Link` URLs repeat the request's parameters, in their own order."""
    return (
        f"{API}/repos/acme/web/issues?per_page=100&state=all&sort=created&direction=asc&page={page}"
    )


@responses.activate
def test_a_next_link_back_to_a_page_already_read_stops_the_listing(tracker):
    responses.add_callback(
        responses.GET,
        url("/repos/acme/web/issues"),
        content_type="application/json",
        callback=looping(lambda n: f'<{page_url(1 if n == 2 else 2)}>; rel="next"'),
    )
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "was already read" in str(caught.value) and "page 1" in str(caught.value)
    assert len(responses.calls) == 2  # page 1, page 2; the link back to page 1 is not followed


@responses.activate
def test_more_pages_than_the_last_link_announced_stop_the_listing(tracker):
    responses.add_callback(
        responses.GET,
        url("/repos/acme/web/issues"),
        content_type="application/json",
        callback=looping(lambda n: f'<{page_url(n + 1)}>; rel="next", <{page_url(3)}>; rel="last"'),
    )
    with pytest.raises(TrackerError, match=r"more than 16 pages \(the tracker announced 3\)"):
        list(tracker.fetch_items(None))
    assert len(responses.calls) == 16  # twice the announced 3, plus a margin of 10


@responses.activate
def test_a_listing_without_a_last_link_stops_at_the_absolute_ceiling(tracker, monkeypatch):
    monkeypatch.setattr("connectors.github.PAGE_CEILING", 25)
    responses.add_callback(
        responses.GET,
        url("/repos/acme/web/issues"),
        content_type="application/json",
        callback=looping(lambda n: f'<{page_url(n + 1)}>; rel="next"'),
    )
    with pytest.raises(TrackerError, match="more than 25 pages"):
        list(tracker.fetch_items(None))
    assert len(responses.calls) == 25


@responses.activate
def test_a_next_link_to_another_host_is_not_followed(tracker):
    responses.get(
        url("/repos/acme/web/issues"),
        json=[issue(1)],
        headers={"Link": '<https://evil.example/repos/acme/web/issues?page=2>; rel="next"'},
    )
    with pytest.raises(TrackerError, match="another host"):
        list(tracker.fetch_items(None))
    assert len(responses.calls) == 1


# ---- the sender: what PyGithub's requester did for the adapter before -----------------------


@pytest.mark.parametrize("status", [301, 307, 308])
@responses.activate
def test_a_renamed_repository_answering_301_is_followed_on_the_same_host(tracker, status):
    moved = f"{API}/repositories/42/issues?state=all&per_page=100"
    responses.get(url("/repos/acme/web/issues"), status=status, headers={"Location": moved})
    responses.get(url("/repositories/42/issues"), json=[issue(1)])
    assert [i.key for i in tracker.fetch_items(None)] == ["acme/web#1"]
    _, second = responses.calls
    assert second.request.url == moved  # the new location's query, not ours added twice
    assert second.request.headers["Authorization"] == "token ghp_secret_token_value"


@responses.activate
def test_a_comment_create_answered_307_is_repeated_verbatim_at_the_new_location(tracker):
    moved = f"{API}/repositories/42/issues/1/comments"
    responses.post(
        url("/repos/acme/web/issues/1/comments"), status=307, headers={"Location": moved}
    )
    responses.post(url("/repositories/42/issues/1/comments"), status=201, json=comment(9, "x"))
    tracker.create_comment("1", "x", Marker("delivery-lead", deliverable="a"))
    first, second = (c.request for c in responses.calls)
    assert (second.method, second.url) == ("POST", moved)
    assert second.body == first.body and json.loads(second.body)["body"].startswith("x")


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/repos/acme/web/issues",
        "http://ghe.example/api/v3/repos/acme/web/issues",
    ],
)
@responses.activate
def test_a_redirect_to_another_host_or_scheme_is_an_error_and_is_not_followed(tracker, location):
    responses.get(url("/repos/acme/web/issues"), status=301, headers={"Location": location})
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "ghe.example redirected to " in str(caught.value)
    assert "check GITHUB_API_URL" in str(caught.value)
    assert len(responses.calls) == 1  # responses would have refused a request to evil.example


@responses.activate
def test_a_redirect_back_to_the_same_url_is_an_error_not_a_loop(tracker):
    responses.add_callback(
        responses.GET,
        url("/repos/acme/web/issues"),
        callback=lambda request: (301, {"Location": request.url}, ""),
    )
    with pytest.raises(TrackerError, match="redirected to the same URL"):
        list(tracker.fetch_items(None))
    assert len(responses.calls) == 1  # not asked a second time to find out


@responses.activate
def test_a_redirect_is_judged_by_host_and_port_not_by_spelling(tracker):
    moved = "https://GHE.example:443/api/v3/repositories/42/issues"  # the API's own host
    responses.get(url("/repos/acme/web/issues"), status=301, headers={"Location": moved})
    responses.get(url("/repositories/42/issues"), json=[issue(1)])
    assert [i.key for i in tracker.fetch_items(None)] == ["acme/web#1"]


@responses.activate
def test_a_302_to_a_sign_in_page_is_a_failed_read_not_followed(tracker, sleeps):
    responses.get(
        url("/repos/acme/web/issues"),
        status=302,
        headers={"Location": "https://sso.example/login?next=/api/v3"},
    )
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "answered a redirect (HTTP 302) to sso.example" in str(caught.value)
    assert all("sso.example" not in c.request.url for c in responses.calls)


@responses.activate
def test_a_netrc_file_never_replaces_the_token(tracker, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine ghe.example login someone password netrc-password\n")
    monkeypatch.setenv("NETRC", str(netrc))
    responses.get(url("/repos/acme/web/issues"), json=[])
    list(tracker.fetch_items(None))
    [call] = responses.calls
    assert call.request.headers["Authorization"] == "token ghp_secret_token_value"
    assert call.request.headers["User-Agent"] == "delivery-sync"


@responses.activate
def test_link_urls_with_commas_in_the_query_are_followed(tracker):
    second = f"{API}/repos/acme/web/issues?labels=a,b&page=2"
    responses.get(
        url("/repos/acme/web/issues"),
        json=[issue(2)],
        match=[matchers.query_param_matcher({"labels": "a,b", "page": "2"}, strict_match=True)],
    )
    responses.get(
        url("/repos/acme/web/issues"),
        json=[issue(1)],
        headers={"Link": f'<{second}>; rel="next", <{second}>; rel="last"'},
        match=[matchers.query_param_matcher({"state": "all"}, strict_match=False)],
    )
    assert [i.key for i in tracker.fetch_items(None)] == ["acme/web#1", "acme/web#2"]


# ---- item isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("updated_at", None),
        ("created_at", "yesterday"),
        ("state", "archived"),
        ("title", 5),
        ("labels", [None]),
        ("assignees", [{"login": None}]),
        ("milestone", "v2.0"),
        ("html_url", None),
        ("body", ["not", "text"]),
        ("closed_at", "2026-13-45T00:00:00Z"),
    ],
)
@responses.activate
def test_a_broken_item_is_skipped_named_and_recorded_while_the_others_come_through(
    tracker, field, value
):
    broken = issue(45)
    broken[field] = value
    responses.get(url("/repos/acme/web/issues"), json=[issue(44), broken, issue(46)])
    with capture_logs() as logs:
        items = list(tracker.fetch_items(None))
    assert [i.key for i in items] == ["acme/web#44", "acme/web#46"]
    [warning] = [e for e in logs if e["event"] == "item.malformed"]
    assert warning["item"] == "acme/web#45"
    assert list(tracker.unreadable) == ["acme/web#45"]


@responses.activate
def test_an_item_without_a_readable_number_is_skipped_and_logged_anonymously(tracker):
    broken = issue(45)
    broken["number"] = "forty-five"
    responses.get(url("/repos/acme/web/issues"), json=[broken, issue(46)])
    with capture_logs() as logs:
        assert [i.key for i in tracker.fetch_items(None)] == ["acme/web#46"]
    assert [e["item"] for e in logs if e["event"] == "item.malformed"] == [None]
    assert tracker.unreadable == {}


# ---- our marker -------------------------------------------------------------------------------


def test_a_copy_of_a_marker_earlier_in_the_body_does_not_hide_ours():
    ours = Marker("delivery-lead", deliverable="checkout-v2")
    copy = '<!-- delivery-sync {"deliverable": "evil", "role": "project-manager"} -->'
    body = f"### Delivery status — `{copy}`\n\n- web#3 `{copy}`\n{marker_line(ours)}"
    assert parse_marker(body) == ours
    assert parse_marker(f"{body}\n") == ours
    assert parse_marker(f"{copy}\nsomeone quoted our marker above") is None
    assert parse_marker(f"x\n{copy} {marker_line(ours)}") is None  # two on one line: not ours


@responses.activate
def test_own_comments_finds_ours_even_when_a_title_copies_a_marker(tracker):
    ours = Marker("delivery-lead", deliverable="checkout-v2")
    copy = '<!-- delivery-sync {"deliverable": "checkout-v2", "role": "delivery-lead"} -->'
    responses.get(url("/user"), json=user("delivery-sync-bot", 77))
    responses.get(
        url("/repos/acme/web/issues/1/comments"),
        json=[comment(12, f"### Delivery status\n- `{copy}` title\n{marker_line(ours)}")],
    )
    assert [(c.id, c.marker) for c in tracker.own_comments("1")] == [("12", ours)]


# ---- delete, labels, JQL ----------------------------------------------------------------------


@responses.activate
def test_delete_comment_sends_one_delete(tracker):
    responses.delete(url("/repos/acme/web/issues/comments/12"), status=204)
    tracker.delete_comment("1", "12")
    assert [c.request.method for c in responses.calls] == ["DELETE"]
    assert tracker.stats.writes == 1


@responses.activate
def test_deleting_a_comment_already_gone_is_not_found(tracker, sleeps):
    responses.delete(
        url("/repos/acme/web/issues/comments/12"), status=404, json={"message": "Not Found"}
    )
    with pytest.raises(NotFound):
        tracker.delete_comment("1", "12")
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_labels_are_listed_in_pages_of_100(tracker):
    first = [label(f"l{n:03}", n) for n in range(100)]
    nxt = f"{API}/repos/acme/web/labels?per_page=100&page=2"
    responses.get(
        url("/repos/acme/web/labels"),
        json=first,
        headers={"Link": f'<{nxt}>; rel="next", <{nxt}>; rel="last"'},
        match=[matchers.query_param_matcher({"per_page": "100"}, strict_match=True)],
    )
    responses.get(
        url("/repos/acme/web/labels"),
        json=[label("Checkout", 500), {"id": 501, "name": None}],
        match=[matchers.query_param_matcher({"per_page": "100", "page": "2"})],
    )
    with capture_logs() as logs:
        names = tracker.fetch_labels()
    assert len(names) == 101 and names[-1] == "Checkout"
    assert [e["event"] for e in logs] == ["label.malformed"]
    assert len(responses.calls) == 2


def test_github_sources_have_no_jql(tracker):
    with pytest.raises(ValueError, match="no JQL"):
        tracker.check_jql("project = X")


# ---- errors a person can act on ---------------------------------------------------------------


def dns_failure() -> requests.ConnectionError:
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    reason = NameResolutionError("ghe.exampel", None, socket.gaierror(-2, "Name not known"))
    return requests.ConnectionError(MaxRetryError(None, "/repos/acme/web/issues", reason))


def refused() -> requests.ConnectionError:
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.ConnectionError(MaxRetryError(None, "/repos/acme/web/issues", reason))


@responses.activate
def test_a_host_that_does_not_resolve_fails_at_once_naming_host_and_variable(tracker, sleeps):
    responses.get(url("/repos/acme/web/issues"), body=dns_failure())
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert not caught.value.retriable
    assert "cannot resolve the host name ghe.example" in str(caught.value)
    assert "GITHUB_API_URL" in str(caught.value)
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_a_refused_connection_is_retried_and_named(tracker, sleeps):
    responses.get(url("/repos/acme/web/issues"), body=refused())
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert caught.value.retriable and len(sleeps) == 3
    assert "cannot connect to ghe.example" in str(caught.value)
    assert "check GITHUB_API_URL" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Bad credentials"),
        (403, "Resource not accessible by integration"),
        (404, "Not Found"),
    ],
)
@responses.activate
def test_what_cannot_succeed_is_not_retried(tracker, sleeps, status, message):
    responses.get(url("/repos/acme/web/issues"), status=status, json={"message": message})
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert not caught.value.retriable and caught.value.status == status
    assert f"HTTP {status} {message}" in str(caught.value)
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_bad_credentials_name_the_variable_to_check(tracker):
    responses.get(url("/repos/acme/web"), status=401, json={"message": "Bad credentials"})
    with pytest.raises(TrackerError, match="HTTP 401 Bad credentials — check GITHUB_TOKEN"):
        tracker.check_access()


@responses.activate
def test_a_404_page_from_a_wrong_base_path_says_the_url_is_not_the_github_api(tracker, sleeps):
    page = "<html><head><title>Page not found · GitHub</title></head><body>" + "x" * 5000
    responses.get(url("/repos/acme/web/issues"), status=404, body=page, content_type="text/html")
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    text = str(caught.value)
    assert not isinstance(caught.value, NotFound)
    assert "does not look like the GitHub API" in text
    assert "check GITHUB_API_URL" in text and "https://HOST/api/v3" in text
    assert "<html" not in text and "Page not found" not in text and len(text) < 400
    assert sleeps == []


@responses.activate
def test_a_401_from_a_server_that_is_not_github_is_not_called_bad_credentials(tracker):
    responses.get(
        url("/repos/acme/web/issues"), status=401, body="Unauthorized", content_type="text/plain"
    )
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "does not look like the GitHub API" in str(caught.value)
    assert "Unauthorized" not in str(caught.value)


@responses.activate
def test_a_malformed_app_private_key_names_the_variable_without_retrying():
    key = "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n"
    account = GitHubAccount(API, app_credentials(key), write_pause=0)
    sleeps: list[float] = []
    tracker = GitHubTracker("web", "acme/web", account=account, sleep=sleeps.append)
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "GITHUB_APP_PRIVATE_KEY" in str(caught.value) and not caught.value.retriable
    assert "public key" not in str(caught.value)
    assert len(responses.calls) == 0 and sleeps == []


@responses.activate
def test_a_refused_app_installation_token_is_not_taken_for_a_missing_comment():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account = GitHubAccount(API, app_credentials(pem), write_pause=0)
    sleeps: list[float] = []
    tracker = GitHubTracker("web", "acme/web", account=account, sleep=sleeps.append)
    responses.post(
        url("/app/installations/678/access_tokens"), status=404, json={"message": "Not Found"}
    )
    with pytest.raises(TrackerError) as caught:
        tracker.edit_comment("1", "12", "new", Marker("delivery-lead", deliverable="a"))
    assert not isinstance(caught.value, NotFound) and not caught.value.retriable
    assert "installation token: HTTP 404" in str(caught.value)
    assert "GITHUB_APP_INSTALLATION_ID" in str(caught.value)
    assert sleeps == [] and len(responses.calls) == 1


# ---- secrets in answers -----------------------------------------------------------------------

TOKEN = "ghp_secret_token_value"


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (401, {"json": {"message": f"Bad credentials (Authorization: token {TOKEN})"}}),
        (403, {"json": {"message": "Forbidden", "authorization": f"token {TOKEN}"}}),
        (
            401,
            {"body": f"Unauthorized\nAuthorization: token {TOKEN}", "content_type": "text/plain"},
        ),
        (403, {"body": f"<p>Denied: Bearer {TOKEN}</p>", "content_type": "text/html"}),
        (502, {"body": f"<p>Bad gateway for token {TOKEN}</p>", "content_type": "text/html"}),
    ],
    ids=["401-json-message", "403-json-key", "401-text", "403-html", "502-html"],
)
@responses.activate
def test_an_answer_echoing_the_token_never_carries_it_into_the_error(tracker, status, answer):
    responses.get(url("/repos/acme/web/issues"), status=status, **answer)
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    text = str(caught.value)
    assert TOKEN not in text and "secret_token" not in text
    assert f"HTTP {status}" in text


@responses.activate
def test_a_github_message_that_echoes_an_unknown_credential_is_scrubbed(tracker):
    echoed = "Basic ZGFuYUBhY21lLmV4YW1wbGU6czNjcmV0LXRva2VuLXZhbHVl"
    responses.get(
        url("/repos/acme/web/issues"),
        status=401,
        json={"message": f"Bad credentials; you sent Authorization: {echoed}"},
    )
    with pytest.raises(TrackerError) as caught:
        list(tracker.fetch_items(None))
    assert "ZGFuYUBhY21l" not in str(caught.value)
    assert "HTTP 401 Bad credentials; you sent Authorization: ***" in str(caught.value)


# ---- the pause between writes: a setting, the same for every host ----------------------------

WRITE_PAUSE_MAPPING = """
version: 1
sources:
  - {id: web, kind: github, repo: acme/web}
deliverables:
  - id: x
    name: X
    include: [{source: web, label: a}]
"""


def test_the_write_pause_defaults_to_one_second_and_is_bounded(monkeypatch):
    monkeypatch.delenv("DELIVERY_SYNC_GITHUB_WRITE_PAUSE", raising=False)
    assert Settings(_env_file=None).delivery_sync_github_write_pause == 1.0
    monkeypatch.setenv("DELIVERY_SYNC_GITHUB_WRITE_PAUSE", "0")
    assert Settings(_env_file=None).delivery_sync_github_write_pause == 0.0
    for wrong in ("-1", "61", "nan", "soon"):
        monkeypatch.setenv("DELIVERY_SYNC_GITHUB_WRITE_PAUSE", wrong)
        with pytest.raises(ValidationError) as caught:
            Settings(_env_file=None)
        [error] = caught.value.errors()
        assert error["loc"] == ("delivery_sync_github_write_pause",)


@pytest.mark.parametrize("pause", [0, 7])
@responses.activate
def test_comment_creates_are_spaced_by_the_write_pause_setting(monkeypatch, pause):
    pauses: list[float] = []
    monkeypatch.setattr("connectors.github.time.sleep", pauses.append)
    settings = Settings(
        _env_file=None,
        github_token="ghp_pause_token_value",
        github_api_url=API,
        delivery_sync_github_write_pause=pause,
    )
    trackers, failed = build_trackers(parse_mapping(WRITE_PAUSE_MAPPING), settings)
    assert failed == {}
    marker = Marker("delivery-lead", deliverable="x")
    for number in (1, 2):
        responses.post(url(f"/repos/acme/web/issues/{number}/comments"), json=comment(number, "x"))
        trackers["web"].create_comment(str(number), "x", marker)
    assert len(responses.calls) == 2
    if pause:
        # The second create waits what is left of the pause after the first.
        assert len(pauses) == 1 and pause - 1 < pauses[0] <= pause
    else:
        assert pauses == []


# ---- the tracker libraries load when an adapter is built, not before ---------------------------


def test_commands_that_send_nothing_start_without_the_tracker_libraries():
    # `schema`, `validate` and `--help` import worker.cli and nothing that talks to a tracker.
    heavy = ("github", "jira", "requests", "urllib3", "jwt", "cryptography", "tenacity")
    probe = f"import sys, worker.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
