"""A small neutral document: what a comment says, before a tracker dialect decides how it looks.

`mappings.report` builds these; `connectors.markdown` (GitHub) and `connectors.wiki` (Jira) render
them, so both trackers say the same thing. Inline nodes say who wrote the text: `Plain` is our own
wording and is emitted as is, every other node carries text from a tracker and is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from connectors.model import Person

ZWSP = "\u200b"
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)")


def defuse_autolinks(text: str) -> str:
    """A zero-width space inside `://` and `www.`: both trackers auto-link those in plain text."""
    return _AUTOLINK.sub(lambda m: (m[1] or m[3]) + ZWSP + (m[2] or m[4]), text)


def is_web_url(url: str) -> bool:
    """Only http(s) targets become links; anything else (javascript:, data:) is shown as text."""
    return re.match(r"(?i)^https?://", url) is not None


@dataclass(frozen=True, slots=True)
class Plain:
    """Our own wording. Must not contain markup of either dialect."""

    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """Untrusted text from a tracker (a name, a label): escaped for the dialect."""

    text: str


@dataclass(frozen=True, slots=True)
class Title:
    """An item's title: untrusted, shown so that nothing in it can act (code span on GitHub)."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link whose label is untrusted text."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A person to notify: the dialect picks its own tracker's identity, else shows the name."""

    name: str
    identities: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class Strong:
    """Our own wording, emphasised."""

    text: str


Inline = Plain | Text | Title | Link | Mention | Strong
Inlines = tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    text: str  # our wording (may contain the deliverable name from the mapping file)
    level: int = 3


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text; consecutive lines stay together as one block."""

    parts: Inlines


@dataclass(frozen=True, slots=True)
class Section:
    """A small heading over a list, e.g. `Overdue (3)`; nothing is shown when the list is empty."""

    title: str
    items: tuple[Inlines, ...]
    limit: int = 10  # lines shown before "… and N more"
    empty: str | None = None  # shown instead of the list when there are no items


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Inlines, ...], ...]
    limit: int = 20


@dataclass(frozen=True, slots=True)
class Chart:
    """A burn-up: cumulative done and total scope per point in time."""

    title: str
    labels: tuple[str, ...]  # x axis, e.g. dates "11-02"
    done: tuple[int, ...]
    scope: tuple[int, ...]


Block = Heading | Line | Section | Table | Chart


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...]

    def with_limit(self, limit: int) -> Document:
        """The same document with every list cut to at most `limit` lines."""
        return Document(
            tuple(
                replace(b, limit=min(b.limit, limit)) if isinstance(b, Section | Table) else b
                for b in self.blocks
            )
        )


def more_line(hidden: int) -> str:
    return f"… and {hidden} more"


def visible(items: tuple, limit: int) -> tuple[tuple, int]:
    """The items to show and how many are hidden. A single hidden item is shown instead."""
    if len(items) <= limit + 1:
        return items, 0
    return items[:limit], len(items) - limit


def fit(document: Document, render: Callable[[Document], str], max_chars: int) -> str:
    """Render, shortening lists until the body is under the tracker's limit."""
    body = render(document)
    for limit in _shrinking_limits(document):
        if len(body) <= max_chars:
            return body
        body = render(document.with_limit(limit))
    if len(body) > max_chars:
        # Only our own fixed text is left: never exceed the limit, even then.
        return body[: max_chars - 1] + "…"
    return body


def _shrinking_limits(document: Document) -> Iterable[int]:
    largest = max(
        (b.limit for b in document.blocks if isinstance(b, Section | Table)),
        default=0,
    )
    limit = largest
    while limit > 0:
        limit //= 2
        yield limit
