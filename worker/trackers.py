"""One tracker adapter per source of the mapping file, with credentials from the environment.

A source that cannot be set up (no credentials, a GitHub App key that is not a private key, a
URL with credentials in it) is reported with the variable to fix, and the others go on."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import SecretStr

from connectors.tracker import Tracker
from connectors.transport import RateBudget
from mappings.config import GitHubSource, JiraSource, MappingFile
from worker.ratelimits import credentials_key
from worker.settings import Settings, check_api_url
from worker.state import StateStore

# Each adapter is imported when a source of its kind is set up: a Jira-only mapping never
# loads the GitHub adapter, nor a GitHub-only one the Jira adapter (and the tracker libraries
# are imported by the adapters themselves, when an account or a client is made).
if TYPE_CHECKING:
    from connectors.github import GitHubAccount, GitHubCredentials
    from connectors.jira import JiraAuth

# The quota a credential shares with other processes, by the credential's key (a hash).
Budgets = Callable[[str], RateBudget]


class SourceSetupError(Exception):
    """A source cannot be set up; the message names what to fix (never a secret's value)."""


class MissingCredentials(SourceSetupError):
    """A source has no usable credentials; the message names the variables to set."""


def github_credentials(source: GitHubSource, settings: Settings) -> GitHubCredentials:
    """A source's token (`token_env`), else GITHUB_TOKEN, else the GitHub App variables, whose
    private key is checked now rather than at the first request."""
    from connectors.github import APP_VARIABLES, GitHubCredentials, app_private_key

    if source.token_env:
        token = settings.secret_from(source.token_env)
        if token is None:
            raise MissingCredentials(f"source {source.id!r}: ${source.token_env} is not set")
        return GitHubCredentials(token=token, variable=source.token_env)
    if settings.github_token is not None:
        return GitHubCredentials(token=settings.github_token)
    app_id, key = settings.github_app_id, settings.github_app_private_key
    if app_id and key and settings.github_app_installation_id:
        try:
            pem = app_private_key(key.get_secret_value())
        except ValueError as exc:
            raise MissingCredentials(str(exc)) from None
        return GitHubCredentials(
            app_id=app_id,
            private_key=SecretStr(pem),
            installation_id=settings.github_app_installation_id,
            variable=APP_VARIABLES,
        )
    raise MissingCredentials(
        f"source {source.id!r}: set GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and "
        "GITHUB_APP_INSTALLATION_ID)"
    )


def jira_auth(source: JiraSource, settings: Settings) -> JiraAuth:
    """Cloud: e-mail and API token (basic). Data Center: a personal access token (bearer)."""
    from connectors.jira import BasicAuth, BearerAuth

    if source.token_env:
        token = settings.secret_from(source.token_env)
        if token is None:
            raise MissingCredentials(f"source {source.id!r}: ${source.token_env} is not set")
        if source.deployment == "server" or not settings.jira_email:
            return BearerAuth(token)
        return BasicAuth(settings.jira_email, token)
    if source.deployment != "server" and settings.jira_email and settings.jira_api_token:
        return BasicAuth(settings.jira_email, settings.jira_api_token)
    if source.deployment != "cloud" and settings.jira_pat is not None:
        return BearerAuth(settings.jira_pat)
    raise MissingCredentials(
        f"source {source.id!r}: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT "
        "(Jira Data Center)"
    )


def github_account(
    source: GitHubSource,
    settings: Settings,
    accounts: dict[tuple, GitHubAccount],
    budgets: Budgets | None = None,
) -> GitHubAccount:
    """The shared account for a source's API base and credentials (and, with `budgets`, the
    quota it shares with other processes)."""
    from connectors.github import GitHubAccount

    url_variable = f"base_url of source {source.id!r}" if source.base_url else "GITHUB_API_URL"
    try:
        base_url = check_api_url(source.base_url or settings.github_api_url, url_variable, "github")
    except ValueError as exc:
        raise SourceSetupError(str(exc)) from None
    credentials = github_credentials(source, settings)
    key = (base_url, hashlib.sha256(credentials.identity.encode()).hexdigest())
    if key not in accounts:
        accounts[key] = GitHubAccount(
            base_url,
            credentials,
            write_pause=settings.delivery_sync_github_write_pause,
            url_variable=url_variable,
        )
        if budgets is not None:
            accounts[key].budget = budgets(credentials_key(base_url, credentials.identity))
    return accounts[key]


def build_tracker(
    source: GitHubSource | JiraSource,
    settings: Settings,
    site: dict | None = None,
    sleep: Callable[[float], None] = time.sleep,
    accounts: dict[tuple, GitHubAccount] | None = None,
    budgets: Budgets | None = None,
) -> Tracker:
    if isinstance(source, GitHubSource):
        from connectors.github import GitHubTracker

        account = github_account(source, settings, {} if accounts is None else accounts, budgets)
        return GitHubTracker(source.id, source.repo, account=account, sleep=sleep)
    from connectors.jira import JiraOptions, JiraTracker, SiteInfo

    url = source.url or settings.jira_url
    if not url:
        raise MissingCredentials(f"source {source.id!r}: set JIRA_URL (or `url` in the source)")
    try:
        variable = f"url of source {source.id!r}" if source.url else "JIRA_URL"
        url = check_api_url(url, variable, "jira")
    except ValueError as exc:
        raise SourceSetupError(str(exc)) from None
    auth = jira_auth(source, settings)
    return JiraTracker(
        source.id,
        source.project,
        url=url,
        auth=auth,
        options=JiraOptions(
            deployment=source.deployment,
            source_jql=source.jql,
            story_points_field=source.story_points_field,
            info=SiteInfo.from_dict(site) if site else None,
            budget=budgets(credentials_key(url, repr(auth.session_options()))) if budgets else None,
        ),
        sleep=sleep,
    )


def build_trackers(
    mapping: MappingFile,
    settings: Settings,
    state: StateStore | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budgets: Budgets | None = None,
) -> tuple[dict[str, Tracker], dict[str, str]]:
    """Adapters by source id, and the sources that could not be set up with the reason.

    What an adapter discovered about its site on an earlier run is handed back to it, so idle
    cycles do not ask again; it is discovered afresh once per full resync period. `budgets`
    gives the rate-limit quota a credential shares with other processes, by its key."""
    trackers: dict[str, Tracker] = {}
    failed: dict[str, str] = {}
    fresh_for = timedelta(hours=mapping.rules.full_resync_hours)
    accounts: dict[tuple, GitHubAccount] = {}
    for source in mapping.sources:
        site = None
        stored = state.site_info(source.id) if state is not None else None
        if stored is not None and now is not None and now - stored[1] < fresh_for:
            site = stored[0]
        try:
            trackers[source.id] = build_tracker(source, settings, site, sleep, accounts, budgets)
        except SourceSetupError as exc:
            failed[source.id] = str(exc)
    return trackers, failed
