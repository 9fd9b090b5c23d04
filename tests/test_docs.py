"""The README stays in line with the code: commands, flags, environment, quick start, CI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from worker.cli import _parser
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> dict[str, list[str]]:
    parser = _parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {
        name: [
            opt for action in p._actions for opt in action.option_strings if opt.startswith("--")
        ]
        for name, p in sub.choices.items()
    }


def test_every_command_and_flag_is_documented():
    for name, flags in commands().items():
        assert f"delivery-sync {name}" in README, name
        for flag in flags:
            if flag == "--help":
                continue
            assert flag in README, f"{name} {flag}"


def test_every_environment_variable_is_documented():
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, name


def test_quick_start_has_the_two_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```sh\n(.+?)\n```", README.split("## Quick start", 1)[1], re.S)
    demo, tests = blocks[0], blocks[1]
    assert demo.endswith("pip install . && delivery-sync demo")
    assert tests.endswith("&& pytest")
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == tests


def test_readme_examples_carry_the_contract_lines():
    assert "### Delivery status — Checkout v2\n\nStatus: " in README
    assert re.search(r"^Progress: \d+ of \d+ items done$", README, re.M)
    assert "### Task status — Checkout v2" in README
    assert (
        '<!-- delivery-sync {"deliverable": "checkout-v2", "role": "delivery-lead"} -->' in README
    )


@pytest.mark.e2e
def test_the_wheel_ships_the_example_mappings_and_the_seed_data(tmp_path):
    # From a copy without build output: a stale build/ would ship files the source no longer has.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            "build", "dist", ".venv", ".git", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("delivery_sync-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mappings/examples/demo.yaml" in names
    assert "sandbox/seeds/demo.json" in names
    assert "rendering/markdown.py" in names
    assert "worker/cli.py" in names
    assert not any(name.startswith("connectors/sandbox/") for name in names)


def test_readme_quotes_the_golden_comments_verbatim():
    for name in (
        "checkout-v2.delivery-lead.md",
        "checkout-v2.delivery-lead.jira",
        "checkout-v2.project-manager.md",
    ):
        golden = (ROOT / "tests" / "golden" / name).read_text(encoding="utf-8").rstrip("\n")
        assert f"\n{golden}\n```" in README, name


def test_every_test_the_readme_names_exists():
    """The promises in the README name the tests that hold them; a renamed or deleted test must
    not leave a promise pointing at nothing. `::name` after `tests/file.py::…` means that file."""
    named = 0
    for block in re.split(r"\n(?=- |\| )", README):
        current = None
        for file, name in re.findall(r"(tests/[\w/]+\.py)?(?:::(\w+))", block):
            current = file or current
            assert current is not None, f"::{name} names no file"
            source = (ROOT / current).read_text(encoding="utf-8")
            assert re.search(rf"^(?:async )?def {name}\(", source, re.M), f"{current}::{name}"
            named += 1
        for file in re.findall(r"`(tests/[\w/]+\.py)`", block):
            assert (ROOT / file).exists(), file
    assert named > 50
