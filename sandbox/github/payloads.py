"""The JSON shapes of the simulated GitHub: users, repositories, labels, milestones, issues and
comments as GitHub's REST API (version 2022-11-28) sends them, with absolute URLs.

Users and labels never change once created, so their payloads are built once per base URL and
shared: read them, don't mutate them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sandbox.github.store import Comment, GitHubStore, Issue, Label, Milestone, Repo, User


@dataclass(frozen=True, slots=True)
class Urls:
    web: str  # "http://127.0.0.1:PORT": where html_url points
    api: str  # "http://127.0.0.1:PORT/github"


class GitHubPayloads:
    """Payloads of the store's records; the caller holds the store's lock."""

    def __init__(self, store: GitHubStore) -> None:
        self.store = store
        self._cache: dict[tuple[Any, ...], dict[str, Any]] = {}

    def user(self, user: User, urls: Urls, *, full: bool = False) -> dict[str, Any]:
        key = ("user", user.id, urls, full)
        if key not in self._cache:
            self._cache[key] = _user(user, urls, full)
        return self._cache[key]

    def repo(self, repo: Repo, urls: Urls) -> dict[str, Any]:
        api = f"{urls.api}/repos/{repo.full_name}"
        open_count = sum(1 for i in repo.issues.values() if i.state == "open" and not i.deleted)
        latest = max((i.updated_at for i in repo.issues.values()), default=repo.created_at)
        templates = {
            "issues_url": "/issues{/number}",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "labels_url": "/labels{/name}",
            "milestones_url": "/milestones{/number}",
            "pulls_url": "/pulls{/number}",
            "comments_url": "/comments{/number}",
            "events_url": "/events",
            "hooks_url": "/hooks",
            "assignees_url": "/assignees{/user}",
            "collaborators_url": "/collaborators{/collaborator}",
        }
        return {
            "id": repo.id,
            "node_id": _node_id("R_kgDO", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": False,
            "owner": self.user(self.store.users[repo.owner.lower()], urls),
            "html_url": f"{urls.web}/{repo.full_name}",
            "description": repo.description,
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in templates.items()},
            "created_at": iso(repo.created_at),
            "updated_at": iso(latest),
            "pushed_at": iso(latest),
            "homepage": None,
            "size": 1024,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_count,
            "open_issues": open_count,
            "visibility": "public",
            "default_branch": "main",
            "permissions": {"admin": False, "maintain": False, "push": True, "triage": True},
        }

    def label(self, repo: Repo, label: Label, urls: Urls) -> dict[str, Any]:
        key = ("label", label.id, urls)
        if key not in self._cache:
            self._cache[key] = {
                "id": label.id,
                "node_id": _node_id("LA_kwDO", label.id),
                "url": f"{urls.api}/repos/{repo.full_name}/labels/{quote(label.name)}",
                "name": label.name,
                "color": label.color,
                "default": label.default,
                "description": label.description,
            }
        return self._cache[key]

    def milestone(self, repo: Repo, m: Milestone, urls: Urls) -> dict[str, Any]:
        api = f"{urls.api}/repos/{repo.full_name}/milestones/{m.number}"
        open_count, closed_count = self.store.milestone_counts(repo)[m.number]
        return {
            "url": api,
            "html_url": f"{urls.web}/{repo.full_name}/milestone/{m.number}",
            "labels_url": f"{api}/labels",
            "id": m.id,
            "node_id": _node_id("MI_kwDO", m.id),
            "number": m.number,
            "title": m.title,
            "description": m.description,
            "creator": self.user(self.store.users[m.creator.lower()], urls),
            "open_issues": open_count,
            "closed_issues": closed_count,
            "state": m.state,
            "created_at": iso(m.created_at),
            "updated_at": iso(m.updated_at),
            "due_on": iso(m.due_on),
            "closed_at": iso(m.closed_at),
        }

    def issue(self, repo: Repo, issue: Issue, urls: Urls, *, full: bool = False) -> dict[str, Any]:
        """An issue as listed; `full`: as `GET …/issues/{number}` answers (with `closed_by`)."""
        users = self.store.users
        api = f"{urls.api}/repos/{repo.full_name}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        web = f"{urls.web}/{repo.full_name}/{kind}/{issue.number}"
        assignees = [self.user(users[a.lower()], urls) for a in issue.assignees]
        milestone = repo.milestones.get(issue.milestone) if issue.milestone else None
        out: dict[str, Any] = {
            "url": api,
            "repository_url": f"{urls.api}/repos/{repo.full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": web,
            "id": issue.id,
            "node_id": _node_id("I_kwDO", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(users[issue.user.lower()], urls),
            "labels": [self.label(repo, repo.labels[n.lower()], urls) for n in issue.labels],
            "state": issue.state,
            "locked": False,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": self.milestone(repo, milestone, urls) if milestone else None,
            "comments": len(issue.comment_ids),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": users[issue.user.lower()].association,
            "type": None,
            "active_lock_reason": None,
        }
        if issue.pull_request:
            pulls = f"{urls.api}/repos/{repo.full_name}/pulls/{issue.number}"
            out["draft"] = False
            out["pull_request"] = {
                "url": pulls,
                "html_url": web,
                "diff_url": f"{web}.diff",
                "patch_url": f"{web}.patch",
                "merged_at": iso(issue.merged_at),
            }
        out |= {
            "body": issue.body,
            "reactions": _reactions(f"{api}/reactions"),
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
        if full:  # GitHub sends closed_by only for a single issue, never in lists
            closer = users.get((issue.closed_by or "").lower())
            out["closed_by"] = self.user(closer, urls) if closer else None
        return out

    def comment(self, repo: Repo, comment: Comment, urls: Urls) -> dict[str, Any]:
        issue = repo.issues[comment.issue]
        kind = "pull" if issue.pull_request else "issues"
        api = f"{urls.api}/repos/{repo.full_name}"
        user = self.store.users[comment.user.lower()]
        return {
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{urls.web}/{repo.full_name}/{kind}/{issue.number}"
            f"#issuecomment-{comment.id}",
            "issue_url": f"{api}/issues/{issue.number}",
            "id": comment.id,
            "node_id": _node_id("IC_kwDO", comment.id),
            "user": self.user(user, urls),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": user.association,
            "body": comment.body,
            "reactions": _reactions(f"{api}/issues/comments/{comment.id}/reactions"),
            "performed_via_github_app": None,
        }


def iso(value: datetime | None) -> str | None:
    """GitHub's timestamp format: 2026-03-02T12:00:00Z."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(user: User, urls: Urls, full: bool) -> dict[str, Any]:
    url = f"{urls.api}/users/{quote(user.login)}"
    out: dict[str, Any] = {
        "login": user.login,
        "id": user.id,
        "node_id": _node_id("U_kgDO", user.id),
        "avatar_url": f"{urls.web}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{urls.web}/{quote(user.login)}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": False,
    }
    if full:
        out |= {"name": user.name or None, "company": None, "blog": "", "location": None}
        out |= {"email": None, "hireable": None, "bio": None, "twitter_username": None}
        out |= {"public_repos": 0, "public_gists": 0, "followers": 0, "following": 0}
        out |= {"created_at": "2020-01-06T09:00:00Z", "updated_at": "2025-06-02T09:00:00Z"}
    return out


def _node_id(prefix: str, number: int) -> str:
    return prefix + base64.urlsafe_b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


def _reactions(url: str) -> dict[str, Any]:
    kinds = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
    return {"url": url, "total_count": 0, **dict.fromkeys(kinds, 0)}
