"""Tracker text is shown inert and never lost, in all three dialects (GitHub, Jira, HTML).

Invisible characters that can reorder or hide text (bidi controls, other format characters) are
stripped by one function before any escaping; Jira macro names show as typed and start nothing;
bodies are measured in each tracker's own unit. "Shown" is judged by what a reader gets: GitHub
output through a CommonMark parser, Jira output with its escapes undone, HTML unescaped.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata

import markdown_it
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from connectors.model import Marker, Person
from rendering import html, markdown, wiki
from rendering.document import (
    ZWJ,
    ZWNJ,
    ZWSP,
    Document,
    Line,
    Link,
    Mention,
    Plain,
    Section,
    Table,
    Text,
    Title,
    fit,
    strip_invisible,
    utf16_units,
)
from sandbox.server import Sandbox
from tests.e2e import (
    GITHUB_MAPPING,
    JIRA_MAPPING,
    bot_comments,
    marker_of,
    run_cli,
)
from tests.test_jira_contract import CLOUD_INFO, cloud_tracker

URL = "https://tracker.example/acme/web/issues/5"
LEAD = Marker("delivery-lead", deliverable="checkout-v2")
PARSER = MarkdownIt("commonmark").enable("table")
# GFM turns `\|` in a table cell into `|` before it parses code spans; markdown-it does so from 4.
CELL_PIPES_UNESCAPED = int(markdown_it.__version__.split(".")[0]) >= 4
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]]
FORMAT = [chr(c) for c in (0xAD, 0x2060, 0xFEFF, 0x200B, 0x180E, 0xFFF9, 0xFFFA, 0xFFFB, 0x2061)]
TAGS = [chr(c) for c in (0xE0001, 0xE0020, 0xE0041, 0xE0067, 0xE007F)]
CONTROLS = ["\0", "\x07", "\x1b", "\x7f", "\x85", "\x9b"]
MACROS = [
    "{noformat}",
    "{code:java}",
    "{code}",
    "{color:red}",
    "{color}",
    "{panel}",
    "{panel:title=x|borderStyle=dashed}",
    "{quote}",
    "{html}",
    "{anchor}",
    "{anchor:top}",
    "{foo}",
    "{{monospace}}",
    "{",
    "}",
]
# Sequences whose joiners a reader sees: each must come out exactly as it went in.
JOINED = [
    "👩‍💻",  # woman technologist
    "🏳️‍🌈",  # rainbow flag: VS16 before the joiner
    "👨🏽‍🚀",  # skin tone before the joiner
    "❤️‍🔥",
    "🐻‍❄️",
    "🧑‍🤝‍🧑",
    "می‌خواهم",  # Persian: ZWNJ between letters
    "ශ්‍රී",  # Sinhala: ZWJ after a virama
    "❤️",  # one variation selector after its symbol
    "葛\U000e0100",  # an ideographic variation selector after its ideograph
]
MARKUP = [
    "@dana",
    "#12",
    "`",
    "*",
    "_",
    "|",
    "[x](http://e.example)",
    "<b>",
    "\\",
    "h1. ",
    "www.e.x",
]


# ---- what a reader gets ------------------------------------------------------------------------


def is_variation_selector(ch: str) -> bool:
    return "VARIATION SELECTOR" in unicodedata.name(ch, "")


def visible(text: str) -> str:
    """The characters a reader can see, in order: no whitespace, format or control characters."""
    return "".join(
        c
        for c in text
        if not c.isspace()
        and unicodedata.category(c) not in ("Cf", "Cc", "Cs")
        and not is_variation_selector(c)
    )


def joiner_is_seen(left: str, right: str, joiner: str) -> bool:
    """The documented rule (rendering.document.strip_invisible), restated independently."""
    if not left or not right:
        return False
    emoji_left = (
        unicodedata.category(left) == "So" or 0x1F3FB <= ord(left) <= 0x1F3FF or left == "\ufe0f"
    )
    if joiner == ZWJ and emoji_left and unicodedata.category(right) == "So":
        return True
    return (
        ord(left) > 127
        and unicodedata.category(left)[0] in "LM"
        and ord(right) > 127
        and unicodedata.category(right)[0] == "L"
    )


def hidden_characters(body: str) -> list[str]:
    """Invisible characters in a rendered body other than ours (ZWSP) and joiners a reader sees."""
    found = []
    for n, ch in enumerate(body):
        left, right = body[n - 1 : n], body[n + 1 : n + 2]
        kind = unicodedata.category(ch)
        if ch == ZWSP or ch == "\n":
            continue
        if ch in (ZWJ, ZWNJ) and joiner_is_seen(left, right, ch):
            continue
        if kind in ("Cf", "Cc", "Cs"):
            found.append(f"U+{ord(ch):04X}")
        elif is_variation_selector(ch) and (
            not left or unicodedata.category(left)[0] not in "LNPS"
        ):
            found.append(f"U+{ord(ch):04X} (variation selector run)")
    return found


def markdown_shows(body: str) -> str:
    """The text and code a CommonMark reader of the body sees, in order (escapes resolved)."""
    shown, in_cell = [], False
    for token in PARSER.parse(body):
        in_cell = token.type in ("td_open", "th_open") or (
            in_cell and token.type not in ("td_close", "th_close")
        )
        for child in token.children or ():
            if child.type == "text":
                shown.append(child.content)
            elif child.type == "code_inline":
                gfm = in_cell and not CELL_PIPES_UNESCAPED
                shown.append(child.content.replace("\\|", "|") if gfm else child.content)
    return "".join(shown)


def jira_shows(markup: str) -> str:
    """What Jira shows for escaped text: `\\x` is x, `&#92;` a backslash, a link its label; our
    own unescaped markup (`*` for bold and bullets, `|` for tables) shows nothing."""
    text = re.sub(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\|[^\]]*\]", r"\1", markup)
    return re.sub(r"&#92;|\\(.)|[*|]", lambda m: m[1] or ("\\" if m[0] == "&#92;" else ""), text)


def html_shows(page: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]*>", "", page))


def rendered(document: Document) -> dict[str, str]:
    return {
        "markdown": markdown.render(document),
        "jira": wiki.render(document, cloud=True),
        "html": html.render(document),
    }


def shows(dialect: str, body: str) -> str:
    return {"markdown": markdown_shows, "jira": jira_shows, "html": html_shows}[dialect](body)


def documents(text: str) -> list[Document]:
    """The text in every untrusted position: running text, title, link label, name, table cell."""
    return [
        Document((Line((Text(text),)),)),
        Document((Line((Title(text),)),)),
        Document((Line((Link(text, URL),)),)),
        Document((Line((Link(text, "javascript:alert(1)"),)),)),
        Document((Line((Mention(text, (Person("github", "not a login"),)),)),)),
        Document((Section("S", ((Title(text),),)),)),
        Document((Table(("H",), (((Text(text),),),)),)),
        Document((Table(("H",), (((Title(text),),),)),)),
    ]


# ---- 1. invisible characters -------------------------------------------------------------------


def test_a_right_to_left_override_cannot_reorder_a_title_in_any_dialect():
    title = "Invoice \u202egnp.exe\u202c for \u2067ACME\u2069 \u200f\u061c\u200e"
    for document in documents(title):
        for dialect, body in rendered(document).items():
            assert not set(body) & set(BIDI), (dialect, body)
            assert visible(shows(dialect, body)).endswith("Invoicegnp.exeforACME"), (dialect, body)


def test_format_tag_and_control_characters_are_stripped_and_the_words_kept():
    # Tag characters can smuggle a hidden ASCII message; controls can drive a terminal.
    text = "Pay\u00adment re\u2060try\ufeff " + "".join(TAGS) + "ok\x1b[31m\0 done\x85end"
    for document in documents(text):
        for dialect, body in rendered(document).items():
            assert hidden_characters(body) == [], (dialect, body)
            assert visible(shows(dialect, body)).endswith("Paymentretryok[31mdoneend")


def test_control_characters_that_separate_words_become_a_space():
    assert strip_invisible("one\x85two\x1cthree\tfour") == "one two three four"
    assert strip_invisible("a\0b\x1bc\x7fd") == "abcd"


def test_a_lone_surrogate_becomes_a_replacement_character_and_every_body_encodes():
    for document in documents("broken \ud83d pair"):
        for dialect, body in rendered(document).items():
            assert "\ufffd" in body, dialect
            body.encode("utf-8")


def test_joiners_and_selectors_a_reader_sees_are_kept_in_every_dialect():
    for sequence in JOINED:
        assert strip_invisible(sequence) == sequence
        for dialect, body in rendered(Document((Line((Title(f"x {sequence} y"),)),))).items():
            assert sequence in body, (dialect, sequence, body)


def test_joiners_and_selectors_that_join_nothing_are_removed():
    assert strip_invisible("ad\u200dmin ad\u200cmin") == "admin admin"
    assert strip_invisible("\u200d💻 👩\u200d a\u200d💻 👩\u200da") == "💻 👩 a💻 👩a"
    # A run of selectors carries data, not presentation: only the first after its base stays.
    assert strip_invisible("x" + "".join(map(chr, range(0xE0100, 0xE0110)))) == "x\U000e0100"
    assert strip_invisible("\ufe0f start, after space \ufe0f") == " start, after space "
    # Subdivision flags are tag sequences: they show as the black flag they start with.
    assert strip_invisible("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f") == "🏴"


def test_stripping_comes_before_escaping_so_our_zero_width_spaces_survive():
    # A removed character must not hide `@`, `#`, `www.` or `://` from the escaping.
    for text, shown in [
        ("@\u2060dana", "@" + ZWSP + "dana"),
        ("#\u00ad12", "#" + ZWSP + "12"),
        ("ww\u00adw.evil.example", "www" + ZWSP + ".evil.example"),
        ("https:\u200b//evil.example", "https:" + ZWSP + "//evil.example"),
    ]:
        assert markdown_shows(markdown.render(Document((Line((Text(text),)),)))) == shown, text
    assert jira_shows(wiki.escape_text("ww\u00adw.evil.example")) == "www" + ZWSP + ".evil.example"
    assert (
        jira_shows(wiki.escape_text("https:\u200b//e.example")) == "https:" + ZWSP + "//e.example"
    )
    assert wiki.escape_text("h\u200b1. heading") == "h1" + ZWSP + ". heading"


# ---- 2. Jira macros shown, not deleted ---------------------------------------------------------


def test_a_jira_macro_in_a_title_shows_as_typed_and_starts_nothing():
    assert wiki.escape_text("Strip {noformat} from notes") == "Strip \\{noformat\\} from notes"
    for macro in MACROS:
        title = f"Strip {macro} from notes"
        for cloud in (True, False):
            body = wiki.render(Document((Section("Overdue (1)", ((Title(title),),)),)), cloud)
            assert jira_shows(body).splitlines()[-1].strip() == title, body
            assert not re.search(r"(?<!\\)[{}]", body), body


def test_macro_like_text_is_kept_in_every_dialect():
    for macro in MACROS:
        for document in documents(f"a {macro} b"):
            for dialect, body in rendered(document).items():
                assert visible(f"a{macro}b") in visible(shows(dialect, body)), (dialect, body)


# ---- 3. limits in the tracker's unit -----------------------------------------------------------

ROCKETS = "🚀" * 200  # 200 characters, 400 UTF-16 code units


def emoji_document(count: int) -> Document:
    items = tuple((Link(f"PLAT-{n}", URL), Plain(" "), Title(ROCKETS)) for n in range(count))
    return Document((Section(f"Overdue ({count})", items, limit=count),))


def test_a_jira_body_of_emoji_titles_fits_in_utf16_code_units():
    document = emoji_document(200)
    assert utf16_units(wiki.render(document, cloud=True)) > wiki.MAX_BODY
    for body in (
        fit(document, lambda d: wiki.render(d, cloud=True), wiki.MAX_BODY, wiki.measure),
        fit(document, lambda d: wiki.render(d, cloud=True), wiki.MAX_BODY),  # default unit
        cloud_tracker(info=CLOUD_INFO).body(document, LEAD),  # the adapter's own call
    ):
        assert utf16_units(body) <= wiki.MAX_BODY
        assert "… and " in body
        assert len(body) < wiki.MAX_BODY // 2 + 5_000  # emoji counted twice, not once


def test_a_github_body_of_emoji_titles_fits_in_characters():
    document = emoji_document(400)
    body = fit(document, markdown.render, markdown.MAX_BODY, markdown.measure)
    assert len(body) <= markdown.MAX_BODY and "… and " in body
    # Counted in characters, as GitHub does: the same body is over the limit in UTF-16 units.
    assert utf16_units(body) > markdown.MAX_BODY


def test_our_own_text_alone_over_the_limit_is_cut_in_the_trackers_unit():
    jira_body = fit(
        Document((Line((Plain("🚀" * 20_000),)),)),
        lambda d: wiki.render(d, cloud=True),
        wiki.MAX_BODY,
        wiki.measure,
    )
    assert utf16_units(jira_body) == wiki.MAX_BODY and jira_body.endswith("🚀…")
    github_body = fit(
        Document((Line((Plain("👩‍💻" * 30_000),)),)),
        markdown.render,
        markdown.MAX_BODY,
        markdown.measure,
    )
    assert len(github_body) <= markdown.MAX_BODY and github_body.endswith("…")
    assert hidden_characters(github_body) == []  # no joiner left hanging at the cut


# ---- 4. properties -----------------------------------------------------------------------------

untrusted = st.lists(
    st.one_of(
        st.sampled_from(BIDI + FORMAT + TAGS + CONTROLS + MACROS + JOINED + MARKUP),
        st.characters(categories=["Cf", "Cc", "So", "Sk", "Mn", "Lo", "Zs"]),
        st.text(max_size=6),
    ),
    max_size=16,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(untrusted)
@example("@\ufe00")  # a mention sign with a variation selector: the ZWSP goes after both
def test_any_untrusted_text_shows_every_visible_character_and_no_invisible_one(text):
    for document in documents(text):
        for dialect, body in rendered(document).items():
            assert hidden_characters(body) == [], (dialect, body)
            shown = visible(shows(dialect, body))
            if visible(text):
                assert visible(text) in shown, (dialect, text, body)


@settings(max_examples=300, deadline=None)
@given(untrusted)
def test_every_dialect_shows_the_same_characters(text):
    # One stripping rule for all: what a reader sees does not depend on the tracker.
    for document in documents(text):
        seen = {dialect: visible(shows(dialect, b)) for dialect, b in rendered(document).items()}
        assert seen["markdown"] == seen["jira"] == seen["html"] or not visible(text), seen


# ---- end to end --------------------------------------------------------------------------------

NASTY = "Strip {noformat} and {code:java} \u202egnp.exe\u202c 👩‍💻 re\u00adtry\u2060" + TAGS[2]
SHOWN = "Strip {noformat} and {code:java} gnp.exe 👩‍💻 retry"


@pytest.mark.e2e
def test_a_nasty_github_title_reaches_the_comment_inert_and_whole(tmp_path):
    with Sandbox(seed="demo") as sandbox:
        sandbox.github.add_issue("acme/web", NASTY, milestone="v2.0")
        done = run_cli(["run", "--once"], sandbox, tmp_path / "state.db", config=GITHUB_MAPPING)
        assert done.code == 0, done.err
        [pm] = [
            c
            for c in bot_comments(sandbox, "acme/web", 1)
            if marker_of(c)["role"] == "project-manager"
        ]
    body = pm["body"]
    assert hidden_characters(body) == []
    assert f"`{SHOWN}`" in body


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["cloud", "server"])
def test_a_nasty_jira_summary_reaches_the_comment_inert_and_whole(tmp_path, mode):
    with Sandbox(seed="demo", jira_mode=mode) as sandbox:
        sandbox.jira.add_issue(NASTY, parent="PLAT-1")
        done = run_cli(["run", "--once"], sandbox, tmp_path / "state.db", config=JIRA_MAPPING)
        assert done.code == 0, done.err
        bodies = [c["body"] for c in sandbox.jira.comments("PLAT-1")]
    [pm] = [b for b in bodies if b.startswith("h3. Task status")]
    assert hidden_characters(pm) == []
    assert f" {SHOWN} · unassigned" in jira_shows(pm)
    assert "\\{noformat\\}" in pm and "\\{code:java\\}" in pm
