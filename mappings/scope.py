"""Which items form which deliverable: the mapping file's selectors and the counting rule of
DESIGN §6 applied to the mirror, each deliverable's due date, and what stops one from being
published (a selector naming something the tracker does not have).

Pure: the items, milestones and JQL memberships come in as arguments.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import urlsplit

from connectors.model import ItemRef, Milestone, Person, Target, WorkItem
from mappings.classify import ClassifiedItem, Classifier, Source, carried_label
from mappings.config import (
    Deliverable,
    GitHubSource,
    JiraSource,
    MappingFile,
    PersonEntry,
    Selector,
)
from mappings.searches import full_list_searches, selector_search, web_base


@dataclass(frozen=True, slots=True)
class ScopePart:
    """One selector of a deliverable: the items it matched (counted or dropped; an item may be
    in several parts) and the tracker search that lists them, when one fits."""

    selector: Selector
    refs: frozenset[ItemRef]
    search: str | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    """A deliverable's items on one day: counted items, dropped ones, due date and targets."""

    deliverable: Deliverable
    items: tuple[ClassifiedItem, ...]  # counted: not dropped, no report targets
    dropped: tuple[ClassifiedItem, ...]
    due: date | None
    due_from: str  # "deliverable", "milestone v2.0", "fix version 2.0", "epic PLAT-1" or "none"
    targets: tuple[Target, ...]
    checklist: tuple[int, int]  # ticked / total task-list boxes in the report targets' descriptions
    matched: tuple[int, ...] = ()  # items each selector matched (by position in `include`)
    # Items whose latest version the tracker sent malformed: their last good version is counted.
    unreadable: tuple[ClassifiedItem, ...] = ()
    parts: tuple[ScopePart, ...] = ()  # by position in `include`
    # (label, url) of a tracker search listing the items, per GitHub repository and Jira site
    full_list: tuple[tuple[str, str], ...] = ()


class LastPublication(Protocol):
    """What the last publication of a deliverable says about its selectors."""

    matched: Mapping[str, int]  # items each selector matched, by `selector_key`
    items: int  # the deliverable's items (counted and dropped)
    day: date


