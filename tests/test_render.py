"""Both dialects render untrusted text inert: no mention, reference, link, HTML or markup break-out.

GitHub output is parsed with a CommonMark parser (markdown-it-py, tables on), so the checks are
about what GitHub would build from the text, not about the characters we happened to emit.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from connectors.model import Person
from rendering import html, markdown, wiki
from rendering.document import (
    Chart,
    Document,
    Heading,
    Line,
    Link,
    Mention,
    Plain,
    Section,
    Strong,
    Table,
    Text,
    Title,
    fit,
)

NASTY_TITLES = [
    "Fix @acme/frontend mention in #12 footer",
    "Ping @dana-lee about acme/web#7 and PLAT-12",
    "Crash when name contains `backticks` and ``double`` ones",
    "```fenced``` start",
    "<script>alert(1)</script> in search <b>box</b>",
    "Support *bold* and _emphasis_ | pipes | here",
    "two\nlines\r\nand more",
    "[link](https://evil.example) and https://evil.example/x www.evil.example",
    "![img](https://evil.example/a.png) :smile: $x^2$",
    "# heading-like\n- list-like\n> quote",
    "`",
    "ends with `",
]
URL = "https://tracker.example/acme/web/issues/5"
PARSER = MarkdownIt("commonmark").enable("table")


def tokens(markdown_text: str):
    for token in PARSER.parse(markdown_text):
        yield token
        yield from token.children or ()


def assert_inert_markdown(body: str, title: str, allowed_links: set[str]) -> None:
    found = list(tokens(body))
    kinds = {t.type for t in found}
    assert "html_inline" not in kinds and "html_block" not in kinds, body
    assert "image" not in kinds, body
    links = {t.attrs.get("href") for t in found if t.type == "link_open"}
    assert links <= allowed_links, links
    in_link = False
    for token in found:
        in_link = (in_link or token.type == "link_open") and token.type != "link_close"
        if token.type != "text" or in_link:
            continue  # GitHub neither mentions nor cross-links inside a link
        assert not re.search(r"@[\w-]", token.content), token.content
        assert not re.search(r"#\d", token.content), token.content
        assert "://" not in token.content and "www." not in token.content, token.content
    codes = [t.content for t in found if t.type == "code_inline"]
    assert " ".join(title.split()) in codes, (title, codes)


def test_nasty_titles_in_a_list_stay_in_their_code_span():
    for title in NASTY_TITLES:
        doc = Document((Section("Overdue (1)", ((Link("web#5", URL), Plain(" "), Title(title)),)),))
        body = markdown.render(doc)
        assert_inert_markdown(body, title, {URL})
        assert sum(1 for t in tokens(body) if t.type == "list_item_open") == 1, body


def test_nasty_titles_in_a_table_keep_the_table_shape():
    for title in NASTY_TITLES:
        doc = Document((Table(("Item", "Who"), (((Title(title),), (Text("@dana-lee | x"),)),)),))
        body = markdown.render(doc)
        cells = [t for t in tokens(body) if t.type == "td_open"]
        assert len(cells) == 2, body
        code = [t.content for t in tokens(body) if t.type == "code_inline"]
        # In a table GFM unescapes \| before the code span is parsed; markdown-it 3 keeps it.
        assert [c.replace("\\|", "|") for c in code] == [" ".join(title.split())], body


def test_untrusted_text_is_escaped_not_interpreted():
    body = markdown.render(Document((Line((Text("@org/team *bold* <i>x</i> #12 https://a.b"),)),)))
    found = list(tokens(body))
    assert {t.type for t in found} & {"em_open", "strong_open", "html_inline", "link_open"} == set()
    text = "".join(t.content for t in found if t.type == "text")
    assert text.replace(markdown.ZWSP, "") == "@org/team *bold* <i>x</i> #12 https://a.b"


def test_mention_uses_the_github_identity_only_when_valid():
    dana = (Person("github", "dana-lee"), Person("jira", "712020:8f1e6a"))
    assert markdown.render(Document((Line((Mention("Dana Lee", dana),)),))) == "@dana-lee\n"
    bogus = (Person("github", "x @everyone"),)
    assert markdown.render(Document((Line((Mention("Dana Lee", bogus),)),))) == "Dana Lee\n"


def test_link_with_a_non_http_url_is_plain_text():
    body = markdown.render(Document((Line((Link("click", "javascript:alert(1)"),)),)))
    assert "link_open" not in {t.type for t in tokens(body)}


def test_long_lists_end_with_and_n_more():
    items = tuple((Plain(f"item {n}"),) for n in range(30))
    body = markdown.render(Document((Section("Stale (30)", items, limit=10),)))
    assert "- item 9\n- … and 20 more" in body
    assert "item 10" not in body


def test_fit_shortens_lists_to_stay_under_the_limit():
    items = tuple((Title("x" * 500),) for _ in range(400))
    doc = Document((Heading("Task status — X"), Section("Overdue (400)", items, limit=400)))
    body = fit(doc, markdown.render, markdown.MAX_BODY)
    assert len(body) <= markdown.MAX_BODY
    assert "… and" in body and body.startswith("### Task status — X")


# ---- one walk, three dialects ------------------------------------------------------------

DANA = (Person("github", "dana-lee"), Person("jira", "712020:dana"))
EVERY_BLOCK = Document(
    (
        Heading("Task status — X"),
        Line((Plain("Status: "), Strong("on track"))),
        Line((Plain("Lead: "), Mention("Dana <Lee>", DANA))),
        Section(
            "Overdue (4)",
            tuple(
                (Link(f"web#{n}", f"https://t.example/{n}"), Plain(" "), Title(f"fix *{n}*"))
                for n in range(4)
            ),
            limit=2,
        ),
        Section("Blocked", (), empty="none"),
        Section("Stale", ()),
        Table(
            ("Item", "Who"),
            tuple(((Title(f"a|b {n}"),), (Text(f"@u{n}"),)) for n in range(4)),
            limit=2,
        ),
        Table(("Empty",), ()),
        Chart("Burn-up", ("11-02", "11-09"), (1, 3), (4, 5)),
        Chart("None", (), (), ()),
    )
)


def test_every_block_kind_renders_byte_for_byte_in_each_dialect():
    # The HTML page has no golden file: this pins it, and the walk all three share (lines kept
    # together, lists and tables cut with "… and N more", empty sections, tables and charts).
    assert (
        markdown.render(EVERY_BLOCK)
        == """### Task status — X

