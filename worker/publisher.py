"""Keep one comment per (target, marker) in sync: find it, edit it only when its text changes,
create it only when it is truly absent, and never post twice.

The state store's comment record answers "which comment, what text" without a request. Without
a record, or while a create is in flight (record without comment id), our comments on the target
are listed and matched by marker before anything is created; after a create whose outcome is
unknown they are listed again, and if it is not there the next cycle decides. Status-change
notices are posted once and never edited: their marker names the change they announce.

The publisher decides; a `Writes` strategy carries the decision out: `LiveWrites` sends it to
the tracker within the write budget, `DryRunWrites` prints it as a diff and sends nothing.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TextIO

import structlog

from connectors.model import Comment, Marker, Target
from connectors.retry import AmbiguousWrite, NotFound, TrackerError
from connectors.tracker import Tracker
from worker.state import CommentLog, CommentRecord

if TYPE_CHECKING:
    from rendering.document import Document

log = structlog.get_logger("delivery_sync.publisher")


class Outcome(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    UNCHANGED = "unchanged"
    DEFERRED = "deferred"  # over the --max-writes budget, or stopping: done next cycle
    FAILED = "failed"
    RETIRED = "retired"  # edited once into a note: no longer kept up to date
    PRUNED = "pruned"  # a retired report deleted (`run --prune`)
    WOULD_CREATE = "would create"  # dry run
    WOULD_EDIT = "would edit"  # dry run
    WOULD_RETIRE = "would retire"  # dry run
    WOULD_PRUNE = "would prune"  # dry run


@dataclass(frozen=True, slots=True)
class Published:
    target: Target
    marker: Marker
    outcome: Outcome
    body: str
    error: str | None = None


@dataclass
class WriteBudget:
    """Writes left in this cycle: `--max-writes`, and none once a stop was asked for."""

    limit: int | None = None
    used: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def take(self) -> bool:
        if self.stop.is_set() or (self.limit is not None and self.used >= self.limit):
            return False
        self.used += 1
        return True

    def give_back(self) -> None:
        self.used -= 1


def _age(comment: Comment) -> int:
    return int(comment.id) if comment.id.isdigit() else 0


def body_hash(body: str) -> str:
    # surrogatepass: a text that is not valid Unicode still hashes instead of stopping the cycle.
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _same_text(a: str, b: str) -> bool:
    """Equal as a reader sees them: trackers may store line ends and trailing blanks their way."""

    def norm(text: str) -> list[str]:
        return [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]

    return norm(a) == norm(b)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where one comment lives and how to recognise it among our comments on the target."""

    target: Target
    marker: Marker
    record: str  # the comment record's key in the state store
    matches: Callable[[Comment], bool]  # a marked comment of ours that holds this report
    adopts: Callable[[Comment], bool]  # an unmarked comment of ours that must be this one


def _heading(body: str) -> str:
    return body.split("\n", 1)[0]


class Deferred(Exception):
    """No write left in this cycle's budget: the write waits for the next cycle."""


class Writes(Protocol):
    """How the publisher's decisions reach a tracker. Each method returns the outcome to
    report; `create` returns the new comment, or None when nothing was sent."""

    def create(
        self, tracker: Tracker, slot: _Slot, body: str, intent: Callable[[], None]
    ) -> Comment | None: ...
    def edit(
        self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str
    ) -> Outcome: ...
    def retire(
        self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str
    ) -> Outcome: ...
    def delete(self, tracker: Tracker, slot: _Slot, comment_id: str, old: str) -> Outcome: ...
    def adopt(self, tracker: Tracker, slot: _Slot, comment_id: str) -> bool: ...


@dataclass
class LiveWrites:
    """Writes for real, each taking one from the cycle's budget (`--max-writes`, stopping)."""

    budget: WriteBudget = field(default_factory=WriteBudget)

    def _take(self) -> None:
        if not self.budget.take():
            raise Deferred

    def create(
        self, tracker: Tracker, slot: _Slot, body: str, intent: Callable[[], None]
    ) -> Comment | None:
        self._take()
        intent()  # durable before the request: a crash now makes the next cycle look first
        return tracker.create_comment(slot.target.issue, body, slot.marker)

    def edit(self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str) -> Outcome:
        self._take()
        tracker.edit_comment(slot.target.issue, comment_id, body, slot.marker)
        return Outcome.EDITED

    def retire(
        self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str
    ) -> Outcome:
        self._take()
        tracker.edit_comment(slot.target.issue, comment_id, body, slot.marker)
        tracker.mark_comment(slot.target.issue, comment_id, slot.marker)
        return Outcome.RETIRED

    def delete(self, tracker: Tracker, slot: _Slot, comment_id: str, old: str) -> Outcome:
        self._take()
        with contextlib.suppress(NotFound):  # already gone: nothing left to prune
            tracker.delete_comment(slot.target.issue, comment_id)
        return Outcome.PRUNED

    def adopt(self, tracker: Tracker, slot: _Slot, comment_id: str) -> bool:
        tracker.mark_comment(slot.target.issue, comment_id, slot.marker)
        return True


