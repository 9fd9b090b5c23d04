"""GitHub adapter on PyGithub: fetch issues and milestones, find and write our comments.

Lists are read as raw JSON pages through PyGithub's requester (100 per page, Link-header
paging), because reading attributes of PyGithub's list objects can silently GET each item.
Pull requests are dropped from the raw page. PyGithub's own retry is off: `connectors.retry`
decides, and a comment create is never re-sent blindly. Our comments end with an HTML-comment
marker line; the marker and the author together identify them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import requests
import structlog
from github import Auth, Github, GithubException, GithubIntegration

from connectors import markdown
from connectors.document import Document, fit
from connectors.model import Comment, Marker, Milestone, Person, TrackerState, WorkItem
from connectors.retry import (
    AmbiguousWrite,
    NotFound,
    TrackerError,
    call,
    connection_error,
    wait_seconds_from_headers,
)
from connectors.tracker import RequestStats, skip_malformed

log = structlog.get_logger("delivery_sync.github")

PAGE_SIZE = 100
ANY_BOT = "*[bot]"
MARKER_PREFIX = "<!-- delivery-sync "
_MARKER = re.compile(r"<!--\s*delivery-sync\s+(\{.*\})\s*-->\s*\Z", re.DOTALL)
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]", re.MULTILINE)
_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def marker_line(marker: Marker) -> str:
    return f"{MARKER_PREFIX}{json.dumps(marker.to_dict(), separators=(', ', ': '))} -->"


def parse_marker(body: str) -> Marker | None:
    """The marker on the body's last line, read as JSON (spacing free, extra keys allowed)."""
    match = _MARKER.search(body or "")
    if match is None:
        return None
    try:
        return Marker.from_dict(json.loads(match[1]))
    except json.JSONDecodeError:
        return None


def task_list(body: str | None) -> tuple[int, int]:
    """Task-list checkboxes in a description: (ticked, total)."""
    boxes = _CHECKBOX.findall(body or "")
    return sum(1 for b in boxes if b in "xX"), len(boxes)


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def normalise_issue(raw: dict[str, Any], source_id: str, repo: str) -> WorkItem:
    """One issue of a list or GET payload. Raises KeyError/TypeError/ValueError when malformed."""
    number = int(raw["number"])
    state = TrackerState.CLOSED if raw["state"] == "closed" else TrackerState.OPEN
    milestone = raw.get("milestone")
    return WorkItem(
        source=source_id,
        key=f"{repo}#{number}",
        title=str(raw.get("title") or ""),
        url=raw["html_url"],
        state=state,
        status=raw["state"],
        created=_time(raw["created_at"]),
        updated=_time(raw["updated_at"]),
        closed=_time(raw.get("closed_at")),
        resolution=raw.get("state_reason") if state is TrackerState.CLOSED else None,
        assignees=tuple(
            Person("github", a["login"], a["login"]) for a in raw.get("assignees") or ()
        ),
        labels=tuple(
            label["name"] if isinstance(label, dict) else str(label)
            for label in raw.get("labels") or ()
        ),
        milestones=(milestone["title"],) if milestone else (),
        task_list=task_list(raw.get("body")),
    )


def normalise_milestone(raw: dict[str, Any], source_id: str) -> Milestone:
    due = _time(raw.get("due_on"))
    return Milestone(
        source=source_id,
        title=raw["title"],
        # GitHub stores a due *day*; the time part depends on the creator's time zone.
        due=date.fromisoformat(raw["due_on"][:10]) if due else None,
        closed=raw.get("state") == "closed",
        url=raw.get("html_url"),
    )


def _normalise_comment(raw: dict[str, Any]) -> Comment:
    return Comment(
        id=str(raw["id"]),
        body=raw.get("body") or "",
        author=(raw.get("user") or {}).get("login", ""),
        marker=parse_marker(raw.get("body") or ""),
        created=_time(raw.get("created_at")),
        updated=_time(raw.get("updated_at")),
    )


