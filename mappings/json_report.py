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
    project_manager: dict[str, Any]


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
        project_manager=details["project_manager"],
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
