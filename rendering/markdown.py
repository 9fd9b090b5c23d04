"""GitHub-flavoured Markdown dialect: renders a neutral document with untrusted text made inert.

Untrusted text must not mention anyone, link a reference, or break out of where it is shown:
invisible characters are stripped first (`strip_invisible`), titles go into code spans (fence
longer than any backtick run inside), other text is backslash-escaped, and a zero-width space
after `@`, `#` and in `://` defeats GitHub's mention, reference and URL auto-linking, which
backslashes do not stop.
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
    visible,
)

# GitHub says "maximum is 65536 characters". We count code points (Python's len): that is the
# unit of the message, and 65,536 code points are at most 262,144 UTF-8 bytes, the byte limit
# people have measured on comment bodies, so a body within it is accepted on either reading.
MAX_BODY = 65_536
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
# Everything CommonMark lets us escape, minus characters that are harmless in running text.
_ESCAPE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=$:])")
_NEUTRALISE = re.compile(r"([@#＠＃])")


def measure(body: str) -> int:
    """A body's size in GitHub's unit for `MAX_BODY`: characters (code points)."""
    return len(body)


def one_line(text: str) -> str:
    """Collapse all whitespace, newlines included, to single spaces."""
    return " ".join(text.split())


def escape_text(text: str) -> str:
    """Untrusted running text: no markup, HTML, mention, reference or auto-link survives."""
    text = one_line(strip_invisible(text))
    text = defuse_autolinks(text)
    text = _ESCAPE.sub(r"\\\1", text)
    return _NEUTRALISE.sub(lambda m: m[1] + ZWSP, text)


def code_span(text: str, in_table: bool = False) -> str:
    """Untrusted text shown literally: nothing inside a code span renders or notifies."""
    text = one_line(strip_invisible(text))
    if not text:
        return "*(no title)*"
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if in_table:
        # GFM splits table cells on `|` before it sees code spans.
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def _url(url: str) -> str:
    if not is_web_url(url):
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def _inline(node: Inline, in_table: bool) -> str:
    match node:
        case Plain(text):
            return text
        case Strong(text):
            return f"**{text}**"
        case Text(text):
            return escape_text(text)
        case Title(text):
            return code_span(text, in_table)
        case Link(label, url):
            target = _url(url)
            if not target:
                return escape_text(label)
            # GitHub neither mentions nor cross-links inside a link; escaping markup is enough.
            shown = _ESCAPE.sub(r"\\\1", one_line(strip_invisible(label)))
            return f"[{shown}]({target})"
        case Mention(name, identities):
            for person in identities:
                if person.tracker == "github" and _LOGIN.match(person.id):
                    return f"@{person.id}"
            return escape_text(name)
    raise TypeError(f"unknown inline {node!r}")


def inlines(parts: Inlines, in_table: bool = False) -> str:
    return "".join(_inline(p, in_table) for p in parts)


def _section(block: Section) -> str:
    if not block.items:
        return f"**{block.title}:** {block.empty}" if block.empty else ""
    shown, hidden = visible(block.items, block.limit)
    lines = [f"**{block.title}**", ""]
    lines += [f"- {inlines(item)}" for item in shown]
    if hidden:
        lines.append(f"- {more_line(hidden)}")
    return "\n".join(lines)


def _table(block: Table) -> str:
    if not block.rows:
        return ""
    shown, hidden = visible(block.rows, block.limit)
    lines = [
        "| " + " | ".join(block.header) + " |",
        "|" + "|".join(" --- " for _ in block.header) + "|",
    ]
    for row in shown:
        lines.append("| " + " | ".join(inlines(cell, in_table=True) for cell in row) + " |")
    if hidden:
        lines.append("| " + more_line(hidden) + " |" + " |" * (len(block.header) - 1))
    return "\n".join(lines)


def _chart(block: Chart) -> str:
    if not block.labels:
        return ""
    top = max((*block.scope, *block.done, 1))
    labels = ", ".join(f'"{label}"' for label in block.labels)
    mermaid = "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "{block.title}"',
            f"    x-axis [{labels}]",
            f'    y-axis "Items" 0 --> {top}',
            f"    line [{', '.join(map(str, block.scope))}]",
            f"    line [{', '.join(map(str, block.done))}]",
            "```",
        ]
    )
    fallback = "\n".join(
        [
            "<details><summary>Burn-up as text</summary>",
            "",
            "| " + " | ".join(("", *block.labels)) + " |",
            "|" + "|".join(" --- " for _ in range(len(block.labels) + 1)) + "|",
            "| Done | " + " | ".join(map(str, block.done)) + " |",
            "| Scope | " + " | ".join(map(str, block.scope)) + " |",
            "",
            "</details>",
        ]
    )
    return f"{mermaid}\n\n{fallback}"


def render(document: Document) -> str:
    """The Markdown body (without our marker line)."""
    chunks: list[str] = []
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Line):
            lines.append(inlines(block.parts))
            continue
        if lines:
            chunks.append("\n".join(lines))
            lines = []
        match block:
            case Heading(text, level):
                chunks.append(f"{'#' * level} {text}")
            case Section():
                chunks.append(_section(block))
            case Table():
                chunks.append(_table(block))
            case Chart():
                chunks.append(_chart(block))
    if lines:
        chunks.append("\n".join(lines))
    return "\n\n".join(c for c in chunks if c) + "\n"
