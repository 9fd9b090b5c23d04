"""The role comments as neutral documents (and the JSON report): what each reader needs, in the
order they need it.

Every figure here comes from `mappings.views`; the dialects (`rendering.markdown`,
`rendering.wiki`) decide only how it looks. The `Status:` and `Progress:` lines and the
headings are contract (DESIGN §6): keep their wording.
"""

from __future__ import annotations

import math
from datetime import date

from connectors.model import Person, Role, WorkItem
from mappings.classify import Category
from mappings.config import PersonEntry
from mappings.forecast import Forecast
from mappings.scope import Scope
from mappings.views import DeliveryLeadView, Nudge, ProjectManagerView, Task
from rendering.document import (
    Block,
    Chart,
    Document,
    Heading,
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
)

DELIVERY_HEADING = "Delivery status — {name}"
TASK_HEADING = "Task status — {name}"


def role_documents(
    lead: DeliveryLeadView, pm: ProjectManagerView, mention: bool = True
) -> tuple[tuple[Role, Document], ...]:
    """Both role comments of one deliverable, each with the role it is for."""
    return (
        (Role.DELIVERY_LEAD, delivery_lead_report(lead, mention)),
        (Role.PROJECT_MANAGER, project_manager_report(pm, mention)),
    )


def delivery_lead_report(view: DeliveryLeadView, mention: bool = True) -> Document:
    scope = view.scope
    d = scope.deliverable
    blocks: list[Block] = [Heading(DELIVERY_HEADING.format(name=d.name))]
    blocks.append(Line((Plain(f"Status: {view.health}"),)))
    blocks.append(Line((Plain(f"Progress: {view.done} of {view.total} items done"),)))
    blocks += _unreadable_lines(scope)
    if view.points_total is not None:
        blocks.append(
            Line((Plain(f"Points: {_num(view.points_done)} of {_num(view.points_total)} done"),))
        )
    blocks.append(Line((Plain(_due_line(view)),)))
    blocks += [Line((Plain(text),)) for text in _forecast_lines(view)]
    if view.budget is not None:
        blocks.append(Line((Plain(_budget_line(view)),)))
    blocks.append(Line((Plain(_requirements_line(view)),)))
    if d.client:
        blocks.append(Line((Plain("Client: "), Text(d.client))))

    blocks.append(
        _section(
            "Open blockers",
            tuple(
                (*_item_ref(b.item.item), Plain(f" — {b.reason}, {_age(view.today, b.since)}"))
                for b in view.blockers
            ),
        )
    )
    blocks += _scope_change_blocks(view)
    if view.burnup:
        blocks.append(
            Chart(
                "Burn-up: scope (upper line) and done (lower line), items",
                tuple(day.strftime("%m-%d") for day, _, _ in view.burnup),
                tuple(done for _, done, _ in view.burnup),
                tuple(total for _, _, total in view.burnup),
            )
        )
    blocks.append(_footer(view.delivery_lead, Role.DELIVERY_LEAD, view.today, mention))
    return Document(tuple(blocks))


def project_manager_report(view: ProjectManagerView, mention: bool = True) -> Document:
    d = view.scope.deliverable
    counts = view.counts
    open_total = counts[Category.TODO] + counts[Category.IN_PROGRESS]
    summary = (
        f"Open: {open_total} (to do {counts[Category.TODO]}, "
        f"in progress {counts[Category.IN_PROGRESS]}) · Done: {counts[Category.DONE]}"
    )
    if view.dropped:
        summary += f" · Dropped: {view.dropped}"
    blocks: list[Block] = [
        Heading(TASK_HEADING.format(name=d.name)),
        Line((Plain(summary),)),
        *_unreadable_lines(view.scope),
        Line((Plain(_due_line_pm(view)),)),
        _task_section("Overdue", view.overdue),
        _task_section("Due soon", view.due_soon),
        _task_section("Blocked", view.blocked),
        _task_section("Unassigned", view.unassigned),
        _task_section("Stale", view.stale),
        _section(
            "Over WIP limit",
            tuple(
                (
                    Text(w.person),
                    Plain(f" — {w.wip_everywhere} in progress (limit {view.wip_limit})"),
                )
                for w in view.over_wip
            ),
        ),
    ]
    if not view.workload:
        blocks.append(Line((Strong("Workload:"), Plain(" nobody has open tasks here"))))
    else:
        blocks.append(Line((Strong("Workload"),)))
        blocks.append(
            Table(
                ("Person", "Open", "In progress", "Overdue", "Points open", "WIP everywhere"),
                tuple(
                    (
                        (Text(w.person),),
                        (Plain(str(w.open)),),
                        (Plain(str(w.in_progress)),),
                        (Plain(str(w.overdue)),),
                        (Plain(_num(w.points_open)),),
                        (Plain(str(w.wip_everywhere)),),
                    )
                    for w in view.workload
                ),
            )
        )
    blocks.append(_task_section("Conflicts", view.conflicts))
    blocks.append(_footer(view.project_manager, Role.PROJECT_MANAGER, view.today, mention))
    return Document(tuple(blocks))


