"""The role comments as neutral documents (and the JSON report): what each reader needs, in the
order they need it.

Every figure here comes from `mappings.views`; the dialects (`rendering.markdown`,
`rendering.wiki`) decide only how it looks. The `Status:` and `Progress:` lines and the
headings are contract (DESIGN §6): keep their wording.
"""

from __future__ import annotations

from datetime import date

from connectors.model import ItemRef, Person, Role, WorkItem
from mappings.classify import Category, ClassifiedItem
from mappings.config import PersonEntry
from mappings.forecast import Forecast
from mappings.scope import Scope
from mappings.views import (
    DeliveryLeadView,
    Flag,
    Nudge,
    ProjectManagerView,
    SinceLastReport,
    Task,
    Workload,
    percent,
)
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
    blocks.append(Line((Plain(f"Why: {view.reason}"),)))
    blocks.append(Line((Plain(f"Progress: {view.done} of {view.total} items done"),)))
    blocks += [Line((Plain(text),)) for text in _complete_lines(view)]
    blocks += _unreadable_lines(scope)
    blocks.append(Line((Plain(_due_line(view)),)))
    blocks += [Line((Plain(text),)) for text in _forecast_lines(view)]
    if view.budget is not None:
        blocks.append(Line((Plain(_budget_line(view)),)))
    blocks.append(Line((Plain(_requirements_line(view)),)))
    if d.client:
        blocks.append(Line((Plain("Client: "), Text(d.client))))
    blocks += _full_list_line(scope)
    blocks += _parts_section(view)

    blocks.append(
        _section(
            "Open blockers",
            tuple(
                (*_item_ref(b.item.item), Plain(f" — {b.reason}, {_age(view.today, b.since)}"))
                for b in view.blockers
            ),
        )
    )
    blocks += _since_blocks(view)
    if view.burnup:
        blocks.append(
            Chart(
                "Burn-up: scope (upper line) and done (lower line), items",
                burnup_labels(tuple(day for day, _, _ in view.burnup)),
                tuple(done for _, done, _ in view.burnup),
                tuple(total for _, _, total in view.burnup),
            )
        )
    blocks.append(_footer(view.delivery_lead, Role.DELIVERY_LEAD, view.today, mention))
    return Document(tuple(blocks))


def project_manager_report(view: ProjectManagerView, mention: bool = True) -> Document:
    """What got done since the last report; each open task once, under its most urgent flag,
    with its other flags on its line; who is over the WIP limit; the workload."""
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
        _done_since_block(view),
        *(_task_section(SECTION_TITLES[flag], tasks) for flag, tasks in view.sections),
        _section("Over WIP limit", tuple(over_wip_line(w, view.wip_limit) for w in view.over_wip)),
        *_workload_blocks(view),
        _footer(view.project_manager, Role.PROJECT_MANAGER, view.today, mention),
    ]
    return Document(tuple(blocks))


SECTION_TITLES = {
    Flag.OVERDUE: "Overdue",
    Flag.BLOCKED: "Blocked",
    Flag.DUE_SOON: "Due soon",
    Flag.STALE: "Stale",
    Flag.CONFLICT: "Conflicts",
    Flag.UNASSIGNED: "Unassigned",
}


def over_wip_line(w: Workload, limit: int) -> Inlines:
    """One person over the WIP limit, with the number the limit is judged on."""
    return (
        Text(w.person),
        Plain(f" — WIP {w.wip_everywhere} (all sources; {w.in_progress} here), limit {limit}"),
    )


def _workload_blocks(view: ProjectManagerView) -> list[Block]:
    """One row per person with open tasks here. "WIP (all sources)" is the one number the WIP
    limit and "Over WIP limit" use; "In progress here" is this deliverable's share of it."""
    if not view.workload:
        return [Line((Strong("Workload:"), Plain(" nobody has open tasks here")))]
    header = ("Person", "Open", "Overdue", "Points open", "In progress here", "WIP (all sources)")
    rows = tuple(
        (
            (Text(w.person),),
            (Plain(str(w.open)),),
            (Plain(str(w.overdue)),),
            (Plain(_num(w.points_open)),),
            (Plain(str(w.in_progress)),),
            (Plain(str(w.wip_everywhere)),),
        )
        for w in view.workload
    )
    return [Line((Strong("Workload"),)), Table(header, rows)]


