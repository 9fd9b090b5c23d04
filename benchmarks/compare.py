"""delivery-sync side by side with two ways a user would write the same job, on the same
sandbox data (DESIGN §7):

- (a) `baseline_pygithub_defaults.py`: PyGithub with its defaults (GitHub only);
- (b) `baseline_careful.py`: PyGithub and `jira` with 100 per page, no lazy completion, and
  only the selectors listed.

The job: deliverables over one repository or project (GitHub: milestones M2 and M3 and the
label `checkout`; Jira: fix versions V2 and V3 and the epic BA-2), each reported on its own
issue in two comments; and 200 deliverables (a milestone and a label each) over 5,000 GitHub
items. Each tool runs three cycles in a subprocess on a fresh sandbox with the same seed:
cold (no comments yet), idle (nothing changed), and after 50 items in the selectors were closed.

Per cycle: requests by route (from the sandbox's log), wall time, CPU (user + system) and peak
RSS of the subprocess (`os.wait4`, in a launcher: benchmarks/child.py), the ratios of
delivery-sync to each baseline, and the lower bound on requests. The tables go to stdout and,
between two marker lines, into BENCHMARKS.md.

    python benchmarks/compare.py                     # every scenario (about 20 minutes)
    python benchmarks/compare.py gh-1k jira-10k      # some of them
    python benchmarks/compare.py --no-write gh-1k    # print only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.child import compile_product, measure_child  # noqa: E402
from benchmarks.synthetic import generate_github, generate_jira  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402

REPO = "bench/repo-000"
PROJECT = "BA"
CHANGED = 50
LABELS = ("checkout", "onboarding", "security", "bug", "enhancement", "requirement")
PRODUCT, DEFAULTS, CAREFUL = "delivery-sync", "(a) PyGithub defaults", "(b) careful script"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    seed: Callable[[], dict]
    job: dict  # what every tool is asked to do (the baselines read it, the mapping says it)
    tools: tuple[str, ...]
    note: str = ""


@dataclass
class Run:
    code: int
    wall: float
    cpu: float
    rss_mb: float
    routes: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.routes.values())

    @property
    def writes(self) -> int:
        return sum(n for route, n in self.routes.items() if not route.startswith("GET"))


def github_job(deliverables: int) -> dict:
    if deliverables == 3:
        chosen = [
            {"id": "m2", "name": "Milestone M2", "milestone": "M2", "target": 1},
            {"id": "m3", "name": "Milestone M3", "milestone": "M3", "target": 2},
            {"id": "checkout", "name": "Checkout", "label": "checkout", "target": 3},
        ]
    else:
        chosen = [
            {
                "id": f"d{k}",
                "name": f"Deliverable {k}",
                "milestone": f"M{1 + k % 4}",
                "label": LABELS[k % len(LABELS)],
                "target": 2 + k,
            }
            for k in range(deliverables)
        ]
    return {"github": {"repo": REPO, "deliverables": chosen}}


JIRA_JOB = {
    "jira": {
        "project": PROJECT,
        "deliverables": [
            {"id": "v2", "name": "Version V2", "fix_version": "V2", "jql": 'fixVersion = "V2"',
             "target": "BA-1"},
            {"id": "v3", "name": "Version V3", "fix_version": "V3", "jql": 'fixVersion = "V3"',
             "target": "BA-7"},
            {"id": "epic", "name": "Epic BA-2", "epic": "BA-2", "jql": "parent = BA-2",
             "target": "BA-8"},
        ],
    }
}  # fmt: skip


def mapping_text(job: dict) -> str:
    """The job as a delivery-sync mapping file."""
    lines = ["version: 1", "timezone: UTC", "sources:"]
    if "github" in job:
        lines.append(f"  - {{id: gh, kind: github, repo: {REPO}}}")
    if "jira" in job:
        lines.append(f"  - {{id: ji, kind: jira, project: {PROJECT}}}")
    lines.append("deliverables:")
    for kind, source in (("github", "gh"), ("jira", "ji")):
        for d in job.get(kind, {}).get("deliverables", []):
            criteria = {k: d[k] for k in ("milestone", "label", "fix_version", "epic") if k in d}
            selector = json.dumps({"source": source, **criteria})
            lines += [
                f"  - id: {d['id']}",
                f"    name: {d['name']}",
                f"    include: [{selector}]",
                f"    report_to: [{{source: {source}, issue: {json.dumps(d['target'])}}}]",
            ]
    return "\n".join(lines) + "\n"


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "gh-1k", "1,000 GitHub items, 3 deliverables",
            lambda: generate_github(repos=1, issues_per_repo=1_000, seed=1),
            github_job(3), (PRODUCT, DEFAULTS, CAREFUL),
        ),
        Scenario(
            "gh-10k", "10,000 GitHub items, 3 deliverables",
            lambda: generate_github(repos=1, issues_per_repo=10_000, seed=1),
            github_job(3), (PRODUCT, DEFAULTS, CAREFUL),
        ),
        Scenario(
            "gh-50k", "50,000 GitHub items, 3 deliverables",
            lambda: generate_github(repos=1, issues_per_repo=50_000, seed=1),
            github_job(3), (PRODUCT, DEFAULTS, CAREFUL),
        ),
        Scenario(
            "jira-10k", "10,000 Jira items (Cloud), 3 deliverables",
            lambda: generate_jira(projects=1, issues_per_project=10_000, seed=1),
            JIRA_JOB, (PRODUCT, CAREFUL),
            "Baseline (a) is GitHub only.",
        ),
        Scenario(
            "many-5k", "5,000 GitHub items, 200 deliverables",
            lambda: generate_github(repos=1, issues_per_repo=5_000, seed=1),
            github_job(200), (PRODUCT, CAREFUL),
            "Baseline (a) is not run here: its hidden GET per item (about 34,000 a cycle) "
            "would take longer than the rest of the benchmark together.",
        ),
    )
}  # fmt: skip


def route(method: str, path: str) -> str:
    """A request's route: numbers, repositories and issue keys folded into placeholders."""
    path = path.replace(f"/repos/{REPO}", "/repos/{repo}")
    path = re.sub(rf"/{PROJECT}-\d+", "/{key}", path)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", path)
    return f"{method} {path}"


