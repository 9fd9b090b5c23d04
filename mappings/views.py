"""What each role needs to know about a deliverable on a given day, read from its classified scope.

`delivery_lead_view` answers the delivery lead (on time, budget, requirements, blockers, scope
change); `project_manager_view` answers the project manager (who does what by when, and what needs
action). Both take the `Rules` they apply and the calendar date `today` in the mapping file's time
zone; nothing here reads a clock, and nothing asks a source's settings again (`mappings.classify`
did, once).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from connectors.model import ItemRef, WorkItem
from mappings.classify import Category, ClassifiedItem
from mappings.config import PersonEntry, Rules
from mappings.forecast import (
    Forecast,
    Health,
    Window,
    daily_arrivals,
    daily_throughput,
    forecast_completion,
    health,
    plan_day,
    seed_for,
)
from mappings.scope import Scope

SCOPE_CHANGE_DAYS = 7
BURNUP_POINTS = 8

MirroredItems = Mapping[str, Mapping[str, WorkItem]]  # items by source id and key


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A deliverable as one report saw it. The state store keeps a new one whenever anything
    here changes, so the history is a list of versions, oldest first. Items are named in their
    stored form, `str(ItemRef)`: "web:acme/web#12"."""

    day: date
    keys: frozenset[str]  # counted items
    dropped: frozenset[str]
    done: int
    total: int
    due: date | None
    status: str | None = None  # the health word of that report
    blocked: Mapping[str, date] = field(default_factory=dict)  # item → blocked since
    points_done: float | None = None
    points_total: float | None = None
    # Which counted items were done, and the chance of finishing by the due date: what the next
    # day's "Since the last report" compares with. None in versions stored before they were kept.
    done_keys: frozenset[str] | None = None
    chance: float | None = None

    def same_as(self, other: Snapshot) -> bool:
        """Equal in everything but the day: no new version needed."""
        mine = (self.keys, self.dropped, self.done, self.total, self.due, self.status)
        theirs = (other.keys, other.dropped, other.done, other.total, other.due, other.status)
        points = (self.points_done, self.points_total) == (other.points_done, other.points_total)
        since = (self.done_keys, self.chance) == (other.done_keys, other.chance)
        return mine == theirs and points and since and dict(self.blocked) == dict(other.blocked)


def previous_report(history: Sequence[Snapshot], today: date) -> Snapshot | None:
    """The deliverable as the last report before today saw it: what "since the last report"
    compares with in both roles' comments. Versions from today are skipped, so every run on one
    day compares with the same report and says the same."""
    earlier = [s for s in history if s.day < today]
    return earlier[-1] if earlier else None


@dataclass(frozen=True, slots=True)
class Budget:
    budget_hours: float
    spent_hours: float
    earned_hours: float  # budget × share done
    cpi: float | None  # earned / spent
    projected_hours: float | None  # budget / CPI
    at_risk: bool


@dataclass(frozen=True, slots=True)
class Blocker:
    item: ClassifiedItem
    reason: str  # "label blocked", "status Blocked", "blocked by PLAT-9"
    since: date


@dataclass(frozen=True, slots=True)
class ScopeChange:
    since: date
    added: tuple[ClassifiedItem, ...]
    removed: tuple[tuple[ItemRef, WorkItem | None], ...]  # and the item, if still mirrored
    dropped: tuple[ClassifiedItem, ...]
    due_moved: tuple[date | None, date | None] | None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.dropped or self.due_moved)


@dataclass(frozen=True, slots=True)
class DeliveryLeadView:
    """On time, within budget, meeting the requirements, what blocks it, how its scope moved."""

    scope: Scope
    today: date
    health: Health
    done: int
    total: int
    points_done: float | None
    points_total: float | None
    forecast: Forecast | None
    budget: Budget | None
    requirements: tuple[int, int]  # done / total items carrying a requirement label
    blockers: tuple[Blocker, ...]
    scope_change: ScopeChange | None  # None: no earlier snapshot to compare with
    burnup: tuple[tuple[date, int, int], ...]  # (day, done, scope)
    delivery_lead: PersonEntry | None

    @property
    def name(self) -> str:
        return self.scope.deliverable.name


@dataclass(frozen=True, slots=True)
class Task:
    """An open item as the PM sees it, with what is wrong with it in this section."""

    item: ClassifiedItem
    note: str = ""


