"""What each role needs to know about a deliverable on a given day, read from its classified scope.

`delivery_lead_view` answers the delivery lead (on time, budget, requirements, blockers, what
changed since the last report); `project_manager_view` answers the project manager (who does what
by when, and what needs action). Both take the `Rules` they apply and the calendar date `today` in
the mapping file's time zone; nothing here reads a clock, and nothing asks a source's settings
again (`mappings.classify` did, once).

The delivery lead's status word is `mappings.forecast.health` (time: the chance of finishing by
the due date against `rules.on_track_probability`), with one rule added here: a budget at risk
(projected cost above budget × `rules.budget_at_risk_ratio`) lowers `On track` to `At risk`. A
delivery lead answers for time and budget, so "On track" beside a budget at risk would be a
contradiction; but a budget never makes a deliverable `Off track` (the projection rests on the
share of items done, too rough to call a delivery failed) and never touches `Done` or `No due
date`. `DeliveryLeadView.reason` says in one line what decided the word. When time alone makes it
`At risk` and the budget is at risk as well, the reason names both: either would have decided it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from connectors.model import ItemRef, WorkItem
from mappings.classify import Category, ClassifiedItem
from mappings.config import PersonEntry, Rules
from mappings.forecast import (
    Forecast,
    Health,
    Simulation,
    Window,
    daily_arrivals,
    daily_throughput,
    forecast_completion,
    health,
    plan_day,
    seed_for,
)
from mappings.scope import Scope
from mappings.searches import part_label

BURNUP_POINTS = 8
HORIZON = Simulation().horizon_days  # the forecast's: a run not done by then never finishes

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
class SinceLastReport:
    """What changed since the last report before today (`previous_report`): the items done,
    added, removed and dropped, the due date, the blockers and the chance of finishing."""

    since: date  # the day the last report's figures were first seen
    # False when the last report is a version stored before snapshots kept which items were
    # done and the chance: then `done` and `reopened` are empty and `chance[0]` is unknown.
    recorded: bool
    done: tuple[ClassifiedItem, ...]
    reopened: tuple[ClassifiedItem, ...]  # done at the last report, open now
    done_count: tuple[int, int]  # items done then and now
    added: tuple[ClassifiedItem, ...]
    removed: tuple[tuple[ItemRef, WorkItem | None], ...]  # and the item, if still mirrored
    dropped: tuple[ClassifiedItem, ...]
    due_moved: tuple[date | None, date | None] | None
    blockers_opened: tuple[Blocker, ...]
    blockers_cleared: tuple[tuple[ItemRef, WorkItem | None], ...]  # and the item, if known
    chance: tuple[float | None, float | None]  # before and now; None: none (or not recorded)

    @property
    def empty(self) -> bool:
        """Nothing listed changed (the chance aside)."""
        return not (
            self.done
            or self.reopened
            or self.done_count[0] != self.done_count[1]
            or self.added
            or self.removed
            or self.dropped
            or self.due_moved
            or self.blockers_opened
            or self.blockers_cleared
        )


@dataclass(frozen=True, slots=True)
class PartProgress:
    """One selector's share of the deliverable: its counted items, done and in total."""

    label: str  # "web milestone v2.0"
    done: int
    total: int
    search: str | None  # the tracker search that lists its items, when one fits


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
    since_last_report: SinceLastReport | None  # None: the first report, nothing to compare with
    burnup: tuple[tuple[date, int, int], ...]  # (day, done, scope)
    delivery_lead: PersonEntry | None
    reason: str = ""  # what decided `health`, in one line (see the module docstring)
    unestimated: int = 0  # counted items without points, when some have points
    parts: tuple[PartProgress, ...] = ()  # per selector, when the deliverable has several

    @property
    def name(self) -> str:
        return self.scope.deliverable.name


