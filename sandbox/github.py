"""The simulated GitHub REST API: repositories, issues (pull requests included, as on GitHub),
milestones and issue comments, with GitHub's payload shapes, `Link` pagination, rate-limit
headers, ETags (and 304 answers to `If-None-Match`), and its error shapes.

`GitHubApp` is mounted by `Sandbox` at `/github`, so `Github(base_url=sandbox.github_url)` works
as for GitHub Enterprise. `GitHubWeb` serves tiny HTML pages at the paths the payloads'
`html_url`s name (`/acme/web/issues/12`), for manual trials.

Endpoints (repo-scoped ones also answer under `/repositories/{id}`, the form GitHub's own `Link`
headers use):

    GET   /user, /users/{login}, /rate_limit
    GET   /repos/{owner}/{repo}
    GET   /repos/{owner}/{repo}/issues               state since sort direction labels milestone
                                                     assignee creator per_page page
    GET   /repos/{owner}/{repo}/issues/{number}      (PATCH: title body state state_reason
                                                     labels assignees assignee milestone)
    GET   /repos/{owner}/{repo}/issues/{number}/comments   since per_page page (POST: body)
    GET   /repos/{owner}/{repo}/issues/comments/{id}       (PATCH: body; DELETE)
    GET   /repos/{owner}/{repo}/milestones           state sort direction per_page page
    GET   /repos/{owner}/{repo}/milestones/{number}
    GET   /repos/{owner}/{repo}/labels               per_page page (ordered by name)

State is in memory and guarded by one lock. Mutations stamp times from the injectable clock.
The helpers (`add_issue`, `update_issue`, `comments`, …) change or read the state in-process,
for tests; they are neither logged nor rate-limited.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.server import BadJson, Clock, Fault, Request, Response, utc_now

TOKEN = "sandbox-github-token"
BOT = "delivery-sync-bot"
MAX_BODY = 65_536  # characters, for issue and comment bodies
RATE_LIMIT = 5_000
DOCS = "https://docs.github.com/rest"
DUE_TIME = time(7, 0, tzinfo=UTC)  # GitHub returns a milestone's due date at 07:00 or 08:00 UTC
API_VERSION = "2022-11-28"


class GitHubError(Exception):
    """An error answer: the status and GitHub's JSON error body."""

    def __init__(self, status: int, message: str, doc: str = DOCS, **extra: Any) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.payload = {"message": message, **extra, "documentation_url": doc}
        self.payload["status"] = str(status)


def _not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def _invalid(resource: str, field_name: str, code: str = "invalid", **extra: Any) -> GitHubError:
    error = {"resource": resource, "field": field_name, "code": code, **extra}
    return GitHubError(422, "Validation Failed", errors=[error])


# -- state --------------------------------------------------------------------------------------


@dataclass(slots=True)
class User:
    login: str
    id: int
    name: str = ""
    type: str = "User"  # "User", "Organization" or "Bot"
    association: str = "MEMBER"  # author_association of what this user writes in acme's repos


@dataclass(slots=True)
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass(slots=True)
class Milestone:
    id: int
    number: int
    title: str
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    state: str = "open"
    due_on: datetime | None = None
    closed_at: datetime | None = None


@dataclass(slots=True)
class Issue:
    id: int
    number: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    comment_ids: list[int] = field(default_factory=list)
    pull_request: bool = False
    merged_at: datetime | None = None
    deleted: bool = False


@dataclass(slots=True)
class Comment:
    id: int
    repo: str  # the repository's full name
    issue: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Repo:
    id: int
    owner: str
    name: str
    created_at: datetime
    description: str | None = None
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-case name
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    version: int = 0  # bumped by every change: list caches key on it
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def changed(self) -> None:
        self.version += 1
        self.cache.clear()


@dataclass(slots=True)
class RateLimit:
    """The primary rate limit of the one token: `limit` requests per hour from the first."""

    limit: int = RATE_LIMIT
    used: int = 0
    reset: int = 0  # epoch seconds

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def roll(self, now: datetime) -> None:
        epoch = int(now.timestamp())
        if epoch >= self.reset:
            self.used, self.reset = 0, epoch + 3600

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": "core",
        }

    def to_json(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": self.reset,
        }


@dataclass(frozen=True, slots=True)
class Urls:
    web: str  # "http://127.0.0.1:PORT": where html_url points
    api: str  # "http://127.0.0.1:PORT/github"


# -- the app ------------------------------------------------------------------------------------

_REPO = r"/(?:repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)|repositories/(?P<repo_id>\d+))"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^{pattern}/?$"), handler)
    for method, pattern, handler in [
        ("GET", "/user", "_get_user"),
        ("GET", r"/users/(?P<login>[^/]+)", "_get_named_user"),
        ("GET", "/rate_limit", "_get_rate_limit"),
        ("GET", _REPO, "_get_repo"),
        ("GET", _REPO + "/issues", "_list_issues"),
        ("GET", _REPO + r"/issues/comments/(?P<cid>\d+)", "_get_comment"),
        ("PATCH", _REPO + r"/issues/comments/(?P<cid>\d+)", "_edit_comment"),
        ("DELETE", _REPO + r"/issues/comments/(?P<cid>\d+)", "_delete_comment"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)", "_get_issue"),
        ("PATCH", _REPO + r"/issues/(?P<number>\d+)", "_patch_issue"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", "_list_comments"),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", "_create_comment"),
        ("GET", _REPO + "/milestones", "_list_milestones"),
        ("GET", _REPO + r"/milestones/(?P<number>\d+)", "_get_milestone"),
        ("GET", _REPO + "/labels", "_list_labels"),
    ]
]


