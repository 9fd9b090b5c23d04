"""GitHub's error answers: the JSON error body, the 4xx shapes its REST API sends, and what an
injected fault answers with."""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65_536  # characters, for issue and comment bodies


class GitHubError(Exception):
    """An error answer: the status and GitHub's JSON error body."""

    def __init__(self, status: int, message: str, doc: str = DOCS, **extra: Any) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.payload = {"message": message, **extra, "documentation_url": doc}
        self.payload["status"] = str(status)


def not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def invalid(resource: str, field_name: str, code: str = "invalid", **extra: Any) -> GitHubError:
    error = {"resource": resource, "field": field_name, "code": code, **extra}
    return GitHubError(422, "Validation Failed", errors=[error])


def problems_parsing() -> GitHubError:
    return GitHubError(400, "Problems parsing JSON")


def too_long(resource: str) -> GitHubError:
    error = {
        "resource": resource,
        "code": "unprocessable",
        "field": "data",
        "message": f"Body is too long (maximum is {MAX_BODY} characters)",
    }
    doc = f"{DOCS}/issues/comments#create-an-issue-comment"
    return GitHubError(422, "Validation Failed", doc, errors=[error])


def fault_payload(status: int) -> dict[str, str]:
    """What GitHub answers with `status` when a fault injects it."""
    if status in (403, 429):
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
            "again. If you reach out to GitHub Support for help, please include the request ID "
            "5B1D:SANDBOX."
        )
        doc = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        return GitHubError(status, message, doc).payload
    if status >= 500:
        return {"message": "Server Error"}
    messages = {401: "Bad credentials", 404: "Not Found"}
    return GitHubError(status, messages.get(status, "Error")).payload
