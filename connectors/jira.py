"""Jira adapter (Cloud and Data Center): fetch issues and fix versions, find and write our comments.

The `jira` library provides only the authenticated session. Every request is a raw REST v2 call
through that session, so the library adds none of its own (no serverInfo at construction, no
`/field` behind a search) and retries nothing (`max_retries=0`): `connectors.retry` decides.

Cloud searches `GET /search/jql` and follows `nextPageToken` (Cloud removed `/search`); Data
Center pages `GET /search` with `startAt`. Both always ask for an explicit field list.

What a site looks like (Cloud or not, our account, the Agile custom fields) is a `SiteInfo`,
found once by `discover()` and handed back by the worker on later runs, so an idle cycle asks
nothing but its searches and the version listing.

Our comments carry the marker as the comment property `delivery-sync`, set in the create request
itself. Data Center may not honour properties sent with the create, so there it is also PUT right
after; a comment left unmarked is found and marked by the next cycle (`worker.publisher`).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

import requests
import structlog
from jira import JIRA, JIRAError
from pydantic import SecretStr

from connectors import wiki
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

log = structlog.get_logger("delivery_sync.jira")

PAGE_SIZE = 100
PROPERTY = "delivery-sync"
# Preference order, casefolded. Cloud sites often keep an empty "Story Points" beside the
# "Story point estimate" Jira Software estimates with; Data Center has only "Story Points".
STORY_POINTS_NAMES = {
    True: ("story point estimate", "story points"),
    False: ("story points", "story point estimate"),
}
SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
# Search results may omit `timetracking` (it is not a navigable field); the flat
# time fields are the fallback. `description` is not asked for: v2 wiki markup has no checkboxes.
ISSUE_FIELDS = (
    "summary",
    "status",
    "resolution",
    "resolutiondate",
    "assignee",
    "labels",
    "duedate",
    "fixVersions",
    "parent",
    "issuetype",
    "issuelinks",
    "created",
    "updated",
    "timetracking",
    "timeoriginalestimate",
    "timeestimate",
    "timespent",
)
_SPRINT_PAIR = re.compile(r",(?=\w+=)")

Deployment = Literal["auto", "cloud", "server"]


# ---- credentials and site ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """Jira Cloud: the account's e-mail address and an API token."""

    user: str
    token: SecretStr


@dataclass(frozen=True, slots=True)
class BearerAuth:
    """Jira Data Center 8.14+: a personal access token."""

    token: SecretStr


JiraAuth = BasicAuth | BearerAuth


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What `discover()` learnt about a site; the worker stores it and passes it back."""

    cloud: bool
    account: str  # our accountId (Cloud) or user name (Data Center): whose comments are ours
    story_points_field: str | None = None
    epic_link_field: str | None = None  # Data Center only; Cloud links epics through `parent`
    sprint_field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SiteInfo:
        return cls(
            cloud=bool(raw["cloud"]),
            account=str(raw["account"]),
            story_points_field=raw.get("story_points_field"),
            epic_link_field=raw.get("epic_link_field"),
            sprint_field=raw.get("sprint_field"),
        )


def story_points_fields(fields: list[dict[str, Any]], cloud: bool) -> list[str]:
    """Fields named "Story point estimate" or "Story Points", in the deployment's preference."""
    names = STORY_POINTS_NAMES[cloud]
    ranked = sorted(
        (names.index(name), field["id"])
        for field in fields
        if (name := str(field.get("name", "")).casefold()) in names and "id" in field
    )
    return [fid for _, fid in ranked]


def schema_field(fields: list[dict[str, Any]], custom_type: str) -> str | None:
    """The first custom field of a type, e.g. the sprint field."""
    return next(
        (f["id"] for f in fields if (f.get("schema") or {}).get("custom") == custom_type), None
    )


def site_info(
    deployment: Deployment, server: dict[str, Any], fields: list[dict[str, Any]], me: dict[str, Any]
) -> SiteInfo:
    """SiteInfo from the answers of `/serverInfo` (used when `deployment` is auto), `/field` and
    `/myself`."""
    cloud = server["deploymentType"] == "Cloud" if deployment == "auto" else deployment == "cloud"
    points = story_points_fields(fields, cloud)
    return SiteInfo(
        cloud=cloud,
        account=_person(me, cloud).id,
        story_points_field=points[0] if points else None,
        epic_link_field=None if cloud else schema_field(fields, EPIC_LINK_SCHEMA),
        sprint_field=schema_field(fields, SPRINT_SCHEMA),
    )


def search_fields(info: SiteInfo) -> str:
    extra = (info.story_points_field, info.sprint_field, info.epic_link_field)
    return ",".join(ISSUE_FIELDS + tuple(f for f in extra if f))


