"""Jira wiki-markup dialect (REST v2 comment bodies): a neutral document, untrusted text escaped.

Untrusted text first loses its invisible characters (`strip_invisible`). Then every character
Jira treats as markup is backslash-escaped, braces included, so `{noformat}` or `{code:java}` in a
title shows as written and starts no macro; a backslash itself becomes an HTML entity (two
backslashes would be a line break); URLs get a zero-width space so they do not auto-link.
Mentions are `[~accountid:…]` on Cloud and `[~name]` on Data Center.
"""

from __future__ import annotations

import re

from rendering.document import (
    ZWSP,
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
    defuse_autolinks,
    is_web_url,
    more_line,
    strip_invisible,
    utf16_units,
    visible,
)
from rendering.markdown import one_line

# Jira's limit counts Java string length: UTF-16 code units, so an emoji beyond U+FFFF counts 2.
MAX_BODY = 32_767
_SPECIAL = re.compile(r"([-#*_+?^~|%{}\[\]()!@])")
_LINE_START = re.compile(r"^(h[1-6]|bq)\.", re.IGNORECASE)
_SPARK = "▁▂▃▄▅▆▇█"


def measure(body: str) -> int:
    """A body's size in Jira's unit for `MAX_BODY`: UTF-16 code units."""
    return utf16_units(body)


def escape_text(text: str) -> str:
    """Untrusted text: inert in any position of a comment, table cells included, and all shown.

    `\\{` is how Jira writes a literal brace, so a macro name reads as typed and does nothing.
    """
    text = one_line(strip_invisible(text))
    text = defuse_autolinks(text)
    # Backslashes first become a placeholder (NUL: strip_invisible removed any), so the escapes
    # added next stay the only ones.
    text = _SPECIAL.sub(r"\\\1", text.replace("\\", "\0"))
    text = text.replace("\0", "&#92;")
    return _LINE_START.sub(lambda m: m[1] + ZWSP + ".", text)


def _inline(node: Inline, cloud: bool) -> str:
    match node:
        case Plain(text):
            return text
        case Strong(text):
            return f"*{text}*"
        case Text(text) | Title(text):
            return escape_text(text) or "(no title)"
        case Link(label, url):
            shown = escape_text(label)
            if not is_web_url(url):
                return shown
            return f"[{shown}|{url.replace('|', '%7C').replace(']', '%5D')}]"
        case Mention(name, identities):
            for person in identities:
                if person.tracker == "jira" and re.fullmatch(r"[\w.:@\-]+", person.id):
                    return f"[~accountid:{person.id}]" if cloud else f"[~{person.id}]"
            return escape_text(name)
    raise TypeError(f"unknown inline {node!r}")


def inlines(parts: Inlines, cloud: bool) -> str:
    return "".join(_inline(p, cloud) for p in parts)


def sparkline(values: tuple[int, ...]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    return "".join(_SPARK[round(v / top * (len(_SPARK) - 1))] for v in values)


def _section(block: Section, cloud: bool) -> str:
    if not block.items:
        return f"*{block.title}:* {block.empty}" if block.empty else ""
    shown, hidden = visible(block.items, block.limit)
    lines = [f"*{block.title}*"]
    lines += [f"* {inlines(item, cloud)}" for item in shown]
    if hidden:
        lines.append(f"* {more_line(hidden)}")
    return "\n".join(lines)


def _table(block: Table, cloud: bool) -> str:
    if not block.rows:
        return ""
    shown, hidden = visible(block.rows, block.limit)
    lines = ["||" + "||".join(block.header) + "||"]
    for row in shown:
        lines.append("|" + "|".join(inlines(cell, cloud) or " " for cell in row) + "|")
    if hidden:
        lines.append("|" + more_line(hidden) + "|" + " |" * (len(block.header) - 1))
    return "\n".join(lines)


def _chart(block: Chart) -> str:
    if not block.labels:
        return ""
    return "\n".join(
        [
            f"*{block.title}* ({block.labels[0]} → {block.labels[-1]})",
            f"Done  {{{{{sparkline(block.done)}}}}} {block.done[-1]}",
            f"Scope {{{{{sparkline(block.scope)}}}}} {block.scope[-1]}",
        ]
    )


def render(document: Document, cloud: bool) -> str:
    """The wiki-markup body."""
    chunks: list[str] = []
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Line):
            lines.append(inlines(block.parts, cloud))
            continue
        if lines:
            chunks.append("\n".join(lines))
            lines = []
        match block:
            case Heading(text, level):
                chunks.append(f"h{level}. {text}")
            case Section():
                chunks.append(_section(block, cloud))
            case Table():
                chunks.append(_table(block, cloud))
            case Chart():
                chunks.append(_chart(block))
    if lines:
        chunks.append("\n".join(lines))
    return "\n\n".join(c for c in chunks if c) + "\n"
