"""HTML: the dialect's leaves (`HtmlReport`, every text escaped) and the portfolio page
(`page_html`) that `report --format html` and `demo` write.

Tracker text arrives without its invisible characters (the walk, `rendering.walk`, strips them),
as in the other dialects: a bidi override would reorder the page as it would a comment. Our own
strings on the page are stripped and escaped too, since deliverable names come from the mapping.

The page is one self-contained file: inline CSS and SVG, no script, no external asset. It reads
at 420 px (below 62rem the overview table reflows into one card per deliverable; the burn-up
table scrolls inside its own box) and in print, and shows every status as a word and a shape,
never by colour alone.
"""

from __future__ import annotations

from html import escape as html_escape

from connectors.model import Person
from rendering.document import Chart, Document, strip_invisible
from rendering.page import BurnUp, Page, PageEntry
from rendering.svg import burnup_svg, describe
from rendering.walk import walk


def render(document: Document) -> str:
    """An <article> for one comment."""
    return walk(document, HtmlReport())


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


# ---- the portfolio page ---------------------------------------------------------------------

# Each status: its CSS class and the shape drawn beside its word. Colours are in STYLE; a test
# holds every text colour to a 4.5:1 contrast with its background.
STATUS_CLASSES = {
    "On track": "on-track",
    "At risk": "at-risk",
    "Off track": "off-track",
    "Done": "done",
    "No due date": "no-due-date",
}

STYLE = """
:root{color:#1f2937;background:#fff}
*{box-sizing:border-box;-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:72rem;margin:0 auto;
padding:1.5rem 1rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.3rem;margin:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
h4{font-size:.95rem;margin:.9rem 0 .25rem}
a{color:#1d4ed8}
p,li{overflow-wrap:anywhere}
td,th{overflow-wrap:break-word}
code{background:#f3f4f6;padding:0 .2rem;border-radius:3px;font-size:.92em}
.muted{color:#4b5563}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #d1d5db;padding:.4rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #6b7280;font-size:.9rem}
.overview th[scope=row]{min-width:8rem}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:.35rem;font-weight:700;font-size:.9rem;
padding:.1rem .55rem;border-radius:999px;border:1px solid currentColor;white-space:nowrap}
.shape{display:inline-block;width:.8em;height:.8em;background:currentColor}
.on-track{color:#14532d;background:#dcfce7}
.on-track .shape{border-radius:50%}
.at-risk{color:#713f12;background:#fef3c7}
.at-risk .shape{clip-path:polygon(50% 0,100% 100%,0 100%)}
.off-track{color:#7f1d1d;background:#fee2e2}
.off-track .shape{clip-path:polygon(20% 0,50% 30%,80% 0,100% 20%,70% 50%,100% 80%,80% 100%,50% 70%,
20% 100%,0 80%,30% 50%,0 20%)}
.done{color:#1e3a8a;background:#dbeafe}
.done .shape{clip-path:polygon(0 55%,15% 40%,38% 62%,85% 10%,100% 25%,38% 92%)}
.no-due-date{color:#374151;background:#f3f4f6}
.no-due-date .shape{height:.25em}
.reason{display:block;font-size:.85rem;color:#374151;margin-top:.2rem}
.bar{display:block;width:8rem;max-width:100%;height:.55rem;background:#e5e7eb;border-radius:3px;
margin:.3rem 0 .1rem;overflow:hidden}
.bar span{display:block;height:100%;background:#1d4ed8}
.risk{font-weight:700}
.entry{border-top:2px solid #e5e7eb;margin-top:2rem;padding-top:1rem}
.facts{margin:.25rem 0;padding-left:1.1rem}
figure{margin:0;max-width:40rem}
figcaption{font-size:.85rem;color:#4b5563}
svg.burnup{width:100%;height:auto;display:block}
svg text{font:12px system-ui,sans-serif;fill:#1f2937;paint-order:stroke;stroke:#fff;
stroke-width:3px;stroke-linejoin:round}
svg .label{font-weight:700}
svg .grid line,svg .axis{stroke:#d1d5db;stroke-width:1}
svg .scope-line{fill:none;stroke:#374151;stroke-width:2;stroke-dasharray:6 4}
svg .scope-ahead{stroke:#9ca3af;stroke-width:1.5;stroke-dasharray:6 4}
svg .done-line{fill:none;stroke:#1d4ed8;stroke-width:3}
svg .range{fill:#1d4ed8;fill-opacity:.15;stroke:none}
svg .forecast{stroke:#1d4ed8;stroke-width:1.5;stroke-dasharray:2 3}
svg .due{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:4 3}
svg .p85{stroke:#1d4ed8;stroke-width:1}
details{margin:.5rem 0}
footer{margin-top:2.5rem;font-size:.85rem;color:#4b5563}
@media (max-width:62rem){
body{padding:1rem .75rem}
.overview thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
.overview,.overview tbody,.overview tr,.overview td,.overview th{display:block}
.overview tr{border:1px solid #d1d5db;border-radius:6px;margin:0 0 .75rem;padding:.5rem .75rem}
.overview td,.overview th{border:0;padding:.15rem 0}
.overview th{font-size:1.05rem}
.overview caption{display:block}
.overview td::before{content:attr(data-label) ": ";font-weight:600}
}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
.entry{break-before:page}
details,.skip{display:none}
a{color:inherit;text-decoration:none}
.scroll{overflow:visible}
}
"""

