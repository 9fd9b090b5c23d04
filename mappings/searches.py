"""Links to a deliverable's items in the trackers' own search pages: one per selector (the part
of the scope it names) and one per GitHub repository and per Jira site (the full list).

A link is offered only when its query says what the selectors say and the tracker accepts it:
GitHub's search refuses a query longer than 256 characters or with more than five AND, OR or
NOT operators, and no link is longer than 2,000 characters (what browsers, mail clients and
proxies all pass). A selector the query language cannot say exactly gives no link: a GitHub
milestone or label with a double quote in it (GitHub search has no escape for one), a Jira epic
on a site whose deployment is unknown (Cloud lists an epic's children with `parent`, Data Center
with `"Epic Link"`).

The web address comes from the items' own links, as the item links in the comments do:
`https://github.com/acme/web/issues/12` gives `https://github.com/acme/web`,
`https://acme.atlassian.net/browse/PLAT-7` gives `https://acme.atlassian.net`.

The trackers' lists also show what the counting rule leaves out: the report-target issues and
the items closed as not planned.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from urllib.parse import quote, quote_plus

from mappings.config import GitHubSource, JiraSource, Selector

GITHUB_QUERY_LIMIT = 256
# The union a Jira full read searches by is sent in a GET query string; Tomcat (Jira Data
# Center's server) refuses a request line and headers over 8 KB by default, and Cloud documents
# no bound. 4,000 characters of URL-encoded clause leave room for the project, the source's
# filter, the field list and the headers.
UNION_LIMIT = 4000
# Assigned work in progress anywhere in the project: the workload's "WIP everywhere" counts it.
# Status category 4 is "In Progress" (key `indeterminate`) on every Jira site, whatever the
# language its name is shown in.
WORK_IN_PROGRESS = "statusCategory = 4 AND assignee IS NOT EMPTY"
GITHUB_OPERATOR_LIMIT = 5
URL_LIMIT = 2000

Source = GitHubSource | JiraSource

_GITHUB_ISSUE = re.compile(r"^(https?://[^?#\s]+)/issues/\d+$")
_JIRA_ISSUE = re.compile(r"^(https?://[^?#\s]+?)/browse/[A-Z][A-Z0-9_]*-\d+$")


def web_base(source: Source, item_url: str) -> str | None:
    """Where a source lives in the browser, read from one of its items' links."""
    pattern = _GITHUB_ISSUE if isinstance(source, GitHubSource) else _JIRA_ISSUE
    found = pattern.match(item_url)
    return found[1] if found else None


def selector_search(
    selector: Selector, source: Source, base: str, cloud: bool | None
) -> str | None:
    """The tracker search that lists what one selector matches, or None."""
    if isinstance(source, GitHubSource):
        return _github_url(base, [selector])
    return _jira_url(base, [(source, [selector])], cloud)


def full_list_searches(
    selectors: Sequence[Selector],
    sources: Mapping[str, Source],
    bases: Mapping[str, str],
    cloud: Mapping[str, bool | None],
) -> tuple[tuple[str, str], ...]:
    """One (label, url) per GitHub repository and per Jira site the selectors read from, in the
    order they first appear; a repository or site whose query does not fit is left out."""
    github: dict[str, list[Selector]] = {}
    jira: dict[str, dict[str, list[Selector]]] = {}
    for selector in selectors:
        source = sources[selector.source]
        base = bases.get(selector.source)
        if base is None:
            continue
        if isinstance(source, GitHubSource):
            github.setdefault(selector.source, []).append(selector)
        else:
            jira.setdefault(base, {}).setdefault(selector.source, []).append(selector)
    found = []
    for source_id, chosen in github.items():
        source = sources[source_id]
        assert isinstance(source, GitHubSource)
        if (url := _github_url(bases[source_id], chosen)) is not None:
            found.append((source.repo, url))
    for base, by_source in jira.items():
        projects = [(sources[s], chosen) for s, chosen in by_source.items()]
        # Several sources of one site share one query; the site is Cloud if any says so.
        site_cloud = next((c for s in by_source if (c := cloud.get(s)) is not None), None)
        if (url := _jira_url(base, projects, site_cloud)) is not None:
            label = ", ".join(sorted({s.project for s, _ in projects if isinstance(s, JiraSource)}))
            found.append((label, url))
    return tuple(found)


