"""How a full fetch reads one source: its whole listing, or one listing per selector — whichever
the sizes the tracker reports say costs fewer requests. Pure: sizes in, a plan out.

The cost model counts requests, one per page of `per_page` entries:

- the whole listing costs the pages the tracker announced for it (GitHub's `Link: rel="last"`
  on its first page, which the fetch reads anyway as the stream's change probe);
- a selector's listing costs ⌈size / per_page⌉ pages, at least one even when empty; its size is
  what the tracker reports (a GitHub milestone's `open_issues + closed_issues`) or, for a label,
  how many items carried it after the previous cycle; unknown on a cold run;
- reading by selectors also reads each report target of the source on its own (one request
  each): a target is outside the selectors as a rule, and its description holds the checklist.

Selectors are chosen only when they cost strictly fewer requests: on a tie the whole listing,
which also keeps every item of the source for the workload figures. A selector whose size is
unknown costs at least one page and at most the whole listing; when even its cheapest case
leaves no saving worth the probe (one request per unknown selector, which asks for a one-entry
page and reads the count from its `last` link), the plan is the whole listing without probing.

A Jira project needs no plan: its selectors are one search, whose union is part of the project
and so never costs more pages than the whole of it (`worker.fetch._read_union`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Read(StrEnum):
    WHOLE = "whole"  # list the whole repository / project
    SELECTORS = "selectors"  # list each selector, and fetch each report target
    PROBE = "probe"  # size the selectors in `probe` first, then plan again


@dataclass(frozen=True, slots=True)
class ReadPlan:
    read: Read
    pages: int  # requests the chosen reading is estimated to cost (a probe: the whole listing's)
    whole_pages: int
    selector_pages: int | None  # None: some selector's size is unknown
    probe: tuple[int, ...] = ()  # indices of the selectors to size before planning again


def listing_pages(size: int, per_page: int) -> int:
    """Requests to list `size` entries: a listing answers at least one page, even empty."""
    return max(1, math.ceil(size / per_page))


def plan_full_read(
    whole_pages: int, selector_sizes: Sequence[int | None], targets: int, per_page: int
) -> ReadPlan:
    """The cheaper way to read a source in full. `whole_pages`: pages of the whole listing;
    `selector_sizes`: entries each selector's listing would return (None: unknown); `targets`:
    report targets of the source, each one request under the selector reading."""
    if per_page < 1 or whole_pages < 1 or targets < 0:
        raise ValueError("per_page and whole_pages must be positive, targets not negative")
    if not selector_sizes:
        return ReadPlan(Read.WHOLE, whole_pages, whole_pages, None)
    known = [listing_pages(size, per_page) for size in selector_sizes if size is not None]
    unknown = tuple(i for i, size in enumerate(selector_sizes) if size is None)
    cheapest = sum(known) + len(unknown) + targets
    if unknown:
        # Probing costs one request per unknown selector; it pays only if the selectors, at
        # their smallest, would still save more than that.
        if cheapest + len(unknown) < whole_pages:
            return ReadPlan(Read.PROBE, whole_pages, whole_pages, None, unknown)
        return ReadPlan(Read.WHOLE, whole_pages, whole_pages, None)
    if cheapest < whole_pages:
        return ReadPlan(Read.SELECTORS, cheapest, whole_pages, cheapest)
    return ReadPlan(Read.WHOLE, whole_pages, whole_pages, cheapest)
