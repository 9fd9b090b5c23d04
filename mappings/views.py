"""What each role needs to know about a deliverable on a given day, computed from its scope.

`delivery_status` answers the delivery lead (on time, budget, requirements, blockers, scope change);
`task_status` answers the project manager (who does what by when, and what needs action).
Both take the calendar date `today` in the mapping file's time zone; nothing here reads a clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo

from connectors.model import Milestone, WorkItem
from mappings.config import MappingFile, PersonEntry
from mappings.forecast import (
    Forecast,
    daily_throughput,
    forecast_completion,
    seed_for,
    status_word,
)
from mappings.scope import (
    Category,
    Scope,
    carried_label,
    category,
    is_blocked_by_marking,
    person_name,
    points,
    task_due,
)

SCOPE_CHANGE_DAYS = 7
BURNUP_POINTS = 8


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A deliverable as one report saw it. The state store keeps a new one whenever anything
    here changes, so the history is a list of versions, oldest first."""

    day: date
    keys: frozenset[str]  # "source:key" of counted items
    dropped: frozenset[str]
    done: int
    total: int
    due: date | None
    status: str | None = None
    blocked: Mapping[str, date] = field(default_factory=dict)  # "source:key" → blocked since
    points_done: float | None = None
    points_total: float | None = None

    def same_as(self, other: Snapshot) -> bool:
        """Equal in everything but the day: no new version needed."""
        mine = (self.keys, self.dropped, self.done, self.total, self.due, self.status)
        theirs = (other.keys, other.dropped, other.done, other.total, other.due, other.status)
        points = (self.points_done, self.points_total) == (other.points_done, other.points_total)
        return mine == theirs and points and dict(self.blocked) == dict(other.blocked)


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
    item: WorkItem
    reason: str  # "label blocked", "status Blocked", "blocked by PLAT-9"
    since: date


@dataclass(frozen=True, slots=True)
class ScopeChange:
    since: date
    added: tuple[WorkItem, ...]
    removed: tuple[tuple[str, WorkItem | None], ...]  # "source:key", and the item if still known
    dropped: tuple[WorkItem, ...]
    due_moved: tuple[date | None, date | None] | None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.dropped or self.due_moved)


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    scope: Scope
    today: date
    status: str  # On track | At risk | Off track | Done | No due date
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
    lead: PersonEntry | None

    @property
    def name(self) -> str:
        return self.scope.deliverable.name


@dataclass(frozen=True, slots=True)
class Task:
    """An open item as the PM sees it: who, by when, and what is wrong with it."""

    item: WorkItem
    category: Category
    assignees: tuple[str, ...]
    due: date | None
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
class TaskStatus:
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
    pm: PersonEntry | None
    wip_limit: int = field(default=3)

    @property
    def name(self) -> str:
        return self.scope.deliverable.name


@dataclass(frozen=True, slots=True)
class Nudge:
    """A task that needs action, with every reason and every deliverable it holds up."""

    item: WorkItem
    reasons: tuple[str, ...]  # "Overdue: 5 days overdue", "Blocked: label blocked", …
    deliverables: tuple[tuple[str, date | None], ...]  # (name, due)
    due: date | None
    pm: PersonEntry | None


