"""The new comments that tell people something: a status-change notice when a deliverable's
health changes because of news in the trackers, and a nudge on each task that needs action."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import structlog

from connectors.model import ItemRef, Marker, Role, Target
from mappings.config import MappingFile, Rules
from mappings.report import status_change_notice, task_nudge, task_nudge_resolved
from mappings.views import nudges
from worker.publisher import Outcome, Published, Publisher
from worker.reports import DeliverableReport
from worker.state import Announcement, CommentLog, History, RunLock, keep_lock

log = structlog.get_logger("delivery_sync.notices")

STATUS_CHANGE = "status-change"


@dataclass(frozen=True)
class Announcer:
    """Status-change notices: one on each target whose last announced status differs — news
    from the trackers only. The reference is the status last announced there (or set quietly by
    a first report or a mapping edit); a target gets at most one notice per cool-down, and none
    while its report could not be updated (the notice waits for the report). A dry run
    remembers nothing (`remember_news` False)."""

    publisher: Publisher
    history: History
    rules: Rules
    remember_news: bool = True

    def announce(
        self, report: DeliverableReport, now: datetime, failed: Collection[Target] = ()
    ) -> list[Published]:
        published = []
        for target in report.scope.targets:
            if report.mapping_changed or target not in failed:
                published += self._announce_on(target, report, now)
        return published

    def _announce_on(
        self, target: Target, report: DeliverableReport, now: datetime
    ) -> list[Published]:
        status = report.lead_view.health
        last = self._reference(target, report, now)
        if last is None or last.status == status:
            return []
        if not self.rules.notify_on_status_change:
            self._remember(target, report, Announcement(status, now, announced=False))
            return []
        if last.announced and now - last.since < timedelta(hours=self.rules.notice_cooldown_hours):
            log.info(
                "notice.cooling_down",
                deliverable=report.deliverable_id,
                target=str(target),
                last_announced=last.since.isoformat(),
                status=status,
            )
            return []
        marker = Marker(
            Role.DELIVERY_LEAD,
            deliverable=report.deliverable_id,
            notice=STATUS_CHANGE,
            # Stable until the change is announced, however many cycles that takes.
            change=f"{last.since.isoformat(timespec='seconds')}:{last.status}->{status}",
        )
        notice = status_change_notice(report.lead_view, last.status, self.rules.mention)
        posted = self.publisher.post_once(target, marker, notice)
        if posted.outcome in (Outcome.CREATED, Outcome.UNCHANGED):
            self._remember(target, report, Announcement(status, now, announced=True))
        return [posted]

    def _reference(
        self, target: Target, report: DeliverableReport, now: datetime
    ) -> Announcement | None:
        """What this target's readers last heard; None when there is nothing to compare with
        (and the current status quietly becomes the reference)."""
        status = report.lead_view.health
        last = self.history.announcement(report.deliverable_id, str(target))
        if report.mapping_changed:
            # The mapping's doing: its status is the reference, quietly, even where the report
            # could not be written this cycle (the change is no news there either).
            if last is None or last.status != status:
                self._remember(target, report, Announcement(status, now, announced=False))
            return None
        if last is None:
            if report.last_status is None:
                self._remember(target, report, Announcement(status, now, announced=False))
                return None
            # A store from before announcements were kept: the last report is the reference.
            last = Announcement(report.last_status, now, announced=False)
            self._remember(target, report, last)
        return last

    def _remember(self, target: Target, report: DeliverableReport, news: Announcement) -> None:
        if self.remember_news:
            self.history.save_announcement(report.deliverable_id, str(target), news)


class _Store(CommentLog, RunLock, Protocol):
    """What nudging reads: our comment records, and the lock it keeps between writes."""


def publish_nudges(
    mapping: MappingFile,
    reports: list[DeliverableReport],
    publisher: Publisher,
    state: _Store,
    today: date,
    healthy: bool,
) -> list[Published]:
    """One project-manager comment on each task that needs action, edited in place; once the
    task needs nothing, the comment says so. Nothing is marked resolved after a cycle in which
    a source failed: a task missing then may only be missing from what we could read."""
    published = []
    needed = nudges(r.pm_view for r in reports)
    for ref, nudge in needed.items():
        keep_lock(state)
        target = Target(ref.source, ref.issue)
        document = task_nudge(nudge, today, mapping.rules.mention)
        marker = Marker(Role.PROJECT_MANAGER, task=str(ref))
        published.append(publisher.publish(target, marker, document))
    if not healthy:
        return published
    sources = {s.id for s in mapping.sources}
    for record in state.comment_records():
        marker = Marker.from_dict(json.loads(record.marker))
        if marker is None or marker.task is None or ItemRef.parse(marker.task) in needed:
            continue
        target = Target.parse(record.target)
        if target.source in sources and record.comment_id is not None:
            keep_lock(state)
            published.append(publisher.publish(target, marker, task_nudge_resolved()))
    return published
