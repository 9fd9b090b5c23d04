"""The mapping file: its pydantic schema, and a loader whose errors name file, field and line.

Loading never touches the network. Every problem is reported with the dotted field path the
contract promises (`deliverables[0].include[1].source`), the YAML line where known, and a
"did you mean" hint for misspelt keys and ids.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
DEFAULT_IN_PROGRESS_LABELS = ("in progress", "in-progress", "doing", "wip")
DEFAULT_GITHUB_DROPPED = ("not_planned", "duplicate")
DEFAULT_JIRA_DROPPED = ("Won't Do", "Won't Fix", "Duplicate", "Cannot Reproduce")
_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GitHubSource(_Strict):
    """A GitHub repository."""

    id: Id
    kind: Literal["github"]
    repo: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    base_url: str | None = Field(
        None, description="API base; default $GITHUB_API_URL, then https://api.github.com"
    )
    token_env: str | None = Field(None, description="environment variable holding the token")
    in_progress_labels: tuple[str, ...] = DEFAULT_IN_PROGRESS_LABELS
    points_label: str | None = Field(
        None,
        description="regex with one group reading story points from a label, e.g. '^sp:(\\d+)$'",
    )
    blocked_labels: tuple[str, ...] = ("blocked",)
    dropped_resolutions: tuple[str, ...] = Field(
        DEFAULT_GITHUB_DROPPED, description="state_reason values that mean 'dropped, not done'"
    )

    @field_validator("points_label")
    @classmethod
    def _one_group(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if pattern.groups != 1:
            raise ValueError(f"needs exactly one capturing group, has {pattern.groups}")
        return value

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return _http_url(value)


class JiraSource(_Strict):
    """A Jira project, on Cloud or Data Center."""

    id: Id
    kind: Literal["jira"]
    project: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]+$")]
    url: str | None = Field(None, description="site; default $JIRA_URL")
    token_env: str | None = Field(
        None, description="environment variable holding the API token (Cloud) or PAT (Data Center)"
    )
    jql: str | None = Field(None, description="extra JQL, ANDed with the project")
    deployment: Literal["auto", "cloud", "server"] = "auto"
    story_points_field: Annotated[
        str, StringConstraints(pattern=r"^(auto|none|customfield_[0-9]+)$")
    ] = "auto"
    blocked_statuses: tuple[str, ...] = ("Blocked",)
    blocked_labels: tuple[str, ...] = ("blocked",)
    dropped_resolutions: tuple[str, ...] = DEFAULT_JIRA_DROPPED

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("jql")
    @classmethod
    def _filter_only(cls, value: str | None) -> str | None:
        return _jql_filter(value)


Source = Annotated[GitHubSource | JiraSource, Field(discriminator="kind")]


class Selector(_Strict):
    """Items of one source: all criteria must hold; a deliverable ORs its selectors."""

    source: str
    milestone: str | None = Field(None, description="GitHub milestone title, exact")
    label: str | None = None
    fix_version: str | None = Field(None, description="Jira fix version name, exact")
    epic: str | None = Field(None, description="Jira epic key: its direct children")
    jql: str | None = Field(None, description="Jira JQL, ANDed with the source's project and jql")

    @field_validator("jql")
    @classmethod
    def _filter_only(cls, value: str | None) -> str | None:
        return _jql_filter(value)

    @field_validator("epic")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _JIRA_KEY.match(value):
            raise ValueError(f"{value!r} is not a Jira issue key like PLAT-100")
        return value

    def criteria(self) -> dict[str, str]:
        return {
            name: value
            for name in ("milestone", "label", "fix_version", "epic", "jql")
            if (value := getattr(self, name)) is not None
        }


class ReportTarget(_Strict):
    """An issue that carries both role comments: a GitHub issue number or a Jira key."""

    source: str
    issue: StrictInt | str  # strict: YAML's `true` must not become issue 1


class Deliverable(_Strict):
    id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    client: str | None = None
    due: date | None = Field(None, description="else the earliest due date of its milestones")
    start: date | None = None
    budget_hours: Annotated[float, Field(gt=0)] | None = None
    include: Annotated[tuple[Selector, ...], Field(min_length=1)]
    report_to: tuple[ReportTarget, ...] = ()


class Rules(_Strict):
    due_soon_days: Annotated[int, Field(ge=0)] = 3
    stale_after_days: Annotated[int, Field(ge=1)] = 7
    wip_limit: Annotated[int, Field(ge=1)] = 3
    forecast_window_days: Annotated[int, Field(ge=1, le=365)] = 21
    on_track_probability: Annotated[float, Field(gt=0.5, le=1)] = 0.85
    budget_at_risk_ratio: Annotated[float, Field(gt=0)] = 1.1
    requirement_labels: tuple[str, ...] = ("requirement",)
    task_nudges: bool = False
    mention: bool = True
    notify_on_status_change: bool = True
    full_resync_hours: Annotated[float, Field(gt=0)] = 24


class PersonEntry(_Strict):
    name: Annotated[str, StringConstraints(min_length=1)]
    github: str | None = None
    jira: str | None = Field(None, description="accountId (Cloud) or user name (Data Center)")


class Roles(_Strict):
    delivery_lead: str | None = None
    project_manager: str | None = None


class MappingFile(_Strict):
    """The whole mapping file (`version: 1`)."""

    version: Literal[1]
    timezone: str = "UTC"
    people: tuple[PersonEntry, ...] = ()
    roles: Roles = Roles()
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    deliverables: tuple[Deliverable, ...] = ()
    rules: Rules = Rules()

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/Berlin"
            ) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, source_id: str) -> GitHubSource | JiraSource:
        return next(s for s in self.sources if s.id == source_id)

    def person(self, name: str | None) -> PersonEntry | None:
        return next((p for p in self.people if p.name == name), None)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or "(top level)"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


class MappingError(Exception):
    """A mapping file that cannot be used; the message names the file, field paths and lines."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = [f"{file}: invalid mapping file ({count})"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