def _done_since_block(view: ProjectManagerView) -> Block:
    done = view.done_since
    if done is None:
        return Line(
            (Plain("Done since the last report: first report, nothing to compare with yet"),)
        )
    lines = tuple(
        (
            *_item_ref(i.item),
            Plain(" · "),
            *_assignees(i),
            Plain(f" · done {i.closed_on}" if i.closed_on else ""),
        )
        for i in done.items
    )
    return _section(f"Done since the last report ({done.since})", lines)


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


def task_line(task: Task) -> Inlines:
    """Key, title, assignee, due date (and where it comes from when it is not the task's own),
    sprint, what is wrong in this section, and "also:" the task's other flags."""
    item = task.item
    parts: list = [*_item_ref(item.item), Plain(" · "), *_assignees(item), Plain(_task_due(item))]
    if item.item.sprint:
        parts += [Plain(" · sprint "), Text(item.item.sprint)]
    if task.note:
        parts.append(Plain(f" · {task.note}"))
    if task.also:
        parts.append(Plain(f" · also: {'; '.join(task.also)}"))
    return tuple(parts)


def _assignees(item: ClassifiedItem) -> Inlines:
    if not item.assignee_names:
        return (Plain("unassigned"),)
    parts: list = []
    for n, name in enumerate(item.assignee_names):
        parts += [Plain(", ")] if n else []
        parts.append(Text(name))
    return tuple(parts)


def _task_due(item: ClassifiedItem) -> str:
    """A task's own due date, or its milestone's / fix version's, saying which. GitHub issues
    have no date of their own, and the deliverable's date is never shown as a task's."""
    if item.due is None:
        return " · no due date"
    if item.due_from is None:
        return f" · due {item.due}"
    what, name = item.due_from
    return f" · due {item.due} ({what} {name})"


def _section(title: str, items: tuple[Inlines, ...]) -> Section:
    """A list under its title and count; an empty one still shows, saying "none", so readers
    and scripts can tell "nothing" from "not reported"."""
    return Section(f"{title} ({len(items)})" if items else title, items, empty="none")


def _task_section(title: str, tasks: tuple[Task, ...]) -> Section:
    return _section(title, tuple(task_line(t) for t in tasks))


def _complete_lines(view: DeliveryLeadView) -> list[str]:
    """The share done, by items and by points, and the points with what they leave out: an
    item without an estimate adds nothing to either side, which the line says rather than
    letting the points look complete."""
    if not view.total:
        return []
    shares = [f"{percent(view.done / view.total)} of items"]
    if view.points_total:
        shares.append(f"{percent((view.points_done or 0) / view.points_total)} of points")
    lines = ["Complete: " + ", ".join(shares)]
    if view.points_total is not None:
        points = f"Points: {_num(view.points_done)} of {_num(view.points_total)} done"
        if view.unestimated:
            has, counts = ("has", "counts") if view.unestimated == 1 else ("have", "count")
            points += (
                f"; {view.unestimated} of {view.total} items {has} no estimate and {counts} as 0"
            )
        lines.append(points)
    return lines


def _full_list_line(scope: Scope) -> list[Block]:
    """Where to see every item in the trackers: one search per repository and Jira site."""
    if not scope.full_list:
        return []
    parts: list = [Plain("Full list: ")]
    for n, (label, url) in enumerate(scope.full_list):
        parts += [Plain(" · ")] if n else []
        parts.append(Link(label, url))
    return [Line(tuple(parts))]


