"""HTML dialect for `delivery-sync report --format html`: how each leaf of a page is written, every
text escaped.

Tracker text arrives without its invisible characters (the walk, `rendering.walk`, strips them),
as in the other dialects: a bidi override would reorder the page as it would a comment.
"""

from __future__ import annotations

from html import escape as html_escape

from connectors.model import Person
from rendering.document import Chart, Document
from rendering.walk import walk

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


def render(document: Document) -> str:
    """An <article> for one comment."""
    return walk(document, HtmlReport())


def page(title: str, articles: list[str]) -> str:
    return PAGE.format(title=html_escape(title), body="\n".join(articles))


def _cells(tag: str, values: tuple) -> str:
    return "".join(f"<{tag}>{html_escape(str(value))}</{tag}>" for value in values)


class HtmlReport:
    """The leaves of the report page (see `rendering.walk.Dialect`)."""

    shows_empty_tables = True
    list_close = "</ul>"
    table_close = "</table>"

    def plain(self, text: str) -> str:
        return html_escape(text)

    def strong(self, text: str) -> str:
        return f"<strong>{html_escape(text)}</strong>"

    def escape(self, text: str) -> str:
        return html_escape(text)

    def text(self, text: str) -> str:
        return html_escape(text)

    def title(self, text: str, in_table: bool) -> str:
        return f"<code>{html_escape(text)}</code>"

    def link(self, label: str, url: str) -> str:
        return f'<a href="{html_escape(url, quote=True)}">{html_escape(label)}</a>'

    def mention(self, identities: tuple[Person, ...]) -> str | None:
        return None  # a page notifies no one

    def heading(self, text: str, level: int) -> str:
        return f"<h{level}>{html_escape(text)}</h{level}>"

    def line(self, text: str) -> str:
        return f"<p>{text}</p>"

    def list_open(self, title: str) -> str:
        return f"<h4>{html_escape(title)}</h4><ul>"

    def list_item(self, text: str) -> str:
        return f"<li>{text}</li>"

    def table_head(self, header: tuple[str, ...]) -> str:
        return "<table><tr>" + _cells("th", header) + "</tr>"

    def table_row(self, cells: list[str]) -> str:
        return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"

    def table_more(self, text: str, columns: int) -> str:
        return f'<tr><td colspan="{columns}">{text}</td></tr>'

    def chart(self, chart: Chart) -> str:
        """The burn-up's figures as a table."""
        return "\n".join(
            [
                f"<h4>{html_escape(chart.title)}</h4><table>",
                "<tr><th></th>" + _cells("th", chart.labels) + "</tr>",
                "<tr><th>Done</th>" + _cells("td", chart.done) + "</tr>",
                "<tr><th>Scope</th>" + _cells("td", chart.scope) + "</tr>",
                "</table>",
            ]
        )

    def document(self, chunks: list[str]) -> str:
        return "\n".join(["<article>", *chunks, "</article>"])
