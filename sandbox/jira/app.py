"""The simulated Jira as `Sandbox` mounts it at `/jira` (the site's base URL, like
`https://acme.atlassian.net`, so `JIRA(server=…)` works) and as tests drive it.

The mode decides what differs between the two products:

    what                      Cloud ("cloud")                        Data Center ("server")
    auth                      Basic base64(email:api-token)          Bearer personal access token
    search                    /search/jql, nextPageToken, no total;  /search, startAt + total;
                              /search answers 410 Gone;              /search/jql answers 404
                              queries must be bounded
    users                     accountId, no name                     name and key
    epic of an issue          `parent`                               "Epic Link" custom field
    story points              customfield_10016 "Story point         customfield_10106
                              estimate" (10026 "Story Points" is     "Story Points"
                              defined but empty, as on many sites)
    sprint field              customfield_10020                      customfield_10104
    inline comment properties honoured on create and edit            ignored
    rate limits               X-RateLimit-* headers, 429 when spent  none

Over HTTP: without credentials only `serverInfo` answers, everything else is 401 (real Jira
answers some reads anonymously); injected faults answer in Jira's error shape, a 429 with
`Retry-After` (10 s unless the fault sets one) and, on Cloud, `X-RateLimit-Reset` as
`yyyy-MM-ddTHH:mmZ`. The browser pages at `/` and `/browse/{key}` need no credentials.

In-process: helpers (`add_issue`, `transition`, `comments`, …) that change or read the store
for tests; they are neither logged nor rate-limited, and return payloads shaped as the API's.
Jira's own faults (`repeat_page_token`, `ignore_start_at`, `foreign_issues`) and the e-mails it
would send (`notifications`) are described in `sandbox.jira.store`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sandbox.jira import jql
from sandbox.jira.auth import (
    API_TOKEN,
    EMAIL,
    PAT,
    RateLimit,
    authenticate,
    unauthenticated,
)
from sandbox.jira.catalogue import CustomFields
from sandbox.jira.errors import JiraError, fault_payload, no_route
from sandbox.jira.fields import IssueFields
from sandbox.jira.payloads import JiraPayloads
from sandbox.jira.routes import JiraRoutes
from sandbox.jira.search import IssueSearch
from sandbox.jira.store import CLOUD, Issue, JiraStore, Notification
from sandbox.jira.web import HTML, JiraWeb, is_page
from sandbox.wire import BadJson, Clock, Fault, Request, Response

JSON_TYPE = "application/json;charset=UTF-8"
FAULT_RETRY_AFTER = 10  # seconds, for an injected 429 that names none
_API = re.compile(r"^/rest/api/2(/.*?)/?$")


class JiraApp:
    """The simulated Jira over a store built from a materialised seed section.

    `mode` is "cloud" or "server" (Data Center); `clock` is read on each request and mutation.
    `fields` names the mode's custom field ids; `rate` is Cloud's rate limit (set `rate.used` to
    `rate.limit` to get 429s); `store` is the state, for what the helpers lack.
    """

    name = "jira"
    email = EMAIL
    api_token = API_TOKEN
    pat = PAT

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        mode: str = CLOUD,
        clock: Clock | None = None,
    ) -> None:
        self.store = JiraStore(data, mode=mode, clock=clock)
        self.rate = RateLimit()
        self.rate.roll(self.store.clock())
        self.payloads = JiraPayloads(self.store)
        self.issue_fields = IssueFields(self.store, self.payloads)
        self.routes = JiraRoutes(
            self.store, self.payloads, self.issue_fields, IssueSearch(self.store)
        )
        self.web = JiraWeb(self.store)
        self._request_ids = itertools.count(1)
        self._base = "http://127.0.0.1/jira"

    def set_base_url(self, url: str) -> None:
        """The site URL payloads built outside a request (by the helpers) point at."""
        self._base = url

    @property
    def mode(self) -> str:
        return self.store.mode

    @property
    def fields(self) -> CustomFields:
        return self.store.fields

    @property
    def notifications(self) -> list[Notification]:
        return self.store.notifications

    @property
    def repeat_page_token(self) -> bool:
        return self.store.repeat_page_token

    @repeat_page_token.setter
    def repeat_page_token(self, value: bool) -> None:
        self.store.repeat_page_token = value

    @property
    def ignore_start_at(self) -> bool:
        return self.store.ignore_start_at

    @ignore_start_at.setter
    def ignore_start_at(self, value: bool) -> None:
        self.store.ignore_start_at = value

    @property
    def foreign_issues(self) -> list[str]:
        return self.store.foreign_issues

    @foreign_issues.setter
    def foreign_issues(self, keys: list[str]) -> None:
        self.store.foreign_issues = keys

    # -- HTTP -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        store = self.store
        with store.lock:
            if is_page(request.path):
                return self.web.handle(request)
            now = store.clock()
            if store.cloud:
                self.rate.roll(now)
            match = _API.match(request.path)
            basic = f"{self.email}:{self.api_token}"
            authenticated = authenticate(request, cloud=store.cloud, basic=basic, pat=self.pat)
            try:
                if match is None:
                    raise no_route(request, store.cloud)
                sub = match.group(1)
                if authenticated is False or (authenticated is None and sub != "/serverInfo"):
                    raise unauthenticated(cloud=store.cloud, missing=authenticated is None)
                if store.cloud:
                    if self.rate.remaining == 0:
                        raise self.rate.exceeded(now, cloud=True)
                    self.rate.used += 1
                status, payload = self.routes.answer(request, sub)
            except BadJson as exc:
                error = JiraError(400, f"The request body is not valid JSON: {exc}")
                return self._answer(error.status, error.payload)
            except jql.JqlError as exc:
                return self._answer(400, {"errorMessages": [str(exc)], "errors": {}})
            except JiraError as error:
                return self._answer(error.status, error.payload, error.headers)
            return self._answer(status, payload)

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        with self.store.lock:
            headers: dict[str, str] = {}
            if status == 429:  # Jira's rate-limit headers; Retry-After 10 s unless the fault says
                wait = fault.headers.get("retry-after", str(FAULT_RETRY_AFTER))
                limited = self.rate.exceeded(
                    self.store.clock(), cloud=self.store.cloud, retry_after=wait
                )
                headers = limited.headers
            headers |= fault.headers
            payload = fault.body if fault.body is not None else fault_payload(status)
            response = self._answer(status, payload, headers)
        if isinstance(fault.body, str):  # e.g. the HTML page a proxy sends with a 502
            response.body = fault.body.encode()
            response.headers["content-type"] = HTML
        return response

    def _answer(
        self, status: int, payload: Any, extra: Mapping[str, str] | None = None
    ) -> Response:
        store = self.store
        headers = {
            "content-type": JSON_TYPE,
            "x-arequestid": f"{next(self._request_ids)}x{store.version}x1",
            "cache-control": "no-cache, no-store, no-transform",
        }
        if store.cloud:
            headers["x-aaccountid"] = quote(store.user(store.bot).account_id)
            headers |= self.rate.headers()
        headers |= {k.lower(): v for k, v in (extra or {}).items()}
        if payload is None:
            headers.pop("content-type")
            return Response(status, b"", headers)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(status, body, headers)

    # -- helpers for tests (in-process) ---------------------------------------------------------

    def _issue_payload(self, issue: Issue, fields: str = "*all") -> dict[str, Any]:
        selection = self.issue_fields.select([fields], "*all")
        return self.issue_fields.issue(issue, selection, self._base)

    def user_id(self, name: str) -> str:
        """How this mode names a user in payloads and JQL: accountId (Cloud) or name."""
        with self.store.lock:
            user = self.store.user(name)
            return user.account_id if self.store.cloud else user.name

    def add_project(self, key: str, name: str, *, lead: str | None = None) -> dict[str, Any]:
        with self.store.lock:
            return self.payloads.project(self.store.new_project(key, name, lead), self._base)

    def add_version(
        self,
        name: str,
        *,
        project: str = "PLAT",
        release_date: date | None = None,
        start_date: date | None = None,
        released: bool = False,
        archived: bool = False,
        description: str | None = None,
    ) -> dict[str, Any]:
        with self.store.lock:
            version = self.store.new_version(
                self.store.project(project),
                name,
                release_date=release_date,
                start_date=start_date,
                released=released,
                archived=archived,
                description=description,
            )
            return self.payloads.version(version, self._base, full=True)

    def add_issue(
        self,
        summary: str,
        *,
        project: str = "PLAT",
        issuetype: str = "Task",
        status: str = "To Do",
        resolution: str | None = None,
        priority: str = "Medium",
        assignee: str | None = None,
        reporter: str | None = None,
        labels: Iterable[str] = (),
        components: Iterable[str] = (),
        fix_versions: Iterable[str] = (),
        parent: str | None = None,
        due: date | None = None,
        story_points: float | None = None,
        sprints: Iterable[int | str] = (),
        original_estimate: int | None = None,
        remaining_estimate: int | None = None,
        time_spent: int | None = None,
        description: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add an issue with the project's next key; a done status gets resolution Done.

        Users are names or accountIds; versions, components and sprints are names (or ids);
        `parent` is an issue key (the epic, or the parent of a sub-task); estimates in seconds.
        """
        with self.store.lock:
            issue = self.store.new_issue(
                self.store.project(project),
                {
                    "summary": summary,
                    "type": issuetype,
                    "status": status,
                    "resolution": resolution,
                    "priority": priority,
                    "assignee": assignee,
                    "reporter": reporter,
                    "labels": list(labels),
                    "components": list(components),
                    "fix_versions": list(fix_versions),
                    "due_on": due,
                    "story_points": story_points,
                    "sprints": list(sprints),
                    "original_estimate": original_estimate,
                    "remaining_estimate": remaining_estimate,
                    "time_spent": time_spent,
                    "description": description,
                    "created_at": created_at,
                    "updated_at": updated_at,
                    "resolved_at": resolved_at,
                },
            )
            if parent:
                issue.parent = self.store.issue_by_ref(parent).id
            return self._issue_payload(issue)

    def add_issues(self, count: int, summary: str = "Issue {n}", **kwargs: Any) -> list[dict]:
        """Add `count` issues with summaries from a template with `{n}` (1-based in this call)."""
        return [self.add_issue(summary.format(n=n + 1), **kwargs) for n in range(count)]

    def update_issue(self, key: str, *, at: datetime | None = None, **changes: Any) -> dict:
        """Change fields by `add_issue`'s keyword names (`due`, `fix_versions`, `parent`, …);
        `updated` moves to `at` (default: the clock) when something changed."""
        with self.store.lock:
            issue = self.store.issue_by_ref(key)
            self.store.apply(issue, changes, at or self.store.clock())
            return self._issue_payload(issue)

    def transition(
        self, key: str, status: str, *, resolution: str | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """Move an issue to `status`. Into a done status it gets `resolution` (default Done)
        and a resolution date; out of one it loses both, as Jira's default workflow does."""
        with self.store.lock:
            issue = self.store.issue_by_ref(key)
            self.store.transition(issue, status, resolution, at or self.store.clock())
            return self._issue_payload(issue)

    def add_link(self, source: str, target: str, *, type: str = "Blocks") -> str:
        """Link two issues: `source` blocks (duplicates, relates to, …) `target`; the link id."""
        with self.store.lock:
            store = self.store
            link = store.new_link(type, store.issue_by_ref(source), store.issue_by_ref(target))
            return str(link.id)

    def delete_issue(self, key: str) -> None:
        """Delete an issue: it leaves every search and its URL answers 404."""
        with self.store.lock:
            self.store.delete_issue(self.store.issue_by_ref(key))

    def issue(self, key: str, fields: str = "*all") -> dict[str, Any]:
        with self.store.lock:
            return self._issue_payload(self.store.issue_by_ref(key), fields)

    def issues(self, project: str = "PLAT", fields: str = "*all") -> list[dict[str, Any]]:
        """Every live issue of the project, by key number."""
        with self.store.lock:
            selection = self.issue_fields.select([fields], "*all")
            return [
                self.issue_fields.issue(issue, selection, self._base)
                for issue in self.store.live_issues(self.store.project(project))
            ]

    def comments(self, key: str) -> list[dict[str, Any]]:
        """The issue's comments, oldest first, each with its `properties`."""
        with self.store.lock:
            issue = self.store.issue_by_ref(key)
            return [
                self.payloads.comment(self.store.comments_by_id[cid], self._base, properties=True)
                for cid in issue.comment_ids
            ]

    def add_comment(
        self,
        key: str,
        body: str,
        *,
        author: str | None = None,
        properties: Mapping[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add a comment, by default as the bot (e.g. one left by an earlier run)."""
        with self.store.lock:
            issue = self.store.issue_by_ref(key)
            who = self.store.user(author).name if author else self.store.bot
            comment = self.store.new_comment(issue, who, body, created_at)
            comment.properties.update(properties or {})
            issue.updated = max(issue.updated, comment.created)
            return self.payloads.comment(comment, self._base, properties=True)

    def update_comment(
        self,
        comment_id: int | str,
        body: str,
        *,
        at: datetime | None = None,
        user: str | None = None,
    ) -> dict[str, Any]:
        """Edit a comment in-process, as `user` (a user name; default: its author)."""
        with self.store.lock:
            comment = self.store.comments_by_id[int(comment_id)]
            comment.body, comment.updated = body, at or self.store.clock()
            if user is not None:
                comment.update_author = self.store.user(user).name
            self.store.changed()
            return self.payloads.comment(comment, self._base, properties=True)

    def notifications_for(self, key: str, event: str | None = None) -> list[Notification]:
        """The e-mails Jira would have sent about the issue's comments (of one `event`)."""
        with self.store.lock:
            return [
                n
                for n in self.store.notifications
                if n.issue == key and (event is None or n.event == event)
            ]

    def comment_properties(self, comment_id: int | str) -> dict[str, Any]:
        with self.store.lock:
            return dict(self.store.comments_by_id[int(comment_id)].properties)
