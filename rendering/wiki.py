"""Jira wiki-markup dialect (REST v2 comment bodies): how each leaf is written, tracker text inert.

Untrusted text arrives without its invisible characters (the walk, `rendering.walk`, strips them).
Then every character Jira treats as markup is backslash-escaped, braces included, so `{noformat}`
or `{code:java}` in a title shows as written and starts no macro; a backslash itself becomes an
HTML entity (two backslashes would be a line break); URLs get a zero-width space so they do not
auto-link. Mentions are `[~accountid:…]` on Cloud and `[~name]` on Data Center.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.model import Person
from rendering.document import ZWSP, Chart, Document, defuse_autolinks, strip_invisible, utf16_units
from rendering.walk import TrackerComment, one_line, walk

# Jira's limit counts Java string length: UTF-16 code units, so an emoji beyond U+FFFF counts 2.
MAX_BODY = 32_767
_SPECIAL = re.compile(r"([-#*_+?^~|%{}\[\]()!@])")
_LINE_START = re.compile(r"^(h[1-6]|bq)\.", re.IGNORECASE)
_ACCOUNT = re.compile(r"[\w.:@\-]+")
_SPARK = "▁▂▃▄▅▆▇█"


def render(document: Document, cloud: bool) -> str:
    """The wiki-markup body."""
    return walk(document, JiraWiki(cloud))


def measure(body: str) -> int:
    """A body's size in Jira's unit for `MAX_BODY`: UTF-16 code units."""
    return utf16_units(body)


def escape_text(text: str) -> str:
    """Untrusted text: inert in any position of a comment, table cells included, and all shown.

    `\\{` is how Jira writes a literal brace, so a macro name reads as typed and does nothing.
    """
    return _escape(strip_invisible(text))


def _escape(text: str) -> str:
    text = defuse_autolinks(one_line(text))
    # Backslashes first become a placeholder (NUL: strip_invisible removed any), so the escapes
    # added next stay the only ones.
    text = _SPECIAL.sub(r"\\\1", text.replace("\\", "\0"))
    text = text.replace("\0", "&#92;")
    return _LINE_START.sub(lambda m: m[1] + ZWSP + ".", text)


def sparkline(values: tuple[int, ...]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    return "".join(_SPARK[round(v / top * (len(_SPARK) - 1))] for v in values)


@dataclass(frozen=True, slots=True)
class JiraWiki(TrackerComment):
    """The leaves of a Jira comment (see `rendering.walk.Dialect`); `cloud` picks the mention."""

    cloud: bool

    def strong(self, text: str) -> str:
        return f"*{text}*"

    def escape(self, text: str) -> str:
        return _escape(text)

    def text(self, text: str) -> str:
        return _escape(text) or "(no title)"

    def title(self, text: str, in_table: bool) -> str:
        return self.text(text)

    def link(self, label: str, url: str) -> str:
        return f"[{_escape(label)}|{url.replace('|', '%7C').replace(']', '%5D')}]"

    def mention(self, identities: tuple[Person, ...]) -> str | None:
        for person in identities:
            if person.tracker == "jira" and _ACCOUNT.fullmatch(person.id):
                return f"[~accountid:{person.id}]" if self.cloud else f"[~{person.id}]"
        return None

    def heading(self, text: str, level: int) -> str:
        return f"h{level}. {text}"

    def list_open(self, title: str) -> str:
        return f"*{title}*"

    def list_item(self, text: str) -> str:
        return f"* {text}"

    def table_head(self, header: tuple[str, ...]) -> str:
        return "||" + "||".join(header) + "||"

    def table_row(self, cells: list[str]) -> str:
        # An empty cell would leave `||`, which starts a header cell.
        return "|" + "|".join(cell or " " for cell in cells) + "|"

    def table_more(self, text: str, columns: int) -> str:
        return "|" + text + "|" + " |" * (columns - 1)

    def chart(self, chart: Chart) -> str:
        """A sparkline per series: Jira has no chart markup."""
        return "\n".join(
            [
                f"*{chart.title}* ({chart.labels[0]} → {chart.labels[-1]})",
                f"Done  {{{{{sparkline(chart.done)}}}}} {chart.done[-1]}",
                f"Scope {{{{{sparkline(chart.scope)}}}}} {chart.scope[-1]}",
            ]
        )
