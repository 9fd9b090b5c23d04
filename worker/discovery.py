"""`discover` and `init`: what a mapping file can name in a source — milestones (GitHub) or fix
versions (Jira) with their due dates and how many issues are open and closed in each, labels,
and epics (Jira) — and a starter mapping file made from it.

Reading goes through the adapters (one full listing of the source, its milestones or versions,
and on GitHub its labels; on Jira one search for the epics); the counting is pure
(`catalogue`), and so is the starter file (`starter_mapping`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from connectors.model import Milestone, TrackerState, WorkItem
from connectors.tracker import Tracker
from mappings.config import GitHubSource, JiraSource
from worker.online import yaml_scalar

EPICS_JQL = "issuetype = Epic"


@dataclass(frozen=True, slots=True)
class Count:
    """Issues open and closed (done on Jira) under one name."""

    open: int = 0
    closed: int = 0


@dataclass(frozen=True, slots=True)
class Container:
    """A milestone or fix version: its name as selectors write it, its date and its issues."""

    name: str
    due: date | None
    closed: bool  # a closed milestone, a released version
    count: Count


@dataclass(frozen=True, slots=True)
class Epic:
    key: str
    title: str
    count: Count  # its direct children


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What one source offers a mapping file."""

    source: GitHubSource | JiraSource
    containers: tuple[Container, ...]
    labels: tuple[tuple[str, Count], ...]
    epics: tuple[Epic, ...] = ()
    items: int = 0

    @property
    def container_word(self) -> str:
        return "milestone" if isinstance(self.source, GitHubSource) else "fix_version"


def discover(source: GitHubSource | JiraSource, tracker: Tracker) -> Catalogue:
    """Read the source and count what each name a selector can use would select."""
    items = list(tracker.fetch_items(None))
    milestones = tracker.fetch_milestones()
    if isinstance(source, GitHubSource):
        return catalogue(source, items, milestones, tracker.fetch_labels())
    epics = list(tracker.fetch_items(None, jql=EPICS_JQL))
    return catalogue(source, items, milestones, (), epics)


def catalogue(
    source: GitHubSource | JiraSource,
    items: Sequence[WorkItem],
    milestones: Iterable[Milestone],
    labels: Iterable[str] = (),
    epics: Iterable[WorkItem] = (),
) -> Catalogue:
    """Counts per milestone or fix version, label and epic; labels the source lists but no issue
    carries are shown with zero counts (GitHub), so that a typo can be told from an empty one."""
    by_container = _counts((name, item) for item in items for name in item.milestones)
    by_label = _counts((label, item) for item in items for label in item.labels)
    by_parent = _counts((item.parent, item) for item in items if item.parent)
    containers = tuple(
        Container(m.title, m.due, m.closed, by_container.get(m.title, Count()))
        for m in sorted(milestones, key=lambda m: (m.closed, m.due or date.max, m.title))
    )
    names = sorted({*labels, *by_label}, key=str.casefold)
    return Catalogue(
        source=source,
        containers=containers,
        labels=tuple((name, by_label.get(name, Count())) for name in names),
        epics=tuple(
            Epic(e.key, e.title, by_parent.get(e.key, Count()))
            for e in sorted(epics, key=lambda e: _key_order(e.key))
        ),
        items=len(items),
    )


def _counts(pairs: Iterable[tuple[str, WorkItem]]) -> dict[str, Count]:
    opened: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for name, item in pairs:
        done = item.state in (TrackerState.CLOSED, TrackerState.DONE)
        (closed if done else opened)[name] += 1
    return {name: Count(opened[name], closed[name]) for name in {*opened, *closed}}


