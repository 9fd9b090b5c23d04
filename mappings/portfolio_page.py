"""The portfolio page's content (`report --format html`, `demo`): the role views of every
deliverable on one day, as the page model `rendering.page` holds it.

Pure: views and the calendar day in, a `Page` out. The figures are those of the comments
(`mappings.report`), worded for a page that a reader scans across deliverables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from connectors.model import WorkItem
from mappings.forecast import Health
from mappings.report import SECTION_TITLES, over_wip_line, task_line
from mappings.views import Budget, DeliveryLeadView, Flag, ProjectManagerView, Task
from rendering.document import Document, Inlines, Line, Link, Plain, Section, Title
from rendering.page import BurnUp, Page, PageEntry

LIST_LIMIT = 20  # items a page list shows before "… and N more"


def portfolio_page(
    views: Iterable[tuple[DeliveryLeadView, ProjectManagerView]], as_of: date
) -> Page:
    """Every deliverable's overview row and section, in the mapping file's order."""
    return Page(as_of, tuple(_entry(lead, pm) for lead, pm in views))


def _entry(lead: DeliveryLeadView, pm: ProjectManagerView) -> PageEntry:
    scope, forecast = lead.scope, lead.forecast
    chance = "—"
    if forecast is not None and forecast.probability_by_due is not None:
        # Floor, as the comment does, so a 0.846 chance never reads "85 %" beside "At risk".
        chance = f"{math.floor(forecast.probability_by_due * 100)} %"
    return PageEntry(
        anchor=scope.deliverable.id,
        name=lead.name,
        status=str(lead.health),
        # Added to the view by the status-reason work; until then the page shows the word alone.
        reason=getattr(lead, "reason", None),
        done=lead.done,
        total=lead.total,
        due=scope.due,
        due_note=_due_note(lead),
        p85=_p85(lead),
        chance=chance,
        budget=_budget(lead.budget),
        budget_at_risk=lead.budget is not None and lead.budget.at_risk,
        facts=_facts(lead),
        burnup=_burnup(lead),
        blockers=Section(
            f"Open blockers ({len(lead.blockers)})" if lead.blockers else "Open blockers",
            tuple(
                (
                    *_item_ref(b.item.item),
                    Plain(f" — {b.reason}, {_blocked_for(lead.today, b.since)}"),
                )
                for b in lead.blockers
            ),
            limit=LIST_LIMIT,
            empty="none",
        ),
        hot_spots=_hot_spots(pm),
    )


def _due_note(lead: DeliveryLeadView) -> str:
    scope = lead.scope
    if scope.due is None:
        return ""
    where = "" if scope.due_from == "deliverable" else f", from {scope.due_from}"
    return _relative(scope.due, lead.today) + where


def _p85(lead: DeliveryLeadView) -> str:
    if lead.health is Health.DONE:
        return "done"
    forecast = lead.forecast
    if forecast is None or forecast.p85 is None:
        return "no forecast"
    return forecast.p85.isoformat()


def _budget(budget: Budget | None) -> str:
    if budget is None:
        return "—"
    text = f"{_hours(budget.spent_hours)} of {_hours(budget.budget_hours)}"
    if budget.projected_hours is not None:
        text += f" · projected {_hours(budget.projected_hours)}"
    return text + (" · at risk" if budget.at_risk else " · within budget")


def _facts(lead: DeliveryLeadView) -> tuple[str, ...]:
    facts = [f"Progress: {lead.done} of {lead.total} items done"]
    if lead.points_total is not None:
        facts.append(f"Points: {_num(lead.points_done)} of {_num(lead.points_total)} done")
    due = lead.scope.due
    facts.append(f"Due: {due} ({_due_note(lead)})" if due else "Due: no due date")
    forecast = lead.forecast
    if forecast is not None:
        dated = [
            f"{pct} % by {day}" for pct, day in (("50", forecast.p50), ("85", forecast.p85)) if day
        ]
        if dated:
            facts.append(
                f"Forecast: {', '.join(dated)} (at {forecast.throughput_per_day:.1f} items/day"
                f" over {forecast.window_days} days)"
            )
        if forecast.probability_by_due is not None:
            chance = math.floor(forecast.probability_by_due * 100)
            facts.append(f"Chance of finishing by the due date: {chance} %")
        if forecast.note:
            facts.append(f"Note: {forecast.note}")
    if lead.budget is not None:
        facts.append(f"Budget: {_budget(lead.budget)}")
    return tuple(facts)


def _burnup(lead: DeliveryLeadView) -> BurnUp | None:
    if not lead.burnup:
        return None
    forecast = lead.forecast
    return BurnUp(
        days=tuple(day for day, _, _ in lead.burnup),
        done=tuple(done for _, done, _ in lead.burnup),
        scope=tuple(scope for _, _, scope in lead.burnup),
        today=lead.today,
        due=lead.scope.due,
        p50=forecast.p50 if forecast else None,
        p85=forecast.p85 if forecast else None,
    )


def _hot_spots(pm: ProjectManagerView) -> Document:
    """What needs the PM's action, in the comment's order, each task once with its other flags
    on its line. Blocked tasks are left out: the section above lists them with their age.
    Sections with nothing in them are left out; none at all says so."""
    sections = [
        _tasks(SECTION_TITLES[flag], tasks)
        for flag, tasks in pm.sections
        if flag is not Flag.BLOCKED
    ]
    sections.append(
        Section(
            f"Over WIP limit ({len(pm.over_wip)})",
            tuple(over_wip_line(w, pm.wip_limit) for w in pm.over_wip),
            limit=LIST_LIMIT,
        )
    )
    shown = tuple(s for s in sections if s.items)
    if not shown:
        return Document((Line((Plain("Nothing needs action."),)),))
    return Document(shown)


def _tasks(title: str, tasks: tuple[Task, ...]) -> Section:
    return Section(f"{title} ({len(tasks)})", tuple(task_line(t) for t in tasks), limit=LIST_LIMIT)


def _item_ref(item: WorkItem) -> Inlines:
    return (Link(item.short_key, item.url), Plain(" "), Title(item.title))


def _relative(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    plural = "s" if abs(delta) != 1 else ""
    return f"in {delta} day{plural}" if delta > 0 else f"{-delta} day{plural} ago"


def _blocked_for(today: date, since: date) -> str:
    days = (today - since).days
    if days <= 0:
        return "blocked since today"
    return f"blocked {days} day{'s' if days != 1 else ''}"


def _hours(value: float) -> str:
    return f"{_num(value)} h"


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
