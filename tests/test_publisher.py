"""The publisher against an in-memory tracker: what it creates, edits, and refuses to repeat."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.model import Comment, Marker, Target
from connectors.retry import AmbiguousWrite, TrackerError
from rendering.document import Document, Line, Plain
from worker.publisher import Outcome, Publisher
from worker.state import CommentRecord, SQLiteState

NOTICE = Marker("delivery-lead", deliverable="d", notice="status-change", change="2026-11-24:A->B")
REPORT = Marker("delivery-lead", deliverable="d")


@dataclass
class FakeTracker:
    """Comments in memory; `fail` makes the next creates on an issue fail in a given way."""

    kind: str = "github"
    source_id: str = "web"
    comments: dict[str, list[Comment]] = field(default_factory=dict)
    fail: dict[str, list[str]] = field(default_factory=dict)
    creates: int = 0
    next_id: int = 100
    counted_empty: set[str] = field(default_factory=set)  # read with `comments: 0`
    listings: int = 0

    def counted_no_comments(self, issue: str) -> bool:
        return issue in self.counted_empty

    def body(self, document: Document, marker: Marker) -> str:
        return "\n".join(p.text for b in document.blocks for p in b.parts)

    def own_comments(self, issue: str) -> list[Comment]:
        self.listings += 1
        return list(self.comments.get(issue, []))

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        self.comments[issue] = [
            Comment(c.id, c.body, c.author, marker) if c.id == comment_id else c
            for c in self.comments[issue]
        ]

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment:
        self.creates += 1
        self.counted_empty.discard(issue)
        queue = self.fail.get(issue)
        mode = queue.pop(0) if queue else None
        if mode == "refused":
            raise TrackerError("HTTP 500", status=500)
        self.next_id += 1
        comment = Comment(str(self.next_id), body, "bot", marker)
        if mode != "lost":  # "lost": the server dropped it, as a 502 from a proxy may
            self.comments.setdefault(issue, []).append(comment)
        if mode in ("lost", "unanswered"):
            raise AmbiguousWrite("connection reset")
        return comment

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        self.comments[issue] = [
            Comment(c.id, body, c.author, c.marker) if c.id == comment_id else c
            for c in self.comments[issue]
        ]


LEAD = Marker("delivery-lead", deliverable="checkout")


def doc(text: str) -> Document:
    return Document((Line((Plain(text),)),))


def publisher(tracker: FakeTracker, state: SQLiteState) -> Publisher:
    return Publisher({"web": tracker}, state)


def test_a_notice_reaches_every_target_once_even_when_one_fails_for_days(tmp_path):
    tracker, state = FakeTracker(fail={"2": ["refused"]}), SQLiteState(tmp_path / "s.db")
    first = [
        publisher(tracker, state).post_once(Target("web", i), NOTICE, doc("A → B on day 1"))
        for i in ("1", "2")
    ]
    assert [p.outcome for p in first] == [Outcome.CREATED, Outcome.FAILED]
    # Next day the text differs (its date did), the change it announces does not.
    second = [
        publisher(tracker, state).post_once(Target("web", i), NOTICE, doc("A → B on day 2"))
        for i in ("1", "2")
    ]
    assert [p.outcome for p in second] == [Outcome.UNCHANGED, Outcome.CREATED]
    assert [len(tracker.comments[i]) for i in ("1", "2")] == [1, 1]


def test_a_lost_create_is_not_repeated_in_the_same_cycle(tmp_path):
    tracker, state = FakeTracker(fail={"1": ["lost"]}), SQLiteState(tmp_path / "s.db")
    result = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("report"))
    assert result.outcome is Outcome.FAILED and "next cycle looks again" in result.error
    assert tracker.creates == 1
    assert state.comment_record("web:1", REPORT.key).comment_id is None  # still pending
    again = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("report"))
    assert again.outcome is Outcome.CREATED and tracker.creates == 2
    assert len(tracker.comments["1"]) == 1


def test_an_unanswered_create_that_landed_is_found_not_repeated(tmp_path):
    tracker, state = FakeTracker(fail={"1": ["unanswered"]}), SQLiteState(tmp_path / "s.db")
    result = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("report"))
    assert result.outcome is Outcome.CREATED and tracker.creates == 1
    assert state.comment_record("web:1", REPORT.key).comment_id == tracker.comments["1"][0].id


def test_an_unmarked_comment_of_ours_with_the_same_heading_is_adopted(tmp_path):
    tracker, state = FakeTracker(), SQLiteState(tmp_path / "s.db")
    tracker.comments["1"] = [Comment("7", "Delivery status — D\nold figures", "bot", None)]
    result = publisher(tracker, state).publish(
        Target("web", "1"), REPORT, doc("Delivery status — D\nnew figures")
    )
    assert result.outcome is Outcome.EDITED and tracker.creates == 0
    [comment] = tracker.comments["1"]
    assert comment.marker == REPORT and comment.body.endswith("new figures")


def test_a_deleted_report_is_posted_again_once_its_edit_finds_it_gone(tmp_path):
    tracker, state = FakeTracker(), SQLiteState(tmp_path / "s.db")
    publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("v1"))
    tracker.comments["1"] = []

    def gone(*_):
        from connectors.retry import NotFound

        raise NotFound("HTTP 404", status=404)

    tracker.edit_comment = gone
    result = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("v2"))
    assert result.outcome is Outcome.CREATED
    assert [c.body for c in tracker.comments["1"]] == ["v2"]


def test_an_edit_answering_404_while_the_comment_is_still_listed_is_tried_once(tmp_path):
    """A Jira issue moved to another project still lists its comments under the old key but
    answers 404 to edits: one edit, one listing, then give up for this cycle — never a loop,
    never a second comment."""
    from connectors.retry import NotFound

    tracker, state = FakeTracker(), SQLiteState(tmp_path / "s.db")
    publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("v1"))
    edits = []

    def moved(issue, comment_id, body, marker):
        edits.append(comment_id)
        raise NotFound("HTTP 404", status=404)

    tracker.edit_comment = moved
    listings = []
    own = tracker.own_comments
    tracker.own_comments = lambda issue: listings.append(issue) or own(issue)

    result = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("v2"))
    assert result.outcome is Outcome.FAILED
    assert "still listed" in result.error
    assert len(edits) == 1 and len(listings) == 1
    assert tracker.creates == 1  # the original create only
    assert len(tracker.comments["1"]) == 1


def test_after_state_loss_the_live_report_is_edited_not_its_retired_note(tmp_path):
    """A deliverable retired on a target and later reported there again leaves comments with
    its marker; with the state lost, the oldest live one is found and edited, the note left,
    and nothing found by listing is recorded for anything but the report being published."""
    from dataclasses import replace as changed

    tracker, state = FakeTracker(), SQLiteState(tmp_path / "s.db")
    note = Comment("5", "Retired report — D", "bot", changed(REPORT, retired=True))
    live = Comment("9", "v1", "bot", REPORT)
    duplicate = Comment("12", "v1", "bot", REPORT)  # a second copy: the oldest one is kept
    other = Comment("14", "tasks", "bot", Marker("project-manager", deliverable="e"))
    tracker.comments["1"] = [note, live, duplicate, other]

    result = publisher(tracker, state).publish(Target("web", "1"), REPORT, doc("v2"))

    assert result.outcome is Outcome.EDITED and tracker.creates == 0
    assert [c.body for c in tracker.comments["1"]] == ["Retired report — D", "v2", "v1", "tasks"]
    assert [r.comment_id for r in state.comment_records()] == ["9"]


# ---- the tracker's comment count spares a cold cycle's listing, never at the cost of a double post


def test_a_target_counted_without_comments_and_never_written_to_is_not_listed(tmp_path):
    tracker, state = FakeTracker(counted_empty={"1"}), SQLiteState(tmp_path / "s.db")

    outcome = publisher(tracker, state).publish(Target("web", "1"), LEAD, doc("Status A"))

    assert outcome.outcome is Outcome.CREATED
    assert (tracker.listings, tracker.creates) == (0, 1)


def test_a_create_recorded_elsewhere_after_the_count_was_read_is_found_not_repeated(tmp_path):
    """A replica (or a run that stopped) recorded its create before sending it, and the
    comment landed after this cycle read the issue with no comment: the stale count must not
    be believed, or the report is posted twice."""
    tracker, state = FakeTracker(counted_empty={"1"}), SQLiteState(tmp_path / "s.db")
    state.save_comment_record(CommentRecord("web:1", LEAD.key, None, None, None))  # pending
    tracker.comments["1"] = [Comment("7", "Status A", "bot", LEAD)]  # and it landed

    again = publisher(tracker, state).publish(Target("web", "1"), LEAD, doc("Status A"))

    assert tracker.listings == 1 and tracker.creates == 0
    assert again.outcome is Outcome.UNCHANGED and len(tracker.comments["1"]) == 1


def test_a_unit_taken_over_from_another_replica_trusts_no_count(tmp_path):
    tracker, state = FakeTracker(counted_empty={"1"}), SQLiteState(tmp_path / "s.db")
    taken = publisher(tracker, state)
    taken.forget_listings()

    taken.publish(Target("web", "1"), LEAD, doc("Status A"))

    assert tracker.listings == 1


def test_the_records_are_read_once_however_many_fresh_targets_there_are(tmp_path, monkeypatch):
    tracker, state = FakeTracker(counted_empty={"1", "2", "3"}), SQLiteState(tmp_path / "s.db")
    reads = []
    original = state.comment_records
    monkeypatch.setattr(state, "comment_records", lambda: reads.append(1) or original())
    once = publisher(tracker, state)

    for issue in ("1", "2", "3"):
        once.publish(Target("web", issue), LEAD, doc("Status A"))

    assert (len(reads), tracker.listings, tracker.creates) == (1, 0, 3)
