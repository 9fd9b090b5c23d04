"""Jira adapter (Cloud and Data Center): fetch issues and fix versions, find and write our comments.

The `jira` library provides only the authenticated session (signed in as `BasicAuth` or
`BearerAuth` say). Every request is a raw REST v2 call through that session, sent by
`connectors.transport` (`_JiraWire` is Jira's dialect of it), so the library adds none of its
own (no serverInfo at construction, no `/field` behind a search) and retries nothing
(`max_retries=0`): `connectors.retry` decides.

Cloud searches `GET /search/jql` and follows `nextPageToken` (Cloud removed `/search`); Data
Center pages `GET /search` with `startAt`. Both always ask for an explicit field list.

What a site looks like (Cloud or not, our account, the Agile custom fields) is a `SiteInfo`,
found once by `discover()` and handed back by the worker on later runs, so an idle cycle asks
nothing but its searches and the version listing.

Our comments carry the marker as the comment property `delivery-sync`, set in the create request
itself. Data Center may not honour properties sent with the create, so there it is also PUT right
after; a comment left unmarked is found and marked by the next cycle (`worker.publisher`).

Answers are read by one rule (`_JiraWire.read`): each must be JSON of the shape its endpoint
promises (a search page is an object with an `issues` list, the version listing a list, …), and
every string in it is made valid Unicode (`connectors.tracker.valid_text`) before anything else
touches it. A 200 that is an HTML sign-in page, truncated JSON, or a page without its fields is a
failed, retriable read, never an empty result. Paging remembers what it has read: a
`nextPageToken` seen before, a page holding nothing new, or more pages than the tracker's own
count allows (Data Center `total`; on Cloud, which reports none, `MAX_PAGES`) stops with a
TrackerError.

Search answers are checked against the configured project: another project's issue is dropped
(`item.foreign`), never counted. A JQL filter whose parentheses do not balance outside quoted
strings is refused before any request, so no filter can escape `project = X AND (…)`. An issue
that cannot be read (no `updated`, an unknown status category, a bad due date, …) is skipped
with a warning and recorded in `unreadable`; a story-points value that is not a finite number
only costs the item its points.

Errors say what to check. A `JIRA_URL` without a scheme, with credentials in it, or whose host
does not resolve fails at once, naming the variable. Bodies of 401/403 answers are never quoted
(a proxy may echo the `Authorization` header): only Jira's own `errorMessages`, and only with
anything that looks like a credential removed. A server that does not answer like Jira (HTML
pages, no Jira headers, a serverInfo without `deploymentType`) is said not to look like Jira,
instead of its error page being printed or its 401 being read as bad credentials.

Quiet edits (no e-mail to the issue's watchers when a report is edited in place):

- Cloud: `PUT /rest/api/2/issue/{key}/comment/{id}` takes the query parameter `notifyUsers`
  (default true); edits send `notifyUsers=false`.
- Data Center (8.x to 10.x): the REST reference of the same resource ("Update comment",
  developer.atlassian.com/server/jira/platform/rest/v10xxx, api-group-issue) lists only the
  query parameter `expand` (renderedBody), and the client generated from Atlassian's Data
  Center OpenAPI description agrees (jira.js `src/server/parameters/updateComment.ts`: expand
  only, beside `editIssue.ts`, which has `notifyUsers`). Data Center has `notifyUsers` for issue
  edits, archive and restore, not for comments, and ignores query parameters it does not know.
  So nothing is sent there: an edit raises the "Issue Comment Edited" event and the project's
  notification scheme decides who is e-mailed (the default scheme e-mails the watchers). To keep
  report edits quiet on Data Center, a Jira admin removes that event's recipients from the
  project's notification scheme. Not checked against a live Data Center.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

import structlog
from pydantic import SecretStr

from connectors.model import Comment, Marker, Milestone, Person, TrackerState, WorkItem
from connectors.retry import AmbiguousWrite, NotFound, TrackerError, safe_message
from connectors.tracker import (
    ChangeListing,
    RequestStats,
    Selection,
    Validator,
    skip_malformed,
    valid_answer,
    valid_text,
)
from connectors.transport import (
    Answer,
    BadAnswer,
    Dialect,
    RateBudget,
    Request,
    Shape,
    Transport,
    unknown_outcome,
)

# The renderer is imported when a comment body is made or measured (`body`, `_check_size`): a
# cycle that writes nothing never defines the document classes.
if TYPE_CHECKING:
    from rendering.document import Document

log = structlog.get_logger("delivery_sync.jira")

PAGE_SIZE = 100
PROPERTY = "delivery-sync"
# Cloud reports no total, so its listings get an absolute ceiling: a million issues.
MAX_PAGES = 10_000
# Pages in a row that bring nothing new yet promise more: a tracker going round in circles.
MAX_STALE_PAGES = 10
URL_SETTING = "JIRA_URL (or the source's `url`)"
# Preference order, casefolded. Cloud sites often keep an empty "Story Points" beside the
# "Story point estimate" Jira Software estimates with; Data Center has only "Story Points".
STORY_POINTS_NAMES = {
    True: ("story point estimate", "story points"),
    False: ("story points", "story point estimate"),
}
SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
# Search results may omit `timetracking` (it is not a navigable field); the flat
# `timespent` is the fallback. `description` is not asked for: v2 wiki markup has no checkboxes.
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
    "issuelinks",
    "created",
    "updated",
    "timetracking",
    "timespent",
)
STATUS_CATEGORIES = frozenset({"new", "indeterminate", "done", "undefined"})
_SPRINT_PAIR = re.compile(r",(?=\w+=)")
_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+")
# Response headers only Jira sends (Cloud and Data Center): an error page without them and
# without Jira's error JSON came from something else (a proxy, a web server, another product).
_JIRA_HEADERS = (
    "x-arequestid",
    "x-aaccountid",
    "x-ausername",
    "x-seraph-loginreason",
    "atl-traceid",
)

Deployment = Literal["auto", "cloud", "server"]


# ---- credentials and site ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """Jira Cloud: the account's e-mail address and an API token."""

    user: str
    token: SecretStr

    variables: ClassVar[str] = "JIRA_EMAIL and JIRA_API_TOKEN"

    def session_options(self) -> dict[str, Any]:
        """How the `jira` library's session is told to sign in."""
        return {"basic_auth": (self.user, self.token.get_secret_value())}

    def secrets(self) -> tuple[str, ...]:
        """Every form of the credential an echoing server could send back, for scrubbing."""
        secret = self.token.get_secret_value()
        return secret, base64.b64encode(f"{self.user}:{secret}".encode()).decode()