@dataclass(frozen=True, slots=True)
class Workload:
    person: str
    open: int
    in_progress: int
    overdue: int
    points_open: float
    wip_everywhere: int  # in progress across every mirrored source


@dataclass(frozen=True, slots=True)
class ProjectManagerView:
    """The deliverable's board: counts by category and the tasks that need action."""

    scope: Scope
    today: date
    counts: Mapping[Category, int]
    dropped: int
    overdue: tuple[Task, ...]
    due_soon: tuple[Task, ...]
    blocked: tuple[Task, ...]
    unassigned: tuple[Task, ...]
    stale: tuple[Task, ...]
    over_wip: tuple[Workload, ...]
    workload: tuple[Workload, ...]
    conflicts: tuple[Task, ...]
    project_manager: PersonEntry | None
    wip_limit: int = 3

    @property
    def name(self) -> str:
        return self.scope.deliverable.name


@dataclass(frozen=True, slots=True)
class Nudge:
    """A task that needs action, with every reason and every deliverable it holds up."""

    item: ClassifiedItem
    reasons: tuple[str, ...]  # "Overdue: 5 days overdue", "Blocked: label blocked", …
    deliverables: tuple[tuple[str, date | None], ...]  # (name, due)
    project_manager: PersonEntry | None


def delivery_lead_view(
    scope: Scope,
    rules: Rules,
    today: date,
    *,
    history: Sequence[Snapshot] = (),
    delivery_lead: PersonEntry | None = None,
    mirror: MirroredItems | None = None,
) -> DeliveryLeadView:
    """The delivery lead's view. `history` holds the earlier versions, oldest first; `mirror`
    names the items that left the scope since."""
    items = scope.items
    done_items = [i for i in items if i.done]
    done, total = len(done_items), len(items)
    remaining = total - done
    forecast = None
    if remaining and total:
        closed_on = [i.closed_on for i in done_items if i.closed_on is not None]
        throughput = daily_throughput(closed_on, today, rules.forecast_window_days)
        created_on = [i.created_on for i in items]
        planned_on = plan_day(scope.deliverable.start, created_on, closed_on)
        arrivals = daily_arrivals(created_on, today, rules.forecast_window_days, planned_on)
        seed = seed_for(scope.deliverable.id, today, remaining, throughput)
        evidence = Window(throughput, arrivals, scope=total)
        forecast = forecast_completion(remaining, evidence, today, scope.due, seed=seed)
    points_done, points_total = _points(items)
    return DeliveryLeadView(
        scope=scope,
        today=today,
        health=health(remaining, total, scope.due, today, forecast, rules.on_track_probability),
        done=done,
        total=total,
        points_done=points_done,
        points_total=points_total,
        forecast=forecast,
        budget=_budget(scope, done, total, rules.budget_at_risk_ratio),
        requirements=(
            sum(i.requirement and i.done for i in items),
            sum(i.requirement for i in items),
        ),
        blockers=_blockers(items, today, history[-1].blocked if history else {}),
        scope_change=_scope_change(scope, tuple(history), today, mirror or {}),
        burnup=_burnup(items, today),
        delivery_lead=delivery_lead,
    )


def project_manager_view(
    scope: Scope,
    rules: Rules,
    today: date,
    *,
    project_manager: PersonEntry | None = None,
    wip_everywhere: Mapping[str, int] | None = None,
    due_by_item: Mapping[ItemRef, date] | None = None,
) -> ProjectManagerView:
    """The PM's view. `wip_everywhere` counts each person's items in progress in every source;
    `due_by_item` holds the due date of the deliverable that counts an item, to spot a
    dependency on a later deliverable."""
    tasks = [Task(i) for i in scope.items if not i.done]
    counts = Counter(i.category for i in scope.items)
    soon_end = today + timedelta(days=rules.due_soon_days)
    overdue = [_note(t, _overdue_note(today - d)) for t in tasks if (d := t.item.due) and d < today]
    due_soon = [
        _note(t, _due_in_note(d - today))
        for t in tasks
        if (d := t.item.due) and today <= d <= soon_end
    ]
    stale = [
        _note(t, f"in progress, no update for {age} days")
        for t in tasks
        if t.item.category is Category.IN_PROGRESS
        and (age := (today - t.item.updated_on).days) >= rules.stale_after_days
    ]
    workload = _workload(tasks, wip_everywhere or {}, today)
    return ProjectManagerView(
        scope=scope,
        today=today,
        counts={c: counts.get(c, 0) for c in Category},
        dropped=len(scope.dropped),
        overdue=tuple(sorted(overdue, key=lambda t: (t.item.due, t.item.key))),
        due_soon=tuple(sorted(due_soon, key=lambda t: (t.item.due, t.item.key))),
        blocked=tuple(_note(t, t.item.blocked) for t in tasks if t.item.blocked is not None),
        unassigned=tuple(t for t in tasks if not t.item.assignee_names),
        stale=tuple(sorted(stale, key=lambda t: t.item.item.updated)),
        over_wip=tuple(w for w in workload if w.wip_everywhere > rules.wip_limit),
        workload=tuple(workload),
        conflicts=tuple(_conflicts(tasks, scope.due, due_by_item or {})),
        project_manager=project_manager,
        wip_limit=rules.wip_limit,
    )