class Flag(StrEnum):
    """What can be wrong with an open task, in the order of the PM comment's sections: most
    urgent first. A task is listed once, under its first flag, with the others on its line.
    Overdue comes first (a promise already broken), then blocked (it cannot move without
    someone outside it acting, which is the PM's job), due soon (about to break), stale (in
    progress yet untouched), conflicts (a plan that cannot hold) and unassigned (nobody owns
    it; an unassigned task that is late or due soon is already listed above)."""

    OVERDUE = "overdue"
    BLOCKED = "blocked"
    DUE_SOON = "due soon"
    STALE = "stale"
    CONFLICT = "conflict"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class Finding:
    """One flag on a task: as its own section says it (`note`), as another section's line says
    it after "also:" (`short`), and how urgent it is within its section (smaller first)."""

    flag: Flag
    note: str  # "4 days overdue", "label blocked, blocked 7 days", "" for unassigned
    short: str  # "4 days overdue", "blocked (label blocked)", "" when the line says it already
    urgency: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Task:
    """An open item as the PM sees it, with every flag that applies, its section's first."""

    item: ClassifiedItem
    findings: tuple[Finding, ...] = ()

    @property
    def flags(self) -> tuple[Flag, ...]:
        return tuple(f.flag for f in self.findings)

    @property
    def note(self) -> str:
        """What is wrong with it in the section it is listed in."""
        return self.findings[0].note if self.findings else ""

    @property
    def also(self) -> tuple[str, ...]:
        """Its other flags, said on the same line instead of listing it again elsewhere."""
        return tuple(f.short for f in self.findings[1:] if f.short)


@dataclass(frozen=True, slots=True)
class Workload:
    person: str
    open: int
    in_progress: int  # in progress in this deliverable
    overdue: int
    points_open: float
    # In progress in every mirrored source: the number the WIP limit is about, since a person
    # is overloaded by all of their work, not by one deliverable's share of it.
    wip_everywhere: int


@dataclass(frozen=True, slots=True)
class DoneSince:
    """The items completed since the last report, and that report's day."""

    since: date
    items: tuple[ClassifiedItem, ...]


@dataclass(frozen=True, slots=True)
class AcrossDeliverables:
    """What a PM view needs from beyond its own deliverable, computed once per cycle."""

    # Items in progress per person in every mirrored source.
    wip_everywhere: Mapping[str, int] = field(default_factory=dict)
    # The due date of the deliverable that counts an item, to spot a dependency on a later one.
    due_by_item: Mapping[ItemRef, date] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectManagerView:
    """The deliverable's board: counts by category and the tasks that need action, each task
    in one section only (its most urgent flag's, see `Flag`), most urgent first."""

    scope: Scope
    today: date
    counts: Mapping[Category, int]
    dropped: int
    overdue: tuple[Task, ...]
    blocked: tuple[Task, ...]
    due_soon: tuple[Task, ...]
    stale: tuple[Task, ...]
    conflicts: tuple[Task, ...]
    unassigned: tuple[Task, ...]
    over_wip: tuple[Workload, ...]  # people with work in progress here, worst first
    workload: tuple[Workload, ...]
    done_since: DoneSince | None  # None: no earlier report to compare with
    project_manager: PersonEntry | None
    wip_limit: int = 3

    @property
    def name(self) -> str:
        return self.scope.deliverable.name

    @property
    def sections(self) -> tuple[tuple[Flag, tuple[Task, ...]], ...]:
        """The task sections in the comment's order."""
        return (
            (Flag.OVERDUE, self.overdue),
            (Flag.BLOCKED, self.blocked),
            (Flag.DUE_SOON, self.due_soon),
            (Flag.STALE, self.stale),
            (Flag.CONFLICT, self.conflicts),
            (Flag.UNASSIGNED, self.unassigned),
        )


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
    budget = _budget(scope, done, total, rules.budget_at_risk_ratio)
    word, reason = _status(scope, rules, today, (remaining, total), forecast, budget)
    blockers = _blockers(items, today, history[-1].blocked if history else {})
    return DeliveryLeadView(
        scope=scope,
        today=today,
        health=word,
        done=done,
        total=total,
        points_done=points_done,
        points_total=points_total,
        forecast=forecast,
        budget=budget,
        requirements=(
            sum(i.requirement and i.done for i in items),
            sum(i.requirement for i in items),
        ),
        blockers=blockers,
        since_last_report=_since_last_report(
            scope, previous_report(history, today), blockers, forecast, mirror or {}
        ),
        burnup=_burnup(items, today),
        delivery_lead=delivery_lead,
        reason=reason,
        unestimated=sum(i.points is None for i in items) if points_total is not None else 0,
        parts=_parts(scope),
    )


