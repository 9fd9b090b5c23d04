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


_secrets: set[str] = set()


def add_secrets(values: Iterable[str]) -> None:
    """More values to scrub (e.g. tokens named by a mapping file's `token_env`)."""
    _secrets.update(v for v in values if v and len(v) >= 4)


def _clean(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: _clean(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v, secrets) for v in value)
    return value


def _scrub(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    if not _secrets:
        return event
    secrets = sorted(_secrets, key=len, reverse=True)  # a longer secret may contain a shorter one
    return {key: _clean(value, secrets) for key, value in event.items()}


def configure(level: str = "info", fmt: str | None = None, secrets: Iterable[str] = ()) -> None:
    _secrets.clear()
    add_secrets(secrets)
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
            structlog.processors.format_exc_info,
            _scrub,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS.get(level, logging.INFO)),
        # Look up sys.stderr per logger, not once: it may be replaced (tests, daemons).
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