def nudges(views: Iterable[ProjectManagerView]) -> dict[ItemRef, Nudge]:
    """Tasks that need action: overdue, blocked, stale, or unassigned while due soon or
    overdue. A task in several deliverables gets one nudge naming them all."""
    found: dict[ItemRef, Nudge] = {}
    for view in views:
        unassigned = {t.item.ref for t in view.unassigned}
        flagged = [
            *((t, f"Overdue: {t.note}") for t in view.overdue),
            *(
                (t, "Unassigned")
                for t in (*view.overdue, *view.due_soon)
                if t.item.ref in unassigned
            ),
            *((t, f"Blocked: {t.note}") for t in view.blocked),
            *((t, f"Stale: {t.note}") for t in view.stale),
        ]
        deliverable = (view.scope.deliverable.name, view.scope.due)
        for task, reason in flagged:
            known = found.get(task.item.ref)
            reasons = known.reasons if known else ()
            holds = known.deliverables if known else ()
            found[task.item.ref] = Nudge(
                item=task.item,
                reasons=(*reasons, reason) if reason not in reasons else reasons,
                deliverables=(*holds, deliverable) if deliverable not in holds else holds,
                project_manager=view.project_manager,
            )
    return found


def snapshot_of(view: DeliveryLeadView) -> Snapshot:
    """What to remember of this report: scope, health and blockers."""
    scope = view.scope
    return Snapshot(
        day=view.today,
        keys=frozenset(str(i.ref) for i in scope.items),
        dropped=frozenset(str(i.ref) for i in scope.dropped),
        done=view.done,
        total=view.total,
        due=scope.due,
        status=view.health,
        blocked={str(b.item.ref): b.since for b in view.blockers},
        points_done=view.points_done,
        points_total=view.points_total,
        done_keys=frozenset(str(i.ref) for i in scope.items if i.done),
        chance=view.forecast.probability_by_due if view.forecast else None,
    )


# ---- delivery lead ------------------------------------------------------------------------


def _points(items: Sequence[ClassifiedItem]) -> tuple[float | None, float | None]:
    """Points done and in total, over the estimated items only; None when none is."""
    estimated = [i for i in items if i.points is not None]
    if not estimated:
        return None, None
    return sum(i.points for i in estimated if i.done), sum(i.points for i in estimated)


def _budget(scope: Scope, done: int, total: int, at_risk_ratio: float) -> Budget | None:
    budget = scope.deliverable.budget_hours
    if budget is None:
        return None
    spent = sum(i.item.spent_seconds or 0 for i in scope.items) / 3600
    earned = budget * (done / total) if total else 0.0
    cpi = earned / spent if spent > 0 and earned > 0 else None
    projected = budget / cpi if cpi else None
    if projected is not None:
        at_risk = projected > budget * at_risk_ratio
    else:
        # Hours spent with nothing done yet: at risk once the spend alone passes the threshold.
        at_risk = spent > budget * at_risk_ratio
    return Budget(budget, spent, earned, cpi, projected, at_risk)


def _blockers(
    items: Sequence[ClassifiedItem], today: date, blocked_since: Mapping[str, date]
) -> tuple[Blocker, ...]:
    found = []
    for item in items:
        if item.done or item.blocked is None:
            continue
        # Trackers do not say when an item became blocked: the last update is the first guess,
        # and yesterday's answer (from the state store) keeps the age from resetting later.
        since = item.updated_on
        if (seen := blocked_since.get(str(item.ref))) is not None:
            since = min(since, seen)
        found.append(Blocker(item, item.blocked, min(since, today)))
    return tuple(sorted(found, key=lambda b: (b.since, b.item.key)))


