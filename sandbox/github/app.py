"""The simulated GitHub as `Sandbox` mounts it at `/github` (so `Github(base_url=…)` works as
for GitHub Enterprise) and as tests drive it.

Over HTTP: token authentication, the primary rate limit (`x-ratelimit-*` headers, 403 when
spent), GitHub's response headers, ETags and 304 answers to `If-None-Match` (which cost
nothing), and GitHub's error answers for injected faults. In-process: helpers (`add_issue`,
`update_issue`, `comments`, …) that change or read the store for tests; they are neither logged
nor rate-limited, and return payloads shaped as the API's.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sandbox.github.errors import DOCS, GitHubError, fault_payload, problems_parsing
from sandbox.github.payloads import GitHubPayloads, Urls
from sandbox.github.routes import GitHubRoutes
from sandbox.github.store import GitHubStore
from sandbox.wire import BadJson, Clock, Fault, Request, Response

TOKEN = "sandbox-github-token"
RATE_LIMIT = 5_000
API_VERSION = "2022-11-28"


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


class GitHubApp:
    """The simulated GitHub API over a store built from a materialised seed section.

    `clock` is read on each request and mutation; `rate` is the token's rate limit (set
    `rate.used` to `rate.limit` to get 403s); `store` is the state, for what the helpers lack.
    """

    name = "github"
    token = TOKEN

    def __init__(self, data: Mapping[str, Any] | None = None, *, clock: Clock | None = None):
        self.store = GitHubStore(data, clock=clock)
        self.rate = RateLimit()
        self.rate.roll(self.store.clock())  # the window starts now, so a test can set `rate.used`
        self.payloads = GitHubPayloads(self.store)
        self.routes = GitHubRoutes(self.store, self.payloads)
        self._request_ids = itertools.count(1)
        self._urls = Urls("http://127.0.0.1", "http://127.0.0.1/github")

    def set_base_urls(self, web: str, api: str) -> None:
        """The URLs payloads built outside a request (by the helpers) point at."""
        self._urls = Urls(web, api)

    # -- HTTP -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.store.lock:
            self.rate.roll(self.store.clock())
            if not self._authorised(request):
                missing = "authorization" not in request.headers
                error = GitHubError(
                    401, "Requires authentication" if missing else "Bad credentials"
                )
                return self._answer(request, error.status, error.payload)
            if self.rate.remaining == 0:
                bot = self.store.user(self.store.bot)
                error = GitHubError(
                    403,
                    f"API rate limit exceeded for user ID {bot.id}.",
                    f"{DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
                )
                return self._answer(request, 403, error.payload)
            try:
                status, payload, extra = self.routes.answer(
                    request, Urls(request.host_url, request.base_url)
                )
            except BadJson:
                status, payload, extra = 400, problems_parsing().payload, {}
            except GitHubError as error:
                status, payload, extra = error.status, error.payload, {}
            return self._answer(request, status, payload, extra, counted=True)

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        with self.store.lock:
            payload = fault.body if fault.body is not None else fault_payload(status)
            response = self._answer(request, status, payload, dict(fault.headers))
        if isinstance(fault.body, str):  # e.g. the HTML page a proxy sends with a 502
            response.body = fault.body.encode()
            response.headers["content-type"] = "text/html; charset=utf-8"
        return response

    def _authorised(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and credentials.strip() == self.token

    def _answer(
        self,
        request: Request,
        status: int,
        payload: Any,
        extra: Mapping[str, str] | None = None,
        *,
        counted: bool = False,
    ) -> Response:
        body = b"" if status == 204 else Response.json(payload).body
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

    # -- helpers for tests (in-process) ---------------------------------------------------------

    def add_repo(self, full_name: str, *, description: str | None = None) -> dict[str, Any]:
        with self.store.lock:
            if full_name.lower() in self.store.repos:
                raise ValueError(f"{full_name} exists")
            repo = self.store.new_repo(full_name, description, None)
            return self.payloads.repo(repo, self._urls)

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
        with self.store.lock:
            r = self.store.repo(repo)
            milestone = self.store.new_milestone(
                r, title, due_on=due_on, state=state, description=description, creator=creator
            )
            return self.payloads.milestone(r, milestone, self._urls)

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
        with self.store.lock:
            r = self.store.repo(repo)
            created = created_at or self.store.clock()
            author = self.store.default_author
            issue = self.store.new_issue(
                r,
                {
                    "title": title,
                    "body": body,
                    "user": user or author,
                    "labels": list(labels),
                    "assignees": list(assignees),
                    "milestone": milestone,
                    "state": state,
                    "state_reason": state_reason,
                    "created_at": created,
                    "updated_at": updated_at or max(created, closed_at or created),
                    "closed_at": closed_at or (created if state == "closed" else None),
                    "closed_by": author if state == "closed" else None,
                    "pull_request": {"merged_at": merged_at} if pull_request else None,
                },
            )
            return self.payloads.issue(r, issue, self._urls, full=True)

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
        """Edit as GitHub's issue edit would (same fields; `milestone` may be a title).

        `actor` is who closes it (default: its first assignee, else its author); `at` is when
        (default: the clock).
        """
        with self.store.lock:
            r = self.store.repo(repo)
            issue = self.store.issue_for(r, number)
            if isinstance(fields.get("milestone"), str):
                fields["milestone"] = self.store.milestone_number(r, fields["milestone"])
            who = self.store.user(actor or (issue.assignees[0] if issue.assignees else issue.user))
            self.store.update_issue(r, issue, fields, actor=who.login, at=at or self.store.clock())
            return self.payloads.issue(r, issue, self._urls, full=True)

    def delete_issue(self, repo: str, number: int) -> None:
        """Delete an issue: it leaves every listing and its URL answers 410 Gone."""
        with self.store.lock:
            r = self.store.repo(repo)
            self.store.delete_issue(r, self.store.issue_for(r, number))

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """Every issue and pull request of the repository, by number."""
        with self.store.lock:
            r = self.store.repo(repo)
            return [
                self.payloads.issue(r, issue, self._urls) for issue in self.store.live_issues(r)
            ]

    def milestones(self, repo: str) -> list[dict[str, Any]]:
        with self.store.lock:
            r = self.store.repo(repo)
            return [self.payloads.milestone(r, m, self._urls) for m in r.milestones.values()]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The issue's comments, oldest first."""
        with self.store.lock:
            r = self.store.repo(repo)
            issue = self.store.issue_for(r, number)
            return [
                self.payloads.comment(r, self.store.comments_by_id[cid], self._urls)
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
        with self.store.lock:
            r = self.store.repo(repo)
            issue = self.store.issue_for(r, number)
            author = self.store.user(user or self.store.bot).login
            comment = self.store.new_comment(r, issue, author, body, created_at)
            issue.updated_at = max(issue.updated_at, comment.created_at)
            return self.payloads.comment(r, comment, self._urls)

    def update_comment(self, comment_id: int, body: str, *, at: datetime | None = None):
        with self.store.lock:
            comment = self.store.comments_by_id[comment_id]
            self.store.edit_comment(comment, body, at or self.store.clock())
            return self.payloads.comment(self.store.repo(comment.repo), comment, self._urls)

    def delete_comment(self, comment_id: int) -> None:
        with self.store.lock:
            comment = self.store.comments_by_id[comment_id]
            self.store.remove_comment(self.store.repo(comment.repo), comment)


def _etags(headers: Mapping[str, str]) -> set[str]:
    return {tag.strip() for tag in headers.get("if-none-match", "").split(",") if tag.strip()}
