"""Who may call the simulated Jira, and how often: Cloud's Basic `email:api-token` and Data
Center's Bearer personal access token, each mode's 401, and Cloud's hourly rate limit with the
429 both modes answer when a limit is spent."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox.jira.errors import JiraError
from sandbox.wire import Request

EMAIL = "delivery-sync@acme.example"
API_TOKEN = "sandbox-jira-api-token"
PAT = "sandbox-jira-pat"
RATE_LIMIT = 65_000  # Cloud: requests per hour (Atlassian counts points; one per request here)
_NEVER = datetime.min.replace(tzinfo=UTC)


def authenticate(request: Request, *, cloud: bool, basic: str, pat: str) -> bool | None:
    """True for the bot's credentials (`basic` is "email:api-token"), None for none, False for
    wrong ones or the other mode's kind."""
    header = request.headers.get("authorization", "").strip()
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if cloud and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return decoded == basic
    return not cloud and scheme.lower() == "bearer" and credentials == pat


def unauthenticated(*, cloud: bool, missing: bool) -> JiraError:
    if cloud:
        message = "Client must be authenticated to access this resource."
        return JiraError(401, message, headers={"www-authenticate": 'OAuth realm="jira"'})
    message = "You are not authenticated. Authentication required to perform this operation."
    reason = "AUTHENTICATION_DENIED" if missing else "AUTHENTICATED_FAILED"
    return JiraError(401, message, headers={"x-seraph-loginreason": reason})


@dataclass(slots=True)
class RateLimit:
    """Cloud's limit for the one account: `limit` requests per hour from the first."""

    limit: int = RATE_LIMIT
    used: int = 0
    reset: datetime = _NEVER

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def roll(self, now: datetime) -> None:
        if now >= self.reset:
            self.used, self.reset = 0, now + timedelta(hours=1)

    def headers(self) -> dict[str, str]:
        out = {"x-ratelimit-limit": str(self.limit), "x-ratelimit-remaining": str(self.remaining)}
        if self.remaining < self.limit * 0.2:
            out["x-ratelimit-nearlimit"] = "true"
        return out

    def exceeded(self, now: datetime, *, cloud: bool, retry_after: str | None = None) -> JiraError:
        """The 429 for a spent limit: wait `retry_after` seconds, else until the window resets.

        Cloud names its reset time (`yyyy-MM-ddTHH:mmZ`, not epoch seconds); Data Center
        describes its token bucket."""
        wait = float(retry_after) if retry_after else (self.reset - now).total_seconds()
        wait = max(1, math.ceil(wait))
        reset = now + timedelta(seconds=wait)
        headers = {"retry-after": str(wait)}
        if cloud:
            headers |= {
                "x-ratelimit-reset": reset.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
                "x-ratelimit-limit": str(self.limit),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-nearlimit": "true",
                "ratelimit-reason": "jira-quota-global-based",
            }
        else:
            headers |= {
                "x-ratelimit-limit": "100",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-interval-seconds": "60",
                "x-ratelimit-fillrate": "10",
            }
        return JiraError(429, "Rate limit exceeded.", headers=headers)