@dataclass(frozen=True, slots=True)
class SelectorProblem:
    """Why a deliverable must not be published: its field path in the mapping file, what is
    wrong, and the closest names the tracker has."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Portfolio:
    """Every deliverable of a mapping file over one mirror: the mapping is applied here, once
    per cycle, and each item classified once however many deliverables count it."""

    def __init__(
        self,
        mapping: MappingFile,
        items: Mapping[str, Mapping[str, WorkItem]],
        milestones: Mapping[str, Mapping[str, Milestone]],
        memberships: Mapping[str, frozenset[str]],
        unreadable: Mapping[str, Collection[str]] | None = None,
        cloud: Mapping[str, bool] | None = None,
    ) -> None:
        """`cloud` says, per Jira source, whether its site turned out to be Cloud (what the
        adapter discovered); it decides how a search link names an epic's children."""
        self.classifier = Classifier(mapping, items, milestones)
        self.items = items
        self.milestones = milestones
        self._sources = self.classifier.sources
        self._memberships = memberships
        self._unreadable = unreadable or {}
        self._cloud = cloud or {}
        self._bases: dict[str, str | None] = {}
        # Every deliverable's report targets, which no deliverable counts.
        self._targets = {
            (ref.source, ref.key)
            for d in mapping.deliverables
            for t in report_targets(d)
            for ref in (target_ref(t, self._sources[t.source]),)
        }

    def scope(self, deliverable: Deliverable) -> Scope:
        """Apply the counting rule: union of selector matches, de-duplicated, minus every
        deliverable's report-target issues (pull requests never reach the mirror); items closed
        as not planned are dropped."""
        due, due_from = deliverable_due(deliverable, self.items, self.milestones)
        targets = report_targets(deliverable)
        checklist = self._checklist(targets)
        selected: dict[tuple[str, str], ClassifiedItem] = {}
        matched = []
        parts = []
        for selector in deliverable.include:
            source = self._sources[selector.source]
            members = None
            if selector.jql is not None:
                members = self._memberships.get(
                    jql_stream(selector.source, selector.jql), frozenset()
                )
            refs = []
            for item in self.items.get(selector.source, {}).values():
                if (item.source, item.key) in self._targets:
                    continue
                if matches(item, selector, source, members):
                    # Classified once per cycle; its `ref` is then not built again per match.
                    classified = self.classifier.classify(item)
                    selected[(item.source, item.key)] = classified
                    refs.append(classified.ref)
            matched.append(len(refs))
            parts.append(ScopePart(selector, frozenset(refs), self._search(selector)))
        found = list(selected.values())
        found.sort(key=lambda i: i.ref.order)
        broken = {source: set(keys) for source, keys in self._unreadable.items()}
        return Scope(
            deliverable=deliverable,
            items=tuple(i for i in found if not i.dropped),
            dropped=tuple(i for i in found if i.dropped),
            due=due,
            due_from=due_from,
            targets=targets,
            checklist=checklist,
            matched=tuple(matched),
            unreadable=tuple(i for i in found if i.key in broken.get(i.source, ())),
            parts=tuple(parts),
            full_list=full_list_searches(
                deliverable.include,
                self._sources,
                {s.source: b for s in deliverable.include if (b := self._base(s.source))},
                {s.source: self._is_cloud(s.source) for s in deliverable.include},
            ),
        )

    def problems(
        self, index: int, scope: Scope, last: LastPublication | None
    ) -> list[SelectorProblem]:
        """Selectors of `mapping.deliverables[index]` that name a milestone, fix version or epic
        the tracker does not have, or that matched items at the last publication and match none
        now while the deliverable lost items: a typo or a rename, which must never be published
        as "0 of 0 items done". A `jql` selector may empty by design (`fixVersion is EMPTY`), so
        only its query errors count."""
        lost_items = last is not None and len(scope.items) + len(scope.dropped) < last.items
        problems = []
        for number, selector in enumerate(scope.deliverable.include):
            path = f"deliverables[{index}].include[{number}]"
            problems += self._missing_names(selector, path)
            before = last.matched.get(selector_key(selector), 0) if last is not None else 0
            if before and lost_items and selector.jql is None and scope.matched[number] == 0:
                when = f" on {last.day}" if last is not None else ""
                problems.append(
                    SelectorProblem(
                        path,
                        f"matched {before} item{'s' if before != 1 else ''} at the last report"
                        f"{when} and matches none now: was a milestone, version, label or epic "
                        "renamed? If the change is intended, edit this selector",
                    )
                )
        return problems

    def _search(self, selector: Selector) -> str | None:
        base = self._base(selector.source)
        if base is None:
            return None
        source = self._sources[selector.source]
        return selector_search(selector, source, base, self._is_cloud(selector.source))

    def _base(self, source_id: str) -> str | None:
        """The source's web address, from the first of its items whose link shows it."""
        if source_id not in self._bases:
            source = self._sources[source_id]
            self._bases[source_id] = next(
                (
                    base
                    for item in self.items.get(source_id, {}).values()
                    if (base := web_base(source, item.url)) is not None
                ),
                None,
            )
        return self._bases[source_id]

    def _is_cloud(self, source_id: str) -> bool | None:
        """Whether a Jira source is on Cloud: as configured, else as discovered, else as its
        host says (only Cloud sites live on atlassian.net); None when nothing tells."""
        source = self._sources[source_id]
        if not isinstance(source, JiraSource):
            return None
        if source.deployment != "auto":
            return source.deployment == "cloud"
        if (known := self._cloud.get(source_id)) is not None:
            return known
        base = self._base(source_id) or ""
        return True if (urlsplit(base).hostname or "").endswith(".atlassian.net") else None

    def work_in_progress(self) -> Mapping[str, int]:
        """Items in progress per person across every mirrored source."""
        return self.classifier.work_in_progress()

    def _missing_names(self, selector: Selector, path: str) -> list[SelectorProblem]:
        source = self._sources[selector.source]
        names = self.milestones.get(selector.source, {})
        where = source.repo if isinstance(source, GitHubSource) else source.project
        problems = []
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
            and selector.epic not in self.items.get(selector.source, {})
        ):
            problems.append(
                SelectorProblem(f"{path}.epic", f"{where} has no issue {selector.epic}")
            )
        return problems

    def _checklist(self, targets: Iterable[Target]) -> tuple[int, int]:
        """Task-list boxes ticked / total in the report targets' descriptions."""
        ticked = total = 0
        for target in targets:
            item = self.classifier.find(target_ref(target, self._sources[target.source]))
            if item is not None:
                ticked += item.task_list[0]
                total += item.task_list[1]
        return ticked, total


def scope_of(
    deliverable: Deliverable,
    mapping: MappingFile,
    items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
    memberships: Mapping[str, frozenset[str]],
    unreadable: Mapping[str, Collection[str]] | None = None,
) -> Scope:
    """One deliverable's scope, for callers that need no other (a cycle uses one `Portfolio`)."""
    return Portfolio(mapping, items, milestones, memberships, unreadable).scope(deliverable)


def jql_stream(source_id: str, jql: str) -> str:
    """The id under which a selector's JQL membership is fetched and stored."""
    digest = hashlib.sha1(" ".join(jql.split()).encode()).hexdigest()[:12]
    return f"{source_id}:jql:{digest}"


def matches(
    item: WorkItem, selector: Selector, source: Source, members: Collection[str] | None = None
) -> bool:
    """All criteria of one selector hold for the item; `members` are the keys its JQL matched."""
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
        return members is not None and item.key in members
    return True


def report_targets(deliverable: Deliverable) -> tuple[Target, ...]:
    return tuple(Target(t.source, str(t.issue)) for t in deliverable.report_to)


def target_ref(target: Target, source: Source) -> ItemRef:
    """The item a report target is in the mirror (a GitHub target names only the number)."""
    if isinstance(source, GitHubSource):
        return ItemRef.github(source.id, source.repo, int(target.issue))
    return ItemRef(source.id, target.issue)


def due_by_item(scopes: Iterable[Scope]) -> dict[ItemRef, date]:
    """The earliest due date among the deliverables that count each item."""
    due: dict[ItemRef, date] = {}
    for scope in scopes:
        if scope.due is None:
            continue
        for item in scope.items:
            if item.ref not in due or scope.due < due[item.ref]:
                due[item.ref] = scope.due
    return due


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
        for counted in scope.items:
            for person in counted.item.assignees:
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