def command(tool: str, tmp: Path) -> list[str]:
    if tool == PRODUCT:
        return [sys.executable, "-m", "worker.start", "run", "--once"]  # as `delivery-sync`
    script = "baseline_pygithub_defaults.py" if tool == DEFAULTS else "baseline_careful.py"
    return [sys.executable, str(ROOT / "benchmarks" / script), "--job", str(tmp / "job.json")]


def environment(sandbox: Sandbox, tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "JIRA_", "DELIVERY_SYNC_"))
    }
    return env | {
        "GITHUB_TOKEN": sandbox.github_token,
        "GITHUB_API_URL": sandbox.github_url,
        "JIRA_URL": sandbox.jira_url,
        "JIRA_EMAIL": sandbox.jira_email,
        "JIRA_API_TOKEN": sandbox.jira_api_token,
        "DELIVERY_SYNC_CONFIG": str(tmp / "mapping.yaml"),
        "DELIVERY_SYNC_STATE": str(tmp / "state.db"),
        "DELIVERY_SYNC_LOG_LEVEL": "warning",
        "DELIVERY_SYNC_GITHUB_WRITE_PAUSE": "0",  # the sandbox has no secondary rate limit
    }


def measure(sandbox: Sandbox, argv: list[str], env: dict[str, str]) -> Run:
    """One cycle in a subprocess: its exit code, wall, CPU, peak RSS and requests by route."""
    sandbox.clear_requests()
    started = time.perf_counter()
    # Through a launcher: a child started from this process, which holds the sandbox's data,
    # would report this process's peak RSS as its own (see benchmarks/child.py).
    run = measure_child(argv, env, str(ROOT))
    wall = time.perf_counter() - started
    if run.code != 0:
        print(f"  {' '.join(argv[-3:])} exited {run.code}:\n{run.err[-2000:]}", file=sys.stderr)
    routes = Counter(route(r.method, r.path) for r in sandbox.requests)
    return Run(run.code, wall, run.cpu, run.rss_mb, routes)


