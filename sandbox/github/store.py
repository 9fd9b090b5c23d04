"""The simulated GitHub's state: users, repositories, labels, milestones, issues (pull requests
included, as on GitHub) and comments, loaded from a materialised seed section, and the changes
GitHub makes to them.

One re-entrant lock guards everything; the caller holds it (`GitHubStore.lock`). Mutations stamp
times from the injectable clock. Lookups used by HTTP handlers raise `GitHubError`, so a missing
issue is GitHub's 404 (or 410 when it was deleted) wherever it is looked up.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sandbox.github.errors import MAX_BODY, GitHubError, invalid, not_found, too_long
from sandbox.wire import Clock, utc_now

BOT = "delivery-sync-bot"
DUE_TIME = time(7, 0, tzinfo=UTC)  # GitHub returns a milestone's due date at 07:00 or 08:00 UTC


@dataclass(slots=True)
class User:
    login: str
    id: int
    name: str = ""
    type: str = "User"  # "User", "Organization" or "Bot"
    association: str = "MEMBER"  # author_association of what this user writes in acme's repos


@dataclass(slots=True)
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass(slots=True)
class Milestone:
    id: int
    number: int
    title: str
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    state: str = "open"
    due_on: datetime | None = None
    closed_at: datetime | None = None


@dataclass(slots=True)
class Issue:
    id: int
    number: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    comment_ids: list[int] = field(default_factory=list)
    pull_request: bool = False
    merged_at: datetime | None = None
    deleted: bool = False


@dataclass(slots=True)
class Comment:
    id: int
    repo: str  # the repository's full name
    issue: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Repo:
    id: int
    owner: str
    name: str
    created_at: datetime
    description: str | None = None
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-case name
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    version: int = 0  # bumped by every change: list caches key on it
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def changed(self) -> None:
        self.version += 1
        self.cache.clear()


class GitHubStore:
    """In-memory GitHub state built from a materialised seed section (`data`)."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, clock: Clock | None = None):
        data = data or {}
        self.clock: Clock = clock or utc_now
        self.bot: str = data.get("bot", BOT)
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}  # by lower-case login
        self.repos: dict[str, Repo] = {}  # by lower-case full name
        self.comments_by_id: dict[int, Comment] = {}
        self._ids = {
            kind: itertools.count(start)
            for kind, start in [
                ("user", 7_310_001),
                ("repo", 812_000_001),
                ("label", 6_100_000_001),
                ("milestone", 10_400_001),
                ("issue", 2_900_000_001),
                ("comment", 2_480_000_001),
            ]
        }
        self.new_user(self.bot, name="delivery-sync", association="COLLABORATOR")
        for user in data.get("users", ()):
            login = user["login"]
            if login.lower() not in self.users:
                self.new_user(login, name=user.get("name", ""), type=user.get("type", "User"))
        for repo in data.get("repos", ()):
            self._load_repo(repo)

    # -- loading --------------------------------------------------------------------------------

    def _load_repo(self, raw: Mapping[str, Any]) -> None:
        repo = self.new_repo(raw["full_name"], raw.get("description"), raw.get("created_at"))
        for label in raw.get("labels", ()):
            self.label(repo, label["name"], label.get("color"), label.get("description"))
        for m in raw.get("milestones", ()):
            milestone = Milestone(
                id=next(self._ids["milestone"]),
                number=m["number"],
                title=m["title"],
                creator=self.user(m.get("creator") or self.bot).login,
                created_at=m["created_at"],
                updated_at=m.get("updated_at") or m["created_at"],
                description=m.get("description"),
                state=m.get("state", "open"),
                due_on=due(m.get("due_on")),
                closed_at=m.get("closed_at"),
            )
            repo.milestones[milestone.number] = milestone
        for raw_issue in raw.get("issues", ()):
            issue = self.new_issue(repo, raw_issue)
            for c in raw_issue.get("comments", ()):
                user = self.user(c["user"]).login
                self.new_comment(repo, issue, user, c["body"], c["created_at"], c.get("updated_at"))

    # -- creating -------------------------------------------------------------------------------

    def new_user(self, login: str, **attrs: Any) -> User:
        if login.endswith("[bot]"):
            attrs.setdefault("type", "Bot")
            attrs.setdefault("association", "NONE")
        user = User(login=login, id=next(self._ids["user"]), **attrs)
        self.users[login.lower()] = user
        return user

    def new_repo(self, full_name: str, description: str | None, created: datetime | None) -> Repo:
        owner, name = full_name.split("/")
        if owner.lower() not in self.users:
            self.new_user(owner, type="Organization")
        repo = Repo(
            id=next(self._ids["repo"]),
            owner=self.users[owner.lower()].login,
            name=name,
            created_at=created or self.clock(),
            description=description,
        )
        self.repos[repo.full_name.lower()] = repo
        return repo

    def new_milestone(
        self,
        repo: Repo,
        title: str,
        *,
        due_on: date | datetime | None,
        state: str,
        description: str | None,
        creator: str | None,
    ) -> Milestone:
        """A milestone created now, numbered after the repository's last one."""
        now = self.clock()
        milestone = Milestone(
            id=next(self._ids["milestone"]),
            number=max(repo.milestones, default=0) + 1,
            title=title,
            creator=self.user(creator or self.bot).login,
            created_at=now,
            updated_at=now,
            description=description,
            state=state,
            due_on=due(due_on),
            closed_at=now if state == "closed" else None,
        )
        repo.milestones[milestone.number] = milestone
        repo.changed()
        return milestone

    def new_issue(self, repo: Repo, raw: Mapping[str, Any]) -> Issue:
        """An issue from seed-shaped `raw` (`pull_request`: {} is an unmerged pull request)."""
        number = raw.get("number") or max(repo.issues, default=0) + 1
        created = raw.get("created_at") or self.clock()
        closed_at = raw.get("closed_at")
        state = raw.get("state") or ("closed" if closed_at else "open")
        pr = raw.get("pull_request")
        is_pr = pr is not None
        reason = raw.get("state_reason")
        if state == "closed":
            closed_at = closed_at or created
            reason = None if is_pr else reason or "completed"
        issue = Issue(
            id=next(self._ids["issue"]),
            number=number,
            title=raw["title"],
            user=self.user(raw.get("user") or self.bot).login,
            created_at=created,
            updated_at=raw.get("updated_at") or closed_at or created,
            body=raw.get("body"),
            labels=[self.label(repo, name).name for name in raw.get("labels", ())],
            assignees=[self.user(login).login for login in raw.get("assignees", ())],
            milestone=self.milestone_number(repo, raw.get("milestone")),
            state=state,
            state_reason=reason,
            closed_at=closed_at if state == "closed" else None,
            closed_by=raw.get("closed_by") if state == "closed" else None,
            pull_request=is_pr,
            merged_at=pr.get("merged_at") if isinstance(pr, Mapping) else None,
        )
        if issue.number in repo.issues:
            raise ValueError(f"{repo.full_name}#{issue.number} exists")
        repo.issues[issue.number] = issue
        repo.changed()
        return issue

    def new_comment(
        self,
        repo: Repo,
        issue: Issue,
        user: str,
        body: str,
        at: datetime | None = None,
        updated: datetime | None = None,
    ) -> Comment:
        at = at or self.clock()
        comment_id = next(self._ids["comment"])
        comment = Comment(comment_id, repo.full_name, issue.number, user, body, at, updated or at)
        self.comments_by_id[comment.id] = comment
        issue.comment_ids.append(comment.id)
        repo.changed()
        return comment

    # -- changing -------------------------------------------------------------------------------

    def update_issue(
        self, repo: Repo, issue: Issue, fields: Mapping[str, Any], *, actor: str, at: datetime
    ) -> None:
        """Apply an issue edit as GitHub does; `updated_at` moves only when something changed."""
        before = (issue.title, issue.body, issue.state, issue.state_reason, list(issue.labels))
        before += (list(issue.assignees), issue.milestone)
        old_milestone = issue.milestone
        if "title" in fields:
            if not isinstance(fields["title"], str) or not fields["title"].strip():
                raise invalid("Issue", "title", "missing_field")
            issue.title = fields["title"]
        if "body" in fields:
            body = fields["body"]
            if body is not None and not isinstance(body, str):
                raise invalid("Issue", "body")
            if body is not None and len(body) > MAX_BODY:
                raise too_long("Issue")
            issue.body = body
        if "labels" in fields:
            issue.labels = [self.label(repo, name).name for name in _label_names(fields["labels"])]
        if "assignees" in fields or "assignee" in fields:
            wanted = fields.get("assignees")
            if wanted is None:
                wanted = [fields["assignee"]] if fields.get("assignee") else []
            if not isinstance(wanted, list):
                raise invalid("Issue", "assignees")
            # GitHub silently drops assignees who cannot be assigned.
            issue.assignees = [
                self.users[u.lower()].login for u in wanted if u.lower() in self.users
            ]
        if "milestone" in fields:
            value = fields["milestone"]
            if value is not None and (not isinstance(value, int) or value not in repo.milestones):
                raise invalid("Issue", "milestone", value=value)
            issue.milestone = value
        _change_state(issue, fields, actor, at)
        after = (issue.title, issue.body, issue.state, issue.state_reason, list(issue.labels))
        after += (list(issue.assignees), issue.milestone)
        if after != before:
            issue.updated_at = at
            for number in {old_milestone, issue.milestone} - {None}:
                repo.milestones[number].updated_at = at
            repo.changed()

    def delete_issue(self, repo: Repo, issue: Issue) -> None:
        """It leaves every listing and its URL answers 410 Gone."""
        issue.deleted = True
        repo.changed()

    def update_milestone(
        self, repo: Repo, milestone: Milestone, fields: Mapping[str, Any], at: datetime
    ) -> None:
        for name, value in fields.items():
            if name not in ("title", "description", "state", "due_on"):
                raise TypeError(f"unknown milestone field {name!r}")
            setattr(milestone, name, due(value) if name == "due_on" else value)
        if "state" in fields:
            milestone.closed_at = at if milestone.state == "closed" else None
        milestone.updated_at = at
        repo.changed()

    def edit_comment(self, comment: Comment, body: str, at: datetime) -> None:
        comment.body, comment.updated_at = body, at
        self.repo(comment.repo).changed()

    def remove_comment(self, repo: Repo, comment: Comment) -> None:
        del self.comments_by_id[comment.id]
        repo.issues[comment.issue].comment_ids.remove(comment.id)
        repo.changed()

    # -- reading --------------------------------------------------------------------------------

    def milestone_counts(self, repo: Repo) -> dict[int, list[int]]:
        """(open, closed) per milestone; pull requests count, as on GitHub."""
        key = "milestone-counts"
        if key not in repo.cache:
            counts = {number: [0, 0] for number in repo.milestones}
            for issue in repo.issues.values():
                if issue.milestone is not None and not issue.deleted:
                    counts[issue.milestone][issue.state == "closed"] += 1
            repo.cache[key] = counts
        return repo.cache[key]

    def live_issues(self, repo: Repo) -> list[Issue]:
        """Every issue and pull request of the repository that was not deleted, by number."""
        return sorted((i for i in repo.issues.values() if not i.deleted), key=lambda i: i.number)

    @property
    def default_author(self) -> str:
        """Who writes issues added without a `user`: the first human user, else the bot."""
        humans = (u.login for u in self.users.values() if u.type == "User" and u.login != self.bot)
        return next(humans, self.bot)

    # -- lookups --------------------------------------------------------------------------------

    def user(self, login: str) -> User:
        """The user with this login, created on the fly (helpers and seeds are lenient)."""
        user = self.users.get(login.lower())
        if user is None:
            user = self.new_user(login)
        return user

    def label(
        self, repo: Repo, name: str, color: str | None = None, description: str | None = None
    ) -> Label:
        """The repository's label, created when missing (GitHub creates labels named in edits)."""
        label = repo.labels.get(name.lower())
        if label is None:
            label = Label(next(self._ids["label"]), name, color or "ededed", description)
            repo.labels[name.lower()] = label
        return label

    def milestone_number(self, repo: Repo, ref: int | str | None) -> int | None:
        """The number of the milestone with this number or title."""
        if ref is None:
            return None
        if isinstance(ref, int) and ref in repo.milestones:
            return ref
        for m in repo.milestones.values():
            if m.title == ref:
                return m.number
        raise GitHubError(422, f"no milestone {ref!r} in {repo.full_name}")

    def repo(self, full_name: str) -> Repo:
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise GitHubError(404, f"no repository {full_name}")
        return repo

    def repo_for(self, owner: str = "", repo: str = "", repo_id: str = "") -> Repo:
        """The repository a request path names, by `owner/repo` or by id (`/repositories/N`)."""
        if repo_id:
            found = next((r for r in self.repos.values() if r.id == int(repo_id)), None)
        else:
            found = self.repos.get(f"{owner}/{repo}".lower())
        if found is None:
            raise not_found()
        return found

    def issue_for(self, repo: Repo, number: int | str) -> Issue:
        issue = repo.issues.get(int(number))
        if issue is None:
            raise not_found()
        if issue.deleted:
            raise GitHubError(410, "This issue was deleted")
        return issue

    def comment_for(self, repo: Repo, cid: str) -> Comment:
        comment = self.comments_by_id.get(int(cid))
        if comment is None or comment.repo != repo.full_name:
            raise not_found()
        return comment


def due(value: date | datetime | None) -> datetime | None:
    """A milestone due date as GitHub returns it: the day at 07:00 UTC."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, DUE_TIME)


def _change_state(issue: Issue, fields: Mapping[str, Any], actor: str, at: datetime) -> None:
    state = fields.get("state", issue.state)
    reason = fields.get("state_reason")
    if state not in ("open", "closed"):
        raise invalid("Issue", "state")
    if reason not in (None, "completed", "not_planned", "duplicate", "reopened"):
        raise invalid("Issue", "state_reason")
    if state == "closed" and issue.state == "open":
        issue.state, issue.closed_at, issue.closed_by = "closed", at, actor
        issue.state_reason = None if issue.pull_request else (reason or "completed")
    elif state == "open" and issue.state == "closed":
        issue.state, issue.closed_at, issue.closed_by = "open", None, None
        issue.state_reason = None if issue.pull_request else "reopened"
    elif state == "closed" and reason and not issue.pull_request:
        issue.state_reason = reason


def _label_names(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise invalid("Issue", "labels")
    names = [item.get("name") if isinstance(item, dict) else item for item in raw]
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise invalid("Label", "name")
    return list(dict.fromkeys(names))