class GitHubApp:
    """The simulated GitHub API over in-memory state built from a materialised seed section.

    `clock` is read on each request and mutation. Payload dicts the helpers return share their
    `user` and `labels` parts with a cache: read them, don't mutate them.
    """

    name = "github"
    token = TOKEN

    def __init__(self, data: Mapping[str, Any] | None = None, *, clock: Clock | None = None):
        data = data or {}
        self.clock: Clock = clock or utc_now
        self.bot: str = data.get("bot", BOT)
        self.rate = RateLimit()
        self.rate.roll(self.clock())  # the window starts now, so a test can set `rate.used`
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.comments_by_id: dict[int, Comment] = {}
        self._ids = {
            kind: itertools.count(start)
            for kind, start in [
                ("user", 7_310_001),
                ("repo", 812_000_001),
                ("label", 6_100_000_001),
                ("milestone", 10_400_001),
                ("issue", 2_900_000_001),
                ("comment", 2_480_000_001),
            ]
        }
        self._request_ids = itertools.count(1)
        # Users and labels never change once created: their payloads are built once per base URL.
        self._payloads: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._urls = Urls("http://127.0.0.1", "http://127.0.0.1/github")
        self.add_user(self.bot, name="delivery-sync", association="COLLABORATOR")
        for user in data.get("users", ()):
            self.add_user(user["login"], name=user.get("name", ""), type=user.get("type", "User"))
        for repo in data.get("repos", ()):
            self._load_repo(repo)

    def set_base_urls(self, web: str, api: str) -> None:
        """The URLs payloads built outside a request (by the helpers) point at."""
        self._urls = Urls(web, api)

    # -- loading --------------------------------------------------------------------------------

    def _load_repo(self, raw: Mapping[str, Any]) -> None:
        repo = self._new_repo(raw["full_name"], raw.get("description"), raw.get("created_at"))
        for label in raw.get("labels", ()):
            self._label(repo, label["name"], label.get("color"), label.get("description"))
        for m in raw.get("milestones", ()):
            milestone = Milestone(
                id=next(self._ids["milestone"]),
                number=m["number"],
                title=m["title"],
                creator=self._user(m.get("creator") or self.bot).login,
                created_at=m["created_at"],
                updated_at=m.get("updated_at") or m["created_at"],
                description=m.get("description"),
                state=m.get("state", "open"),
                due_on=_due(m.get("due_on")),
                closed_at=m.get("closed_at"),
            )
            repo.milestones[milestone.number] = milestone
        for raw_issue in raw.get("issues", ()):
            issue = self._new_issue(repo, raw_issue)
            for c in raw_issue.get("comments", ()):
                user = self._user(c["user"]).login
                self._new_comment(
                    repo, issue, user, c["body"], c["created_at"], c.get("updated_at")
                )

    def _new_repo(self, full_name: str, description: str | None, created: datetime | None) -> Repo:
        owner, name = full_name.split("/")
        if owner.lower() not in self.users:
            self.add_user(owner, type="Organization")
        repo = Repo(
            id=next(self._ids["repo"]),
            owner=self.users[owner.lower()].login,
            name=name,
            created_at=created or self.clock(),
            description=description,
        )
        self.repos[repo.full_name.lower()] = repo
        return repo

    def _new_issue(self, repo: Repo, raw: Mapping[str, Any]) -> Issue:
        number = raw.get("number") or max(repo.issues, default=0) + 1
        created = raw.get("created_at") or self.clock()
        closed_at = raw.get("closed_at")
        state = raw.get("state") or ("closed" if closed_at else "open")
        pr = raw.get("pull_request")  # {} is an unmerged pull request
        is_pr = pr is not None
        reason = raw.get("state_reason")
        if state == "closed":
            closed_at = closed_at or created
            reason = None if is_pr else reason or "completed"
        issue = Issue(
            id=next(self._ids["issue"]),
            number=number,
            title=raw["title"],
            user=self._user(raw.get("user") or self.bot).login,
            created_at=created,
            updated_at=raw.get("updated_at") or closed_at or created,
            body=raw.get("body"),
            labels=[self._label(repo, name).name for name in raw.get("labels", ())],
            assignees=[self._user(login).login for login in raw.get("assignees", ())],
            milestone=self._milestone_number(repo, raw.get("milestone")),
            state=state,
            state_reason=reason,
            closed_at=closed_at if state == "closed" else None,
            closed_by=raw.get("closed_by") if state == "closed" else None,
            pull_request=is_pr,
            merged_at=pr.get("merged_at") if isinstance(pr, Mapping) else None,
        )
        if issue.number in repo.issues:
            raise ValueError(f"{repo.full_name}#{issue.number} exists")
        repo.issues[issue.number] = issue
        repo.changed()
        return issue

    def _new_comment(
        self,
        repo: Repo,
        issue: Issue,
        user: str,
        body: str,
        at: datetime | None = None,
        updated: datetime | None = None,
    ) -> Comment:
        at = at or self.clock()
        comment_id = next(self._ids["comment"])
        comment = Comment(comment_id, repo.full_name, issue.number, user, body, at, updated or at)
        self.comments_by_id[comment.id] = comment
        issue.comment_ids.append(comment.id)
        repo.changed()
        return comment

    # -- HTTP -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            now = self.clock()
            self.rate.roll(now)
            if not self._authorised(request):
                missing = "authorization" not in request.headers
                error = GitHubError(
                    401, "Requires authentication" if missing else "Bad credentials"
                )
                return self._answer(request, error.status, error.payload)
            urls = Urls(request.host_url, request.base_url)
            counted = request.path.rstrip("/") != "/rate_limit"  # GitHub does not count it
            if counted and self.rate.remaining == 0:
                error = GitHubError(
                    403,
                    f"API rate limit exceeded for user ID {self._user(self.bot).id}.",
                    f"{DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
                )
                return self._answer(request, 403, error.payload)
            try:
                status, payload, extra = self._route(request, urls)
            except BadJson:
                status, payload, extra = 400, _problems_parsing_error().payload, {}
            except GitHubError as error:
                status, payload, extra = error.status, error.payload, {}
            return self._answer(request, status, payload, extra, counted=counted)

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        with self.lock:
            payload = fault.body if fault.body is not None else _fault_payload(status)
            response = self._answer(request, status, payload, dict(fault.headers))
        if isinstance(fault.body, str):  # e.g. the HTML page a proxy sends with a 502
            response.body = fault.body.encode()
            response.headers["content-type"] = "text/html; charset=utf-8"
        return response

    def _authorised(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and credentials.strip() == self.token

    def _route(self, request: Request, urls: Urls) -> tuple[int, Any, dict[str, str]]:
        for method, pattern, handler in _ROUTES:
            match = pattern.match(request.path)
            if match and method == request.method:
                args = {k: v for k, v in match.groupdict().items() if v is not None}
                result = getattr(self, handler)(request, urls, **args)
                return result if isinstance(result, tuple) else (200, result, {})
        raise _not_found()

    def _answer(
        self,
        request: Request,
        status: int,
        payload: Any,
        extra: Mapping[str, str] | None = None,
        *,
        counted: bool = False,
    ) -> Response:
        body = b"" if status == 204 else _dumps(payload)
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        not_modified = request.method == "GET" and status == 200 and etag in _etags(request.headers)
        if counted and not not_modified:  # a 304 does not count against the limit on GitHub
            self.rate.used += 1
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": API_VERSION,
            "x-github-request-id": f"5B1D:{next(self._request_ids):08X}:SBX",
            "x-oauth-scopes": "repo",
            "x-accepted-oauth-scopes": "repo",
            "vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
            "etag": etag,
            **self.rate.headers(),
        }
        if request.method == "GET":
            headers["cache-control"] = "private, max-age=60, s-maxage=60"
        headers.update({k.lower(): v for k, v in (extra or {}).items()})
        if not_modified:
            return Response(304, b"", {k: v for k, v in headers.items() if k != "content-type"})
        if status == 204:
            headers.pop("content-type")
        return Response(status, body, headers)

    # -- handlers: users, rate limit, repositories ----------------------------------------------

    def _get_user(self, request: Request, urls: Urls) -> Any:
        return self._user_json(self._user(self.bot), urls, full=True)

    def _get_named_user(self, request: Request, urls: Urls, login: str) -> Any:
        user = self.users.get(login.lower())
        if user is None:
            raise _not_found()
        return self._user_json(user, urls, full=True)

    def _get_rate_limit(self, request: Request, urls: Urls) -> Any:
        core = self.rate.to_json()
        reset = core["reset"]
        other = {
            "search": {"limit": 30, "used": 0, "remaining": 30, "reset": reset},
            "graphql": {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset},
        }
        return {"resources": {"core": core, **other}, "rate": core}

    def _repo_for(self, owner: str = "", repo: str = "", repo_id: str = "") -> Repo:
        if repo_id:
            found = next((r for r in self.repos.values() if r.id == int(repo_id)), None)
        else:
            found = self.repos.get(f"{owner}/{repo}".lower())
        if found is None:
            raise _not_found()
        return found

    def _get_repo(self, request: Request, urls: Urls, **where: str) -> Any:
        return self._repo_json(self._repo_for(**where), urls)

    # -- handlers: issues -----------------------------------------------------------------------

    def _list_issues(self, request: Request, urls: Urls, **where: str) -> Any:
        repo = self._repo_for(**where)
        key = tuple(request.param(k) for k in ("state", "since", "sort", "direction"))
        key += tuple(request.param(k) for k in ("labels", "milestone", "assignee", "creator"))
        if key not in repo.cache:
            if len(repo.cache) > 64:  # distinct `since` values would otherwise pile up
                repo.cache.clear()
            repo.cache[key] = self._select_issues(repo, request)
        items = [repo.issues[n] for n in repo.cache[key]]
        page, link = _paginate(request, items, f"{urls.api}/repositories/{repo.id}/issues")
        payload = [self._issue_json(repo, issue, urls) for issue in page]
        return 200, payload, link

    def _select_issues(self, repo: Repo, request: Request) -> list[int]:
        state = _choice(request, "state", ("open", "closed", "all"), "open")
        sort = _choice(request, "sort", ("created", "updated", "comments"), "created")
        direction = _choice(request, "direction", ("asc", "desc"), "desc")
        since = _param_time(request, "since")
        labels = {
            n.strip().lower() for n in (request.param("labels") or "").split(",") if n.strip()
        }
        milestone = request.param("milestone")
        assignee, creator = request.param("assignee"), request.param("creator")
        if milestone not in (None, "*", "none") and not milestone.isdigit():
            raise _invalid("Issue", "milestone", value=milestone)

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

    def _issue_for(self, repo: Repo, number: int | str) -> Issue:
        issue = repo.issues.get(int(number))
        if issue is None:
            raise _not_found()
        if issue.deleted:
            raise GitHubError(410, "This issue was deleted")
        return issue

    def _get_issue(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        return self._issue_json(repo, self._issue_for(repo, number), urls, full=True)

    def _patch_issue(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        issue = self._issue_for(repo, number)
        fields = request.json()
        if not isinstance(fields, dict):
            raise _problems_parsing_error()
        self._update_issue(repo, issue, fields, actor=self.bot, at=self.clock())
        return self._issue_json(repo, issue, urls, full=True)

    def _update_issue(
        self, repo: Repo, issue: Issue, fields: Mapping[str, Any], *, actor: str, at: datetime
    ) -> None:
        """Apply an issue edit as GitHub does; `updated_at` moves only when something changed."""
        before = (issue.title, issue.body, issue.state, issue.state_reason, list(issue.labels))
        before += (list(issue.assignees), issue.milestone)
        old_milestone = issue.milestone
        if "title" in fields:
            if not isinstance(fields["title"], str) or not fields["title"].strip():
                raise _invalid("Issue", "title", "missing_field")
            issue.title = fields["title"]
        if "body" in fields:
            body = fields["body"]
            if body is not None and not isinstance(body, str):
                raise _invalid("Issue", "body")
            if body is not None and len(body) > MAX_BODY:
                raise _too_long("Issue")
            issue.body = body
        if "labels" in fields:
            issue.labels = [self._label(repo, name).name for name in _label_names(fields["labels"])]
        if "assignees" in fields or "assignee" in fields:
            wanted = fields.get("assignees")
            if wanted is None:
                wanted = [fields["assignee"]] if fields.get("assignee") else []
            if not isinstance(wanted, list):
                raise _invalid("Issue", "assignees")
            # GitHub silently drops assignees who cannot be assigned.
            issue.assignees = [
                self.users[u.lower()].login for u in wanted if u.lower() in self.users
            ]
        if "milestone" in fields:
            value = fields["milestone"]
            if value is not None and (not isinstance(value, int) or value not in repo.milestones):
                raise _invalid("Issue", "milestone", value=value)
            issue.milestone = value
        self._change_state(issue, fields, actor, at)
        after = (issue.title, issue.body, issue.state, issue.state_reason, list(issue.labels))
        after += (list(issue.assignees), issue.milestone)
        if after != before:
            issue.updated_at = at
            for number in {old_milestone, issue.milestone} - {None}:
                repo.milestones[number].updated_at = at
            repo.changed()

    @staticmethod
    def _change_state(issue: Issue, fields: Mapping[str, Any], actor: str, at: datetime) -> None:
        state = fields.get("state", issue.state)
        reason = fields.get("state_reason")
        if state not in ("open", "closed"):
            raise _invalid("Issue", "state")
        if reason not in (None, "completed", "not_planned", "duplicate", "reopened"):
            raise _invalid("Issue", "state_reason")
        if state == "closed" and issue.state == "open":
            issue.state, issue.closed_at, issue.closed_by = "closed", at, actor
            issue.state_reason = None if issue.pull_request else (reason or "completed")
        elif state == "open" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by = "open", None, None
            issue.state_reason = None if issue.pull_request else "reopened"
        elif state == "closed" and reason and not issue.pull_request:
            issue.state_reason = reason

    # -- handlers: comments ---------------------------------------------------------------------

    def _list_comments(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        issue = self._issue_for(repo, number)
        since = _param_time(request, "since")
        comments = [self.comments_by_id[cid] for cid in issue.comment_ids]
        if since is not None:
            comments = [c for c in comments if c.updated_at >= since]
        api_path = f"{urls.api}/repositories/{repo.id}/issues/{issue.number}/comments"
        page, link = _paginate(request, comments, api_path)
        return 200, [self._comment_json(repo, c, urls) for c in page], link

    def _create_comment(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        issue = self._issue_for(repo, number)
        body = _comment_body(request.json())
        comment = self._new_comment(repo, issue, self.bot, body)
        issue.updated_at = comment.created_at  # a new comment bumps the issue, as on GitHub
        payload = self._comment_json(repo, comment, urls)
        return 201, payload, {"location": payload["url"]}

    def _comment_for(self, repo: Repo, cid: str) -> Comment:
        comment = self.comments_by_id.get(int(cid))
        if comment is None or comment.repo != repo.full_name:
            raise _not_found()
        return comment

    def _get_comment(self, request: Request, urls: Urls, cid: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        return self._comment_json(repo, self._comment_for(repo, cid), urls)

    def _edit_comment(self, request: Request, urls: Urls, cid: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        comment = self._comment_for(repo, cid)
        comment.body = _comment_body(request.json())
        comment.updated_at = self.clock()
        repo.changed()
        return self._comment_json(repo, comment, urls)

    def _delete_comment(self, request: Request, urls: Urls, cid: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        self._remove_comment(repo, self._comment_for(repo, cid))
        return 204, None, {}

    def _remove_comment(self, repo: Repo, comment: Comment) -> None:
        del self.comments_by_id[comment.id]
        repo.issues[comment.issue].comment_ids.remove(comment.id)
        repo.changed()

    # -- handlers: milestones -------------------------------------------------------------------

    def _list_milestones(self, request: Request, urls: Urls, **where: str) -> Any:
        repo = self._repo_for(**where)
        state = _choice(request, "state", ("open", "closed", "all"), "open")
        sort = _choice(request, "sort", ("due_on", "completeness"), "due_on")
        direction = _choice(request, "direction", ("asc", "desc"), "asc")
        counts = self._milestone_counts(repo)

        def order(m: Milestone) -> tuple[Any, ...]:
            if sort == "completeness":
                done, total = counts[m.number][1], sum(counts[m.number])
                return (done / total if total else 0.0, m.number)
            return (m.due_on is None, m.due_on or datetime.min.replace(tzinfo=UTC), m.number)

        selected = [m for m in repo.milestones.values() if state in ("all", m.state)]
        selected.sort(key=order, reverse=direction == "desc")
        page, link = _paginate(request, selected, f"{urls.api}/repositories/{repo.id}/milestones")
        return 200, [self._milestone_json(repo, m, urls) for m in page], link

    def _get_milestone(self, request: Request, urls: Urls, number: str, **where: str) -> Any:
        repo = self._repo_for(**where)
        milestone = repo.milestones.get(int(number))
        if milestone is None:
            raise _not_found()
        return self._milestone_json(repo, milestone, urls)

    def _milestone_counts(self, repo: Repo) -> dict[int, list[int]]:
        """(open, closed) per milestone; pull requests count, as on GitHub."""
        key = "milestone-counts"
        if key not in repo.cache:
            counts = {number: [0, 0] for number in repo.milestones}
            for issue in repo.issues.values():
                if issue.milestone is not None and not issue.deleted:
                    counts[issue.milestone][issue.state == "closed"] += 1
            repo.cache[key] = counts
        return repo.cache[key]

    # -- handlers: labels -----------------------------------------------------------------------

    def _list_labels(self, request: Request, urls: Urls, **where: str) -> Any:
        repo = self._repo_for(**where)
        labels = sorted(repo.labels.values(), key=lambda label: (label.name.lower(), label.id))
        page, link = _paginate(request, labels, f"{urls.api}/repositories/{repo.id}/labels")
        return 200, [self._label_json(repo, label, urls) for label in page], link

    # -- payloads -------------------------------------------------------------------------------

    def _user_json(self, user: User, urls: Urls, *, full: bool = False) -> dict[str, Any]:
        key = ("user", user.id, urls, full)
        if key not in self._payloads:
            self._payloads[key] = self._build_user_json(user, urls, full)
        return self._payloads[key]

    def _build_user_json(self, user: User, urls: Urls, full: bool) -> dict[str, Any]:
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

    def _repo_json(self, repo: Repo, urls: Urls) -> dict[str, Any]:
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
            "owner": self._user_json(self.users[repo.owner.lower()], urls),
            "html_url": f"{urls.web}/{repo.full_name}",
            "description": repo.description,
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in templates.items()},
            "created_at": _iso(repo.created_at),
            "updated_at": _iso(latest),
            "pushed_at": _iso(latest),
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

    def _label_json(self, repo: Repo, label: Label, urls: Urls) -> dict[str, Any]:
        key = ("label", label.id, urls)
        if key not in self._payloads:
            self._payloads[key] = self._build_label_json(repo, label, urls)
        return self._payloads[key]

    def _build_label_json(self, repo: Repo, label: Label, urls: Urls) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": _node_id("LA_kwDO", label.id),
            "url": f"{urls.api}/repos/{repo.full_name}/labels/{quote(label.name)}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def _milestone_json(self, repo: Repo, m: Milestone, urls: Urls) -> dict[str, Any]:
        api = f"{urls.api}/repos/{repo.full_name}/milestones/{m.number}"
        open_count, closed_count = self._milestone_counts(repo)[m.number]
        return {
            "url": api,
            "html_url": f"{urls.web}/{repo.full_name}/milestone/{m.number}",
            "labels_url": f"{api}/labels",
            "id": m.id,
            "node_id": _node_id("MI_kwDO", m.id),
            "number": m.number,
            "title": m.title,
            "description": m.description,
            "creator": self._user_json(self.users[m.creator.lower()], urls),
            "open_issues": open_count,
            "closed_issues": closed_count,
            "state": m.state,
            "created_at": _iso(m.created_at),
            "updated_at": _iso(m.updated_at),
            "due_on": _iso(m.due_on),
            "closed_at": _iso(m.closed_at),
        }

    def _issue_json(
        self, repo: Repo, issue: Issue, urls: Urls, *, full: bool = False
    ) -> dict[str, Any]:
        api = f"{urls.api}/repos/{repo.full_name}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        web = f"{urls.web}/{repo.full_name}/{kind}/{issue.number}"
        assignees = [self._user_json(self.users[a.lower()], urls) for a in issue.assignees]
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
            "user": self._user_json(self.users[issue.user.lower()], urls),
            "labels": [self._label_json(repo, repo.labels[n.lower()], urls) for n in issue.labels],
            "state": issue.state,
            "locked": False,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": self._milestone_json(repo, milestone, urls) if milestone else None,
            "comments": len(issue.comment_ids),
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "author_association": self.users[issue.user.lower()].association,
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
                "merged_at": _iso(issue.merged_at),
            }
        out |= {
            "body": issue.body,
            "reactions": _reactions(f"{api}/reactions"),
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
        if full:  # GitHub sends closed_by only for a single issue, never in lists
            closer = self.users.get((issue.closed_by or "").lower())
            out["closed_by"] = self._user_json(closer, urls) if closer else None
        return out

    def _comment_json(self, repo: Repo, comment: Comment, urls: Urls) -> dict[str, Any]:
        issue = repo.issues[comment.issue]
        kind = "pull" if issue.pull_request else "issues"
        api = f"{urls.api}/repos/{repo.full_name}"
        user = self.users[comment.user.lower()]
        return {
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{urls.web}/{repo.full_name}/{kind}/{issue.number}"
            f"#issuecomment-{comment.id}",
            "issue_url": f"{api}/issues/{issue.number}",
            "id": comment.id,
            "node_id": _node_id("IC_kwDO", comment.id),
            "user": self._user_json(user, urls),
            "created_at": _iso(comment.created_at),
            "updated_at": _iso(comment.updated_at),
            "author_association": user.association,
            "body": comment.body,
            "reactions": _reactions(f"{api}/issues/comments/{comment.id}/reactions"),
            "performed_via_github_app": None,
        }

    # -- lookups used by loading and the helpers ------------------------------------------------

    def _user(self, login: str) -> User:
        """The user with this login, created on the fly (helpers and seeds are lenient)."""
        user = self.users.get(login.lower())
        if user is None:
            user = self._add_user(login)
        return user

    def _add_user(self, login: str, **attrs: Any) -> User:
        if login.endswith("[bot]"):
            attrs.setdefault("type", "Bot")
            attrs.setdefault("association", "NONE")
        user = User(login=login, id=next(self._ids["user"]), **attrs)
        self.users[login.lower()] = user
        return user

    def _label(
        self, repo: Repo, name: str, color: str | None = None, description: str | None = None
    ) -> Label:
        """The repository's label, created when missing (GitHub creates labels named in edits)."""
        label = repo.labels.get(name.lower())
        if label is None:
            label = Label(next(self._ids["label"]), name, color or "ededed", description)
            repo.labels[name.lower()] = label
        return label

    def _milestone_number(self, repo: Repo, ref: int | str | None) -> int | None:
        if ref is None:
            return None
        if isinstance(ref, int) and ref in repo.milestones:
            return ref
        for m in repo.milestones.values():
            if m.title == ref:
                return m.number
        raise GitHubError(422, f"no milestone {ref!r} in {repo.full_name}")

    def _repo(self, full_name: str) -> Repo:
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise GitHubError(404, f"no repository {full_name}")
        return repo

    # -- helpers for tests (in-process) ---------------------------------------------------------

    def add_user(self, login: str, *, name: str = "", type: str = "User", **attrs: Any) -> User:
        """Add a user (or return the existing one)."""
        with self.lock:
            existing = self.users.get(login.lower())
            return existing or self._add_user(login, name=name, type=type, **attrs)

    def add_repo(self, full_name: str, *, description: str | None = None) -> dict[str, Any]:
        with self.lock:
            if full_name.lower() in self.repos:
                raise ValueError(f"{full_name} exists")
            return self._repo_json(self._new_repo(full_name, description, None), self._urls)

    def add_milestone(
        self,
        repo: str,
        title: str,
        *,
        due_on: date | datetime | None = None,
        state: str = "open",
        description: str | None = None,
        creator: str | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            r = self._repo(repo)
            now = self.clock()
            milestone = Milestone(
                id=next(self._ids["milestone"]),
                number=max(r.milestones, default=0) + 1,
                title=title,
                creator=self._user(creator or self.bot).login,
                created_at=now,
                updated_at=now,
                description=description,
                state=state,
                due_on=_due(due_on),
                closed_at=now if state == "closed" else None,
            )
            r.milestones[milestone.number] = milestone
            r.changed()
            return self._milestone_json(r, milestone, self._urls)

    def update_milestone(
        self, repo: str, milestone: int | str, *, at: datetime | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Change `title`, `description`, `state` or `due_on` (a date, a datetime or None)."""
        with self.lock:
            r = self._repo(repo)
            m = r.milestones[self._milestone_number(r, milestone)]
            at = at or self.clock()
            for name, value in fields.items():
                if name not in ("title", "description", "state", "due_on"):
                    raise TypeError(f"unknown milestone field {name!r}")
                setattr(m, name, _due(value) if name == "due_on" else value)
            if "state" in fields:
                m.closed_at = at if m.state == "closed" else None
            m.updated_at = at
            r.changed()
            return self._milestone_json(r, m, self._urls)

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        body: str | None = None,
        user: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        milestone: int | str | None = None,
        state: str = "open",
        state_reason: str | None = None,
        pull_request: bool = False,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        closed_at: datetime | None = None,
        merged_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add an issue (or, with `pull_request=True`, a pull request) with the next number."""
        with self.lock:
            r = self._repo(repo)
            now = self.clock()
            created = created_at or now
            issue = self._new_issue(
                r,
                {
                    "title": title,
                    "body": body,
                    "user": user or self.default_author,
                    "labels": list(labels),
                    "assignees": list(assignees),
                    "milestone": milestone,
                    "state": state,
                    "state_reason": state_reason,
                    "created_at": created,
                    "updated_at": updated_at or max(created, closed_at or created),
                    "closed_at": closed_at or (created if state == "closed" else None),
                    "closed_by": self.default_author if state == "closed" else None,
                    "pull_request": {"merged_at": merged_at} if pull_request else None,
                },
            )
            return self._issue_json(r, issue, self._urls, full=True)

    def add_issues(self, repo: str, count: int, *, title: str = "Issue {n}", **kwargs: Any):
        """Add `count` issues titled from a template with `{n}` (1-based within this call)."""
        return [self.add_issue(repo, title.format(n=n + 1), **kwargs) for n in range(count)]

    def update_issue(
        self,
        repo: str,
        number: int,
        *,
        actor: str | None = None,
        at: datetime | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Edit as `PATCH …/issues/{number}` would (same fields; `milestone` may be a title).

        `actor` is who closes it (default: its first assignee, else its author); `at` is when
        (default: the clock).
        """
        with self.lock:
            r = self._repo(repo)
            issue = self._issue_for(r, number)
            if isinstance(fields.get("milestone"), str):
                fields["milestone"] = self._milestone_number(r, fields["milestone"])
            who = actor or (issue.assignees[0] if issue.assignees else issue.user)
            self._update_issue(r, issue, fields, actor=self._user(who).login, at=at or self.clock())
            return self._issue_json(r, issue, self._urls, full=True)

    def delete_issue(self, repo: str, number: int) -> None:
        """Delete an issue: it leaves every listing and its URL answers 410 Gone."""
        with self.lock:
            r = self._repo(repo)
            self._issue_for(r, number).deleted = True
            r.changed()

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        with self.lock:
            r = self._repo(repo)
            return self._issue_json(r, self._issue_for(r, number), self._urls, full=True)

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """Every issue and pull request of the repository, by number."""
        with self.lock:
            r = self._repo(repo)
            live = sorted((i for i in r.issues.values() if not i.deleted), key=lambda i: i.number)
            return [self._issue_json(r, issue, self._urls) for issue in live]

    def milestones(self, repo: str) -> list[dict[str, Any]]:
        with self.lock:
            r = self._repo(repo)
            return [self._milestone_json(r, m, self._urls) for m in r.milestones.values()]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The issue's comments, oldest first."""
        with self.lock:
            r = self._repo(repo)
            issue = self._issue_for(r, number)
            return [
                self._comment_json(r, self.comments_by_id[cid], self._urls)
                for cid in issue.comment_ids
            ]

    def add_comment(
        self,
        repo: str,
        number: int,
        body: str,
        *,
        user: str | None = None,
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add a comment, by default as the bot (e.g. one left by an earlier run)."""
        with self.lock:
            r = self._repo(repo)
            issue = self._issue_for(r, number)
            comment = self._new_comment(
                r, issue, self._user(user or self.bot).login, body, created_at
            )
            issue.updated_at = max(issue.updated_at, comment.created_at)
            return self._comment_json(r, comment, self._urls)

    def update_comment(self, comment_id: int, body: str, *, at: datetime | None = None):
        with self.lock:
            comment = self.comments_by_id[comment_id]
            r = self._repo(comment.repo)
            comment.body, comment.updated_at = body, at or self.clock()
            r.changed()
            return self._comment_json(r, comment, self._urls)

    def delete_comment(self, comment_id: int) -> None:
        with self.lock:
            comment = self.comments_by_id[comment_id]
            self._remove_comment(self._repo(comment.repo), comment)

    @property
    def default_author(self) -> str:
        """Who writes issues added without a `user`: the first human user, else the bot."""
        humans = (u.login for u in self.users.values() if u.type == "User" and u.login != self.bot)
        return next(humans, self.bot)


class GitHubWeb:
    """Tiny HTML pages at the paths of the payloads' `html_url`s, for manual trials."""

    name = "github-web"

    def __init__(self, app: GitHubApp) -> None:
        self.app = app

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        with self.app.lock:
            if request.method != "GET":
                return _page("Not Found", "<p>Not Found</p>", 404)
            if not parts:
                return self._index()
            repo = self.app.repos.get("/".join(parts[:2]).lower()) if len(parts) >= 2 else None
            if repo is None:
                return _page("Not Found", "<p>Not Found</p>", 404)
            rest = parts[2:]
            if rest in ([], ["issues"]):
                return self._list(repo, None)
            if len(rest) == 2 and rest[0] == "milestone" and rest[1].isdigit():
                return self._list(repo, int(rest[1]))
            if len(rest) == 2 and rest[0] in ("issues", "pull") and rest[1].isdigit():
                issue = repo.issues.get(int(rest[1]))
                if issue is not None and not issue.deleted:
                    return self._issue(repo, issue)
            return _page("Not Found", "<p>Not Found</p>", 404)

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        return _page(str(status), f"<p>{status}</p>", status)

    def _index(self) -> Response:
        items = "".join(
            f'<li><a href="/{_e(r.full_name)}/issues">{_e(r.full_name)}</a></li>'
            for r in self.app.repos.values()
        )
        return _page("Sandbox repositories", f"<ul>{items}</ul>")

    def _list(self, repo: Repo, milestone: int | None) -> Response:
        rows = []
        for issue in sorted(repo.issues.values(), key=lambda i: i.number):
            if issue.deleted or (milestone is not None and issue.milestone != milestone):
                continue
            kind = "pull" if issue.pull_request else "issues"
            href = f"/{repo.full_name}/{kind}/{issue.number}"
            rows.append(
                f'<tr><td><a href="{_e(href)}">#{issue.number}</a></td><td>{_e(issue.title)}</td>'
                f"<td>{issue.state}</td><td>{_e(', '.join(issue.labels))}</td>"
                f"<td>{_e(', '.join(issue.assignees))}</td></tr>"
            )
        title = repo.full_name
        if milestone is not None and milestone in repo.milestones:
            title += f" — {repo.milestones[milestone].title}"
        return _page(title, f"<table>{''.join(rows)}</table>")

    def _issue(self, repo: Repo, issue: Issue) -> Response:
        comments = "".join(
            f'<div id="issuecomment-{c.id}"><h3>{_e(c.user)} · {_iso(c.created_at)}</h3>'
            f"<pre>{_e(c.body)}</pre></div>"
            for c in (self.app.comments_by_id[cid] for cid in issue.comment_ids)
        )
        meta = f"{issue.state} · {_e(', '.join(issue.labels))} · {_e(', '.join(issue.assignees))}"
        body = f"<p>{meta}</p><pre>{_e(issue.body or '')}</pre>{comments}"
        return _page(f"{repo.full_name}#{issue.number} {issue.title}", body)


# -- small helpers ------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title></head>"
        f"<body><h1>{_e(title)}</h1>{body}</body></html>",
        status,
    )


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _due(value: date | datetime | None) -> datetime | None:
    """A milestone due date as GitHub returns it: the day at 07:00 UTC."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, DUE_TIME)


def _dumps(payload: Any) -> bytes:
    return Response.json(payload).body


def _node_id(prefix: str, number: int) -> str:
    return prefix + base64.urlsafe_b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


def _reactions(url: str) -> dict[str, Any]:
    kinds = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
    return {"url": url, "total_count": 0, **dict.fromkeys(kinds, 0)}


def _etags(headers: Mapping[str, str]) -> set[str]:
    return {tag.strip() for tag in headers.get("if-none-match", "").split(",") if tag.strip()}


def _problems_parsing_error() -> GitHubError:
    return GitHubError(400, "Problems parsing JSON")


def _too_long(resource: str) -> GitHubError:
    error = {
        "resource": resource,
        "code": "unprocessable",
        "field": "data",
        "message": f"Body is too long (maximum is {MAX_BODY} characters)",
    }
    doc = f"{DOCS}/issues/comments#create-an-issue-comment"
    return GitHubError(422, "Validation Failed", doc, errors=[error])


def _comment_body(raw: Any) -> str:
    if not isinstance(raw, dict):
        raise _problems_parsing_error()
    body = raw.get("body")
    if body is None:
        raise GitHubError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if not isinstance(body, str):
        raise _invalid("IssueComment", "body")
    if not body.strip():
        raise _invalid("IssueComment", "body", "missing_field")
    if len(body) > MAX_BODY:
        raise _too_long("IssueComment")
    return body


def _fault_payload(status: int) -> dict[str, str]:
    if status in (403, 429):
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
            "again. If you reach out to GitHub Support for help, please include the request ID "
            "5B1D:SANDBOX."
        )
        doc = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        return GitHubError(status, message, doc).payload
    if status >= 500:
        return {"message": "Server Error"}
    messages = {401: "Bad credentials", 404: "Not Found"}
    return GitHubError(status, messages.get(status, "Error")).payload


def _label_names(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise _invalid("Issue", "labels")
    names = [item.get("name") if isinstance(item, dict) else item for item in raw]
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise _invalid("Label", "name")
    return list(dict.fromkeys(names))


def _assignee_matches(issue: Issue, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == "none":
        return not issue.assignees
    if wanted == "*":
        return bool(issue.assignees)
    return wanted.lower() in (a.lower() for a in issue.assignees)


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.param(name) or default
    if value not in allowed:
        raise _invalid("Issue", name, value=value)
    return value


def _param_time(request: Request, name: str) -> datetime | None:
    raw = request.param(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("Issue", name, value=raw) from None
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