def part_label(selector: Selector) -> str:
    """A selector as a delivery lead reads it: "web milestone v2.0", "plat epic PLAT-29"."""
    words = {"fix_version": "fix version", "jql": "JQL"}
    criteria = [
        f"{words.get(name, name)} {_short(value)}" for name, value in selector.criteria().items()
    ]
    return " ".join([selector.source, " and ".join(criteria) or "every issue"])


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _github_url(base: str, selectors: Sequence[Selector]) -> str | None:
    clauses = []
    for selector in selectors:
        terms = []
        for name, value in (("milestone", selector.milestone), ("label", selector.label)):
            if value is None:
                continue
            if '"' in value:
                return None  # GitHub search cannot quote a double quote
            terms.append(f'{name}:"{value}"')
        if not terms:
            clauses = []  # a selector of every issue: the union is the whole repository
            break
        clauses.append(" ".join(terms))
    if len(clauses) > 1:
        joined = " OR ".join(f"({c})" if " " in c else c for c in clauses)
        query = f"is:issue ({joined})"
    else:
        query = " ".join(["is:issue", *clauses])
    if len(query) > GITHUB_QUERY_LIMIT or len(clauses) - 1 > GITHUB_OPERATOR_LIMIT:
        return None
    return _fitting(f"{base}/issues?q={quote_plus(query, safe=':')}")


def _jira_url(
    base: str, projects: Sequence[tuple[Source, Sequence[Selector]]], cloud: bool | None
) -> str | None:
    queries = []
    for source, selectors in projects:
        assert isinstance(source, JiraSource)
        clauses = []
        for selector in selectors:
            clause = _jql_clause(selector, cloud)
            if clause is None:
                return None
            if not clause:
                clauses = []  # a selector of every issue: the union is the whole project
                break
            clauses.append(clause)
        query = f"project = {source.project}"
        if source.jql:
            query += f" AND ({source.jql})"
        if len(clauses) == 1:
            query += f" AND ({clauses[0]})"
        elif clauses:
            query += " AND (" + " OR ".join(f"({c})" for c in clauses) + ")"
        queries.append(query)
    jql = queries[0] if len(queries) == 1 else " OR ".join(f"({q})" for q in queries)
    return _fitting(f"{base}/issues/?jql={quote(jql, safe='')}")


class Inexpressible(ValueError):
    """The selectors cannot be searched for exactly in one query: read the whole project."""


_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def union_jql(
    selectors: Sequence[Selector],
    keys: Collection[str],
    *,
    project: str,
    cloud: bool,
    versions: Collection[str],
) -> str:
    """What a full read of one Jira project searches for, ANDed with the project and the
    source's filter: the union of the selectors (each its criteria ANDed, as `_jql_clause` says
    them), OR `key in (…)` for `keys` (the report targets, whose descriptions hold checklists) and
    the selectors' epics (whose due dates and existence are read from the mirror), OR the
    assigned work in progress (`WORK_IN_PROGRESS`), which the workload counts wherever it is.
    Raises `Inexpressible` when the union cannot be said exactly.

    `jql` selectors are left out: their own searches keep their matches in the mirror. A
    selector naming a fix version that `versions` lacks matches nothing (Jira would refuse the
    whole query for it) and is left out too. Keys of other projects are left out: a search
    inside the project cannot return them, and a whole read would not hold them either."""
    clauses: list[str] = []
    for selector in selectors:
        if selector.jql is not None:
            continue
        if selector.fix_version is not None and selector.fix_version not in versions:
            continue
        values = (selector.fix_version, selector.label, selector.epic)
        if any(v is not None and _CONTROL.search(v) for v in values):
            raise Inexpressible("a fix version or label holds a control character")
        if selector.epic is not None and not _JIRA_KEY.match(selector.epic):
            raise Inexpressible(f"the epic {selector.epic!r} is not an issue key")
        clause = _jql_clause(selector, cloud)
        if not clause:
            raise Inexpressible("a selector selects every issue of the project")
        clauses.append(clause)
    wanted = {*keys, *(s.epic for s in selectors if s.epic is not None)}
    own = sorted({k for k in wanted if k.startswith(f"{project}-") and _JIRA_KEY.match(k)})
    if own:
        clauses.append(f"key in ({', '.join(own)})")
    clauses.append(WORK_IN_PROGRESS)
    union = " OR ".join(f"({c})" for c in clauses)
    if len(quote(union, safe="")) > UNION_LIMIT:
        raise Inexpressible(f"the query would be longer than {UNION_LIMIT} characters")
    return union


def _jql_clause(selector: Selector, cloud: bool | None) -> str | None:
    """The selector's criteria in JQL, ANDed; "" for none; None when one cannot be said."""
    parts = []
    if selector.fix_version is not None:
        parts.append(f"fixVersion = {_jql_string(selector.fix_version)}")
    if selector.epic is not None:
        if cloud is None:
            return None
        parts.append(f"parent = {selector.epic}" if cloud else f'"Epic Link" = {selector.epic}')
    if selector.label is not None:
        parts.append(f"labels = {_jql_string(selector.label)}")
    if selector.jql is not None:
        parts.append(f"({selector.jql})")
    return " AND ".join(parts)


def _jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fitting(url: str) -> str | None:
    return url if len(url) <= URL_LIMIT else None
