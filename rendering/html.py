"""HTML dialect for `delivery-sync report --format html`: a standalone page, every text escaped.

Tracker text loses its invisible characters first (`strip_invisible`), as in the other dialects:
a bidi override would reorder the page as it would a comment.
"""

from __future__ import annotations

from html import escape

from rendering.document import (
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
    more_line,
    strip_invisible,
    visible,
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:.2rem .5rem}}
code{{background:#f4f4f4;padding:0 .2rem}}
article{{border-bottom:1px solid #ddd;margin-bottom:2rem}}
</style>
</head><body>
{body}
</body></html>
"""


def _untrusted(text: str) -> str:
    return escape(strip_invisible(text))


def _inline(node: Inline) -> str:
    match node:
        case Plain(text):
            return escape(text)
        case Text(text) | Mention(text, _):
            return _untrusted(text)
        case Strong(text):
            return f"<strong>{escape(text)}</strong>"
        case Title(text):
            return f"<code>{_untrusted(' '.join(text.split()))}</code>"
        case Link(label, url):
            if not is_web_url(url):
                return _untrusted(label)
            return f'<a href="{escape(url, quote=True)}">{_untrusted(label)}</a>'
    raise TypeError(f"unknown inline {node!r}")


def _inlines(parts: Inlines) -> str:
    return "".join(_inline(p) for p in parts)


def render(document: Document) -> str:
    """An <article> for one comment."""
    out: list[str] = ["<article>"]
    for block in document.blocks:
        match block:
            case Heading(text, level):
                out.append(f"<h{level}>{escape(text)}</h{level}>")
            case Line(parts):
                out.append(f"<p>{_inlines(parts)}</p>")
            case Section(title, items, _, empty):
                if not items:
                    if empty:
                        out.append(f"<p><strong>{escape(title)}:</strong> {escape(empty)}</p>")
                    continue
                shown, hidden = visible(items, block.limit)
                out.append(f"<h4>{escape(title)}</h4><ul>")
                out += [f"<li>{_inlines(item)}</li>" for item in shown]
                if hidden:
                    out.append(f"<li>{escape(more_line(hidden))}</li>")
                out.append("</ul>")
            case Table(header, rows, _):
                shown, hidden = visible(rows, block.limit)
                out.append(
                    "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
                )
                for row in shown:
                    out.append("<tr>" + "".join(f"<td>{_inlines(c)}</td>" for c in row) + "</tr>")
                if hidden:
                    out.append(
                        f'<tr><td colspan="{len(header)}">{escape(more_line(hidden))}</td></tr>'
                    )
                out.append("</table>")
            case Chart(title, labels, done, scope):
                out.append(f"<h4>{escape(title)}</h4><table>")
                out.append(
                    "<tr><th></th>" + "".join(f"<th>{escape(x)}</th>" for x in labels) + "</tr>"
                )
                out.append("<tr><th>Done</th>" + "".join(f"<td>{v}</td>" for v in done) + "</tr>")
                out.append("<tr><th>Scope</th>" + "".join(f"<td>{v}</td>" for v in scope) + "</tr>")
                out.append("</table>")
    out.append("</article>")
    return "\n".join(out)


def page(title: str, articles: list[str]) -> str:
    return PAGE.format(title=escape(title), body="\n".join(articles))
