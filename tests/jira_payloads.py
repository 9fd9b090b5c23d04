"""Realistic Jira REST v2 payloads for contract tests, shaped like Cloud and Data Center answers.

Cloud (`CLOUD`, https://acme.atlassian.net) identifies people by accountId, links epics through
`parent` and returns sprints as objects. Data Center (`DC`, served under a context path) identifies
people by user name, links epics through the Epic Link custom field and returns sprints as the
GreenHopper `toString()` text.
"""

from __future__ import annotations

from typing import Any

CLOUD = "https://acme.atlassian.net"
DC = "https://jira.acme.example/jira"

CLOUD_POINTS = "customfield_10016"  # "Story point estimate"
CLOUD_SPRINT = "customfield_10020"
DC_POINTS = "customfield_10106"  # "Story Points"
DC_SPRINT = "customfield_10104"
DC_EPIC_LINK = "customfield_10101"

BOT_ACCOUNT = "712020:5f0c2a9e-8d41-4c3b-9e0f-delivery0sync"
BOT_NAME = "delivery-sync"

_CATEGORIES = {
    "new": (2, "blue-gray", "To Do"),
    "indeterminate": (4, "yellow", "In Progress"),
    "done": (3, "green", "Done"),
    "undefined": (1, "medium-gray", "No Category"),
}


def server_info(cloud: bool) -> dict[str, Any]:
    if cloud:
        return {
            "baseUrl": CLOUD,
            "displayUrl": CLOUD,
            "displayUrlServicedeskHelpCenter": CLOUD,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100287,
            "buildDate": "2026-11-18T06:31:01.000+0000",
            "serverTime": "2026-11-20T10:02:11.412+0000",
            "scmInfo": "8d0d4b0e1c6a1b5f2f7a6e8c9d0b1a2c3d4e5f60",
            "serverTitle": "Jira",
            "defaultLocale": {"locale": "en_US"},
            "serverTimeZone": "Etc/UTC",
        }
    return {
        "baseUrl": DC,
        "version": "9.12.15",
        "versionNumbers": [9, 12, 15],
        "deploymentType": "Server",
        "buildNumber": 9120015,
        "buildDate": "2024-10-03T00:00:00.000+0200",
        "databaseBuildNumber": 9120015,
        "serverTime": "2026-11-20T11:02:11.412+0100",
        "scmInfo": "1c3f1e4d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        "serverTitle": "ACME Jira",
    }


def _field(
    fid: str, name: str, schema: dict[str, Any] | None, clause: str | None = None
) -> dict[str, Any]:
    custom = fid.startswith("customfield_")
    return {
        "id": fid,
        "key": fid,
        "name": name,
        "untranslatedName": name,
        "custom": custom,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{fid.split('_')[1]}]", name] if custom else [clause or fid],
        **({"schema": schema} if schema else {}),
    }


def _custom(kind: str, custom: str, fid: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "custom": custom, "customId": int(fid.split("_")[1]), **extra}


def fields(cloud: bool) -> list[dict[str, Any]]:
    """GET /rest/api/2/field: system fields plus the Agile custom fields of one site."""
    system = [
        _field("summary", "Summary", {"type": "string", "system": "summary"}),
        _field("status", "Status", {"type": "status", "system": "status"}),
        _field("assignee", "Assignee", {"type": "user", "system": "assignee"}),
        _field("fixVersions", "Fix versions", {"type": "array", "items": "version"}),
        _field("issuelinks", "Linked Issues", {"type": "array", "items": "issuelinks"}),
    ]
    if cloud:
        return [
            *system,
            _field(
                "customfield_10028",
                "Story Points",
                _custom(
                    "number",
                    "com.atlassian.jira.plugin.system.customfieldtypes:float",
                    "customfield_10028",
                ),
            ),
            _field(
                CLOUD_POINTS,
                "Story point estimate",
                _custom("number", "com.pyxis.greenhopper.jira:jsw-story-points", CLOUD_POINTS),
            ),
            _field(
                CLOUD_SPRINT,
                "Sprint",
                _custom(
                    "array", "com.pyxis.greenhopper.jira:gh-sprint", CLOUD_SPRINT, items="json"
                ),
            ),
            _field(
                "customfield_10014",
                "Epic Link",
                _custom("any", "com.pyxis.greenhopper.jira:gh-epic-link", "customfield_10014"),
            ),
            _field("parent", "Parent", None, clause="parent"),
        ]
    return [
        *system,
        _field(
            DC_EPIC_LINK,
            "Epic Link",
            _custom("any", "com.pyxis.greenhopper.jira:gh-epic-link", DC_EPIC_LINK),
        ),
        _field(
            DC_SPRINT,
            "Sprint",
            _custom("array", "com.pyxis.greenhopper.jira:gh-sprint", DC_SPRINT, items="string"),
        ),
        _field(
            DC_POINTS,
            "Story Points",
            _custom("number", "com.atlassian.jira.plugin.system.customfieldtypes:float", DC_POINTS),
        ),
    ]


