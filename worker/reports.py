"""Map the mirror onto deliverables and compute both role views and their documents, for the
deliverables that may be published now; the others are held back with the reason.

Work in proportion to change: a report's text depends only on its inputs, so each publication
keeps two digests of them (`Publication.revision`, `Publication.inputs`). When neither the store
nor the mapping nor the day changed since every deliverable was published, `settled` says so
without reading the mirror; otherwise a deliverable whose own inputs digest is unchanged is left
as published, and only the others get their views built and rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Protocol

import structlog

from connectors.model import ItemRef, Marker, WorkItem
from mappings.config import Deliverable, MappingFile
from mappings.scope import Portfolio, Scope, due_by_item, mapping_digest, report_targets
from worker.fetch import memberships
from worker.state import Cursors, History, Mirror, Publication

# The views and the report texts are imported where a report is computed (`_report`): an idle
# cycle, which `settled` finds has nothing to compute, never defines their classes.
if TYPE_CHECKING:
    from mappings.views import DeliveryLeadView, ProjectManagerView, Snapshot
    from rendering.document import Document

log = structlog.get_logger("delivery_sync.reports")


@dataclass(frozen=True)
class DeliverableReport:
    """Both role views of one deliverable for one day, and the documents that say them."""

    scope: Scope
    lead_view: DeliveryLeadView
    pm_view: ProjectManagerView
    documents: tuple[tuple[Marker, Document], ...]
    digest: str = ""  # the deliverable's mapping entry (`mapping_digest`)
    mapping_changed: bool = False  # its mapping entry differs from its last publication's
    last_status: str | None = None  # the status of the last report, from the history
    inputs: str = ""  # the digest of what the report was computed from (`inputs_digest`)

    @property
    def deliverable_id(self) -> str:
        return self.scope.deliverable.id


class _Store(Mirror, History, Cursors, Protocol):
    """What computing the reports reads: the mirror, the deliverables' history, and what was
    learnt about each site."""


@dataclass(frozen=True)
class Reuse:
    """What a cycle may reuse: `revision` is this cycle's `revision_key`; the reports on
    `repaired` targets (where the daily check found a comment gone or edited) are written
    again whatever their inputs."""

    revision: str
    repaired: frozenset[str] = frozenset()


@dataclass
class ReportSet:
    """The reports to publish, the deliverables held back (and why), and those whose inputs
    did not change since their last publication: not recomputed, their comments stand."""

    reports: list[DeliverableReport] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


@cache
def _product_version() -> str:
    """A new version may word a report differently: its first cycle recomputes them all."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("delivery-sync")
    except PackageNotFoundError:
        return "unknown"


def day_key(mapping: MappingFile, today: date) -> str:
    """The inputs every report shares: the product's version, the whole mapping file (people,
    roles, rules and every deliverable's targets reach into each report) and the day."""
    text = f"{_product_version()}\n{today.isoformat()}\n{mapping.model_dump_json()}"
    return hashlib.sha1(text.encode()).hexdigest()


def revision_key(mapping: MappingFile, state: Mirror, today: date) -> str:
    """`day_key` and every source's mirror revision: equal keys, equal reports."""
    revisions = ",".join(f"{s.id}={state.revision(s.id)}" for s in mapping.sources)
    return hashlib.sha1(f"{day_key(mapping, today)}\n{revisions}".encode()).hexdigest()


def settled(
    mapping: MappingFile,
    state: _Store,
    reuse: Reuse,
    failed_sources: Collection[str],
) -> ReportSet | None:
    """Every deliverable either held back by a failed source or published at this very
    revision with nothing left to announce: nothing to compute, the mirror need not be read.
    None when some report must be computed."""
    result = ReportSet()
    for deliverable in mapping.deliverables:
        failed = sorted(_sources_of(deliverable) & set(failed_sources))
        if failed:
            result.skipped[deliverable.id] = f"source {', '.join(failed)} failed to fetch"
            continue
        publication = state.publication(deliverable.id)
        if publication is None or publication.revision != reuse.revision:
            return None
        if _must_recompute(deliverable, publication, state, reuse):
            return None
        result.unchanged.append(deliverable.id)
    for deliverable_id, why in result.skipped.items():
        log.warning("deliverable.skipped", deliverable=deliverable_id, why=why)
    return result