def change_items(sandbox: Sandbox, seed: dict) -> None:
    """Close 50 open items that the selectors count (GitHub: milestones M2 and M3; Jira: fix
    versions V2 and V3)."""
    if "github" in seed:
        issues = seed["github"]["repos"][0]["issues"]
        numbers = [
            i["number"]
            for i in issues
            if i.get("state") != "closed"
            and i.get("milestone") in (2, 3)
            and "pull_request" not in i
            and i["number"] > 201  # never a report target
        ][:CHANGED]
        for number in numbers:
            sandbox.github.update_issue(REPO, number, state="closed")
    if "jira" in seed:
        issues = seed["jira"]["projects"][0]["issues"]
        keys = [
            i["key"]
            for i in issues
            if i.get("status", "To Do") != "Done"
            and set(i.get("fix_versions", ())) & {"V2", "V3"}
            and int(i["key"].split("-")[1]) > 8
        ][:CHANGED]
        for key in keys:
            sandbox.jira.transition(key, "Done")


def run_tool(scenario: Scenario, tool: str) -> dict[str, Run]:
    """Three cycles of one tool on a fresh sandbox: cold, idle, 50 changed."""
    seed = scenario.seed()
    runs = {}
    with Sandbox(seed=seed) as sandbox, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sandbox.github.rate.limit = 10**9
        (tmp / "job.json").write_text(json.dumps(scenario.job))
        (tmp / "mapping.yaml").write_text(mapping_text(scenario.job))
        env, argv = environment(sandbox, tmp), command(tool, tmp)
        runs["cold"] = measure(sandbox, argv, env)
        runs["idle"] = measure(sandbox, argv, env)
        change_items(sandbox, seed)
        runs[f"{CHANGED} changed"] = measure(sandbox, argv, env)
    return runs


def lower_bounds(scenario: Scenario, product: dict[str, Run]) -> dict[str, int]:
    """The fewest requests the job can take. Cold: the cheaper of listing the whole source and
    listing each selector (100 a page) plus each report issue no selector lists (its
    description holds the checklist); GitHub's milestone listing (to know the milestones'
    numbers); one comment listing per report issue with comments on it (GitHub counts them in
    the issue; Jira: every report issue); and the writes the product found needed. Idle, one
    request per source (a conditional listing of what changed); after 50 changes, the same
    plus the writes."""
    seed = scenario.seed()
    job = next(iter(scenario.job.values()))
    targets = {d["target"] for d in job["deliverables"]}
    if "github" in seed:
        issues = seed["github"]["repos"][0]["issues"]
        whole = math.ceil(len(issues) / 100)
        deliverables = job["deliverables"]
        per_selector = sum(
            math.ceil(sum(1 for i in issues if _selected(i, d)) / 100) for d in deliverables
        )
        listed = {i["number"] for i in issues if any(_selected(i, d) for d in deliverables)}
        reads = min(whole, per_selector + len(targets - listed)) + 1
        listings = sum(1 for i in issues if i["number"] in targets and i.get("comments"))
    else:
        issues = seed["jira"]["projects"][0]["issues"]
        union = sum(1 for i in issues if any(_selected_jira(i, d) for d in job["deliverables"]))
        reads = min(math.ceil(len(issues) / 100), math.ceil(union / 100))
        listings = len(targets)
    cycles = list(product)
    return {
        cycles[0]: reads + listings + product[cycles[0]].writes,
        cycles[1]: 1,
        cycles[2]: 1 + product[cycles[2]].writes,
    }