@dataclass(frozen=True, slots=True)
class BearerAuth:
    """Jira Data Center 8.14+: a personal access token."""

    token: SecretStr

    variables: ClassVar[str] = "JIRA_PAT"

    def session_options(self) -> dict[str, Any]:
        return {"token_auth": self.token.get_secret_value()}

    def secrets(self) -> tuple[str, ...]:
        return (self.token.get_secret_value(),)


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


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a Jira site's base URL, with the fix; None when it can be one.

    Checked before any request: `requests` would call a missing scheme a connection problem and
    the retry policy would try it again and again. Credentials in the URL are refused without
    showing the URL: they would end up in every link we publish."""
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    if "@" in authority:
        return (
            f"the Jira URL ({URL_SETTING}) holds credentials (user:password@); remove them and "
            "set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT (Jira Data Center)"
        )
    shown = f"the Jira URL {url!r} ({URL_SETTING})"
    if "://" not in url:
        return f"{shown} has no scheme: write it as {'https://' + url.lstrip('/')!r}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"{shown} is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{shown} must start with https:// (or http://)"
    if not parts.hostname:
        return f"{shown} names no host"
    if parts.query or parts.fragment:
        return f"{shown} must be the site's base URL, without '?' or '#'"
    return None


def _shown_url(url: str) -> str:
    """A URL as errors show it: no credentials, no query string."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(the Jira URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}"


# ---- JQL ---------------------------------------------------------------------------------------


def jql_problem(jql: str) -> str | None:
    """Why a JQL filter could reach outside the clauses it is ANDed with; None when it cannot.

    Parentheses must balance outside quoted strings ('…' or "…", where a backslash escapes the
    next character, as in Jira). A backslash outside quotes is refused: whether Jira reads `\\)`
    there as a parenthesis or as a literal is not something a safety check should guess."""
    depth = 0
    quote: str | None = None
    i = 0
    while i < len(jql):
        char = jql[i]
        if quote is not None:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "\\":
            return f"a backslash at position {i + 1} outside quotes (quote the value instead)"
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return f"the ')' at position {i + 1} closes a parenthesis it did not open"
        i += 1
    if quote is not None:
        return "a quoted string is not closed"
    if depth:
        return f"{depth} '(' not closed"
    return None


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
    """The bounded query: the project, the source's and the selector's filters, the increment.

    Each filter is wrapped in parentheses and must balance on its own (`jql_problem`), so
    `fixVersion = 2.0) OR (project = SECRET` is refused here, before any request."""
    clauses = [f'project = "{project}"']
    for which, query in (("source", source_jql), ("selector", selector_jql)):
        if not query:
            continue
        problem = jql_problem(query)
        if problem is not None:
            raise TrackerError(
                f"the {which} JQL {query!r} is refused: {problem}; it could reach outside "
                f"project {project}"
            )
        clauses.append(f"({query})")
    if since is not None:
        clauses.append(incremental_clause(since, now))
    return " AND ".join(clauses) + f" ORDER BY {order}"


# ---- normalisation (pure) ----------------------------------------------------------------------


class Unreadable(ValueError):
    """A payload value that cannot be read; the item holding it is skipped and named."""


def _kind(value: Any) -> str:
    """What a JSON value is, for messages (never the value itself: it may be long or private)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Unreadable(f"{what} is {_kind(value)}, not text")
    return value


def _optional_text(value: Any, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is {_kind(value)}, not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    """A JSON list; null counts as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{what} is {_kind(value)}, not a list")
    return value


def _time(value: Any, what: str = "a time", *, required: bool = False) -> datetime | None:
    """Jira's `2026-11-20T09:30:00.000+0000`, in UTC (a time without offset is read as UTC)."""
    if value is None:
        if required:
            raise Unreadable(f"{what} is missing")
        return None
    text = _text(value, what)
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Unreadable(f"{what} {text[:40]!r} is not a time") from None