def user(cloud: bool, ident: str, display: str) -> dict[str, Any]:
    base = CLOUD if cloud else DC
    avatars = {size: f"{base}/secure/useravatar?size={size}" for size in ("16x16", "48x48")}
    if cloud:
        return {
            "self": f"{CLOUD}/rest/api/2/user?accountId={ident}",
            "accountId": ident,
            "avatarUrls": avatars,
            "displayName": display,
            "active": True,
            "timeZone": "Europe/Berlin",
            "accountType": "atlassian",
        }
    return {
        "self": f"{DC}/rest/api/2/user?username={ident}",
        "name": ident,
        "key": f"JIRAUSER{10000 + len(ident)}",
        "emailAddress": f"{ident}@acme.example",
        "avatarUrls": avatars,
        "displayName": display,
        "active": True,
        "timeZone": "Europe/Berlin",
    }


def myself(cloud: bool) -> dict[str, Any]:
    me = user(cloud, BOT_ACCOUNT if cloud else BOT_NAME, "Delivery Sync")
    return {**me, "locale": "en_US", "groups": {"size": 1, "items": []}, "expand": "groups"}


def status(name: str, category: str, base: str = CLOUD) -> dict[str, Any]:
    cid, colour, cname = _CATEGORIES[category]
    return {
        "self": f"{base}/rest/api/2/status/10{cid}",
        "description": "",
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": name,
        "id": f"10{cid}",
        "statusCategory": {
            "self": f"{base}/rest/api/2/statuscategory/{cid}",
            "id": cid,
            "key": category,
            "colorName": colour,
            "name": cname,
        },
    }


def issue_type(name: str, base: str = CLOUD) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/issuetype/1000{len(name)}",
        "id": f"1000{len(name)}",
        "description": "",
        "iconUrl": f"{base}/images/icons/issuetypes/{name.lower()}.svg",
        "name": name,
        "subtask": name == "Sub-task",
        "hierarchyLevel": {"Epic": 1, "Sub-task": -1}.get(name, 0),
    }


def linked(key: str, category: str = "new", base: str = CLOUD) -> dict[str, Any]:
    """An issue as a link or parent shows it: key and a few fields."""
    return {
        "id": str(20000 + int(key.split("-")[1])),
        "key": key,
        "self": f"{base}/rest/api/2/issue/{20000 + int(key.split('-')[1])}",
        "fields": {
            "summary": f"Linked {key}",
            "status": status({"done": "Done"}.get(category, "To Do"), category, base),
            "priority": {"name": "Medium", "id": "3"},
            "issuetype": issue_type("Story", base),
        },
    }


def link(
    kind: str,
    *,
    inward: str | None = None,
    outward: str | None = None,
    inward_category: str = "new",
    base: str = CLOUD,
) -> dict[str, Any]:
    names = {
        "Blocks": ("is blocked by", "blocks"),
        "Relates": ("relates to", "relates to"),
        "Duplicate": ("is duplicated by", "duplicates"),
    }[kind]
    payload: dict[str, Any] = {
        "id": "10500",
        "self": f"{base}/rest/api/2/issueLink/10500",
        "type": {
            "id": "10000",
            "name": kind,
            "inward": names[0],
            "outward": names[1],
            "self": f"{base}/rest/api/2/issueLinkType/10000",
        },
    }
    if inward:
        payload["inwardIssue"] = linked(inward, inward_category, base)
    if outward:
        payload["outwardIssue"] = linked(outward, base=base)
    return payload


def version(
    vid: int, name: str, release_date: str | None, released: bool = False, base: str = CLOUD
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "self": f"{base}/rest/api/2/version/{vid}",
        "id": str(vid),
        "description": "",
        "name": name,
        "archived": False,
        "released": released,
        "projectId": 10000,
    }
    if release_date:
        payload["releaseDate"] = release_date
        payload["userReleaseDate"] = release_date
    return payload


def cloud_sprint(sid: int, name: str, state: str) -> dict[str, Any]:
    return {
        "id": sid,
        "name": name,
        "state": state,
        "boardId": 5,
        "goal": "",
        "startDate": "2026-11-09T08:00:00.000Z",
        "endDate": "2026-11-23T08:00:00.000Z",
    }


def dc_sprint(sid: int, name: str, state: str) -> str:
    return (
        f"com.atlassian.greenhopper.service.sprint.Sprint@6b1d{sid}f3[id={sid},rapidViewId=5,"
        f"state={state.upper()},name={name},startDate=2026-11-09T09:00:00.000+01:00,"
        "endDate=2026-11-23T09:00:00.000+01:00,completeDate=<null>,activatedDate="
        f"2026-11-09T09:01:12.000+01:00,sequence={sid},goal=Ship the checkout,"
        "autoStartStop=false,synced=false]"
    )