def _parts_section(view: DeliveryLeadView) -> list[Block]:
    """Which part of the scope is behind: done of total per selector."""
    if not view.parts:
        return []
    lines = tuple(
        (
            Link(part.label, part.search) if part.search else Text(part.label),
            Plain(
                f": {part.done} of {part.total} done"
                + (f" ({percent(part.done / part.total)})" if part.total else "")
            ),
        )
        for part in view.parts
    )
    title = "Progress by part"
    if sum(part.total for part in view.parts) > view.total:
        title += " (an item in several parts counts in each)"
    return [Section(title, lines, limit=20)]


def burnup_labels(days: tuple[date, ...]) -> tuple[str, ...]:
    """The burn-up's x-axis: month and day ("11-25"), the year being the report's. Across New
    Year that is ambiguous, so the first day, the first day of each year and the last day carry
    the year ("2026-12-14", "12-21", "2027-01-04", "2027-01-11"): Jira's sparkline shows only the
    first and the last label, and both must say which year they are in."""
    if len({day.year for day in days}) < 2:
        return tuple(day.strftime("%m-%d") for day in days)
    return tuple(
        day.isoformat()
        if n in (0, len(days) - 1) or day.year != days[n - 1].year
        else day.strftime("%m-%d")
        for n, day in enumerate(days)
    )


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
        # Rounded down, so a 0.846 chance never reads "85 %" beside "At risk".
        lines.append(f"Chance of finishing by the due date: {percent(f.probability_by_due)}")
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


def _since_blocks(view: DeliveryLeadView) -> list[Block]:
    change = view.since_last_report
    dropped_total = len(view.scope.dropped)
    if change is None:
        lines: list[Block] = [
            Line((Plain("Since the last report: first report, nothing to compare with yet"),))
        ]
    else:
        title = f"Since the last report ({change.since})"
        said = _since_lines(change)
        lines = [Section(title, said, limit=12) if said else _nothing_since(title)]
    if dropped_total:
        lines.append(
            Line(
                (Plain(f"Dropped in total (closed as not planned, not counted): {dropped_total}"),)
            )
        )
    return lines


def _nothing_since(title: str) -> Line:
    return Line((Strong(f"{title}:"), Plain(" nothing changed")))


def _since_lines(change: SinceLastReport) -> tuple[Inlines, ...]:
    """A summary first (a long list is cut from the end), then the news a delivery lead acts
    on before the good news: due date, new blockers, scope, then what got done."""
    lines: list[Inlines] = []
    if not change.empty:
        lines.append((Plain(_since_summary(change)),))
    if (chance := _chance_move(change)) is not None:
        lines.append((Plain(chance),))
    if not lines:
        return ()
    if change.due_moved:
        old, new = change.due_moved
        lines.append((Plain(f"Due date moved: {old or 'none'} → {new or 'none'}"),))
    lines += [
        (Plain("Blocker opened: "), *_item_ref(b.item.item), Plain(f" — {b.reason}"))
        for b in change.blockers_opened
    ]
    lines += [(Plain("Added: "), *_item_ref(i.item)) for i in change.added]
    lines += [(Plain("Removed: "), *_ref_or_key(ref, item)) for ref, item in change.removed]
    lines += [(Plain("Dropped: "), *_item_ref(i.item)) for i in change.dropped]
    lines += [(Plain("Reopened: "), *_item_ref(i.item)) for i in change.reopened]
    lines += [
        (Plain("Blocker cleared: "), *_ref_or_key(ref, item))
        for ref, item in change.blockers_cleared
    ]
    lines += [(Plain("Done: "), *_item_ref(i.item)) for i in change.done]
    return tuple(lines)


