"""The JSON shapes of the simulated Jira (REST v2) in each mode: users (accountId on Cloud, name
and key on Data Center), statuses, issue types, priorities, resolutions, projects, versions,
components, sprints, comments, issue links and the brief issues links and sub-tasks show.

Shapes that never change once built (users, statuses, types, …) are cached per base URL and
shared: read them, don't mutate them. A whole issue is assembled field by field in
`sandbox.jira.fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from sandbox.jira.catalogue import CATEGORIES, LINK, PRIORITY, STATUS, TYPE, Named
from sandbox.jira.store import (
    Comment,
    Component,
    Issue,
    JiraStore,
    Link,
    Project,
    Sprint,
    User,
    Version,
)

TIME_ZONE = "UTC"  # every sandbox user's time zone: JQL dates are read in it


class JiraPayloads:
    """Payloads of the store's records; the caller holds the store's lock."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.cloud = store.cloud
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def user(self, user: User, base: str) -> dict[str, Any]:
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

    def maybe_user(self, name: str | None, base: str) -> dict[str, Any] | None:
        return self.user(self.store.user(name), base) if name else None

    def status(self, name: str, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            status = STATUS[name.lower()]
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

    def issue_type(self, name: str, base: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            t = TYPE[name.lower()]
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

    def named(self, kind: str, item: Named, base: str) -> dict[str, Any]:
        """A priority or resolution."""

        def build() -> dict[str, Any]:
            out = {"self": f"{base}/rest/api/2/{kind}/{item.id}", "id": item.id}
            if kind == "priority":
                out["iconUrl"] = f"{base}/images/icons/priorities/{item.name.lower()}.svg"
            else:
                out["description"] = item.description
            out["name"] = item.name
            return out

        return self._cached((kind, item.id, base), build)

    def project(self, project: Project, base: str) -> dict[str, Any]:
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

    def version(self, v: Version, base: str, *, full: bool = False) -> dict[str, Any]:
        """A fix version as an issue lists it; `full`: as the project's version list does."""
        out: dict[str, Any] = {"self": f"{base}/rest/api/2/version/{v.id}", "id": str(v.id)}
        if v.description:
            out["description"] = v.description
        out |= {"name": v.name, "archived": v.archived, "released": v.released}
        if v.start_date:
            out["startDate"] = v.start_date.isoformat()
        if v.release_date:
            out["releaseDate"] = v.release_date.isoformat()
        if full:
            today = self.store.clock().astimezone(UTC).date()
            if v.release_date and not v.released:
                out["overdue"] = v.release_date < today
            if v.start_date:
                out["userStartDate"] = _user_date(v.start_date)
            if v.release_date:
                out["userReleaseDate"] = _user_date(v.release_date)
            out["projectId"] = v.project_id
        return out

    def component(self, c: Component, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {"self": f"{base}/rest/api/2/component/{c.id}", "id": str(c.id)}
        out["name"] = c.name
        if c.description:
            out["description"] = c.description
        return out

    def sprint(self, sprint: Sprint) -> dict[str, Any]:
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

    def brief_issue(self, issue: Issue, base: str) -> dict[str, Any]:
        """An issue as links, parents and sub-tasks show it."""
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{base}/rest/api/2/issue/{issue.id}",
            "fields": {
                "summary": issue.summary,
                "status": self.status(issue.status, base),
                "priority": self.named("priority", PRIORITY[issue.priority.lower()], base),
                "issuetype": self.issue_type(issue.issuetype, base),
            },
        }

    def comment(self, comment: Comment, base: str, *, properties: bool = False) -> dict[str, Any]:
        """A comment; with `properties` (`expand=properties`) its properties too."""
        out: dict[str, Any] = {
            "self": f"{base}/rest/api/2/issue/{comment.issue}/comment/{comment.id}",
            "id": str(comment.id),
            "author": self.user(self.store.user(comment.author), base),
            "body": comment.body,
            "updateAuthor": self.user(self.store.user(comment.update_author), base),
            "created": jira_time(comment.created),
            "updated": jira_time(comment.updated),
        }
        if self.cloud:
            out["jsdPublic"] = True
        if properties:
            out["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
        return out

    def link(self, link: Link, issue: Issue, base: str) -> dict[str, Any]:
        """A link as `issue` lists it: the other issue is outward or inward of it."""
        t = LINK[link.type.lower()]
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
        issues = self.store.issues_by_id
        if link.source == issue.id:
            out["outwardIssue"] = self.brief_issue(issues[link.target], base)
        else:
            out["inwardIssue"] = self.brief_issue(issues[link.source], base)
        return out


def jira_time(value: datetime | None) -> str | None:
    """Jira's timestamp format, in the user's time zone (UTC): 2026-11-20T09:30:00.000+0000."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _user_date(day: date) -> str:
    return day.strftime("%d/%b/%y")