def _must_recompute(
    deliverable: Deliverable, publication: Publication, state: History, reuse: Reuse
) -> bool:
    """A report is written again whatever its inputs when its last write did not go through,
    the daily check found one of its comments gone or edited, or a status change is still to
    be announced on a target (a notice cooling down, or one that could not be posted)."""
    if not publication.inputs:
        return True
    for target in map(str, report_targets(deliverable)):
        if target in reuse.repaired:
            return True
        heard = state.announcement(deliverable.id, target)
        if heard is None or heard.status != publication.status:
            return True
    return False


def compute_reports(
    mapping: MappingFile,
    state: _Store,
    today: date,
    failed_sources: Mapping[str, str],
    items: Mapping[str, Mapping[str, WorkItem]],
    reuse: Reuse | None = None,
) -> ReportSet:
    """Both role documents for every deliverable whose sources all fetched; the others, with
    the reason, are left out so their comments keep their previous text. With `reuse`, a
    deliverable whose inputs are those of its last publication is left out too, as unchanged
    (unless task nudges are on: they need every view)."""
    milestones = {s.id: state.milestones(s.id) for s in mapping.sources}
    members = memberships(mapping, state)
    unreadable = {s.id: state.unreadable(s.id) for s in mapping.sources}
    publications = {d.id: state.publication(d.id) for d in mapping.deliverables}
    portfolio = Portfolio(
        mapping, items, milestones, members, unreadable, _cloud_sites(mapping, state)
    )
    scopes, skipped = _publishable_scopes(mapping, portfolio, publications, failed_sources)
    context = _Context(
        mapping,
        today,
        items,
        due_by_item(scopes),
        portfolio.work_in_progress(),
        day_key(mapping, today),
    )
    result = ReportSet(skipped=skipped)
    for scope in scopes:
        deliverable_id = scope.deliverable.id
        history = state.history(deliverable_id)
        inputs = inputs_digest(scope, history, context)
        publication = publications[deliverable_id]
        if (
            reuse is not None
            and not mapping.rules.task_nudges
            and publication is not None
            and publication.inputs == inputs
            and not _must_recompute(scope.deliverable, publication, state, reuse)
        ):
            result.unchanged.append(deliverable_id)
            continue
        result.reports.append(_report(scope, history, publication, inputs, context))
    return result


@dataclass(frozen=True)
class _Context:
    """What every deliverable's report of one cycle shares."""

    mapping: MappingFile
    today: date
    items: Mapping[str, Mapping[str, WorkItem]]
    due_of: Mapping[ItemRef, date]
    wip_everywhere: Mapping[str, int]  # the workload table's column, built once per cycle
    day_key: str


def _report(
    scope: Scope,
    history: Sequence[Snapshot],
    publication: Publication | None,
    inputs: str,
    context: _Context,
) -> DeliverableReport:
    """Build both views of one deliverable and render its documents."""
    from mappings.report import role_documents
    from mappings.views import AcrossDeliverables, delivery_lead_view, project_manager_view

    mapping, today, rules = context.mapping, context.today, context.mapping.rules
    deliverable_id = scope.deliverable.id
    digest = mapping_digest(scope.deliverable, mapping)
    lead_view = delivery_lead_view(
        scope,
        rules,
        today,
        history=history,
        delivery_lead=mapping.person(mapping.roles.delivery_lead),
        mirror=context.items,
    )
    pm_view = project_manager_view(
        scope,
        rules,
        today,
        history=history,
        project_manager=mapping.person(mapping.roles.project_manager),
        across=AcrossDeliverables(context.wip_everywhere, context.due_of),
    )
    documents = role_documents(lead_view, pm_view, rules.mention)
    return DeliverableReport(
        scope,
        lead_view,
        pm_view,
        tuple((Marker(role, deliverable=deliverable_id), doc) for role, doc in documents),
        digest=digest,
        mapping_changed=publication is not None and publication.selectors != digest,
        last_status=history[-1].status if history else None,
        inputs=inputs,
    )


