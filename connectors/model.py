"""The normalised tracker data every other part of delivery-sync sees: plain frozen records.

Adapters turn GitHub and Jira payloads into these; `mappings` reads them and never sees a payload.
Nothing here knows about the mapping file: configuration is applied in `mappings`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

Tracker = Literal["github", "jira"]


class TrackerState(StrEnum):
    """The tracker's own coarse state, before the mapping file's rules turn it into a category.

    GitHub has `open`/`closed`; Jira has the status category keys `new`, `indeterminate`, `done`
    (and `undefined` for statuses nobody categorised).
    """

    OPEN = "open"
    CLOSED = "closed"
    NEW = "new"
    INDETERMINATE = "indeterminate"
    DONE = "done"
    UNDEFINED = "undefined"


class Role(StrEnum):
    """Who a report is for; the values are the words markers carry (DESIGN §6)."""

    DELIVERY_LEAD = "delivery-lead"
    PROJECT_MANAGER = "project-manager"

    @property
    def words(self) -> str:
        """The role as a sentence names it: "delivery lead", "project manager"."""
        return self.value.replace("-", " ")


@dataclass(frozen=True, slots=True)
class ItemRef:
    """Which item: the mapping file's source id and the item's key there (`acme/web#12`,
    `PLAT-7`). A GitHub issue's repository and number are read from its key here, once, so no
    other code takes the key apart. `str()` gives the stored and published form
    `web:acme/web#12`; `parse` reads it back."""

    source: str
    key: str
    repo: str | None = field(default=None, init=False, compare=False)  # GitHub: "acme/web"
    number: int | None = field(default=None, init=False, compare=False)  # GitHub: 12

    def __post_init__(self) -> None:
        repo, sign, number = self.key.rpartition("#")
        if sign and "/" in repo and number.isdigit():
            object.__setattr__(self, "repo", repo)
            object.__setattr__(self, "number", int(number))

    @classmethod
    def github(cls, source: str, repo: str, number: int) -> ItemRef:
        return cls(source, f"{repo}#{number}")

    @classmethod
    def parse(cls, text: str) -> ItemRef:
        """Read the `source:key` form back (source ids hold no colon)."""
        source, _, key = text.partition(":")
        return cls(source, key)

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"

    @property
    def issue(self) -> str:
        """What a comment is posted on: the GitHub issue number or the Jira key."""
        return self.key if self.number is None else str(self.number)

    @property
    def short_key(self) -> str:
        """The key as people say it: `web#12` for GitHub, `PLAT-7` for Jira."""
        if self.repo is None:
            return self.key
        return f"{self.repo.rsplit('/', 1)[-1]}#{self.number}"

    @property
    def order(self) -> tuple[str, str, int]:
        """Where the item sorts in a list: by source, then GitHub repository and issue number;
        Jira keys sort as text (PLAT-10 before PLAT-7), as every report so far lists them."""
        if self.repo is None:
            return (self.source, self.key, 0)
        return (self.source, self.repo, self.number or 0)


@dataclass(frozen=True, slots=True)
class Person:
    """One tracker identity: a GitHub login, a Jira Cloud accountId or a Jira Data Center name."""

    tracker: Tracker
    id: str
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.id


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One issue as the trackers report it, already free of transport details."""

    source: str  # the mapping file's source id
    key: str  # unique within the source: "acme/web#12" or "PLAT-7"
    title: str
    url: str  # where a person opens it in a browser
    state: TrackerState
    status: str  # the tracker's status name ("open", "In Review", …)
    created: datetime
    updated: datetime
    closed: datetime | None = None  # GitHub closed_at, Jira resolutiondate
    resolution: str | None = None  # GitHub state_reason, Jira resolution name
    assignees: tuple[Person, ...] = ()
    labels: tuple[str, ...] = ()
    due: date | None = None  # the item's own due date (Jira duedate)
    milestones: tuple[str, ...] = ()  # GitHub milestone title, Jira fix version names
    parent: str | None = None  # Jira parent / epic key
    points: float | None = None
    spent_seconds: int | None = None
    blocked_by: tuple[str, ...] = ()  # keys of items that block this one
    sprint: str | None = None
    task_list: tuple[int, int] = (0, 0)  # checkboxes in the description: (ticked, total)

    @property
    def ref(self) -> ItemRef:
        return ItemRef(self.source, self.key)

    @property
    def short_key(self) -> str:
        """The key as people say it: `web#12` for GitHub, `PLAT-7` for Jira."""
        return self.ref.short_key

    def to_json(self) -> str:
        # What `asdict` gives, built by hand: `asdict` deep-copies every field and cost a tenth
        # of a millisecond per item, a second per 10,000 items stored.
        data = {name: getattr(self, name) for name in self.__slots__}
        data["assignees"] = [
            {"tracker": p.tracker, "id": p.id, "display_name": p.display_name}
            for p in self.assignees
        ]
        return json.dumps(data, default=_json_default, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> WorkItem:
        raw = json.loads(text)
        return cls(
            source=raw["source"],
            key=raw["key"],
            title=raw["title"],
            url=raw["url"],
            state=TrackerState(raw["state"]),
            status=raw["status"],
            created=datetime.fromisoformat(raw["created"]),
            updated=datetime.fromisoformat(raw["updated"]),
            closed=_opt(datetime.fromisoformat, raw.get("closed")),
            resolution=raw.get("resolution"),
            assignees=tuple(Person(**p) for p in raw.get("assignees", ())),
            labels=tuple(raw.get("labels", ())),
            due=_opt(date.fromisoformat, raw.get("due")),
            milestones=tuple(raw.get("milestones", ())),
            parent=raw.get("parent"),
            points=raw.get("points"),
            spent_seconds=raw.get("spent_seconds"),
            blocked_by=tuple(raw.get("blocked_by", ())),
            sprint=raw.get("sprint"),
            task_list=tuple(raw.get("task_list", (0, 0))),
        )


@dataclass(frozen=True, slots=True)
class Milestone:
    """A GitHub milestone or a Jira fix version: a named target with an optional due date."""

    source: str
    title: str  # milestone title / version name, as selectors name it
    due: date | None = None  # due_on / releaseDate
    closed: bool = False  # closed milestone / released version
    url: str | None = None
    # GitHub: the milestone's number (`milestone=` lists by it) and its issues and pull requests,
    # open and closed, as the tracker counts them (what listing it would cost). Jira: None.
    number: int | None = None
    size: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Milestone:
        raw = json.loads(text)
        raw["due"] = _opt(date.fromisoformat, raw.get("due"))
        return cls(**raw)


@dataclass(frozen=True, slots=True)
class Target:
    """Where reports are kept: an issue (GitHub number or Jira key) of a configured source."""

    source: str
    issue: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read the stored form `source:issue` back (source ids hold no colon)."""
        source, _, issue = text.partition(":")
        return cls(source, issue)

    def __str__(self) -> str:
        return f"{self.source}:{self.issue}"


@dataclass(frozen=True, slots=True)
class Marker:
    """What identifies one of our comments: the deliverable or task it reports on, and the role.

    GitHub carries it as an HTML comment on the body's last line, Jira as a comment property.
    """

    role: Role | str  # a role this version does not know stays as written
    deliverable: str | None = None
    task: str | None = None
    notice: str | None = None
    change: str | None = None  # which status change a notice announces (an extra key)
    retired: bool = False  # a report no longer kept up to date (its deliverable or target left)

    def to_dict(self) -> dict[str, str | bool]:
        out: dict[str, str | bool] = {}
        if self.deliverable is not None:
            out["deliverable"] = self.deliverable
        if self.task is not None:
            out["task"] = self.task
        out["role"] = self.role
        if self.notice is not None:
            out["notice"] = self.notice
        if self.change is not None:
            out["change"] = self.change
        if self.retired:
            out["retired"] = True
        return out

    @property
    def key(self) -> str:
        """A stable string for the state store."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, raw: Any) -> Marker | None:
        """Read a marker's JSON value; None when it is not one of ours. Extra keys are allowed."""
        if not isinstance(raw, dict) or not isinstance(raw.get("role"), str):
            return None
        values = {k: raw.get(k) for k in ("deliverable", "task", "notice", "change")}
        if not all(v is None or isinstance(v, str) for v in values.values()):
            return None
        if values["deliverable"] is None and values["task"] is None:
            return None
        role = Role(raw["role"]) if raw["role"] in tuple(Role) else raw["role"]
        return cls(role=role, **values, retired=raw.get("retired") is True)


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment on a report target, with our marker when it carries one."""

    id: str
    body: str
    author: str
    marker: Marker | None = None
    created: datetime | None = None
    updated: datetime | None = None
    editor: str | None = None  # who last edited it, where the tracker says (Jira updateAuthor)


def _opt(parse, value):
    return None if value is None else parse(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
