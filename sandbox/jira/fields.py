"""The issue fields of the simulated Jira: which exist in each mode, how each is shown in an issue
payload, what `GET /field` says about them, and which ones a `fields` parameter asks for.

The field catalogue differs between the modes: Cloud has `statusCategory`,
`statuscategorychangedate`, "Start date" and an unused classic "Story Points" field; Data Center
has "Epic Link" and "Epic Name". Story points, sprints and rank are custom fields whose ids
differ (`sandbox.jira.catalogue.CustomFields`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sandbox.jira.catalogue import PRIORITY, RESOLUTION, CustomFields
from sandbox.jira.payloads import JiraPayloads, jira_time
from sandbox.jira.store import Issue, JiraStore

Builder = Callable[[Issue, str], Any]  # (issue, the site's base URL) -> the field's value
ABSENT = object()  # a builder's answer for a field the payload leaves out (an absent parent)
NOT_NAVIGABLE = frozenset({"comment", "timetracking"})
NOT_ORDERABLE = frozenset({"issuekey", "parent", "issuelinks", "subtasks", "timetracking"})
ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
SECONDS = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}  # Jira's 8-hour day


@dataclass(frozen=True, slots=True)
class Selection:
    """Which fields an issue payload carries; `ids_only`: nothing but `{"id"}`."""

    fields: tuple[str, ...]
    ids_only: bool = False


class IssueFields:
    """The mode's fields over a store; `definitions` is what `GET /field` answers."""

    def __init__(self, store: JiraStore, payloads: JiraPayloads) -> None:
        self.builders = _builders(store, payloads)
        self.definitions = _definitions(store.fields, store.cloud, self.builders)

    def select(self, asked: list[str] | None, default: str, *, ids_only: bool = False) -> Selection:
        """The fields a `fields` parameter names: `*all`, `*navigable`, ids, `-id` exclusions;
        unknown ids are ignored, as on Jira."""
        if ids_only:
            return Selection((), ids_only=True)
        tokens = [t.strip() for raw in (asked or [default]) for t in raw.split(",") if t.strip()]
        wanted: set[str] = set()
        excluded: set[str] = set()
        for token in tokens or [default]:
            if token.startswith("-"):
                excluded.add(token[1:])
            elif token == "*all":
                wanted |= set(self.builders)
            elif token == "*navigable":
                wanted |= {f for f in self.builders if f not in NOT_NAVIGABLE}
            else:
                wanted.add(token)
        if excluded and not wanted:
            wanted = {f for f in self.builders if f not in NOT_NAVIGABLE}
        chosen = tuple(f for f in self.builders if f in wanted and f not in excluded)
        return Selection(chosen)

    def issue(self, issue: Issue, selection: Selection, base: str) -> dict[str, Any]:
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
                value = self.builders[name](issue, base)
                if value is not ABSENT:
                    fields[name] = value
            out["fields"] = fields
        return out