def nudges(statuses: Iterable[TaskStatus]) -> dict[str, Nudge]:
    """Tasks that need action, by "source:key": overdue, blocked, stale, or unassigned while due
    soon or overdue. A task in several deliverables gets one nudge naming them all."""
    found: dict[str, Nudge] = {}
    for status in statuses:
        unassigned = {t.item.key for t in status.unassigned}
        late = [(t, f"Overdue: {t.note}") for t in status.overdue]
        late += [
            (t, "Unassigned")
            for t in (*status.overdue, *status.due_soon)
            if t.item.key in unassigned
        ]
        flagged = [
            *late,
            *((t, f"Blocked: {t.note}") for t in status.blocked),
            *((t, f"Stale: {t.note}") for t in status.stale),
        ]
        deliverable = (status.scope.deliverable.name, status.scope.due)
        for task, reason in flagged:
            key = f"{task.item.source}:{task.item.key}"
            known = found.get(key)
            reasons = known.reasons if known else ()
            holds = known.deliverables if known else ()
            found[key] = Nudge(
                item=task.item,
                reasons=(*reasons, reason) if reason not in reasons else reasons,
                deliverables=(*holds, deliverable) if deliverable not in holds else holds,
                due=task.due,
                pm=status.pm,
            )
    return found


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def delivery_status(
    scope: Scope,
    mapping: MappingFile,
    today: date,
    all_items: Mapping[str, Mapping[str, WorkItem]],
    history: tuple[Snapshot, ...] = (),
) -> DeliveryStatus:
    """The delivery lead's view. `history` holds the earlier versions, oldest first."""
    rules, tz = mapping.rules, mapping.tz
    items = scope.items
    done_items = [i for i in items if category(i, mapping.source(i.source)) is Category.DONE]
    done, total = len(done_items), len(items)
    remaining = total - done

    estimated = [(i, p) for i in items if (p := points(i, mapping.source(i.source))) is not None]
    points_total = sum(p for _, p in estimated) if estimated else None
    points_done = (
        sum(p for i, p in estimated if category(i, mapping.source(i.source)) is Category.DONE)
        if estimated
        else None
    )

    forecast = None
    if remaining and total:
        closed_on = [local_day(i.closed, tz) for i in done_items if i.closed is not None]
        throughput = daily_throughput(closed_on, today, rules.forecast_window_days)
        forecast = forecast_completion(
            remaining,
            throughput,
            today,
            scope.due,
            seed=seed_for(scope.deliverable.id, today, remaining, throughput),
        )
    word = status_word(remaining, total, scope.due, today, forecast, rules.on_track_probability)

    return DeliveryStatus(
        scope=scope,
        today=today,
        status=word,
        done=done,
        total=total,
        points_done=points_done,
        points_total=points_total,
        forecast=forecast,
        budget=_budget(scope, done, total, rules.budget_at_risk_ratio),
        requirements=_requirements(items, mapping),
        blockers=_blockers(
            scope, mapping, all_items, today, history[-1].blocked if history else {}
        ),
        scope_change=_scope_change(scope, history, today, all_items),
        burnup=_burnup(items, mapping, tz, today),
        lead=mapping.person(mapping.roles.delivery_lead),
    )


def task_status(
    scope: Scope,
    mapping: MappingFile,
    today: date,
    all_items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
    due_of_key: Mapping[str, date] | None = None,
) -> TaskStatus:
    """The PM's view. `due_of_key` maps "source:key" to the due date of the deliverable that
    holds the item, to spot dependencies on later deliverables."""
    rules, tz = mapping.rules, mapping.tz
    counts: Counter[Category] = Counter()
    tasks: list[Task] = []
    for item in scope.items:
        source = mapping.source(item.source)
        state = category(item, source)
        counts[state] += 1
        if state is Category.DONE:
            continue
        tasks.append(
            Task(
                item=item,
                category=state,
                assignees=tuple(person_name(p, mapping.people) for p in item.assignees),
                due=task_due(item, milestones.get(item.source, {})),
            )
        )

    def note(task: Task, text: str) -> Task:
        return replace(task, note=text)

    overdue = [
        note(t, _overdue_note(today - t.due)) for t in tasks if t.due is not None and t.due < today
    ]
    soon_end = today + timedelta(days=rules.due_soon_days)
    due_soon = [
        note(t, _due_in_note(t.due - today))
        for t in tasks
        if t.due is not None and today <= t.due <= soon_end
    ]
    blocked = [
        note(t, reason)
        for t in tasks
        if (reason := _blocked_reason(t.item, mapping, all_items)) is not None
    ]
    unassigned = [t for t in tasks if not t.assignees]
    stale = [
        note(t, f"in progress, no update for {age} days")
        for t in tasks
        if t.category is Category.IN_PROGRESS
        and (age := (today - local_day(t.item.updated, tz)).days) >= rules.stale_after_days
    ]
    workload = _workload(tasks, mapping, all_items, today)
    over_wip = [w for w in workload if w.wip_everywhere > rules.wip_limit]
    conflicts = _conflicts(tasks, scope, mapping, all_items, milestones, due_of_key or {})
    return TaskStatus(
        scope=scope,
        today=today,
        counts={c: counts.get(c, 0) for c in Category},
        dropped=len(scope.dropped),
        overdue=tuple(sorted(overdue, key=lambda t: (t.due, t.item.key))),
        due_soon=tuple(sorted(due_soon, key=lambda t: (t.due, t.item.key))),
        blocked=tuple(blocked),
        unassigned=tuple(unassigned),
        stale=tuple(sorted(stale, key=lambda t: t.item.updated)),
        over_wip=tuple(over_wip),
        workload=tuple(workload),
        conflicts=tuple(conflicts),
        pm=mapping.person(mapping.roles.project_manager),
        wip_limit=rules.wip_limit,
    )


