"""Which items form which deliverable, which of them are tasks, and what state each is in.

Applies the mapping file's selectors and the counting rule of DESIGN §6 to the item mirror.
Pure: the items, milestones and JQL memberships come in as arguments.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from connectors.model import Milestone, Person, Target, TrackerState, WorkItem
from mappings.config import (
    Deliverable,
    GitHubSource,
    JiraSource,
    MappingFile,
    PersonEntry,
    Selector,
)


class Category(StrEnum):
    TODO = "to do"
    IN_PROGRESS = "in progress"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Scope:
    """A deliverable's items on one day: counted items, dropped ones, due date and targets."""

    deliverable: Deliverable
    items: tuple[WorkItem, ...]  # counted: not dropped, no report targets
    dropped: tuple[WorkItem, ...]
    due: date | None
    due_from: str  # "deliverable", "milestone v2.0", "fix version 2.0", "epic PLAT-1" or "none"
    targets: tuple[Target, ...]
    checklist: tuple[int, int]  # ticked / total task-list boxes in the report targets' descriptions
    matched: tuple[int, ...] = ()  # items each selector matched (by position in `include`)
    # Items whose latest version the tracker sent malformed: their last good version is counted.
    unreadable: tuple[WorkItem, ...] = ()


def jql_stream(source_id: str, jql: str) -> str:
    """The id under which a selector's JQL membership is fetched and stored."""
    digest = hashlib.sha1(" ".join(jql.split()).encode()).hexdigest()[:12]
    return f"{source_id}:jql:{digest}"


def carried_label(
    item: WorkItem, labels: Iterable[str], source: GitHubSource | JiraSource
) -> str | None:
    """The first of `labels` (as configured) that the item carries. GitHub labels compare
    case-insensitively, Jira labels exactly (DESIGN §5)."""
    if isinstance(source, GitHubSource):
        have = {label.casefold() for label in item.labels}
        return next((label for label in labels if label.casefold() in have), None)
    return next((label for label in labels if label in item.labels), None)


def category(item: WorkItem, source: GitHubSource | JiraSource) -> Category:
    if item.state in (TrackerState.CLOSED, TrackerState.DONE):
        return Category.DONE
    if item.state is TrackerState.INDETERMINATE:
        return Category.IN_PROGRESS
    if isinstance(source, GitHubSource) and carried_label(item, source.in_progress_labels, source):
        return Category.IN_PROGRESS
    return Category.TODO


def is_dropped(item: WorkItem, source: GitHubSource | JiraSource) -> bool:
    """Closed as not planned: listed as a scope change, never counted."""
    if item.resolution is None or item.state not in (TrackerState.CLOSED, TrackerState.DONE):
        return False
    dropped = {r.casefold() for r in source.dropped_resolutions}
    return item.resolution.casefold() in dropped


def is_blocked_by_marking(item: WorkItem, source: GitHubSource | JiraSource) -> str | None:
    """Why the item is marked blocked in its tracker (label or status), if it is. The reason
    names the status or label as the mapping file spells it: our text, not the tracker's."""
    if isinstance(source, JiraSource) and item.status in source.blocked_statuses:
        return f"status {item.status}"  # equal to a configured name
    label = carried_label(item, source.blocked_labels, source)
    return f"label {label}" if label else None


def points(item: WorkItem, source: GitHubSource | JiraSource) -> float | None:
    if item.points is not None:
        return item.points
    if isinstance(source, GitHubSource) and source.points_label:
        pattern = re.compile(source.points_label)
        for label in item.labels:
            if match := pattern.search(label):
                try:
                    return float(match[1])
                except ValueError:
                    return None
    return None


def matches(
    item: WorkItem,
    selector: Selector,
    source: GitHubSource | JiraSource,
    memberships: Mapping[str, frozenset[str]],
) -> bool:
    """All criteria of one selector hold for the item."""
    if item.source != selector.source:
        return False
    if selector.milestone is not None and selector.milestone not in item.milestones:
        return False
    if selector.fix_version is not None and selector.fix_version not in item.milestones:
        return False
    if selector.label is not None and not carried_label(item, (selector.label,), source):
        return False
    if selector.epic is not None and item.parent != selector.epic:
        return False
    if selector.jql is not None:
        return item.key in memberships.get(jql_stream(selector.source, selector.jql), frozenset())
    return True