def _builders(store: JiraStore, payloads: JiraPayloads) -> dict[str, Builder]:
    """Field id → payload value, in the order payloads list them."""
    cf = store.fields

    def progress(issue: Issue, aggregate: bool) -> dict[str, int]:
        spent = (store.aggregate if aggregate else getattr)(issue, "time_spent") or 0
        left = (store.aggregate if aggregate else getattr)(issue, "remaining_estimate") or 0
        out = {"progress": spent, "total": spent + left}
        if spent + left:
            out["percent"] = round(100 * spent / (spent + left))
        return out

    def workratio(issue: Issue) -> int:
        if not issue.original_estimate:
            return -1
        return round(100 * (issue.time_spent or 0) / issue.original_estimate)

    def comment_page(issue: Issue, base: str) -> dict[str, Any]:
        comments = [store.comments_by_id[c] for c in issue.comment_ids]
        out: dict[str, Any] = {"comments": [payloads.comment(c, base) for c in comments]}
        if store.cloud:
            out["self"] = f"{base}/rest/api/2/issue/{issue.id}/comment"
        return out | {"maxResults": len(comments), "total": len(comments), "startAt": 0}

    def parent(issue: Issue, base: str) -> Any:
        shown = store.visible_parent(issue)
        return payloads.brief_issue(shown, base) if shown else ABSENT

    def sprints(issue: Issue, base: str) -> Any:
        return [payloads.sprint(store.sprints[s]) for s in issue.sprints] or None

    builders: dict[str, Builder] = {
        "summary": lambda i, b: i.summary,
        "issuetype": lambda i, b: payloads.issue_type(i.issuetype, b),
        "parent": parent,
        "project": lambda i, b: payloads.project(i.project, b),
        "fixVersions": lambda i, b: [
            payloads.version(i.project.versions[v], b) for v in i.fix_versions
        ],
        "resolution": lambda i, b: (
            payloads.named("resolution", RESOLUTION[i.resolution.lower()], b)
            if i.resolution
            else None
        ),
        "resolutiondate": lambda i, b: jira_time(i.resolved),
        "workratio": lambda i, b: workratio(i),
        "lastViewed": lambda i, b: None,
        "watches": lambda i, b: {
            "self": f"{b}/rest/api/2/issue/{i.key}/watchers",
            "watchCount": 1,
            "isWatching": False,
        },
        "created": lambda i, b: jira_time(i.created),
        "priority": lambda i, b: payloads.named("priority", PRIORITY[i.priority.lower()], b),
        "labels": lambda i, b: list(i.labels),
        "timeestimate": lambda i, b: i.remaining_estimate,
        "aggregatetimeoriginalestimate": lambda i, b: store.aggregate(i, "original_estimate"),
        "versions": lambda i, b: [],
        "issuelinks": lambda i, b: [
            payloads.link(store.links_by_id[lid], i, b) for lid in i.link_ids
        ],
        "assignee": lambda i, b: payloads.maybe_user(i.assignee, b),
        "updated": lambda i, b: jira_time(i.updated),
        "status": lambda i, b: payloads.status(i.status, b),
        "components": lambda i, b: [
            payloads.component(i.project.components[c], b) for c in i.components
        ],
        "timeoriginalestimate": lambda i, b: i.original_estimate,
        "description": lambda i, b: i.description,
        "timetracking": lambda i, b: _timetracking(i),
        "aggregatetimeestimate": lambda i, b: store.aggregate(i, "remaining_estimate"),
        "creator": lambda i, b: payloads.maybe_user(i.reporter, b),
        "subtasks": lambda i, b: [payloads.brief_issue(s, b) for s in store.subtasks(i)],
        "reporter": lambda i, b: payloads.maybe_user(i.reporter, b),
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
        "aggregatetimespent": lambda i, b: store.aggregate(i, "time_spent"),
        cf.story_points: lambda i, b: i.story_points,
        cf.sprint: sprints,
        cf.rank: lambda i, b: f"0|i{i.id:05x}:",
    }
    if store.cloud:
        builders["statuscategorychangedate"] = lambda i, b: jira_time(i.status_changed)
        builders["statusCategory"] = lambda i, b: payloads.status(i.status, b)["statusCategory"]
        builders["customfield_10015"] = lambda i, b: None  # Start date
        if cf.story_points_unused:
            builders[cf.story_points_unused] = lambda i, b: None
    else:
        assert cf.epic_link and cf.epic_name

        def epic_link(issue: Issue, base: str) -> str | None:
            epic = store.epic_of(issue)
            return epic.key if epic else None

        builders[cf.epic_link] = epic_link
        builders[cf.epic_name] = lambda i, b: i.summary if i.issuetype == "Epic" else None
    return builders


def _definitions(cf: CustomFields, cloud: bool, known: Collection[str]) -> list[dict[str, Any]]:
    """What `GET /field` lists: every field the builders know, with Jira's schemas."""
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
            "Story point estimate" if cloud else "Story Points",
            "number",
            gh + "jsw-story-points" if cloud else plugin + "float",
        ),
        cf.sprint: ("Sprint", ("array", "json"), gh + "gh-sprint"),
        cf.rank: ("Rank", "any", gh + "gh-lexo-rank"),
    }
    if cloud:
        custom["customfield_10015"] = ("Start date", "date", plugin + "datepicker")
        assert cf.story_points_unused
        custom[cf.story_points_unused] = ("Story Points", "number", plugin + "float")
    else:
        assert cf.epic_link and cf.epic_name
        custom[cf.epic_link] = ("Epic Link", "any", gh + "gh-epic-link")
        custom[cf.epic_name] = ("Epic Name", "string", gh + "gh-epic-label")
    out = []
    for fid, (name, schema, clauses) in system.items():
        if fid not in known and fid != "issuekey":
            continue
        entry: dict[str, Any] = {"id": fid, "name": name, "custom": False}
        entry |= {
            "orderable": fid not in NOT_ORDERABLE,
            "navigable": fid not in NOT_NAVIGABLE,
        }
        entry |= {"searchable": bool(clauses), "clauseNames": clauses}
        if cloud:
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
        if cloud:
            entry |= {"key": fid, "untranslatedName": name}
        out.append(entry)
    return out


def _duration(seconds: int) -> str:
    """Seconds as Jira writes a duration: "1w 2d 3h 30m" (8-hour days, 5-day weeks)."""
    parts = []
    for unit, size in SECONDS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"


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
