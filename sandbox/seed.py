"""Seed documents for the sandbox: which data it starts with, and the dates made absolute.

A seed document is JSON whose dates are relative to an anchor instant, so that the demo looks
current on any day. `<name>_days_ago` is a (fractional) number of days before the anchor and
becomes `<name>_at`, a UTC datetime to the second; `<name>_in_days` is a whole number of days
after the anchor's UTC date (negative: before) and becomes `<name>_on`, a date. `materialise`
does this for every tracker section (`"github"`, `"jira"`); keys left out mean "none".

    {"format": "delivery-sync-sandbox-seed", "version": 1, "name": "demo",
     "github": {"bot": "delivery-sync-bot", "users": [{"login": …, "name": …}],
                "repos": [{"full_name": "acme/web", "labels": […], "milestones": […],
                           "issues": [{"number": 1, "title": …, "created_days_ago": 58.3, …,
                                       "pull_request": {"merged_days_ago": 2.1},
                                       "comments": [{"user": …, "body": …, …}]}]}]},
     "jira": {"bot": {…}, "users": [{"name": "dana.lee", "account_id": "712020:…", "key": …,
                                     "display_name": …, "email": …}],
              "sprints": [{"id": 40, "name": …, "state": "active", "start_days_ago": 4, …}],
              "projects": [{"key": "PLAT", "name": …, "lead": …, "components": […],
                            "versions": [{"name": "2.0", "release_in_days": 38, …}],
                            "issues": [{"key": "PLAT-1", "id": 10231, "type": "Epic", …,
                                        "parent": "PLAT-1", "links": [{"type": "Blocks",
                                        "outward": "PLAT-9"}], "comments": [{"author": …}]}]}]}}

Jira users are named by their Data Center user name; each also carries its Cloud accountId, so
one seed serves both of the Jira app's modes.

The demo data lives only in `sandbox/seeds/demo.json`, shipped as package data: edit it there
(one record per line keeps the diffs short). Large synthetic sets for benchmarks are built in
memory by `benchmarks/synthetic.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

FORMAT = "delivery-sync-sandbox-seed"
VERSION = 1

Source = str | Path | Mapping[str, Any] | None


def empty() -> dict[str, Any]:
    """A seed with no data (the bot user only)."""
    return {"format": FORMAT, "version": VERSION, "name": "empty", "github": {"repos": []}}


def load(source: Source = "demo") -> dict[str, Any]:
    """A seed document: a packaged seed's name ("demo"), a JSON file, a document, or None."""
    if source is None:
        return empty()
    if isinstance(source, Mapping):
        doc = dict(source)
    elif isinstance(source, str) and "/" not in source and not source.endswith(".json"):
        packaged = resources.files("sandbox.seeds") / f"{source}.json"
        if not packaged.is_file():
            raise ValueError(f"no packaged seed named {source!r}")
        doc = json.loads(packaged.read_text(encoding="utf-8"))
    else:
        doc = json.loads(Path(source).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError(f"not a version-{VERSION} sandbox seed: {source!r:.80}")
    return doc


def materialise(doc: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The document with its relative dates turned into absolute ones against `now`."""
    anchor = now.astimezone(UTC).replace(microsecond=0)
    return _absolute(doc, anchor, anchor.date())


def _absolute(value: Any, anchor: datetime, today: date) -> Any:
    if isinstance(value, list):
        return [_absolute(item, anchor, today) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("_days_ago"):
            # Whole seconds, truncated: monotone, so created <= closed <= updated survives.
            seconds = int(item * 86_400)
            out[key.removesuffix("_days_ago") + "_at"] = anchor - timedelta(seconds=seconds)
        elif key.endswith("_in_days"):
            out[key.removesuffix("_in_days") + "_on"] = today + timedelta(days=item)
        else:
            out[key] = _absolute(item, anchor, today)
    return out
