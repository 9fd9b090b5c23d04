"""Baseline (a) for `compare.py`: the job written the way most people first write it, with
PyGithub and its defaults (30 items a page, lazy completion of every attribute the listing
lacks). GitHub only.

The job (a JSON file, see `compare.py`): for each deliverable — a milestone or a label of one
repository — count its issues done, list the open ones by assignee and the blocked ones, and keep
two comments on its report issue up to date (one for the delivery lead, one for the project
manager), found again by a marker line and edited only when the text changed. Pull requests are
not counted. No state is kept between runs.

    GITHUB_TOKEN=… GITHUB_API_URL=… python benchmarks/baseline_pygithub_defaults.py --job job.json
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from github import Auth, Github


def comment_bodies(name: str, deliverable_id: str, issues: list) -> dict[str, str]:
    done = [i for i in issues if i.state == "closed"]
    still_open = [i for i in issues if i.state != "closed"]
    by_person = Counter(a.login for i in still_open for a in i.assignees)
    blocked = [i for i in still_open if any(label.name == "blocked" for label in i.labels)]
    lead = [
        f"## Delivery status — {name}",
        f"Progress: {len(done)} of {len(issues)} items done",
        f"Open blockers: {len(blocked)}",
    ]
    pm = [f"## Task status — {name}", f"Open: {len(still_open)}", "", "| person | open |"]
    pm += [f"| {person} | {count} |" for person, count in sorted(by_person.items())]
    pm += ["", "Blocked:"] + [f"- #{i.number} {i.title}" for i in blocked]
    return {
        "lead": "\n".join(lead) + f"\n<!-- baseline {deliverable_id} lead -->",
        "pm": "\n".join(pm) + f"\n<!-- baseline {deliverable_id} pm -->",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", type=Path, required=True, help="the job, as compare.py writes it")
    job = json.loads(parser.parse_args(argv).job.read_text())["github"]
    gh = Github(
        auth=Auth.Token(os.environ["GITHUB_TOKEN"]),
        base_url=os.environ["GITHUB_API_URL"],
        seconds_between_writes=0,  # the sandbox has no secondary rate limit (as for the others)
    )
    repo = gh.get_repo(job["repo"])
    targets = {d["target"] for d in job["deliverables"]}
    for deliverable in job["deliverables"]:
        criteria = {"state": "all"}
        if "milestone" in deliverable:
            criteria["milestone"] = next(
                m for m in repo.get_milestones(state="all") if m.title == deliverable["milestone"]
            )
        if "label" in deliverable:
            criteria["labels"] = [deliverable["label"]]
        listing = repo.get_issues(**criteria)
        # `pull_request` is not in the listing's payload for issues: PyGithub fetches each one.
        issues = [i for i in listing if i.pull_request is None and i.number not in targets]
        bodies = comment_bodies(deliverable["name"], deliverable["id"], issues)
        target = repo.get_issue(deliverable["target"])
        existing = list(target.get_comments())
        for body in bodies.values():
            marker = body.rsplit("\n", 1)[1]
            mine = next((c for c in existing if c.body.endswith(marker)), None)
            if mine is None:
                target.create_comment(body)
            elif mine.body != body:
                mine.edit(body)


if __name__ == "__main__":
    main()
