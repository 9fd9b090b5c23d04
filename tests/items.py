"""Work items for the view and report tests: a GitHub issue or a Jira issue as the adapters
would normalise it, open unless told otherwise, created weeks before `now` and updated the day
before. Keyword arguments replace any field."""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.model import TrackerState, WorkItem

JIRA_STATUS = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}


def github_item(
    n: int,
    *,
    now: datetime,
    closed_days_ago: float | None = None,
    reason: str | None = None,
    **fields,
) -> WorkItem:
    """Issue `acme/web#n` of source `web` in milestone v1; closed `closed_days_ago` days before
    `now` (as completed unless `reason` says otherwise) when given."""
    closed = closed_days_ago is not None
    return WorkItem(
        **{
            "source": "web",
            "key": f"acme/web#{n}",
            "title": f"Item {n}",
            "url": f"https://github.example/acme/web/issues/{n}",
            "state": TrackerState.CLOSED if closed else TrackerState.OPEN,
            "status": "closed" if closed else "open",
            "created": now - timedelta(days=40),
            "updated": now - timedelta(days=1),
            "closed": now - timedelta(days=closed_days_ago) if closed else None,
            "resolution": reason or ("completed" if closed else None),
            "milestones": ("v1",),
            **fields,
        }
    )


def jira_item(key: str, category: str = "new", *, now: datetime, **fields) -> WorkItem:
    """Issue `key` of source `plat` in fix version 1.0, in status category `category`."""
    return WorkItem(
        **{
            "source": "plat",
            "key": key,
            "title": key,
            "url": f"https://jira.example/browse/{key}",
            "state": TrackerState(category),
            "status": JIRA_STATUS[category],
            "created": now - timedelta(days=30),
            "updated": now - timedelta(days=1),
            "milestones": ("1.0",),
            **fields,
        }
    )
