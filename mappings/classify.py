"""One classification pass: each tracker item read once in its source's settings (category,
points, dropped, due date, blocked reason, people's names, local days), so no view asks again.

Status categories and the counting rule are DESIGN §6; label comparison is DESIGN §5.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from functools import lru_cache

from connectors.model import ItemRef, Milestone, Person, TrackerState, WorkItem
from mappings.config import GitHubSource, JiraSource, MappingFile, PersonEntry

Source = GitHubSource | JiraSource


class Category(StrEnum):
    TODO = "to do"
    IN_PROGRESS = "in progress"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class OpenBlocker:
    """An item this one waits for that is not done; `known` is False when the mirror does not
    hold it (it counts as open: nobody can show it is done)."""

    ref: ItemRef
    due: date | None
    known: bool


@dataclass(frozen=True, slots=True)
class ClassifiedItem:
    """A work item as the mapping file reads it: the views read these fields and never the
    source's settings."""

    item: WorkItem
    ref: ItemRef
    category: Category
    points: float | None
    dropped: bool  # closed as not planned: listed as a scope change, never counted
    # Its own due date, else the earliest of its milestones / fix versions; never the date of
    # a deliverable or an epic that counts it, which is theirs, not the task's.
    due: date | None
    blocked: str | None  # "label blocked", "status Blocked; blocked by PLAT-9", or None
    open_blockers: tuple[OpenBlocker, ...]
    requirement: bool  # carries one of the rules' requirement labels
    assignee_names: tuple[str, ...]  # one name per human, through `people`
    created_on: date  # calendar days in the mapping file's time zone
    updated_on: date
    closed_on: date | None
    # Where `due` came from when it is not the item's own: ("milestone", "v2.0"),
    # ("fix version", "2.0"); None for the item's own date or no date.
    due_from: tuple[str, str] | None = None

    @property
    def source(self) -> str:
        return self.ref.source

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def done(self) -> bool:
        return self.category is Category.DONE


class Classifier:
    """The mirror read through the mapping file: each item classified at most once per cycle,
    on first use, so items no deliverable counts cost nothing."""

    def __init__(
        self,
        mapping: MappingFile,
        items: Mapping[str, Mapping[str, WorkItem]],
        milestones: Mapping[str, Mapping[str, Milestone]],
    ) -> None:
        self.sources: dict[str, Source] = {s.id: s for s in mapping.sources}
        self.items = items
        self.milestones = milestones
        self._tz = mapping.tz
        self._people = mapping.people
        self._requirement_labels = mapping.rules.requirement_labels
        self._done: dict[tuple[str, str], ClassifiedItem] = {}

    def classify(self, item: WorkItem) -> ClassifiedItem:
        known = self._done.get((item.source, item.key))
        if known is None:
            known = self._done[(item.source, item.key)] = self._classify(item)
        return known

    def find(self, ref: ItemRef) -> WorkItem | None:
        return self.items.get(ref.source, {}).get(ref.key)

    def work_in_progress(self) -> Counter[str]:
        """Items in progress per person across every mirrored source (for the WIP limit)."""
        found: Counter[str] = Counter()
        for by_key in self.items.values():
            for item in by_key.values():
                if category(item, self.sources[item.source]) is Category.IN_PROGRESS:
                    for person in item.assignees:
                        found[person_name(person, self._people)] += 1
        return found

    def _classify(self, item: WorkItem) -> ClassifiedItem:
        source = self.sources[item.source]
        blockers = self._open_blockers(item, source)
        reasons = [marked] if (marked := marked_blocked(item, source)) else []
        if blockers:
            reasons.append("blocked by " + ", ".join(b.ref.key for b in blockers))
        stones = self.milestones.get(item.source, {})
        due, due_from = task_due_from(item, stones, _milestone_word(source))
        return ClassifiedItem(
            item=item,
            ref=item.ref,
            category=category(item, source),
            points=points(item, source),
            dropped=is_dropped(item, source),
            due=due,
            blocked="; ".join(reasons) or None,
            open_blockers=blockers,
            requirement=bool(carried_label(item, self._requirement_labels, source)),
            assignee_names=tuple(person_name(p, self._people) for p in item.assignees),
            created_on=local_day(item.created, self._tz),
            updated_on=local_day(item.updated, self._tz),
            closed_on=local_day(item.closed, self._tz) if item.closed is not None else None,
            due_from=due_from,
        )

    def _open_blockers(self, item: WorkItem, source: Source) -> tuple[OpenBlocker, ...]:
        """Blockers are looked up in the item's own source, where their keys are named."""
        found = []
        by_key = self.items.get(item.source, {})
        stones = self.milestones.get(item.source, {})
        for key in item.blocked_by:
            blocker = by_key.get(key)
            ref = ItemRef(item.source, key)
            if blocker is None:
                found.append(OpenBlocker(ref, None, known=False))
            elif category(blocker, source) is not Category.DONE:
                found.append(OpenBlocker(ref, task_due(blocker, stones), known=True))
        return tuple(found)