def project_manager_view(
    scope: Scope,
    rules: Rules,
    today: date,
    *,
    history: Sequence[Snapshot] = (),
    project_manager: PersonEntry | None = None,
    across: AcrossDeliverables | None = None,
) -> ProjectManagerView:
    """The PM's view. `history` holds the earlier versions, oldest first (blocked since, done
    since the last report); `across` what the other deliverables and sources say."""
    across = across or AcrossDeliverables()
    counts = Counter(i.category for i in scope.items)
    since = history[-1].blocked if history else {}
    blocked_since = {str(b.item.ref): b.since for b in _blockers(scope.items, today, since)}
    board = _Board(today, rules, scope.due, blocked_since, across.due_by_item)
    tasks = [board.task(i) for i in scope.items if not i.done]
    sections: dict[Flag, list[Task]] = {flag: [] for flag in Flag}
    for task in tasks:
        if task.findings:
            sections[task.findings[0].flag].append(task)
    ordered = {
        flag: tuple(sorted(found, key=lambda t: (t.findings[0].urgency, t.item.ref.order)))
        for flag, found in sections.items()
    }
    workload = _workload(tasks, across.wip_everywhere, today)
    return ProjectManagerView(
        scope=scope,
        today=today,
        counts={c: counts.get(c, 0) for c in Category},
        dropped=len(scope.dropped),
        overdue=ordered[Flag.OVERDUE],
        blocked=ordered[Flag.BLOCKED],
        due_soon=ordered[Flag.DUE_SOON],
        stale=ordered[Flag.STALE],
        conflicts=ordered[Flag.CONFLICT],
        unassigned=ordered[Flag.UNASSIGNED],
        over_wip=_over_wip(workload, rules.wip_limit),
        workload=tuple(workload),
        done_since=_done_since(scope, history, today),
        project_manager=project_manager,
        wip_limit=rules.wip_limit,
    )


