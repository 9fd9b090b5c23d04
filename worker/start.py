"""The `delivery-sync` console script: the command line, imported with the garbage collector held.

Importing the command line builds most of what the process will ever hold — pydantic's model
machinery, the mapping schema, the dataclasses of every module — and the collector, triggered
every 700 new objects, would scan that growing heap again and again while nothing in it is
garbage yet. So the collector is off while `worker.cli` is imported, and what the import made is
then moved out of its reach (`gc.freeze`): later collections, in the cycle or in `--interval`
mode, scan only what the cycle makes. About 4 % of an idle cycle's instructions (valgrind).
The few hundred cycles of garbage the import leaves are frozen with it (a few kilobytes, for
good): cheaper than the full collection (~20 ms) that would free them first.

`python -m worker.start` is the console script; `python -m worker.cli` runs the same `main`
without holding the collector.
"""

from __future__ import annotations

import gc
import sys


def main() -> int:
    gc.disable()
    try:
        from worker.cli import main as command_line
    finally:
        gc.freeze()
        gc.enable()
    return command_line()


if __name__ == "__main__":
    sys.exit(main())