def load_mapping(path: str | Path) -> MappingFile:
    """Read, validate and cross-check a mapping file, or raise MappingError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(
            str(path), [Problem("", f"cannot read the file: {exc.strerror}")]
        ) from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, file: str = "<mapping>") -> MappingFile:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise MappingError(file, [Problem("", f"YAML syntax error: {reason}", line)]) from None
    lines = dict(_line_map(node)) if node is not None else {}
    if not isinstance(data, dict):
        raise MappingError(file, [Problem("", "expected a mapping with version, sources, …", 1)])
    try:
        mapping = MappingFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items all failed is also "too short"; that adds nothing.
        failed = {error["loc"][:1] for error in errors if len(error["loc"]) > 1}
        problems = [
            _problem(error, data, lines)
            for error in errors
            if not (error["type"] == "too_short" and error["loc"] in failed)
        ]
        raise MappingError(file, _unique(problems)) from None
    problems = [
        Problem(path, message, _line(lines, path)) for path, message in _cross_check(mapping)
    ]
    if problems:
        raise MappingError(file, problems)
    return mapping


def json_schema() -> dict[str, Any]:
    schema = MappingFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "delivery-sync mapping file"
    return schema


def _http_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/") if value else value


def _jql_filter(value: str | None) -> str | None:
    if value is not None and re.search(r"(?i)\border\s+by\b", value):
        raise ValueError("ORDER BY is not allowed here: this JQL is ANDed with other clauses")
    return value


# ---- cross-references ----------------------------------------------------------------------

_GITHUB_CRITERIA = {"milestone", "label"}
_JIRA_CRITERIA = {"fix_version", "epic", "jql", "label"}


def _cross_check(mapping: MappingFile) -> Iterator[tuple[str, str]]:
    yield from _duplicates("sources", [s.id for s in mapping.sources], "id")
    yield from _duplicates("deliverables", [d.id for d in mapping.deliverables], "id")
    yield from _duplicates("people", [p.name for p in mapping.people], "name")
    sources = {s.id: s for s in mapping.sources}
    names = [p.name for p in mapping.people]
    for role in ("delivery_lead", "project_manager"):
        name = getattr(mapping.roles, role)
        if name is not None and name not in names:
            yield f"roles.{role}", f"unknown person {name!r}{_hint(name, names, 'people')}"
    for d_index, deliverable in enumerate(mapping.deliverables):
        base = f"deliverables[{d_index}]"
        for s_index, selector in enumerate(deliverable.include):
            path = f"{base}.include[{s_index}]"
            source = sources.get(selector.source)
            if source is None:
                yield f"{path}.source", _unknown_source(selector.source, sources)
                continue
            criteria = selector.criteria()
            if not criteria:
                yield path, "a selector needs at least one criterion besides source"
            allowed = _GITHUB_CRITERIA if source.kind == "github" else _JIRA_CRITERIA
            for name in sorted(set(criteria) - allowed):
                yield (
                    f"{path}.{name}",
                    f"{name} does not apply to {source.kind} source {source.id!r}; "
                    f"use {', '.join(sorted(allowed))}",
                )
        for t_index, target in enumerate(deliverable.report_to):
            path = f"{base}.report_to[{t_index}]"
            source = sources.get(target.source)
            if source is None:
                yield f"{path}.source", _unknown_source(target.source, sources)
            elif source.kind == "github" and not _positive_int(target.issue):
                yield f"{path}.issue", f"a GitHub issue number is expected, got {target.issue!r}"
            elif source.kind == "jira" and not (
                isinstance(target.issue, str) and _JIRA_KEY.match(target.issue)
            ):
                yield (
                    f"{path}.issue",
                    f"a Jira issue key like PLAT-100 is expected, got {target.issue!r}",
                )
        if deliverable.start and deliverable.due and deliverable.start > deliverable.due:
            yield f"{base}.start", f"start {deliverable.start} is after due {deliverable.due}"


def _positive_int(value: int | str) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _duplicates(section: str, values: list[str], field: str) -> Iterator[tuple[str, str]]:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            yield (
                f"{section}[{index}].{field}",
                f"duplicate {field} {value!r} (also {section}[{seen[value]}])",
            )
        else:
            seen[value] = index


def _unknown_source(name: str, sources: dict[str, Any]) -> str:
    return f"unknown source {name!r}{_hint(name, list(sources), 'sources')}"


def _hint(value: str, choices: Iterable[str], what: str) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if choices:
        return f"; known {what}: {', '.join(choices)}"
    return f"; no {what} are defined"


# ---- pydantic errors → problems -------------------------------------------------------------


def _problem(error: dict[str, Any], data: Any, lines: dict[str, int]) -> Problem:
    loc = _clean_loc(error["loc"], data)
    path = _dotted(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(loc[:-1], data)
        message = f"unknown key {key!r}{_hint(key, allowed, 'keys')}"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "union_tag_invalid":
        path += ".kind"
        message = f"must be one of: github, jira (got {error['input'].get('kind')!r})"
    elif kind == "union_tag_not_found":
        path += ".kind"
        message = "required field is missing: github or jira"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if (
            "input" in error
            and kind not in ("value_error",)
            and not isinstance(error["input"], dict | list)
        ):
            message += f" (got {error['input']!r})"
    return Problem(path, message, _line(lines, path))


def _clean_loc(loc: tuple, data: Any) -> tuple:
    """Drop the tags pydantic adds for discriminated unions, keep the real path into the file."""
    out: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            if part in ("github", "jira") and node.get("kind") == part:
                continue
            if part.startswith(("function-", "tagged-union")):
                continue
        if isinstance(part, str) and part in ("int", "str") and not isinstance(node, dict | list):
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _dotted(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _allowed_keys(loc: tuple, data: Any) -> list[str]:
    """The keys the schema allows at `loc`, for "did you mean" hints."""
    annotation: Any = MappingFile
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            args = get_args(_resolve(annotation, None))
            annotation = args[0] if args else None
        else:
            model = _resolve(annotation, node)
            node = node.get(part) if isinstance(node, dict) else None
            field = model.model_fields.get(part) if _is_model(model) else None
            annotation = field.annotation if field else None
    model = _resolve(annotation, node)
    return list(model.model_fields) if _is_model(model) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _resolve(annotation: Any, node: Any) -> Any:
    """Strip Annotated/Optional; pick a discriminated union's member by the node's `kind`."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _resolve(get_args(annotation)[0], node)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _resolve(members[0], node)
        kind = node.get("kind") if isinstance(node, dict) else None
        for member in members:
            field = member.model_fields.get("kind") if _is_model(member) else None
            if field is not None and kind in get_args(field.annotation):
                return member
        return None
    return annotation


# ---- YAML line numbers ----------------------------------------------------------------------


def _line_map(node: yaml.Node, path: str = "") -> Iterator[tuple[str, int]]:
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            yield child, key.start_mark.line + 1
            yield from ((p, n) for p, n in _line_map(value, child) if p != child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _line_map(item, f"{path}[{index}]")


def _line(lines: dict[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path)
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per field: a union's alternatives become "a valid X or a valid Y"."""
    by_path: dict[str, Problem] = {}
    for problem in problems:
        known = by_path.get(problem.path)
        if known is None:
            by_path[problem.path] = problem
        elif problem.message != known.message:
            first = re.sub(r" \(got .*\)$", "", known.message)
            rest = problem.message.removeprefix("Input should be ")
            by_path[problem.path] = Problem(problem.path, f"{first} or {rest}", known.line)
    return list(by_path.values())
