"""Tiny HTML pages of the simulated Jira, for manual trials of `delivery-sync sandbox`: the
site's issues at `/` and one issue with its comments at `/browse/{key}`, without credentials.
Everything shown is escaped (wiki markup stays as typed)."""

from __future__ import annotations

from html import escape

from sandbox.jira.payloads import jira_time
from sandbox.jira.store import JiraStore
from sandbox.wire import Request, Response, html_page

HTML = "text/html;charset=UTF-8"


def is_page(path: str) -> bool:
    """Whether `path` (under the site's base URL) is a browser page rather than the API."""
    return path == "/" or path.startswith("/browse/")


class JiraWeb:
    """The browser side of the simulated Jira; the caller holds the store's lock."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store

    def handle(self, request: Request) -> Response:
        if request.method != "GET":
            return _page("Not Found", "<p>Not Found</p>", 404)
        if request.path == "/":
            rows = "".join(
                f'<tr><td><a href="{_e(request.base_url)}/browse/{i.key}">{i.key}</a></td>'
                f"<td>{_e(i.summary)}</td><td>{_e(i.status)}</td></tr>"
                for p in self.store.projects.values()
                for i in sorted(p.issues.values(), key=lambda i: i.number)
                if not i.deleted
            )
            return _page("Sandbox Jira", f"<table>{rows}</table>")
        try:
            issue = self.store.issue_by_ref(request.path.removeprefix("/browse/").strip("/"))
        except LookupError:
            return _page("Not Found", "<p>Not Found</p>", 404)
        user = self.store.user
        versions = ", ".join(issue.project.versions[v].name for v in issue.fix_versions)
        assignee = user(issue.assignee).display_name if issue.assignee else "Unassigned"
        meta = (
            f"{_e(issue.issuetype)} · {_e(issue.status)} · {_e(assignee)} · "
            f"fix versions: {_e(versions)} · due: {issue.due or '—'} · "
            f"labels: {_e(', '.join(issue.labels))}"
        )
        comments = "".join(
            f'<div id="comment-{c.id}"><h3>{_e(user(c.author).display_name)} · '
            f"{jira_time(c.created)}</h3><pre>{_e(c.body)}</pre></div>"
            for c in (self.store.comments_by_id[cid] for cid in issue.comment_ids)
        )
        body = f"<p>{meta}</p><pre>{_e(issue.description or '')}</pre>{comments}"
        return _page(f"[{issue.key}] {issue.summary}", body)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _page(title: str, body: str, status: int = 200) -> Response:
    return html_page(title, body, status, content_type=HTML)
