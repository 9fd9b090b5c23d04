"""The simulated Jira's endpoints (under `/rest/api/2`): which request goes to which handler,
and the handlers (search paging, comments and their properties, projects and versions).

    GET         /serverInfo (no credentials needed), /myself, /field
    GET         /search/jql (Cloud)             jql nextPageToken maxResults fields
    GET         /search (Data Center)           jql startAt maxResults fields
    GET         /issue/{idOrKey}                fields
    GET POST    /issue/{idOrKey}/comment        startAt maxResults orderBy expand=properties
    GET PUT DELETE /issue/{idOrKey}/comment/{id} PUT: notifyUsers (Cloud); GET: expand=properties
    GET PUT     /comment/{id}/properties/{key}
    GET         /project/{key}, /project/{key}/versions

- Cloud's `/search/jql` without `fields` (or with `fields=id`) returns `{"id"}` per issue; pages
  hold at most 100 issues when fields are asked for, 5,000 otherwise, and a `nextPageToken` is
  bound to its query. Cloud's `/search` answers 410 Gone, Data Center's `/search/jql` 404.
  `/search` (Data Center) defaults to the navigable fields, `GET /issue` to all of them.
- Comments: the bot edits and deletes its own comments only (403 otherwise). Creating, editing
  or deleting one moves the issue's `updated`; setting a property does not. Inline comment
  properties are honoured on create and edit on Cloud, ignored on Data Center (not verified
  that Data Center honours them).
- Notifications: creating a comment notifies; editing one notifies on Cloud unless the PUT
  carries `notifyUsers=false`, and always on Data Center, whose comment edit has no such
  parameter (the project's notification scheme decides; its default e-mails the watchers).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.jira.catalogue import ISSUE_TYPES
from sandbox.jira.errors import NO_ISSUE, JiraError, no_route
from sandbox.jira.fields import IssueFields, Selection
from sandbox.jira.payloads import JiraPayloads, jira_time
from sandbox.jira.search import IssueSearch
from sandbox.jira.store import Comment, Issue, JiraStore, Project
from sandbox.wire import BadJson, Request

MAX_COMMENT = 32_767  # UTF-16 code units: Jira's limit is a Java string length
MAX_PROPERTY = 32_768  # characters of a property value's JSON
CLOUD_PAGE_CAP = 100  # issues per /search/jql page when fields beyond id/key are asked for
CLOUD_ID_PAGE_CAP = 5_000  # … and when only ids or keys are
SERVER_PAGE_CAP = 1_000  # jira.search.views.default.max
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A "
    "full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^{pattern}$"), handler)
    for method, pattern, handler in [
        ("GET", "/serverInfo", "server_info"),
        ("GET", "/myself", "myself"),
        ("GET", "/field", "field_list"),
        ("GET", "/search/jql", "search_jql"),
        ("GET", "/search", "search"),
        ("GET", r"/issue/(?P<ref>[^/]+)", "get_issue"),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment", "list_comments"),
        ("POST", r"/issue/(?P<ref>[^/]+)/comment", "create_comment"),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "get_comment"),
        ("PUT", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "edit_comment"),
        ("DELETE", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "delete_comment"),
        ("GET", r"/comment/(?P<cid>\d+)/properties/(?P<pkey>[^/]+)", "get_property"),
        ("PUT", r"/comment/(?P<cid>\d+)/properties/(?P<pkey>[^/]+)", "put_property"),
        ("GET", r"/project/(?P<ref>[^/]+)", "get_project"),
        ("GET", r"/project/(?P<ref>[^/]+)/versions", "project_versions"),
    ]
]


class JiraRoutes:
    """Answers REST requests from the store; the caller holds the store's lock."""

    def __init__(
        self, store: JiraStore, payloads: JiraPayloads, fields: IssueFields, search: IssueSearch
    ) -> None:
        self.store = store
        self.cloud = store.cloud
        self.payloads = payloads
        self.fields = fields
        self.search_ids = search.ids

    def answer(self, request: Request, sub: str) -> tuple[int, Any]:
        """The status and payload for `sub`, the path under `/rest/api/2`; raises JiraError
        (405 when the path exists for other methods), JqlError or BadJson for errors."""
        allowed = False
        for method, pattern, name in _ROUTES:
            match = pattern.match(sub)
            if match:
                if method != request.method:
                    allowed = True
                    continue
                handler: Callable[..., Any] = getattr(self, name)
                result = handler(request, **match.groupdict())
                return result if isinstance(result, tuple) else (200, result)
        if allowed:
            raise JiraError(405, f"Method {request.method} is not allowed here.")
        raise no_route(request, self.cloud)

    # -- server, user, fields -------------------------------------------------------------------

    def server_info(self, request: Request) -> Any:
        now = jira_time(self.store.clock())
        base = request.base_url
        if self.cloud:
            return {
                "baseUrl": base,
                "displayUrl": base,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100290,
                "buildDate": "2026-01-12T00:00:00.000+0000",
                "serverTime": now,
                "scmInfo": "4b1f5c0e8a6d2c9b7e3f1a0d5c8b6e4f2a9d7c1b",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
                "serverTimeZone": "Etc/UTC",
            }
        return {
            "baseUrl": base,
            "version": "9.12.0",
            "versionNumbers": [9, 12, 0],
            "deploymentType": "Server",
            "buildNumber": 9120000,
            "buildDate": "2023-11-21T00:00:00.000+0000",
            "databaseBuildNumber": 9120000,
            "serverTime": now,
            "scmInfo": "2d1b0e7c5a3f9e8d6c4b2a0f1e3d5c7b9a8f6e4d",
            "serverTitle": "ACME Jira",
        }

    def myself(self, request: Request) -> Any:
        bot = self.store.user(self.store.bot)
        out = dict(self.payloads.user(bot, request.base_url))
        out["emailAddress"] = bot.email
        out["locale"] = "en_US"
        out["groups"] = {"size": 1, "items": []}
        out["applicationRoles"] = {"size": 1, "items": []}
        out["expand"] = "groups,applicationRoles"
        return out

    def field_list(self, request: Request) -> Any:
        return self.fields.definitions

    # -- search ---------------------------------------------------------------------------------

    def search_jql(self, request: Request) -> Any:
        if not self.cloud:
            raise no_route(request, self.cloud)
        text = request.param("jql") or ""
        size = _int_param(request.param("maxResults"), "maxResults", 50)
        if not 1 <= size <= CLOUD_ID_PAGE_CAP:
            raise JiraError(400, f"maxResults must be between 1 and {CLOUD_ID_PAGE_CAP}.")
        asked = request.query.get("fields")
        selection = self.fields.select(asked, "id", ids_only=not asked or asked == ["id"])
        few = selection.ids_only or not selection.fields
        size = min(size, CLOUD_ID_PAGE_CAP if few else CLOUD_PAGE_CAP)
        ids = self.search_ids(text, bounded=True)
        offset = _read_token(request.param("nextPageToken"), text)
        page = ids[offset : offset + size] + (self._foreign_ids() if offset == 0 else [])
        out: dict[str, Any] = {"issues": self._issues(page, selection, request.base_url)}
        if offset + size < len(ids):
            out["nextPageToken"] = _token(offset + size, text)
        out["isLast"] = offset + size >= len(ids)
        if self.store.repeat_page_token:
            out |= {"nextPageToken": _token(0, text), "isLast": False}
        return out

    def search(self, request: Request) -> Any:
        if self.cloud:
            raise JiraError(410, REMOVED_SEARCH)
        start = max(_int_param(request.param("startAt"), "startAt", 0), 0)
        start = 0 if self.store.ignore_start_at else start
        size = _int_param(request.param("maxResults"), "maxResults", 50)
        size = SERVER_PAGE_CAP if size < 0 else min(size, SERVER_PAGE_CAP)
        selection = self.fields.select(request.query.get("fields"), "*navigable")
        ids = self.search_ids(request.param("jql") or "", bounded=False)
        page = ids[start : start + size] + (self._foreign_ids() if start == 0 else [])
        return {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(ids),
            "issues": self._issues(page, selection, request.base_url),
        }

    def _foreign_ids(self) -> list[int]:
        """The issues `foreign_issues` adds to a first search page, whatever the query."""
        return [self.store.issue_by_ref(key).id for key in self.store.foreign_issues]

    def _issues(self, ids: list[int], selection: Selection, base: str) -> list[dict[str, Any]]:
        return [self.fields.issue(self.store.issues_by_id[i], selection, base) for i in ids]

    # -- issues ---------------------------------------------------------------------------------

    def get_issue(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        selection = self.fields.select(request.query.get("fields"), "*all")
        return self.fields.issue(issue, selection, request.base_url)

    def _issue_or_404(self, ref: str) -> Issue:
        try:
            return self.store.issue_by_ref(ref)
        except LookupError:
            raise JiraError(404, NO_ISSUE) from None

    # -- comments -------------------------------------------------------------------------------

    def list_comments(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        start = max(_int_param(request.param("startAt"), "startAt", 0), 0)
        size = _int_param(request.param("maxResults"), "maxResults", 5000)
        size = 5000 if size < 0 else min(size, 5000)
        order = request.param("orderBy") or "created"
        if order.lstrip("+-") != "created":
            raise JiraError(400, f"Ordering by '{order}' is not supported.")
        comments = [self.store.comments_by_id[cid] for cid in issue.comment_ids]
        comments.sort(key=lambda c: (c.created, c.id), reverse=order.startswith("-"))
        with_properties = "properties" in _expand(request.param("expand"))
        page = comments[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(comments),
            "comments": [
                self.payloads.comment(c, request.base_url, properties=with_properties) for c in page
            ],
        }

    def create_comment(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        raw = request.json()
        body = _comment_body(raw)
        properties = self._inline_properties(raw)
        comment = self.store.new_comment(issue, self.store.bot, body)
        comment.properties.update(properties)
        issue.updated = comment.created  # a new comment bumps the issue
        self.store.notify(issue, "comment_created", comment)
        return 201, self.payloads.comment(comment, request.base_url)

    def get_comment(self, request: Request, ref: str, cid: str) -> Any:
        """One comment of the issue (the `jira` library reads it back before an update)."""
        comment = self._comment_for(self._issue_or_404(ref), cid)
        with_properties = "properties" in _expand(request.param("expand"))
        return self.payloads.comment(comment, request.base_url, properties=with_properties)

    def edit_comment(self, request: Request, ref: str, cid: str) -> Any:
        issue = self._issue_or_404(ref)
        comment = self._comment_for(issue, cid)
        self._check_own(comment, "edit")
        raw = request.json()
        body = _comment_body(raw)
        properties = self._inline_properties(raw)
        now = self.store.clock()
        comment.body, comment.updated, comment.update_author = body, now, self.store.bot
        comment.properties.update(properties)
        issue.updated = now
        self.store.changed()
        # Cloud honours notifyUsers=false; Data Center's comment edit has no such parameter.
        quiet = self.cloud and (request.param("notifyUsers") or "").lower() == "false"
        if not quiet:
            self.store.notify(issue, "comment_edited", comment)
        return self.payloads.comment(comment, request.base_url)

    def delete_comment(self, request: Request, ref: str, cid: str) -> Any:
        issue = self._issue_or_404(ref)
        comment = self._comment_for(issue, cid)
        self._check_own(comment, "delete")
        self.store.remove_comment(comment)
        issue.updated = self.store.clock()
        return 204, None

    def _comment_for(self, issue: Issue, cid: str) -> Comment:
        comment = self.store.comments_by_id.get(int(cid))
        if comment is None or comment.issue != issue.id:
            raise JiraError(404, f"Can not find a comment for the id: {cid}.")
        return comment

    def _check_own(self, comment: Comment, verb: str) -> None:
        """The bot may edit and delete its own comments only (Edit/Delete Own Comments)."""
        if comment.author != self.store.bot:
            raise JiraError(403, f"You do not have the permission to {verb} this comment.")

    def _inline_properties(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The `properties` of a comment create or edit; Data Center mode ignores them."""
        items = raw.get("properties")
        if not self.cloud or items is None:
            return {}
        if not isinstance(items, list):
            raise JiraError(400, errors={"properties": "Properties must be a list."})
        out = {}
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise JiraError(400, errors={"properties": "Each property needs a 'key'."})
            _check_property(item["key"], item.get("value"))
            out[item["key"]] = item.get("value")
        return out

    # -- comment properties ---------------------------------------------------------------------

    def _comment_by_id(self, cid: str) -> Comment:
        comment = self.store.comments_by_id.get(int(cid))
        if comment is None:
            raise JiraError(404, f"Can not find a comment for the id: {cid}.")
        return comment

    def get_property(self, request: Request, cid: str, pkey: str) -> Any:
        comment = self._comment_by_id(cid)
        if pkey not in comment.properties:
            raise JiraError(404, f"The property with key '{pkey}' does not exist.")
        return {"key": pkey, "value": comment.properties[pkey]}

    def put_property(self, request: Request, cid: str, pkey: str) -> Any:
        comment = self._comment_by_id(cid)
        if not request.body:
            raise JiraError(400, "The property value must be valid JSON.")
        try:
            value = request.json()
        except BadJson:
            raise JiraError(400, "The property value must be valid JSON.") from None
        _check_property(pkey, value)
        created = pkey not in comment.properties
        comment.properties[pkey] = value
        self.store.changed()
        return (201 if created else 200), None

    # -- projects and versions ------------------------------------------------------------------

    def _project_or_404(self, ref: str) -> Project:
        for project in self.store.projects.values():
            if ref.upper() == project.key or ref == str(project.id):
                return project
        raise JiraError(404, f"No project could be found with key '{ref}'.")

    def get_project(self, request: Request, ref: str) -> Any:
        project = self._project_or_404(ref)
        base = request.base_url
        payloads = self.payloads
        out = dict(payloads.project(project, base))
        out |= {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "description": project.description,
            "lead": payloads.user(self.store.user(project.lead), base),
            "components": [payloads.component(c, base) for c in project.components.values()],
            "issueTypes": [payloads.issue_type(t.name, base) for t in ISSUE_TYPES],
            "assigneeType": "UNASSIGNED",
            "versions": [payloads.version(v, base, full=True) for v in project.versions.values()],
            "roles": {},
            "archived": False,
        }
        if self.cloud:
            out |= {"style": "classic", "isPrivate": False, "properties": {}}
        return out

    def project_versions(self, request: Request, ref: str) -> Any:
        project = self._project_or_404(ref)
        base = request.base_url
        return [self.payloads.version(v, base, full=True) for v in project.versions.values()]


def _expand(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _int_param(raw: Any, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise JiraError(400, f"The '{name}' parameter must be a number, not '{raw}'.") from None


def _token(offset: int, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    raw = json.dumps({"o": offset, "q": digest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str | None, text: str) -> int:
    if not token:
        return 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        if raw["q"] == digest and isinstance(raw["o"], int) and raw["o"] >= 0:
            return raw["o"]
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraError(400, "The provided next page token is invalid or expired.")


def _comment_body(raw: Any) -> str:
    if not isinstance(raw, dict):
        raise JiraError(400, "The request body must be a JSON object.")
    body = raw.get("body")
    if not isinstance(body, str) or not body.strip():
        raise JiraError(400, errors={"comment": "Comment body can not be empty!"})
    if len(body.encode("utf-16-le")) // 2 > MAX_COMMENT:
        message = f"The entered text is too long. It exceeds the allowed limit of {MAX_COMMENT}"
        raise JiraError(400, errors={"comment": message + " characters."})
    return body


def _check_property(key: str, value: Any) -> None:
    if not key or len(key) > 255:
        raise JiraError(400, "The property key must be between 1 and 255 characters long.")
    if len(json.dumps(value, ensure_ascii=False)) > MAX_PROPERTY:
        raise JiraError(
            400, f"The property value is too long: at most {MAX_PROPERTY} characters are allowed."
        )
