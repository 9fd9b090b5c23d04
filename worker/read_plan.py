"""How a full fetch reads one source: its whole listing, or one listing per selector — whichever
the sizes the tracker reports say costs fewer requests. Pure: pages in, a plan out.

The cost model counts requests, one per page of `per_page` entries:

- the whole listing costs the pages the tracker announced for it (GitHub's `Link: rel="last"`
  on its first page, which the fetch reads anyway as the stream's change probe); before that
  page is read, a floor stands in (every milestone's issues together, each issue being in one
  milestone at most): selectors cheaper than the floor are cheaper than the listing;
- a selector's listing costs ⌈size / per_page⌉ pages, at least one even when empty; its size is
  what the tracker reports (a GitHub milestone's `open_issues + closed_issues`) or, for a label,
  how many items carried it after the previous cycle; unknown on a cold run;
- reading by selectors also reads on its own (one request each) every report target of the
  source that the whole listing's first page did not hold: a target is outside the selectors
  as a rule, and its description holds the checklist.

Selectors are chosen only when they cost strictly fewer requests: on a tie the whole listing,
which also keeps every item of the source for the workload figures. A selector whose size is
unknown costs at least one page and at most the whole listing. When even its cheapest case
saves requests, the plan is to open it first: its first page (`per_page` entries, the `last`
link giving its pages) is the first page of its reading, so it costs nothing when the selectors
then win, and one request per opened selector when the whole listing does.

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
    PROBE = "probe"  # open the selectors in `probe` first (their pages), then plan again


@dataclass(frozen=True, slots=True)
class ReadPlan:
    read: Read
    pages: int  # requests the chosen reading is estimated to cost (a probe: the whole listing's)
    whole_pages: int
    selector_pages: int | None  # None: some selector's size is unknown
    probe: tuple[int, ...] = ()  # indices of the selectors to open before planning again


def listing_pages(size: int, per_page: int) -> int:
    """Requests to list `size` entries: a listing answers at least one page, even empty."""
    return max(1, math.ceil(size / per_page))


def plan_full_read(
    whole_pages: int, selector_pages: Sequence[int | None], targets: int
) -> ReadPlan:
    """The cheaper way to read a source in full. `whole_pages`: pages of the whole listing;
    `selector_pages`: pages each selector's listing would take (None: unknown, see
    `listing_pages`); `targets`: report targets the selector reading must fetch one by one."""
    if whole_pages < 1 or targets < 0 or any(p is not None and p < 1 for p in selector_pages):
        raise ValueError("pages must be positive, targets not negative")
    if not selector_pages:
        return ReadPlan(Read.WHOLE, whole_pages, whole_pages, None)
    unknown = tuple(i for i, pages in enumerate(selector_pages) if pages is None)
    cheapest = sum(pages or 1 for pages in selector_pages) + targets
    if unknown:
        # Opening a selector reads its first page, which a selector reading needs anyway.
        if cheapest < whole_pages:
            return ReadPlan(Read.PROBE, whole_pages, whole_pages, None, unknown)
        return ReadPlan(Read.WHOLE, whole_pages, whole_pages, None)
    if cheapest < whole_pages:
        return ReadPlan(Read.SELECTORS, cheapest, whole_pages, cheapest)
    return ReadPlan(Read.WHOLE, whole_pages, whole_pages, cheapest)
