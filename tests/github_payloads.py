"""Realistic GitHub REST payloads for contract tests, shaped like api.github.com's answers."""

from __future__ import annotations

from typing import Any

API = "https://ghe.example/api/v3"
WEB = "https://ghe.example"


def user(login: str, uid: int = 1000) -> dict[str, Any]:
    return {
        "login": login,
        "id": uid,
        "node_id": f"MDQ6VXNlcj{uid}",
        "avatar_url": f"https://avatars.example/u/{uid}?v=4",
        "url": f"{API}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "type": "User",
        "site_admin": False,
    }


def label(name: str, lid: int = 1) -> dict[str, Any]:
    return {
        "id": lid,
        "node_id": f"LA_{lid}",
        "url": f"{API}/repos/acme/web/labels/{name}",
        "name": name,
        "color": "ededed",
        "default": False,
        "description": None,
    }


def milestone(number: int, title: str, due_on: str | None, state: str = "open") -> dict[str, Any]:
    return {
        "url": f"{API}/repos/acme/web/milestones/{number}",
        "html_url": f"{WEB}/acme/web/milestone/{number}",
        "labels_url": f"{API}/repos/acme/web/milestones/{number}/labels",
        "id": 5000 + number,
        "node_id": f"MI_{number}",
        "number": number,
        "title": title,
        "description": "",
        "creator": user("sam-park", 2),
        "open_issues": 4,
        "closed_issues": 8,
        "state": state,
        "created_at": "2026-09-01T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "closed_at": None,
        "due_on": due_on,
    }


def issue(
    number: int,
    title: str = "Add card payments",
    *,
    state: str = "open",
    state_reason: str | None = None,
    labels: tuple[str, ...] = (),
    assignees: tuple[str, ...] = (),
    milestone_title: str | None = None,
    body: str | None = "",
    updated_at: str = "2026-11-20T09:30:00Z",
    closed_at: str | None = None,
    pull_request: bool = False,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "url": f"{API}/repos/acme/web/issues/{number}",
        "repository_url": f"{API}/repos/acme/web",
        "labels_url": f"{API}/repos/acme/web/issues/{number}/labels{{/name}}",
        "comments_url": f"{API}/repos/acme/web/issues/{number}/comments",
        "events_url": f"{API}/repos/acme/web/issues/{number}/events",
        "html_url": f"{WEB}/acme/web/{'pull' if pull_request else 'issues'}/{number}",
        "id": 900000 + number,
        "node_id": f"I_{number}",
        "number": number,
        "title": title,
        "user": user("sam-park", 2),
        "labels": [label(name, n) for n, name in enumerate(labels)],
        "state": state,
        "locked": False,
        "assignee": user(assignees[0]) if assignees else None,
        "assignees": [user(a, 1000 + n) for n, a in enumerate(assignees)],
        "milestone": milestone(1, milestone_title, "2026-12-15T08:00:00Z")
        if milestone_title
        else None,
        "comments": 0,
        "created_at": "2026-10-01T08:00:00Z",
        "updated_at": updated_at,
        "closed_at": closed_at,
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "body": body,
        "closed_by": None,
        "reactions": {"url": "", "total_count": 0},
        "timeline_url": f"{API}/repos/acme/web/issues/{number}/timeline",
        "performed_via_github_app": None,
        "state_reason": state_reason,
    }
    if pull_request:
        payload["pull_request"] = {
            "url": f"{API}/repos/acme/web/pulls/{number}",
            "html_url": f"{WEB}/acme/web/pull/{number}",
            "diff_url": f"{WEB}/acme/web/pull/{number}.diff",
            "patch_url": f"{WEB}/acme/web/pull/{number}.patch",
            "merged_at": None,
        }
    return payload


def comment(
    cid: int, body: str, login: str = "delivery-sync-bot", number: int = 1
) -> dict[str, Any]:
    return {
        "url": f"{API}/repos/acme/web/issues/comments/{cid}",
        "html_url": f"{WEB}/acme/web/issues/{number}#issuecomment-{cid}",
        "issue_url": f"{API}/repos/acme/web/issues/{number}",
        "id": cid,
        "node_id": f"IC_{cid}",
        "user": user(login, 77),
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "author_association": "NONE",
        "body": body,
        "reactions": {"url": "", "total_count": 0},
        "performed_via_github_app": None,
    }