def snapshot_of(status: DeliveryStatus) -> Snapshot:
    """What to remember of this report: scope, status and blockers."""
    scope = status.scope
    return Snapshot(
        day=status.today,
        keys=frozenset(f"{i.source}:{i.key}" for i in scope.items),
        dropped=frozenset(f"{i.source}:{i.key}" for i in scope.dropped),
        done=status.done,
        total=status.total,
        due=scope.due,
        status=status.status,
        blocked={f"{b.item.source}:{b.item.key}": b.since for b in status.blockers},
        points_done=status.points_done,
        points_total=status.points_total,
    )


# ---- delivery lead ------------------------------------------------------------------------


def _budget(scope: Scope, done: int, total: int, at_risk_ratio: float) -> Budget | None:
    budget = scope.deliverable.budget_hours
    if budget is None:
        return None
    spent = sum(i.spent_seconds or 0 for i in scope.items) / 3600
    earned = budget * (done / total) if total else 0.0
    cpi = earned / spent if spent > 0 and earned > 0 else None
    projected = budget / cpi if cpi else None
    if projected is not None:
        at_risk = projected > budget * at_risk_ratio
    else:
        # Hours spent with nothing done yet: at risk once the spend alone passes the threshold.
        at_risk = spent > budget * at_risk_ratio
    return Budget(budget, spent, earned, cpi, projected, at_risk)


def _requirements(items: tuple[WorkItem, ...], mapping: MappingFile) -> tuple[int, int]:
    wanted = mapping.rules.requirement_labels
    done = total = 0
    for item in items:
        source = mapping.source(item.source)
        if carried_label(item, wanted, source):
            total += 1
            done += category(item, source) is Category.DONE
    return done, total


def _blocked_reason(
    item: WorkItem, mapping: MappingFile, all_items: Mapping[str, Mapping[str, WorkItem]]
) -> str | None:
    source = mapping.source(item.source)
    reasons = []
    if marked := is_blocked_by_marking(item, source):
        reasons.append(marked)
    open_blockers = [
        key
        for key in item.blocked_by
        if (blocker := all_items.get(item.source, {}).get(key)) is None
        or category(blocker, mapping.source(blocker.source)) is not Category.DONE
    ]
    if open_blockers:
        reasons.append("blocked by " + ", ".join(open_blockers))
    return "; ".join(reasons) if reasons else None


def _blockers(
    scope: Scope,
    mapping: MappingFile,
    all_items: Mapping[str, Mapping[str, WorkItem]],
    today: date,
    blocked_since: Mapping[str, date],
) -> tuple[Blocker, ...]:
    found = []
    for item in scope.items:
        if category(item, mapping.source(item.source)) is Category.DONE:
            continue
        reason = _blocked_reason(item, mapping, all_items)
        if reason is None:
            continue
        # Trackers do not say when an item became blocked: the last update is the first guess,
        # and yesterday's answer (from the state store) keeps the age from resetting later.
        since = local_day(item.updated, mapping.tz)
        if (seen := blocked_since.get(f"{item.source}:{item.key}")) is not None:
            since = min(since, seen)
        found.append(Blocker(item, reason, min(since, today)))
    return tuple(sorted(found, key=lambda b: (b.since, b.item.key)))


