"""GitHub-flavoured Markdown dialect: how each leaf of a comment is written, untrusted text inert.

Untrusted text must not mention anyone, link a reference, or break out of where it is shown:
the walk (`rendering.walk`) strips its invisible characters first, titles go into code spans
(fence longer than any backtick run inside), other text is backslash-escaped, and a zero-width
space after `@`, `#` and in `://` defeats GitHub's mention, reference and URL auto-linking, which
backslashes do not stop.
"""

from __future__ import annotations

import re

from connectors.model import Person
from rendering.document import ZWSP, Chart, Document, defuse_autolinks
from rendering.walk import TrackerComment, one_line, walk

# GitHub says "maximum is 65536 characters". We count code points (Python's len): that is the
# unit of the message, and 65,536 code points are at most 262,144 UTF-8 bytes, the byte limit
# people have measured on comment bodies, so a body within it is accepted on either reading.
MAX_BODY = 65_536
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
# Everything CommonMark lets us escape, minus characters that are harmless in running text.
_ESCAPE = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=$:])")
# The zero-width space goes after any variation selectors the sign carries ("@\ufe00"): put
# between them, it would leave a selector with nothing to select, an invisible character.
_NEUTRALISE = re.compile(r"([@#＠＃][\ufe00-\ufe0f\U000e0100-\U000e01ef]*)")


def render(document: Document) -> str:
    """The Markdown body (without our marker line)."""
    return walk(document, GitHubMarkdown())


def measure(body: str) -> int:
    """A body's size in GitHub's unit for `MAX_BODY`: characters (code points)."""
    return len(body)


class GitHubMarkdown(TrackerComment):
    """The leaves of a GitHub comment (see `rendering.walk.Dialect`)."""

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def escape(self, text: str) -> str:
        """No markup, HTML, mention, reference or auto-link survives."""
        text = defuse_autolinks(one_line(text))
        text = _ESCAPE.sub(r"\\\1", text)
        return _NEUTRALISE.sub(lambda m: m[1] + ZWSP, text)

    def text(self, text: str) -> str:
        return self.escape(text)

    def title(self, text: str, in_table: bool) -> str:
        """Shown literally: nothing inside a code span renders or notifies."""
        text = one_line(text)
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

    def link(self, label: str, url: str) -> str:
        # GitHub neither mentions nor cross-links inside a link; escaping markup is enough.
        shown = _ESCAPE.sub(r"\\\1", one_line(label))
        target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{shown}]({target.replace('<', '%3C')})"

    def mention(self, identities: tuple[Person, ...]) -> str | None:
        for person in identities:
            if person.tracker == "github" and _LOGIN.match(person.id):
                return f"@{person.id}"
        return None

    def heading(self, text: str, level: int) -> str:
        return f"{'#' * level} {text}"

    def list_open(self, title: str) -> str:
        return f"**{title}**\n"

    def list_item(self, text: str) -> str:
        return f"- {text}"

    def table_head(self, header: tuple[str, ...]) -> str:
        rule = "|" + "|".join(" --- " for _ in header) + "|"
        return "| " + " | ".join(header) + " |\n" + rule

    def table_row(self, cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    def table_more(self, text: str, columns: int) -> str:
        return "| " + text + " |" + " |" * (columns - 1)

    def chart(self, chart: Chart) -> str:
        """A Mermaid burn-up, and the same figures as a table for readers without Mermaid."""
        top = max((*chart.scope, *chart.done, 1))
        labels = ", ".join(f'"{label}"' for label in chart.labels)
        mermaid = [
            "```mermaid",
            "xychart-beta",
            f'    title "{chart.title}"',
            f"    x-axis [{labels}]",
            f'    y-axis "Items" 0 --> {top}',
            f"    line [{', '.join(map(str, chart.scope))}]",
            f"    line [{', '.join(map(str, chart.done))}]",
            "```",
        ]
        fallback = [
            "<details><summary>Burn-up as text</summary>",
            "",
            self.table_head(("", *chart.labels)),
            "| Done | " + " | ".join(map(str, chart.done)) + " |",
            "| Scope | " + " | ".join(map(str, chart.scope)) + " |",
            "",
            "</details>",
        ]
        return "\n".join(mermaid) + "\n\n" + "\n".join(fallback)
