"""Map the mirror onto deliverables and compute both role views and their documents, for the
deliverables that may be published now; the others are held back with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import structlog

from connectors.model import Marker, WorkItem
from mappings.config import Deliverable, MappingFile
from mappings.report import role_documents
from mappings.scope import Portfolio, Scope, due_by_item, mapping_digest
from mappings.views import (
    DeliveryLeadView,
    ProjectManagerView,
    delivery_lead_view,
    project_manager_view,
)
from rendering.document import Document
from worker.fetch import memberships
from worker.state import Cursors, History, Mirror, Publication

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

    @property
    def deliverable_id(self) -> str:
        return self.scope.deliverable.id


class _Store(Mirror, History, Cursors, Protocol):
    """What computing the reports reads: the mirror, the deliverables' history, and what was
    learnt about each site."""


def compute_reports(
    mapping: MappingFile,
    state: _Store,
    today: date,
    failed_sources: Mapping[str, str],
    items: Mapping[str, Mapping[str, WorkItem]],
) -> tuple[list[DeliverableReport], dict[str, str]]:
    """Both role documents for every deliverable whose sources all fetched; the others, with
    the reason, are left out so their comments keep their previous text."""
    milestones = {s.id: state.milestones(s.id) for s in mapping.sources}
    members = memberships(mapping, state)
    unreadable = {s.id: state.unreadable(s.id) for s in mapping.sources}
    publications = {d.id: state.publication(d.id) for d in mapping.deliverables}
    portfolio = Portfolio(
        mapping, items, milestones, members, unreadable, _cloud_sites(mapping, state)
    )
    scopes, skipped = _publishable_scopes(mapping, portfolio, publications, failed_sources)
    due_of = due_by_item(scopes)
    wip_everywhere = portfolio.work_in_progress()
    lead = mapping.person(mapping.roles.delivery_lead)
    pm = mapping.person(mapping.roles.project_manager)
    rules = mapping.rules
    reports = []
    for scope in scopes:
        deliverable_id = scope.deliverable.id
        history = state.history(deliverable_id)
        digest = mapping_digest(scope.deliverable, mapping)
        publication = publications[deliverable_id]
        lead_view = delivery_lead_view(
            scope, rules, today, history=history, delivery_lead=lead, mirror=items
        )
        pm_view = project_manager_view(
            scope,
            rules,
            today,
            project_manager=pm,
            wip_everywhere=wip_everywhere,
            due_by_item=due_of,
        )
        documents = role_documents(lead_view, pm_view, rules.mention)
        reports.append(
            DeliverableReport(
                scope,
                lead_view,
                pm_view,
                tuple((Marker(role, deliverable=deliverable_id), doc) for role, doc in documents),
                digest=digest,
                mapping_changed=publication is not None and publication.selectors != digest,
                last_status=history[-1].status if history else None,
            )
        )
    return reports, skipped


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
