"""The one walk over a neutral document for every dialect: it groups lines, cuts long lists and
strips tracker text, and the dialect (`Dialect`) says only how each leaf is written.

Tracker text is passed through `strip_invisible` here, once, before any dialect sees it, so the
three dialects cannot differ in what they let through; each then escapes it in its own way.
"""

from __future__ import annotations

from typing import Protocol

from connectors.model import Person
from rendering.document import (
    Block,
    Chart,
    Document,
    Heading,
    Inline,
    Inlines,
    Line,
    Link,
    Mention,
    Plain,
    Section,
    Strong,
    Table,
    Text,
    Title,
    is_web_url,
    strip_invisible,
)


class Dialect(Protocol):
    """How one dialect writes each leaf of a document.

    A leaf is given one of three kinds of text: our own wording, still to be written in the
    dialect (`plain`, `strong`, `heading`, `list_open`, `table_head`, `chart`); tracker text
    already stripped of invisible characters, still to be escaped (`escape`, `text`, `title`,
    `link`'s label); or text this dialect has already written (`line`, `list_item`,
    `table_row`, `table_more`, `document`).
    """

    # HTML shows an empty table or chart as its header row; a comment leaves it out.
    shows_empty_tables: bool
    list_close: str | None  # written after a list's items, if the dialect closes lists
    table_close: str | None  # likewise after a table's rows

    def plain(self, text: str) -> str: ...

    def strong(self, text: str) -> str: ...

    def escape(self, text: str) -> str:
        """Tracker text made inert: a link label without a web URL, a name without a handle."""

    def text(self, text: str) -> str: ...

    def title(self, text: str, in_table: bool) -> str: ...

    def link(self, label: str, url: str) -> str:
        """A link to a web URL (`is_web_url`); the walk shows any other target's label as text."""

    def mention(self, identities: tuple[Person, ...]) -> str | None:
        """The handle that notifies one of these identities, or None to show the name instead."""

    def heading(self, text: str, level: int) -> str: ...

    def line(self, text: str) -> str: ...

    def list_open(self, title: str) -> str: ...

    def list_item(self, text: str) -> str: ...

    def table_head(self, header: tuple[str, ...]) -> str: ...

    def table_row(self, cells: list[str]) -> str: ...

    def table_more(self, text: str, columns: int) -> str:
        """The row that says how many rows are hidden, across `columns` columns."""

    def chart(self, chart: Chart) -> str: ...

    def document(self, chunks: list[str]) -> str:
        """The whole body from its non-empty chunks (a block, or a run of lines)."""


class TrackerComment:
    """The leaves both tracker comments (GitHub, Jira) write alike: our wording and lines as they
    are, no markup to close a list or table, an empty table or chart left out, a blank line
    between chunks and a newline at the end."""

    __slots__ = ()
    shows_empty_tables = False
    list_close: str | None = None
    table_close: str | None = None

    def plain(self, text: str) -> str:
        return text

    def line(self, text: str) -> str:
        return text

    def document(self, chunks: list[str]) -> str:
        return "\n\n".join(chunks) + "\n"


def walk(document: Document, dialect: Dialect) -> str:
    """The document written in `dialect`: consecutive lines stay one chunk, empty blocks vanish."""
    chunks: list[str] = []
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Line):
            lines.append(dialect.line(_inlines(block.parts, dialect)))
            continue
        if lines:
            chunks.append("\n".join(lines))
            lines = []
        chunks.append(_block(block, dialect))
    if lines:
        chunks.append("\n".join(lines))
    return dialect.document([chunk for chunk in chunks if chunk])


def one_line(text: str) -> str:
    """Collapse all whitespace, newlines included, to single spaces."""
    return " ".join(text.split())


def _inlines(parts: Inlines, dialect: Dialect, in_table: bool = False) -> str:
    return "".join(_inline(part, dialect, in_table) for part in parts)


def _inline(node: Inline, dialect: Dialect, in_table: bool) -> str:
    match node:
        case Plain(text):
            return dialect.plain(text)
        case Strong(text):
            return dialect.strong(text)
        case Text(text):
            return dialect.text(strip_invisible(text))
        case Title(text):
            # A title is one line wherever it is shown. It is collapsed before stripping, as the
            # page always did; the comments collapse it again, which is what stripping first gives.
            return dialect.title(strip_invisible(one_line(text)), in_table)
        case Link(label, url):
            if is_web_url(url):
                return dialect.link(strip_invisible(label), url)
            return dialect.escape(strip_invisible(label))
        case Mention(name, identities):
            return dialect.mention(identities) or dialect.escape(strip_invisible(name))
    raise TypeError(f"unknown inline {node!r}")


def _block(block: Block, dialect: Dialect) -> str:
    match block:
        case Heading(text, level):
            return dialect.heading(text, level)
        case Section():
            return _section(block, dialect)
        case Table():
            return _table(block, dialect)
        case Chart(labels=labels):
            return dialect.chart(block) if labels or dialect.shows_empty_tables else ""
    raise TypeError(f"unknown block {block!r}")


def _section(block: Section, dialect: Dialect) -> str:
    if not block.items:
        if not block.empty:
            return ""
        said = dialect.strong(f"{block.title}:") + " " + dialect.plain(block.empty)
        return dialect.line(said)
    shown, hidden = _shown(block.items, block.limit)
    lines = [dialect.list_open(block.title)]
    lines += [dialect.list_item(_inlines(item, dialect)) for item in shown]
    if hidden:
        lines.append(dialect.list_item(dialect.plain(_more(hidden))))
    if dialect.list_close is not None:
        lines.append(dialect.list_close)
    return "\n".join(lines)


def _table(block: Table, dialect: Dialect) -> str:
    if not block.rows and not dialect.shows_empty_tables:
        return ""
    shown, hidden = _shown(block.rows, block.limit)
    lines = [dialect.table_head(block.header)]
    for row in shown:
        lines.append(dialect.table_row([_inlines(cell, dialect, in_table=True) for cell in row]))
    if hidden:
        lines.append(dialect.table_more(dialect.plain(_more(hidden)), len(block.header)))
    if dialect.table_close is not None:
        lines.append(dialect.table_close)
    return "\n".join(lines)


def _shown(items: tuple, limit: int) -> tuple[tuple, int]:
    """The items to show and how many are hidden. A single hidden item is shown instead."""
    if len(items) <= limit + 1:
        return items, 0
    return items[:limit], len(items) - limit


def _more(hidden: int) -> str:
    return f"… and {hidden} more"