def _scope_change(
    scope: Scope,
    history: tuple[Snapshot, ...],
    today: date,
    all_items: Mapping[str, Mapping[str, WorkItem]],
) -> ScopeChange | None:
    """Compare with the deliverable as it stood a week ago (or when first reported, if later),
    so a change stays visible for a week and repeated runs on one day say the same."""
    if not history:
        return None
    window_start = today - timedelta(days=SCOPE_CHANGE_DAYS)
    older = [s for s in history if s.day <= window_start]
    base = older[-1] if older else history[0]
    now = {f"{i.source}:{i.key}": i for i in scope.items}
    dropped_now = {f"{i.source}:{i.key}": i for i in scope.dropped}
    added = tuple(i for k, i in now.items() if k not in base.keys and k not in base.dropped)
    newly_dropped = tuple(i for k, i in dropped_now.items() if k not in base.dropped)
    removed = tuple(
        (k, all_items.get(k.split(":", 1)[0], {}).get(k.split(":", 1)[1]))
        for k in sorted(base.keys)
        if k not in now and k not in dropped_now
    )
    due_moved = (base.due, scope.due) if base.due != scope.due else None
    change = ScopeChange(max(base.day, window_start), added, removed, newly_dropped, due_moved)
    if change.empty and base.day >= today:
        return None  # reported first today and unchanged: nothing to compare with yet
    return change


def _burnup(
    items: tuple[WorkItem, ...], mapping: MappingFile, tz: tzinfo, today: date
) -> tuple[tuple[date, int, int], ...]:
    """Cumulative done and scope at evenly spaced days from the first item's creation to today."""
    if not items:
        return ()
    created = sorted(local_day(i.created, tz) for i in items)
    closed = sorted(
        local_day(i.closed, tz)
        for i in items
        if i.closed is not None and category(i, mapping.source(i.source)) is Category.DONE
    )
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


def _overdue_note(late: timedelta) -> str:
    return f"{late.days} day{'s' if late.days != 1 else ''} overdue"


def _due_in_note(left: timedelta) -> str:
    if left.days == 0:
        return "due today"
    return f"due in {left.days} day{'s' if left.days != 1 else ''}"


def _workload(
    tasks: list[Task],
    mapping: MappingFile,
    all_items: Mapping[str, Mapping[str, WorkItem]],
    today: date,
) -> list[Workload]:
    wip_everywhere: Counter[str] = Counter()
    for by_key in all_items.values():
        for item in by_key.values():
            if category(item, mapping.source(item.source)) is Category.IN_PROGRESS:
                for person in item.assignees:
                    wip_everywhere[person_name(person, mapping.people)] += 1
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for task in tasks:
        for name in task.assignees:
            row = rows[name]
            row[0] += 1
            row[1] += task.category is Category.IN_PROGRESS
            row[2] += task.due is not None and task.due < today
            row[3] += points(task.item, mapping.source(task.item.source)) or 0.0
    return sorted(
        (
            Workload(name, int(r[0]), int(r[1]), int(r[2]), r[3], wip_everywhere.get(name, 0))
            for name, r in rows.items()
        ),
        key=lambda w: (-w.open, w.person),
    )


def _conflicts(
    tasks: list[Task],
    scope: Scope,
    mapping: MappingFile,
    all_items: Mapping[str, Mapping[str, WorkItem]],
    milestones: Mapping[str, Mapping[str, Milestone]],
    due_of_key: Mapping[str, date],
) -> list[Task]:
    found = []
    for task in tasks:
        if scope.due is not None and task.due is not None and task.due > scope.due:
            found.append(
                replace(task, note=f"due {task.due}, after the deliverable's due date {scope.due}")
            )
        for key in task.item.blocked_by:
            blocker = all_items.get(task.item.source, {}).get(key)
            if (
                blocker is None
                or category(blocker, mapping.source(blocker.source)) is Category.DONE
            ):
                continue
            blocker_due = task_due(blocker, milestones.get(blocker.source, {}))
            if task.due is not None and blocker_due is not None and blocker_due > task.due:
                note = f"blocked by {key}, which is due later ({blocker_due})"
            elif (
                scope.due is not None
                and (later := due_of_key.get(f"{blocker.source}:{key}")) is not None
                and later > scope.due
            ):
                note = f"blocked by {key}, planned in a later deliverable (due {later})"
            else:
                continue
            found.append(replace(task, note=note))
    return found
