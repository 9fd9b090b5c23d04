"""One tracker adapter per source of the mapping file, with credentials from the environment."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlparse

from github import Auth

from connectors.github import GitHubTracker
from connectors.tracker import Tracker
from mappings.config import GitHubSource, JiraSource, MappingFile
from worker.settings import Settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class MissingCredentials(Exception):
    """A source has no usable credentials; the message names the variables to set."""


def is_loopback(url: str) -> bool:
    return (urlparse(url).hostname or "") in LOOPBACK


def github_auth(source: GitHubSource, settings: Settings) -> Auth.Auth:
    if source.token_env:
        token = settings.secret_from(source.token_env)
        if token is None:
            raise MissingCredentials(f"source {source.id!r}: ${source.token_env} is not set")
        return Auth.Token(token.get_secret_value())
    if settings.github_token is not None:
        return Auth.Token(settings.github_token.get_secret_value())
    if (
        settings.github_app_id
        and settings.github_app_private_key
        and settings.github_app_installation_id
    ):
        app = Auth.AppAuth(
            settings.github_app_id, settings.github_app_private_key.get_secret_value()
        )
        return Auth.AppInstallationAuth(app, settings.github_app_installation_id)
    raise MissingCredentials(
        f"source {source.id!r}: set GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and "
        "GITHUB_APP_INSTALLATION_ID)"
    )


def build_tracker(
    source: GitHubSource | JiraSource,
    settings: Settings,
    sleep: Callable[[float], None] = time.sleep,
) -> Tracker:
    if isinstance(source, GitHubSource):
        base_url = source.base_url or settings.github_api_url
        return GitHubTracker(
            source.id,
            source.repo,
            base_url=base_url,
            auth=github_auth(source, settings),
            # GitHub asks for a pause between content-creating requests; the sandbox does not.
            write_pause=0.0 if is_loopback(base_url) else 1.0,
            sleep=sleep,
        )
    raise MissingCredentials(f"source {source.id!r}: Jira sources are not supported yet")


def build_trackers(
    mapping: MappingFile, settings: Settings, sleep: Callable[[float], None] = time.sleep
) -> tuple[dict[str, Tracker], dict[str, str]]:
    """Adapters by source id, and the sources that could not be set up with the reason."""
    trackers: dict[str, Tracker] = {}
    failed: dict[str, str] = {}
    for source in mapping.sources:
        try:
            trackers[source.id] = build_tracker(source, settings, sleep)
        except MissingCredentials as exc:
            failed[source.id] = str(exc)
    return trackers, failed