def retired_report(name: str, role: str, since: date, why: str, successor: bool) -> Document:
    """What a report says once it is no longer kept up to date: no figures (a stale figure read
    as current is worse than none), since when, why, and where the report went if it moved."""
    lines: list[Block] = [
        Line((Strong(f"Retired report — {name} ({role})"),)),
        Line((Plain(f"This comment is no longer updated since {since}: {why}."),)),
    ]
    if successor:
        lines.append(Line((Plain(f"{name} is now reported in another comment on this issue."),)))
    lines.append(Line((Plain("Left in place by delivery-sync for the record"),)))
    return Document(tuple(lines))


# ---- pieces -------------------------------------------------------------------------------


def _unreadable_lines(scope: Scope) -> list[Block]:
    if not scope.unreadable:
        return []
    count = len(scope.unreadable)
    refs: list = [
        Plain(
            f"{count} item{'s' if count != 1 else ''} could not be read "
            "(their last readable version is counted): "
        )
    ]
    for n, item in enumerate(scope.unreadable):
        refs += [Plain(", ")] if n else []
        refs.append(Link(item.ref.short_key, item.item.url))
    return [Line(tuple(refs))]


def _item_ref(item: WorkItem) -> Inlines:
    return (Link(item.short_key, item.url), Plain(" "), Title(item.title))


def _task_line(task: Task) -> Inlines:
    item = task.item
    parts: list = [*_item_ref(item.item), Plain(" · ")]
    if item.assignee_names:
        for n, name in enumerate(item.assignee_names):
            parts += [Plain(", ")] if n else []
            parts.append(Text(name))
    else:
        parts.append(Plain("unassigned"))
    parts.append(Plain(f" · due {item.due}" if item.due else " · no due date"))
    if task.note:
        parts.append(Plain(f" · {task.note}"))
    return tuple(parts)


def _section(title: str, items: tuple[Inlines, ...]) -> Section:
    """A list under its title and count; an empty one still shows, saying "none", so readers
    and scripts can tell "nothing" from "not reported"."""
    return Section(f"{title} ({len(items)})" if items else title, items, empty="none")


def _task_section(title: str, tasks: tuple[Task, ...]) -> Section:
    return _section(title, tuple(_task_line(t) for t in tasks))


def _due_line(view: DeliveryLeadView) -> str:
    scope = view.scope
    if scope.due is None:
        return "Due: no due date"
    where = "" if scope.due_from == "deliverable" else f", from {scope.due_from}"
    return f"Due: {scope.due} ({_relative(scope.due, view.today)}{where})"


def _due_line_pm(view: ProjectManagerView) -> str:
    due = view.scope.due
    return (
        f"Deliverable due: {due} ({_relative(due, view.today)})"
        if due
        else ("Deliverable due: no due date")
    )


def _forecast_lines(view: DeliveryLeadView) -> list[str]:
    f = view.forecast
    if f is None:
        return []
    lines = []
    if f.p50 is not None or f.p85 is not None:
        lines.append(
            "Forecast: "
            + ", ".join(f"{pct} % by {day}" for pct, day in (("50", f.p50), ("85", f.p85)) if day)
            + f" (at {f.throughput_per_day:.1f} items/day over {f.window_days} days)"
        )
    if f.probability_by_due is not None:
        # Floor, so a 0.846 chance never reads "85 %" beside "At risk".
        chance = math.floor(f.probability_by_due * 100)
        lines.append(f"Chance of finishing by the due date: {chance} %")
    if f.growth_is_material:  # after the chance: a status-change notice quotes the first two
        lines.append(_growth_line(f))
    if f.note:
        lines.append(f"Note: {f.note}")
    return lines


