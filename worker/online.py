"""`validate --online`: what only the trackers can tell about a mapping file — whether every
source and report target can be reached, whether every milestone, fix version, epic, label and
JQL a selector names exists there, and who the people are that `people` should list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.model import Person
from connectors.retry import TrackerError
from connectors.tracker import Tracker
from mappings.config import GitHubSource, MappingFile, PersonEntry
from mappings.scope import closest, jql_stream, scope_of, unlisted_people
from worker.fetch import jql_selectors


@dataclass(frozen=True, slots=True)
class Finding:
    """One selector naming something the tracker does not have: field path and why."""

    path: str
    message: str


def check_access(
    mapping: MappingFile, trackers: Mapping[str, Tracker], failures: Mapping[str, str]
) -> list[tuple[str, str | None]]:
    """Every source and report target, with what stops us from using it (None: reachable)."""
    rows: list[tuple[str, str | None]] = []
    for source in mapping.sources:
        problem = failures.get(source.id)
        if problem is None:
            try:
                trackers[source.id].check_access()
            except TrackerError as exc:
                problem = str(exc)
        rows.append((f"source {source.id}", problem))
    for deliverable in mapping.deliverables:
        for target in deliverable.report_to:
            name = f"target {target.source}:{target.issue}"
            tracker = trackers.get(target.source)
            if tracker is None:
                rows.append((name, "its source has no credentials"))
                continue
            try:
                found = tracker.fetch_item(str(target.issue))
            except TrackerError as exc:
                rows.append((name, str(exc)))
                continue
            rows.append((name, None if found is not None else "issue not found"))
    return rows


def check_selectors(
    mapping: MappingFile, trackers: Mapping[str, Tracker], unreachable: Iterable[str] = ()
) -> list[Finding]:
    """Every milestone (GitHub), fix version and epic (Jira) a selector names, checked against
    the tracker's own lists, GitHub labels against the repository's labels, and each JQL
    selector run once (Jira's own message when it refuses it). Sources that cannot be reached
    are left out: the access table already says why."""
    skip = set(unreachable)
    names: dict[str, set[str]] = {}
    labels: dict[str, list[str]] = {}
    findings: list[Finding] = []

    def listed(cache: dict, source: str, read) -> object:
        if source not in cache:
            cache[source] = read()
        return cache[source]

    for d_index, deliverable in enumerate(mapping.deliverables):
        for s_index, selector in enumerate(deliverable.include):
            tracker = trackers.get(selector.source)
            if tracker is None or selector.source in skip:
                continue
            source = mapping.source(selector.source)
            where = source.repo if isinstance(source, GitHubSource) else source.project
            path = f"deliverables[{d_index}].include[{s_index}]"
            try:
                for field, what in (("milestone", "milestone"), ("fix_version", "fix version")):
                    wanted = getattr(selector, field)
                    if wanted is None:
                        continue
                    known = listed(
                        names,
                        selector.source,
                        lambda t=tracker: {m.title for m in t.fetch_milestones()},
                    )
                    if wanted not in known:
                        findings.append(
                            Finding(
                                f"{path}.{field}",
                                f"{where} has no {what} {wanted!r}{closest(wanted, known)}",
                            )
                        )
                if selector.epic is not None and tracker.fetch_item(selector.epic) is None:
                    findings.append(Finding(f"{path}.epic", f"there is no issue {selector.epic}"))
                if selector.label is not None and isinstance(source, GitHubSource):
                    known = listed(labels, selector.source, tracker.fetch_labels)
                    if selector.label.casefold() not in {k.casefold() for k in known}:
                        findings.append(
                            Finding(
                                f"{path}.label",
                                f"{where} has no label {selector.label!r}"
                                f"{closest(selector.label, known)}",
                            )
                        )
                if selector.jql is not None:
                    tracker.check_jql(selector.jql)
            except TrackerError as exc:
                field = ".jql" if selector.jql is not None and exc.status == 400 else ""
                findings.append(Finding(f"{path}{field}", str(exc)))
    return findings


def _name_key(text: str) -> str:
    """`alex-kim`, `alex.kim`, `Alex Kim` all read "alex kim"."""
    return " ".join(re.split(r"[\s._-]+", text.casefold())).strip()


def assignees(
    mapping: MappingFile, trackers: Mapping[str, Tracker], unreachable: Iterable[str] = ()
) -> list[Person]:
    """Everyone assigned to an item the deliverables count, read afresh from the trackers."""
    skip = set(unreachable)
    items: dict[str, dict] = {}
    members: dict[str, frozenset[str]] = {}
    for source in mapping.sources:
        tracker = trackers.get(source.id)
        if tracker is None or source.id in skip:
            continue
        try:
            items[source.id] = {i.key: i for i in tracker.fetch_items(None)}
            for jql in jql_selectors(mapping, source.id):
                found = tracker.fetch_items(None, jql=jql)
                members[jql_stream(source.id, jql)] = frozenset(i.key for i in found)
        except TrackerError:
            items.pop(source.id, None)  # the access table says why
    scopes = [
        scope_of(d, mapping, items, {}, members)
        for d in mapping.deliverables
        if {s.source for s in d.include} <= set(items)
    ]
    return unlisted_people(scopes, ())


def people_block(people: Iterable[PersonEntry], found: Iterable[Person]) -> str | None:
    """A `people:` block to paste into the mapping file: the entries already there, completed
    with identities found on the trackers, paired across trackers where the names match
    (GitHub login `alex-kim`, Jira display name `Alex Kim`). None when it would add nothing."""
    entries = [{"name": p.name, "github": p.github, "jira": p.jira} for p in people]
    known = {(t, e[t]) for e in entries for t in ("github", "jira") if e[t]}
    added = False
    # Jira first: its display names are people's names, which GitHub logins are paired with.
    for person in sorted(found, key=lambda p: (p.tracker != "jira", p.id)):
        if (person.tracker, person.id) in known:
            continue
        label = person.display_name or person.id
        match = next(
            (
                e
                for e in entries
                if e[person.tracker] is None
                and (
                    _name_key(e["name"]) == _name_key(label)
                    or _name_key(e["name"]) == _name_key(person.id)
                )
            ),
            None,
        )
        if match is None:
            match = {"name": label, "github": None, "jira": None}
            entries.append(match)
        match[person.tracker] = person.id
        known.add((person.tracker, person.id))
        added = True
    if not added:
        return None
    lines = ["people:"]
    for entry in entries:
        fields = [f"name: {yaml_scalar(entry['name'])}"]
        fields += [f"{t}: {yaml_scalar(entry[t])}" for t in ("github", "jira") if entry[t]]
        lines.append(f"  - {{{', '.join(fields)}}}")
    return "\n".join(lines) + "\n"


# Plain scalars YAML 1.1 (PyYAML) reads as something other than text.
_YAML_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"}


def yaml_scalar(text: str) -> str:
    """A flow-style YAML scalar that reads back as exactly this text: plain when that is safe,
    else a double-quoted (JSON) string, which also escapes newlines and control characters."""
    if (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9 ._-]*", text)
        and text.strip() == text
        and text.casefold() not in _YAML_WORDS
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    # YAML also breaks lines at U+0085, U+2028 and U+2029: escape whatever does not print.
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)
