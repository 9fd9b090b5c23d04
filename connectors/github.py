"""GitHub adapter: fetch issues, milestones and labels, find and write our comments.

Every request is raw JSON (100 per page, `Link`-header paging), sent by `_Sender` on one
`requests` session per identity, not through PyGithub's objects: reading their attributes can
silently GET each item, PyGithub's `requestJsonAndCheck` returns whatever it could parse, and
importing the `github` package costs a quarter of an idle cycle's CPU budget. PyGithub signs a
GitHub App's tokens, and is imported only for an App. Here every answer must be the JSON shape
its endpoint promises (a list for a listing, an object with the expected keys for one
thing): an HTML sign-in page, truncated JSON or a dict where a list belongs is a failed, retriable
read, never an empty page. Paging stops with an error on a `next` link to a page already read and
beyond a ceiling derived from the `last` link. Pull requests are dropped from the raw page; a
malformed issue is skipped with a warning and remembered in `unreadable`.

Requests are sent by `connectors.transport` (`_GitHubWire` is GitHub's dialect of it); the
sender never retries by itself: `connectors.retry` decides, and a comment create is never
re-sent blindly. What cannot succeed (401, 403 that is not a rate limit, 404, a host that does
not resolve) is not retried, and error texts name the URL and the variable to check but never
repeat an answer's body: only GitHub's own `message`, cleaned of anything credential-like.

The adapter owns its authentication: `GitHubCredentials` become an `Authorization` header in
`GitHubAccount` (a token as it is; a GitHub App through PyGithub's auth objects, which sign the
app's JWT and fetch and renew its installation token).

Our comments end with an HTML-comment marker line; the marker and the author together identify
them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import structlog
from pydantic import SecretStr

from connectors.model import Comment, Marker, Milestone, Person, TrackerState, WorkItem
from connectors.retry import AmbiguousWrite, NotFound, TrackerError, safe_message
from connectors.tracker import (
    ChangeListing,
    RequestStats,
    Selection,
    Validator,
    skip_malformed,
    valid_answer,
)
from connectors.transport import (
    Answer,
    BadAnswer,
    Dialect,
    RateBudget,
    Request,
    Shape,
    Transport,
    refusal,
)

# The renderer is imported when a comment body is made (`body`): a cycle that writes nothing
# never defines the document classes.
if TYPE_CHECKING:
    import requests
    from github import Auth, GithubException

    from rendering.document import Document

log = structlog.get_logger("delivery_sync.github")

PAGE_SIZE = 100
# Sent with every request, as GitHub's REST reference asks: the media type and the API version
# the adapter was written against, so a later default version cannot change an answer's shape.
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
# What `_GitHubWire.read` gives for a 304 to a conditional read: the stream is unchanged.
NOT_MODIFIED = object()
# Pages of one listing, whatever the tracker says: a million entries at 100 a page.
PAGE_CEILING = 10_000
ANY_BOT = "*[bot]"
MARKER_PREFIX = "<!-- delivery-sync "
_MARKER = re.compile(r"\s*<!--\s*delivery-sync\s+(\{.*\})\s*-->\s*")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]", re.MULTILINE)
_LINK = re.compile(r"<([^>]*)>\s*((?:;[^,<]*)*)")
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)
ENTERPRISE_HINT = "GitHub Enterprise needs https://HOST/api/v3"
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def marker_line(marker: Marker) -> str:
    return f"{MARKER_PREFIX}{json.dumps(marker.to_dict(), separators=(', ', ': '))} -->"


def parse_marker(body: str) -> Marker | None:
    """The marker on the body's last line, read as JSON (spacing free, extra keys allowed).

    Only the last line counts: a title or quoted text earlier in the body may hold a copy of a
    marker, and must neither be taken for ours nor hide ours."""
    lines = (body or "").rstrip().splitlines()
    match = _MARKER.fullmatch(lines[-1]) if lines else None
    if match is None:
        return None
    try:
        return Marker.from_dict(json.loads(match[1]))
    except json.JSONDecodeError:
        return None


def task_list(body: str | None) -> tuple[int, int]:
    """Task-list checkboxes in a description: (ticked, total)."""
    boxes = _CHECKBOX.findall(_optional_text(body, "body") or "")
    return sum(1 for b in boxes if b in "xX"), len(boxes)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} is {type(value).__name__}, not text")
    return value


def _optional_text(value: Any, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"number is {type(value).__name__} {value!r:.40}, not an issue number")
    return value


def _time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(_text(value, name).replace("Z", "+00:00"))
    # GitHub always sends UTC; a time without an offset is read as UTC, not as local time.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _required_time(raw: dict[str, Any], name: str) -> datetime:
    moment = _time(raw[name], name)
    if moment is None:
        raise ValueError(f"{name} is null")
    return moment


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} is {type(value).__name__}, not a list")
    return value


def _label_name(label: Any) -> str:
    return _text(label["name"] if isinstance(label, dict) else label, "label")


def _login(person: Any) -> str:
    if not isinstance(person, dict):
        raise TypeError(f"a person is {type(person).__name__}, not an object")
    return _text(person["login"], "login")


def issue_key(repo: str, raw: Any) -> str | None:
    """The key the mirror knows an issue payload under ("acme/web#45"), when its number reads."""
    try:
        return f"{repo}#{_number(raw['number'])}"
    except (KeyError, TypeError, ValueError):
        return None


def normalise_issue(raw: dict[str, Any], source_id: str, repo: str) -> WorkItem:
    """One issue of a list or GET payload. Raises KeyError/TypeError/ValueError when malformed:
    every field the mirror and the reports rely on is checked for its type here, so what comes
    out can be hashed, stored and rendered."""
    if not isinstance(raw, dict):
        raise TypeError(f"an issue is {type(raw).__name__}, not an object")
    number = _number(raw["number"])
    status = _text(raw["state"], "state")
    if status not in ("open", "closed"):
        raise ValueError(f"state is {status!r:.40}, not open or closed")
    state = TrackerState.CLOSED if status == "closed" else TrackerState.OPEN
    milestone = raw.get("milestone")
    if milestone is not None and not isinstance(milestone, dict):
        raise TypeError(f"milestone is {type(milestone).__name__}, not an object")
    reason = _optional_text(raw.get("state_reason"), "state_reason")
    return WorkItem(
        source=source_id,
        key=f"{repo}#{number}",
        title=_optional_text(raw.get("title"), "title") or "",
        url=_text(raw["html_url"], "html_url"),
        state=state,
        status=status,
        created=_required_time(raw, "created_at"),
        updated=_required_time(raw, "updated_at"),
        closed=_time(raw.get("closed_at"), "closed_at"),
        resolution=reason if state is TrackerState.CLOSED else None,
        assignees=tuple(
            Person("github", login, login)
            for login in map(_login, _list(raw.get("assignees"), "assignees"))
        ),
        labels=tuple(_label_name(label) for label in _list(raw.get("labels"), "labels")),
        milestones=(_text(milestone["title"], "milestone title"),) if milestone else (),
        task_list=task_list(raw.get("body")),
    )


def issues_of_page(
    page: Iterable[Any], source_id: str, repo: str, unreadable: dict[str, str] | None = None
) -> Iterator[WorkItem]:
    """The work items of one page of the issue listing: pull requests dropped, each malformed
    entry skipped with an `item.malformed` warning and recorded in `unreadable` under its key."""
    issues = (r for r in page if not (isinstance(r, dict) and "pull_request" in r))
    return skip_malformed(
        issues,
        lambda raw: normalise_issue(raw, source_id, repo),
        event="item.malformed",
        source=source_id,
        name=lambda raw: issue_key(repo, raw),
        unreadable=unreadable,
    )


def normalise_milestone(raw: dict[str, Any], source_id: str) -> Milestone:
    if not isinstance(raw, dict):
        raise TypeError(f"a milestone is {type(raw).__name__}, not an object")
    due_on = _optional_text(raw.get("due_on"), "due_on")
    _time(due_on, "due_on")  # a readable time, or the milestone is malformed
    return Milestone(
        source=source_id,
        title=_text(raw["title"], "title"),
        # GitHub stores a due *day*; the time part depends on the creator's time zone.
        due=date.fromisoformat(due_on[:10]) if due_on else None,
        closed=raw.get("state") == "closed",
        url=_optional_text(raw.get("html_url"), "html_url"),
        number=_optional_count(raw.get("number")),
        size=_milestone_size(raw),
    )


def _optional_count(value: Any) -> int | None:
    """A count or number as GitHub sends it; None when it is not a whole number ≥ 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _milestone_size(raw: dict[str, Any]) -> int | None:
    """Issues and pull requests in a milestone (open + closed), as `milestone=` lists them."""
    counts = [_optional_count(raw.get(k)) for k in ("open_issues", "closed_issues")]
    return None if None in counts else sum(c for c in counts if c is not None)


