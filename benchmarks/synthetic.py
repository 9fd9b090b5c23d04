"""Large synthetic sandbox seeds for the benchmarks, built in memory and never committed.

`generate_github(repos=10, issues_per_repo=5_000)` and `generate_jira(projects=2,
issues_per_project=25_000)` return seed documents (see `sandbox.seed`) that `Sandbox(seed=…)`
serves; both are deterministic for a given `seed`. To look at one, or to keep one as a file:

    python -m benchmarks.synthetic --repos 2 --issues-per-repo 100 --jira-projects 1 > bench.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping
from typing import Any

from sandbox.seed import FORMAT, VERSION

BOT = "delivery-sync-bot"
JIRA_BOT = {
    "name": "delivery-sync",
    "account_id": "557058:delivery-sync-bot",
    "key": "JIRAUSER10100",
    "display_name": "delivery-sync",
    "email": "delivery-sync@acme.example",
}
_COLORS = {  # the demo's label colours, so a benchmark repository looks like the demo's
    "tracking": ("5319e7", "Delivery tracking issue: status reports are posted here"),
    "checkout": ("1d76db", "Checkout and payments"),
    "onboarding": ("c5def5", "Mobile onboarding"),
    "security": ("b60205", "Security hardening"),
    "bug": ("d73a4a", "Something isn't working"),
    "enhancement": ("a2eeef", "New feature or request"),
    "requirement": ("fbca04", "A client requirement"),
    "in progress": ("0e8a16", "Someone is working on it"),
    "blocked": ("e99695", "Waiting on something outside the team"),
    **{f"sp:{n}": ("ededed", f"{n} story point{'s' if n > 1 else ''}") for n in (1, 2, 3, 5, 8)},
}
_POINT_LABELS = ("sp:1", "sp:2", "sp:3", "sp:5", "sp:8")
_HOURS = (4, 8, 12, 16, 24, 32, 40)
_JIRA_POINTS = (1.0, 2.0, 3.0, 5.0, 8.0)
_VERBS = ("Add", "Fix", "Improve", "Remove", "Refactor", "Document", "Test", "Speed up")
_NOUNS = (
    "checkout flow", "search index", "order export", "login page", "cart badge", "webhooks",
    "invoice PDF", "price cache", "admin audit log", "image uploads", "rate limiter", "settings",
)  # fmt: skip
_BENCH_LABELS = ("checkout", "onboarding", "security", "bug", "enhancement", "requirement")


def generate_github(
    repos: int = 10,
    issues_per_repo: int = 1_000,
    *,
    seed: int = 0,
    owner: str = "bench",
    milestones_per_repo: int = 4,
    pr_ratio: float = 0.1,
    closed_ratio: float = 0.5,
    comment_ratio: float = 0.05,
    days: float = 180.0,
) -> dict[str, Any]:
    """A large synthetic seed for benchmarks, built in memory (≈1 s per 100,000 issues).

    Repos `{owner}/repo-000` …; issue #1 of each is a `tracking` issue (a report target);
    milestones `M1` … are due between 30 days ago and 90 days ahead; items are spread over the
    last `days` days, with `in progress`, `blocked` and `sp:N` labels and a few comments.
    """
    rng = random.Random(seed)
    people = [f"dev-{i:02d}" for i in range(20)]
    users = [{"login": login, "name": login.replace("-", " ").title()} for login in people]
    label_names = [*_BENCH_LABELS, "tracking", "in progress", "blocked", *_POINT_LABELS]
    labels = [
        {"name": n, "color": _COLORS[n][0], "description": _COLORS[n][1]} for n in label_names
    ]
    repo_docs = []
    for r in range(repos):
        milestones = [
            {
                "number": m + 1,
                "title": f"M{m + 1}",
                "due_in_days": -30 + (120 * m) // max(milestones_per_repo - 1, 1),
                "created_days_ago": days,
                "creator": people[0],
            }
            for m in range(milestones_per_repo)
        ]
        issues = [
            {
                "number": 1,
                "title": "Delivery tracking",
                "labels": ["tracking"],
                "user": people[0],
                "created_days_ago": days + 1,
                "updated_days_ago": days + 1,
                "body": "- [x] First requirement\n- [ ] Second requirement",
            }
        ]
        shape = (milestones_per_repo, days, pr_ratio, closed_ratio, comment_ratio)
        issues += _bench_issues(rng, issues_per_repo - 1, people, *shape)
        repo_docs.append(
            {
                "full_name": f"{owner}/repo-{r:03d}",
                "description": "Synthetic benchmark repository",
                "created_days_ago": days + 30,
                "labels": labels,
                "milestones": milestones,
                "issues": issues,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": f"bench-{repos}x{issues_per_repo}",
        "github": {"bot": BOT, "users": users, "repos": repo_docs},
    }


def _bench_issues(
    rng: random.Random,
    count: int,
    people: list[str],
    milestones: int,
    days: float,
    pr_ratio: float,
    closed_ratio: float,
    comment_ratio: float,
) -> list[dict[str, Any]]:
    out = []
    random_ = rng.random
    for k in range(count):
        # Creation times fall as numbers rise, so numbers follow creation order as on GitHub.
        created = days * (count - k) / count
        who = people[int(random_() * len(people))]
        item: dict[str, Any] = {
            "number": k + 2,
            "title": f"{_VERBS[k % len(_VERBS)]} {_NOUNS[int(random_() * len(_NOUNS))]} ({k})",
            "user": who,
            "assignees": [who] if random_() < 0.9 else [],
            "created_days_ago": created,
        }
        if milestones and random_() < 0.8:
            item["milestone"] = 1 + int(random_() * milestones)
        labels = [_BENCH_LABELS[int(random_() * len(_BENCH_LABELS))]]
        if random_() < 0.85:
            labels.append(_POINT_LABELS[int(random_() * len(_POINT_LABELS))])
        if random_() < pr_ratio:
            item["pull_request"] = {}
        if random_() < closed_ratio:
            closed = created * random_()
            item.update(state="closed", closed_days_ago=closed, updated_days_ago=closed)
            if "pull_request" in item:
                item["pull_request"] = {"merged_days_ago": closed}
        else:
            item["updated_days_ago"] = created * random_()
            roll = random_()
            if roll < 0.25:
                labels.append("in progress")
            elif roll < 0.28:
                labels.append("blocked")
        item["labels"] = labels
        if random_() < comment_ratio:
            at = item["updated_days_ago"] + (created - item["updated_days_ago"]) * random_()
            item["comments"] = [{"user": who, "body": "Looking into it.", "created_days_ago": at}]
        out.append(item)
    return out


def _project_key(index: int) -> str:
    """B, then a letter: BA, BB, … BZ, CA, … (Jira's default key pattern takes letters only)."""
    first, second = divmod(index, 26)
    return chr(ord("B") + first) + chr(ord("A") + second)


def generate_jira(
    projects: int = 1,
    issues_per_project: int = 1_000,
    *,
    seed: int = 0,
    versions_per_project: int = 4,
    epics_per_project: int = 5,
    closed_ratio: float = 0.5,
    comment_ratio: float = 0.05,
    days: float = 180.0,
) -> dict[str, Any]:
    """A large synthetic Jira seed for benchmarks, built in memory (≈1 s per 100,000 issues).

    Projects `BA`, `BB`, …; issue 1 of each is a "Delivery tracking" task (a report target),
    the next `epics_per_project` are epics; most other issues belong to an epic and to a fix
    version `V1` … (released from 30 days ago to 90 days ahead); items are spread over the last
    `days` days with statuses, story points, estimates and a few comments. Users `dev.00` …
    """
    rng = random.Random(seed)
    people = [f"dev.{i:02d}" for i in range(20)]
    users = [
        {
            "name": name,
            "account_id": f"712020:{rng.getrandbits(128):032x}",
            "key": f"JIRAUSER{20_000 + n}",
            "display_name": name.replace(".", " ").title(),
            "email": f"{name}@bench.example",
        }
        for n, name in enumerate(people)
    ]
    docs = []
    for index in range(projects):
        key = _project_key(index)
        step = 120 // max(versions_per_project - 1, 1)
        versions = [
            {"name": f"V{v + 1}", "release_in_days": -30 + step * v, "released": step * v < 30}
            for v in range(versions_per_project)
        ]
        shape = (epics_per_project, versions_per_project, days, closed_ratio, comment_ratio)
        issues = _bench_jira_issues(rng, key, issues_per_project, people, *shape)
        for issue in issues:
            issue["id"] += 100_000 * (index + 1)
        docs.append(
            {
                "key": key,
                "id": 20_000 + index,
                "name": f"Benchmark {key}",
                "lead": people[0],
                "versions": versions,
                "issues": issues,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": f"bench-jira-{projects}x{issues_per_project}",
        "jira": {"bot": JIRA_BOT, "users": users, "projects": docs},
    }


def _bench_jira_issues(
    rng: random.Random,
    key: str,
    count: int,
    people: list[str],
    epics: int,
    versions: int,
    days: float,
    closed_ratio: float,
    comment_ratio: float,
) -> list[dict[str, Any]]:
    out = []
    random_ = rng.random
    count = max(count, epics + 1)
    for number in range(1, count + 1):
        # Creation times fall as numbers rise, so keys follow creation order as on Jira.
        created = days * (count - number + 1) / count
        who = people[int(random_() * len(people))]
        noun = _NOUNS[int(random_() * len(_NOUNS))]
        item: dict[str, Any] = {
            "key": f"{key}-{number}",
            "id": number,
            "summary": f"{_VERBS[number % len(_VERBS)]} {noun} ({number})",
            "type": "Task",
            "reporter": who,
            "created_days_ago": created,
            "updated_days_ago": created,
        }
        out.append(item)
        if number == 1:
            item["summary"] = "Delivery tracking"
            continue
        if number <= epics + 1:
            item["type"] = "Epic"
            continue
        item["type"] = "Bug" if random_() < 0.2 else "Story"
        if random_() < 0.9:
            item["assignee"] = who
        if epics and random_() < 0.7:
            item["parent"] = f"{key}-{2 + int(random_() * epics)}"
        if versions and random_() < 0.8:
            item["fix_versions"] = [f"V{1 + int(random_() * versions)}"]
        if random_() < 0.85:
            item["story_points"] = _JIRA_POINTS[int(random_() * len(_JIRA_POINTS))]
        if random_() < 0.5:
            item["original_estimate"] = _HOURS[int(random_() * len(_HOURS))] * 3600
        if random_() < closed_ratio:
            closed = created * random_()
            item.update(status="Done", resolved_days_ago=closed, updated_days_ago=closed)
            if random_() < 0.05:
                item["resolution"] = "Won't Do"
        else:
            item["updated_days_ago"] = created * random_()
            roll = random_()
            if roll < 0.25:
                item["status"] = "In Progress"
            elif roll < 0.28:
                item["status"] = "Blocked"
        if random_() < comment_ratio:
            at = item["updated_days_ago"] + (created - item["updated_days_ago"]) * random_()
            item["comments"] = [{"author": who, "body": "Looking into it.", "created_days_ago": at}]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a synthetic sandbox seed as JSON.")
    parser.add_argument("--repos", type=int, default=0, help="GitHub repositories")
    parser.add_argument("--issues-per-repo", type=int, default=1_000)
    parser.add_argument("--jira-projects", type=int, default=0, help="Jira projects")
    parser.add_argument("--issues-per-project", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.repos and not args.jira_projects:
        parser.error("ask for --repos, --jira-projects or both")
    parts = []
    if args.repos:
        parts.append(generate_github(args.repos, args.issues_per_repo, seed=args.seed))
    if args.jira_projects:
        parts.append(generate_jira(args.jira_projects, args.issues_per_project, seed=args.seed))
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    doc["name"] = "+".join(part["name"] for part in parts)
    for part in parts:
        doc |= {k: v for k, v in part.items() if k in ("github", "jira")}
    sys.stdout.write(dumps(doc))


def dumps(doc: Mapping[str, Any]) -> str:
    """JSON for committing: one record (issue, label, comment, …) per line, for short diffs."""
    return _dump(doc, "") + "\n"


def _holds_records(value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(v, dict) or _holds_records(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_records(v) for v in value.values())
    return False


def _dump(value: Any, indent: str) -> str:
    if not _holds_records(value):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + _dump(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


if __name__ == "__main__":
    main()