def _date(value: Any, what: str) -> date | None:
    if value is None or value == "":
        return None
    text = _text(value, what)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Unreadable(f"{what} {text[:40]!r} is not a date") from None


def _person(raw: Any, cloud: bool) -> Person:
    person = _object(raw, "a person")
    ident = _text(person.get("accountId" if cloud else "name"), "a person's id")
    if not ident:
        raise Unreadable("a person's id is empty")
    display = person.get("displayName")
    return Person("jira", ident, display if isinstance(display, str) and display else ident)


def _category_key(fields: dict[str, Any]) -> str:
    status = _object(fields.get("status"), "the status")
    category = _object(status.get("statusCategory"), "the status category")
    key = _text(category.get("key"), "the status category")
    if key not in STATUS_CATEGORIES:
        raise Unreadable(f"the status category {key[:40]!r} is unknown")
    return key


def blocked_by(links: Any) -> tuple[str, ...]:
    """Keys of the open issues that block this one.

    On issue X a "Blocks" link whose `inwardIssue` is Y means Y blocks X (the outward side is an
    issue X blocks). A blocker already in the done category no longer blocks; leaving it out here
    matters for blockers in other projects, which the mirror does not hold. A blocker whose
    category cannot be read still blocks.
    """
    keys: dict[str, None] = {}
    for link in _list(links, "the issue links"):
        link = _object(link, "an issue link")
        link_type = link.get("type")
        inward = link.get("inwardIssue")
        if not isinstance(link_type, dict) or link_type.get("name") != "Blocks" or inward is None:
            continue
        inward = _object(inward, "a blocking issue")
        key = _text(inward.get("key"), "a blocking issue's key")
        fields = inward.get("fields")
        if isinstance(fields, dict):
            try:
                if _category_key(fields) == "done":
                    continue
            except Unreadable:
                pass
        keys[key] = None
    return tuple(keys)


def _sprint_attributes(raw: Any) -> dict[str, Any]:
    """A sprint as Cloud's object or Data Center's `…Sprint@1a2b[id=1,state=ACTIVE,name=…]`;
    empty when the text cannot be read (the sprint is a detail, not worth losing the issue)."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return {}
    if "[" not in raw or not raw.endswith("]"):
        return {}
    pairs = _SPRINT_PAIR.split(raw[raw.index("[") + 1 : -1])
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def sprint_name(value: Any, resolved: bool = False) -> str | None:
    """The sprint the issue is planned in now: the active one, else the next one planned. A
    sprint that is over says where the issue was, not where it is: a resolved issue keeps the
    last one (where it was done), an open one whose sprints are all over is back in the backlog
    (None). Sprints whose state cannot be read fall back to the last one."""
    if not isinstance(value, list):
        return None
    sprints = [s for s in map(_sprint_attributes, value) if isinstance(s.get("name"), str | int)]
    sprints = [s for s in sprints if str(s["name"])]
    if not sprints:
        return None
    by_state: dict[str, list[dict[str, Any]]] = {}
    for sprint in sprints:
        by_state.setdefault(str(sprint.get("state", "")).lower(), []).append(sprint)
    if by_state.get("active"):
        return str(by_state["active"][-1]["name"])
    if by_state.get("future"):
        return str(by_state["future"][0]["name"])
    if resolved or set(by_state) - {"closed"}:
        return str(sprints[-1]["name"])
    return None


def _finite(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else (text, booleans, NaN, ±inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        return None
    return number if math.isfinite(number) else None


def _seconds(*values: Any) -> tuple[int | None, bool]:
    """The first present time-tracking value as whole seconds, and whether one was unreadable."""
    for value in values:
        if value is None:
            continue
        number = _finite(value)
        if number is None or number < 0 or number != int(number):
            return None, True
        return int(number), False
    return None, False


def _parent(fields: dict[str, Any], info: SiteInfo) -> str | None:
    """Cloud: `parent` (an epic for standard issues, a standard issue for sub-tasks).
    Data Center: the Epic Link, else the sub-task's parent."""
    if info.epic_link_field:
        epic = _optional_text(fields.get(info.epic_link_field), "the Epic Link")
        if epic:
            return epic
    parent = fields.get("parent")
    if not parent:
        return None
    return _text(_object(parent, "the parent").get("key"), "the parent's key")


def _name_of(value: Any, what: str) -> str | None:
    """The `name` of an optional object (the resolution)."""
    if value is None:
        return None
    return _optional_text(_object(value, what).get("name"), f"the {what}'s name")


def _unreadable_detail(source_id: str, key: str, field: str, value: Any) -> None:
    log.warning(
        "item.field_unreadable", source=source_id, item=key, field=field, value=_kind(value)
    )