@dataclass
class DryRunWrites:
    """Sends nothing: prints a unified diff per comment it would write (`run --dry-run`)."""

    out: TextIO | None = None

    def create(
        self, tracker: Tracker, slot: _Slot, body: str, intent: Callable[[], None]
    ) -> Comment | None:
        self._diff(slot, "", body, "create comment")
        return None

    def edit(self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str) -> Outcome:
        self._diff(slot, old, body, f"edit comment {comment_id}")
        return Outcome.WOULD_EDIT

    def retire(
        self, tracker: Tracker, slot: _Slot, comment_id: str, old: str, body: str
    ) -> Outcome:
        self._diff(slot, old, body, f"retire comment {comment_id}")
        return Outcome.WOULD_RETIRE

    def delete(self, tracker: Tracker, slot: _Slot, comment_id: str, old: str) -> Outcome:
        self._diff(slot, old, "", f"delete comment {comment_id}")
        return Outcome.WOULD_PRUNE

    def adopt(self, tracker: Tracker, slot: _Slot, comment_id: str) -> bool:
        return False

    def _diff(self, slot: _Slot, old: str, new: str, action: str) -> None:
        if self.out is None:
            return
        label = f"{slot.target} {slot.marker.key}"
        self.out.write(f"# {action} on {slot.target}\n")
        self.out.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{label}",
                tofile=f"b/{label}",
            )
        )
        self.out.write("\n")