def issue(
    key: str,
    summary: str = "Card payments in checkout",
    *,
    cloud: bool = True,
    status_name: str = "In Progress",
    category: str = "indeterminate",
    resolution: str | None = None,
    resolutiondate: str | None = None,
    assignee: tuple[str, str] | None = None,
    labels: tuple[str, ...] = (),
    duedate: str | None = None,
    fix_versions: tuple[str, ...] = (),
    parent: str | None = None,
    epic_link: str | None = None,
    kind: str = "Story",
    links: tuple[dict[str, Any], ...] = (),
    points: float | None = None,
    sprints: tuple[Any, ...] = (),
    timetracking: dict[str, Any] | None = None,
    time_fields: tuple[int | None, int | None, int | None] = (None, None, None),
    created: str = "2026-10-02T10:15:00.000+0200",
    updated: str = "2026-11-20T09:30:00.000+0000",
) -> dict[str, Any]:
    """One issue of a search page (or GET issue) with the fields the adapter asks for."""
    base = CLOUD if cloud else DC
    number = int(key.split("-")[1])
    estimate, remaining, spent = time_fields
    body: dict[str, Any] = {
        "summary": summary,
        "status": status(status_name, category, base),
        "resolution": None
        if resolution is None
        else {
            "self": f"{base}/rest/api/2/resolution/10000",
            "id": "10000",
            "description": "Work has been completed on this issue.",
            "name": resolution,
        },
        "resolutiondate": resolutiondate,
        "assignee": user(cloud, *assignee) if assignee else None,
        "labels": list(labels),
        "duedate": duedate,
        "fixVersions": [
            version(10100 + n, name, None, base=base) for n, name in enumerate(fix_versions)
        ],
        "issuetype": issue_type(kind, base),
        "issuelinks": list(links),
        "created": created,
        "updated": updated,
        "timeoriginalestimate": estimate,
        "timeestimate": remaining,
        "timespent": spent,
    }
    if timetracking is not None:
        body["timetracking"] = timetracking
    if parent:
        body["parent"] = linked(parent, base=base)
    if cloud:
        body[CLOUD_POINTS] = points
        body[CLOUD_SPRINT] = list(sprints) or None
    else:
        body[DC_POINTS] = points
        body[DC_SPRINT] = list(sprints) or None
        body[DC_EPIC_LINK] = epic_link
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(10000 + number),
        "self": f"{base}/rest/api/2/issue/{10000 + number}",
        "key": key,
        "fields": body,
    }


def cloud_page(issues: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    """GET /rest/api/2/search/jql: no total, no startAt; a token while more pages follow."""
    page: dict[str, Any] = {"issues": issues, "isLast": next_token is None}
    if next_token is not None:
        page["nextPageToken"] = next_token
    return page


def dc_page(issues: list[dict[str, Any]], start_at: int, total: int) -> dict[str, Any]:
    """GET /rest/api/2/search on Data Center: startAt / maxResults / total."""
    return {
        "expand": "names,schema",
        "startAt": start_at,
        "maxResults": 100,
        "total": total,
        "issues": issues,
    }


def comment(
    cid: int,
    body: str,
    *,
    cloud: bool = True,
    author: str | None = None,
    properties: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    base = CLOUD if cloud else DC
    who = author or (BOT_ACCOUNT if cloud else BOT_NAME)
    payload: dict[str, Any] = {
        "self": f"{base}/rest/api/2/issue/10100/comment/{cid}",
        "id": str(cid),
        "author": user(cloud, who, "Delivery Sync" if who in (BOT_ACCOUNT, BOT_NAME) else who),
        "body": body,
        "updateAuthor": user(cloud, who, "Delivery Sync"),
        "created": "2026-11-20T10:00:00.000+0000",
        "updated": "2026-11-20T10:05:00.000+0000",
        "jsdPublic": True,
    }
    if properties is not None:
        payload["properties"] = properties
    return payload


def prop(value: Any, key: str = "delivery-sync") -> dict[str, Any]:
    return {"key": key, "value": value}


def comments_page(comments: list[dict[str, Any]], start_at: int, total: int) -> dict[str, Any]:
    return {"startAt": start_at, "maxResults": 100, "total": total, "comments": comments}


def jira_error(*messages: str, **errors: str) -> dict[str, Any]:
    """Jira's error body: `{"errorMessages": […], "errors": {…}}`."""
    return {"errorMessages": list(messages), "errors": dict(errors)}


SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in to continue</title></head>"
    '<body><form action="/login" method="post"><input name="username"></form></body></html>'
)