OVERVIEW_COLUMNS = (
    "Deliverable",
    "Status",
    "Complete",
    "Due",
    "85 % date",
    "Chance by due date",
    "Budget",
    "Blockers",
)


def page_html(page: Page) -> str:
    """The portfolio page: the overview table first, then one section per deliverable."""
    day = page.as_of.isoformat()
    counts = ", ".join(
        f"{sum(e.status == word for e in page.entries)} {word.lower()}"
        for word in STATUS_CLASSES
        if any(e.status == word for e in page.entries)
    )
    many = len(page.entries)
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Delivery portfolio · {day}</title>",
            f"<style>{STYLE}</style>",
            "</head><body>",
            "<header>",
            f"<h1>Delivery portfolio · {day}</h1>",
            f'<p class="muted">As of {day}: {many} deliverable{"s" if many != 1 else ""}'
            f"{' — ' + counts if counts else ''}.</p>",
            "</header>",
            "<main>",
            _overview(page),
            *(_entry_section(entry) for entry in page.entries),
            "</main>",
            f"<footer>Made by delivery-sync from the trackers as they stood on {day}. "
            "The figures are those of the status comments.</footer>",
            "</body></html>",
            "",
        ]
    )


def _e(text: str) -> str:
    """Any text on the page, stripped of invisible characters and escaped."""
    return html_escape(strip_invisible(text))


def _badge(status: str) -> str:
    kind = STATUS_CLASSES.get(status, "no-due-date")
    return (
        f'<span class="badge {kind}"><span class="shape" aria-hidden="true"></span>'
        f"{_e(status)}</span>"
    )


def _overview(page: Page) -> str:
    head = "".join(f'<th scope="col">{_e(name)}</th>' for name in OVERVIEW_COLUMNS)
    rows = "\n".join(_overview_row(entry) for entry in page.entries)
    return (
        '<section aria-labelledby="overview-heading">'
        '<h2 id="overview-heading">Overview</h2>'
        '<div class="scroll"><table class="overview">'
        f"<caption>Every deliverable on {page.as_of}: status, progress, dates, budget and "
        "blockers</caption>"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table></div></section>"
    )