# ---- JQL ---------------------------------------------------------------------------------------


def incremental_clause(since: datetime, now: datetime) -> str:
    """`updated >= -Nm`, N whole minutes from `since` to `now`, rounded up.

    Jira reads an absolute date ("yyyy/MM/dd HH:mm") in the time zone of the querying user's
    profile, which we do not know and which can change; a relative date is evaluated by the server
    in absolute time, so no time zone is involved. Rounding up and the caller's lookback absorb
    the seconds between computing N here and the server evaluating it, and clock skew.
    """
    minutes = math.ceil((now - since.astimezone(UTC)).total_seconds() / 60)
    return f"updated >= -{max(minutes, 1)}m"


def search_jql(
    project: str,
    *,
    source_jql: str | None,
    selector_jql: str | None,
    since: datetime | None,
    now: datetime,
    order: str = "updated ASC",
) -> str:
    """The bounded query: the project, the source's and the selector's filters, the increment."""
    clauses = [f'project = "{project}"']
    clauses += [f"({q})" for q in (source_jql, selector_jql) if q]
    if since is not None:
        clauses.append(incremental_clause(since, now))
    return " AND ".join(clauses) + f" ORDER BY {order}"


# ---- normalisation (pure) ----------------------------------------------------------------------


def _time(value: str | None) -> datetime | None:
    """Jira's `2026-11-20T09:30:00.000+0000`, in UTC."""
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _person(raw: dict[str, Any], cloud: bool) -> Person:
    ident = raw["accountId"] if cloud else raw["name"]
    return Person("jira", ident, raw.get("displayName") or ident)


def _category(raw: dict[str, Any]) -> str:
    return raw["status"]["statusCategory"]["key"]


def blocked_by(links: list[dict[str, Any]] | None) -> tuple[str, ...]:
    """Keys of the open issues that block this one.

    On issue X a "Blocks" link whose `inwardIssue` is Y means Y blocks X (the outward side is an
    issue X blocks). A blocker already in the done category no longer blocks; leaving it out here
    matters for blockers in other projects, which the mirror does not hold.
    """
    keys: dict[str, None] = {}
    for link in links or ():
        inward = link.get("inwardIssue")
        if link["type"]["name"] != "Blocks" or inward is None:
            continue
        if "fields" in inward and _category(inward["fields"]) == "done":
            continue
        keys[inward["key"]] = None
    return tuple(keys)


def _sprint_attributes(raw: Any) -> dict[str, Any]:
    """A sprint as Cloud's object or Data Center's `…Sprint@1a2b[id=1,state=ACTIVE,name=…]`;
    empty when the text cannot be read (the sprint is a detail, not worth losing the issue)."""
    if isinstance(raw, dict):
        return raw
    text = str(raw)
    if "[" not in text or not text.endswith("]"):
        return {}
    pairs = _SPRINT_PAIR.split(text[text.index("[") + 1 : -1])
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def sprint_name(value: list[Any] | None) -> str | None:
    """The active sprint's name, else the last one's (the latest the issue was planned into)."""
    sprints = [s for s in map(_sprint_attributes, value or ()) if s.get("name")]
    if not sprints:
        return None
    active = [s for s in sprints if str(s.get("state", "")).lower() == "active"]
    return str((active or sprints)[-1]["name"])


def _seconds(*values: Any) -> int | None:
    return next((int(v) for v in values if v is not None), None)


def _parent(fields: dict[str, Any], info: SiteInfo) -> str | None:
    """Cloud: `parent` (an epic for standard issues, a standard issue for sub-tasks).
    Data Center: the Epic Link, else the sub-task's parent."""
    if info.epic_link_field and fields.get(info.epic_link_field):
        return str(fields[info.epic_link_field])
    parent = fields.get("parent")
    return parent["key"] if parent else None