def _selected(issue: dict, deliverable: dict) -> bool:
    if "milestone" in deliverable and issue.get("milestone") != int(deliverable["milestone"][1:]):
        return False
    return "label" not in deliverable or deliverable["label"] in issue.get("labels", ())


def _selected_jira(issue: dict, deliverable: dict) -> bool:
    if "fix_version" in deliverable:
        return deliverable["fix_version"] in issue.get("fix_versions", ())
    return issue.get("parent") == deliverable["epic"]


def ratio(mine: float, theirs: float) -> str:
    return f"{mine / theirs:.2f}" if theirs else "–"


def table(scenario: Scenario, results: dict[str, dict[str, Run]]) -> str:
    product = results[PRODUCT]
    bounds = lower_bounds(scenario, product)
    baselines = [t for t in (DEFAULTS, CAREFUL) if t in results]
    heads = ["cycle", "tool", "requests", "writes", "wall s", "CPU s", "peak RSS MB"]
    heads += [f"ratio to {t[:3]} req / CPU / RSS" for t in baselines]
    lines = [f"### {scenario.title}", ""]
    if scenario.note:
        lines += [scenario.note, ""]
    lines += ["| " + " | ".join(heads) + " |", "|" + "---|" * 2 + "---:|" * (len(heads) - 2)]
    for cycle in product:
        for tool, runs in results.items():
            run = runs[cycle]
            flag = "" if run.code == 0 else f" (exit {run.code})"
            cells = [cycle, tool + flag, str(run.requests), str(run.writes)]
            cells += [f"{run.wall:.1f}", f"{run.cpu:.2f}", f"{run.rss_mb:.0f}"]
            if tool == PRODUCT:
                for base in baselines:
                    other = results[base][cycle]
                    cells.append(
                        f"{ratio(run.requests, other.requests)} / {ratio(run.cpu, other.cpu)}"
                        f" / {ratio(run.rss_mb, other.rss_mb)}"
                    )
            else:
                cells += [""] * len(baselines)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append(f"| {cycle} | lower bound | {bounds[cycle]} |" + " |" * (len(heads) - 3))
    lines += ["", "Requests by route:", ""]
    for tool, runs in results.items():
        for cycle, run in runs.items():
            shown = ", ".join(f"`{r}` {n}" for r, n in sorted(run.routes.items()))
            lines.append(f"- {tool}, {cycle}: {shown}")
    return "\n".join(lines) + "\n"


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the scenario's section (between its two marker lines), or append it: scenarios
    measured in separate runs each keep their latest figures."""
    start, end = f"<!-- compare.py {name}: start -->", f"<!-- compare.py {name}: end -->"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{start}\n{text}{end}\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        current = before + block + after
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="delivery-sync side by side with a PyGithub-defaults script and a careful "
        "PyGithub + jira script, on the same sandbox data."
    )
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO",
        help=f"which to run (default: all): {', '.join(SCENARIOS)}",
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md")
    parser.add_argument(
        "--without-defaults",
        action="store_true",
        help="leave baseline (a) out (one request per item: slow at 10,000 items and more)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(
            f"unknown scenario {', '.join(sorted(unknown))}; pick from {', '.join(SCENARIOS)}"
        )
    names = args.scenarios or list(SCENARIOS)
    compile_product(ROOT)
    machine = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    for name in names:
        scenario = SCENARIOS[name]
        results = {}
        for tool in scenario.tools:
            if tool == DEFAULTS and args.without_defaults:
                continue
            print(f"{name}: {tool} …", file=sys.stderr, flush=True)
            results[tool] = run_tool(scenario, tool)
        when = (
            f"Measured {datetime.now(UTC):%Y-%m-%d} with `python benchmarks/compare.py {name}"
            f"{' --without-defaults' if args.without_defaults else ''}` "
            f"({os.cpu_count()} CPUs, {machine}).\n\n"
        )
        text = table(scenario, results).replace("\n\n", f"\n\n{when}", 1)
        print(text, flush=True)
        if not args.no_write:
            write_section(args.output, name, text)


if __name__ == "__main__":
    main()
