"""structlog set-up: JSON lines on stderr when not a TTY (or when asked), else readable console.

Known secret values are scrubbed from every event as a last line of defence; the code never
logs them on purpose.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

import structlog

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
REDACTED = "***"


def _scrubber(secrets: Iterable[str]):
    values = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        if not values:
            return event
        for key, value in event.items():
            if isinstance(value, str):
                for secret in values:
                    value = value.replace(secret, REDACTED)
                event[key] = value
        return event

    return scrub


def configure(level: str = "info", fmt: str | None = None, secrets: Iterable[str] = ()) -> None:
    as_json = fmt == "json" or (fmt is None and not sys.stderr.isatty())
    renderer = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _scrubber(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS.get(level, logging.INFO)),
        # Look up sys.stderr per logger, not once: it may be replaced (tests, daemons).
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
