"""The layout holds: the import arrows of pyproject.toml's [tool.importlinter] contracts, and no
import cycle anywhere in the product or the sandbox."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("worker", "mappings", "connectors", "rendering", "sandbox")


def test_every_import_contract_is_kept():
    linted = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "6 kept, 0 broken" in linted.stdout


def test_no_module_imports_itself_back():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    cycles = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported != importer
        and not imported.startswith(f"{importer}.")  # a package and its own modules
        and not importer.startswith(f"{imported}.")
        and graph.chain_exists(imported, importer)
    )
    assert cycles == []


PRODUCT = ("connectors", "mappings", "rendering", "worker")  # the sandbox and tests aside


def test_no_function_in_the_product_is_over_60_lines_or_takes_more_than_6_parameters():
    too_big = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                args = node.args
                named = [a for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
                count = sum(a.arg not in ("self", "cls") for a in named)
                count += bool(args.vararg) + bool(args.kwarg)
                lines = node.end_lineno - node.lineno + 1
                if lines > 60 or count > 6:
                    where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                    too_big.append(f"{where}: {lines} lines, {count} parameters")
    assert too_big == []