def _overview_row(entry: PageEntry) -> str:
    anchor = _e(entry.anchor)
    reason = f'<span class="reason">{_e(entry.reason)}</span>' if entry.reason else ""
    due = f'{entry.due}<br><span class="muted">{_e(entry.due_note)}</span>' if entry.due else "none"
    budget = _e(entry.budget)
    if entry.budget_at_risk:
        budget = f'<span class="risk">{budget}</span>'
    cells = [
        f'<th scope="row"><a href="#d-{anchor}">{_e(entry.name)}</a></th>',
        _cell("Status", _badge(entry.status) + reason),
        _cell("Complete", _progress(entry)),
        _cell("Due", due, "num"),
        _cell("85 % date", _e(entry.p85), "num"),
        _cell("Chance by due date", _e(entry.chance), "num"),
        _cell("Budget", budget),
        _cell("Blockers", f'<a href="#d-{anchor}-blockers">{len(entry.blockers.items)}</a>', "num"),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _cell(label: str, content: str, kind: str = "") -> str:
    css = f' class="{kind}"' if kind else ""
    return f'<td data-label="{_e(label)}"{css}>{content}</td>'


def _progress(entry: PageEntry) -> str:
    return (
        f"{entry.percent} %"
        f'<span class="bar" aria-hidden="true"><span style="width:{entry.percent}%"></span></span>'
        f'<span class="muted">{entry.done} of {entry.total} items</span>'
    )


class _PageLists(HtmlReport):
    """The dialect's leaves inside a deliverable's section: lists under headings of the level
    the page's outline needs there, no <article> around them."""

    def __init__(self, level: int) -> None:
        self.level = level

    def list_open(self, title: str) -> str:
        return f"<h{self.level}>{html_escape(title)}</h{self.level}><ul>"

    def document(self, chunks: list[str]) -> str:
        return "\n".join(chunks)


def _entry_section(entry: PageEntry) -> str:
    anchor = _e(entry.anchor)
    reason = f'<p class="reason">{_e(entry.reason)}</p>' if entry.reason else ""
    facts = "".join(f"<li>{_e(fact)}</li>" for fact in entry.facts)
    return "\n".join(
        [
            f'<section class="entry" id="d-{anchor}" aria-labelledby="d-{anchor}-heading">',
            f'<h2 id="d-{anchor}-heading">{_e(entry.name)} {_badge(entry.status)}</h2>',
            reason,
            f'<ul class="facts">{facts}</ul>',
            _burnup(entry),
            f'<div id="d-{anchor}-blockers">',
            walk(Document((entry.blockers,)), _PageLists(3)),
            "</div>",
            "<h3>Hot spots</h3>",
            walk(entry.hot_spots, _PageLists(4)),
            "</section>",
        ]
    )


def _burnup(entry: PageEntry) -> str:
    if entry.burnup is None:
        return "<h3>Burn-up</h3><p>No items yet: nothing to chart.</p>"
    chart = entry.burnup
    return "\n".join(
        [
            "<h3>Burn-up</h3>",
            "<figure>",
            burnup_svg(chart, f"d-{entry.anchor}", strip_invisible(entry.name)),
            f"<figcaption>{_e(describe(chart))} Scope is the dashed line, done the solid one; "
            "the shaded range runs to the 85 % date.</figcaption>",
            "</figure>",
            _burnup_table(chart, entry.name),
        ]
    )


def _burnup_table(chart: BurnUp, name: str) -> str:
    days = "".join(f'<th scope="col">{day.strftime("%m-%d")}</th>' for day in chart.days)
    done = "".join(f"<td>{n}</td>" for n in chart.done)
    scope = "".join(f"<td>{n}</td>" for n in chart.scope)
    return (
        "<details><summary>Burn-up as a table</summary>"
        '<div class="scroll" role="region" tabindex="0" '
        f'aria-label="Burn-up figures of {_e(name)}"><table>'
        f"<caption>Burn-up of {_e(name)}, items</caption>"
        f'<thead><tr><td></td>{days}</tr></thead><tbody><tr><th scope="row">Done</th>{done}</tr>'
        f'<tr><th scope="row">Scope</th>{scope}</tr></tbody></table></div></details>'
    )