Status: **on track**
Lead: @dana-lee

**Overdue (4)**

- [web\\#0](https://t.example/0) `fix *0*`
- [web\\#1](https://t.example/1) `fix *1*`
- … and 2 more

**Blocked:** none

| Item | Who |
| --- | --- |
| `a\\|b 0` | @\u200bu0 |
| `a\\|b 1` | @\u200bu1 |
| … and 2 more | |

```mermaid
xychart-beta
    title "Burn-up"
    x-axis ["11-02", "11-09"]
    y-axis "Items" 0 --> 5
    line [4, 5]
    line [1, 3]
```

<details><summary>Burn-up as text</summary>

|  | 11-02 | 11-09 |
| --- | --- | --- |
| Done | 1 | 3 |
| Scope | 4 | 5 |

</details>
"""
    )
    assert (
        wiki.render(EVERY_BLOCK, cloud=True)
        == """h3. Task status — X

Status: *on track*
Lead: [~accountid:712020:dana]

*Overdue (4)*
* [web\\#0|https://t.example/0] fix \\*0\\*
* [web\\#1|https://t.example/1] fix \\*1\\*
* … and 2 more

*Blocked:* none

||Item||Who||
|a\\|b 0|\\@u0|
|a\\|b 1|\\@u1|
|… and 2 more| |

*Burn-up* (11-02 → 11-09)
Done  {{▃█}} 3
Scope {{▇█}} 5
"""
    )
    assert (
        html.render(EVERY_BLOCK)
        == """<article>
<h3>Task status — X</h3>
<p>Status: <strong>on track</strong></p>
<p>Lead: Dana &lt;Lee&gt;</p>
<h4>Overdue (4)</h4><ul>
<li><a href="https://t.example/0">web#0</a> <code>fix *0*</code></li>
<li><a href="https://t.example/1">web#1</a> <code>fix *1*</code></li>
<li>… and 2 more</li>
</ul>
<p><strong>Blocked:</strong> none</p>
<table><tr><th>Item</th><th>Who</th></tr>
<tr><td><code>a|b 0</code></td><td>@u0</td></tr>
<tr><td><code>a|b 1</code></td><td>@u1</td></tr>
<tr><td colspan="2">… and 2 more</td></tr>
</table>
<table><tr><th>Empty</th></tr>
</table>
<h4>Burn-up</h4><table>
<tr><th></th><th>11-02</th><th>11-09</th></tr>
<tr><th>Done</th><td>1</td><td>3</td></tr>
<tr><th>Scope</th><td>4</td><td>5</td></tr>
</table>
<h4>None</h4><table>
<tr><th></th></tr>
<tr><th>Done</th></tr>
<tr><th>Scope</th></tr>
</table>
</article>"""
    )


# ---- Jira wiki markup ---------------------------------------------------------------------

WIKI_SPECIAL = set("-#*_+?^~|%{}[]()!@")


def unescaped_specials(text: str) -> list[str]:
    out, escaped = [], False
    for ch in text.replace("&#92;", ""):  # the backslash entity is ours
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch in WIKI_SPECIAL:
            out.append(ch)
    return out


def test_wiki_escapes_every_markup_character():
    for title in [
        "{noformat}code{noformat} [~admin] a|b *bold* !image.png! {color:red}x{color}",
        "h1. heading bq. quote ---- rule (y) (!) :) PLAT-12 @here",
        "back\\slash \\\\ double and https://evil.example www.evil.example",
    ]:
        escaped = wiki.escape_text(title)
        assert unescaped_specials(escaped) == [], escaped
        # Macro names stay, with their braces escaped: shown as typed, starting nothing.
        assert "\\{noformat\\}" in escaped or "noformat" not in title
        assert "\\{color:red\\}" in escaped or "color" not in title
        assert "\\\\" not in escaped
        assert "://" not in escaped and "www." not in escaped
        assert not escaped.startswith(("h1.", "bq."))


def test_wiki_shows_backslashes_as_an_entity_and_nothing_else_changes():
    assert wiki.escape_text("C:\\path\\to *x*") == "C:&#92;path&#92;to \\*x\\*"
    assert wiki.escape_text("a\0b") == "ab"


def test_wiki_mentions_by_deployment():
    dana = (Person("github", "dana-lee"), Person("jira", "712020:8f1e6a"))
    doc = Document((Line((Mention("Dana Lee", dana),)),))
    assert wiki.render(doc, cloud=True) == "[~accountid:712020:8f1e6a]\n"
    sam = (Person("jira", "sam.park"),)
    assert wiki.render(Document((Line((Mention("Sam", sam),)),)), cloud=False) == "[~sam.park]\n"


def test_wiki_table_cells_cannot_split():
    doc = Document((Table(("Item", "Who"), (((Title("a|b||c"),), (Text("x"),)),)),))
    body = wiki.render(doc, cloud=True)
    row = body.splitlines()[1]
    assert unescaped_specials(row) == ["|", "|", "|"]


# ---- properties ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_title_is_inert_in_markdown(title):
    doc = Document((Section("Blocked (1)", ((Link("web#5", URL), Plain(" "), Title(title)),)),))
    body = markdown.render(doc)
    found = list(tokens(body))
    assert not {t.type for t in found} & {"html_inline", "html_block", "image"}
    assert {t.attrs.get("href") for t in found if t.type == "link_open"} <= {URL}
    assert sum(1 for t in found if t.type == "list_item_open") == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_name_is_inert_in_both_dialects(name):
    md = markdown.render(Document((Line((Plain("By "), Text(name))),)))
    for token in tokens(md):
        assert token.type not in ("html_inline", "html_block", "link_open", "image", "em_open")
        if token.type == "text":
            assert not re.search(r"@[\w-]", token.content)
    assert unescaped_specials(wiki.escape_text(name)) == []