def _since_summary(change: SinceLastReport) -> str:
    before, now = change.done_count
    if change.recorded:
        done = f"{len(change.done)} done"
    else:
        # A version from before snapshots kept the done items: the counts are all there is.
        done = f"items done {before} → {now} (which ones the last report did not record)"
    counts = [
        done,
        f"{len(change.reopened)} reopened" if change.reopened else "",
        f"{len(change.added)} added",
        f"{len(change.removed)} removed",
        f"{len(change.dropped)} dropped" if change.dropped else "",
        f"{len(change.blockers_opened)} blocker{'s' if len(change.blockers_opened) != 1 else ''}"
        f" opened, {len(change.blockers_cleared)} cleared",
    ]
    return " · ".join(c for c in counts if c)


def _chance_move(change: SinceLastReport) -> str | None:
    before, now = change.chance
    if not change.recorded:
        if now is None:
            return None
        unknown = "(the last report did not record it)"
        return f"Chance of finishing by the due date: {percent(now)} {unknown}"
    if before is None and now is None:
        return None
    shown = [percent(p) if p is not None else "none" for p in (before, now)]
    return f"Chance of finishing by the due date: {shown[0]} → {shown[1]}"


def _ref_or_key(ref: ItemRef, item: WorkItem | None) -> Inlines:
    return _item_ref(item) if item is not None else (Text(ref.key),)


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
        "reason": lead.reason,
        "done": lead.done,
        "total": lead.total,
        "points_done": lead.points_done,
        "points_total": lead.points_total,
        "unestimated": lead.unestimated,
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
        "since_last_report": _since_data(lead),
        "parts": [
            {"label": p.label, "done": p.done, "total": p.total, "search": p.search}
            for p in lead.parts
        ],
        "full_list": [{"label": label, "url": url} for label, url in scope.full_list],
    }


def _since_data(lead: DeliveryLeadView) -> dict | None:
    change = lead.since_last_report
    if change is None:
        return None
    return {
        "since": change.since.isoformat(),
        "recorded": change.recorded,
        "done": [str(i.ref) for i in change.done] if change.recorded else None,
        "reopened": [str(i.ref) for i in change.reopened] if change.recorded else None,
        "done_count": {"before": change.done_count[0], "now": change.done_count[1]},
        "added": [str(i.ref) for i in change.added],
        "removed": [str(ref) for ref, _ in change.removed],
        "dropped": [str(i.ref) for i in change.dropped],
        "due_moved": [_iso(d) for d in change.due_moved] if change.due_moved else None,
        "blockers_opened": [str(b.item.ref) for b in change.blockers_opened],
        "blockers_cleared": [str(ref) for ref, _ in change.blockers_cleared],
        "chance": {"before": change.chance[0], "now": change.chance[1]},
    }


def _pm_data(pm: ProjectManagerView) -> dict:
    """The PM view as data: each task once, in its section, with all of its flags."""
    done = pm.done_since
    return {
        "counts": {c.value: n for c, n in pm.counts.items()},
        "dropped": pm.dropped,
        **{SECTION_KEYS[flag]: _tasks_data(tasks) for flag, tasks in pm.sections},
        "over_wip": [w.person for w in pm.over_wip],
        "wip_limit": pm.wip_limit,
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
        "done_since": None
        if done is None
        else {
            "since": done.since.isoformat(),
            "items": [str(i.ref) for i in done.items],
        },
    }


SECTION_KEYS = {
    Flag.OVERDUE: "overdue",
    Flag.BLOCKED: "blocked",
    Flag.DUE_SOON: "due_soon",
    Flag.STALE: "stale",
    Flag.CONFLICT: "conflicts",
    Flag.UNASSIGNED: "unassigned",
}


def _tasks_data(tasks: tuple[Task, ...]) -> list[dict]:
    return [
        {
            "item": str(t.item.ref),
            "title": t.item.item.title,
            "url": t.item.item.url,
            "assignees": list(t.item.assignee_names),
            "due": _iso(t.item.due),
            "due_from": " ".join(t.item.due_from) if t.item.due_from else None,
            "sprint": t.item.item.sprint,
            "note": t.note,
            "flags": [f.value for f in t.flags],
            "also": list(t.also),
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
        Line((Plain(f"Why: {view.reason}"),)),
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