@dataclass
class Publisher:
    trackers: Mapping[str, Tracker]
    state: CommentLog
    writes: Writes = field(default_factory=LiveWrites)
    today: date | None = None  # the day a report is retired on
    _listed: dict[Target, list[Comment]] = field(default_factory=dict)
    _relisted: set[Target] = field(default_factory=set)
    _taken_over: bool = False  # `forget_listings` was called: others wrote during this cycle
    _recorded: set[str] | None = None  # targets the store held a record for, when first asked

    def publish(self, target: Target, marker: Marker, document: Document) -> Published:
        """Create or edit the one comment this marker names on the target."""
        body = self.trackers[target.source].body(document, marker)
        slot = _Slot(
            target,
            marker,
            marker.key,
            lambda c: c.marker == marker,
            # A create whose marking failed left our comment unmarked: its heading names the
            # deliverable and the role, so it is this report.
            lambda c: c.marker is None and _heading(c.body) == _heading(body),
        )
        return self._run(slot, body, self._reconcile)

    def post_once(self, target: Target, marker: Marker, document: Document) -> Published:
        """Post a comment that is never edited (a notice), at most once per marker: the marker
        names what it announces, so a later day's retry elsewhere never repeats it here."""
        body = self.trackers[target.source].body(document, marker)
        slot = _Slot(
            target,
            marker,
            marker.key,
            lambda c: c.marker == marker,
            lambda c: c.marker is None and c.body == body,
        )
        return self._run(slot, body, self._post_once)

    def forget_listings(self) -> None:
        """Forget the comments listed so far: another process may have written since (a unit
        of a shared cycle taken over from a replica that died mid-write, worker.shared)."""
        self._listed.clear()
        self._relisted.clear()
        self._taken_over = True

    def verify(self, target: Target) -> bool:
        """Check our comments on a target against what we last wrote (one listing); False when
        the listing failed. A report the listing does not show, or shows changed, is written
        again by the edit that follows: that edit restores a changed one, and a 404 on it is the
        proof that the comment is gone, after which it is posted again (`_edit`). A listing
        alone never makes us post: a stale or truncated one must not cost a duplicate. Notices
        and retired reports are left as they are."""
        tracker = self.trackers[target.source]
        try:
            listed = {c.id: c for c in self._listing(tracker, target)}
        except TrackerError as exc:
            log.warning("comments.unverified", target=str(target), error=str(exc))
            return False
        for record in self.state.comment_records():
            if record.target != str(target) or record.comment_id is None or record.retired:
                continue
            marker = Marker.from_dict(json.loads(record.marker))
            if marker is None or marker.notice is not None:
                continue
            comment = listed.get(record.comment_id)
            if comment is None:
                log.warning(
                    "comment.missing",
                    target=str(target),
                    marker=record.marker,
                    id=record.comment_id,
                )
                self.state.save_comment_record(replace(record, body_hash=None))
            elif record.body is not None and not _same_text(comment.body, record.body):
                log.warning(
                    "comment.changed_by_someone",
                    target=str(target),
                    marker=record.marker,
                    id=record.comment_id,
                    editor=comment.editor,
                    updated=comment.updated.isoformat() if comment.updated else None,
                )
                self.state.save_comment_record(
                    replace(record, body=comment.body, body_hash=body_hash(comment.body))
                )
        return True

    def retire(
        self,
        target: Target,
        marker: Marker,
        record: CommentRecord,
        document: Document,
        *,
        prune: bool = False,
    ) -> Published:
        """Edit a report whose deliverable or target left the mapping into a note that says so,
        once, with `"retired": true` in its marker; or, with `prune`, delete it."""
        retired = replace(marker, retired=True)
        body = self.trackers[target.source].body(document, retired)
        slot = _Slot(target, retired, record.marker, lambda c: False, lambda c: False)

        def action(tracker: Tracker, slot: _Slot, body: str) -> Outcome:
            assert record.comment_id is not None
            old = record.body or ""
            if prune:
                outcome = self.writes.delete(tracker, slot, record.comment_id, old)
                if outcome is Outcome.PRUNED:
                    self.state.delete_comment_record(record.target, record.marker)
                return outcome
            try:
                outcome = self.writes.retire(tracker, slot, record.comment_id, old, body)
            except NotFound:
                log.info("comment.gone", target=str(target), marker=record.marker)
                self.state.delete_comment_record(record.target, record.marker)
                return Outcome.UNCHANGED
            if outcome is Outcome.RETIRED:
                self.state.save_comment_record(
                    replace(record, body=body, body_hash=body_hash(body), retired=self.today)
                )
            return outcome

        return self._run(slot, body, action)

    def _run(self, slot: _Slot, body: str, action) -> Published:
        try:
            outcome = action(self.trackers[slot.target.source], slot, body)
        except Deferred:
            outcome = Outcome.DEFERRED
        except TrackerError as exc:
            log.error(
                "comment.failed", target=str(slot.target), marker=slot.marker.key, error=str(exc)
            )
            return Published(slot.target, slot.marker, Outcome.FAILED, body, str(exc))
        log.info(
            f"comment.{outcome.value.replace(' ', '_')}",
            target=str(slot.target),
            marker=slot.marker.key,
        )
        return Published(slot.target, slot.marker, outcome, body)

    def _reconcile(self, tracker: Tracker, slot: _Slot, body: str) -> Outcome:
        record = self.state.comment_record(str(slot.target), slot.record)
        if record is not None and record.retired:
            record = None  # its note is never edited again: the report starts a new comment
        if record is not None and record.comment_id is not None:
            if record.body_hash == body_hash(body):
                return Outcome.UNCHANGED
            return self._edit(tracker, slot, body, record.comment_id, record.body)
        # No record, or a create that may or may not have happened: look before creating.
        existing = self._find(tracker, slot)
        if existing is not None:
            self._remember(slot, existing.id, existing.body)
            if existing.body == body:
                return Outcome.UNCHANGED
            return self._edit(tracker, slot, body, existing.id, existing.body)
        return self._create(tracker, slot, body)

    def _post_once(self, tracker: Tracker, slot: _Slot, body: str) -> Outcome:
        record = self.state.comment_record(str(slot.target), slot.record)
        if record is not None and record.comment_id is not None:
            return Outcome.UNCHANGED
        if record is not None:  # a create was in flight: did it land?
            existing = self._find(tracker, slot)
            if existing is not None:
                self._remember(slot, existing.id, existing.body)
                return Outcome.UNCHANGED
        return self._create(tracker, slot, body)

    def _listing(self, tracker: Tracker, target: Target) -> list[Comment]:
        """Our comments on the target, listed once per cycle; none, unasked, on a target the
        tracker counted no comment on (`_counted_empty`)."""
        if target not in self._listed:
            if self._counted_empty(tracker, target):
                log.debug("comments.none_counted", target=str(target))
                self._listed[target] = []
            else:
                self._listed[target] = tracker.own_comments(target.issue)
        return self._listed[target]

    def _counted_empty(self, tracker: Tracker, target: Target) -> bool:
        """Whether the tracker's comment count read this cycle proves the target has none of
        our comments: it counted none, and no writer of ours can have commented since. Every
        create is recorded (pending) before it is sent, in the store all replicas share, so
        no record for the target means no create by any run; a unit taken over from a
        replica (`forget_listings`) trusts no count read before. The records are read once: a
        record saved later is this cycle's own create, after which the tracker's count is no
        longer believed anyway (`Tracker.counted_no_comments`)."""
        if self._taken_over or not tracker.counted_no_comments(target.issue):
            return False
        if self._recorded is None:
            self._recorded = {record.target for record in self.state.comment_records()}
        return str(target) not in self._recorded

    def _find(self, tracker: Tracker, slot: _Slot) -> Comment | None:
        listed = self._listing(tracker, slot.target)
        mine = [c for c in listed if slot.matches(c)]
        if len(mine) > 1:
            log.warning(
                "comment.duplicates",
                target=str(slot.target),
                marker=slot.marker.key,
                comment_ids=[c.id for c in mine],
            )
        if mine:
            return min(mine, key=_age)
        unmarked = sorted((c for c in listed if slot.adopts(c)), key=_age)
        if not unmarked:
            return None
        found = unmarked[0]
        if not self.writes.adopt(tracker, slot, found.id):
            return None
        log.warning("comment.adopted", target=str(slot.target), marker=slot.marker.key, id=found.id)
        adopted = Comment(found.id, found.body, found.author, slot.marker, found.created)
        listed[listed.index(found)] = adopted
        return adopted

    def _edit(
        self,
        tracker: Tracker,
        slot: _Slot,
        body: str,
        comment_id: str,
        old_body: str | None,
        *,
        retry_gone: bool = True,
    ) -> Outcome:
        """Edit once. A 404 means the comment is gone or moved: look once more, then create it
        once, edit the one found instead, or give up for this cycle — never a loop."""
        try:
            outcome = self.writes.edit(tracker, slot, comment_id, old_body or "", body)
        except NotFound as exc:
            if not retry_gone:
                raise TrackerError(f"{exc}; given up for this cycle") from None
            # Deleted by someone, or its issue moved: forget it and look once more.
            self.state.delete_comment_record(str(slot.target), slot.record)
            if slot.target not in self._relisted:  # one fresh listing per target and cycle
                self._relisted.add(slot.target)
                self._listed.pop(slot.target, None)
            existing = self._find(tracker, slot)
            if existing is None:
                return self._create(tracker, slot, body)
            if existing.id == comment_id:
                # Listed, yet not editable (a Jira issue moved to another project answers
                # reads under its old key): posting another would only duplicate it.
                self._remember(slot, existing.id, existing.body)
                raise TrackerError(
                    f"{exc}; comment {comment_id} is still listed on {slot.target}, so it is "
                    "not posted again (was the issue moved?); the next cycle tries again"
                ) from None
            self._remember(slot, existing.id, existing.body)
            if existing.body == body:
                return Outcome.UNCHANGED
            return self._edit(tracker, slot, body, existing.id, existing.body, retry_gone=False)
        if outcome is Outcome.EDITED:
            self._remember(slot, comment_id, body)
        return outcome

    def _create(self, tracker: Tracker, slot: _Slot, body: str) -> Outcome:
        target = str(slot.target)
        pending = CommentRecord(target, slot.record, None, None, None)
        try:
            created = self.writes.create(
                tracker, slot, body, lambda: self.state.save_comment_record(pending)
            )
        except AmbiguousWrite as exc:
            log.warning(
                "comment.create_ambiguous", target=target, marker=slot.marker.key, error=str(exc)
            )
            self._listed.pop(slot.target, None)
            existing = self._find(tracker, slot)
            if existing is not None:
                self._remember(slot, existing.id, existing.body)
                return Outcome.CREATED
            # Not listed (yet): it may still appear. The record stays pending, so the next
            # cycle looks again before it creates anything; never a second POST now.
            raise TrackerError(f"{exc}; not found afterwards, the next cycle looks again") from None
        if created is None:
            return Outcome.WOULD_CREATE
        self._remember(slot, created.id, body)
        self._listed.setdefault(slot.target, []).append(created)
        return Outcome.CREATED

    def _remember(self, slot: _Slot, comment_id: str, body: str) -> None:
        self.state.save_comment_record(
            CommentRecord(str(slot.target), slot.record, comment_id, body, body_hash(body))
        )
