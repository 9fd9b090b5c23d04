"""The burn-up chart of the portfolio page as inline SVG: scope and done over time, today, the
due date and the forecast range up to the 85 % date.

No script, no external asset, no colour without a second cue: scope is dashed and done is solid,
each labelled at its end; the due date and the 85 % date are labelled lines. The chart has an
accessible name (`<title>`) and description (`<desc>`) that say the same in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from rendering.page import BurnUp

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 40, WIDTH - 14, 36, HEIGHT - 28
# A forecast far out would squeeze the history into a sliver: the time axis ends at most this
# many times the history's length after today, and a date beyond it points off the chart.
FUTURE_SHARE = 1.5


@dataclass(frozen=True, slots=True)
class _Axes:
    start: date
    end: date
    top_value: int

    def x(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        share = min(max((day - self.start).days / span, 0.0), 1.0)
        return round(LEFT + share * (RIGHT - LEFT), 1)

    def y(self, value: int) -> float:
        return round(BOTTOM - value / self.top_value * (BOTTOM - TOP), 1)


def burnup_svg(chart: BurnUp, anchor: str, name: str) -> str:
    """The chart; `anchor` makes its element ids unique on the page."""
    axes = _axes(chart)
    title_id, desc_id = f"{anchor}-burnup-title", f"{anchor}-burnup-desc"
    parts = [
        f'<svg class="burnup" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">Burn-up of {escape(name)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(describe(chart))}</desc>',
        *_grid(axes),
        *_forecast(chart, axes),
        *_series(chart, axes),
        *_markers(chart, axes),
        *_time_axis(chart, axes),
        "</svg>",
    ]
    return "\n".join(parts)


def describe(chart: BurnUp) -> str:
    """The chart in one paragraph, for screen readers and as the figure's caption."""
    first, last = chart.days[0], chart.days[-1]
    text = (
        f"From {first} to {last}, scope went from {chart.scope[0]} to {chart.scope[-1]} items "
        f"and done from {chart.done[0]} to {chart.done[-1]}."
    )
    if chart.due:
        text += f" Due {chart.due}."
    if chart.done[-1] < chart.scope[-1]:
        dated = [f"{pct} % by {day}" for pct, day in (("50", chart.p50), ("85", chart.p85)) if day]
        text += f" Forecast: {', '.join(dated)}." if dated else " No forecast date."
    return text


def _axes(chart: BurnUp) -> _Axes:
    start = chart.days[0]
    history = max((chart.today - start).days, 7)
    latest = max(d for d in (chart.today, chart.due, chart.p85) if d is not None)
    limit = chart.today + timedelta(days=round(history * FUTURE_SHARE))
    return _Axes(start, min(max(latest, chart.today), limit), max(max(chart.scope), 1))


def _grid(axes: _Axes) -> list[str]:
    """Horizontal lines at 0, half and the top of the scale, labelled with their values."""
    lines = ['<g class="grid">']
    for value in sorted({0, axes.top_value // 2, axes.top_value}):
        y = axes.y(value)
        lines.append(f'<line x1="{LEFT}" y1="{y}" x2="{RIGHT}" y2="{y}"/>')
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{value}</text>')
    lines.append(
        f'<text x="{LEFT - 6}" y="{TOP - 22}" text-anchor="end" class="unit">items</text></g>'
    )
    return lines


def _series(chart: BurnUp, axes: _Axes) -> list[str]:
    def points(values: tuple[int, ...]) -> str:
        return " ".join(f"{axes.x(d)},{axes.y(v)}" for d, v in zip(chart.days, values, strict=True))

    x_end = axes.x(chart.days[-1])
    scope_y, done_y = axes.y(chart.scope[-1]), axes.y(chart.done[-1])
    # The two end labels must not overlap when done nearly meets scope.
    done_label_y = max(done_y + 16, scope_y + 30)
    return [
        f'<polyline class="scope-line" points="{points(chart.scope)}"/>',
        f'<polyline class="done-line" points="{points(chart.done)}"/>',
        f'<text x="{x_end - 4}" y="{scope_y - 6}" text-anchor="end" class="label">'
        f"Scope {chart.scope[-1]}</text>",
        f'<text x="{x_end - 4}" y="{min(done_label_y, BOTTOM - 4)}" text-anchor="end" '
        f'class="label">Done {chart.done[-1]}</text>',
    ]


def _forecast(chart: BurnUp, axes: _Axes) -> list[str]:
    """The range in which done meets scope: from today's done to the scope line between the 50 %
    and the 85 % date, and a dotted line to the 85 % date."""
    if chart.p85 is None or chart.done[-1] >= chart.scope[-1]:
        return []
    x0, y0 = axes.x(chart.today), axes.y(chart.done[-1])
    y1 = axes.y(chart.scope[-1])
    x50, x85 = axes.x(chart.p50 or chart.p85), axes.x(chart.p85)
    return [
        f'<line class="scope-ahead" x1="{x0}" y1="{y1}" x2="{RIGHT}" y2="{y1}"/>',
        f'<polygon class="range" points="{x0},{y0} {x50},{y1} {x85},{y1}"/>',
        f'<line class="forecast" x1="{x0}" y1="{y0}" x2="{x85}" y2="{y1}"/>',
    ]


def _markers(chart: BurnUp, axes: _Axes) -> list[str]:
    """Vertical lines at the due date and the 85 % date, labelled at the top: the earlier one on
    the first row, the later one on the second, so their labels never overlap."""
    marks = []
    if chart.due is not None:
        marks.append((chart.due, "due", f"Due {chart.due}"))
    if chart.p85 is not None and chart.done[-1] < chart.scope[-1]:
        marks.append((chart.p85, "p85", f"85 %: {chart.p85}"))
    lines = []
    for row, (day, kind, label) in enumerate(sorted(marks)):
        x = axes.x(day)
        beyond = day > axes.end
        text = f"{label} →" if beyond else label
        anchor = "end" if x > (LEFT + RIGHT) / 2 else "start"
        shift = -4 if anchor == "end" else 4
        y = 12 + row * 14
        lines.append(f'<line class="{kind}" x1="{x}" y1="{y + 4}" x2="{x}" y2="{BOTTOM}"/>')
        lines.append(
            f'<text x="{x + shift}" y="{y}" text-anchor="{anchor}" class="label">{text}</text>'
        )
    return lines


def _time_axis(chart: BurnUp, axes: _Axes) -> list[str]:
    """The first day and today under the axis (and the axis's end when there is room)."""
    y = BOTTOM + 18
    x_today = axes.x(chart.today)
    today_anchor = "end" if RIGHT - x_today < 40 else "middle"
    ticks = [
        f'<line class="axis" x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}"/>',
        f'<text x="{LEFT}" y="{y}" text-anchor="start">{chart.days[0]}</text>',
    ]
    if x_today - LEFT > 120:
        ticks.append(
            f'<text x="{x_today}" y="{y}" text-anchor="{today_anchor}">today {chart.today}</text>'
        )
    if RIGHT - x_today > 140:
        ticks.append(f'<text x="{RIGHT}" y="{y}" text-anchor="end">{axes.end}</text>')
    return ticks