def inputs_digest(scope: Scope, history: Sequence[Snapshot], context: _Context) -> str:
    """A digest of everything a deliverable's two reports are computed from on one day: the
    mapping and the day (`day_key`); its items as classified (every field of each tracker
    item, its category, due date, blockers …); its due date, targets and checklist; the
    work in progress of the people it shows; the due dates of other deliverables its open
    items wait for; and the items that left it within its history, whose titles the scope
    change shows; the tracker searches its comment links to. Its own history is not an
    input: it changes only by publishing, "since the last report" reads only the versions
    before today (`previous_report`), and a report is stable under its own snapshot (an idle
    cycle writes nothing)."""
    digest = hashlib.sha1(context.day_key.encode())
    digest.update(repr((scope.due, scope.due_from, scope.targets, scope.checklist)).encode())
    digest.update(repr((scope.full_list, [p.search for p in scope.parts])).encode())
    for group in (scope.items, scope.dropped, scope.unreadable):
        digest.update(b"|")
        for classified in group:
            digest.update(repr(classified).encode())
    open_items = [i for i in scope.items if not i.done]
    people = sorted({name for i in open_items for name in i.assignee_names})
    digest.update(repr([(p, context.wip_everywhere.get(p, 0)) for p in people]).encode())
    waits = {b.ref for i in open_items for b in i.open_blockers}
    digest.update(repr(sorted((str(r), context.due_of.get(r)) for r in waits)).encode())
    present = {str(i.ref) for group in (scope.items, scope.dropped) for i in group}
    gone = sorted({key for s in history for key in s.keys} - present)
    for ref in map(ItemRef.parse, gone):
        digest.update(repr(context.items.get(ref.source, {}).get(ref.key)).encode())
    return digest.hexdigest()


def _publishable_scopes(
    mapping: MappingFile,
    portfolio: Portfolio,
    publications: Mapping[str, Publication | None],
    failed_sources: Mapping[str, str],
) -> tuple[list[Scope], dict[str, str]]:
    """The scopes of the deliverables that may be published now, and why the others may not."""
    scopes: list[Scope] = []
    skipped: dict[str, str] = {}
    for index, deliverable in enumerate(mapping.deliverables):
        failed = sorted(_sources_of(deliverable) & set(failed_sources))
        if failed:
            skipped[deliverable.id] = f"source {', '.join(failed)} failed to fetch"
            log.warning("deliverable.skipped", deliverable=deliverable.id, failed_sources=failed)
            continue
        scope = portfolio.scope(deliverable)
        problems = portfolio.problems(index, scope, publications[deliverable.id])
        if problems:
            # A typo or a rename must never be published as "0 of 0 items done": the comments
            # keep their last text until the mapping or the tracker is fixed.
            skipped[deliverable.id] = "; ".join(str(p) for p in problems)
            log.error(
                "deliverable.held_back",
                deliverable=deliverable.id,
                problems=[str(p) for p in problems],
            )
            continue
        scopes.append(scope)
    return scopes, skipped


def _cloud_sites(mapping: MappingFile, state: Cursors) -> dict[str, bool]:
    """Whether each Jira source's site turned out to be Cloud, as its adapter discovered."""
    found = {}
    for source in mapping.sources:
        stored = state.site_info(source.id) if source.kind == "jira" else None
        if stored is not None and "cloud" in stored[0]:
            found[source.id] = bool(stored[0]["cloud"])
    return found


def _sources_of(deliverable: Deliverable) -> set[str]:
    return {s.source for s in deliverable.include} | {t.source for t in deliverable.report_to}
