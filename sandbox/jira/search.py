"""JQL search over the simulated Jira's store: what each clause name means in the store's mode
(values, operators, ordering, which clauses bound a query), and the ids a query selects.

JQL is read in the querying user's time zone, UTC for every sandbox user. Values that do not
exist (status, version, user, key, …) are 400s, as on Jira. Cloud demands a bounded query:
here, a positive `project`, `key`, `parent` (or Data Center "Epic Link") clause that every OR
branch keeps — stricter than Cloud, which also accepts e.g. a date restriction. `parent` means
the epic or a sub-task's parent on Cloud, only a sub-task's parent on Data Center; "Epic Link"
exists on Data Center only. Without ORDER BY results come by key, newest first; ties in any
ORDER BY are broken by issue id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.jira import jql
from sandbox.jira.catalogue import (
    CATEGORIES,
    ISSUE_TYPES,
    PRIORITIES,
    PRIORITY,
    RESOLUTION,
    RESOLUTIONS,
    STATUS,
    STATUSES,
    TYPE,
    Named,
)
from sandbox.jira.errors import JiraError
from sandbox.jira.store import Issue, JiraStore

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


class IssueSearch:
    """The ids of the issues a JQL query selects, cached until the store changes."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.clauses = clauses(store)
        self._cache: dict[tuple[Any, ...], list[int]] = {}
        self._version = store.version

    def ids(self, text: str, *, bounded: bool) -> list[int]:
        """The ids of the live issues `text` selects, in its order; `bounded`: refuse a query
        that does not bound the issues it can match (Cloud)."""
        now = self.store.clock()
        compiled = jql.compile_query(
            jql.parse(text),
            self.clauses.get,
            now=now,
            tz=UTC,
            default_order=(jql.SortKey("key", descending=True),),
        )
        if bounded and not compiled.bounded:
            raise JiraError(400, UNBOUNDED)
        if self._version != self.store.version:  # a change: every cached selection is stale
            self._cache.clear()
            self._version = self.store.version
        cache_key = (text, now if compiled.uses_clock else None)
        if cache_key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            live = (i for i in self.store.issues_by_id.values() if not i.deleted)
            selected = compiled.order(filter(compiled.matches, live), lambda i: i.id)
            self._cache[cache_key] = [issue.id for issue in selected]
        return self._cache[cache_key]


def clauses(store: JiraStore) -> dict[str, jql.FieldSpec]:
    """JQL clause names (lower-case) → what they mean in the store's mode."""
    cf = store.fields
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
                    return [store.bot]
                raise jql.JqlError(f"{jql.PREFIX}Unable to find JQL function '{value}'.")
            text = _literal(value, name)
            for user in store.users.values():
                ids = (user.account_id, user.email) if store.cloud else (user.name, user.key)
                if text in ids or (not store.cloud and text.lower() == user.name.lower()):
                    return [user.name]
            raise _no_value(text, name)

        def sort(issue: Issue) -> str | None:
            who = getattr(issue, attr)
            return store.user(who).display_name if who else None

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
                return [store.issue_by_ref(text).id]
            except LookupError:
                raise jql.JqlError(
                    f"An issue with key '{text}' does not exist for field '{name}'."
                ) from None

        return jql.FieldSpec(name, "set", values, resolve=resolve, bounding=True, **kw)

    def key_sort(issue: Issue) -> tuple[str, int]:
        return (issue.project.key, issue.number)

    def project_resolve(value: jql.Value) -> list[int]:
        text = _literal(value, "project")
        for project in store.projects.values():
            if text.upper() == project.key or text.lower() == project.name.lower():
                return [project.id]
            if text == str(project.id):
                return [project.id]
        raise _no_value(text, "project")

    def category_resolve(value: jql.Value) -> list[str]:
        text = _literal(value, "statusCategory")
        for category in CATEGORIES.values():
            if text.lower() in (category.key, category.name.lower()) or text == str(category.id):
                return [category.key]
        raise _no_value(text, "statusCategory")

    def resolution_resolve(value: jql.Value) -> list[Any]:
        text = _literal(value, "resolution")
        if text.lower() == "unresolved":
            return [jql.Empty()]
        found = RESOLUTION.get(text.lower()) or next((r for r in RESOLUTIONS if r.id == text), None)
        if found is None:
            raise _no_value(text, "resolution")
        return [found.name]

    def version_resolve(value: jql.Value) -> list[int]:
        projects = store.projects.values()
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
            for p in store.projects.values()
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
                return [s.id for s in store.sprints.values() if s.state == states[value.name]]
            raise jql.JqlError(f"{jql.PREFIX}Unable to find JQL function '{value}'.")
        text = _literal(value, "sprint")
        found = [
            s.id
            for s in store.sprints.values()
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
        found = TYPE.get(text.lower()) or next((t for t in ISSUE_TYPES if t.id == text), None)
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
        shown = store.visible_parent(issue)
        return (shown.id,) if shown else ()

    def epic_values(issue: Issue) -> tuple[int, ...]:
        epic = store.epic_of(issue)
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
            named("status", STATUS),
            lambda i: status_rank[i.status],
        ),
        "statuscategory": jql.FieldSpec(
            "statusCategory",
            "set",
            lambda i: (STATUS[i.status.lower()].category,),
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
            named("priority", PRIORITY),
            lambda i: priority_rank[i.priority],
        ),
        "labels": jql.FieldSpec("labels", "set", lambda i: tuple(i.labels), jql.EQUALITY, labels),
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
    story = jql.FieldSpec("Story Points", "number", points, ordered, sort=lambda i: i.story_points)
    for fid, spec in ((cf.sprint, sprint), (cf.story_points, story), (cf.rank, specs["rank"])):
        specs[f"cf[{fid.removeprefix('customfield_')}]"] = spec
    specs["sprint"] = sprint
    if store.cloud:
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


def _literal(value: jql.Value, field_name: str) -> str:
    if isinstance(value, jql.Function):
        raise jql.JqlError(
            f"{jql.PREFIX}Unable to find JQL function '{value}' for field '{field_name}'."
        )
    assert isinstance(value, jql.Literal)
    return value.text


def _no_value(text: str, field_name: str) -> jql.JqlError:
    return jql.JqlError(f"The value '{text}' does not exist for the field '{field_name}'.")


def _none(issue: Issue) -> None:
    return None