def _key_order(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return (project, int(number) if number.isdigit() else 0)


# ---- what discover prints -------------------------------------------------------------------


def describe(found: Catalogue) -> str:
    """The catalogue as tables a person reads and copies names from."""
    source = found.source
    where = (
        f"GitHub {source.repo}"
        if isinstance(source, GitHubSource)
        else f"Jira project {source.project}"
    )
    lines = [f"source {source.id} ({where}): {found.items} issues", ""]
    if isinstance(source, GitHubSource):
        title, date_word, state_words = "Milestones", "due", ("open", "closed")
    else:
        title, date_word, state_words = "Fix versions", "release date", ("unreleased", "released")
    rows = [
        (c.name, str(c.due or "—"), str(c.count.open), str(c.count.closed), state_words[c.closed])
        for c in found.containers
    ]
    lines += _table(
        f"{title} (selector: {found.container_word})",
        ("name", date_word, "open", "closed", "state"),
        rows,
    )
    lines += _table(
        "Labels (selector: label)",
        ("name", "open", "closed"),
        [(name, str(c.open), str(c.closed)) for name, c in found.labels],
    )
    if isinstance(source, JiraSource):
        lines += _table(
            "Epics (selector: epic; counts are its children)",
            ("key", "title", "open", "done"),
            [(e.key, e.title, str(e.count.open), str(e.count.closed)) for e in found.epics],
        )
    return "\n".join(lines).rstrip() + "\n"


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    if not rows:
        return [f"{title}: none", ""]
    shown = [tuple(" ".join(cell.split()) for cell in row) for row in rows]
    widths = [max(len(row[n]) for row in [header, *shown]) for n in range(len(header))]
    out = [title]
    for row in [header, *shown]:
        cells = [
            cell.rjust(width) if cell.isdigit() else cell.ljust(width)
            for cell, width in zip(row, widths, strict=True)
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return [*out, ""]


# ---- init: a starter mapping file -----------------------------------------------------------


def starter_mapping(catalogues: Sequence[Catalogue]) -> str:
    """A mapping file with every source and one deliverable per open milestone or unreleased
    fix version that has issues (else per epic, else for the most used label), commented so
    that the next steps are in the file itself."""
    lines = [
        "# A starter mapping made by `delivery-sync init` from what the trackers hold.",
        "# Check the deliverables, add `report_to` (the issue that gets the status comments)",
        "# and `people`, then run: delivery-sync validate --online",
        "# and: delivery-sync run --once --dry-run",
        "version: 1",
        "timezone: UTC  # your team's IANA time zone, e.g. Europe/Berlin",
        "sources:",
    ]
    for found in catalogues:
        source = found.source
        where = (
            f"repo: {yaml_scalar(source.repo)}"
            if isinstance(source, GitHubSource)
            else (f"project: {yaml_scalar(source.project)}")
        )
        lines.append(f"  - {{id: {source.id}, kind: {source.kind}, {where}}}")
    lines.append("deliverables:")
    taken: set[str] = set()
    chosen = [(found, pick) for found in catalogues for pick in _deliverables(found)]
    if not chosen:
        raise ValueError(
            "nothing to make a deliverable of: no open milestone or unreleased fix version with "
            "issues, no epic with open children and no label"
        )
    for found, (name, selector) in chosen:
        ident = _unique(_slug(name) or found.source.id, taken)
        lines += [
            f"  - id: {ident}",
            f"    name: {yaml_scalar(name)}",
            f"    include: [{{source: {found.source.id}, {selector}}}]",
        ]
    return "\n".join(lines) + "\n"


def _deliverables(found: Catalogue) -> list[tuple[str, str]]:
    word = found.container_word
    chosen = [
        (c.name, f"{word}: {yaml_scalar(c.name)}")
        for c in found.containers
        if not c.closed and c.count.open + c.count.closed
    ]
    if not chosen:
        chosen = [(e.title, f"epic: {e.key}") for e in found.epics if e.count.open]
    if not chosen and found.labels:
        label, _ = max(found.labels, key=lambda pair: pair[1].open + pair[1].closed)
        chosen = [(label, f"label: {yaml_scalar(label)}")]
    return chosen


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60].strip("-")


def _unique(ident: str, taken: set[str]) -> str:
    candidate, n = ident, 2
    while candidate in taken:
        candidate, n = f"{ident}-{n}", n + 1
    taken.add(candidate)
    return candidate
