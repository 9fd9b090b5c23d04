"""Baseline (b) for `compare.py`: the same job written carefully with PyGithub and `jira` —
100 items a page, no lazy completion (pull requests told apart by `html_url`, objects built
without a request where the library allows it), and only the configured selectors listed:
each milestone and label on GitHub, one search for the union of the selectors on Jira.

The job is `baseline_pygithub_defaults.py`'s: per deliverable, two comments on its report issue
(delivery lead and project manager), found again by a marker and edited only when the text
changed; no state between runs.

    GITHUB_TOKEN=… GITHUB_API_URL=… JIRA_URL=… JIRA_EMAIL=… JIRA_API_TOKEN=… \\
        python benchmarks/baseline_careful.py --job job.json
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from github import Auth, Github

JIRA_FIELDS = ["summary", "status", "assignee", "labels", "fixVersions", "parent"]


def bodies(name: str, deliverable_id: str, rows: list[tuple[str, str, bool, str | None, bool]]):
    """rows: (key, title, done, assignee, blocked)."""
    still_open = [r for r in rows if not r[2]]
    by_person = Counter(r[3] for r in still_open if r[3])
    blocked = [r for r in still_open if r[4]]
    lead = [
        f"## Delivery status — {name}",
        f"Progress: {len(rows) - len(still_open)} of {len(rows)} items done",
        f"Open blockers: {len(blocked)}",
    ]
    pm = [f"## Task status — {name}", f"Open: {len(still_open)}", "", "| person | open |"]
    pm += [f"| {person} | {count} |" for person, count in sorted(by_person.items())]
    pm += ["", "Blocked:"] + [f"- {r[0]} {r[1]}" for r in blocked]
    return {
        "lead": "\n".join(lead) + f"\n[baseline {deliverable_id} lead]",
        "pm": "\n".join(pm) + f"\n[baseline {deliverable_id} pm]",
    }


def github_job(job: dict) -> None:
    gh = Github(
        auth=Auth.Token(os.environ["GITHUB_TOKEN"]),
        base_url=os.environ["GITHUB_API_URL"],
        per_page=100,
        lazy=True,  # get_repo / get_issue build objects without a request
        seconds_between_writes=0,  # the sandbox has no secondary rate limit
    )
    repo = gh.get_repo(job["repo"])
    milestones = {m.title: m for m in repo.get_milestones(state="all")}
    targets = {d["target"] for d in job["deliverables"]}
    for deliverable in job["deliverables"]:
        criteria = {"state": "all"}
        if "milestone" in deliverable:
            criteria["milestone"] = milestones[deliverable["milestone"]]
        if "label" in deliverable:
            criteria["labels"] = [deliverable["label"]]
        listing = repo.get_issues(**criteria)
        rows = [
            (
                f"#{i.number}",
                i.title,
                i.state == "closed",
                i.assignees[0].login if i.assignees else None,
                any(label.name == "blocked" for label in i.labels),
            )
            for i in listing
            if "/pull/" not in i.html_url and i.number not in targets
        ]
        target = repo.get_issue(deliverable["target"])
        existing = list(target.get_comments())
        for body in bodies(deliverable["name"], deliverable["id"], rows).values():
            marker = body.rsplit("\n", 1)[1]
            mine = next((c for c in existing if c.body.endswith(marker)), None)
            if mine is None:
                target.create_comment(body)
            elif mine.body != body:
                mine.edit(body)


def jira_job(job: dict) -> None:
    from jira import JIRA

    jira = JIRA(
        server=os.environ["JIRA_URL"],
        basic_auth=(os.environ["JIRA_EMAIL"], os.environ["JIRA_API_TOKEN"]),
        max_retries=0,
        timeout=30,
    )
    selectors = {d["id"]: d["jql"] for d in job["deliverables"]}
    union = " OR ".join(f"({jql})" for jql in selectors.values())
    jql = f"project = {job['project']} AND ({union})"
    issues, token = [], None
    while True:
        page = jira.enhanced_search_issues(
            jql, nextPageToken=token, maxResults=100, fields=JIRA_FIELDS
        )
        issues += list(page)
        token = page.nextPageToken
        if not token:
            break
    targets = {d["target"] for d in job["deliverables"]}
    for deliverable in job["deliverables"]:
        rows = [
            (
                i.key,
                i.fields.summary,
                i.fields.status.statusCategory.key == "done",
                i.fields.assignee.displayName if i.fields.assignee else None,
                i.fields.status.name == "Blocked" or "blocked" in (i.fields.labels or []),
            )
            for i in issues
            if i.key not in targets and _in(i, deliverable)
        ]
        existing = jira.comments(deliverable["target"])
        for body in bodies(deliverable["name"], deliverable["id"], rows).values():
            marker = body.rsplit("\n", 1)[1]
            mine = next((c for c in existing if c.body.endswith(marker)), None)
            if mine is None:
                jira.add_comment(deliverable["target"], body)
            elif mine.body != body:
                mine.update(body=body)


def _in(issue, deliverable: dict) -> bool:
    """The deliverable's selector, applied to a search hit of the union."""
    if "fix_version" in deliverable:
        return any(v.name == deliverable["fix_version"] for v in issue.fields.fixVersions or [])
    parent = getattr(issue.fields, "parent", None)
    return parent is not None and parent.key == deliverable["epic"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", type=Path, required=True, help="the job, as compare.py writes it")
    job = json.loads(parser.parse_args(argv).job.read_text())
    if "github" in job:
        github_job(job["github"])
    if "jira" in job:
        jira_job(job["jira"])


if __name__ == "__main__":
    main()
