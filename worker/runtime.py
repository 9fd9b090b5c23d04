"""What a run takes from the process — the clock, how it waits, where dry-run diffs go, the stop
request — in one value that tests replace."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    """What a cycle takes from the process: the clock, how it waits between retries, where dry
    run diffs go, and the stop request (SIGTERM: no new write starts). Tests pass their own."""

    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    out: TextIO | None = None
    stop: threading.Event = field(default_factory=threading.Event)