def _normalise_comment(raw: dict[str, Any]) -> Comment:
    if not isinstance(raw, dict):
        raise TypeError(f"a comment is {type(raw).__name__}, not an object")
    cid = raw["id"]
    if isinstance(cid, bool) or not isinstance(cid, int):
        raise TypeError(f"id is {type(cid).__name__}, not a number")
    body = _optional_text(raw.get("body"), "body") or ""
    user = raw.get("user")
    return Comment(
        id=str(cid),
        body=body,
        author=_login(user) if user is not None else "",
        marker=parse_marker(body),
        created=_time(raw.get("created_at"), "created_at"),
        updated=_time(raw.get("updated_at"), "updated_at"),
    )


class _Unexpected(Exception):
    """A 2xx answer that is not the JSON its endpoint promises; the text says what it was."""

    def __init__(self, text: str, *, html: bool = False):
        super().__init__(text)
        self.html = html


def _parse(headers: Mapping[str, str], text: str) -> Any:
    """The answer's JSON with every string made valid Unicode; _Unexpected when it is not JSON."""
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind and "json" not in kind:
        if "html" in kind:
            raise _Unexpected("answered HTML, not JSON — a proxy or sign-in page?", html=True)
        raise _Unexpected(f"answered {kind[:60]}, not JSON")
    if not text.strip():
        raise _Unexpected("answered an empty body, not JSON")
    try:
        return valid_answer(json.loads(text), text)
    except json.JSONDecodeError as exc:
        raise _Unexpected(
            f"answered truncated or invalid JSON ({exc.msg} at character {exc.pos} of {len(text)})"
        ) from None
    except RecursionError:
        raise _Unexpected("answered JSON nested too deeply to read") from None


