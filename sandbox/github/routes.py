"""The simulated GitHub's endpoints: which request goes to which handler, and the handlers
(query parameters, filters and order, `Link` pagination, writes through the store).

Repo-scoped endpoints also answer under `/repositories/{id}`, the form GitHub's own `Link`
headers use:

    GET    /user
    GET    /repos/{owner}/{repo}
    GET    /repos/{owner}/{repo}/issues               state since sort direction labels milestone
                                                      assignee creator per_page page
    GET    /repos/{owner}/{repo}/issues/{number}
    GET    /repos/{owner}/{repo}/issues/{number}/comments   since per_page page (POST: body)
    PATCH  /repos/{owner}/{repo}/issues/comments/{id}       body (DELETE: no body)
    GET    /repos/{owner}/{repo}/milestones           state sort direction per_page page
    GET    /repos/{owner}/{repo}/labels               per_page page (ordered by name)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.github.errors import (
    MAX_BODY,
    GitHubError,
    invalid,
    not_found,
    problems_parsing,
    too_long,
)
from sandbox.github.payloads import GitHubPayloads, Urls
from sandbox.github.store import GitHubStore, Issue, Milestone, Repo
from sandbox.wire import Request

Answer = tuple[int, Any, dict[str, str]]  # status, JSON payload, extra headers

_REPO = r"/(?:repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)|repositories/(?P<repo_id>\d+))"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^{pattern}/?$"), handler)
    for method, pattern, handler in [
        ("GET", "/user", "get_user"),
        ("GET", _REPO, "get_repo"),
        ("GET", _REPO + "/issues", "list_issues"),
        ("PATCH", _REPO + r"/issues/comments/(?P<cid>\d+)", "edit_comment"),
        ("DELETE", _REPO + r"/issues/comments/(?P<cid>\d+)", "delete_comment"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)", "get_issue"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", "list_comments"),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", "create_comment"),
        ("GET", _REPO + "/milestones", "list_milestones"),
        ("GET", _REPO + "/labels", "list_labels"),
    ]
]


class GitHubRoutes:
    """Answers requests from the store; the caller holds the store's lock."""

    def __init__(self, store: GitHubStore, payloads: GitHubPayloads) -> None:
        self.store = store
        self.payloads = payloads

    def answer(self, request: Request, urls: Urls) -> Answer:
        """The handler's answer to `request`; raises GitHubError (or BadJson) for errors."""
        for method, pattern, name in _ROUTES:
            match = pattern.match(request.path)
            if match and method == request.method:
                args = {k: v for k, v in match.groupdict().items() if v is not None}
                handler: Callable[..., Any] = getattr(self, name)
                result = handler(request, urls, **args)
                return result if isinstance(result, tuple) else (200, result, {})
        raise not_found()

    # -- users and repositories -----------------------------------------------------------------

    def get_user(self, request: Request, urls: Urls) -> Any:
        return self.payloads.user(self.store.user(self.store.bot), urls, full=True)

    def get_repo(self, request: Request, urls: Urls, **where: str) -> Any:
        return self.payloads.repo(self.store.repo_for(**where), urls)

    # -- issues ---------------------------------------------------------------------------------

    def list_issues(self, request: Request, urls: Urls, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        key = tuple(request.param(k) for k in ("state", "since", "sort", "direction"))
        key += tuple(request.param(k) for k in ("labels", "milestone", "assignee", "creator"))
        if key not in repo.cache:
            if len(repo.cache) > 64:  # distinct `since` values would otherwise pile up
                repo.cache.clear()
            repo.cache[key] = _select_issues(repo, request)
        items = [repo.issues[n] for n in repo.cache[key]]
        page, link = _paginate(request, items, f"{urls.api}/repositories/{repo.id}/issues")
        return 200, [self.payloads.issue(repo, issue, urls) for issue in page], link

    def get_issue(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self.store.repo_for(**where)
        return self.payloads.issue(repo, self.store.issue_for(repo, number), urls, full=True)

    # -- comments -------------------------------------------------------------------------------

    def list_comments(self, request: Request, urls: Urls, number: str, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        issue = self.store.issue_for(repo, number)
        since = _param_time(request, "since")
        comments = [self.store.comments_by_id[cid] for cid in issue.comment_ids]
        if since is not None:
            comments = [c for c in comments if c.updated_at >= since]
        api_path = f"{urls.api}/repositories/{repo.id}/issues/{issue.number}/comments"
        page, link = _paginate(request, comments, api_path)
        return 200, [self.payloads.comment(repo, c, urls) for c in page], link

    def create_comment(self, request: Request, urls: Urls, number: str, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        issue = self.store.issue_for(repo, number)
        body = _comment_body(request.json())
        comment = self.store.new_comment(repo, issue, self.store.bot, body)
        issue.updated_at = comment.created_at  # a new comment bumps the issue, as on GitHub
        payload = self.payloads.comment(repo, comment, urls)
        return 201, payload, {"location": payload["url"]}

    def edit_comment(self, request: Request, urls: Urls, cid: str, **where: str) -> Any:
        repo = self.store.repo_for(**where)
        comment = self.store.comment_for(repo, cid)
        self.store.edit_comment(comment, _comment_body(request.json()), self.store.clock())
        return self.payloads.comment(repo, comment, urls)

    def delete_comment(self, request: Request, urls: Urls, cid: str, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        self.store.remove_comment(repo, self.store.comment_for(repo, cid))
        return 204, None, {}

    # -- milestones and labels ------------------------------------------------------------------

    def list_milestones(self, request: Request, urls: Urls, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        state = _choice(request, "state", ("open", "closed", "all"), "open")
        sort = _choice(request, "sort", ("due_on", "completeness"), "due_on")
        direction = _choice(request, "direction", ("asc", "desc"), "asc")
        counts = self.store.milestone_counts(repo)

        def order(m: Milestone) -> tuple[Any, ...]:
            if sort == "completeness":
                done, total = counts[m.number][1], sum(counts[m.number])
                return (done / total if total else 0.0, m.number)
            return (m.due_on is None, m.due_on or datetime.min.replace(tzinfo=UTC), m.number)

        selected = [m for m in repo.milestones.values() if state in ("all", m.state)]
        selected.sort(key=order, reverse=direction == "desc")
        page, link = _paginate(request, selected, f"{urls.api}/repositories/{repo.id}/milestones")
        return 200, [self.payloads.milestone(repo, m, urls) for m in page], link

    def list_labels(self, request: Request, urls: Urls, **where: str) -> Answer:
        repo = self.store.repo_for(**where)
        labels = sorted(repo.labels.values(), key=lambda label: (label.name.lower(), label.id))
        page, link = _paginate(request, labels, f"{urls.api}/repositories/{repo.id}/labels")
        return 200, [self.payloads.label(repo, label, urls) for label in page], link


def _select_issues(repo: Repo, request: Request) -> list[int]:
    """The numbers of the issues a listing's filters keep, in its order."""
    state = _choice(request, "state", ("open", "closed", "all"), "open")
    sort = _choice(request, "sort", ("created", "updated", "comments"), "created")
    direction = _choice(request, "direction", ("asc", "desc"), "desc")
    since = _param_time(request, "since")
    labels = {n.strip().lower() for n in (request.param("labels") or "").split(",") if n.strip()}
    milestone = request.param("milestone")
    assignee, creator = request.param("assignee"), request.param("creator")
    if milestone not in (None, "*", "none") and not milestone.isdigit():
        raise invalid("Issue", "milestone", value=milestone)

    def wanted(issue: Issue) -> bool:
        if issue.deleted or (state != "all" and issue.state != state):
            return False
        if since is not None and issue.updated_at < since:
            return False
        if labels and not labels <= {name.lower() for name in issue.labels}:
            return False
        if milestone == "*" and issue.milestone is None:
            return False
        if milestone == "none" and issue.milestone is not None:
            return False
        if milestone and milestone.isdigit() and issue.milestone != int(milestone):
            return False
        if creator and issue.user.lower() != creator.lower():
            return False
        return _assignee_matches(issue, assignee)

    def order(issue: Issue) -> tuple[Any, int]:
        if sort == "updated":
            return issue.updated_at, issue.number
        if sort == "comments":
            return len(issue.comment_ids), issue.number
        return issue.created_at, issue.number

    selected = sorted(filter(wanted, repo.issues.values()), key=order)
    if direction == "desc":
        selected.reverse()
    return [issue.number for issue in selected]


def _assignee_matches(issue: Issue, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == "none":
        return not issue.assignees
    if wanted == "*":
        return bool(issue.assignees)
    return wanted.lower() in (a.lower() for a in issue.assignees)


def _comment_body(raw: Any) -> str:
    if not isinstance(raw, dict):
        raise problems_parsing()
    body = raw.get("body")
    if body is None:
        raise GitHubError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if not isinstance(body, str):
        raise invalid("IssueComment", "body")
    if not body.strip():
        raise invalid("IssueComment", "body", "missing_field")
    if len(body) > MAX_BODY:
        raise too_long("IssueComment")
    return body


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.param(name) or default
    if value not in allowed:
        raise invalid("Issue", name, value=value)
    return value


def _param_time(request: Request, name: str) -> datetime | None:
    raw = request.param(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Issue", name, value=raw) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def _paginate(request: Request, items: list[Any], url: str) -> tuple[list[Any], dict[str, str]]:
    """One page of `items` and GitHub's `Link` header for it (absent when one page holds all)."""
    per_page = min(_positive_int(request.param("per_page"), 30), 100)
    page = _positive_int(request.param("page"), 1)
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    kept = [(k, v) for k, v in request.query_pairs if k != "page"]

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode([*kept, ("page", str(number))])}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return chunk, {"link": ", ".join(links)} if links else {}
