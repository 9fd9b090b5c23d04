"""Tiny HTML pages at the paths the GitHub payloads' `html_url`s name (`/acme/web/issues/12`),
for manual trials of `delivery-sync sandbox`: the repositories, an issue list (all, or one
milestone's), and an issue with its comments. Everything shown is escaped."""

from __future__ import annotations

from html import escape

from sandbox.github.payloads import iso
from sandbox.github.store import GitHubStore, Issue, Repo
from sandbox.wire import Fault, Request, Response, html_page


class GitHubWeb:
    """The browser side of the simulated GitHub, mounted at the sandbox's root."""

    name = "github-web"

    def __init__(self, store: GitHubStore) -> None:
        self.store = store

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        with self.store.lock:
            if request.method != "GET":
                return _not_found()
            if not parts:
                return self._index()
            repo = self.store.repos.get("/".join(parts[:2]).lower()) if len(parts) >= 2 else None
            if repo is None:
                return _not_found()
            rest = parts[2:]
            if rest in ([], ["issues"]):
                return self._list(repo, None)
            if len(rest) == 2 and rest[0] == "milestone" and rest[1].isdigit():
                return self._list(repo, int(rest[1]))
            if len(rest) == 2 and rest[0] in ("issues", "pull") and rest[1].isdigit():
                issue = repo.issues.get(int(rest[1]))
                if issue is not None and not issue.deleted:
                    return self._issue(repo, issue)
            return _not_found()

    def fault_response(self, request: Request, status: int, fault: Fault) -> Response:
        return html_page(str(status), f"<p>{status}</p>", status)

    def _index(self) -> Response:
        items = "".join(
            f'<li><a href="/{_e(r.full_name)}/issues">{_e(r.full_name)}</a></li>'
            for r in self.store.repos.values()
        )
        return html_page("Sandbox repositories", f"<ul>{items}</ul>")

    def _list(self, repo: Repo, milestone: int | None) -> Response:
        rows = []
        for issue in sorted(repo.issues.values(), key=lambda i: i.number):
            if issue.deleted or (milestone is not None and issue.milestone != milestone):
                continue
            kind = "pull" if issue.pull_request else "issues"
            href = f"/{repo.full_name}/{kind}/{issue.number}"
            rows.append(
                f'<tr><td><a href="{_e(href)}">#{issue.number}</a></td><td>{_e(issue.title)}</td>'
                f"<td>{issue.state}</td><td>{_e(', '.join(issue.labels))}</td>"
                f"<td>{_e(', '.join(issue.assignees))}</td></tr>"
            )
        title = repo.full_name
        if milestone is not None and milestone in repo.milestones:
            title += f" — {repo.milestones[milestone].title}"
        return html_page(title, f"<table>{''.join(rows)}</table>")

    def _issue(self, repo: Repo, issue: Issue) -> Response:
        comments = "".join(
            f'<div id="issuecomment-{c.id}"><h3>{_e(c.user)} · {iso(c.created_at)}</h3>'
            f"<pre>{_e(c.body)}</pre></div>"
            for c in (self.store.comments_by_id[cid] for cid in issue.comment_ids)
        )
        meta = f"{issue.state} · {_e(', '.join(issue.labels))} · {_e(', '.join(issue.assignees))}"
        body = f"<p>{meta}</p><pre>{_e(issue.body or '')}</pre>{comments}"
        return html_page(f"{repo.full_name}#{issue.number} {issue.title}", body)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _not_found() -> Response:
    return html_page("Not Found", "<p>Not Found</p>", 404)