def _growth_line(f: Forecast) -> str:
    added = f"{f.added_in_window} items added, {f.closed_in_window} closed"
    if f.scope_growth is None:  # every item arrived within the window: no earlier scope
        grew = f"by {f.added_in_window} items in {f.window_days} days ({f.closed_in_window} closed)"
    else:
        grew = f"{round(f.scope_growth * 100)} % in {f.window_days} days ({added})"
    return (
        f"Scope grew {grew}; the forecast assumes that pace of growth until the open items are done"
    )


def _budget_line(view: DeliveryLeadView) -> str:
    b = view.budget
    assert b is not None
    text = f"Budget: {_num(b.spent_hours)} h spent of {_num(b.budget_hours)} h"
    if b.projected_hours is not None and b.cpi is not None:
        ratio = b.projected_hours / b.budget_hours
        text += f" · projected {_num(b.projected_hours)} h ({ratio:.2f}× budget, CPI {b.cpi:.2f})"
    elif b.spent_hours == 0:
        text += " · no time logged yet"
    if b.at_risk:
        text += " · at risk"
    return text


def _requirements_line(view: DeliveryLeadView) -> str:
    done, total = view.requirements
    ticked, boxes = view.scope.checklist
    parts = [f"{done} of {total} requirement items done" if total else "no requirement items"]
    if boxes:
        parts.append(f"{ticked} of {boxes} checklist items ticked")
    return "Requirements met: " + "; ".join(parts)


def _scope_change_blocks(view: DeliveryLeadView) -> list[Block]:
    change = view.scope_change
    dropped_total = len(view.scope.dropped)
    if change is None:
        lines = [Line((Plain("Scope change: first report, nothing to compare with yet"),))]
    elif change.empty:
        lines = [Line((Plain(f"Scope change since {change.since}: none"),))]
    else:
        items: list[Inlines] = [(Plain("Added: "), *_item_ref(i.item)) for i in change.added]
        items += [
            (Plain("Removed: "), *(_item_ref(item) if item else (Text(ref.key),)))
            for ref, item in change.removed
        ]
        items += [(Plain("Dropped: "), *_item_ref(i.item)) for i in change.dropped]
        if change.due_moved:
            old, new = change.due_moved
            items.append((Plain(f"Due date moved: {old or 'none'} → {new or 'none'}"),))
        lines = [Section(f"Scope change since {change.since}", tuple(items))]
    if dropped_total:
        lines.append(
            Line(
                (Plain(f"Dropped in total (closed as not planned, not counted): {dropped_total}"),)
            )
        )
    return lines


def _footer(person: PersonEntry | None, role: Role, today: date, mention: bool) -> Line:
    parts: list = [Plain(f"As of {today} · ")]
    if person is not None:
        parts.append(Plain(f"{role.words.capitalize()}: "))
        parts.append(Mention(person.name, _identities(person) if mention else ()))
        parts.append(Plain(" · "))
    parts.append(Plain("updated by delivery-sync"))
    return Line(tuple(parts))


def _identities(entry: PersonEntry) -> tuple[Person, ...]:
    """The tracker identities a mention of this person reaches, through `people`."""
    found = []
    if entry.github:
        found.append(Person("github", entry.github, entry.name))
    if entry.jira:
        found.append(Person("jira", entry.jira, entry.name))
    return tuple(found)


