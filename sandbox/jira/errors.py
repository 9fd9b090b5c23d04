"""Jira's error answers: `{"errorMessages": […], "errors": {…}}`, Data Center's bare 404 for a
path it does not know, and what an injected fault answers with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.wire import Request

NO_ISSUE = "Issue does not exist or you do not have permission to see it."


class JiraError(Exception):
    """An error answer: the status and Jira's `{"errorMessages": […], "errors": {…}}` body."""

    def __init__(
        self,
        status: int,
        *messages: str,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {' '.join(messages) or dict(errors or {})}")
        self.status = status
        self.payload: Any = {"errorMessages": list(messages), "errors": dict(errors or {})}
        self.headers = dict(headers or {})


def no_route(request: Request, cloud: bool) -> JiraError:
    """The 404 for a path the site has no endpoint at (Data Center's is not Jira's usual shape)."""
    if cloud:
        return JiraError(404, f"No endpoint {request.method} {request.path}.")
    error = JiraError(404)
    error.payload = {"message": f"null for uri: {request.base_url}{request.path}"}
    error.payload["status-code"] = 404
    return error


def fault_payload(status: int) -> dict[str, Any]:
    """What Jira answers with `status` when a fault injects it."""
    messages = {
        401: "Client must be authenticated to access this resource.",
        403: "You do not have permission to perform this operation.",
        404: NO_ISSUE,
        429: "Rate limit exceeded.",
        503: "Service Unavailable",
    }
    default = "Internal server error" if status >= 500 else "Error"
    return {"errorMessages": [messages.get(status, default)], "errors": {}}
