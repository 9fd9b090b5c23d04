"""The environment delivery-sync reads (DESIGN §4); every secret is a SecretStr.

API base URLs are checked here, before any request: they need an http(s) scheme and a host, and
must not carry credentials (`user:password@host`), which would end up in links, logs and the
state file. Error messages name the variable and the fix, never the value.
"""

from __future__ import annotations

import contextlib
import os
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where each tracker's credentials belong instead of a URL's userinfo, and a URL to copy.
CREDENTIALS_FOR = {
    "github": "GITHUB_TOKEN (or the GitHub App variables)",
    "jira": "JIRA_EMAIL/JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT (Data Center)",
}
EXAMPLES = {
    "github": "https://api.github.com (GitHub Enterprise: https://HOST/api/v3)",
    "jira": "https://acme.atlassian.net",
}


def check_api_url(value: str, variable: str, tracker: str | None = None) -> str:
    """`value` without a trailing slash, or ValueError saying what is wrong with it. The message
    names `variable` and never repeats the value: its user part may be a password. `tracker`
    ("github" or "jira"; default: from the variable's name) picks the hint."""
    tracker = tracker or ("jira" if "JIRA" in variable.upper() else "github")
    credentials = CREDENTIALS_FOR[tracker]
    example = EXAMPLES[tracker]
    text = value.strip()
    scheme, has_scheme, rest = text.partition("://")
    authority = (rest if has_scheme else text).split("/", 1)[0]
    if "@" in authority:
        raise ValueError(
            f"{variable} must not carry credentials (user:password@); put credentials in "
            f"{credentials}"
        )
    if not has_scheme or scheme.lower() not in ("http", "https"):
        raise ValueError(f"{variable} must start with https:// (for example {example})")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(
            f"{variable} has an invalid host or port (for example {example})"
        ) from None
    if not parts.hostname:
        raise ValueError(f"{variable} has no host name (for example {example})")
    return text.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_app_id: str | None = None
    github_app_private_key: SecretStr | None = None
    github_app_installation_id: int | None = None

    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_pat: SecretStr | None = None

    delivery_sync_config: str = Field("delivery-sync.yaml")
    delivery_sync_state: str = Field("delivery-sync.db")
    delivery_sync_log_format: Literal["json", "console"] | None = None
    delivery_sync_log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Seconds between two content-creating GitHub requests: GitHub asks for at least one. A
    # local stand-in (the sandbox, a test server) may set 0; more than a minute is a typo.
    delivery_sync_github_write_pause: float = Field(1.0, ge=0, le=60, allow_inf_nan=False)
    # Metrics of each run (worker/metrics.py): a node-exporter textfile, a Pushgateway, and in
    # loop mode a /metrics server. Loopback by default: the image sets 0.0.0.0, where the
    # container's own network is the boundary and a scraper must reach the pod.
    delivery_sync_metrics_file: str | None = None
    delivery_sync_pushgateway: str | None = None
    delivery_sync_metrics_port: int | None = Field(None, ge=1, le=65535)
    delivery_sync_metrics_address: str = "127.0.0.1"
    # Replicas sharing a PostgreSQL store (DESIGN §8): the name of the cycle they share (a
    # Kubernetes Job's name: its pods share one cycle, a finished one is never run again), and
    # how long a work unit stays leased to a replica that stopped renewing it.
    delivery_sync_cycle: str | None = None
    delivery_sync_lease_seconds: float = Field(60.0, ge=2, le=3600, allow_inf_nan=False)

    @field_validator("github_api_url", "jira_url")
    @classmethod
    def _api_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return value
        return check_api_url(value, str(info.field_name).upper())

    @field_validator("delivery_sync_pushgateway")
    @classmethod
    def _pushgateway(cls, value: str | None) -> str | None:
        if not value:
            return None
        # The URL is logged when a push fails: it must carry no credentials.
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a URL like http://pushgateway:9091")
        if "@" in parts.netloc:
            raise ValueError("must not carry credentials (user:password@)")
        return value.strip().rstrip("/")

    @field_validator("delivery_sync_log_level", "delivery_sync_log_format", mode="before")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if isinstance(value, str) else value

    def secret_from(self, variable: str) -> SecretStr | None:
        """A secret named by a source's `token_env`."""
        value = os.environ.get(variable)
        return SecretStr(value) if value else None

    def secret_values(self) -> list[str]:
        """Every secret of the environment, raw, for the log scrubber (which derives the forms
        they travel in: `Bearer …`, base64, URL-encoded)."""
        secrets = (
            self.github_token,
            self.github_app_private_key,
            self.jira_api_token,
            self.jira_pat,
        )
        found = [s.get_secret_value() for s in secrets if s is not None]
        # A PostgreSQL state URL may carry its password in the user information.
        if self.delivery_sync_state.startswith(("postgres://", "postgresql://")):
            with contextlib.suppress(ValueError):
                password = urlsplit(self.delivery_sync_state).password
                found += [unquote(password)] if password else []
        return found

    def basic_credentials(self) -> list[tuple[str, str]]:
        """(user, token) pairs sent as HTTP Basic credentials: Jira Cloud's e-mail and API
        token, whose base64 form a proxy may echo."""
        if self.jira_email and self.jira_api_token is not None:
            return [(self.jira_email, self.jira_api_token.get_secret_value())]
        return []
