"""What a default Jira Software site has: status categories, statuses, issue types, priorities,
resolutions and issue link types, and the ids of the custom fields that differ between Cloud
and Data Center."""

from __future__ import annotations

from dataclasses import dataclass


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


STATUS, TYPE, PRIORITY = _by_name(STATUSES), _by_name(ISSUE_TYPES), _by_name(PRIORITIES)
RESOLUTION, LINK = _by_name(RESOLUTIONS), _by_name(LINK_TYPES)


def named(table: dict[str, Named], name: str, what: str) -> Named:
    """The entry of `table` called `name` (any case); ValueError when there is none."""
    found = table.get(name.lower())
    if found is None:
        raise ValueError(f"no {what} named {name!r}")
    return found


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