def nudges(views: Iterable[ProjectManagerView]) -> dict[ItemRef, Nudge]:
    """Tasks that need action: overdue, blocked, stale, or unassigned while due soon or
    overdue. A task in several deliverables gets one nudge naming them all. The reasons are
    the flags the PM comment shows on the task's one line, so the two never disagree."""
    found: dict[ItemRef, Nudge] = {}
    for view in views:
        deliverable = (view.scope.deliverable.name, view.scope.due)
        for _, tasks in view.sections:
            for task in tasks:
                reasons = _nudge_reasons(task)
                if not reasons:
                    continue
                known = found.get(task.item.ref)
                had = known.reasons if known else ()
                holds = known.deliverables if known else ()
                found[task.item.ref] = Nudge(
                    item=task.item,
                    reasons=(*had, *(r for r in reasons if r not in had)),
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


def _parts(scope: Scope) -> tuple[PartProgress, ...]:
    """Done of total per selector, counted items only; nothing for a single selector, whose
    figures are the deliverable's own."""
    if len(scope.parts) < 2:
        return ()
    done = {i.ref for i in scope.items if i.done}
    counted = {i.ref for i in scope.items}
    return tuple(
        PartProgress(
            label=part_label(part.selector),
            done=len(part.refs & done),
            total=len(part.refs & counted),
            search=part.search,
        )
        for part in scope.parts
    )


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


def _status(
    scope: Scope,
    rules: Rules,
    today: date,
    remaining_of: tuple[int, int],
    forecast: Forecast | None,
    budget: Budget | None,
) -> tuple[Health, str]:
    """The status word and the one line that says what decided it (module docstring)."""
    remaining, total = remaining_of
    word = health(remaining, total, scope.due, today, forecast, rules.on_track_probability)
    reason = _time_reason(word, scope.due, today, remaining_of, forecast, rules)
    if budget is None or not budget.at_risk:
        return word, reason
    over = _budget_finding(budget, rules.budget_at_risk_ratio)
    if word is Health.ON_TRACK and forecast and forecast.probability_by_due is not None:
        shown = percent(forecast.probability_by_due, rules.on_track_probability)
        on_time = f"on time ({shown} chance of finishing by {scope.due})"
        return Health.AT_RISK, f"{on_time}, but the budget is at risk: {over}"
    if word is Health.AT_RISK:
        return word, f"{reason}; the budget is at risk too: {over}"
    return word, reason


def _time_reason(
    word: Health,
    due: date | None,
    today: date,
    remaining_of: tuple[int, int],
    forecast: Forecast | None,
    rules: Rules,
) -> str:
    """Why `health` gave this word: the chance against the threshold, the 85 % date against
    the due date, or what made the chance unknowable."""
    remaining, total = remaining_of
    if word is Health.DONE:
        return f"all {total} item{'s' if total != 1 else ''} done"
    if due is None:
        return "neither the deliverable nor its milestones, fix versions or epics have a due date"
    if total == 0:
        return f"no items match the selectors yet, so nothing shows it can finish by {due}"
    if due < today:
        late = (today - due).days
        return (
            f"the due date {due} passed {late} day{'s' if late != 1 else ''} ago "
            f"with {remaining} of {total} items open"
        )
    chance = forecast.probability_by_due if forecast is not None else None
    if forecast is None or chance is None:
        window = forecast.window_days if forecast is not None else rules.forecast_window_days
        return f"no items closed in the last {window} days, so nothing shows it can finish by {due}"
    needed = rules.on_track_probability
    shown = percent(chance, needed)
    if word is Health.ON_TRACK:
        reason = f"{shown} chance of finishing by {due} ({threshold(needed)} needed)"
    elif word is Health.AT_RISK:
        reason = f"{shown} chance of finishing by {due}, below the {threshold(needed)} needed"
    else:
        reason = f"{shown} chance of finishing by {due}, below 50 %"
    reason += f"; {_p85_finding(forecast.p85, due)}"
    thin = (forecast.note or "").split("; ")[0]
    return f"{reason}; {thin}" if thin.startswith("thin evidence") else reason


def _p85_finding(p85: date | None, due: date) -> str:
    if p85 is None:
        return f"no 85 % date: fewer than 85 % of the simulations finish within {HORIZON} days"
    days = (p85 - due).days
    if days == 0:
        return f"the 85 % date is {p85}, the due date"
    plural = "s" if abs(days) != 1 else ""
    side = "late" if days > 0 else "early"
    return f"the 85 % date is {p85}, {abs(days)} day{plural} {side}"


def _budget_finding(budget: Budget, at_risk_ratio: float) -> str:
    limit = f"above {at_risk_ratio:.2f}×"
    if budget.projected_hours is not None:
        projected = budget.projected_hours / budget.budget_hours
        return f"projected at {projected:.2f}× ({limit})"
    spent = budget.spent_hours / budget.budget_hours
    return f"{spent:.2f}× spent with nothing done yet ({limit})"


def percent(share: float, compared_with: float | None = None) -> str:
    """A share as people read it, rounded down, so 0.846 never reads "85 %" beside "At risk"
    and 0.999 never reads "100 %". With one decimal when the threshold it is compared with
    has one, so 0.874 does not read "87 %" against "87.5 % needed"."""
    decimals = 0 if compared_with is None or (compared_with * 100).is_integer() else 1
    scale = 10**decimals
    value = math.floor(round(share * 100 * scale, 6)) / scale
    return f"{value:.{decimals}f} %"


def threshold(share: float) -> str:
    """A rule's share exactly as the mapping file gives it: 0.85 → "85 %", 0.875 → "87.5 %"."""
    return f"{round(share * 100, 6):g} %"


def _since_last_report(
    scope: Scope,
    last: Snapshot | None,
    blockers: tuple[Blocker, ...],
    forecast: Forecast | None,
    mirror: MirroredItems,
) -> SinceLastReport | None:
    """Compare with the last report before today; every run on one day says the same."""
    if last is None:
        return None
    now = {str(i.ref): i for i in scope.items}
    dropped_now = {str(i.ref): i for i in scope.dropped}
    recorded = last.done_keys is not None
    done_before = last.done_keys or frozenset()
    was_blocked = set(last.blocked)
    blocked_now = {str(b.item.ref) for b in blockers}
    return SinceLastReport(
        since=last.day,
        recorded=recorded,
        done=tuple(i for k, i in now.items() if i.done and k not in done_before)
        if recorded
        else (),
        reopened=tuple(i for k, i in now.items() if not i.done and k in done_before),
        done_count=(last.done, sum(i.done for i in scope.items)),
        added=tuple(i for k, i in now.items() if k not in last.keys and k not in last.dropped),
        removed=tuple(
            (ref, _mirrored(mirror, ref))
            for ref in map(ItemRef.parse, sorted(last.keys))
            if str(ref) not in now and str(ref) not in dropped_now
        ),
        dropped=tuple(i for k, i in dropped_now.items() if k not in last.dropped),
        due_moved=(last.due, scope.due) if last.due != scope.due else None,
        blockers_opened=tuple(b for b in blockers if str(b.item.ref) not in was_blocked),
        blockers_cleared=tuple(
            (ref, _latest(ref, now | dropped_now, mirror))
            for ref in map(ItemRef.parse, sorted(was_blocked - blocked_now))
        ),
        chance=(
            last.chance if recorded else None,
            forecast.probability_by_due if forecast is not None else None,
        ),
    )


def _mirrored(mirror: MirroredItems, ref: ItemRef) -> WorkItem | None:
    return mirror.get(ref.source, {}).get(ref.key)


def _latest(
    ref: ItemRef, scoped: Mapping[str, ClassifiedItem], mirror: MirroredItems
) -> WorkItem | None:
    """An item as it is now: in the scope, else still mirrored, else gone (None)."""
    found = scoped.get(str(ref))
    return found.item if found is not None else _mirrored(mirror, ref)


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


@dataclass(frozen=True, slots=True)
class _Board:
    """The day, the rules and the dates a PM view judges each open task by."""

    today: date
    rules: Rules
    deliverable_due: date | None
    blocked_since: Mapping[str, date]
    due_by_item: Mapping[ItemRef, date]

    def task(self, item: ClassifiedItem) -> Task:
        """Every flag that applies to an open item, in section order."""
        today, due = self.today, item.due
        found: list[Finding] = []
        if due is not None and due < today:
            late = (today - due).days
            found.append(
                Finding(Flag.OVERDUE, f"{_days(late)} overdue", f"{_days(late)} overdue", (-late,))
            )
        if item.blocked is not None:
            age = (today - self.blocked_since.get(str(item.ref), item.updated_on)).days
            note = f"{item.blocked}, {_blocked_age(age)}"
            found.append(Finding(Flag.BLOCKED, note, _blocked_short(item.blocked), (-age,)))
        if due is not None and today <= due <= today + timedelta(days=self.rules.due_soon_days):
            note = _due_in_note(due - today)
            found.append(Finding(Flag.DUE_SOON, note, note, _due_order(due)))
        # Waiting on someone else is not neglect: a blocked task is listed as blocked, not stale.
        idle = (today - item.updated_on).days
        if (
            item.blocked is None
            and item.category is Category.IN_PROGRESS
            and idle >= self.rules.stale_after_days
        ):
            note = f"in progress, no update for {idle} days"
            found.append(Finding(Flag.STALE, note, f"no update for {idle} days", (-idle,)))
        found += (
            Finding(Flag.CONFLICT, note, short, _due_order(due))
            for note, short in _conflict_notes(item, self.deliverable_due, self.due_by_item)
        )
        if not item.assignee_names:
            # The line's assignee slot says "unassigned" already: nothing to add after "also:".
            found.append(Finding(Flag.UNASSIGNED, "", "", _due_order(due)))
        return Task(item, tuple(found))


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _due_order(due: date | None) -> tuple[int, ...]:
    """Earliest due first; no due date last."""
    return (1, 0) if due is None else (0, due.toordinal())


def _blocked_age(days: int) -> str:
    return "blocked since today" if days <= 0 else f"blocked {_days(days)}"


def _blocked_short(reason: str) -> str:
    """A blocked reason as another section's line says it, the blocker first: "status
    Blocked; blocked by PLAT-9" reads "blocked by PLAT-9 (status Blocked)", "label blocked"
    reads "blocked (label blocked)"."""
    parts = reason.split("; ")
    by = [p for p in parts if p.startswith("blocked by ")]
    marks = [p for p in parts if not p.startswith("blocked by ")]
    head = by[0] if by else "blocked"
    return f"{head} ({', '.join(marks)})" if marks else head


def _due_in_note(left: timedelta) -> str:
    if left.days == 0:
        return "due today"
    return f"due in {_days(left.days)}"


def _nudge_reasons(task: Task) -> tuple[str, ...]:
    """Why a task gets a comment of its own. The blocked reason is said without its age, so
    a nudge is not edited every day a blocker stays."""
    flags = set(task.flags)
    reasons = []
    for finding in task.findings:
        if finding.flag is Flag.OVERDUE:
            reasons.append(f"Overdue: {finding.note}")
            if Flag.UNASSIGNED in flags:
                reasons.append("Unassigned")
        elif finding.flag is Flag.BLOCKED:
            reasons.append(f"Blocked: {task.item.blocked}")
        elif finding.flag is Flag.DUE_SOON and Flag.UNASSIGNED in flags:
            reasons.append("Unassigned")
        elif finding.flag is Flag.STALE:
            reasons.append(f"Stale: {finding.note}")
    return tuple(reasons)


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
            # Work in progress everywhere includes this deliverable's: never show less.
            Workload(
                name,
                int(r[0]),
                int(r[1]),
                int(r[2]),
                r[3],
                max(wip_everywhere.get(name, 0), int(r[1])),
            )
            for name, r in rows.items()
        ),
        key=lambda w: (-w.open, w.person),
    )


