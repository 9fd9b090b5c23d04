"""A small neutral document: what a comment says, before a tracker dialect decides how it looks.

`mappings.report` builds these; `rendering.walk` walks them once for every dialect,
`rendering.markdown` (GitHub), `rendering.wiki` (Jira) and `rendering.html` (the report page),
so every reader is told the same thing. Inline nodes say who wrote the text: `Plain` is our own
wording, every other node carries text from a tracker, which the walk passes through
`strip_invisible` before the dialect escapes it. `fit` keeps a rendered body under a limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from connectors.model import Person

ZWSP = "\u200b"
ZWNJ = "\u200c"
ZWJ = "\u200d"
VS16 = "\ufe0f"
_EMOJI_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones, category Sk
_VARIATION_SELECTORS = (
    range(0x180B, 0x180E),  # Mongolian free variation selectors 1-3 (4 is U+180F)
    range(0x180F, 0x1810),
    range(0xFE00, 0xFE10),
    range(0xE0100, 0xE01F0),
)


def strip_invisible(text: str) -> str:
    """Untrusted text without the invisible characters that can change or hide what it says.

    Run on every piece of tracker text before a dialect escapes it: the escaping adds zero-width
    spaces of its own, which must survive, and a character removed here must not be able to join
    two halves of something the escaping would have defused (`ww<soft hyphen>w.`).

    The rule, one character at a time:
    - Format characters (general category Cf) are removed: bidi embeddings, overrides, isolates
      and marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), zero-width space, word
      joiner, U+FEFF, soft hyphen, tag characters (U+E0000-U+E007F; a subdivision flag such as
      England's shows as a plain black flag), interlinear annotations, and the rest.
    - Except the two joiners, where a reader would see the difference: U+200D (ZWJ) is kept
      between two symbols (category So on both sides; on the left a skin-tone modifier or VS16
      after the symbol also counts), so an emoji sequence such as 👩‍💻 stays one glyph; U+200C
      (ZWNJ) and U+200D are kept between two non-ASCII letters (a mark may end the left one), as
      Persian, Hindi or Sinhala spelling needs them. Anywhere else they are removed.
    - A variation selector is kept only directly after a letter, digit, punctuation mark or
      symbol (one per character, as in ❤️): runs of them carry hidden data, not presentation.
    - Control characters (Cc) are removed; those that separate words (tab, newline, ...) become a
      space, so that words do not run together.
    - A lone surrogate becomes U+FFFD: it cannot be sent as UTF-8 and a reader sees that
      something was there.
    Every other character is kept, so nothing a reader could see is lost.
    """
    out: list[str] = []
    for n, ch in enumerate(text):
        kind = unicodedata.category(ch)
        if kind == "Cf":
            if ch in (ZWJ, ZWNJ) and _joins(out[-1] if out else "", text[n + 1 : n + 2], ch):
                out.append(ch)
        elif kind == "Cc":
            if ch.isspace():
                out.append(" ")
        elif kind == "Cs":
            out.append("\ufffd")
        elif _is_variation_selector(ch):
            if out and unicodedata.category(out[-1])[0] in "LNPS":
                out.append(ch)
        else:
            out.append(ch)
    return "".join(out)


def _joins(left: str, right: str, joiner: str) -> bool:
    """Whether a joiner between these two characters changes how they look."""
    if not left or not right:
        return False
    emoji_left = unicodedata.category(left) == "So" or ord(left) in _EMOJI_MODIFIERS or left == VS16
    if joiner == ZWJ and emoji_left and unicodedata.category(right) == "So":
        return True
    return (
        not left.isascii()
        and unicodedata.category(left)[0] in "LM"
        and not right.isascii()
        and unicodedata.category(right)[0] == "L"
    )


def _is_variation_selector(ch: str) -> bool:
    return any(ord(ch) in selectors for selectors in _VARIATION_SELECTORS)


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


def utf16_units(text: str) -> int:
    """The length as Java counts it (Jira's unit): a character beyond U+FFFF, most emoji, is 2."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit(
    document: Document,
    render: Callable[[Document], str],
    limit: int,
    measure: Callable[[str], int] = utf16_units,
) -> str:
    """Render, shortening lists until the body is under the tracker's limit.

    `measure` is the tracker's own unit (`markdown.measure`, `wiki.measure`). The default, UTF-16
    code units, is never less than the character count either, so a caller that names no unit
    may cut a list early but never sends a body that a tracker refuses.
    """
    body = render(document)
    for shown in _shrinking_limits(document):
        if measure(body) <= limit:
            return body
        body = render(document.with_limit(shown))
    if measure(body) > limit:
        # Only our own fixed text is left: never exceed the limit, even then.
        return _cut(body, limit, measure)
    return body


def _cut(body: str, limit: int, measure: Callable[[str], int]) -> str:
    """The longest start of `body` that measures at most `limit` with "…" added."""
    low, high = 0, len(body)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(body[:middle] + "…") <= limit:
            low = middle
        else:
            high = middle - 1
    # A joiner left at the end would join nothing: strip_invisible's rule holds here too.
    return body[:low].rstrip(ZWJ + ZWNJ) + "…"


def _shrinking_limits(document: Document) -> Iterable[int]:
    largest = max(
        (b.limit for b in document.blocks if isinstance(b, Section | Table)),
        default=0,
    )
    limit = largest
    while limit > 0:
        limit //= 2
        yield limit
