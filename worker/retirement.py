"""Reports that left the mapping: edited once into a note that says so, or deleted with
`--prune`; only those this store published, and never where the live reports are not in place."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from connectors.model import Marker, Role, Target
from mappings.config import MappingFile
from mappings.scope import report_targets
from worker.publisher import Outcome, Published, Publisher
from worker.state import CommentRecord, StateStore, keep_lock

if TYPE_CHECKING:
    from rendering.document import Document


@dataclass(frozen=True)
class Retirement:
    """What retiring needs to know: the mapping, where to write, the day, and whether to delete."""

    mapping: MappingFile
    publisher: Publisher
    state: StateStore
    today: date
    prune: bool = False


def retire_reports(
    retirement: Retirement, failed_sources: Collection[str], unsettled: Collection[str] = ()
) -> list[Published]:
    """Reports this store published whose deliverable left the mapping, or whose target left
    its `report_to`, are edited once into a note that says so (or deleted, with `prune`); never
    edited again. Comments it only found (another deployment's, or from before a lost state)
    are never touched."""
    mapping, publisher, state, today = (
        retirement.mapping,
        retirement.publisher,
        retirement.state,
        retirement.today,
    )
    prune = retirement.prune
    live = {d.id: {str(t) for t in report_targets(d)} for d in mapping.deliverables}
    sources = {s.id for s in mapping.sources}
    published = []
    for record in state.comment_records():
        marker = Marker.from_dict(json.loads(record.marker))
        if marker is None or marker.deliverable is None or marker.notice or marker.task:
            continue
        if record.comment_id is None or (record.retired and not prune):
            continue
        if record.target in live.get(marker.deliverable, ()):
            continue  # still reported there (maybe held back this cycle)
        target = Target.parse(record.target)
        if target.source not in sources or target.source in failed_sources:
            continue  # nobody to ask now
        if record.target in unsettled:
            continue  # the live reports there not yet in place
        keep_lock(state)
        done = publisher.retire(
            target,
            marker,
            record,
            _retired_document(marker, record, mapping, state, today),
            prune=prune,
        )
        published.append(done)
        if done.outcome in (Outcome.RETIRED, Outcome.PRUNED):
            # Back on this target one day, it starts afresh: no notice about an old change.
            state.forget_announcement(marker.deliverable, record.target)
    return published


def _retired_document(
    marker: Marker, record: CommentRecord, mapping: MappingFile, state: StateStore, today: date
) -> Document:
    deliverable = next((d for d in mapping.deliverables if d.id == marker.deliverable), None)
    publication = state.publication(marker.deliverable or "")
    name = publication.name if publication else (marker.deliverable or "")
    if deliverable is None:
        why = f"deliverable {marker.deliverable!r} was removed from the mapping file"
    else:
        name = deliverable.name
        why = f"this issue was removed from the report_to of deliverable {marker.deliverable!r}"
    # "Reported in another comment" only when that comment is there.
    successor = any(
        (live := state.comment_record(record.target, replace(marker, deliverable=d.id).key))
        is not None
        and live.comment_id is not None
        and live.retired is None
        for d in mapping.deliverables
        if d.name == name and d.id != marker.deliverable
    )
    from mappings.report import retired_report  # the report texts: only to write a note

    role = marker.role.words if isinstance(marker.role, Role) else marker.role
    return retired_report(name, role, today, why, successor)