def _scope_change(
    scope: Scope, history: tuple[Snapshot, ...], today: date, mirror: MirroredItems
) -> ScopeChange | None:
    """Compare with the deliverable as it stood a week ago (or when first reported, if later),
    so a change stays visible for a week and repeated runs on one day say the same."""
    if not history:
        return None
    window_start = today - timedelta(days=SCOPE_CHANGE_DAYS)
    older = [s for s in history if s.day <= window_start]
    base = older[-1] if older else history[0]
    now = {str(i.ref): i for i in scope.items}
    dropped_now = {str(i.ref): i for i in scope.dropped}
    added = tuple(i for k, i in now.items() if k not in base.keys and k not in base.dropped)
    newly_dropped = tuple(i for k, i in dropped_now.items() if k not in base.dropped)
    removed = tuple(
        (ref, mirror.get(ref.source, {}).get(ref.key))
        for ref in map(ItemRef.parse, sorted(base.keys))
        if str(ref) not in now and str(ref) not in dropped_now
    )
    due_moved = (base.due, scope.due) if base.due != scope.due else None
    change = ScopeChange(max(base.day, window_start), added, removed, newly_dropped, due_moved)
    if change.empty and base.day >= today:
        return None  # reported first today and unchanged: nothing to compare with yet
    return change


def _burnup(items: Sequence[ClassifiedItem], today: date) -> tuple[tuple[date, int, int], ...]:
    """Cumulative done and scope at evenly spaced days from the first item's creation to today."""
    if not items:
        return ()
    created = sorted(i.created_on for i in items)
    closed = sorted(i.closed_on for i in items if i.closed_on is not None and i.done)
    start = min(created[0], today)
    span = max((today - start).days, 1)
    step = max(span / (BURNUP_POINTS - 1), 1)
    days = sorted({start + timedelta(days=round(n * step)) for n in range(BURNUP_POINTS)} | {today})
    days = [d for d in days if d <= today]
    return tuple(
        (day, sum(1 for c in closed if c <= day), sum(1 for c in created if c <= day))
        for day in days
    )


# ---- project manager ----------------------------------------------------------------------


def _note(task: Task, text: str) -> Task:
    return replace(task, note=text)


def _overdue_note(late: timedelta) -> str:
    return f"{late.days} day{'s' if late.days != 1 else ''} overdue"


def _due_in_note(left: timedelta) -> str:
    if left.days == 0:
        return "due today"
    return f"due in {left.days} day{'s' if left.days != 1 else ''}"


def _workload(tasks: list[Task], wip_everywhere: Mapping[str, int], today: date) -> list[Workload]:
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for task in tasks:
        item = task.item
        for name in item.assignee_names:
            row = rows[name]
            row[0] += 1
            row[1] += item.category is Category.IN_PROGRESS
            row[2] += item.due is not None and item.due < today
            row[3] += item.points or 0.0
    return sorted(
        (
            Workload(name, int(r[0]), int(r[1]), int(r[2]), r[3], wip_everywhere.get(name, 0))
            for name, r in rows.items()
        ),
        key=lambda w: (-w.open, w.person),
    )


def _conflicts(
    tasks: list[Task], deliverable_due: date | None, due_by_item: Mapping[ItemRef, date]
) -> list[Task]:
    """A task due after its deliverable; a task waiting for an item due later than it, or
    planned in a deliverable due later than this one."""
    found = []
    for task in tasks:
        due = task.item.due
        if deliverable_due is not None and due is not None and due > deliverable_due:
            found.append(
                _note(task, f"due {due}, after the deliverable's due date {deliverable_due}")
            )
        for blocker in task.item.open_blockers:
            if not blocker.known:
                continue
            key = blocker.ref.key
            if due is not None and blocker.due is not None and blocker.due > due:
                note = f"blocked by {key}, which is due later ({blocker.due})"
            elif (
                deliverable_due is not None
                and (later := due_by_item.get(blocker.ref)) is not None
                and later > deliverable_due
            ):
                note = f"blocked by {key}, planned in a later deliverable (due {later})"
            else:
                continue
            found.append(_note(task, note))
    return found