def report_targets(deliverable: Deliverable) -> tuple[Target, ...]:
    return tuple(Target(t.source, str(t.issue)) for t in deliverable.report_to)


def issue_of(item: WorkItem) -> str:
    """The issue number (GitHub) or key (Jira) to comment on for an item."""
    return item.key.rsplit("#", 1)[1] if "#" in item.key else item.key


def target_key(target: Target, mapping: MappingFile) -> str:
    """The item key a report target has in the mirror."""
    source = mapping.source(target.source)
    if isinstance(source, GitHubSource):
        return f"{source.repo}#{target.issue}"
    return target.issue


def scope_of(
    deliverable: Deliverable,
    mapping: MappingFile,
    items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
    memberships: Mapping[str, frozenset[str]],
    unreadable: Mapping[str, Iterable[str]] | None = None,
) -> Scope:
    """Apply the counting rule: union of selector matches, de-duplicated, minus every
    deliverable's report-target issues (pull requests never reach the mirror); items closed as
    not planned are dropped."""
    excluded = {
        (t.source, target_key(t, mapping)) for d in mapping.deliverables for t in report_targets(d)
    }
    selected: dict[tuple[str, str], WorkItem] = {}
    matched = []
    for selector in deliverable.include:
        source = mapping.source(selector.source)
        count = 0
        for item in items.get(selector.source, {}).values():
            if (item.source, item.key) in excluded:
                continue
            if matches(item, selector, source, memberships):
                selected[(item.source, item.key)] = item
                count += 1
        matched.append(count)
    counted, dropped = [], []
    for item in sorted(selected.values(), key=_order):
        (dropped if is_dropped(item, mapping.source(item.source)) else counted).append(item)
    due, due_from = deliverable_due(deliverable, items, milestones)
    broken = {source: set(keys) for source, keys in (unreadable or {}).items()}
    targets = report_targets(deliverable)
    ticked = total = 0
    for target in targets:
        item = items.get(target.source, {}).get(target_key(target, mapping))
        if item is not None:
            ticked += item.task_list[0]
            total += item.task_list[1]
    return Scope(
        deliverable=deliverable,
        items=tuple(counted),
        dropped=tuple(dropped),
        due=due,
        due_from=due_from,
        targets=targets,
        checklist=(ticked, total),
        matched=tuple(matched),
        unreadable=tuple(
            item for item in (*counted, *dropped) if item.key in broken.get(item.source, ())
        ),
    )


def selector_key(selector: Selector) -> str:
    """A selector as a stable string: the same criteria give the same key wherever they sit."""
    return json.dumps({"source": selector.source, **selector.criteria()}, sort_keys=True)