def _classify(exc: Exception, what: str, create: bool) -> TrackerError:
    if isinstance(exc, GithubException):
        status = exc.status
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or exc.message or "")[:200]
        headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
        wait = wait_seconds_from_headers(headers, datetime.now(UTC))
        text = f"{what}: HTTP {status} {message}".rstrip()
        if status in (404, 410):
            return NotFound(text, status=status)
        if status == 429 or (
            status == 403 and (wait is not None or "rate limit" in message.lower())
        ):
            return TrackerError(text, status=status, retriable=True, retry_after=wait or 60.0)
        if status >= 500:
            if create:
                return AmbiguousWrite(text, status=status)
            return TrackerError(text, status=status, retriable=True)
        return TrackerError(text, status=status)
    if isinstance(exc, requests.RequestException):
        return connection_error(exc, what, create)
    raise exc


class GitHubAccount:
    """One GitHub identity (API base and credentials) shared by all its repositories: one
    client, so GitHub's pause between writes holds across them, and one lookup of our login."""

    def __init__(
        self,
        base_url: str,
        auth: Auth.Auth,
        *,
        app: Auth.AppAuth | None = None,
        write_pause: float = 1.0,
        timeout: int = 30,
    ):
        self.base_url = base_url
        self.auth = auth
        self.app = app  # with an installation token: the app, whose slug names our bot
        self.client = Github(
            base_url=base_url,
            auth=auth,
            per_page=PAGE_SIZE,
            retry=None,
            lazy=True,
            timeout=timeout,
            seconds_between_requests=None,
            seconds_between_writes=write_pause or None,
        )
        self.login: str | None = None