def carried_label(item: WorkItem, labels: Iterable[str], source: Source) -> str | None:
    """The first of `labels` (as configured) that the item carries. GitHub labels compare
    case-insensitively, Jira labels exactly (DESIGN §5)."""
    return _first_carried(tuple(labels), item.labels, isinstance(source, GitHubSource))


@lru_cache(maxsize=4096)
def _first_carried(labels: tuple[str, ...], carried: tuple[str, ...], fold: bool) -> str | None:
    """`carried_label` for one configured list and one item's labels: asked three or four times
    per item and cycle, and most items share one of a few label sets, so remembered."""
    if fold:
        have = frozenset(label.casefold() for label in carried)
        return next((label for label in labels if label.casefold() in have), None)
    return next((label for label in labels if label in carried), None)


def category(item: WorkItem, source: Source) -> Category:
    if item.state in (TrackerState.CLOSED, TrackerState.DONE):
        return Category.DONE
    if item.state is TrackerState.INDETERMINATE:
        return Category.IN_PROGRESS
    if isinstance(source, GitHubSource) and carried_label(item, source.in_progress_labels, source):
        return Category.IN_PROGRESS
    return Category.TODO


def is_dropped(item: WorkItem, source: Source) -> bool:
    """Closed as not planned: listed as a scope change, never counted."""
    if item.resolution is None or item.state not in (TrackerState.CLOSED, TrackerState.DONE):
        return False
    dropped = {r.casefold() for r in source.dropped_resolutions}
    return item.resolution.casefold() in dropped


def marked_blocked(item: WorkItem, source: Source) -> str | None:
    """Why the item is marked blocked in its tracker (label or status), if it is. The reason
    names the status or label as the mapping file spells it: our text, not the tracker's."""
    if isinstance(source, JiraSource) and item.status in source.blocked_statuses:
        return f"status {item.status}"  # equal to a configured name
    label = carried_label(item, source.blocked_labels, source)
    return f"label {label}" if label else None


def points(item: WorkItem, source: Source) -> float | None:
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


def task_due(item: WorkItem, milestones: Mapping[str, Milestone]) -> date | None:
    """A task's own due date, else the earliest due date of its milestones / fix versions."""
    return task_due_from(item, milestones)[0]


def task_due_from(
    item: WorkItem, milestones: Mapping[str, Milestone], word: str = "milestone"
) -> tuple[date | None, tuple[str, str] | None]:
    """A task's due date and where it came from. Its own date (Jira `duedate`) comes first;
    else the earliest due date of the milestones or fix versions it is planned in, which are
    its own plan too. Nothing else is: GitHub issues have no due date of their own, and the
    date of a deliverable or an epic that counts a task is not the task's date."""
    if item.due is not None:
        return item.due, None
    dated = [(m.due, title) for title in item.milestones if (m := milestones.get(title)) and m.due]
    if not dated:
        return None, None
    due, title = min(dated)
    return due, (word, title)


def _milestone_word(source: Source) -> str:
    return "milestone" if isinstance(source, GitHubSource) else "fix version"


def person_name(identity: Person, people: Iterable[PersonEntry]) -> str:
    """One name per human across trackers, through the mapping file's `people`."""
    for entry in people:
        if getattr(entry, identity.tracker) == identity.id:
            return entry.name
    return identity.label


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()