def normalise_issue(raw: Any, source_id: str, base_url: str, info: SiteInfo) -> WorkItem:
    """One issue of a search page or GET. Raises `Unreadable` (a ValueError) when a field the
    item cannot do without is missing or malformed. Story points or time spent that are not
    finite numbers only cost the item that detail, with an `item.field_unreadable` warning."""
    issue = _object(raw, "the issue")
    key = _text(issue.get("key"), "the key")
    if not _ISSUE_KEY.fullmatch(key):
        raise Unreadable(f"the key {key[:40]!r} is not an issue key")
    fields = _object(issue.get("fields"), "the fields")
    tracking = fields.get("timetracking")
    tracking = tracking if isinstance(tracking, dict) else {}
    assignee = fields.get("assignee")
    points = None
    if info.story_points_field:
        given = fields.get(info.story_points_field)
        points = _finite(given)
        if points is None and given is not None:
            _unreadable_detail(source_id, key, "story points", given)
    spent_values = (tracking.get("timeSpentSeconds"), fields.get("timespent"))
    spent, bad = _seconds(*spent_values)
    if bad:
        given = next(v for v in spent_values if v is not None)
        _unreadable_detail(source_id, key, "time spent", given)
    status = _object(fields.get("status"), "the status")
    state = TrackerState(_category_key(fields))
    return WorkItem(
        source=source_id,
        key=key,
        title=_optional_text(fields.get("summary"), "the summary") or "",
        url=f"{base_url.rstrip('/')}/browse/{key}",
        state=state,
        status=_text(status.get("name"), "the status name"),
        created=_time(fields.get("created"), "fields.created", required=True),  # type: ignore[arg-type]
        updated=_time(fields.get("updated"), "fields.updated", required=True),  # type: ignore[arg-type]
        closed=_time(fields.get("resolutiondate"), "fields.resolutiondate"),
        resolution=_name_of(fields.get("resolution"), "resolution"),
        assignees=(_person(assignee, info.cloud),) if assignee else (),
        labels=tuple(
            _text(label, "a label") for label in _list(fields.get("labels"), "the labels")
        ),
        due=_date(fields.get("duedate"), "the due date"),
        milestones=tuple(
            _text(_object(v, "a fix version").get("name"), "a fix version's name")
            for v in _list(fields.get("fixVersions"), "the fix versions")
        ),
        parent=_parent(fields, info),
        points=points,
        spent_seconds=spent,
        blocked_by=blocked_by(fields.get("issuelinks")),
        sprint=sprint_name(fields.get(info.sprint_field), state is TrackerState.DONE)
        if info.sprint_field
        else None,
    )


def normalise_version(raw: Any, source_id: str, base_url: str, project: str) -> Milestone:
    version = _object(raw, "the version")
    vid = version.get("id")
    if not isinstance(vid, str | int) or isinstance(vid, bool):
        raise Unreadable(f"the version id is {_kind(vid)}")
    return Milestone(
        source=source_id,
        title=_text(version.get("name"), "the version name"),
        due=_date(version.get("releaseDate"), "the release date"),
        closed=version.get("released") is True,
        url=f"{base_url.rstrip('/')}/projects/{project}/versions/{vid}",
    )