def _listing(data: Any) -> str | None:
    """A listing's page must be a list."""
    return (
        None if isinstance(data, list) else f"a JSON {_json_kind(data)} where a list was expected"
    )


def _object_with(*keys: str) -> Shape:
    """One thing must be an object holding `keys`."""

    def check(data: Any) -> str | None:
        if not isinstance(data, dict):
            return f"a JSON {_json_kind(data)} where an object was expected"
        missing = [k for k in keys if k not in data]
        return f"an object without {', '.join(missing)}" if missing else None

    return check


_ANY_OBJECT = _object_with()


def _json_kind(data: Any) -> str:
    kinds = {dict: "object", list: "list", str: "string", bool: "boolean"}
    return kinds.get(type(data), "null" if data is None else "number")


def _links(header: str) -> dict[str, str]:
    """The URLs of a `Link` header by relation ("next", "last", …)."""
    found: dict[str, str] = {}
    for target, params in _LINK.findall(header or ""):
        rel = _REL.search(params)
        for name in rel[1].split() if rel else ():
            found.setdefault(name.lower(), target.strip())
    return found


def _page_number(url: str) -> int | None:
    values = [v for k, v in parse_qsl(urlsplit(url).query) if k == "page"]
    try:
        return int(values[-1]) if values else None
    except ValueError:
        return None


def _port(parts: Any) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def _origin(parts: Any) -> tuple[str, int | None]:
    """Host (any case) and port (the scheme's default when none is written) of a split URL."""
    return (parts.hostname or "").lower(), _port(parts)


def _key_error(what: str) -> TrackerError:
    return TrackerError(
        f"{what}: GITHUB_APP_PRIVATE_KEY cannot sign a GitHub App token: it must be the app's "
        "private key in PEM form (-----BEGIN RSA PRIVATE KEY----- …)"
    )


# ---- credentials and the account ---------------------------------------------------------------

APP_VARIABLES = "GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID"


@dataclass(frozen=True, slots=True)
class GitHubCredentials:
    """How an account signs in: a token, or a GitHub App (its id, private key and installation),
    whose installation token PyGithub fetches and refreshes. `variable` names where they came
    from (`GITHUB_TOKEN`, a source's `token_env`, the App variables), for error texts."""

    token: SecretStr | None = None
    app_id: str | None = None
    private_key: SecretStr | None = None
    installation_id: int | None = None
    variable: str = "GITHUB_TOKEN"

    def __post_init__(self) -> None:
        app = (self.app_id, self.private_key, self.installation_id)
        if self.token is None and not all(part is not None for part in app):
            raise ValueError(
                "GitHub credentials need a token or the App's id, key and installation"
            )

    @property
    def identity(self) -> str:
        """Who these credentials are, as a secret: accounts with equal identities are one."""
        if self.token is not None:
            return self.token.get_secret_value()
        return repr((self.app_id, self.installation_id))