def normalise_issue(raw: dict[str, Any], source_id: str, base_url: str, info: SiteInfo) -> WorkItem:
    """One issue of a search page or GET. Raises KeyError/TypeError/ValueError when malformed."""
    key = raw["key"]
    fields = raw["fields"]
    tracking = fields.get("timetracking") or {}
    assignee = fields.get("assignee")
    points = fields.get(info.story_points_field) if info.story_points_field else None
    return WorkItem(
        source=source_id,
        key=key,
        title=str(fields.get("summary") or ""),
        url=f"{base_url.rstrip('/')}/browse/{key}",
        state=TrackerState(_category(fields)),
        status=fields["status"]["name"],
        created=_time(fields["created"]),
        updated=_time(fields["updated"]),
        closed=_time(fields.get("resolutiondate")),
        resolution=(fields.get("resolution") or {}).get("name"),
        assignees=(_person(assignee, info.cloud),) if assignee else (),
        labels=tuple(fields.get("labels") or ()),
        due=date.fromisoformat(fields["duedate"]) if fields.get("duedate") else None,
        milestones=tuple(v["name"] for v in fields.get("fixVersions") or ()),
        parent=_parent(fields, info),
        issue_type=(fields.get("issuetype") or {}).get("name"),
        points=None if points is None else float(points),
        estimate_seconds=_seconds(
            tracking.get("originalEstimateSeconds"), fields.get("timeoriginalestimate")
        ),
        remaining_seconds=_seconds(
            tracking.get("remainingEstimateSeconds"), fields.get("timeestimate")
        ),
        spent_seconds=_seconds(tracking.get("timeSpentSeconds"), fields.get("timespent")),
        blocked_by=blocked_by(fields.get("issuelinks")),
        sprint=sprint_name(fields.get(info.sprint_field)) if info.sprint_field else None,
    )


def normalise_version(
    raw: dict[str, Any], source_id: str, base_url: str, project: str
) -> Milestone:
    release = raw.get("releaseDate")
    return Milestone(
        source=source_id,
        title=raw["name"],
        due=date.fromisoformat(release) if release else None,
        closed=bool(raw.get("released")),
        url=f"{base_url.rstrip('/')}/projects/{project}/versions/{raw['id']}",
    )


