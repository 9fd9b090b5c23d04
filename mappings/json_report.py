"""The JSON report (`report --format json`): every figure as data, under a versioned schema that
`delivery-sync schema --report` publishes (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mappings.classify import Category, ClassifiedItem
from mappings.report import report_data
from mappings.views import DeliveryLeadView, ProjectManagerView

SCHEMA_VERSION = 1
CATEGORY_WORDS = {
    Category.DONE: "done",
    Category.IN_PROGRESS: "in_progress",
    Category.TODO: "to_do",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemData(_Frozen):
    """One item of the deliverable, as the counting rule classified it."""

    source: str = Field(description="the mapping file's source id")
    key: str = Field(description="acme/web#12 or PLAT-7")
    title: str
    url: str
    category: Literal["done", "in_progress", "to_do"]
    dropped: bool = Field(description="closed as not planned: listed, never counted")
    points: float | None = Field(description="story points; null when unestimated")
    blocked: str | None = Field(description="why it is blocked, null when it is not")
    assignees: list[str] = Field(description="one name per person, through `people`")
    due: date | None = Field(description="its own due date, else its milestone's or version's")


class BurnupPoint(_Frozen):
    day: date
    done: int = Field(description="items done on or before the day")
    scope: int = Field(description="items created on or before the day")


class TaskData(_Frozen):
    """An open task in the PM comment: listed once, in the section of its first flag."""

    item: str = Field(description="source:key, e.g. web:acme/web#12")
    title: str
    url: str
    assignees: list[str]
    due: date | None
    due_from: str | None = Field(
        description="where an inherited due date comes from (milestone v2.1, fix version 2.0); "
        "null for the task's own date or none"
    )
    sprint: str | None = Field(description="the Jira sprint it is planned in now")
    note: str = Field(description="what is wrong with it in its section")
    flags: list[Literal["overdue", "blocked", "due soon", "stale", "conflict", "unassigned"]] = (
        Field(description="every flag, most urgent (its section's) first")
    )
    also: list[str] = Field(description="its other flags as its line says them")


class WorkloadData(_Frozen):
    person: str
    open: int
    in_progress: int = Field(description="in progress in this deliverable")
    overdue: int
    points_open: float
    wip_everywhere: int = Field(
        description="in progress in every source: what the WIP limit is about"
    )


class DoneSinceData(_Frozen):
    since: date = Field(description="the day of the report compared with")
    items: list[str] = Field(description="source:key of each item completed since, latest first")


class ProjectManagerData(_Frozen):
    """The PM comment's figures: each open task in exactly one section."""

    counts: dict[str, int]
    dropped: int
    overdue: list[TaskData]
    blocked: list[TaskData]
    due_soon: list[TaskData]
    stale: list[TaskData]
    conflicts: list[TaskData]
    unassigned: list[TaskData]
    over_wip: list[str] = Field(description="people over the WIP limit with work here, worst first")
    wip_limit: int
    workload: list[WorkloadData]
    done_since: DoneSinceData | None = Field(description="null on the first report")


class DeliverableData(BaseModel):
    """One deliverable: the figures of both role comments. `delivery_lead` and
    `project_manager` carry the rest of each view."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    name: str
    status: Literal["On track", "At risk", "Off track", "Done", "No due date"]
    reason: str = Field(
        description="what decided the status, in one line, as the comment's `Why:` line says it"
    )
    done: int
    total: int
    items: list[ItemData] = Field(description="every item, counted and dropped")
    burnup: list[BurnupPoint]
    delivery_lead: dict[str, Any]
    project_manager: ProjectManagerData


class JsonReport(_Frozen):
    """`report --format json`: one object."""

    schema_version: Literal[1] = SCHEMA_VERSION
    generated_at: datetime = Field(description="when the report was made (UTC)")
    as_of: date = Field(description="the calendar day every date computation used")
    deliverables: list[DeliverableData]


def json_report(
    views: Iterable[tuple[DeliveryLeadView, ProjectManagerView]],
    as_of: date,
    generated_at: datetime,
) -> dict:
    """The report as plain JSON-ready data, checked against its own schema on the way out."""
    report = JsonReport(
        generated_at=generated_at,
        as_of=as_of,
        deliverables=[_deliverable(lead, pm) for lead, pm in views],
    )
    return report.model_dump(mode="json")


def report_schema() -> dict:
    schema = JsonReport.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "delivery-sync JSON report"
    return schema


def _deliverable(lead: DeliveryLeadView, pm: ProjectManagerView) -> DeliverableData:
    details = report_data(lead, pm)
    scope = lead.scope
    return DeliverableData(
        id=scope.deliverable.id,
        name=lead.name,
        status=str(lead.health),
        reason=lead.reason,
        done=lead.done,
        total=lead.total,
        items=[_item(i) for i in (*scope.items, *scope.dropped)],
        burnup=[BurnupPoint(day=d, done=done, scope=total) for d, done, total in lead.burnup],
        delivery_lead=details["delivery_lead"],
        project_manager=ProjectManagerData.model_validate(details["project_manager"]),
    )


def _item(item: ClassifiedItem) -> ItemData:
    return ItemData(
        source=item.source,
        key=item.key,
        title=item.item.title,
        url=item.item.url,
        category=CATEGORY_WORDS[item.category],
        dropped=item.dropped,
        points=item.points,
        blocked=item.blocked,
        assignees=list(item.assignee_names),
        due=item.due,
    )