def app_private_key(text: str) -> str:
    """The GitHub App's PEM private key, checked now rather than at the first request (where
    the JWT library says only "Could not parse the provided public key"). A key pasted into a
    one-line secret with literal `\\n`s is accepted. ValueError, naming the variable and never
    the key, when it is not a private key."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pem = text.strip().replace("\\n", "\n")
    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        why = "it is protected by a passphrase" if isinstance(exc, TypeError) else "not a key"
        raise ValueError(
            "GITHUB_APP_PRIVATE_KEY is not the GitHub App's private key in PEM form "
            f"(-----BEGIN RSA PRIVATE KEY----- …; {why})"
        ) from None
    return pem


class GitHubAccount:
    """One GitHub identity (API base and credentials) shared by all its repositories: one
    sender, so GitHub's pause between writes (`write_pause` seconds) holds across them, and one
    lookup of our login. `url_variable` names where the API base came from (`GITHUB_API_URL`,
    a source's `base_url`), for error texts. PyGithub is imported only for a GitHub App."""

    def __init__(
        self,
        base_url: str,
        credentials: GitHubCredentials,
        *,
        write_pause: float = 1.0,
        timeout: int = 30,
        url_variable: str = "GITHUB_API_URL",
    ):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.url_variable = url_variable
        parts = urlsplit(self.base_url)
        self.host = f"{parts.hostname or ''}{_port_suffix(parts)}"
        self._origin = _origin(parts)
        self._path = parts.path.rstrip("/")
        # Values an answer must never carry into an error text.
        self.secrets = [credentials.token.get_secret_value()] if credentials.token else []
        self._timeout = timeout
        self._app: Auth.AppAuth | None = None
        if credentials.token is not None:
            sign: Callable[[dict[str, str]], None] = _TokenHeader(credentials.token)
        else:
            sign = self._installation(credentials)
        self.sender = _Sender(self.base_url, sign, timeout=timeout, write_pause=write_pause)
        self.login: str | None = None
        # The quota these credentials share with other processes (set by the worker), if any.
        self.budget: RateBudget | None = None

    def _installation(self, credentials: GitHubCredentials) -> Callable[[dict[str, str]], None]:
        """A GitHub App's installation token, fetched and renewed by PyGithub (which signs the
        token request with a JWT made from the app's key) on its own requester."""
        from github import Auth, Github

        key = credentials.private_key.get_secret_value()  # type: ignore[union-attr]
        self._app = Auth.AppAuth(credentials.app_id, key)  # type: ignore[arg-type]
        installation = Auth.AppInstallationAuth(self._app, credentials.installation_id)  # type: ignore[arg-type]
        # Only wires `installation` to a requester; GitHub is asked for a token when one is needed.
        Github(
            base_url=self.base_url,
            auth=installation,
            retry=None,
            timeout=self._timeout,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        return installation.authentication

    @property
    def is_app(self) -> bool:
        """Signed in with an installation token: the app, whose slug names our bot."""
        return self._app is not None

    def app_sender(self) -> _Sender:
        """A sender signed as the GitHub App itself (a JWT), for what only the app may read."""
        assert self._app is not None, "only a GitHub App signs as the app"
        return _Sender(self.base_url, self._app.authentication, timeout=self._timeout)

    def absolute(self, url: str) -> str:
        """`url` (a path under the API base, or a URL) as an absolute URL without its query."""
        parts = urlsplit(url)
        if parts.scheme:
            return f"{parts.scheme}://{parts.hostname or ''}{_port_suffix(parts)}{parts.path}"
        return f"{self.base_url}{parts.path}"

    def same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return not parts.scheme or _origin(parts) == self._origin

    def page_key(self, url: str, parameters: Mapping[str, Any] | None) -> tuple:
        """Which page a request reads, however its URL is spelled (relative, absolute, query
        order), so a `next` link back to a page already read is recognised."""
        parts = urlsplit(url)
        path = parts.path if parts.scheme else self._path + parts.path
        query = parse_qsl(parts.query, keep_blank_values=True)
        query += [(str(k), str(v)) for k, v in (parameters or {}).items()]
        if not any(k == "page" for k, _ in query):
            query.append(("page", "1"))  # no page parameter reads the first page
        return (path.rstrip("/"), tuple(sorted(query)))


def _port_of(parts: Any) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def _port_suffix(parts: Any) -> str:
    port = _port_of(parts)
    return f":{port}" if port else ""


class _TokenHeader:
    """Signs a request with a token (kept secret in its repr)."""

    def __init__(self, token: SecretStr):
        self._token = token

    def __call__(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"token {self._token.get_secret_value()}"


# Redirects GitHub documents as "repeat the request at this URL" (301 permanent; 307 and 308
# verbatim, method and body kept). A 302 is what a proxy's sign-in page answers: not followed.
FOLLOWED = (301, 307, 308)


class _Redirected(Exception):
    """GitHub's answer moved the request to another host or scheme, or in a loop."""


class _Sender:
    """Sends one request to the API base and gives back (status, headers, text), as PyGithub's
    requester did for this adapter before, without importing the `github` package (~0.12 s of
    CPU at every start, a quarter of an idle cycle's budget):

    - one `requests` session (kept-alive connections; proxies and CA bundle from the
      environment; never credentials from a `.netrc`), no retry of its own, a timeout;
    - a relative URL goes under the API base's path; an absolute one (a `next` link) is sent
      as its path and query to the API base's host, so a link can never carry our
      credentials elsewhere;
    - the body as JSON; `sign` adds the `Authorization` header to each request;
    - at least `write_pause` seconds between the end of one write and the start of the next
      (GitHub's advice against its secondary rate limit), across all repositories of the
      account;
    - a redirect GitHub asks to be repeated (301, 307, 308) is followed on the same host and
      scheme (GitHub answers a renamed repository so); one to another host or scheme, or back
      to the same URL, is an error; a 302 is given back for the dialect to call a proxy or
      sign-in page.
    """

    USER_AGENT = "delivery-sync"
    MAX_REDIRECTS = 5

    def __init__(
        self,
        base_url: str,
        sign: Callable[[dict[str, str]], None],
        *,
        timeout: float = 30,
        write_pause: float = 0,
    ):
        import requests

        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc.lower()
        self._origin = (parts.scheme, *_origin(parts))
        self._prefix = parts.path.rstrip("/")
        self._sign = sign
        self._timeout = timeout
        self._write_pause = write_pause
        self._last_write: float | None = None
        self._session: requests.Session = requests.Session()
        self._session.auth = _no_netrc  # any `auth` set keeps requests from reading ~/.netrc

    def send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: dict[str, str],
        body: Any = None,
    ) -> tuple[int, Mapping[str, str], str]:
        self._sign(headers)
        headers["User-Agent"] = self.USER_AGENT
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        target = self._target(url)
        for _ in range(self.MAX_REDIRECTS + 1):
            answer = self._once(method, target, params, headers, data)
            location = answer.headers.get("location")
            if answer.status_code not in FOLLOWED or not location:
                return answer.status_code, answer.headers, answer.text
            target = self._moved(answer.url, location)  # the URL asked, its query included
            params = None  # the new location carries the query
        raise _Redirected(f"redirected more than {self.MAX_REDIRECTS} times")

    def _target(self, url: str) -> str:
        parts = urlsplit(url)
        path = self._prefix + parts.path if not parts.scheme and url.startswith("/") else parts.path
        return f"{self._scheme}://{self._netloc}{path}" + (f"?{parts.query}" if parts.query else "")

    def _moved(self, target: str, location: str) -> str:
        from urllib.parse import urljoin

        moved = urlsplit(urljoin(target, location))
        if (moved.scheme, *_origin(moved)) != self._origin:
            raise _Redirected(f"redirected to {moved.scheme}://{moved.hostname}")
        if moved.geturl() == target:
            raise _Redirected("redirected to the same URL")
        return moved.geturl()

    def _once(self, method, url, params, headers, data) -> requests.Response:  # type: ignore[no-untyped-def]
        write = method != "GET"
        if write and self._write_pause and self._last_write is not None:
            wait = self._last_write + self._write_pause - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        try:
            return self._session.request(
                method,
                url,
                params=params,
                headers=headers,
                data=data,
                timeout=self._timeout,
                allow_redirects=False,
            )
        finally:
            if write:
                self._last_write = time.monotonic()


def _no_netrc(request: Any) -> Any:
    return request


# ---- the wire ----------------------------------------------------------------------------------


class _GitHubWire(Dialect):
    """GitHub's side of `connectors.transport`: raw JSON through `_Sender`, GitHub's `message`
    as the only text quoted from an error, a rate limit also answered as 403, and the API base
    and credentials named where they are the likely fault."""

    rate_limit_403 = True

    def __init__(self, account: GitHubAccount, sender: _Sender):
        self.account = account
        self.sender = sender
        self.host = account.host
        self.url_variable = account.url_variable

    def send(self, request: Request) -> Answer:
        params = dict(request.params) if request.params is not None else None
        # A new dict each time: the sender adds the authorization and user agent to it.
        sent = {**GITHUB_HEADERS, **(request.headers or {})}
        status, headers, text = self.sender.send(
            request.method, request.url, params, sent, request.body
        )
        return Answer(status, {str(k).lower(): str(v) for k, v in headers.items()}, text)

    def read(self, answer: Answer, request: Request) -> tuple[Mapping[str, str], Any]:
        """The answer's headers and its JSON, of the shape the request expects."""
        status, headers, text = answer.status, answer.headers, answer.text
        if status == 304 and request.conditional:
            return headers, NOT_MODIFIED
        try:
            if 300 <= status < 400:
                target = urlsplit(headers.get("location", "")).hostname or "elsewhere"
                raise _Unexpected(
                    f"answered a redirect (HTTP {status}) to {target} — a proxy or sign-in page?",
                    html=True,
                )
            if status == 204 or (request.method == "DELETE" and not text.strip()):
                return headers, None
            data = _parse(headers, text)
            problem = (request.expect or _ANY_OBJECT)(data)
            if problem is not None:
                raise _Unexpected(f"answered {problem}")
        except _Unexpected as bad:
            hint = f" (check {self.url_variable}; {ENTERPRISE_HINT})" if bad.html else ""
            raise BadAnswer(f"{self.where(request)} {bad}{hint}") from None
        return headers, data

    def said(self, answer: Answer) -> str | None:
        """GitHub's own `message`, cleaned: a proxy may echo our Authorization header."""
        try:
            data = _parse(answer.headers, answer.text)
        except _Unexpected:
            return None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return safe_message(data["message"], self.account.secrets)
        return None

    def shown(self, url: str) -> str:
        return self.account.absolute(url)

    def describe(self, answer: Answer, request: Request, said: str | None) -> str:
        text = super().describe(answer, request, said)
        if answer.status >= 500 and said is None:
            text += f" from {self.where(request)} (not GitHub's own answer: a proxy or gateway?)"
        return text

    def foreign(self, answer: Answer, request: Request) -> str | None:
        return (
            f"{request.what}: HTTP {answer.status} from {self.where(request)}, which does not "
            "look like the GitHub API (no GitHub error in the answer); check "
            f"{self.url_variable} ({ENTERPRISE_HINT})"
        )

    def denied(self, answer: Answer, request: Request, said: str | None, text: str) -> str:
        if answer.status == 401:
            return f"{text} — check {self.account.credentials.variable}"
        return text

    def rate_limit_wait(self, wait: float | None) -> float | None:
        # Neither `retry-after` nor a reset to come: GitHub asks for at least a minute.
        return wait or 60.0

    def failure(self, exc: Exception, request: Request) -> TrackerError | None:
        if isinstance(exc, _Redirected):
            return TrackerError(
                f"{request.what}: {self.host} {exc}; check {self.url_variable} ({ENTERPRISE_HINT})"
            )
        if not self.account.is_app:
            return None
        import jwt
        from github import GithubException

        if isinstance(exc, jwt.PyJWTError):  # a GitHub App signs its token request with its key
            return _key_error(request.what)
        if isinstance(exc, GithubException):  # a GitHub App's installation token was refused
            return self._token_refused(exc, request)
        # PyGithub's requester, fetching an App's installation token, refuses such a redirect.
        if isinstance(exc, RuntimeError) and "redirected" in str(exc):
            return TrackerError(
                f"{request.what}: {self.host} redirects to another host or scheme; check "
                f"{self.url_variable} ({ENTERPRISE_HINT})"
            )
        return None

    def _token_refused(self, exc: GithubException, request: Request) -> TrackerError:
        installation = self.account.credentials.installation_id
        token = Request(
            "POST",
            f"/app/installations/{installation}/access_tokens",
            f"{request.what}: get a GitHub App installation token",
        )
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        data = exc.data
        content = json.dumps(data) if isinstance(data, dict | list) else str(data or "")
        answer = Answer(exc.status, headers, content)
        error = refusal(self, answer, token)
        if error.retriable:
            return error
        # Not "the comment is gone": the app's identity is wrong, whatever the status.
        text = self.describe(answer, token, self.said(answer))
        return TrackerError(f"{text}; check {APP_VARIABLES}", status=exc.status)


class GitHubTracker:
    """One GitHub repository of the mapping file."""

    kind = "github"

    def __init__(
        self,
        source_id: str,
        repo: str,
        *,
        account: GitHubAccount,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.source_id = source_id
        self.repo = repo
        self.stats = RequestStats()
        self.unreadable: dict[str, str] = {}
        # Issues this object (one cycle's) read with `comments: 0` and has not commented on
        # since: listing their comments would answer nothing (see `own_comments`).
        self._uncommented: set[int] = set()
        self._account = account
        self._sleep = sleep
        wire = _GitHubWire(account, account.sender)
        self._transport = Transport(wire, self.stats, sleep, account.budget)

    # ---- requests --------------------------------------------------------------------------

    def _request(self, request: Request) -> tuple[Mapping[str, str], Any]:
        """One request under the retry policy: the answer's headers and its checked JSON."""
        return self._transport.request(request)

    def _pages(self, url: str, parameters: dict[str, Any], what: str) -> Iterator[list[Any]]:
        """The pages of a listing (see `_answers`)."""
        for _, data in self._answers(url, parameters, what):
            yield data

    def _answers(
        self,
        url: str,
        parameters: dict[str, Any],
        what: str,
        validator: Validator | None = None,
    ) -> Iterator[tuple[Mapping[str, str], Any]]:
        """The answers (headers and page) of a listing, following `Link: rel="next"`. With a
        `validator` the first page is asked for conditionally; a 304 ends the listing with one
        answer, whose page is NOT_MODIFIED. A link back to a page already read, to another host,
        or more pages than the tracker's `last` link announced (with a generous margin;
        PAGE_CEILING at most) stops the listing with a TrackerError."""
        account = self._account
        next_url: str | None = url
        params: Mapping[str, Any] | None = parameters
        conditional = validator.headers() if validator is not None else None
        seen: set[tuple] = set()
        ceiling, announced = PAGE_CEILING, None
        while next_url is not None:
            key = account.page_key(next_url, params)
            if key in seen:
                raise TrackerError(
                    f"{what}: the next page ({account.absolute(next_url)}, page "
                    f"{_page_number(next_url) or 1}) was already read; stopping instead of "
                    "paging forever"
                )
            if len(seen) >= ceiling:
                told = f"the tracker announced {announced}" if announced else "no last page"
                raise TrackerError(
                    f"{what}: more than {ceiling} pages ({told}); stopping instead of paging "
                    "forever"
                )
            seen.add(key)
            request = Request("GET", next_url, what, params, expect=_listing, headers=conditional)
            headers, data = self._request(request)
            yield headers, data
            if data is NOT_MODIFIED:
                return
            links = _links(headers.get("link", ""))
            if announced is None and "last" in links:
                announced = _page_number(links["last"])
                if announced is not None:
                    # Issues created while we page add pages; twice the announced count holds.
                    ceiling = min(PAGE_CEILING, 2 * announced + 10)
            next_url, params, conditional = links.get("next"), None, None
            if next_url is not None and not account.same_origin(next_url):
                raise TrackerError(
                    f"{what}: the next page link points at another host "
                    f"({urlsplit(next_url).hostname}); not following it"
                )

    # ---- reads -----------------------------------------------------------------------------

    def _issues(self, page: Iterable[Any]) -> Iterator[WorkItem]:
        """The work items of a page of issues (`issues_of_page`), noting on the way which
        issues GitHub counts no comment on."""
        entries = list(page)
        for raw in entries:
            self._note_comments(raw)
        return issues_of_page(entries, self.source_id, self.repo, self.unreadable)

    def _note_comments(self, raw: Any) -> None:
        if not isinstance(raw, dict) or type(raw.get("number")) is not int:
            return
        if type(raw.get("comments")) is int and raw["comments"] == 0:
            self._uncommented.add(raw["number"])
        else:
            self._uncommented.discard(raw["number"])

    def fetch_items(self, since: datetime | None, *, jql: str | None = None) -> Iterator[WorkItem]:
        if jql is not None:
            raise ValueError("GitHub sources have no JQL")
        parameters: dict[str, Any] = {
            "state": "all",
            # Creation order: an issue updated while we page cannot move and shift another
            # past a page boundary, as it would in `updated` order.
            "sort": "created",
            "direction": "asc",
            "per_page": PAGE_SIZE,
        }
        if since is not None:
            parameters["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for page in self._pages(
            f"/repos/{self.repo}/issues", parameters, f"list {self.repo} issues"
        ):
            yield from self._issues(page)

    def changes(self, since: datetime | None, validator: Validator | None) -> ChangeListing:
        """The repository's issues, most recently updated first, down to `since` (all when None).

        The URL is the same every cycle (no `since` parameter; the cut is made here), so the
        first page's ETag from one cycle is the validator of the next: a 304 costs no rate-limit
        point. Newest-first also makes a 304 mean "nothing changed" on a listing of many pages:
        any change moves its issue to the top of page 1. Paging this order is safe while issues
        change: an issue updated mid-read moves to the front, so the others shift towards pages
        not yet read (read twice, never skipped); the moved one is newer than this read's start,
        so the next read, from the cursor, has it."""
        parameters: dict[str, Any] = {
            "state": "all",
            "sort": "updated",
            "direction": "desc",
            "per_page": PAGE_SIZE,
        }
        url, what = f"/repos/{self.repo}/issues", f"list {self.repo} issues"
        answers = self._answers(url, parameters, what, validator)
        headers, page = next(answers)
        if page is NOT_MODIFIED:
            return ChangeListing(True, validator, None, [])
        links = _links(headers.get("link", ""))
        pages = _page_number(links["last"]) if "last" in links else None
        first, older = self._page_since(page, since)
        listing = ChangeListing(False, Validator.of(headers), pages or 1, first)
        if not older:
            listing.rest = self._rest_since(answers, since)
        return listing

    def _page_since(self, page: list[Any], since: datetime | None) -> tuple[list[WorkItem], bool]:
        """The issues of a newest-first page updated at or after `since`, and whether the page
        reached older ones (the listing ends there)."""
        if since is None:
            return list(self._issues(page)), False
        recent, older = [], False
        for raw in page:
            try:
                updated = _time(raw["updated_at"], "updated_at") if isinstance(raw, dict) else None
            except MALFORMED:
                updated = None  # normalising it names the fault
            if updated is not None and updated < since:
                older = True
            else:
                recent.append(raw)
        return list(self._issues(recent)), older

    def _rest_since(
        self, answers: Iterator[tuple[Mapping[str, str], Any]], since: datetime | None
    ) -> Iterator[WorkItem]:
        for _, page in answers:
            items, older = self._page_since(page, since)
            yield from items
            if older:
                return

    def _selection_parameters(self, selection: Selection) -> dict[str, Any]:
        parameters: dict[str, Any] = {"state": "all"}
        if selection.milestone is not None:
            parameters["milestone"] = selection.milestone
        if selection.label is not None:
            parameters["labels"] = selection.label
        return parameters

    def open_selection(self, selection: Selection) -> ChangeListing:
        """The selection's issues in creation order (stable while issues change), 100 a page;
        the first page is read here, and its `last` link says how many pages there are (no
        link: this one)."""
        parameters = {
            **self._selection_parameters(selection),
            "sort": "created",
            "direction": "asc",
            "per_page": PAGE_SIZE,
        }
        url, what = f"/repos/{self.repo}/issues", f"list {self.repo} issues of {selection}"
        answers = self._answers(url, parameters, what)
        headers, page = next(answers)
        last = _links(headers.get("link", "")).get("last")
        pages = (_page_number(last) if last else None) or 1
        rest = (item for _, later in answers for item in self._issues(later))
        return ChangeListing(False, None, pages, list(self._issues(page)), rest)

    def milestone_changes(
        self, validator: Validator | None
    ) -> tuple[list[Milestone] | None, Validator | None]:
        """The milestones, or None when GitHub answers 304 to `validator`. The validator for next
        time is kept only for a listing of one page: a page-1 304 says nothing of later pages of
        a listing ordered by due date."""
        found: list[Milestone] = []
        parameters = {"state": "all", "per_page": PAGE_SIZE}
        url, what = f"/repos/{self.repo}/milestones", f"list {self.repo} milestones"
        kept: Validator | None = None
        for number, (headers, page) in enumerate(self._answers(url, parameters, what, validator)):
            if page is NOT_MODIFIED:
                return None, validator
            one_page = number == 0 and "next" not in _links(headers.get("link", ""))
            kept = Validator.of(headers) if one_page else None
            found += self._milestones_of(page)
        return found, kept

    def _milestones_of(self, page: list[Any]) -> list[Milestone]:
        return list(
            skip_malformed(
                page,
                lambda raw: normalise_milestone(raw, self.source_id),
                event="milestone.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("title"),
            )
        )

    def fetch_milestones(self) -> list[Milestone]:
        found, _ = self.milestone_changes(None)
        return found or []

    def fetch_labels(self) -> list[str]:
        """The repository's label names (`GET /repos/{o}/{r}/labels`, 100 per page)."""
        found: list[str] = []
        url = f"/repos/{self.repo}/labels"
        for page in self._pages(url, {"per_page": PAGE_SIZE}, f"list {self.repo} labels"):
            found += skip_malformed(
                page,
                lambda raw: _text(raw["name"], "name"),
                event="label.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("id"),
            )
        return found

    def check_jql(self, jql: str) -> None:
        raise ValueError("GitHub sources have no JQL: a `jql` selector needs a Jira source")

    def cloud(self) -> bool | None:
        return None

    def site(self) -> dict | None:
        return None  # nothing worth keeping: the login is read only when comments are listed

    def check_access(self) -> None:
        """Raise TrackerError unless the token can read the repository."""
        what = f"read repository {self.repo}"
        self._request(Request("GET", f"/repos/{self.repo}", what, expect=_object_with("full_name")))

    def fetch_item(self, issue: str, *, pull_requests: bool = True) -> WorkItem | None:
        what = f"get {self.repo}#{issue}"
        try:
            url = f"/repos/{self.repo}/issues/{issue}"
            _, raw = self._request(Request("GET", url, what, expect=_object_with("number")))
        except NotFound:
            return None
        self._note_comments(raw)
        if not pull_requests and "pull_request" in raw:
            return None
        try:
            return normalise_issue(raw, self.source_id, self.repo)
        except MALFORMED as exc:
            reason = safe_message(f"{type(exc).__name__}: {exc}", self._account.secrets)
            raise TrackerError(f"{what}: the answer is not a readable issue ({reason})") from None

    def login(self) -> str:
        """Our own account: comments by anyone else are never touched."""
        account = self._account
        if account.login is None:
            account.login = f"{self._app_slug()}[bot]" if account.is_app else self._user_login()
        return account.login

    def _user_login(self) -> str:
        what = "get the authenticated user"
        try:
            _, raw = self._request(Request("GET", "/user", what, expect=_object_with("login")))
            return _text(raw["login"], "login")
        except TypeError:
            raise TrackerError(f"{what}: the answer has no readable login") from None
        except TrackerError as exc:
            if exc.status != 403:
                raise
            # An installation token (e.g. GitHub Actions' GITHUB_TOKEN) may not read /user;
            # its comments are written by an "...[bot]" account.
            log.warning("github.identity_unknown", source=self.source_id, error=str(exc))
            return ANY_BOT

    def _app_slug(self) -> str:
        """The app's slug, read as the app itself (`GET /app`, signed with a JWT)."""
        what = "read the GitHub App"
        wire = _GitHubWire(self._account, self._account.app_sender())
        _, raw = Transport(wire, self.stats, self._sleep).request(Request("GET", "/app", what))
        try:
            return _text(raw.get("slug"), "slug")
        except TypeError:
            raise TrackerError(f"{what}: the answer has no readable slug") from None

    def _is_ours(self, author: str) -> bool:
        me = self.login()
        return author.endswith("[bot]") if me == ANY_BOT else author == me

    def counted_no_comments(self, issue: str) -> bool:
        """Whether this object read the issue with `comments: 0` and has not tried to comment
        on it since. Says nothing of writers elsewhere after that read (`Tracker`)."""
        return issue.isdigit() and int(issue) in self._uncommented

    def own_comments(self, issue: str) -> list[Comment]:
        found = []
        parameters = {"per_page": PAGE_SIZE}
        url = f"/repos/{self.repo}/issues/{issue}/comments"
        for page in self._pages(url, parameters, f"list comments of {self.repo}#{issue}"):
            comments = skip_malformed(
                page,
                _normalise_comment,
                event="comment.malformed",
                source=self.source_id,
                name=lambda raw: raw.get("id"),
            )
            found += [c for c in comments if self._is_ours(c.author)]
        return found

    # ---- writes ----------------------------------------------------------------------------

    def body(self, document: Document, marker: Marker) -> str:
        from rendering import markdown
        from rendering.document import fit

        line = marker_line(marker)
        text = fit(document, markdown.render, markdown.MAX_BODY - len(line) - 1, markdown.measure)
        return f"{text}{line}"

    def create_comment(self, issue: str, body: str, marker: Marker) -> Comment:
        what = f"create comment on {self.repo}#{issue}"
        # Landed or not (a timeout can hide a created comment), the count read is stale now.
        self._uncommented.discard(int(issue))
        url = f"/repos/{self.repo}/issues/{int(issue)}/comments"
        _, raw = self._request(
            Request("POST", url, what, body={"body": body}, create=True, expect=_object_with("id"))
        )
        try:
            return _normalise_comment(raw)
        except MALFORMED:
            # Created, most likely, but we cannot say which comment it is: look before writing.
            raise AmbiguousWrite(f"{what}: the answer does not say which comment it is") from None

    def mark_comment(self, issue: str, comment_id: str, marker: Marker) -> None:
        """Nothing to do: the marker is the body's last line, restored by the next edit."""

    def edit_comment(self, issue: str, comment_id: str, body: str, marker: Marker) -> None:
        url = f"/repos/{self.repo}/issues/comments/{int(comment_id)}"
        what = f"edit comment {comment_id} on {self.repo}#{issue}"
        self._request(Request("PATCH", url, what, body={"body": body}, expect=_object_with("id")))

    def delete_comment(self, issue: str, comment_id: str) -> None:
        """Delete one of our comments; NotFound when it is already gone."""
        url = f"/repos/{self.repo}/issues/comments/{int(comment_id)}"
        self._request(Request("DELETE", url, f"delete comment {comment_id} on {self.repo}#{issue}"))