def parse_marker(value: Any) -> Marker | None:
    """The `delivery-sync` property's value; a JSON text is read too. Extra keys are allowed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return Marker.from_dict(value)


def _marker_of(properties: list[dict[str, Any]]) -> Marker | None:
    for entry in properties:
        if isinstance(entry, dict) and entry.get("key") == PROPERTY:
            return parse_marker(entry.get("value"))
    return None


def normalise_comment(raw: dict[str, Any], cloud: bool) -> Comment:
    author = raw.get("author")
    return Comment(
        id=str(raw["id"]),
        body=raw.get("body") or "",
        author=_person(author, cloud).id if author else "",
        marker=_marker_of(raw.get("properties") or []),
        created=_time(raw.get("created")),
        updated=_time(raw.get("updated")),
    )


# ---- errors ------------------------------------------------------------------------------------


def _classify(exc: Exception, what: str, create: bool) -> TrackerError:
    """One TrackerError for whatever went wrong. Never `str()` a JIRAError: it prints headers."""
    if isinstance(exc, JIRAError) and exc.status_code is not None:
        return _classify_status(exc, what, create)
    if isinstance(exc, requests.JSONDecodeError):
        text = f"{what}: the answer is not JSON"
        return AmbiguousWrite(text) if create else TrackerError(text, retriable=True)
    if isinstance(exc, requests.RequestException):
        return connection_error(exc, what, create)
    if isinstance(exc, JIRAError):
        text = f"{what}: connection failed ({type(exc).__name__})"
        return AmbiguousWrite(text) if create else TrackerError(text, retriable=True)
    raise exc


def _classify_status(exc: JIRAError, what: str, create: bool) -> TrackerError:
    status = int(exc.status_code)
    message = " ".join(str(exc.text or "").split())[:200]
    text = f"{what}: HTTP {status} {message}".rstrip()
    if status in (404, 410):
        return NotFound(text, status=status)
    if status == 429:
        headers = dict(exc.response.headers) if exc.response is not None else {}
        wait = wait_seconds_from_headers(headers, datetime.now(UTC))
        return TrackerError(text, status=status, retriable=True, retry_after=wait)
    if status >= 500:
        if create:
            return AmbiguousWrite(text, status=status)
        return TrackerError(text, status=status, retriable=True)
    return TrackerError(text, status=status)


# ---- the adapter -------------------------------------------------------------------------------


class JiraTracker:
    """One Jira project of the mapping file, on Cloud or Data Center."""

    kind = "jira"
    max_body = wiki.MAX_BODY

    def __init__(
        self,
        source_id: str,
        project: str,
        *,
        url: str,
        auth: JiraAuth,
        deployment: Deployment = "auto",
        source_jql: str | None = None,
        story_points_field: str = "auto",
        info: SiteInfo | None = None,
        timeout: float = 30,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.source_id = source_id
        self.project = project
        self.stats = RequestStats()
        self._base = url.rstrip("/")
        self._rest = f"{self._base}/rest/api/2"
        self._deployment = deployment
        self._source_jql = source_jql
        self._points_setting = story_points_field
        self._sleep = sleep
        # A stored SiteInfo from before the deployment setting changed describes another site.
        stale = info is not None and deployment != "auto" and info.cloud != (deployment == "cloud")
        self._info = None if stale else info
        credentials: dict[str, Any] = (
            {"basic_auth": (auth.user, auth.token.get_secret_value())}
            if isinstance(auth, BasicAuth)
            else {"token_auth": auth.token.get_secret_value()}
        )
        self._client = JIRA(
            server=self._base,
            options={"rest_api_version": "2"},
            get_server_info=False,
            max_retries=0,
            timeout=timeout,
            **credentials,
        )

    # ---- requests ------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Any = None,
        create: bool = False,
    ) -> Any:
        """One REST v2 request under the retry policy; the parsed JSON answer (None if empty)."""

        def attempt() -> Any:
            if method == "GET":
                self.stats.reads += 1
            else:
                self.stats.writes += 1
            try:
                response = self._client._session.request(
                    method,
                    f"{self._rest}/{path}",
                    params=params,
                    data=None if payload is None else json.dumps(payload),
                )
                return response.json() if response.content else None
            except Exception as exc:  # _classify re-raises what it does not know
                raise _classify(exc, what, create) from None

        return call(attempt, what=what, sleep=self._sleep)

    def _get(self, path: str, what: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._send("GET", path, what, params=params)

    # ---- site ----------------------------------------------------------------------------------

    @property
    def info(self) -> SiteInfo:
        """The site as discovered (or as passed in): what the worker should store."""
        if self._info is None:
            return self.discover()
        return self._info

    def discover(self) -> SiteInfo:
        """Read the deployment type (unless configured), the custom fields and our own account."""
        server = (
            self._get("serverInfo", "read the server info") if self._deployment == "auto" else {}
        )
        fields = self._get("field", "list the fields")
        me = self._get("myself", "read our own account")
        try:
            info = site_info(self._deployment, server, fields, me)
        except (KeyError, TypeError, AttributeError) as exc:
            raise TrackerError(f"discover {self._base}: unexpected answer ({exc!r})") from None
        points = story_points_fields(fields, info.cloud)
        if len(points) > 1 and self._points_setting == "auto":
            log.warning(
                "jira.story_points.ambiguous",
                source=self.source_id,
                chosen=points[0],
                candidates=points,
                hint="set story_points_field in the mapping file",
            )
        log.info("jira.discovered", source=self.source_id, **info.to_dict())
        self._info = info
        return info

    def _site(self) -> SiteInfo:
        """The site with the mapping file's story-points setting applied."""
        setting = self._points_setting
        if setting == "auto":
            return self.info
        return replace(self.info, story_points_field=None if setting == "none" else setting)

    # ---- reads ---------------------------------------------------------------------------------

    def _page(self, path: str, what: str, params: Mapping[str, Any]) -> dict[str, Any]:
        page = self._get(path, what, params)
        if not isinstance(page, dict):
            raise TrackerError(f"{what}: the answer is not a page of results")
        return page

    def _search_cloud(self, jql: str, fields: str) -> Iterator[Any]:
        """`/search/jql`, chained by `nextPageToken` until the last page."""
        what = f"search {self.project} issues"
        params: dict[str, Any] = {"jql": jql, "maxResults": PAGE_SIZE, "fields": fields}
        while True:
            page = self._page("search/jql", what, params)
            yield from page.get("issues") or ()
            token = page.get("nextPageToken")
            if not token or page.get("isLast"):
                return
            params = {**params, "nextPageToken": token}

    def _search_server(self, jql: str, fields: str) -> Iterator[Any]:
        """`/search` on Data Center, by `startAt` until `total` is reached."""
        what = f"search {self.project} issues"
        start = 0
        while True:
            params = {"jql": jql, "startAt": start, "maxResults": PAGE_SIZE, "fields": fields}
            page = self._page("search", what, params)
            issues = page.get("issues") or []
            yield from issues
            start += len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return

    def fetch_items(self, since: datetime | None, *, jql: str | None = None) -> Iterator[WorkItem]:
        """Issues updated at or after `since` (all when None), each once.
        `jql` is a selector's filter, ANDed with the project and the source's filter."""
        site = self._site()
        query = search_jql(
            self.project,
            source_jql=self._source_jql,
            selector_jql=jql,
            since=since,
            now=datetime.now(UTC),
            # Data Center pages by offset: an issue updated while we read would move to the end
            # of an `updated` order and shift the one after it out of reach. Keys do not move.
            order="updated ASC" if site.cloud else "key ASC",
        )
        seen: set[str] = set()
        search = self._search_cloud if site.cloud else self._search_server
        items = skip_malformed(
            search(query, search_fields(site)),
            lambda raw: normalise_issue(raw, self.source_id, self._base, site),
            event="item.malformed",
            source=self.source_id,
            name=lambda raw: raw.get("key"),
        )
        for item in items:
            if item.key not in seen:
                seen.add(item.key)
                yield item

    def fetch_milestones(self) -> list[Milestone]:
        """The project's fix versions, in one request."""
        raw_versions = self._get(
            f"project/{self.project}/versions", f"list {self.project} versions"
        )
        return list(
            skip_malformed(
                raw_versions or (),
                lambda raw: normalise_version(raw, self.source_id, self._base, self.project),
                event="milestone.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("name"),
            )
        )

    def site(self) -> dict | None:
        return self._info.to_dict() if self._info is not None else None

    def check_access(self) -> None:
        """Raise TrackerError unless the credentials can read the project."""
        self._get(f"project/{self.project}", f"read project {self.project}")

    def fetch_item(self, issue: str) -> WorkItem | None:
        site = self._site()
        try:
            raw = self._get(f"issue/{issue}", f"get {issue}", {"fields": search_fields(site)})
        except NotFound:
            return None
        return normalise_issue(raw, self.source_id, self._base, site)

    def own_comments(self, issue: str) -> list[Comment]:
        """Comments by our account, with the marker read from their `delivery-sync` property."""
        site = self._site()
        found = []
        for raw in self._comments(issue):
            try:
                comment = normalise_comment(raw, site.cloud)
            except (KeyError, TypeError, ValueError):
                continue
            if comment.author != site.account:
                continue
            if "properties" not in raw:
                # The site ignored expand=properties: ask for our property of our own comments.
                comment = replace(comment, marker=self._property(comment.id))
            found.append(comment)
        return found

    def _comments(self, issue: str) -> Iterator[Any]:
        start = 0
        what = f"list comments of {issue}"
        while True:
            params = {"startAt": start, "maxResults": PAGE_SIZE, "expand": "properties"}
            page = self._page(f"issue/{issue}/comment", what, params)
            comments = page.get("comments") or []
            yield from comments
            start += len(comments)
            if not comments or start >= int(page.get("total") or 0):
                return

    def _property(self, comment_id: str) -> Marker | None:
        what = f"read the marker of comment {comment_id}"
        try:
            raw = self._get(f"comment/{comment_id}/properties/{PROPERTY}", what)
        except NotFound:
            return None
        return parse_marker((raw or {}).get("value"))

    # ---- writes --------------------------------------------------------------------------------

    def body(self, document: Document, marker: Marker) -> str:
        """The wiki-markup body. The marker is a comment property, so it is not in the text."""
        cloud = self._site().cloud
        return fit(document, lambda d: wiki.render(d, cloud=cloud), self.max_body)

    def _check_size(self, body: str, what: str) -> None:
        if len(body) > self.max_body:
            raise TrackerError(f"{what}: {len(body)} characters, Jira takes {self.max_body}")

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment:
        """Post the comment with its marker property in the same request.

        On Data Center the property is also PUT right after, since an older server may ignore
        properties sent with the create. If that PUT fails, the comment exists unmarked and a
        TrackerError says so; the next cycle finds it among our comments by its heading and marks
        it (see `worker.publisher`), instead of posting another.
        """
        what = f"create comment on {issue}"
        self._check_size(body, what)
        site = self._site()
        payload = {"body": body, "properties": [{"key": PROPERTY, "value": marker.to_dict()}]}
        raw = self._send("POST", f"issue/{issue}/comment", what, payload=payload, create=True)
        try:
            created = replace(normalise_comment(raw, site.cloud), marker=marker)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise AmbiguousWrite(f"{what}: the answer does not name the new comment") from None
        if not site.cloud:
            try:
                self.mark_comment(issue, created.id, marker)
            except TrackerError as exc:
                raise TrackerError(
                    f"{what}: comment {created.id} was posted but not marked yet ({exc}); "
                    "the next cycle marks it",
                    status=exc.status,
                ) from None
        return created

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        """Set the marker property on one of our comments."""
        path = f"comment/{comment_id}/properties/{PROPERTY}"
        self._send("PUT", path, f"mark comment {comment_id}", payload=marker.to_dict())

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        """PUT the new body to the issue's comment URL (not the comment's `self`, which on Cloud
        may name api.atlassian.com). The marker property stays as it is."""
        what = f"edit comment {comment_id} on {issue}"
        self._check_size(body, what)
        self._send("PUT", f"issue/{issue}/comment/{comment_id}", what, payload={"body": body})
