"""The layout holds: the import arrows of pyproject.toml's [tool.importlinter] contracts, and no
import cycle anywhere in the product or the sandbox."""

from __future__ import annotations

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
