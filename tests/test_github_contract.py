"""The GitHub adapter's requests, pinned with `responses`: URLs, parameters, counts, retries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import requests
import responses
from github import Auth
from responses import matchers
from structlog.testing import capture_logs

from connectors.github import GitHubAccount, GitHubTracker, marker_line, parse_marker, task_list
from connectors.model import Marker, TrackerState
from connectors.retry import AmbiguousWrite, NotFound, RateLimited, TrackerError
from tests.github_payloads import API, comment, issue, milestone, user

ISSUES = re.compile(
    re.escape(API).replace("ghe\\.example", r"ghe\.example(:443)?")
    + r"/repos/acme/web/issues(\?.*)?$"
)


def url(path: str) -> re.Pattern:
    base = re.escape(API).replace(r"ghe\.example", r"ghe\.example(:443)?")
    return re.compile(base + re.escape(path) + r"(\?.*)?$")


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def tracker(sleeps):
    account = GitHubAccount(API, Auth.Token("ghp_secret_token_value"), write_pause=0)
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
    assert warning["item"] == 2 and warning["source"] == "web" and warning["log_level"] == "warning"


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
    app = Auth.AppAuth("12345", pem)
    auth = Auth.AppInstallationAuth(app, 678)
    account = GitHubAccount(API, auth, app=app, write_pause=0)
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