def parse_marker(value: Any) -> Marker | None:
    """The `delivery-sync` property's value; a JSON text is read too. Extra keys are allowed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return Marker.from_dict(value)


def _marker_of(properties: Any) -> Marker | None:
    for entry in properties if isinstance(properties, list) else ():
        if isinstance(entry, dict) and entry.get("key") == PROPERTY:
            return parse_marker(entry.get("value"))
    return None


def normalise_comment(raw: Any, cloud: bool) -> Comment:
    comment = _object(raw, "the comment")
    cid = comment.get("id")
    if not isinstance(cid, str | int) or isinstance(cid, bool):
        raise Unreadable(f"the comment id is {_kind(cid)}")
    author = comment.get("author")
    return Comment(
        id=str(cid),
        body=_optional_text(comment.get("body"), "the comment body") or "",
        author=_person(author, cloud).id if author else "",
        marker=_marker_of(comment.get("properties")),
        created=_time(comment.get("created"), "the comment's creation time"),
        updated=_time(comment.get("updated"), "the comment's update time"),
        # Who last edited it: named in the log when a report is restored after someone's edit.
        editor=_editor(comment.get("updateAuthor"), cloud),
    )


def _editor(raw: Any, cloud: bool) -> str | None:
    """Who last edited a comment; a detail, so an odd value costs only itself."""
    try:
        return _person(raw, cloud).label if raw else None
    except Unreadable:
        return None


# ---- answer shapes -----------------------------------------------------------------------------

# Each shape (`connectors.transport.Shape`) names what an endpoint promises and returns what is
# wrong with an answer, or None.


def _json_object(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"{_kind(value)} where an object belongs"


def _json_list(value: Any) -> str | None:
    return None if isinstance(value, list) else f"{_kind(value)} where a list belongs"


def _page_of(entries: str, *, total: bool) -> Shape:
    """An object with a list of `entries` (and an integer `total` where the endpoint has one)."""

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"{_kind(value)} where a page of {entries} belongs"
        if not isinstance(value.get(entries), list):
            return f"a page without its '{entries}' list"
        count = value.get("total")
        if total and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            return "a page without its 'total'"
        return None

    return check


def _cloud_search_page(value: Any) -> str | None:
    problem = _page_of("issues", total=False)(value)
    if problem is None and not isinstance(value.get("nextPageToken"), str | None):
        return "a page whose 'nextPageToken' is not text"
    if problem is None and not isinstance(value.get("isLast"), bool | None):
        return "a page whose 'isLast' is not a boolean"
    return problem


_DC_SEARCH_PAGE = _page_of("issues", total=True)


@dataclass(frozen=True, slots=True)
class _Listing:
    """A listing paged by offset: where it is, what it is for messages, the key of its entries'
    list in a page, and the field that identifies an entry."""

    path: str
    what: str
    entries: str
    ident: str

    @property
    def shape(self) -> Shape:
        return _page_of(self.entries, total=True)


def _entry_id(field: str) -> Callable[[Any], str | None]:
    def ident(entry: Any) -> str | None:
        value = entry.get(field) if isinstance(entry, dict) else None
        return str(value) if isinstance(value, str | int) else None

    return ident


class _Paging:
    """What one listing has read so far, so a tracker that repeats itself or never stops cannot
    hold a run forever. It stops with a TrackerError on a page of several entries all read
    before, on more than `MAX_STALE_PAGES` pages in a row that bring nothing new (a single
    repeat is an issue that moved between pages while we read), and beyond `ceiling` pages."""

    def __init__(self, what: str, ident: Callable[[Any], str | None], ceiling: int) -> None:
        self.what = what
        self.ident = ident
        self.ceiling = ceiling
        self.pages = 0
        self.stale_run = 0
        self.seen: set[str] = set()

    def bound_by_total(self, total: int, page_length: int) -> None:
        """Lower the ceiling to what the tracker's own count allows, with a generous margin."""
        pages = math.ceil(total / page_length) if page_length else 1
        self.ceiling = min(self.ceiling, 2 * pages + 10)

    def read(self, entries: list[Any]) -> None:
        self.pages += 1
        if self.pages > self.ceiling:
            raise TrackerError(
                f"{self.what}: more than {self.ceiling} pages, more than the tracker's own count "
                "allows; stopped instead of reading on"
            )
        ids = {i for i in map(self.ident, entries) if i is not None}
        new = ids - self.seen
        if len(ids) > 1 and not new:
            raise TrackerError(
                f"{self.what}: page {self.pages} holds only entries of earlier pages; the "
                "tracker is repeating itself, so the listing stopped"
            )
        self.stale_run = 0 if new else self.stale_run + 1
        if self.stale_run > MAX_STALE_PAGES:
            raise TrackerError(
                f"{self.what}: {self.stale_run} pages in a row brought nothing new, each "
                "promising more; stopped instead of reading on"
            )
        self.seen |= new


# ---- the wire ----------------------------------------------------------------------------------


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "the Jira host"
    except ValueError:
        return "the Jira host"


class _JiraWire(Dialect):
    """Jira's side of `connectors.transport`: raw REST v2 calls through the `jira` library's
    authenticated session, answers read by one rule (`read`), Jira's `errorMessages` as the only
    text quoted from an error, and an error page without Jira's JSON or headers said not to
    look like Jira instead of being read as bad credentials or a missing comment."""

    url_variable = URL_SETTING

    def __init__(self, session: Any, rest: str, auth: JiraAuth, project: str):
        self.session = session
        self.host = _host(rest)
        self.auth = auth
        self.project = project
        self._secrets = auth.secrets()

    def send(self, request: Request) -> Answer:
        from jira import JIRAError

        try:
            response = self.session.request(
                request.method,
                request.url,
                params=request.params,
                data=None if request.body is None else json.dumps(request.body),
            )
        except JIRAError as exc:  # the library's word for an error status
            if exc.status_code is None or exc.response is None:
                raise
            response = exc.response
        headers = {str(k).lower(): str(v) for k, v in response.headers.items()}
        return Answer(response.status_code, headers, response.content)

    def failure(self, exc: Exception, request: Request) -> TrackerError | None:
        from jira import JIRAError

        if isinstance(exc, JIRAError):  # never `str()` one: it may carry the request's headers
            text = f"{request.what}: connection to {self.host} failed ({type(exc).__name__})"
            return unknown_outcome(text, request.create)
        return None

    def read(self, answer: Answer, request: Request) -> Any:
        """The answer as valid JSON of the promised shape (`request.expect`; None when the
        request promises nothing, and then an empty answer is None)."""
        content = answer.raw
        where = self.where(request)
        shape = request.expect
        if not content:
            if shape is None:
                return None
            raise BadAnswer(f"the answer is empty ({where})")
        try:
            parsed = json.loads(content)
        except ValueError:  # UnicodeDecodeError included
            kind = (answer.headers.get("content-type") or "no content type").split(";")[0]
            hint = "; a sign-in page or a proxy? check JIRA_URL" if "html" in kind else ""
            raise BadAnswer(
                f"the answer is not JSON but {kind}, {len(content)} bytes "
                f"(HTTP {answer.status}){hint} ({where})"
            ) from None
        parsed = valid_answer(parsed, content)
        problem = shape(parsed) if shape is not None else None
        if problem is not None:
            raise BadAnswer(f"the answer is {problem} ({where})")
        return parsed

    def said(self, answer: Answer) -> str | None:
        """Jira's error messages, one line, without anything that looks like a credential;
        "" when Jira answered (its headers) without them."""
        body = _jira_error(answer.raw)
        if body is not None:
            found = [m for m in body.get("errorMessages") or () if isinstance(m, str)]
            errors = body.get("errors")
            if isinstance(errors, dict):
                found += [f"{k}: {v}" for k, v in errors.items() if isinstance(v, str)]
            return safe_message(" ".join(found), self._secrets, limit=300)
        return "" if any(h in answer.headers for h in _JIRA_HEADERS) else None

    def shown(self, url: str) -> str:
        return _shown_url(url)

    def describe(self, answer: Answer, request: Request, said: str | None) -> str:
        if said:
            return f"{request.what}: HTTP {answer.status} {said}"
        kind = answer.headers.get("content-type", "no content").split(";")[0]
        return f"{request.what}: HTTP {answer.status} from {self.host} ({kind} answer)"

    def foreign(self, answer: Answer, request: Request) -> str | None:
        status, what = answer.status, request.what
        if status in (401, 403):
            return (
                f"{what}: HTTP {status} from {self.host}, which does not answer like Jira: check "
                f"{URL_SETTING}; if it is right, check {self.auth.variables}"
            )
        if status in (404, 405, 410):
            return (
                f"{what}: HTTP {status} from {self.where(request)}: this does not look like "
                f"a Jira site; check {URL_SETTING}"
            )
        return None

    def denied(self, answer: Answer, request: Request, said: str | None, text: str) -> str:
        told = f" ({said})" if said else ""
        if answer.status == 401:
            return (
                f"{request.what}: HTTP 401: Jira did not accept the credentials{told}; "
                f"check {self.auth.variables}"
            )
        return (
            f"{request.what}: HTTP 403: Jira refused access{told}; check that the account of "
            f"{self.auth.variables} may do this in project {self.project}"
        )