class GitHubTracker:
    """One GitHub repository of the mapping file."""

    kind = "github"
    max_body = markdown.MAX_BODY

    def __init__(
        self,
        source_id: str,
        repo: str,
        *,
        account: GitHubAccount,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.source_id = source_id
        self.repo = repo
        self.stats = RequestStats()
        self._account = account
        self._github = account.client
        self._sleep = sleep

    # ---- reads -----------------------------------------------------------------------------

    def _get(self, url: str, parameters: dict[str, Any] | None, what: str) -> tuple[dict, Any]:
        def request() -> tuple[dict, Any]:
            self.stats.reads += 1
            try:
                return self._github.requester.requestJsonAndCheck("GET", url, parameters)
            except Exception as exc:  # _classify re-raises what it does not know
                raise _classify(exc, what, create=False) from None

        return call(request, what=what, sleep=self._sleep)

    def _pages(self, url: str, parameters: dict[str, Any], what: str) -> Iterator[list[Any]]:
        next_url: str | None = url
        params: dict[str, Any] | None = parameters
        while next_url:
            headers, data = self._get(next_url, params, what)
            yield data if isinstance(data, list) else []
            link = {k.lower(): v for k, v in headers.items()}.get("link", "")
            found = _LINK_NEXT.search(link)
            next_url, params = (found[1], None) if found else (None, None)

    def fetch_items(self, since: datetime | None, *, jql: str | None = None) -> Iterator[WorkItem]:
        if jql is not None:
            raise ValueError("GitHub sources have no JQL")
        parameters: dict[str, Any] = {
            "state": "all",
            # Creation order: an issue updated while we page cannot move and shift another
            # past a page boundary, as it would in `updated` order.
            "sort": "created",
            "direction": "asc",
            "per_page": PAGE_SIZE,
        }
        if since is not None:
            parameters["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for page in self._pages(
            f"/repos/{self.repo}/issues", parameters, f"list {self.repo} issues"
        ):
            # The issues endpoint lists pull requests too; they are not work items.
            issues = (r for r in page if not (isinstance(r, dict) and "pull_request" in r))
            yield from skip_malformed(
                issues,
                lambda raw: normalise_issue(raw, self.source_id, self.repo),
                event="item.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("number"),
            )

    def fetch_milestones(self) -> list[Milestone]:
        found = []
        parameters = {"state": "all", "per_page": PAGE_SIZE}
        url = f"/repos/{self.repo}/milestones"
        for page in self._pages(url, parameters, f"list {self.repo} milestones"):
            found += skip_malformed(
                page,
                lambda raw: normalise_milestone(raw, self.source_id),
                event="milestone.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("title"),
            )
        return found

    def site(self) -> dict | None:
        return None  # nothing worth keeping: the login is read only when comments are listed

    def check_access(self) -> None:
        """Raise TrackerError unless the token can read the repository."""
        self._get(f"/repos/{self.repo}", None, f"read repository {self.repo}")

    def fetch_item(self, issue: str) -> WorkItem | None:
        try:
            _, raw = self._get(
                f"/repos/{self.repo}/issues/{issue}", None, f"get {self.repo}#{issue}"
            )
        except NotFound:
            return None
        return normalise_issue(raw, self.source_id, self.repo)

    def login(self) -> str:
        """Our own account: comments by anyone else are never touched."""
        account = self._account
        if account.login is None:
            if account.app is not None:
                account.login = f"{self._app_slug(account)}[bot]"
            else:
                try:
                    _, raw = self._get("/user", None, "get the authenticated user")
                    account.login = raw["login"]
                except TrackerError as exc:
                    if exc.status != 403:
                        raise
                    # An installation token (e.g. GitHub Actions' GITHUB_TOKEN) may not read
                    # /user; its comments are written by an "...[bot]" account.
                    log.warning("github.identity_unknown", source=self.source_id, error=str(exc))
                    account.login = ANY_BOT
        return account.login

    def _app_slug(self, account: GitHubAccount) -> str:
        what = "read the GitHub App"

        def request() -> str:
            self.stats.reads += 1
            try:
                integration = GithubIntegration(base_url=account.base_url, auth=account.app)
                return integration.get_app().slug
            except Exception as exc:  # _classify re-raises what it does not know
                raise _classify(exc, what, create=False) from None

        return call(request, what=what, sleep=self._sleep)

    def _is_ours(self, author: str) -> bool:
        me = self.login()
        return author.endswith("[bot]") if me == ANY_BOT else author == me

    def own_comments(self, issue: str) -> list[Comment]:
        found = []
        parameters = {"per_page": PAGE_SIZE}
        url = f"/repos/{self.repo}/issues/{issue}/comments"
        for page in self._pages(url, parameters, f"list comments of {self.repo}#{issue}"):
            for raw in page:
                try:
                    comment = _normalise_comment(raw)
                except (KeyError, TypeError, ValueError):
                    continue
                if self._is_ours(comment.author):
                    found.append(comment)
        return found

    # ---- writes ----------------------------------------------------------------------------

    def body(self, document: Document, marker: Marker) -> str:
        line = marker_line(marker)
        text = fit(document, markdown.render, self.max_body - len(line) - 1)
        return f"{text}{line}"

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment:
        what = f"create comment on {self.repo}#{issue}"

        def request() -> Comment:
            self.stats.writes += 1
            try:
                created = (
                    self._github.get_repo(self.repo).get_issue(int(issue)).create_comment(body)
                )
            except Exception as exc:  # _classify re-raises what it does not know
                raise _classify(exc, what, create=True) from None
            return _normalise_comment(created.raw_data)

        return call(request, what=what, sleep=self._sleep)

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        """Nothing to do: the marker is the body's last line, restored by the next edit."""

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        what = f"edit comment {comment_id} on {self.repo}#{issue}"

        def request() -> None:
            self.stats.writes += 1
            try:
                issue_obj = self._github.get_repo(self.repo).get_issue(int(issue))
                issue_obj.get_comment(int(comment_id)).edit(body)
            except Exception as exc:  # _classify re-raises what it does not know
                raise _classify(exc, what, create=False) from None

        call(request, what=what, sleep=self._sleep)
