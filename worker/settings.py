"""The environment delivery-sync reads (DESIGN §4); every secret is a SecretStr."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @field_validator("github_api_url", "jira_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("delivery_sync_log_level", "delivery_sync_log_format", mode="before")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if isinstance(value, str) else value

    def secret_from(self, variable: str) -> SecretStr | None:
        """A secret named by a source's `token_env`."""
        value = os.environ.get(variable)
        return SecretStr(value) if value else None