# ---- the adapter -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JiraOptions:
    """How one Jira source is read, beside its site and credentials: the mapping file's
    settings for it, and what an earlier run discovered about the site (`info`)."""

    deployment: Deployment = "auto"
    source_jql: str | None = None
    story_points_field: str = "auto"
    info: SiteInfo | None = None
    timeout: float = 30
    budget: RateBudget | None = None  # the quota shared with other processes, if any


class JiraTracker:
    """One Jira project of the mapping file, on Cloud or Data Center. The `jira` library is
    imported here, when an adapter is built, not when a command that sends nothing starts."""

    kind = "jira"
    max_pages = MAX_PAGES

    def __init__(
        self,
        source_id: str,
        project: str,
        *,
        url: str,
        auth: JiraAuth,
        options: JiraOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from jira import JIRA

        options = options or JiraOptions()
        self.source_id = source_id
        self.project = project
        self.stats = RequestStats()
        self.unreadable: dict[str, str] = {}
        self._base = url.rstrip("/")
        self._rest = f"{self._base}/rest/api/2"
        self._url_problem = url_problem(url)
        self._deployment = options.deployment
        self._source_jql = options.source_jql
        self._points_setting = options.story_points_field
        # A stored SiteInfo from before the deployment setting changed describes another site.
        info, deployment = options.info, options.deployment
        stale = info is not None and deployment != "auto" and info.cloud != (deployment == "cloud")
        self._info = None if stale else info
        client = JIRA(
            server=self._base if self._url_problem is None else "https://invalid.invalid",
            options={"rest_api_version": "2"},
            get_server_info=False,
            max_retries=0,
            timeout=options.timeout,
            **auth.session_options(),
        )
        wire = _JiraWire(client._session, self._rest, auth, project)
        self._transport = Transport(wire, self.stats, sleep, options.budget)

    # ---- requests ------------------------------------------------------------------------------

    def _send(self, request: Request) -> Any:
        """One REST v2 request under the retry policy; the parsed JSON answer (None if empty).
        A malformed `JIRA_URL` fails here, before any request."""
        if self._url_problem is not None:
            raise TrackerError(f"{request.what}: {self._url_problem}")
        return self._transport.request(request)

    def _url(self, path: str) -> str:
        return f"{self._rest}/{path}"

    def _get(
        self, path: str, what: str, params: Mapping[str, Any] | None = None, *, shape: Shape
    ) -> Any:
        """A read: anything but JSON of `shape` is a failed, retriable read."""
        return self._send(Request("GET", self._url(path), what, params, expect=shape))

    # ---- site ----------------------------------------------------------------------------------

    @property
    def info(self) -> SiteInfo:
        """The site as discovered (or as passed in): what the worker should store."""
        if self._info is None:
            return self.discover()
        return self._info

    def discover(self) -> SiteInfo:
        """Read the deployment type (unless configured), the custom fields and our own account."""
        server: dict[str, Any] = {}
        if self._deployment == "auto":
            server = self._get("serverInfo", "read the server info", shape=_json_object)
            if not isinstance(server.get("deploymentType"), str):
                raise TrackerError(
                    f"{_shown_url(self._base)} does not look like a Jira site: its "
                    f"/rest/api/2/serverInfo names no deploymentType; check {URL_SETTING}"
                )
        fields = self._get("field", "list the fields", shape=_json_list)
        me = self._get("myself", "read our own account", shape=_json_object)
        try:
            info = site_info(self._deployment, server, fields, me)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TrackerError(
                f"discover {_shown_url(self._base)}: unexpected answer ({exc})"
            ) from None
        points = story_points_fields([f for f in fields if isinstance(f, dict)], info.cloud)
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

    def _cloud(self) -> bool:
        if self._info is None and self._deployment != "auto":
            return self._deployment == "cloud"
        return self.info.cloud

    # ---- reads ---------------------------------------------------------------------------------

    def _search_cloud(self, jql: str, fields: str, what: str) -> Iterator[Any]:
        """`/search/jql`, chained by `nextPageToken` until the last page; a token seen before
        stops the listing (Cloud reports no total to bound it by)."""
        params: dict[str, Any] = {"jql": jql, "maxResults": PAGE_SIZE, "fields": fields}
        paging = _Paging(what, _entry_id("key"), self.max_pages)
        tokens: set[str] = set()
        while True:
            page = self._get("search/jql", what, params, shape=_cloud_search_page)
            issues = page["issues"]
            paging.read(issues)
            yield from issues
            token = page.get("nextPageToken")
            if not token or page.get("isLast"):
                return
            if token in tokens:
                raise TrackerError(
                    f"{what}: Jira sent a page token it had sent before (after page "
                    f"{paging.pages}); stopped instead of reading the same pages forever"
                )
            tokens.add(token)
            params = {**params, "nextPageToken": token}

    def _search_server(self, jql: str, fields: str, what: str) -> Iterator[Any]:
        """`/search` on Data Center, by `startAt` until `total` is reached."""
        params = {"jql": jql, "startAt": 0, "maxResults": PAGE_SIZE, "fields": fields}
        return self._offset_pages(_Listing("search", what, "issues", "key"), params)

    def _offset_pages(self, listing: _Listing, params: dict[str, Any]) -> Iterator[Any]:
        """The entries of a listing paged by `startAt` until the `total` it reports."""
        what, listed = listing.what, listing.entries
        paging = _Paging(what, _entry_id(listing.ident), self.max_pages)
        start = 0
        while True:
            params = {**params, "startAt": start}
            page = self._get(listing.path, what, params, shape=listing.shape)
            entries = page[listed]
            _check_start(page, start, what)
            if paging.pages == 0:
                paging.bound_by_total(page["total"], len(entries))
            paging.read(entries)
            yield from entries
            start += len(entries)
            if not entries or start >= page["total"]:
                return

    def _own_project(self, raws: Iterable[Any]) -> Iterator[Any]:
        """Search answers without issues of other projects (`item.foreign`): the query asked
        for one project, so anything else came from a server or proxy that should not be
        believed, and is never counted."""
        prefix = f"{self.project}-"
        for raw in raws:
            key = raw.get("key") if isinstance(raw, dict) else None
            if isinstance(key, str) and not key.startswith(prefix):
                log.warning(
                    "item.foreign", source=self.source_id, item=key[:60], project=self.project
                )
                continue
            yield raw

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
        what = f"search {self.project} issues"
        seen: set[str] = set()
        search = self._search_cloud if site.cloud else self._search_server
        items = skip_malformed(
            self._own_project(search(query, search_fields(site), what)),
            lambda raw: normalise_issue(raw, self.source_id, self._base, site),
            event="item.malformed",
            source=self.source_id,
            name=lambda raw: raw.get("key"),
            unreadable=self.unreadable,
        )
        for item in items:
            if item.key not in seen:
                seen.add(item.key)
                yield item

    def changes(self, since: datetime | None, validator: Validator | None) -> ChangeListing:
        """`fetch_items` as a listing that is never `unchanged`: Jira's search answers carry no
        `ETag` or `Last-Modified` to ask for it conditionally (its REST references document
        none), so each read of a stream is one search."""
        return ChangeListing(False, None, None, [], self.fetch_items(since))

    def open_selection(self, selection: Selection) -> ChangeListing:
        raise NotImplementedError("a Jira full read by selectors is one search: `fetch_items`")

    def milestone_changes(
        self, validator: Validator | None
    ) -> tuple[list[Milestone] | None, Validator | None]:
        """The fix versions, read every time (no validator: see `changes`)."""
        return self.fetch_milestones(), None

    def fetch_milestones(self) -> list[Milestone]:
        """The project's fix versions, in one request."""
        raw_versions = self._get(
            f"project/{self.project}/versions", f"list {self.project} versions", shape=_json_list
        )
        return list(
            skip_malformed(
                raw_versions,
                lambda raw: normalise_version(raw, self.source_id, self._base, self.project),
                event="milestone.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("name"),
            )
        )

    def fetch_labels(self) -> list[str]:
        """Jira has no label list worth reading (labels are free text): nothing to check."""
        return []

    def check_jql(self, jql: str) -> None:
        """Run a selector's JQL once, bounded by the project (one issue, its key only); Jira's
        own message when it refuses the query. Unbalanced parentheses are refused unsent."""
        query = search_jql(
            self.project, source_jql=self._source_jql, selector_jql=jql, since=None,
            now=datetime.now(UTC), order="key ASC",
        )  # fmt: skip
        what = f"check the JQL {jql!r}"
        params: dict[str, Any] = {"jql": query, "maxResults": 1, "fields": "key"}
        if self._cloud():
            self._get("search/jql", what, params, shape=_cloud_search_page)
        else:
            self._get("search", what, {**params, "startAt": 0}, shape=_DC_SEARCH_PAGE)

    def site(self) -> dict | None:
        return self._info.to_dict() if self._info is not None else None

    def cloud(self) -> bool | None:
        return self._cloud()

    def check_access(self) -> None:
        """Raise TrackerError unless the credentials can read the project."""
        self._get(f"project/{self.project}", f"read project {self.project}", shape=_json_object)

    def fetch_item(self, issue: str, *, pull_requests: bool = True) -> WorkItem | None:
        site = self._site()
        what = f"get {issue}"
        try:
            raw = self._get(
                f"issue/{issue}", what, {"fields": search_fields(site)}, shape=_json_object
            )
        except NotFound:
            return None
        try:
            return normalise_issue(raw, self.source_id, self._base, site)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise TrackerError(f"{what}: the issue cannot be read ({exc})") from None

    def counted_no_comments(self, issue: str) -> bool:
        """Jira's search answers carry no comment count we ask for: always list."""
        return False

    def own_comments(self, issue: str) -> list[Comment]:
        """Comments by our account, with the marker read from their `delivery-sync` property."""
        site = self._site()
        found = []
        for raw in self._comments(issue):
            try:
                comment = normalise_comment(raw, site.cloud)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
                continue
            if comment.author != site.account:
                continue
            if "properties" not in raw:
                # The site ignored expand=properties: ask for our property of our own comments.
                comment = replace(comment, marker=self._property(comment.id))
            found.append(comment)
        return found

    def _comments(self, issue: str) -> Iterator[Any]:
        listing = _Listing(f"issue/{issue}/comment", f"list comments of {issue}", "comments", "id")
        params = {"startAt": 0, "maxResults": PAGE_SIZE, "expand": "properties"}
        return self._offset_pages(listing, params)

    def _property(self, comment_id: str) -> Marker | None:
        what = f"read the marker of comment {comment_id}"
        try:
            raw = self._get(f"comment/{comment_id}/properties/{PROPERTY}", what, shape=_json_object)
        except NotFound:
            return None
        return parse_marker(raw.get("value"))

    # ---- writes --------------------------------------------------------------------------------

    def body(self, document: Document, marker: Marker) -> str:
        """The wiki-markup body. The marker is a comment property, so it is not in the text."""
        from rendering import wiki
        from rendering.document import fit

        cloud = self._site().cloud
        return fit(
            document, lambda d: wiki.render(d, cloud=cloud), wiki.MAX_BODY, measure=wiki.measure
        )

    def _check_size(self, body: str, what: str) -> None:
        """Jira's limit is a Java string length: UTF-16 code units (an emoji counts 2)."""
        from rendering import wiki

        if (size := wiki.measure(body)) > wiki.MAX_BODY:
            raise TrackerError(f"{what}: {size} UTF-16 code units, Jira takes {wiki.MAX_BODY}")

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
        url = self._url(f"issue/{issue}/comment")
        raw = self._send(Request("POST", url, what, body=payload, create=True))
        try:
            created = replace(normalise_comment(raw, site.cloud), marker=marker)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
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
        what = f"mark comment {comment_id}"
        self._send(Request("PUT", self._url(path), what, body=marker.to_dict()))

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        """PUT the new body to the issue's comment URL (not the comment's `self`, which on Cloud
        may name api.atlassian.com). The marker property stays as it is. Cloud is asked not to
        notify anyone; Data Center has no such parameter (see the module docstring)."""
        what = f"edit comment {comment_id} on {issue}"
        self._check_size(body, what)
        params = {"notifyUsers": "false"} if self._cloud() else None
        url = self._url(f"issue/{issue}/comment/{comment_id}")
        self._send(Request("PUT", url, what, params, body={"body": body}))

    def delete_comment(self, issue: str, comment_id: str) -> None:
        """Delete one of our comments (`run --prune`). NotFound when it is already gone."""
        what = f"delete comment {comment_id} on {issue}"
        self._send(Request("DELETE", self._url(f"issue/{issue}/comment/{comment_id}"), what))


def _check_start(page: dict[str, Any], start: int, what: str) -> None:
    """An offset page must start where it was asked to: one that does not ignored `startAt`
    (a cache or proxy answering the first page again), and reading on would go in circles."""
    echoed = page.get("startAt")
    if isinstance(echoed, int) and not isinstance(echoed, bool) and echoed != start:
        raise TrackerError(
            f"{what}: asked for the page at {start}, got the one at {echoed}; stopped instead "
            "of reading the same pages again"
        )


def _jira_error(content: bytes) -> dict[str, Any] | None:
    """Jira's error JSON (`errorMessages` and/or `errors`), or None when the body is not it."""
    try:
        body = json.loads(content) if content else None
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("errorMessages"), list) or isinstance(body.get("errors"), dict):
        return valid_text(body)
    return None