def mapping_digest(deliverable: Deliverable, mapping: MappingFile) -> str:
    """What the mapping file says that a deliverable's status depends on: its own entry
    (selectors in any order, due, start, budget), the rules, the time zone, and the settings of
    the sources it selects from. A status that changes with these is the mapping's doing, not
    the trackers' news."""
    sources = sorted({s.source for s in deliverable.include})
    entry = {
        "include": sorted(selector_key(s) for s in deliverable.include),
        "due": str(deliverable.due),
        "start": str(deliverable.start),
        "budget_hours": deliverable.budget_hours,
        "rules": mapping.rules.model_dump(mode="json"),
        "timezone": mapping.timezone,
        "sources": [mapping.source(s).model_dump(mode="json") for s in sources],
    }
    return hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SelectorProblem:
    """Why a deliverable must not be published: its field path in the mapping file, what is
    wrong, and the closest names the tracker has."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Published(Protocol):
    """What the last publication of a deliverable says about its selectors."""

    matched: Mapping[str, int]  # items each selector matched, by `selector_key`
    items: int  # the deliverable's items (counted and dropped)
    day: date


def selector_problems(
    deliverable: Deliverable,
    index: int,
    mapping: MappingFile,
    items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
    scope: Scope,
    last: Published | None,
) -> list[SelectorProblem]:
    """Selectors that name a milestone, fix version or epic the tracker does not have, or that
    matched items at the last publication and match none now while the deliverable lost items:
    a typo or a rename, which must never be published as "0 of 0 items done". A `jql` selector
    may empty by design (`fixVersion is EMPTY`), so only its query errors count."""
    matched = scope.matched
    lost_items = last is not None and len(scope.items) + len(scope.dropped) < last.items
    problems = []
    for number, selector in enumerate(deliverable.include):
        path = f"deliverables[{index}].include[{number}]"
        source = mapping.source(selector.source)
        names = milestones.get(selector.source, {})
        where = source.repo if isinstance(source, GitHubSource) else source.project
        for field, what in (("milestone", "milestone"), ("fix_version", "fix version")):
            wanted = getattr(selector, field)
            if wanted is not None and wanted not in names:
                problems.append(
                    SelectorProblem(
                        f"{path}.{field}",
                        f"{where} has no {what} {wanted!r}{closest(wanted, names)}",
                    )
                )
        if (
            selector.epic is not None
            and isinstance(source, JiraSource)
            and source.jql is None  # a filtered mirror may simply not hold the epic
            and selector.epic.rsplit("-", 1)[0] == source.project
            and selector.epic not in items.get(selector.source, {})
        ):
            problems.append(
                SelectorProblem(f"{path}.epic", f"{where} has no issue {selector.epic}")
            )
        before = last.matched.get(selector_key(selector), 0) if last is not None else 0
        if before and lost_items and selector.jql is None and matched[number] == 0:
            when = f" on {last.day}" if last is not None else ""
            problems.append(
                SelectorProblem(
                    path,
                    f"matched {before} item{'s' if before != 1 else ''} at the last report{when} "
                    "and matches none now: was a milestone, version, label or epic renamed? "
                    "If the change is intended, edit this selector",
                )
            )
    return problems


def closest(name: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint naming the closest existing names, or the ones there are."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if choices:
        shown = ", ".join(repr(c) for c in choices[:8])
        return f"; it has {shown}{' …' if len(choices) > 8 else ''}"
    return ""


def unlisted_people(scopes: Iterable[Scope], people: Iterable[PersonEntry]) -> list[Person]:
    """Assignees of counted items that no `people` entry names, each once: their work is
    shown under their tracker name and split from the same person's work elsewhere."""
    known = {
        (tracker, getattr(entry, tracker))
        for entry in people
        for tracker in ("github", "jira")
        if getattr(entry, tracker)
    }
    found: dict[tuple[str, str], Person] = {}
    for scope in scopes:
        for item in scope.items:
            for person in item.assignees:
                if (person.tracker, person.id) not in known:
                    found.setdefault((person.tracker, person.id), person)
    return sorted(found.values(), key=lambda p: (p.tracker, p.id))


def deliverable_due(
    deliverable: Deliverable,
    items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
) -> tuple[date | None, str]:
    """`due` if set; else the earliest due date of its milestones, fix versions and epics."""
    if deliverable.due is not None:
        return deliverable.due, "deliverable"
    candidates: list[tuple[date, str]] = []
    for selector in deliverable.include:
        for title, what in (
            (selector.milestone, "milestone"),
            (selector.fix_version, "fix version"),
        ):
            if title is None:
                continue
            milestone = milestones.get(selector.source, {}).get(title)
            if milestone is not None and milestone.due is not None:
                candidates.append((milestone.due, f"{what} {title}"))
        if selector.epic is not None:
            epic = items.get(selector.source, {}).get(selector.epic)
            if epic is not None and epic.due is not None:
                candidates.append((epic.due, f"epic {selector.epic}"))
    if not candidates:
        return None, "none"
    return min(candidates)


def task_due(item: WorkItem, milestones: Mapping[str, Milestone]) -> date | None:
    """A task's own due date, else the earliest due date of its milestones / fix versions."""
    if item.due is not None:
        return item.due
    dates = [m.due for title in item.milestones if (m := milestones.get(title)) and m.due]
    return min(dates, default=None)


def person_name(identity: Person, people: Iterable[PersonEntry]) -> str:
    """One name per human across trackers, through the mapping file's `people`."""
    for entry in people:
        if getattr(entry, identity.tracker) == identity.id:
            return entry.name
    return identity.label


def identities(entry: PersonEntry | None) -> tuple[Person, ...]:
    if entry is None:
        return ()
    found = []
    if entry.github:
        found.append(Person("github", entry.github, entry.name))
    if entry.jira:
        found.append(Person("jira", entry.jira, entry.name))
    return tuple(found)


def _order(item: WorkItem) -> tuple:
    number = item.key.rsplit("#", 1)[-1].rsplit("-", 1)[-1]
    return (item.source, item.key.rsplit("#", 1)[0], int(number) if number.isdigit() else 0)
