"""Keep one comment per (target, marker) in sync: find it, edit it only when its text changes,
create it only when it is truly absent, and never post twice.

The state store's comment record answers "which comment, what text" without a request. Without
a record, or while a create is in flight (record without comment id), our comments on the target
are listed and matched by marker before anything is created; after a create whose outcome is
unknown they are listed again before any second attempt.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

import structlog

from connectors.document import Document
from connectors.model import Comment, Marker, Target
from connectors.retry import AmbiguousWrite, NotFound, TrackerError
from connectors.tracker import Tracker
from worker.state import CommentRecord, StateStore

log = structlog.get_logger("delivery_sync.publisher")


class Outcome(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    UNCHANGED = "unchanged"
    DEFERRED = "deferred"  # over the --max-writes budget: done next cycle
    FAILED = "failed"
    WOULD_CREATE = "would create"  # dry run
    WOULD_EDIT = "would edit"  # dry run


WRITES = (Outcome.CREATED, Outcome.EDITED)


@dataclass(frozen=True, slots=True)
class Published:
    target: Target
    marker: Marker
    outcome: Outcome
    body: str
    error: str | None = None


@dataclass
class WriteBudget:
    limit: int | None = None
    used: int = 0

    def take(self) -> bool:
        if self.limit is not None and self.used >= self.limit:
            return False
        self.used += 1
        return True


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass
class Publisher:
    trackers: Mapping[str, Tracker]
    state: StateStore
    dry_run: bool = False
    budget: WriteBudget = field(default_factory=WriteBudget)
    out: TextIO | None = None  # dry-run diffs go here
    _listed: dict[Target, list[Comment]] = field(default_factory=dict)

    def publish(self, target: Target, marker: Marker, document: Document) -> Published:
        tracker = self.trackers[target.source]
        body = tracker.body(document, marker)
        try:
            outcome = self._reconcile(tracker, target, marker, body)
        except TrackerError as exc:
            log.error("comment.failed", target=str(target), marker=marker.key, error=str(exc))
            return Published(target, marker, Outcome.FAILED, body, str(exc))
        event = {
            Outcome.UNCHANGED: "comment.unchanged",
            Outcome.DEFERRED: "comment.deferred",
        }.get(outcome, f"comment.{outcome.value.replace(' ', '_')}")
        log.info(event, target=str(target), marker=marker.key)
        return Published(target, marker, outcome, body)

    def _reconcile(self, tracker: Tracker, target: Target, marker: Marker, body: str) -> Outcome:
        key = str(target)
        digest = body_hash(body)
        record = self.state.comment_record(key, marker.key)
        if record is not None and record.comment_id is not None:
            if record.body_hash == digest:
                return Outcome.UNCHANGED
            return self._edit(tracker, target, marker, body, record.comment_id, record.body)
        # No record, or a create that may or may not have happened: look before creating.
        existing = self._find(tracker, target, marker)
        if existing is not None:
            self._remember(key, marker, existing.id, existing.body)
            if existing.body == body:
                return Outcome.UNCHANGED
            return self._edit(tracker, target, marker, body, existing.id, existing.body)
        return self._create(tracker, target, marker, body)

    def _find(self, tracker: Tracker, target: Target, marker: Marker) -> Comment | None:
        if target not in self._listed:
            self._listed[target] = tracker.own_comments(target.issue)
        mine = [c for c in self._listed[target] if c.marker == marker]
        if len(mine) > 1:
            log.warning(
                "comment.duplicates",
                target=str(target),
                marker=marker.key,
                comment_ids=[c.id for c in mine],
            )
        return min(mine, key=lambda c: int(c.id) if c.id.isdigit() else 0) if mine else None

    def _edit(
        self,
        tracker: Tracker,
        target: Target,
        marker: Marker,
        body: str,
        comment_id: str,
        old_body: str | None,
    ) -> Outcome:
        if self.dry_run:
            self._diff(target, marker, old_body or "", body, f"edit comment {comment_id}")
            return Outcome.WOULD_EDIT
        if not self.budget.take():
            return Outcome.DEFERRED
        try:
            tracker.edit_comment(target.issue, comment_id, body, marker)
        except NotFound:
            # Someone deleted our comment: forget it and post it again (after looking once more).
            self.state.delete_comment_record(str(target), marker.key)
            self._listed.pop(target, None)
            self.budget.used -= 1
            existing = self._find(tracker, target, marker)
            if existing is not None:
                self._remember(str(target), marker, existing.id, existing.body)
                return self._edit(tracker, target, marker, body, existing.id, existing.body)
            return self._create(tracker, target, marker, body)
        self._remember(str(target), marker, comment_id, body)
        return Outcome.EDITED

    def _create(self, tracker: Tracker, target: Target, marker: Marker, body: str) -> Outcome:
        if self.dry_run:
            self._diff(target, marker, "", body, "create comment")
            return Outcome.WOULD_CREATE
        if not self.budget.take():
            return Outcome.DEFERRED
        key = str(target)
        # The intent is durable before the request: a crash now leaves a record that makes the
        # next cycle look for the comment instead of posting a second one.
        self.state.save_comment_record(CommentRecord(key, marker.key, None, None, None))
        try:
            created = tracker.create_comment(target.issue, body, marker)
        except AmbiguousWrite as exc:
            log.warning("comment.create_ambiguous", target=key, marker=marker.key, error=str(exc))
            self._listed.pop(target, None)
            existing = self._find(tracker, target, marker)
            if existing is not None:
                self._remember(key, marker, existing.id, existing.body)
                return Outcome.CREATED
            created = tracker.create_comment(target.issue, body, marker)
        self._remember(key, marker, created.id, body)
        self._listed.setdefault(target, []).append(created)
        return Outcome.CREATED

    def _remember(self, target: str, marker: Marker, comment_id: str, body: str) -> None:
        if not self.dry_run:
            self.state.save_comment_record(
                CommentRecord(target, marker.key, comment_id, body, body_hash(body))
            )

    def _diff(self, target: Target, marker: Marker, old: str, new: str, action: str) -> None:
        if self.out is None:
            return
        label = f"{target} {marker.key}"
        self.out.write(f"# {action} on {target}\n")
        self.out.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{label}",
                tofile=f"b/{label}",
            )
        )
        self.out.write("\n")
