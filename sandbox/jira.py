"""The simulated Jira REST API (v2) in Cloud or Data Center mode: issues, JQL search, comments
with properties, fix versions, custom fields, Jira's payload shapes, error shapes and rate limits.

`JiraApp` is mounted by `Sandbox` at `/jira`, the site's base URL (like
`https://acme.atlassian.net`): `JIRA(server=sandbox.jira_url, …)` works. The mode decides what
differs between the two products:

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
    inline comment properties honoured on create and edit            ignored (not verified that
                                                                     Data Center honours them)
    rate limits               X-RateLimit-* headers, 429 when spent  none

Endpoints (under `/rest/api/2`, also `/rest/api/latest`):

    GET        /serverInfo, /myself, /field
    GET POST   /search/jql (Cloud)           jql nextPageToken maxResults fields expand
    POST       /search/approximate-count (Cloud)
    GET POST   /search (Data Center)         jql startAt maxResults fields expand
    GET PUT    /issue/{idOrKey}              fields expand (PUT: {"fields": {…}}, 204)
    GET POST   /issue/{idOrKey}/comment      startAt maxResults orderBy expand=properties
    GET PUT DELETE /issue/{idOrKey}/comment/{id}   PUT: notifyUsers (Cloud) expand
    GET        /comment/{id}/properties
    GET PUT DELETE /comment/{id}/properties/{key}
    GET        /project/{key}, /project/{key}/versions, /version/{id}

and tiny HTML pages at `/`, `/browse/{key}` (no authentication), for manual trials.

Behaviour worth knowing (each pinned by tests/test_sandbox_jira.py):

- Credentials: `JiraApp.email` + `api_token` (Cloud), `pat` (Data Center). Without credentials
  only `serverInfo` answers; everything else is 401 (real Jira answers some reads anonymously).
- `/search/jql` without `fields` (or with `fields=id`) returns `{"id"}` per issue; pages hold at
  most 100 issues when fields are asked for, 5,000 otherwise. A `nextPageToken` is bound to its
  query. `/search` (Data Center) defaults to the navigable fields, `GET /issue` to all of them.
- JQL (`sandbox.jql`) is read in the querying user's time zone, UTC for every sandbox
  user. Values that do not exist (status, version, user, key, …) are 400s, as on Jira. Cloud
  demands a bounded query: here, a positive `project`, `key`, `parent` (or Data Center
  "Epic Link") clause that every OR branch keeps — stricter than Cloud, which also accepts e.g.
  a date restriction. `parent` means the epic or a sub-task's parent on Cloud, only a sub-task's
  parent on Data Center; "Epic Link" exists on Data Center only. Without ORDER BY results come
  by key, newest first; ties in any ORDER BY are broken by issue id.
- Comments: the bot edits and deletes its own comments only (403 otherwise). Creating, editing
  or deleting one moves the issue's `updated`; setting a property does not.
- Faults (`Sandbox.inject`) answer in Jira's error shape; a 429 carries `Retry-After` (10 s
  unless the fault sets one) and, on Cloud, `X-RateLimit-Reset` as `yyyy-MM-ddTHH:mmZ`.
- Jira's own faults, set on the app in-process: `repeat_page_token` (every `/search/jql` page
  offers the first page's token again, so a client that trusts it never stops),
  `ignore_start_at` (`/search` answers the first page whatever `startAt` asks, as a broken
  cache would), `foreign_issues` (keys of other projects' issues added to the first page of
  every search, whatever the JQL says).
- Notifications (`notifications`, `notifications_for`): the e-mails Jira would send about
  comments. Creating one notifies; editing one notifies on Cloud unless the PUT carries
  `notifyUsers=false`, and always on Data Center, whose comment edit has no such parameter (the
  project's notification scheme decides; its default e-mails the watchers).

State is in memory and guarded by one lock; mutations stamp times from the injectable clock.
Search results for one query are cached until the next change. Users are named in seeds and
helpers by their Data Center user name (`dana.lee`); an accountId works too. The helpers
(`add_issue`, `transition`, `comments`, …) act in-process, for tests; they are neither logged
nor rate-limited, and the payloads they return share parts with a cache: read, don't mutate.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sandbox import jql
from sandbox.server import BadJson, Clock, Fault, Request, Response, utc_now

CLOUD, SERVER = "cloud", "server"
EMAIL = "delivery-sync@acme.example"
API_TOKEN = "sandbox-jira-api-token"
PAT = "sandbox-jira-pat"
TIME_ZONE = "UTC"  # every sandbox user's time zone: JQL dates are read in it
MAX_COMMENT = 32_767  # UTF-16 code units: Jira's limit is a Java string length
MAX_PROPERTY = 32_768  # characters of a property value's JSON
CLOUD_PAGE_CAP = 100  # issues per /search/jql page when fields beyond id/key are asked for
CLOUD_ID_PAGE_CAP = 5_000  # … and when only ids or keys are
SERVER_PAGE_CAP = 1_000  # jira.search.views.default.max
FAULT_RETRY_AFTER = 10  # seconds, for an injected 429 that names none
RATE_LIMIT = 65_000  # Cloud: requests per hour (Atlassian counts points; one per request here)
JSON_TYPE = "application/json;charset=UTF-8"
ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A "
    "full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
NO_ISSUE = "Issue does not exist or you do not have permission to see it."
_NEVER = datetime.min.replace(tzinfo=UTC)
SECONDS = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}  # Jira's 8-hour day


class JiraError(Exception):
    """An error answer: the status and Jira's `{"errorMessages": […], "errors": {…}}` body."""

    def __init__(
        self,
        status: int,
        *messages: str,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {' '.join(messages) or dict(errors or {})}")
        self.status = status
        self.payload: Any = {"errorMessages": list(messages), "errors": dict(errors or {})}
        self.headers = dict(headers or {})


# -- the catalogue: what a default Jira Software site has ---------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    key: str
    name: str
    color: str


CATEGORIES = {
    c.key: c
    for c in (
        Category(1, "undefined", "No Category", "medium-gray"),
        Category(2, "new", "To Do", "blue-gray"),
        Category(4, "indeterminate", "In Progress", "yellow"),
        Category(3, "done", "Done", "green"),
    )
}


@dataclass(frozen=True, slots=True)
class Named:
    """A status, issue type, priority, resolution or link type: an id and a name, and more."""

    id: str
    name: str
    description: str = ""
    category: str = ""  # statuses: the status category's key
    subtask: bool = False  # issue types
    level: int = 0  # issue types: the hierarchy level (epic 1, sub-task -1)
    inward: str = ""  # link types
    outward: str = ""


STATUSES = [
    Named("10000", "To Do", "Work that has not been started.", category="new"),
    Named("3", "In Progress", "This issue is being actively worked on.", "indeterminate"),
    Named("10001", "In Review", "Waiting for a code review.", category="indeterminate"),
    Named("10002", "Blocked", "Waiting on something outside the team.", "indeterminate"),
    Named("10003", "Done", "Work has been completed.", category="done"),
]
ISSUE_TYPES = [
    Named("10000", "Epic", "A big user story that needs to be broken down.", level=1),
    Named("10001", "Story", "Functionality or a feature expressed as a user goal."),
    Named("10002", "Task", "A small, distinct piece of work."),
    Named("10004", "Bug", "A problem or error."),
    Named(
        "10003", "Sub-task", "A small piece of work within a larger task.", subtask=True, level=-1
    ),
]
PRIORITIES = [
    Named("1", "Highest", "This problem will block progress."),
    Named("2", "High", "Serious problem that could block progress."),
    Named("3", "Medium", "Has the potential to affect progress."),
    Named("4", "Low", "Minor problem or easily worked around."),
    Named("5", "Lowest", "Trivial problem with little or no impact on progress."),
]
RESOLUTIONS = [
    Named("10000", "Done", "Work has been completed on this issue."),
    Named("10001", "Won't Do", "This issue won't be actioned."),
    Named("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    Named("10003", "Cannot Reproduce", "All attempts at reproducing this issue failed."),
    Named("10004", "Won't Fix", "A fix for this issue will not be made."),
]
LINK_TYPES = [
    Named("10000", "Blocks", inward="is blocked by", outward="blocks"),
    Named("10001", "Cloners", inward="is cloned by", outward="clones"),
    Named("10002", "Duplicate", inward="is duplicated by", outward="duplicates"),
    Named("10003", "Relates", inward="relates to", outward="relates to"),
]


def _by_name(items: list[Named]) -> dict[str, Named]:
    return {item.name.lower(): item for item in items}


_STATUS, _TYPE, _PRIORITY = _by_name(STATUSES), _by_name(ISSUE_TYPES), _by_name(PRIORITIES)
_RESOLUTION, _LINK = _by_name(RESOLUTIONS), _by_name(LINK_TYPES)


@dataclass(frozen=True, slots=True)
class CustomFields:
    """The ids of the custom fields that differ between the modes (`JiraApp.fields`)."""

    story_points: str
    sprint: str
    rank: str
    epic_link: str | None = None  # Data Center
    epic_name: str | None = None  # Data Center
    story_points_unused: str | None = None  # Cloud: "Story Points", defined but never set


CLOUD_FIELDS = CustomFields(
    story_points="customfield_10016",
    sprint="customfield_10020",
    rank="customfield_10019",
    story_points_unused="customfield_10026",
)
SERVER_FIELDS = CustomFields(
    story_points="customfield_10106",
    sprint="customfield_10104",
    rank="customfield_10105",
    epic_link="customfield_10101",
    epic_name="customfield_10103",
)


# -- state --------------------------------------------------------------------------------------


@dataclass(slots=True)
class User:
    name: str  # Data Center user name: the handle seeds and helpers use
    account_id: str  # Cloud
    key: str  # Data Center user key
    display_name: str
    email: str
    active: bool = True


@dataclass(slots=True)
class Version:
    id: int
    project_id: int
    name: str
    description: str | None = None
    released: bool = False
    archived: bool = False
    release_date: date | None = None
    start_date: date | None = None


@dataclass(slots=True)
class Component:
    id: int
    project_id: int
    name: str
    description: str | None = None


@dataclass(slots=True)
class Sprint:
    id: int
    name: str
    state: str  # "future" | "active" | "closed"
    board_id: int = 1
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None
    goal: str = ""


@dataclass(slots=True)
class Project:
    id: int
    key: str
    name: str
    lead: str
    description: str = ""
    versions: dict[int, Version] = field(default_factory=dict)
    components: dict[int, Component] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)  # by number


@dataclass(slots=True)
class Issue:
    id: int
    project: Project
    number: int
    summary: str
    issuetype: str
    status: str
    reporter: str
    created: datetime
    updated: datetime
    status_changed: datetime
    priority: str = "Medium"
    resolution: str | None = None
    resolved: datetime | None = None
    assignee: str | None = None
    description: str | None = None
    labels: list[str] = field(default_factory=list)
    components: list[int] = field(default_factory=list)
    fix_versions: list[int] = field(default_factory=list)
    parent: int | None = None  # the epic, or the parent of a sub-task
    due: date | None = None
    story_points: float | None = None
    sprints: list[int] = field(default_factory=list)
    original_estimate: int | None = None  # seconds
    remaining_estimate: int | None = None
    time_spent: int | None = None
    comment_ids: list[int] = field(default_factory=list)
    link_ids: list[int] = field(default_factory=list)
    deleted: bool = False

    @property
    def key(self) -> str:
        return f"{self.project.key}-{self.number}"


@dataclass(slots=True)
class Comment:
    id: int
    issue: int
    author: str
    body: str
    created: datetime
    updated: datetime
    update_author: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Link:
    id: int
    type: str
    source: int  # the issue that "blocks" (outward)
    target: int  # the issue that "is blocked by" (inward)


@dataclass(frozen=True, slots=True)
class Notification:
    """An e-mail Jira would send the issue's watchers about a comment."""

    issue: str  # the issue key
    event: str  # "comment_created" | "comment_edited"
    comment: int
    at: datetime


@dataclass(slots=True)
class RateLimit:
    """Cloud's limit for the one account: `limit` requests per hour from the first."""

    limit: int = RATE_LIMIT
    used: int = 0
    reset: datetime = _NEVER

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def roll(self, now: datetime) -> None:
        if now >= self.reset:
            self.used, self.reset = 0, now + timedelta(hours=1)

    def headers(self) -> dict[str, str]:
        out = {"x-ratelimit-limit": str(self.limit), "x-ratelimit-remaining": str(self.remaining)}
        if self.remaining < self.limit * 0.2:
            out["x-ratelimit-nearlimit"] = "true"
        return out


@dataclass(frozen=True, slots=True)
class _Selection:
    """Which fields an issue payload carries; `ids_only`: nothing but `{"id"}`."""

    fields: tuple[str, ...]
    ids_only: bool = False


# -- the app ------------------------------------------------------------------------------------

_API = re.compile(r"^/rest/api/(?:2|latest)(/.*?)/?$")
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^{pattern}$"), handler)
    for method, pattern, handler in [
        ("GET", "/serverInfo", "_server_info"),
        ("GET", "/myself", "_myself"),
        ("GET", "/field", "_field_list"),
        ("GET", "/search/jql", "_search_jql"),
        ("POST", "/search/jql", "_search_jql"),
        ("POST", "/search/approximate-count", "_approximate_count"),
        ("GET", "/search", "_search"),
        ("POST", "/search", "_search"),
        ("GET", r"/issue/(?P<ref>[^/]+)", "_get_issue"),
        ("PUT", r"/issue/(?P<ref>[^/]+)", "_edit_issue"),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment", "_list_comments"),
        ("POST", r"/issue/(?P<ref>[^/]+)/comment", "_create_comment"),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "_get_comment"),
        ("PUT", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "_edit_comment"),
        ("DELETE", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", "_delete_comment"),
        ("GET", r"/comment/(?P<cid>\d+)/properties", "_property_keys"),
        ("GET", r"/comment/(?P<cid>\d+)/properties/(?P<pkey>[^/]+)", "_get_property"),
        ("PUT", r"/comment/(?P<cid>\d+)/properties/(?P<pkey>[^/]+)", "_put_property"),
        ("DELETE", r"/comment/(?P<cid>\d+)/properties/(?P<pkey>[^/]+)", "_delete_property"),
        ("GET", r"/project/(?P<ref>[^/]+)", "_get_project"),
        ("GET", r"/project/(?P<ref>[^/]+)/versions", "_project_versions"),
        ("GET", r"/version/(?P<vid>\d+)", "_get_version"),
    ]
]