def _relative(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return f"in {delta} day{'s' if delta != 1 else ''}"
    return f"{-delta} day{'s' if delta != -1 else ''} ago"


def _age(today: date, since: date) -> str:
    days = (today - since).days
    if days <= 0:
        return "blocked since today"
    return f"blocked {days} day{'s' if days != 1 else ''}"


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def report_data(lead: DeliveryLeadView, pm: ProjectManagerView) -> dict:
    """Both role views as plain data, for `report --format json` and scripts."""
    return {
        "deliverable": lead.scope.deliverable.id,
        "name": lead.name,
        "as_of": lead.today.isoformat(),
        "delivery_lead": _lead_data(lead),
        "project_manager": _pm_data(pm),
    }


def _lead_data(lead: DeliveryLeadView) -> dict:
    f, b, scope = lead.forecast, lead.budget, lead.scope
    return {
        "status": lead.health,
        "done": lead.done,
        "total": lead.total,
        "points_done": lead.points_done,
        "points_total": lead.points_total,
        "due": _iso(scope.due),
        "due_from": scope.due_from,
        "forecast": None
        if f is None
        else {
            "p50": _iso(f.p50),
            "p85": _iso(f.p85),
            "probability_by_due": f.probability_by_due,
            "throughput_per_day": f.throughput_per_day,
            "window_days": f.window_days,
            "added_in_window": f.added_in_window,
            "scope_growth": f.scope_growth,
            "note": f.note,
        },
        "budget": None
        if b is None
        else {
            "budget_hours": b.budget_hours,
            "spent_hours": b.spent_hours,
            "projected_hours": b.projected_hours,
            "cpi": b.cpi,
            "at_risk": b.at_risk,
        },
        "requirements": {"done": lead.requirements[0], "total": lead.requirements[1]},
        "checklist": {"ticked": scope.checklist[0], "total": scope.checklist[1]},
        "blockers": [
            {"item": str(x.item.ref), "reason": x.reason, "since": x.since.isoformat()}
            for x in lead.blockers
        ],
        "dropped": [str(i.ref) for i in scope.dropped],
        "scope_change": _scope_change_data(lead),
    }


def _scope_change_data(lead: DeliveryLeadView) -> dict | None:
    change = lead.scope_change
    if change is None:
        return None
    return {
        "since": change.since.isoformat(),
        "added": [str(i.ref) for i in change.added],
        "removed": [str(ref) for ref, _ in change.removed],
        "dropped": [str(i.ref) for i in change.dropped],
        "due_moved": [_iso(d) for d in change.due_moved] if change.due_moved else None,
    }


def _pm_data(pm: ProjectManagerView) -> dict:
    return {
        "counts": {c.value: n for c, n in pm.counts.items()},
        "dropped": pm.dropped,
        "overdue": _tasks_data(pm.overdue),
        "due_soon": _tasks_data(pm.due_soon),
        "blocked": _tasks_data(pm.blocked),
        "unassigned": _tasks_data(pm.unassigned),
        "stale": _tasks_data(pm.stale),
        "conflicts": _tasks_data(pm.conflicts),
        "over_wip": [w.person for w in pm.over_wip],
        "workload": [
            {
                "person": w.person,
                "open": w.open,
                "in_progress": w.in_progress,
                "overdue": w.overdue,
                "points_open": w.points_open,
                "wip_everywhere": w.wip_everywhere,
            }
            for w in pm.workload
        ],
    }


def _tasks_data(tasks: tuple[Task, ...]) -> list[dict]:
    return [
        {
            "item": str(t.item.ref),
            "title": t.item.item.title,
            "url": t.item.item.url,
            "assignees": list(t.item.assignee_names),
            "due": _iso(t.item.due),
            "note": t.note,
        }
        for t in tasks
    ]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def status_change_notice(view: DeliveryLeadView, previous: str, mention: bool = True) -> Document:
    """A short new comment, so people are notified: edits to the report notify nobody."""
    d = view.scope.deliverable
    lines: list[Block] = [
        Line((Strong(f"Delivery status changed: {previous} → {view.health}"),)),
        Line((Plain(f"{d.name} · {_due_line(view)}"),)),
    ]
    lines += [Line((Plain(text),)) for text in _forecast_lines(view)[:2]]
    lines.append(_footer(view.delivery_lead, Role.DELIVERY_LEAD, view.today, mention))
    return Document(tuple(lines))


def task_nudge(nudge: Nudge, today: date, mention: bool = True) -> Document:
    """A comment on the task itself: what needs doing, for which deliverable, by whom."""
    item = nudge.item.item
    holds = ", ".join(f"{name} (due {due})" if due else name for name, due in nudge.deliverables)
    blocks: list[Block] = [
        Line((Strong("Needs action"), Plain(f" — holds up {holds}"))),
        Section("Why", tuple((Plain(reason),) for reason in nudge.reasons)),
    ]
    who: list = [Plain("Assignee: ")]
    if item.assignees:
        for n, person in enumerate(item.assignees):
            who += [Plain(", ")] if n else []
            who.append(Mention(person.label, (person,) if mention else ()))
    else:
        who.append(Plain("nobody yet"))
    blocks.append(Line(tuple(who)))
    blocks.append(_footer(nudge.project_manager, Role.PROJECT_MANAGER, today, mention))
    return Document(tuple(blocks))


def task_nudge_resolved() -> Document:
    """What a nudge says once its task needs no action: stable text, so it is written once."""
    return Document((Line((Strong("Resolved"), Plain(" — this task no longer needs action."))),))