def _over_wip(workload: Sequence[Workload], limit: int) -> tuple[Workload, ...]:
    """People over the WIP limit who have work in progress here, worst first: someone with
    nothing in progress in this deliverable is not this PM's to unload."""
    over = [w for w in workload if w.in_progress and w.wip_everywhere > limit]
    return tuple(sorted(over, key=lambda w: (-w.wip_everywhere, -w.in_progress, w.person)))


def _done_since(scope: Scope, history: Sequence[Snapshot], today: date) -> DoneSince | None:
    """The items completed since the last report; None when there was none. Versions stored
    before `done_keys` was kept fall back to the closing day (after that report's day)."""
    base = previous_report(history, today)
    if base is None:
        return None
    done = [i for i in scope.items if i.done]
    if base.done_keys is not None:
        # An item that joined the scope already done long ago was not completed since.
        new = [
            i
            for i in done
            if str(i.ref) not in base.done_keys
            and (str(i.ref) in base.keys or i.closed_on is None or i.closed_on >= base.day)
        ]
    else:
        new = [i for i in done if i.closed_on is not None and i.closed_on > base.day]
    latest_first = sorted(new, key=lambda i: (-(i.closed_on or today).toordinal(), i.ref.order))
    return DoneSince(base.day, tuple(latest_first))


def _conflict_notes(
    item: ClassifiedItem, deliverable_due: date | None, due_by_item: Mapping[ItemRef, date]
) -> list[tuple[str, str]]:
    """A task due after its deliverable; a task waiting for an item due later than it, or
    planned in a deliverable due later than this one. Each as its section says it and as the
    line of a blocked task says it after "also:" (which names the blocker already)."""
    found = []
    due = item.due
    if deliverable_due is not None and due is not None and due > deliverable_due:
        note = f"due after the deliverable ({deliverable_due})"
        found.append((note, note))
    for blocker in item.open_blockers:
        if not blocker.known:
            continue
        key = blocker.ref.key
        if due is not None and blocker.due is not None and blocker.due > due:
            found.append(
                (
                    f"blocked by {key}, which is due later ({blocker.due})",
                    f"{key} is due later ({blocker.due})",
                )
            )
        elif (
            deliverable_due is not None
            and (later := due_by_item.get(blocker.ref)) is not None
            and later > deliverable_due
        ):
            found.append(
                (
                    f"blocked by {key}, planned in a later deliverable (due {later})",
                    f"{key} is planned in a later deliverable (due {later})",
                )
            )
    return found
