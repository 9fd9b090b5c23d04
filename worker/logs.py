"""structlog set-up: JSON lines on stderr when not a TTY (or when asked), else readable console.

Known secret values are scrubbed from every event as a last line of defence; the code never
logs them on purpose. `scrub(text)` applies the same cleaning to any other text (stdout, an
exception's message) before it is shown. A secret is scrubbed in every form it travels in: raw
(so `Bearer <t>` and `token <t>` too), URL-encoded (URL userinfo), JSON-escaped, base64, and as
part of a base64 Basic credential (`base64(user:token)`), whatever the user part is. GitHub's
token formats and JSON Web Tokens are scrubbed even when nobody registered them (a GitHub App's
installation token is minted at run time).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

# structlog's `dev` module imports rich, when it is installed, only to pretty-print tracebacks:
# ~0.07 s of CPU at every start, more than an idle cycle's own work. Our processors turn an
# exception into plain text (`format_exc_info`) before any renderer sees it, so that would never
# be used. structlog is imported with rich hidden; rich stays importable for the progress display
# on a terminal (`worker.progress`). A no-op when either was imported already (tests).
_HIDE_RICH = "structlog" not in sys.modules and "rich" not in sys.modules
if _HIDE_RICH:
    sys.modules["rich"] = None  # type: ignore[assignment]
try:
    import structlog
finally:
    if _HIDE_RICH:
        del sys.modules["rich"]

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
REDACTED = "***"
MIN_SECRET = 4  # shorter values would scrub ordinary words
MIN_FRAGMENT = 8  # the shortest base64 fragment of a secret worth scrubbing
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{16,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)


_secrets: set[str] = set()
_ordered: list[str] = []  # _secrets, longest first: a longer form may contain a shorter one


def _forms(secret: str) -> set[str]:
    """The forms a secret is sent or shown in."""
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}
    forms.add(base64.b64encode(raw).decode())
    # Inside base64(user:secret) the secret's encoding depends on where it starts within a
    # 3-byte group: keep, for each of the three offsets, the characters that encode only it.
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = 4 if offset else 0
        end = (offset + len(raw)) // 3 * 4
        fragment = encoded[start:end]
        if len(fragment) >= MIN_FRAGMENT:
            forms.add(fragment)
    return {f for f in forms if len(f) >= MIN_SECRET}


def _register(forms: Iterable[str]) -> None:
    global _ordered
    _secrets.update(forms)
    _ordered = sorted(_secrets, key=len, reverse=True)


def add_secrets(values: Iterable[str]) -> None:
    """More values to scrub (e.g. tokens named by a mapping file's `token_env`), in every form."""
    forms: set[str] = set()
    for value in values:
        if value and len(value) >= MIN_SECRET:
            forms |= _forms(value)
    _register(forms)


def add_basic_credential(user: str, token: str) -> None:
    """An HTTP Basic credential (Jira Cloud: JIRA_EMAIL and JIRA_API_TOKEN): the exact
    `base64(user:token)` is scrubbed whole, and the token in all its forms."""
    add_secrets([token])
    if user and token:
        _register({base64.b64encode(f"{user}:{token}".encode()).decode()})


def scrub(text: str) -> str:
    """`text` with every registered secret, in every form, and every GitHub token or JSON Web
    Token replaced by `***`. For what the CLI prints besides logs: summaries, exception
    messages."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


def _scrub(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    return {key: _clean(value) for key, value in event.items()}


def configure(
    level: str = "info",
    fmt: str | None = None,
    secrets: Iterable[str] = (),
    basic_credentials: Iterable[tuple[str, str]] = (),
) -> None:
    """Set up logging; `secrets` and `basic_credentials` ((user, token) pairs) replace the
    values scrubbed so far."""
    _secrets.clear()
    _ordered.clear()
    add_secrets(secrets)
    for user, token in basic_credentials:
        add_basic_credential(user, token)
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