class JiraApp:
    """The simulated Jira over in-memory state built from a materialised seed section.

    `mode` is "cloud" or "server" (Data Center); `clock` is read on each request and mutation.
    `fields` names the mode's custom field ids; `rate` is Cloud's rate limit (set `rate.used` to
    `rate.limit` to get 429s).
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
        if mode not in (CLOUD, SERVER):
            raise ValueError(f"mode must be {CLOUD!r} or {SERVER!r}, not {mode!r}")
        data = data or {}
        self.mode = mode
        self.cloud = mode == CLOUD
        self.fields = CLOUD_FIELDS if self.cloud else SERVER_FIELDS
        self.clock: Clock = clock or utc_now
        self.lock = threading.RLock()
        self.rate = RateLimit()
        self.rate.roll(self.clock())
        self.users: dict[str, User] = {}  # by lower-case name
        self._by_account: dict[str, User] = {}
        self.projects: dict[str, Project] = {}  # by key
        self.issues_by_id: dict[int, Issue] = {}
        self.comments_by_id: dict[int, Comment] = {}
        self.links_by_id: dict[int, Link] = {}
        self.sprints: dict[int, Sprint] = {}
        self.version = 0  # bumped by every change: search results are cached on it
        self._searches: dict[tuple[Any, ...], list[int]] = {}
        self._subtask_index: tuple[int, dict[int, list[Issue]]] = (-1, {})
        self._ids = {
            kind: itertools.count(start)
            for kind, start in [
                ("comment", 10_000),
                ("link", 10_000),
                ("component", 10_000),
                ("user", 10_100),
                ("request", 1),
            ]
        }
        self._payloads: dict[tuple[Any, ...], Any] = {}
        # Jira's own faults and what Jira would e-mail (see the module docstring).
        self.repeat_page_token = False
        self.ignore_start_at = False
        self.foreign_issues: list[str] = []
        self.notifications: list[Notification] = []
        self._base = "http://127.0.0.1/jira"
        self._jql_fields = self._jql_catalogue()
        self._field_builders = self._builders()
        self._field_defs: list[dict[str, Any]] = self._field_definitions()
        self._load(data)

    def set_base_url(self, url: str) -> None:
        """The site URL payloads built outside a request (by the helpers) point at."""
        self._base = url

    # -- loading --------------------------------------------------------------------------------

    def _load(self, data: Mapping[str, Any]) -> None:
        bot = data.get("bot") or {}
        self.bot = self._add_user(
            bot.get("name", "delivery-sync"),
            bot.get("display_name", "delivery-sync"),
            account_id=bot.get("account_id", "557058:delivery-sync-bot"),
            key=bot.get("key", "JIRAUSER10000"),
            email=bot.get("email", EMAIL),
        ).name
        for raw in data.get("users", ()):
            self._add_user(
                raw["name"],
                raw.get("display_name", raw["name"]),
                account_id=raw.get("account_id"),
                key=raw.get("key"),
                email=raw.get("email"),
            )
        for raw in data.get("sprints", ()):
            self._add_sprint(raw)
        for raw in data.get("projects", ()):
            self._load_project(raw)

    def _load_project(self, raw: Mapping[str, Any]) -> None:
        project = self._new_project(raw["key"], raw["name"], raw.get("lead"), raw.get("id"))
        project.description = raw.get("description", "")
        for c in raw.get("components", ()):
            self._new_component(project, c["name"], c.get("description"))
        for v in raw.get("versions", ()):
            self._new_version(
                project,
                v["name"],
                vid=v.get("id"),
                description=v.get("description"),
                released=v.get("released", False),
                archived=v.get("archived", False),
                release_date=v.get("release_on"),
                start_date=v.get("start_on"),
            )
        issues = raw.get("issues", ())
        for item in issues:
            issue = self._new_issue(project, item, number=int(item["key"].rsplit("-", 1)[1]))
            for c in item.get("comments", ()):
                author = self._user(c["author"]).name
                self._new_comment(issue, author, c["body"], c["created_at"], c.get("updated_at"))
        for item in issues:  # parents and links may point forward
            issue = self._issue_by_ref(item["key"])
            if item.get("parent"):
                issue.parent = self._issue_by_ref(item["parent"]).id
            for link in item.get("links", ()):
                self._new_link(link["type"], issue, self._issue_by_ref(link["outward"]))

    def _add_user(
        self,
        name: str,
        display_name: str,
        *,
        account_id: str | None = None,
        key: str | None = None,
        email: str | None = None,
    ) -> User:
        if name.lower() in self.users:
            return self.users[name.lower()]
        number = next(self._ids["user"])
        user = User(
            name=name,
            account_id=account_id or f"712020:{hashlib.sha256(name.encode()).hexdigest()[:32]}",
            key=key or f"JIRAUSER{number}",
            display_name=display_name or name,
            email=email or f"{name}@acme.example",
        )
        self.users[name.lower()] = user
        self._by_account[user.account_id] = user
        return user

    def _add_sprint(self, raw: Mapping[str, Any]) -> Sprint:
        sprint = Sprint(
            id=raw.get("id") or _fresh(self.sprints, 1),
            name=raw["name"],
            state=raw.get("state", "future"),
            board_id=raw.get("board_id", 1),
            start=raw.get("start_at"),
            end=raw.get("end_at"),
            complete=raw.get("complete_at"),
            goal=raw.get("goal", ""),
        )
        if sprint.state not in ("future", "active", "closed"):
            raise ValueError(f"bad sprint state {sprint.state!r}")
        self.sprints[sprint.id] = sprint
        self._changed()
        return sprint

    def _new_project(
        self, key: str, name: str, lead: str | None, pid: int | None = None
    ) -> Project:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]+", key):
            raise ValueError(f"bad project key {key!r}")
        if key in self.projects:
            raise ValueError(f"project {key} exists")
        pid = pid or _fresh(p.id for p in self.projects.values())
        project = Project(pid, key, name, self._user(lead).name)
        self.projects[key] = project
        self._changed()
        return project

    def _new_component(self, project: Project, name: str, description: str | None) -> Component:
        component = Component(next(self._ids["component"]), project.id, name, description)
        project.components[component.id] = component
        self._changed()
        return component

    def _new_version(
        self, project: Project, name: str, *, vid: int | None = None, **attrs: Any
    ) -> Version:
        if any(v.name.lower() == name.lower() for v in project.versions.values()):
            raise ValueError(f"version {name!r} exists in {project.key}")
        vid = vid or _fresh(v for p in self.projects.values() for v in p.versions)
        version = Version(vid, project.id, name, **attrs)
        project.versions[version.id] = version
        self._changed()
        return version

    def _new_issue(
        self, project: Project, raw: Mapping[str, Any], *, number: int | None = None
    ) -> Issue:
        now = self.clock()
        number = number or max(project.issues, default=0) + 1
        if number in project.issues:
            raise ValueError(f"{project.key}-{number} exists")
        created = raw.get("created_at") or now
        status = _named(_STATUS, raw.get("status", "To Do"), "status").name
        done = _STATUS[status.lower()].category == "done"
        resolution = raw.get("resolution") or ("Done" if done else None)
        resolved = raw.get("resolved_at") or (created if resolution else None)
        updated = raw.get("updated_at") or max(created, resolved or created)
        issue = Issue(
            id=raw.get("id") or _fresh(self.issues_by_id),
            project=project,
            number=number,
            summary=raw["summary"],
            issuetype=_named(_TYPE, raw.get("type", "Task"), "issuetype").name,
            status=status,
            reporter=self._user(raw.get("reporter")).name,
            created=created,
            updated=updated,
            status_changed=raw.get("status_changed_at") or resolved or updated,
            priority=_named(_PRIORITY, raw.get("priority", "Medium"), "priority").name,
            resolution=_named(_RESOLUTION, resolution, "resolution").name if resolution else None,
            resolved=resolved if resolution else None,
            assignee=self._user(raw["assignee"]).name if raw.get("assignee") else None,
            description=raw.get("description"),
            labels=list(dict.fromkeys(raw.get("labels", ()))),
            components=[self._component(project, c).id for c in raw.get("components", ())],
            fix_versions=[self._version(project, v).id for v in raw.get("fix_versions", ())],
            due=raw.get("due_on"),
            story_points=raw.get("story_points"),
            sprints=[self._sprint(s).id for s in raw.get("sprints", ())],
            original_estimate=raw.get("original_estimate"),
            remaining_estimate=raw.get("remaining_estimate"),
            time_spent=raw.get("time_spent"),
        )
        if issue.id in self.issues_by_id:
            raise ValueError(f"issue id {issue.id} exists")
        project.issues[number] = issue
        self.issues_by_id[issue.id] = issue
        self._changed()
        return issue

    def _new_comment(
        self,
        issue: Issue,
        author: str,
        body: str,
        at: datetime | None = None,
        updated: datetime | None = None,
    ) -> Comment:
        at = at or self.clock()
        cid = next(self._ids["comment"])
        comment = Comment(cid, issue.id, author, body, at, updated or at, author)
        self.comments_by_id[cid] = comment
        issue.comment_ids.append(cid)
        self._changed()
        return comment

    def _new_link(self, type_name: str, source: Issue, target: Issue) -> Link:
        link_type = _named(_LINK, type_name, "issuelinktype").name
        link = Link(next(self._ids["link"]), link_type, source.id, target.id)
        self.links_by_id[link.id] = link
        source.link_ids.append(link.id)
        target.link_ids.append(link.id)
        self._changed()
        return link

    def _changed(self) -> None:
        self.version += 1
        self._searches.clear()

    # -- HTTP -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            if request.path == "/" or request.path.startswith("/browse/"):
                return self._web(request)
            now = self.clock()
            if self.cloud:
                self.rate.roll(now)
            match = _API.match(request.path)
            authenticated = self._authenticate(request)
            try:
                if match is None:
                    raise self._no_route(request)
                sub = match.group(1)
                if authenticated is False or (authenticated is None and sub != "/serverInfo"):
                    raise self._unauthenticated(authenticated is None)
                if self.cloud:
                    if self.rate.remaining == 0:
                        raise self._rate_limited(now)
                    self.rate.used += 1
                status, payload = self._route(request, sub)
            except BadJson as exc:
                error = JiraError(400, f"The request body is not valid JSON: {exc}")
                return self._answer(error.status, error.payload)
            except jql.JqlError as exc:
                return self._answer(400, {"errorMessages": [str(exc)], "errors": {}})
            except JiraError as error:
                return self._answer(error.status, error.payload, error.headers)
            return self._answer(status, payload)

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        with self.lock:
            headers: dict[str, str] = {}
            if status == 429:  # Jira's rate-limit headers; Retry-After 10 s unless the fault says
                wait = fault.headers.get("retry-after", str(FAULT_RETRY_AFTER))
                headers = self._rate_limited(self.clock(), wait).headers
            headers |= fault.headers
            payload = fault.body if fault.body is not None else _fault_payload(status)
            response = self._answer(status, payload, headers)
        if isinstance(fault.body, str):  # e.g. the HTML page a proxy sends with a 502
            response.body = fault.body.encode()
            response.headers["content-type"] = "text/html;charset=UTF-8"
        return response

    def _authenticate(self, request: Request) -> bool | None:
        """True for the bot's credentials, None for none, False for wrong ones."""
        header = request.headers.get("authorization", "").strip()
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if self.cloud and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            return decoded == f"{self.email}:{self.api_token}"
        return not self.cloud and scheme.lower() == "bearer" and credentials == self.pat

    def _unauthenticated(self, missing: bool) -> JiraError:
        if self.cloud:
            message = "Client must be authenticated to access this resource."
            return JiraError(401, message, headers={"www-authenticate": 'OAuth realm="jira"'})
        message = "You are not authenticated. Authentication required to perform this operation."
        reason = "AUTHENTICATION_DENIED" if missing else "AUTHENTICATED_FAILED"
        return JiraError(401, message, headers={"x-seraph-loginreason": reason})

    def _rate_limited(self, now: datetime, retry_after: str | None = None) -> JiraError:
        wait = float(retry_after) if retry_after else (self.rate.reset - now).total_seconds()
        wait = max(1, math.ceil(wait))
        reset = now + timedelta(seconds=wait)
        headers = {"retry-after": str(wait)}
        if self.cloud:
            headers |= {
                "x-ratelimit-reset": reset.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
                "x-ratelimit-limit": str(self.rate.limit),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-nearlimit": "true",
                "ratelimit-reason": "jira-quota-global-based",
            }
        else:
            headers |= {
                "x-ratelimit-limit": "100",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-interval-seconds": "60",
                "x-ratelimit-fillrate": "10",
            }
        return JiraError(429, "Rate limit exceeded.", headers=headers)

    def _no_route(self, request: Request) -> JiraError:
        if self.cloud:
            return JiraError(404, f"No endpoint {request.method} {request.path}.")
        error = JiraError(404)
        error.payload = {"message": f"null for uri: {request.base_url}{request.path}"}
        error.payload["status-code"] = 404
        return error

    def _route(self, request: Request, sub: str) -> tuple[int, Any]:
        allowed = False
        for method, pattern, handler in _ROUTES:
            match = pattern.match(sub)
            if match:
                if method != request.method:
                    allowed = True
                    continue
                result = getattr(self, handler)(request, **match.groupdict())
                return result if isinstance(result, tuple) else (200, result)
        if allowed:
            raise JiraError(405, f"Method {request.method} is not allowed here.")
        raise self._no_route(request)

    def _answer(
        self, status: int, payload: Any, extra: Mapping[str, str] | None = None
    ) -> Response:
        headers = {
            "content-type": JSON_TYPE,
            "x-arequestid": f"{next(self._ids['request'])}x{self.version}x1",
            "cache-control": "no-cache, no-store, no-transform",
        }
        if self.cloud:
            headers["x-aaccountid"] = quote(self._user(self.bot).account_id)
            headers |= self.rate.headers()
        headers |= {k.lower(): v for k, v in (extra or {}).items()}
        if payload is None:
            headers.pop("content-type")
            return Response(status, b"", headers)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(status, body, headers)

    # -- handlers: server, user, fields ---------------------------------------------------------

    def _server_info(self, request: Request) -> Any:
        now = _fmt(self.clock())
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

    def _myself(self, request: Request) -> Any:
        out = dict(self._user_json(self._user(self.bot), request.base_url))
        out["emailAddress"] = self._user(self.bot).email
        out["locale"] = "en_US"
        out["groups"] = {"size": 1, "items": []}
        out["applicationRoles"] = {"size": 1, "items": []}
        out["expand"] = "groups,applicationRoles"
        return out

    def _field_list(self, request: Request) -> Any:
        return self._field_defs

    # -- handlers: search -----------------------------------------------------------------------

    def _search_jql(self, request: Request) -> Any:
        if not self.cloud:
            raise self._no_route(request)
        params = _search_params(
            request,
            ("jql", "nextPageToken", "maxResults", "fields", "expand", "properties"),
            ("fieldsByKeys", "reconcileIssues", "failFast"),
        )
        text = params.get("jql") or ""
        size = _int_param(params.get("maxResults"), "maxResults", 50)
        if not 1 <= size <= CLOUD_ID_PAGE_CAP:
            raise JiraError(400, f"maxResults must be between 1 and {CLOUD_ID_PAGE_CAP}.")
        asked = params.get("fields")
        selection = self._selection(asked, "id", ids_only=not asked or asked == ["id"])
        few = selection.ids_only or not selection.fields
        size = min(size, CLOUD_ID_PAGE_CAP if few else CLOUD_PAGE_CAP)
        ids = self._search_ids(text, bounded=True)
        offset = _read_token(params.get("nextPageToken"), text)
        page = ids[offset : offset + size] + (self._foreign_ids() if offset == 0 else [])
        out: dict[str, Any] = {"issues": self._issue_payloads(page, selection, request.base_url)}
        if offset + size < len(ids):
            out["nextPageToken"] = _token(offset + size, text)
        out["isLast"] = offset + size >= len(ids)
        if self.repeat_page_token:
            out |= {"nextPageToken": _token(0, text), "isLast": False}
        return out

    def _approximate_count(self, request: Request) -> Any:
        if not self.cloud:
            raise self._no_route(request)
        params = _search_params(request, ("jql",), ())
        return {"count": len(self._search_ids(params.get("jql") or "", bounded=True))}

    def _search(self, request: Request) -> Any:
        if self.cloud:
            raise JiraError(410, REMOVED_SEARCH)
        params = _search_params(
            request,
            ("jql", "startAt", "maxResults", "fields", "expand", "properties"),
            ("validateQuery", "fieldsByKeys"),
        )
        start = max(_int_param(params.get("startAt"), "startAt", 0), 0)
        start = 0 if self.ignore_start_at else start
        size = _int_param(params.get("maxResults"), "maxResults", 50)
        size = SERVER_PAGE_CAP if size < 0 else min(size, SERVER_PAGE_CAP)
        selection = self._selection(params.get("fields"), "*navigable")
        ids = self._search_ids(params.get("jql") or "", bounded=False)
        page = ids[start : start + size] + (self._foreign_ids() if start == 0 else [])
        return {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(ids),
            "issues": self._issue_payloads(page, selection, request.base_url),
        }

    def _foreign_ids(self) -> list[int]:
        """The issues `foreign_issues` adds to a first search page, whatever the query."""
        return [self._issue_by_ref(key).id for key in self.foreign_issues]

    def _search_ids(self, text: str, *, bounded: bool) -> list[int]:
        """The ids of the issues `text` selects, in its order (cached until the next change)."""
        now = self.clock()
        compiled = jql.compile_query(
            jql.parse(text),
            self._jql_fields.get,
            now=now,
            tz=UTC,
            default_order=(jql.SortKey("key", descending=True),),
        )
        if bounded and not compiled.bounded:
            raise JiraError(400, UNBOUNDED)
        cache_key = (text, self.version, now if compiled.uses_clock else None)
        if cache_key not in self._searches:
            if len(self._searches) > 64:
                self._searches.clear()
            live = (i for i in self.issues_by_id.values() if not i.deleted)
            selected = compiled.order(filter(compiled.matches, live), lambda i: i.id)
            self._searches[cache_key] = [issue.id for issue in selected]
        return self._searches[cache_key]

    def _issue_payloads(
        self, ids: list[int], selection: _Selection, base: str
    ) -> list[dict[str, Any]]:
        return [self._issue_json(self.issues_by_id[i], selection, base) for i in ids]

    def _selection(
        self, asked: list[str] | None, default: str, *, ids_only: bool = False
    ) -> _Selection:
        """The fields a `fields` parameter names: `*all`, `*navigable`, ids, `-id` exclusions;
        unknown ids are ignored, as on Jira."""
        if ids_only:
            return _Selection((), ids_only=True)
        tokens = [t.strip() for raw in (asked or [default]) for t in raw.split(",") if t.strip()]
        wanted: set[str] = set()
        excluded: set[str] = set()
        for token in tokens or [default]:
            if token.startswith("-"):
                excluded.add(token[1:])
            elif token == "*all":
                wanted |= set(self._field_builders)
            elif token == "*navigable":
                wanted |= {f for f in self._field_builders if f not in _NOT_NAVIGABLE}
            else:
                wanted.add(token)
        if excluded and not wanted:
            wanted = {f for f in self._field_builders if f not in _NOT_NAVIGABLE}
        chosen = tuple(f for f in self._field_builders if f in wanted and f not in excluded)
        return _Selection(chosen)

    # -- handlers: issues -----------------------------------------------------------------------

    def _get_issue(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        selection = self._selection(request.query.get("fields"), "*all")
        return self._issue_json(issue, selection, request.base_url)

    def _edit_issue(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        raw = request.json()
        if not isinstance(raw, dict) or not isinstance(raw.get("fields", {}), dict):
            raise JiraError(400, "The request body must be a JSON object with 'fields'.")
        if set(raw) - {"fields"}:
            unsupported = ", ".join(sorted(set(raw) - {"fields"}))
            raise JiraError(
                400, f"The sandbox supports only 'fields' in an edit, not {unsupported}."
            )
        changes = self._field_changes(issue, raw.get("fields", {}))
        try:
            self._apply(issue, changes, self.clock())
        except (LookupError, ValueError) as exc:
            raise JiraError(400, str(exc).strip("'\"")) from None
        return 204, None

    def _field_changes(self, issue: Issue, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Edit-screen fields (REST names and shapes) as keyword changes for `_apply`."""
        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        cf = self.fields
        for name, value in fields.items():
            try:
                if name in ("summary", "description"):
                    if name == "summary" and not (isinstance(value, str) and value.strip()):
                        raise ValueError("You must specify a summary of the issue.")
                    out[name] = value
                elif name == "labels":
                    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                        raise ValueError("Labels must be a list of strings.")
                    if any(" " in v for v in value):
                        raise ValueError("The label must not contain spaces.")
                    out["labels"] = value
                elif name == "duedate":
                    out["due"] = date.fromisoformat(value) if value else None
                elif name in ("assignee", "reporter"):
                    out[name] = self._user_from_json(value)
                elif name == "priority":
                    out["priority"] = _ref_name(value)
                elif name in ("fixVersions", "components"):
                    key = "fix_versions" if name == "fixVersions" else "components"
                    out[key] = [_ref_name(v) for v in value or []]
                elif name == "parent" and self.cloud:
                    out["parent"] = _ref_name(value, "key") if value else None
                elif name == cf.epic_link:
                    out["parent"] = value or None
                elif name in (cf.story_points, cf.story_points_unused):
                    if name == cf.story_points_unused and value is not None:
                        raise ValueError("The sandbox keeps story points in " + cf.story_points)
                    out["story_points"] = None if value is None else float(value)
                elif name == cf.sprint:
                    out["sprints"] = [] if value is None else [int(value)]
                elif name == "timetracking":
                    out |= {
                        attr: _duration_seconds(value[source])
                        for source, attr in (
                            ("originalEstimate", "original_estimate"),
                            ("remainingEstimate", "remaining_estimate"),
                        )
                        if source in value
                    }
                else:
                    raise ValueError(
                        f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                        "or unknown."
                    )
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                errors[name] = str(exc) or f"Invalid value for {name}."
        if errors:
            raise JiraError(400, errors=errors)
        return out

    def _apply(self, issue: Issue, changes: Mapping[str, Any], at: datetime) -> bool:
        """Change an issue; `updated` moves only when something changed. Unknown keys raise."""
        before = _snapshot(issue)
        project = issue.project
        for name, value in changes.items():
            if name in ("summary", "description", "due", "story_points"):
                setattr(issue, name, value)
            elif name in ("original_estimate", "remaining_estimate", "time_spent"):
                setattr(issue, name, None if value is None else int(value))
            elif name == "labels":
                issue.labels = list(dict.fromkeys(value))
            elif name in ("assignee", "reporter"):
                setattr(issue, name, self._user(value).name if value else None)
            elif name == "priority":
                issue.priority = _named(_PRIORITY, value, "priority").name
            elif name == "issuetype":
                issue.issuetype = _named(_TYPE, value, "issuetype").name
            elif name == "fix_versions":
                issue.fix_versions = [self._version(project, v).id for v in value]
            elif name == "components":
                issue.components = [self._component(project, c).id for c in value]
            elif name == "sprints":
                issue.sprints = [self._sprint(s).id for s in value]
            elif name == "parent":
                issue.parent = self._issue_by_ref(value).id if value else None
            else:
                raise TypeError(f"unknown issue field {name!r}")
        changed = _snapshot(issue) != before
        if changed:
            issue.updated = at
            self._changed()
        return changed

    def _issue_or_404(self, ref: str) -> Issue:
        try:
            return self._issue_by_ref(ref)
        except LookupError:
            raise JiraError(404, NO_ISSUE) from None

    # -- handlers: comments ---------------------------------------------------------------------

    def _list_comments(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        start = max(_int_param(request.param("startAt"), "startAt", 0), 0)
        size = _int_param(request.param("maxResults"), "maxResults", 5000)
        size = 5000 if size < 0 else min(size, 5000)
        order = request.param("orderBy") or "created"
        if order.lstrip("+-") != "created":
            raise JiraError(400, f"Ordering by '{order}' is not supported.")
        comments = [self.comments_by_id[cid] for cid in issue.comment_ids]
        comments.sort(key=lambda c: (c.created, c.id), reverse=order.startswith("-"))
        with_properties = "properties" in _expand(request.param("expand"))
        page = comments[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(comments),
            "comments": [
                self._comment_json(c, request.base_url, properties=with_properties) for c in page
            ],
        }

    def _create_comment(self, request: Request, ref: str) -> Any:
        issue = self._issue_or_404(ref)
        raw = request.json()
        body = _comment_body(raw)
        properties = self._inline_properties(raw)
        comment = self._new_comment(issue, self.bot, body)
        comment.properties.update(properties)
        issue.updated = comment.created  # a new comment bumps the issue
        self._notify(issue, "comment_created", comment)
        return 201, self._comment_json(comment, request.base_url)

    def _comment_for(self, issue: Issue, cid: str) -> Comment:
        comment = self.comments_by_id.get(int(cid))
        if comment is None or comment.issue != issue.id:
            raise JiraError(404, f"Can not find a comment for the id: {cid}.")
        return comment

    def _get_comment(self, request: Request, ref: str, cid: str) -> Any:
        comment = self._comment_for(self._issue_or_404(ref), cid)
        with_properties = "properties" in _expand(request.param("expand"))
        return self._comment_json(comment, request.base_url, properties=with_properties)

    def _edit_comment(self, request: Request, ref: str, cid: str) -> Any:
        issue = self._issue_or_404(ref)
        comment = self._comment_for(issue, cid)
        self._check_own(comment, "edit")
        raw = request.json()
        body = _comment_body(raw)
        properties = self._inline_properties(raw)
        now = self.clock()
        comment.body, comment.updated, comment.update_author = body, now, self.bot
        comment.properties.update(properties)
        issue.updated = now
        self._changed()
        # Cloud honours notifyUsers=false; Data Center's comment edit has no such parameter.
        quiet = self.cloud and (request.param("notifyUsers") or "").lower() == "false"
        if not quiet:
            self._notify(issue, "comment_edited", comment)
        return self._comment_json(comment, request.base_url)

    def _notify(self, issue: Issue, event: str, comment: Comment) -> None:
        self.notifications.append(Notification(issue.key, event, comment.id, self.clock()))

    def _delete_comment(self, request: Request, ref: str, cid: str) -> Any:
        issue = self._issue_or_404(ref)
        comment = self._comment_for(issue, cid)
        self._check_own(comment, "delete")
        self._remove_comment(comment)
        issue.updated = self.clock()
        return 204, None

    def _check_own(self, comment: Comment, verb: str) -> None:
        """The bot may edit and delete its own comments only (Edit/Delete Own Comments)."""
        if comment.author != self.bot:
            raise JiraError(403, f"You do not have the permission to {verb} this comment.")

    def _remove_comment(self, comment: Comment) -> None:
        del self.comments_by_id[comment.id]
        self.issues_by_id[comment.issue].comment_ids.remove(comment.id)
        self._changed()

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

    # -- handlers: comment properties -----------------------------------------------------------

    def _comment_by_id(self, cid: str) -> Comment:
        comment = self.comments_by_id.get(int(cid))
        if comment is None:
            raise JiraError(404, f"Can not find a comment for the id: {cid}.")
        return comment

    def _property_keys(self, request: Request, cid: str) -> Any:
        comment = self._comment_by_id(cid)
        url = f"{request.base_url}/rest/api/2/comment/{comment.id}/properties"
        return {"keys": [{"self": f"{url}/{quote(k)}", "key": k} for k in comment.properties]}

    def _get_property(self, request: Request, cid: str, pkey: str) -> Any:
        comment = self._comment_by_id(cid)
        if pkey not in comment.properties:
            raise JiraError(404, f"The property with key '{pkey}' does not exist.")
        return {"key": pkey, "value": comment.properties[pkey]}

    def _put_property(self, request: Request, cid: str, pkey: str) -> Any:
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
        self._changed()
        return (201 if created else 200), None

    def _delete_property(self, request: Request, cid: str, pkey: str) -> Any:
        comment = self._comment_by_id(cid)
        if pkey not in comment.properties:
            raise JiraError(404, f"The property with key '{pkey}' does not exist.")
        del comment.properties[pkey]
        self._changed()
        return 204, None

    # -- handlers: projects and versions --------------------------------------------------------

    def _project_or_404(self, ref: str) -> Project:
        for project in self.projects.values():
            if ref.upper() == project.key or ref == str(project.id):
                return project
        raise JiraError(404, f"No project could be found with key '{ref}'.")

    def _get_project(self, request: Request, ref: str) -> Any:
        project = self._project_or_404(ref)
        base = request.base_url
        out = dict(self._project_json(project, base))
        out |= {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "description": project.description,
            "lead": self._user_json(self._user(project.lead), base),
            "components": [self._component_json(c, base) for c in project.components.values()],
            "issueTypes": [self._type_json(t.name, base) for t in ISSUE_TYPES],
            "assigneeType": "UNASSIGNED",
            "versions": [self._version_json(v, base, full=True) for v in project.versions.values()],
            "roles": {},
            "archived": False,
        }
        if self.cloud:
            out |= {"style": "classic", "isPrivate": False, "properties": {}}
        return out

    def _project_versions(self, request: Request, ref: str) -> Any:
        project = self._project_or_404(ref)
        return [
            self._version_json(v, request.base_url, full=True) for v in project.versions.values()
        ]

    def _get_version(self, request: Request, vid: str) -> Any:
        for project in self.projects.values():
            if int(vid) in project.versions:
                return self._version_json(project.versions[int(vid)], request.base_url, full=True)
        raise JiraError(404, f"Could not find version for id '{vid}'")

    # -- payloads -------------------------------------------------------------------------------

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        if key not in self._payloads:
            self._payloads[key] = build()
        return self._payloads[key]

    def _user_json(self, user: User, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            avatar = f"{base}/secure/useravatar?ownerId={quote(user.key)}"
            avatars = {f"{n}x{n}": f"{avatar}&size={n}" for n in (48, 24, 16, 32)}
            if self.cloud:
                return {
                    "self": f"{base}/rest/api/2/user?accountId={quote(user.account_id)}",
                    "accountId": user.account_id,
                    "avatarUrls": avatars,
                    "displayName": user.display_name,
                    "active": user.active,
                    "timeZone": TIME_ZONE,
                    "accountType": "atlassian",
                }
            return {
                "self": f"{base}/rest/api/2/user?username={quote(user.name)}",
                "name": user.name,
                "key": user.key,
                "emailAddress": user.email,
                "avatarUrls": avatars,
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": TIME_ZONE,
            }

        return self._cached(("user", user.name, base), build)

    def _maybe_user(self, name: str | None, base: str) -> dict[str, Any] | None:
        return self._user_json(self._user(name), base) if name else None

    def _status_json(self, name: str, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            status = _STATUS[name.lower()]
            category = CATEGORIES[status.category]
            return {
                "self": f"{base}/rest/api/2/status/{status.id}",
                "description": status.description,
                "iconUrl": f"{base}/images/icons/statuses/generic.png",
                "name": status.name,
                "id": status.id,
                "statusCategory": {
                    "self": f"{base}/rest/api/2/statuscategory/{category.id}",
                    "id": category.id,
                    "key": category.key,
                    "colorName": category.color,
                    "name": category.name,
                },
            }

        return self._cached(("status", name, base), build)

    def _type_json(self, name: str, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            t = _TYPE[name.lower()]
            out = {
                "self": f"{base}/rest/api/2/issuetype/{t.id}",
                "id": t.id,
                "description": t.description,
                "iconUrl": f"{base}/images/icons/issuetypes/{t.name.lower()}.svg",
                "name": t.name,
                "subtask": t.subtask,
            }
            if self.cloud:
                out |= {"avatarId": 10300 + int(t.id) % 100, "hierarchyLevel": t.level}
            return out

        return self._cached(("type", name, base), build)

    def _named_json(self, kind: str, item: Named, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            out = {"self": f"{base}/rest/api/2/{kind}/{item.id}", "id": item.id}
            if kind == "priority":
                out["iconUrl"] = f"{base}/images/icons/priorities/{item.name.lower()}.svg"
            else:
                out["description"] = item.description
            out["name"] = item.name
            return out

        return self._cached((kind, item.id, base), build)

    def _project_json(self, project: Project, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            avatar = f"{base}/secure/projectavatar?pid={project.id}"
            out = {
                "self": f"{base}/rest/api/2/project/{project.id}",
                "id": str(project.id),
                "key": project.key,
                "name": project.name,
                "projectTypeKey": "software",
                "avatarUrls": {f"{n}x{n}": f"{avatar}&size={n}" for n in (48, 24, 16, 32)},
            }
            if self.cloud:
                out["simplified"] = False
            return out

        return self._cached(("project", project.id, project.name, base), build)

    def _version_json(self, v: Version, base: str, *, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"self": f"{base}/rest/api/2/version/{v.id}", "id": str(v.id)}
        if v.description:
            out["description"] = v.description
        out |= {"name": v.name, "archived": v.archived, "released": v.released}
        if v.start_date:
            out["startDate"] = v.start_date.isoformat()
        if v.release_date:
            out["releaseDate"] = v.release_date.isoformat()
        if full:
            today = self.clock().astimezone(UTC).date()
            if v.release_date and not v.released:
                out["overdue"] = v.release_date < today
            if v.start_date:
                out["userStartDate"] = _user_date(v.start_date)
            if v.release_date:
                out["userReleaseDate"] = _user_date(v.release_date)
            out["projectId"] = v.project_id
        return out

    def _component_json(self, c: Component, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {"self": f"{base}/rest/api/2/component/{c.id}", "id": str(c.id)}
        out["name"] = c.name
        if c.description:
            out["description"] = c.description
        return out

    def _sprint_json(self, sprint: Sprint) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": sprint.id,
            "name": sprint.name,
            "state": sprint.state,
            "boardId": sprint.board_id,
            "goal": sprint.goal,
        }
        for key, value in (
            ("startDate", sprint.start),
            ("endDate", sprint.end),
            ("completeDate", sprint.complete),
        ):
            if value is not None:
                out[key] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return out

    def _brief_issue(self, issue: Issue, base: str) -> dict[str, Any]:
        """An issue as links, parents and sub-tasks show it."""
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{base}/rest/api/2/issue/{issue.id}",
            "fields": {
                "summary": issue.summary,
                "status": self._status_json(issue.status, base),
                "priority": self._named_json("priority", _PRIORITY[issue.priority.lower()], base),
                "issuetype": self._type_json(issue.issuetype, base),
            },
        }

    def _issue_json(self, issue: Issue, selection: _Selection, base: str) -> dict[str, Any]:
        if selection.ids_only:
            return {"id": str(issue.id)}
        out: dict[str, Any] = {
            "expand": ISSUE_EXPAND,
            "id": str(issue.id),
            "self": f"{base}/rest/api/2/issue/{issue.id}",
            "key": issue.key,
        }
        if selection.fields:
            fields: dict[str, Any] = {}
            for name in selection.fields:
                value = self._field_builders[name](issue, base)
                if value is not _ABSENT:
                    fields[name] = value
            out["fields"] = fields
        return out

    def _comment_json(
        self, comment: Comment, base: str, *, properties: bool = False
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "self": f"{base}/rest/api/2/issue/{comment.issue}/comment/{comment.id}",
            "id": str(comment.id),
            "author": self._user_json(self._user(comment.author), base),
            "body": comment.body,
            "updateAuthor": self._user_json(self._user(comment.update_author), base),
            "created": _fmt(comment.created),
            "updated": _fmt(comment.updated),
        }
        if self.cloud:
            out["jsdPublic"] = True
        if properties:
            out["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
        return out

    def _link_json(self, link: Link, issue: Issue, base: str) -> dict[str, Any]:
        t = _LINK[link.type.lower()]
        out: dict[str, Any] = {
            "id": str(link.id),
            "self": f"{base}/rest/api/2/issueLink/{link.id}",
            "type": {
                "id": t.id,
                "name": t.name,
                "inward": t.inward,
                "outward": t.outward,
                "self": f"{base}/rest/api/2/issueLinkType/{t.id}",
            },
        }
        if link.source == issue.id:
            out["outwardIssue"] = self._brief_issue(self.issues_by_id[link.target], base)
        else:
            out["inwardIssue"] = self._brief_issue(self.issues_by_id[link.source], base)
        return out

    def _is_subtask(self, issue: Issue) -> bool:
        return _TYPE[issue.issuetype.lower()].subtask

    def _epic_of(self, issue: Issue) -> Issue | None:
        """The epic an issue belongs to (never for a sub-task: its parent is an issue)."""
        if issue.parent is None or self._is_subtask(issue):
            return None
        parent = self.issues_by_id[issue.parent]
        return parent if parent.issuetype == "Epic" else None

    def _visible_parent(self, issue: Issue) -> Issue | None:
        """The issue `fields.parent` shows: Cloud any parent, Data Center a sub-task's only."""
        if issue.parent is None or (not self.cloud and not self._is_subtask(issue)):
            return None
        return self.issues_by_id[issue.parent]

    def _subtasks(self, issue: Issue) -> list[Issue]:
        """The issue's live sub-tasks (indexed once per state version: pages stay linear)."""
        if self._subtask_index[0] != self.version:
            index: dict[int, list[Issue]] = {}
            for i in self.issues_by_id.values():
                if i.parent is not None and not i.deleted and self._is_subtask(i):
                    index.setdefault(i.parent, []).append(i)
            self._subtask_index = (self.version, index)
        return self._subtask_index[1].get(issue.id, [])

    def _aggregate(self, issue: Issue, attr: str) -> int | None:
        values = [getattr(i, attr) for i in (issue, *self._subtasks(issue))]
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    def _builders(self) -> dict[str, Callable[[Issue, str], Any]]:
        """Field id → payload value, in the order payloads list them."""
        cf = self.fields

        def progress(issue: Issue, aggregate: bool) -> dict[str, int]:
            spent = (self._aggregate if aggregate else _own)(issue, "time_spent") or 0
            left = (self._aggregate if aggregate else _own)(issue, "remaining_estimate") or 0
            out = {"progress": spent, "total": spent + left}
            if spent + left:
                out["percent"] = round(100 * spent / (spent + left))
            return out

        def workratio(issue: Issue) -> int:
            if not issue.original_estimate:
                return -1
            return round(100 * (issue.time_spent or 0) / issue.original_estimate)

        def comment_page(issue: Issue, base: str) -> dict[str, Any]:
            comments = [self.comments_by_id[c] for c in issue.comment_ids]
            out: dict[str, Any] = {"comments": [self._comment_json(c, base) for c in comments]}
            if self.cloud:
                out["self"] = f"{base}/rest/api/2/issue/{issue.id}/comment"
            return out | {"maxResults": len(comments), "total": len(comments), "startAt": 0}

        def parent(issue: Issue, base: str) -> Any:
            shown = self._visible_parent(issue)
            return self._brief_issue(shown, base) if shown else _ABSENT

        def sprints(issue: Issue, base: str) -> Any:
            return [self._sprint_json(self.sprints[s]) for s in issue.sprints] or None

        builders: dict[str, Callable[[Issue, str], Any]] = {
            "summary": lambda i, b: i.summary,
            "issuetype": lambda i, b: self._type_json(i.issuetype, b),
            "parent": parent,
            "project": lambda i, b: self._project_json(i.project, b),
            "fixVersions": lambda i, b: [
                self._version_json(i.project.versions[v], b) for v in i.fix_versions
            ],
            "resolution": lambda i, b: (
                self._named_json("resolution", _RESOLUTION[i.resolution.lower()], b)
                if i.resolution
                else None
            ),
            "resolutiondate": lambda i, b: _fmt(i.resolved),
            "workratio": lambda i, b: workratio(i),
            "lastViewed": lambda i, b: None,
            "watches": lambda i, b: {
                "self": f"{b}/rest/api/2/issue/{i.key}/watchers",
                "watchCount": 1,
                "isWatching": False,
            },
            "created": lambda i, b: _fmt(i.created),
            "priority": lambda i, b: self._named_json("priority", _PRIORITY[i.priority.lower()], b),
            "labels": lambda i, b: list(i.labels),
            "timeestimate": lambda i, b: i.remaining_estimate,
            "aggregatetimeoriginalestimate": lambda i, b: self._aggregate(i, "original_estimate"),
            "versions": lambda i, b: [],
            "issuelinks": lambda i, b: [
                self._link_json(self.links_by_id[lid], i, b) for lid in i.link_ids
            ],
            "assignee": lambda i, b: self._maybe_user(i.assignee, b),
            "updated": lambda i, b: _fmt(i.updated),
            "status": lambda i, b: self._status_json(i.status, b),
            "components": lambda i, b: [
                self._component_json(i.project.components[c], b) for c in i.components
            ],
            "timeoriginalestimate": lambda i, b: i.original_estimate,
            "description": lambda i, b: i.description,
            "timetracking": lambda i, b: _timetracking(i),
            "aggregatetimeestimate": lambda i, b: self._aggregate(i, "remaining_estimate"),
            "creator": lambda i, b: self._maybe_user(i.reporter, b),
            "subtasks": lambda i, b: [self._brief_issue(s, b) for s in self._subtasks(i)],
            "reporter": lambda i, b: self._maybe_user(i.reporter, b),
            "aggregateprogress": lambda i, b: progress(i, True),
            "environment": lambda i, b: None,
            "duedate": lambda i, b: i.due.isoformat() if i.due else None,
            "progress": lambda i, b: progress(i, False),
            "comment": comment_page,
            "votes": lambda i, b: {
                "self": f"{b}/rest/api/2/issue/{i.key}/votes",
                "votes": 0,
                "hasVoted": False,
            },
            "timespent": lambda i, b: i.time_spent,
            "aggregatetimespent": lambda i, b: self._aggregate(i, "time_spent"),
            cf.story_points: lambda i, b: i.story_points,
            cf.sprint: sprints,
            cf.rank: lambda i, b: f"0|i{i.id:05x}:",
        }
        if self.cloud:
            builders["statuscategorychangedate"] = lambda i, b: _fmt(i.status_changed)
            builders["statusCategory"] = lambda i, b: self._status_json(i.status, b)[
                "statusCategory"
            ]
            builders["customfield_10015"] = lambda i, b: None  # Start date
            if cf.story_points_unused:
                builders[cf.story_points_unused] = lambda i, b: None
        else:
            assert cf.epic_link and cf.epic_name

            def epic_link(issue: Issue, base: str) -> str | None:
                epic = self._epic_of(issue)
                return epic.key if epic else None

            builders[cf.epic_link] = epic_link
            builders[cf.epic_name] = lambda i, b: i.summary if i.issuetype == "Epic" else None
        return builders

    def _field_definitions(self) -> list[dict[str, Any]]:
        """What `GET /field` lists: every field the builders know, with Jira's schemas."""
        cf = self.fields
        system = {
            "issuekey": ("Key", None, ["id", "issue", "issuekey", "key"]),
            "summary": ("Summary", "string", ["summary"]),
            "issuetype": ("Issue Type", "issuetype", ["issuetype", "type"]),
            "parent": ("Parent", None, ["parent"]),
            "project": ("Project", "project", ["project"]),
            "fixVersions": ("Fix versions", ("array", "version"), ["fixVersion"]),
            "resolution": ("Resolution", "resolution", ["resolution"]),
            "resolutiondate": ("Resolved", "datetime", ["resolutiondate", "resolved"]),
            "workratio": ("Work Ratio", "number", ["workratio"]),
            "lastViewed": ("Last Viewed", "datetime", ["lastViewed"]),
            "watches": ("Watchers", "watches", ["watchers"]),
            "created": ("Created", "datetime", ["created", "createdDate"]),
            "priority": ("Priority", "priority", ["priority"]),
            "labels": ("Labels", ("array", "string"), ["labels"]),
            "timeestimate": ("Remaining Estimate", "number", ["remainingEstimate", "timeestimate"]),
            "aggregatetimeoriginalestimate": ("Σ Original Estimate", "number", []),
            "versions": ("Affects versions", ("array", "version"), ["affectedVersion"]),
            "issuelinks": ("Linked Issues", ("array", "issuelinks"), ["issueLink"]),
            "assignee": ("Assignee", "user", ["assignee"]),
            "updated": ("Updated", "datetime", ["updated", "updatedDate"]),
            "status": ("Status", "status", ["status"]),
            "components": ("Components", ("array", "component"), ["component"]),
            "timeoriginalestimate": (
                "Original Estimate", "number", ["originalEstimate", "timeoriginalestimate"],
            ),
            "description": ("Description", "string", ["description"]),
            "timetracking": ("Time tracking", "timetracking", []),
            "aggregatetimeestimate": ("Σ Remaining Estimate", "number", []),
            "creator": ("Creator", "user", ["creator"]),
            "subtasks": ("Sub-tasks", ("array", "issuelinks"), ["subtasks"]),
            "reporter": ("Reporter", "user", ["reporter"]),
            "aggregateprogress": ("Σ Progress", "progress", []),
            "environment": ("Environment", "string", ["environment"]),
            "duedate": ("Due date", "date", ["due", "duedate"]),
            "progress": ("Progress", "progress", ["progress"]),
            "comment": ("Comment", "comments-page", ["comment"]),
            "votes": ("Votes", "votes", ["votes"]),
            "timespent": ("Time Spent", "number", ["timespent"]),
            "aggregatetimespent": ("Σ Time Spent", "number", []),
            "statuscategorychangedate": (
                "Status Category Changed", "datetime", ["statusCategoryChangedDate"],
            ),
            "statusCategory": ("Status Category", "statusCategory", ["statusCategory"]),
        }  # fmt: skip
        gh = "com.pyxis.greenhopper.jira:"
        plugin = "com.atlassian.jira.plugin.system.customfieldtypes:"
        custom = {
            cf.story_points: (
                "Story point estimate" if self.cloud else "Story Points",
                "number",
                gh + "jsw-story-points" if self.cloud else plugin + "float",
            ),
            cf.sprint: ("Sprint", ("array", "json"), gh + "gh-sprint"),
            cf.rank: ("Rank", "any", gh + "gh-lexo-rank"),
        }
        if self.cloud:
            custom["customfield_10015"] = ("Start date", "date", plugin + "datepicker")
            assert cf.story_points_unused
            custom[cf.story_points_unused] = ("Story Points", "number", plugin + "float")
        else:
            assert cf.epic_link and cf.epic_name
            custom[cf.epic_link] = ("Epic Link", "any", gh + "gh-epic-link")
            custom[cf.epic_name] = ("Epic Name", "string", gh + "gh-epic-label")
        out = []
        for fid, (name, schema, clauses) in system.items():
            if fid not in self._field_builders and fid != "issuekey":
                continue
            entry: dict[str, Any] = {"id": fid, "name": name, "custom": False}
            entry |= {
                "orderable": fid not in _NOT_ORDERABLE,
                "navigable": fid not in _NOT_NAVIGABLE,
            }
            entry |= {"searchable": bool(clauses), "clauseNames": clauses}
            if self.cloud:
                entry["key"] = fid
            if schema:
                kind, items = schema if isinstance(schema, tuple) else (schema, None)
                entry["schema"] = {"type": kind, **({"items": items} if items else {})}
                entry["schema"]["system"] = fid
            out.append(entry)
        for fid, (name, schema, custom_type) in custom.items():
            number = int(fid.removeprefix("customfield_"))
            kind, items = schema if isinstance(schema, tuple) else (schema, None)
            entry = {"id": fid, "name": name, "custom": True, "orderable": True}
            entry |= {"navigable": True, "searchable": True}
            entry["clauseNames"] = [f"cf[{number}]", name]
            entry["schema"] = {"type": kind, **({"items": items} if items else {})}
            entry["schema"] |= {"custom": custom_type, "customId": number}
            if self.cloud:
                entry |= {"key": fid, "untranslatedName": name}
            out.append(entry)
        return out

    # -- JQL ------------------------------------------------------------------------------------

    def _jql_catalogue(self) -> dict[str, jql.FieldSpec]:
        """JQL clause names (lower-case) → what they mean in this mode."""
        cf = self.fields
        fixed = frozenset({"=", "!=", "in", "not in"})
        ordered = jql.EQUALITY | jql.ORDERING

        def named(name: str, table: dict[str, Named]) -> Callable[[jql.Value], list[str]]:
            def resolve(value: jql.Value) -> list[str]:
                text = _literal(value, name)
                found = table.get(text.lower()) or next(
                    (item for item in table.values() if item.id == text), None
                )
                if found is None:
                    raise _no_value(text, name)
                return [found.name]

            return resolve

        def users(name: str, attr: str) -> jql.FieldSpec:
            def resolve(value: jql.Value) -> list[str]:
                if isinstance(value, jql.Function):
                    if value.name == "currentuser" and not value.args:
                        return [self.bot]
                    raise jql.JqlError(f"{jql.PREFIX}Unable to find JQL function '{value}'.")
                text = _literal(value, name)
                for user in self.users.values():
                    ids = (user.account_id, user.email) if self.cloud else (user.name, user.key)
                    if text in ids or (not self.cloud and text.lower() == user.name.lower()):
                        return [user.name]
                raise _no_value(text, name)

            def sort(issue: Issue) -> str | None:
                who = getattr(issue, attr)
                return self._user(who).display_name if who else None

            return jql.FieldSpec(
                name,
                "set",
                lambda i: (getattr(i, attr),) if getattr(i, attr) else (),
                jql.EQUALITY,
                resolve,
                sort,
            )

        def issue_refs(name: str, values: Callable[[Issue], tuple[int, ...]], **kw: Any) -> Any:
            def resolve(value: jql.Value) -> list[int]:
                text = _literal(value, name)
                try:
                    return [self._issue_by_ref(text).id]
                except LookupError:
                    raise jql.JqlError(
                        f"An issue with key '{text}' does not exist for field '{name}'."
                    ) from None

            return jql.FieldSpec(name, "set", values, resolve=resolve, bounding=True, **kw)

        def key_sort(issue: Issue) -> tuple[str, int]:
            return (issue.project.key, issue.number)

        def project_resolve(value: jql.Value) -> list[int]:
            text = _literal(value, "project")
            for project in self.projects.values():
                if text.upper() == project.key or text.lower() == project.name.lower():
                    return [project.id]
                if text == str(project.id):
                    return [project.id]
            raise _no_value(text, "project")

        def category_resolve(value: jql.Value) -> list[str]:
            text = _literal(value, "statusCategory")
            for category in CATEGORIES.values():
                if text.lower() in (category.key, category.name.lower()) or text == str(
                    category.id
                ):
                    return [category.key]
            raise _no_value(text, "statusCategory")

        def resolution_resolve(value: jql.Value) -> list[Any]:
            text = _literal(value, "resolution")
            if text.lower() == "unresolved":
                return [jql.Empty()]
            found = _RESOLUTION.get(text.lower()) or next(
                (r for r in RESOLUTIONS if r.id == text), None
            )
            if found is None:
                raise _no_value(text, "resolution")
            return [found.name]

        def version_resolve(value: jql.Value) -> list[int]:
            projects = self.projects.values()
            if isinstance(value, jql.Function):
                if value.name in ("releasedversions", "unreleasedversions"):
                    wanted = value.name == "releasedversions"
                    keys = {a.upper() for a in value.args}
                    return [
                        v.id
                        for p in projects
                        if not keys or p.key in keys
                        for v in p.versions.values()
                        if v.released == wanted
                    ]
                raise jql.JqlError(f"{jql.PREFIX}Unable to find JQL function '{value}'.")
            text = _literal(value, "fixVersion")
            found = [
                v.id
                for p in projects
                for v in p.versions.values()
                if v.name.lower() == text.lower() or str(v.id) == text
            ]
            if not found:
                raise _no_value(text, "fixVersion")
            return found

        def component_resolve(value: jql.Value) -> list[int]:
            text = _literal(value, "component")
            found = [
                c.id
                for p in self.projects.values()
                for c in p.components.values()
                if c.name.lower() == text.lower() or str(c.id) == text
            ]
            if not found:
                raise _no_value(text, "component")
            return found

        def sprint_resolve(value: jql.Value) -> list[int]:
            if isinstance(value, jql.Function):
                states = {"opensprints": "active", "closedsprints": "closed"}
                states["futuresprints"] = "future"
                if value.name in states and not value.args:
                    return [s.id for s in self.sprints.values() if s.state == states[value.name]]
                raise jql.JqlError(f"{jql.PREFIX}Unable to find JQL function '{value}'.")
            text = _literal(value, "sprint")
            found = [
                s.id
                for s in self.sprints.values()
                if str(s.id) == text or s.name.lower() == text.lower()
            ]
            if not found:
                raise _no_value(text, "sprint")
            return found

        def type_resolve(value: jql.Value) -> list[str]:
            if isinstance(value, jql.Function) and not value.args:
                if value.name == "standardissuetypes":
                    return [t.name for t in ISSUE_TYPES if not t.subtask]
                if value.name == "subtaskissuetypes":
                    return [t.name for t in ISSUE_TYPES if t.subtask]
            text = _literal(value, "issuetype")
            found = _TYPE.get(text.lower()) or next((t for t in ISSUE_TYPES if t.id == text), None)
            if found is None:
                raise _no_value(text, "issuetype")
            return [found.name]

        def date_field(name: str, get: Callable[[Issue], datetime | None]) -> jql.FieldSpec:
            return jql.FieldSpec(
                name, "datetime", lambda i: (v,) if (v := get(i)) else (), ordered, sort=get
            )

        def labels(value: jql.Value) -> list[str]:
            return [_literal(value, "labels")]

        def parent_values(issue: Issue) -> tuple[int, ...]:
            shown = self._visible_parent(issue)
            return (shown.id,) if shown else ()

        def epic_values(issue: Issue) -> tuple[int, ...]:
            epic = self._epic_of(issue)
            return (epic.id,) if epic else ()

        def points(issue: Issue) -> tuple[float, ...]:
            return () if issue.story_points is None else (issue.story_points,)

        def due_value(issue: Issue) -> datetime | None:
            return jql.day_start(issue.due, UTC) if issue.due else None

        status_rank = {s.name: n for n, s in enumerate(STATUSES)}
        priority_rank = {p.name: -n for n, p in enumerate(PRIORITIES)}  # DESC: Highest first
        key_spec = issue_refs("key", lambda i: (i.id,), operators=fixed, sort=key_sort)
        specs: dict[str, jql.FieldSpec] = {
            "project": jql.FieldSpec(
                "project",
                "set",
                lambda i: (i.project.id,),
                fixed,
                project_resolve,
                lambda i: i.project.key,
                bounding=True,
            ),
            "key": key_spec,
            "issuekey": key_spec,
            "issue": key_spec,
            "id": key_spec,
            "parent": issue_refs("parent", parent_values),
            "issuetype": jql.FieldSpec(
                "issuetype", "set", lambda i: (i.issuetype,), fixed, type_resolve
            ),
            "status": jql.FieldSpec(
                "status",
                "set",
                lambda i: (i.status,),
                fixed,
                named("status", _STATUS),
                lambda i: status_rank[i.status],
            ),
            "statuscategory": jql.FieldSpec(
                "statusCategory",
                "set",
                lambda i: (_STATUS[i.status.lower()].category,),
                fixed,
                category_resolve,
            ),
            "resolution": jql.FieldSpec(
                "resolution",
                "set",
                lambda i: (i.resolution,) if i.resolution else (),
                jql.EQUALITY,
                resolution_resolve,
            ),
            "priority": jql.FieldSpec(
                "priority",
                "set",
                lambda i: (i.priority,),
                fixed,
                named("priority", _PRIORITY),
                lambda i: priority_rank[i.priority],
            ),
            "labels": jql.FieldSpec(
                "labels", "set", lambda i: tuple(i.labels), jql.EQUALITY, labels
            ),
            "fixversion": jql.FieldSpec(
                "fixVersion", "set", lambda i: tuple(i.fix_versions), jql.EQUALITY, version_resolve
            ),
            "component": jql.FieldSpec(
                "component", "set", lambda i: tuple(i.components), jql.EQUALITY, component_resolve
            ),
            "assignee": users("assignee", "assignee"),
            "reporter": users("reporter", "reporter"),
            "creator": users("creator", "reporter"),
            "created": date_field("created", lambda i: i.created),
            "updated": date_field("updated", lambda i: i.updated),
            "resolved": date_field("resolved", lambda i: i.resolved),
            "duedate": jql.FieldSpec(
                "duedate",
                "date",
                lambda i: (v,) if (v := due_value(i)) else (),
                ordered,
                sort=lambda i: i.due,
            ),
            "summary": jql.FieldSpec(
                "summary", "set", lambda i: (i.summary,), frozenset(), sort=lambda i: i.summary
            ),
            "rank": jql.FieldSpec("Rank", "set", lambda i: (), frozenset(), sort=lambda i: i.id),
        }
        specs["type"] = specs["issuetype"]
        specs["createddate"] = specs["created"]
        specs["updateddate"] = specs["updated"]
        specs["resolutiondate"] = specs["resolved"]
        specs["due"] = specs["duedate"]
        specs["fixversions"] = specs["fixversion"]
        sprint = jql.FieldSpec(
            "Sprint", "set", lambda i: tuple(i.sprints), jql.EQUALITY, sprint_resolve
        )
        story = jql.FieldSpec(
            "Story Points", "number", points, ordered, sort=lambda i: i.story_points
        )
        for fid, spec in ((cf.sprint, sprint), (cf.story_points, story), (cf.rank, specs["rank"])):
            specs[f"cf[{fid.removeprefix('customfield_')}]"] = spec
        specs["sprint"] = sprint
        if self.cloud:
            specs["story point estimate"] = story
            assert cf.story_points_unused
            unused = jql.FieldSpec("Story Points", "number", lambda i: (), ordered, sort=_none)
            specs["story points"] = specs[f"cf[{cf.story_points_unused[12:]}]"] = unused
        else:
            assert cf.epic_link
            specs["story points"] = story
            epic = issue_refs("Epic Link", epic_values)
            specs["epic link"] = specs[f"cf[{cf.epic_link.removeprefix('customfield_')}]"] = epic
        return specs

    # -- lookups used by loading and the helpers ------------------------------------------------

    def _user(self, ref: str | None) -> User:
        """The user with this name or accountId (None: the default author)."""
        if ref is None:
            return self.users[self.default_author.lower()]
        user = self.users.get(ref.lower()) or self._by_account.get(ref)
        if user is None:
            raise LookupError(f"no Jira user {ref!r}")
        return user

    def _user_from_json(self, value: Any) -> str | None:
        if value is None:
            return None
        ref = value.get("accountId") if self.cloud else value.get("name")
        if not isinstance(ref, str):
            raise ValueError("Specify a user by " + ("accountId" if self.cloud else "name") + ".")
        try:
            return self._user(ref).name
        except LookupError:
            raise ValueError(f"User '{ref}' does not exist.") from None

    def _issue_by_ref(self, ref: str | int) -> Issue:
        """The live issue with this key (any case) or id; LookupError when there is none."""
        text = str(ref)
        issue: Issue | None = None
        if text.isdigit():
            issue = self.issues_by_id.get(int(text))
        else:
            key, _, number = text.upper().rpartition("-")
            project = self.projects.get(key)
            if project and number.isdigit():
                issue = project.issues.get(int(number))
        if issue is None or issue.deleted:
            raise LookupError(f"no issue {ref!r}")
        return issue

    def _version(self, project: Project, ref: str | int) -> Version:
        for v in project.versions.values():
            if v.name == ref or str(v.id) == str(ref):
                return v
        raise LookupError(f"no version {ref!r} in {project.key}")

    def _component(self, project: Project, ref: str | int) -> Component:
        for c in project.components.values():
            if c.name == ref or str(c.id) == str(ref):
                return c
        raise LookupError(f"no component {ref!r} in {project.key}")

    def _sprint(self, ref: str | int) -> Sprint:
        for s in self.sprints.values():
            if s.name == ref or str(s.id) == str(ref):
                return s
        raise LookupError(f"no sprint {ref!r}")

    def _project(self, key: str) -> Project:
        if key not in self.projects:
            raise LookupError(f"no project {key!r}")
        return self.projects[key]

    # -- browser pages --------------------------------------------------------------------------

    def _web(self, request: Request) -> Response:
        if request.method != "GET":
            return _page("Not Found", "<p>Not Found</p>", 404)
        if request.path == "/":
            rows = "".join(
                f'<tr><td><a href="{_e(request.base_url)}/browse/{i.key}">{i.key}</a></td>'
                f"<td>{_e(i.summary)}</td><td>{_e(i.status)}</td></tr>"
                for p in self.projects.values()
                for i in sorted(p.issues.values(), key=lambda i: i.number)
                if not i.deleted
            )
            return _page("Sandbox Jira", f"<table>{rows}</table>")
        try:
            issue = self._issue_by_ref(request.path.removeprefix("/browse/").strip("/"))
        except LookupError:
            return _page("Not Found", "<p>Not Found</p>", 404)
        versions = ", ".join(issue.project.versions[v].name for v in issue.fix_versions)
        assignee = self._user(issue.assignee).display_name if issue.assignee else "Unassigned"
        meta = (
            f"{_e(issue.issuetype)} · {_e(issue.status)} · {_e(assignee)} · "
            f"fix versions: {_e(versions)} · due: {issue.due or '—'} · "
            f"labels: {_e(', '.join(issue.labels))}"
        )
        comments = "".join(
            f'<div id="comment-{c.id}"><h3>{_e(self._user(c.author).display_name)} · '
            f"{_fmt(c.created)}</h3><pre>{_e(c.body)}</pre></div>"
            for c in (self.comments_by_id[cid] for cid in issue.comment_ids)
        )
        body = f"<p>{meta}</p><pre>{_e(issue.description or '')}</pre>{comments}"
        return _page(f"[{issue.key}] {issue.summary}", body)

    # -- helpers for tests (in-process) ---------------------------------------------------------

    @property
    def default_author(self) -> str:
        """Who reports issues added without a `reporter`: the first human user, else the bot."""
        return next((u.name for u in self.users.values() if u.name != self.bot), self.bot)

    def user_id(self, name: str) -> str:
        """How this mode names a user in payloads and JQL: accountId (Cloud) or name."""
        with self.lock:
            user = self._user(name)
            return user.account_id if self.cloud else user.name

    def add_user(
        self,
        name: str,
        display_name: str = "",
        *,
        account_id: str | None = None,
        email: str | None = None,
    ) -> User:
        """Add a user (or return the existing one with this name)."""
        with self.lock:
            return self._add_user(name, display_name, account_id=account_id, email=email)

    def add_project(self, key: str, name: str, *, lead: str | None = None) -> dict[str, Any]:
        with self.lock:
            return self._project_json(self._new_project(key, name, lead), self._base)

    def add_component(self, name: str, *, project: str = "PLAT") -> dict[str, Any]:
        with self.lock:
            component = self._new_component(self._project(project), name, None)
            return self._component_json(component, self._base)

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
        with self.lock:
            version = self._new_version(
                self._project(project),
                name,
                release_date=release_date,
                start_date=start_date,
                released=released,
                archived=archived,
                description=description,
            )
            return self._version_json(version, self._base, full=True)

    def update_version(self, name: str, *, project: str = "PLAT", **changes: Any) -> dict[str, Any]:
        """Change `name`, `description`, `released`, `archived`, `release_date`, `start_date`."""
        with self.lock:
            version = self._version(self._project(project), name)
            for attr, value in changes.items():
                if attr not in _VERSION_FIELDS:
                    raise TypeError(f"unknown version field {attr!r}")
                setattr(version, attr, value)
            self._changed()
            return self._version_json(version, self._base, full=True)

    def add_sprint(
        self,
        name: str,
        *,
        state: str = "active",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            raw = {"name": name, "state": state, "start_at": start, "end_at": end}
            return self._sprint_json(self._add_sprint(raw))

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
        with self.lock:
            issue = self._new_issue(
                self._project(project),
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
                issue.parent = self._issue_by_ref(parent).id
            return self._issue_json(issue, self._selection(None, "*all"), self._base)

    def add_issues(self, count: int, summary: str = "Issue {n}", **kwargs: Any) -> list[dict]:
        """Add `count` issues with summaries from a template with `{n}` (1-based in this call)."""
        return [self.add_issue(summary.format(n=n + 1), **kwargs) for n in range(count)]

    def update_issue(self, key: str, *, at: datetime | None = None, **changes: Any) -> dict:
        """Change fields by `add_issue`'s keyword names (`due`, `fix_versions`, `parent`, …);
        `updated` moves to `at` (default: the clock) when something changed."""
        with self.lock:
            issue = self._issue_by_ref(key)
            self._apply(issue, changes, at or self.clock())
            return self._issue_json(issue, self._selection(None, "*all"), self._base)

    def transition(
        self, key: str, status: str, *, resolution: str | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """Move an issue to `status`. Into a done status it gets `resolution` (default Done)
        and a resolution date; out of one it loses both, as Jira's default workflow does."""
        with self.lock:
            issue = self._issue_by_ref(key)
            at = at or self.clock()
            target = _named(_STATUS, status, "status")
            if target.category == "done":
                name = _named(_RESOLUTION, resolution or "Done", "resolution").name
                if issue.resolution is None or resolution:
                    issue.resolution, issue.resolved = name, at
            else:
                if resolution:
                    raise ValueError("only a done status takes a resolution")
                issue.resolution = issue.resolved = None
            if issue.status != target.name:
                issue.status_changed = at
            issue.status = target.name
            issue.updated = at
            self._changed()
            return self._issue_json(issue, self._selection(None, "*all"), self._base)

    def set_resolution(
        self, key: str, resolution: str | None, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """Set or clear the resolution without a status change (as a bulk edit can)."""
        with self.lock:
            issue = self._issue_by_ref(key)
            at = at or self.clock()
            if resolution is None:
                issue.resolution = issue.resolved = None
            else:
                issue.resolution = _named(_RESOLUTION, resolution, "resolution").name
                issue.resolved = at
            issue.updated = at
            self._changed()
            return self._issue_json(issue, self._selection(None, "*all"), self._base)

    def add_link(self, source: str, target: str, *, type: str = "Blocks") -> str:
        """Link two issues: `source` blocks (duplicates, relates to, …) `target`; the link id."""
        with self.lock:
            link = self._new_link(type, self._issue_by_ref(source), self._issue_by_ref(target))
            return str(link.id)

    def remove_link(self, link_id: str) -> None:
        with self.lock:
            link = self.links_by_id.pop(int(link_id))
            for issue_id in (link.source, link.target):
                self.issues_by_id[issue_id].link_ids.remove(link.id)
            self._changed()

    def delete_issue(self, key: str) -> None:
        """Delete an issue: it leaves every search and its URL answers 404."""
        with self.lock:
            self._issue_by_ref(key).deleted = True
            self._changed()

    def issue(self, key: str, fields: str = "*all") -> dict[str, Any]:
        with self.lock:
            issue = self._issue_by_ref(key)
            return self._issue_json(issue, self._selection([fields], "*all"), self._base)

    def issues(self, project: str = "PLAT", fields: str = "*all") -> list[dict[str, Any]]:
        """Every live issue of the project, by key number."""
        with self.lock:
            p = self._project(project)
            selection = self._selection([fields], "*all")
            live = sorted((i for i in p.issues.values() if not i.deleted), key=lambda i: i.number)
            return [self._issue_json(issue, selection, self._base) for issue in live]

    def versions(self, project: str = "PLAT") -> list[dict[str, Any]]:
        with self.lock:
            p = self._project(project)
            return [self._version_json(v, self._base, full=True) for v in p.versions.values()]

    def comments(self, key: str) -> list[dict[str, Any]]:
        """The issue's comments, oldest first, each with its `properties`."""
        with self.lock:
            issue = self._issue_by_ref(key)
            return [
                self._comment_json(self.comments_by_id[cid], self._base, properties=True)
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
        with self.lock:
            issue = self._issue_by_ref(key)
            who = self._user(author).name if author else self.bot
            comment = self._new_comment(issue, who, body, created_at)
            comment.properties.update(properties or {})
            issue.updated = max(issue.updated, comment.created)
            return self._comment_json(comment, self._base, properties=True)

    def update_comment(
        self,
        comment_id: int | str,
        body: str,
        *,
        at: datetime | None = None,
        user: str | None = None,
    ) -> dict[str, Any]:
        """Edit a comment in-process, as `user` (a user name; default: its author)."""
        with self.lock:
            comment = self.comments_by_id[int(comment_id)]
            comment.body, comment.updated = body, at or self.clock()
            if user is not None:
                comment.update_author = self._user(user).name
            self._changed()
            return self._comment_json(comment, self._base, properties=True)

    def delete_comment(self, comment_id: int | str) -> None:
        with self.lock:
            self._remove_comment(self.comments_by_id[int(comment_id)])

    def notifications_for(self, key: str, event: str | None = None) -> list[Notification]:
        """The e-mails Jira would have sent about the issue's comments (of one `event`)."""
        with self.lock:
            return [
                n
                for n in self.notifications
                if n.issue == key and (event is None or n.event == event)
            ]

    def comment_properties(self, comment_id: int | str) -> dict[str, Any]:
        with self.lock:
            return dict(self.comments_by_id[int(comment_id)].properties)

    def set_comment_property(self, comment_id: int | str, key: str, value: Any) -> None:
        with self.lock:
            self.comments_by_id[int(comment_id)].properties[key] = value
            self._changed()


# -- small helpers ------------------------------------------------------------------------------

_ABSENT = object()  # a builder's answer for a field the payload leaves out (an absent parent)
_VERSION_FIELDS = ("name", "description", "released", "archived", "release_date", "start_date")
_NOT_NAVIGABLE = frozenset({"comment", "timetracking"})
_NOT_ORDERABLE = frozenset({"issuekey", "parent", "issuelinks", "subtasks", "timetracking"})


def _fresh(taken: Iterable[int], start: int = 10_000) -> int:
    """An id after every one taken (seeds bring their own ids; helpers add after them)."""
    return max(taken, default=start - 1) + 1


def _fmt(value: datetime | None) -> str | None:
    """Jira's timestamp format, in the user's time zone (UTC): 2026-11-20T09:30:00.000+0000."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _user_date(day: date) -> str:
    return day.strftime("%d/%b/%y")


def _own(issue: Issue, attr: str) -> int | None:
    return getattr(issue, attr)


def _none(issue: Issue) -> None:
    return None


def _duration(seconds: int) -> str:
    """Seconds as Jira writes a duration: "1w 2d 3h 30m" (8-hour days, 5-day weeks)."""
    parts = []
    for unit, size in SECONDS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"


def _duration_seconds(text: str) -> int:
    parts = re.findall(r"(\d+)\s*([wdhm])", text)
    if not parts or re.sub(r"(\d+)\s*([wdhm])|\s", "", text):
        raise ValueError(f"Invalid duration '{text}'.")
    return sum(int(n) * SECONDS[u] for n, u in parts)


def _timetracking(issue: Issue) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, value in (
        ("originalEstimate", issue.original_estimate),
        ("remainingEstimate", issue.remaining_estimate),
        ("timeSpent", issue.time_spent),
    ):
        if value is not None:
            out[label] = _duration(value)
    for label, value in (
        ("originalEstimateSeconds", issue.original_estimate),
        ("remainingEstimateSeconds", issue.remaining_estimate),
        ("timeSpentSeconds", issue.time_spent),
    ):
        if value is not None:
            out[label] = value
    return out


def _snapshot(issue: Issue) -> tuple[Any, ...]:
    return (
        issue.summary, issue.description, issue.due, issue.story_points, issue.original_estimate,
        issue.remaining_estimate, issue.time_spent, list(issue.labels), issue.assignee,
        issue.reporter, issue.priority, issue.issuetype, list(issue.fix_versions),
        list(issue.components), list(issue.sprints), issue.parent,
    )  # fmt: skip


def _named(table: dict[str, Named], name: str, what: str) -> Named:
    found = table.get(name.lower())
    if found is None:
        raise ValueError(f"no {what} named {name!r}")
    return found


def _ref_name(value: Any, attr: str = "name") -> str:
    """`{"name": …}` or `{"id": …}` (or `{"key": …}`) as REST edits name things."""
    if isinstance(value, dict):
        for key in (attr, "id"):
            if isinstance(value.get(key), str):
                return value[key]
    raise ValueError(f"Specify it by {attr} or id.")


def _literal(value: jql.Value, field_name: str) -> str:
    if isinstance(value, jql.Function):
        raise jql.JqlError(
            f"{jql.PREFIX}Unable to find JQL function '{value}' for field '{field_name}'."
        )
    assert isinstance(value, jql.Literal)
    return value.text


def _no_value(text: str, field_name: str) -> jql.JqlError:
    return jql.JqlError(f"The value '{text}' does not exist for the field '{field_name}'.")


def _expand(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _int_param(raw: Any, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise JiraError(400, f"The '{name}' parameter must be a number, not '{raw}'.") from None


def _search_params(
    request: Request, known: tuple[str, ...], ignored: tuple[str, ...]
) -> dict[str, Any]:
    """A search's parameters from the query string (GET) or the JSON body (POST); `fields` and
    `expand` as lists. Unknown body keys are refused, as Jira's strict JSON binding does."""
    if request.method == "GET":
        out: dict[str, Any] = {k: request.param(k) for k in known if request.param(k) is not None}
        if "fields" in request.query:
            out["fields"] = request.query["fields"]
        return out
    raw = request.json()
    if not isinstance(raw, dict):
        raise JiraError(400, "The request body must be a JSON object.")
    unknown = set(raw) - set(known) - set(ignored)
    if unknown:
        raise JiraError(400, f'Unrecognized field "{sorted(unknown)[0]}".')
    out = {k: raw[k] for k in known if raw.get(k) is not None}
    if isinstance(out.get("fields"), str):
        out["fields"] = [out["fields"]]
    if isinstance(out.get("expand"), list):
        out["expand"] = ",".join(out["expand"])
    return out


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


def _fault_payload(status: int) -> dict[str, Any]:
    messages = {
        401: "Client must be authenticated to access this resource.",
        403: "You do not have permission to perform this operation.",
        404: NO_ISSUE,
        429: "Rate limit exceeded.",
        503: "Service Unavailable",
    }
    default = "Internal server error" if status >= 500 else "Error"
    return {"errorMessages": [messages.get(status, default)], "errors": {}}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(
        status,
        (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title></head>"
            f"<body><h1>{_e(title)}</h1>{body}</body></html>"
        ).encode(),
        {"content-type": "text/html;charset=UTF-8"},
    )
