"""The simulated Jira site's state: users, sprints, projects with their components and fix
versions, issues, comments with their properties, and issue links, loaded from a materialised
seed section; the changes Jira makes to them, the e-mails it would send, and the misbehaviours
a test can switch on.

Users are named in seeds and helpers by their Data Center user name (`dana.lee`); an accountId
works too. One re-entrant lock guards everything; the caller holds it (`JiraStore.lock`).
Mutations stamp times from the injectable clock and bump `version`, which caches key on.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sandbox.jira.auth import EMAIL
from sandbox.jira.catalogue import (
    CLOUD_FIELDS,
    LINK,
    PRIORITY,
    RESOLUTION,
    SERVER_FIELDS,
    STATUS,
    TYPE,
    named,
)
from sandbox.wire import Clock, utc_now

CLOUD, SERVER = "cloud", "server"


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


class JiraStore:
    """In-memory Jira state built from a materialised seed section (`data`), in one `mode`.

    Jira's own faults, switched on by tests: `repeat_page_token` (every `/search/jql` page
    offers the first page's token again), `ignore_start_at` (`/search` answers the first page
    whatever `startAt` asks), `foreign_issues` (keys of other projects' issues added to the
    first page of every search, whatever the JQL says). `notifications`: the e-mails Jira
    would send about comments.
    """

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
        self.users: dict[str, User] = {}  # by lower-case name
        self._by_account: dict[str, User] = {}
        self.projects: dict[str, Project] = {}  # by key
        self.issues_by_id: dict[int, Issue] = {}
        self.comments_by_id: dict[int, Comment] = {}
        self.links_by_id: dict[int, Link] = {}
        self.sprints: dict[int, Sprint] = {}
        self.version = 0  # bumped by every change
        self._subtask_index: tuple[int, dict[int, list[Issue]]] = (-1, {})
        self._ids = {
            kind: itertools.count(start)
            for kind, start in [
                ("comment", 10_000),
                ("link", 10_000),
                ("component", 10_000),
                ("user", 10_100),
            ]
        }
        self.repeat_page_token = False
        self.ignore_start_at = False
        self.foreign_issues: list[str] = []
        self.notifications: list[Notification] = []
        self._load(data)

    # -- loading --------------------------------------------------------------------------------

    def _load(self, data: Mapping[str, Any]) -> None:
        bot = data.get("bot") or {}
        self.bot = self.add_user(
            bot.get("name", "delivery-sync"),
            bot.get("display_name", "delivery-sync"),
            account_id=bot.get("account_id", "557058:delivery-sync-bot"),
            key=bot.get("key", "JIRAUSER10000"),
            email=bot.get("email", EMAIL),
        ).name
        for raw in data.get("users", ()):
            self.add_user(
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
        project = self.new_project(raw["key"], raw["name"], raw.get("lead"), raw.get("id"))
        project.description = raw.get("description", "")
        for c in raw.get("components", ()):
            self._new_component(project, c["name"], c.get("description"))
        for v in raw.get("versions", ()):
            self.new_version(
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
            issue = self.new_issue(project, item, number=int(item["key"].rsplit("-", 1)[1]))
            for c in item.get("comments", ()):
                author = self.user(c["author"]).name
                self.new_comment(issue, author, c["body"], c["created_at"], c.get("updated_at"))
        for item in issues:  # parents and links may point forward
            issue = self.issue_by_ref(item["key"])
            if item.get("parent"):
                issue.parent = self.issue_by_ref(item["parent"]).id
            for link in item.get("links", ()):
                self.new_link(link["type"], issue, self.issue_by_ref(link["outward"]))

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
        self.changed()
        return sprint

    def _new_component(self, project: Project, name: str, description: str | None) -> Component:
        component = Component(next(self._ids["component"]), project.id, name, description)
        project.components[component.id] = component
        self.changed()
        return component

    # -- creating -------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        display_name: str,
        *,
        account_id: str | None = None,
        key: str | None = None,
        email: str | None = None,
    ) -> User:
        """A new user, or the existing one with this name."""
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

    def new_project(self, key: str, name: str, lead: str | None, pid: int | None = None) -> Project:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]+", key):
            raise ValueError(f"bad project key {key!r}")
        if key in self.projects:
            raise ValueError(f"project {key} exists")
        pid = pid or _fresh(p.id for p in self.projects.values())
        project = Project(pid, key, name, self.user(lead).name)
        self.projects[key] = project
        self.changed()
        return project

    def new_version(
        self, project: Project, name: str, *, vid: int | None = None, **attrs: Any
    ) -> Version:
        if any(v.name.lower() == name.lower() for v in project.versions.values()):
            raise ValueError(f"version {name!r} exists in {project.key}")
        vid = vid or _fresh(v for p in self.projects.values() for v in p.versions)
        version = Version(vid, project.id, name, **attrs)
        project.versions[version.id] = version
        self.changed()
        return version

    def new_issue(
        self, project: Project, raw: Mapping[str, Any], *, number: int | None = None
    ) -> Issue:
        """An issue from seed-shaped `raw`; a done status gets resolution Done."""
        now = self.clock()
        number = number or max(project.issues, default=0) + 1
        if number in project.issues:
            raise ValueError(f"{project.key}-{number} exists")
        created = raw.get("created_at") or now
        status = named(STATUS, raw.get("status", "To Do"), "status").name
        done = STATUS[status.lower()].category == "done"
        resolution = raw.get("resolution") or ("Done" if done else None)
        resolved = raw.get("resolved_at") or (created if resolution else None)
        updated = raw.get("updated_at") or max(created, resolved or created)
        issue = Issue(
            id=raw.get("id") or _fresh(self.issues_by_id),
            project=project,
            number=number,
            summary=raw["summary"],
            issuetype=named(TYPE, raw.get("type", "Task"), "issuetype").name,
            status=status,
            reporter=self.user(raw.get("reporter")).name,
            created=created,
            updated=updated,
            status_changed=raw.get("status_changed_at") or resolved or updated,
            priority=named(PRIORITY, raw.get("priority", "Medium"), "priority").name,
            resolution=named(RESOLUTION, resolution, "resolution").name if resolution else None,
            resolved=resolved if resolution else None,
            assignee=self.user(raw["assignee"]).name if raw.get("assignee") else None,
            description=raw.get("description"),
            labels=list(dict.fromkeys(raw.get("labels", ()))),
            components=[self.component(project, c).id for c in raw.get("components", ())],
            fix_versions=[self.version_of(project, v).id for v in raw.get("fix_versions", ())],
            due=raw.get("due_on"),
            story_points=raw.get("story_points"),
            sprints=[self.sprint(s).id for s in raw.get("sprints", ())],
            original_estimate=raw.get("original_estimate"),
            remaining_estimate=raw.get("remaining_estimate"),
            time_spent=raw.get("time_spent"),
        )
        if issue.id in self.issues_by_id:
            raise ValueError(f"issue id {issue.id} exists")
        project.issues[number] = issue
        self.issues_by_id[issue.id] = issue
        self.changed()
        return issue

    def new_comment(
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
        self.changed()
        return comment

    def new_link(self, type_name: str, source: Issue, target: Issue) -> Link:
        link_type = named(LINK, type_name, "issuelinktype").name
        link = Link(next(self._ids["link"]), link_type, source.id, target.id)
        self.links_by_id[link.id] = link
        source.link_ids.append(link.id)
        target.link_ids.append(link.id)
        self.changed()
        return link

    # -- changing -------------------------------------------------------------------------------

    def changed(self) -> None:
        self.version += 1

    def apply(self, issue: Issue, changes: Mapping[str, Any], at: datetime) -> bool:
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
                setattr(issue, name, self.user(value).name if value else None)
            elif name == "priority":
                issue.priority = named(PRIORITY, value, "priority").name
            elif name == "issuetype":
                issue.issuetype = named(TYPE, value, "issuetype").name
            elif name == "fix_versions":
                issue.fix_versions = [self.version_of(project, v).id for v in value]
            elif name == "components":
                issue.components = [self.component(project, c).id for c in value]
            elif name == "sprints":
                issue.sprints = [self.sprint(s).id for s in value]
            elif name == "parent":
                issue.parent = self.issue_by_ref(value).id if value else None
            else:
                raise TypeError(f"unknown issue field {name!r}")
        changed = _snapshot(issue) != before
        if changed:
            issue.updated = at
            self.changed()
        return changed

    def transition(self, issue: Issue, status: str, resolution: str | None, at: datetime) -> None:
        """Move an issue to `status`. Into a done status it gets `resolution` (default Done)
        and a resolution date; out of one it loses both, as Jira's default workflow does."""
        target = named(STATUS, status, "status")
        if target.category == "done":
            name = named(RESOLUTION, resolution or "Done", "resolution").name
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
        self.changed()

    def delete_issue(self, issue: Issue) -> None:
        """It leaves every search and its URL answers 404."""
        issue.deleted = True
        self.changed()

    def remove_comment(self, comment: Comment) -> None:
        del self.comments_by_id[comment.id]
        self.issues_by_id[comment.issue].comment_ids.remove(comment.id)
        self.changed()

    def notify(self, issue: Issue, event: str, comment: Comment) -> None:
        self.notifications.append(Notification(issue.key, event, comment.id, self.clock()))

    # -- relations ------------------------------------------------------------------------------

    def is_subtask(self, issue: Issue) -> bool:
        return TYPE[issue.issuetype.lower()].subtask

    def epic_of(self, issue: Issue) -> Issue | None:
        """The epic an issue belongs to (never for a sub-task: its parent is an issue)."""
        if issue.parent is None or self.is_subtask(issue):
            return None
        parent = self.issues_by_id[issue.parent]
        return parent if parent.issuetype == "Epic" else None

    def visible_parent(self, issue: Issue) -> Issue | None:
        """The issue `fields.parent` shows: Cloud any parent, Data Center a sub-task's only."""
        if issue.parent is None or (not self.cloud and not self.is_subtask(issue)):
            return None
        return self.issues_by_id[issue.parent]

    def subtasks(self, issue: Issue) -> list[Issue]:
        """The issue's live sub-tasks (indexed once per state version: pages stay linear)."""
        if self._subtask_index[0] != self.version:
            index: dict[int, list[Issue]] = {}
            for i in self.issues_by_id.values():
                if i.parent is not None and not i.deleted and self.is_subtask(i):
                    index.setdefault(i.parent, []).append(i)
            self._subtask_index = (self.version, index)
        return self._subtask_index[1].get(issue.id, [])

    def aggregate(self, issue: Issue, attr: str) -> int | None:
        """The sum of `attr` over the issue and its sub-tasks (None when none has it)."""
        values = [getattr(i, attr) for i in (issue, *self.subtasks(issue))]
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    # -- lookups --------------------------------------------------------------------------------

    @property
    def default_author(self) -> str:
        """Who reports issues added without a `reporter`: the first human user, else the bot."""
        return next((u.name for u in self.users.values() if u.name != self.bot), self.bot)

    def user(self, ref: str | None) -> User:
        """The user with this name or accountId (None: the default author)."""
        if ref is None:
            return self.users[self.default_author.lower()]
        user = self.users.get(ref.lower()) or self._by_account.get(ref)
        if user is None:
            raise LookupError(f"no Jira user {ref!r}")
        return user

    def issue_by_ref(self, ref: str | int) -> Issue:
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

    def version_of(self, project: Project, ref: str | int) -> Version:
        for v in project.versions.values():
            if v.name == ref or str(v.id) == str(ref):
                return v
        raise LookupError(f"no version {ref!r} in {project.key}")

    def component(self, project: Project, ref: str | int) -> Component:
        for c in project.components.values():
            if c.name == ref or str(c.id) == str(ref):
                return c
        raise LookupError(f"no component {ref!r} in {project.key}")

    def sprint(self, ref: str | int) -> Sprint:
        for s in self.sprints.values():
            if s.name == ref or str(s.id) == str(ref):
                return s
        raise LookupError(f"no sprint {ref!r}")

    def project(self, key: str) -> Project:
        if key not in self.projects:
            raise LookupError(f"no project {key!r}")
        return self.projects[key]

    def live_issues(self, project: Project) -> list[Issue]:
        """The project's issues that were not deleted, by key number."""
        return sorted((i for i in project.issues.values() if not i.deleted), key=lambda i: i.number)


def _fresh(taken: Iterable[int], start: int = 10_000) -> int:
    """An id after every one taken (seeds bring their own ids; helpers add after them)."""
    return max(taken, default=start - 1) + 1


def _snapshot(issue: Issue) -> tuple[Any, ...]:
    return (
        issue.summary, issue.description, issue.due, issue.story_points, issue.original_estimate,
        issue.remaining_estimate, issue.time_spent, list(issue.labels), issue.assignee,
        issue.reporter, issue.priority, issue.issuetype, list(issue.fix_versions),
        list(issue.components), list(issue.sprints), issue.parent,
    )  # fmt: skip
