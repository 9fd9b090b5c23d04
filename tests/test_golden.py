"""Golden comments: the demo data on a fixed day gives exactly the bodies in tests/golden/.

The files are the documentation of what each role reads, in both dialects; the README quotes
them. After an intended change, regenerate with `UPDATE_GOLDEN=1 pytest tests/test_golden.py`
and read the diff before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mappings.config import load_mapping
from rendering import markdown, wiki
from rendering.document import fit
from sandbox.server import Sandbox
from tests.e2e import sandbox_settings
from worker.cli import example_path
from worker.cycle import Cycle, CycleOptions
from worker.runtime import Runtime
from worker.state import SQLiteState

GOLDEN = Path(__file__).parent / "golden"
ANCHOR = datetime(
    2026, 11, 25, 11, 0, tzinfo=UTC
)  # noon in Berlin: what `demo --as-of 2026-11-25` uses
AS_OF = ANCHOR
SITE = "https://sandbox.example"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, str]:
    mapping = load_mapping(example_path("demo.yaml"))
    state = SQLiteState(tmp_path_factory.mktemp("golden") / "state.db")
    with Sandbox(seed="demo", now=ANCHOR, clock=lambda: ANCHOR) as sandbox:
        cycle = Cycle.build(
            mapping,
            sandbox_settings(sandbox),
            state,
            CycleOptions(as_of=AS_OF),
            Runtime(clock=lambda: ANCHOR),
        )
        computed = cycle.compute(ANCHOR)
        assert computed.failed_sources == {}
        assert computed.skipped == {}
        reports = computed.reports
        bodies = {}
        for report in reports:
            for marker, document in report.documents:
                name = f"{report.deliverable_id}.{marker.role}"
                bodies[f"{name}.md"] = fit(document, markdown.render, markdown.MAX_BODY)
                bodies[f"{name}.jira"] = fit(
                    document, lambda d: wiki.render(d, True), wiki.MAX_BODY
                )
        return {name: body.replace(sandbox.url, SITE) for name, body in bodies.items()}


NAMES = [
    f"{deliverable}.{role}.{ext}"
    for deliverable in ("checkout-v2", "mobile-onboarding", "api-hardening")
    for role in ("delivery-lead", "project-manager")
    for ext in ("md", "jira")
]


@pytest.mark.parametrize("name", NAMES)
def test_comment_matches_its_golden_file(rendered, name):
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered[name], encoding="utf-8")
    assert rendered[name] == path.read_text(encoding="utf-8")


def test_every_golden_file_is_checked():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(NAMES)
