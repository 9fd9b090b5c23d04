"""The mapping file: its pydantic schema, and a loader whose errors name file, field and line.

Loading never touches the network. Every problem is reported with the dotted field path the
contract promises (`deliverables[0].include[1].source`), the YAML line where known, and a
"did you mean" hint for misspelt keys and ids.

The loader is strict and bounded, because a mapping file is the one input a person types: it reads
UTF-8 only, at most `MAX_FILE_BYTES`; refuses a key given twice in one mapping, nesting deeper than
`MAX_DEPTH` and aliases that expand past `MAX_NODES` values (YAML bombs) while parsing, before any
work grows with them; and every number has bounds, so what `validate` accepts `run` can compute
with. The only exception it raises is `MappingError`.
"""

from __future__ import annotations

import difflib
import itertools
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

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 50  # nested lists and mappings; the schema itself needs 5
MAX_NODES = 50_000  # values, aliases expanded; 1,000 deliverables of 5 selectors: 42,000
MAX_PROBLEMS = 50  # reported per file; a broken file is fixed from the top anyway
MAX_ISSUE_NUMBER = 2**31 - 1
HOURS_IN_A_LEAP_YEAR = 366 * 24

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=64)]
Names = Annotated[tuple[str, ...], Field(max_length=100)]
Hours = Annotated[float, Field(allow_inf_nan=False)]
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
    in_progress_labels: Names = DEFAULT_IN_PROGRESS_LABELS
    points_label: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None,
        description="regex with one group reading story points from a label, e.g. '^sp:(\\d+)$'",
    )
    blocked_labels: Names = ("blocked",)
    dropped_resolutions: Names = Field(
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
        except RecursionError:  # `re` parses nested groups recursively
            raise ValueError("not a valid regular expression: groups nested too deep") from None
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
    blocked_statuses: Names = ("Blocked",)
    blocked_labels: Names = ("blocked",)
    dropped_resolutions: Names = DEFAULT_JIRA_DROPPED

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
    budget_hours: Annotated[Hours, Field(gt=0, le=10_000_000)] | None = None
    include: Annotated[tuple[Selector, ...], Field(min_length=1, max_length=100)]
    report_to: Annotated[tuple[ReportTarget, ...], Field(max_length=20)] = ()

    @field_validator("due", "start", mode="before")
    @classmethod
    def _real_date(cls, value: Any) -> Any:
        return _real_date(value)


class Rules(_Strict):
    due_soon_days: Annotated[int, Field(ge=0, le=365)] = 3
    stale_after_days: Annotated[int, Field(ge=1, le=3650)] = 7
    wip_limit: Annotated[int, Field(ge=1, le=1000)] = 3
    forecast_window_days: Annotated[int, Field(ge=1, le=365)] = 21
    on_track_probability: Annotated[float, Field(gt=0.5, le=1, allow_inf_nan=False)] = 0.85
    budget_at_risk_ratio: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.1
    requirement_labels: Names = ("requirement",)
    task_nudges: bool = False
    mention: bool = True
    notify_on_status_change: bool = True
    notice_cooldown_hours: Annotated[
        Hours,
        Field(
            ge=0,
            le=HOURS_IN_A_LEAP_YEAR,
            description="at most one status-change notice per deliverable and target this often",
        ),
    ] = 24
    full_resync_hours: Annotated[Hours, Field(gt=0, le=HOURS_IN_A_LEAP_YEAR)] = 24


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
    people: Annotated[tuple[PersonEntry, ...], Field(max_length=1000)] = ()
    roles: Roles = Roles()
    sources: Annotated[tuple[Source, ...], Field(min_length=1, max_length=100)]
    deliverables: Annotated[tuple[Deliverable, ...], Field(min_length=1, max_length=1000)]
    rules: Rules = Rules()

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        # OSError: a directory of zones ("Europe") or a name too long for the file system.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {_shown(value)}; use an IANA name like Europe/Berlin"
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
        with path.open("rb") as stream:
            # Read one byte past the cap: a device or a huge file is never read whole.
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise MappingError(
            str(path), [Problem("", f"cannot read the file: {exc.strerror}")]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise MappingError(str(path), [_too_large()])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(str(path), [_not_utf8(data, exc.start)]) from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, file: str = "<mapping>") -> MappingFile:
    """Validate and cross-check the text of a mapping file, or raise MappingError.

    A file is read with libyaml when PyYAML has it, and, if anything at all is wrong with it,
    read again with the pure-Python loader, whose problems are the ones reported: the messages
    and line numbers users see do not depend on which YAML library is installed. Both loaders
    enforce the same limits while reading."""
    if len(text) > MAX_FILE_BYTES:
        raise MappingError(file, [_too_large()])
    # libyaml takes a tab for a space in places where the pure-Python reader refuses it
    # (`key:<tab>value`): a file with a tab anywhere is read by the pure-Python reader alone, so
    # that what is valid never depends on libyaml.
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            return _parse(text, file, _FAST_LOADER)
        except Exception:  # whatever went wrong, the pure-Python reader says what it is
            pass
    return _parse(text, file, _BoundedLoader)


def _parse(text: str, file: str, loader: type) -> MappingFile:
    data, lines, problems = _read_yaml(text, file, loader)
    if problems:
        raise MappingError(file, _capped(problems))
    if not isinstance(data, dict):
        raise MappingError(file, [Problem("", "expected a mapping with version, sources, …", 1)])
    try:
        mapping = MappingFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items all failed is also "too short"; that adds nothing.
        failed = {error["loc"][:1] for error in errors if len(error["loc"]) > 1}
        wanted = (
            error
            for error in errors
            if not (error["type"] == "too_short" and error["loc"] in failed)
        )
        problems = [_problem(error, data, lines) for error in itertools.islice(wanted, 200)]
        raise MappingError(file, _capped(_unique(problems))) from None
    problems = [
        Problem(path, message, _line(lines, path))
        for path, message in itertools.islice(_cross_check(mapping), MAX_PROBLEMS + 1)
    ]
    if problems:
        raise MappingError(file, _capped(problems))
    return mapping


def mapping_notes(mapping: MappingFile) -> list[Problem]:
    """Remarks on a valid mapping for `validate` to print: allowed, perhaps not what was meant."""
    notes: list[Problem] = []
    for index, deliverable in enumerate(mapping.deliverables):
        if not deliverable.report_to:
            notes.append(
                Problem(
                    f"deliverables[{index}].report_to",
                    f"deliverable {deliverable.id!r} has no report_to: it will only appear in "
                    "`report`, no comments are posted",
                )
            )
    for index, person in enumerate(mapping.people):
        if person.github is None and person.jira is None:
            notes.append(
                Problem(
                    f"people[{index}]",
                    f"{_shown(person.name)} has no github or jira identity: "
                    "no item or mention can be matched to them",
                )
            )
    return notes


def json_schema() -> dict[str, Any]:
    schema = MappingFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "delivery-sync mapping file"
    return schema


_USERINFO = re.compile(r"(?<=//)[^/?#@\s]*@")


def _http_url(value: str | None) -> str | None:
    if value is None:
        return value
    # Userinfo first: the other messages echo the URL, and this one must not.
    if _USERINFO.search(value):
        raise ValueError(
            f"{_shown(value)} carries credentials: put credentials in GITHUB_TOKEN / "
            "JIRA_EMAIL+JIRA_API_TOKEN or JIRA_PAT, not in the URL"
        )
    if not re.fullmatch(r"https?://[^\s/?#]+([/?#]\S*)?", value):
        # A malformed URL with an @ in it may still hold a password: do not repeat it.
        shown = "this value" if "@" in value else _shown(value)
        raise ValueError(f"{shown} is not an http(s) URL")
    return value.rstrip("/")


def _jql_filter(value: str | None) -> str | None:
    """Refuse JQL that would not stay inside the `(…)` it is ANDed into."""
    if value is None:
        return value
    if not value.strip():
        raise ValueError("empty JQL: leave the key out instead")
    outside = _outside_strings(value)
    if re.search(r"(?i)\border\s+by\b", outside):
        raise ValueError("ORDER BY is not allowed here: this JQL is ANDed with other clauses")
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise ValueError(
            "unbalanced parentheses: this JQL is ANDed with the project clause "
            "and must not close it"
        )
    return value


def _outside_strings(jql: str) -> str:
    """The JQL with its quoted strings ('…' or "…", backslash escapes) and escapes blanked."""
    out: list[str] = []
    quote: str | None = None
    chars = iter(jql)
    for char in chars:
        if char == "\\":
            next(chars, None)  # Jira escapes one character, inside a string or out
            out.append(" ")
        elif quote is not None:
            quote = None if char == quote else quote
            out.append(" ")
        elif char in "\"'":
            quote = char
            out.append(" ")
        else:
            out.append(char)
    if quote is not None:
        raise ValueError(f"unterminated string: a {quote} is not closed")
    return "".join(out)


def _real_date(value: Any) -> Any:
    """Dates as YAML or as strings; a number is not a date (pydantic would read Unix time)."""
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected a date like 2026-12-15 (got {_shown(value)})")
    if isinstance(value, str) and (parts := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)):
        try:
            return date(*map(int, parts.groups()))
        except ValueError:
            raise ValueError(f"not a real date (got {_shown(value)})") from None
    return value


def _shown(value: Any) -> str:
    """A value quoted in a message: short, and with any URL password removed."""
    text = _USERINFO.sub("***@", repr(value))
    return text if len(text) <= 80 else text[:77] + "…"


def _too_large() -> Problem:
    return Problem(
        "", f"file larger than {MAX_FILE_BYTES // 1024} KB: a mapping file is a few kilobytes"
    )


def _not_utf8(data: bytes, offset: int) -> Problem:
    hint = "; it looks like UTF-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ""
    return Problem(
        "",
        f"not UTF-8 (byte 0x{data[offset]:02x} at offset {offset}){hint}: save the file as UTF-8",
        data.count(b"\n", 0, offset) + 1,
    )


def _capped(problems: list[Problem]) -> list[Problem]:
    """The first MAX_PROBLEMS; callers stop looking soon after, so no count of the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], Problem("", "… and more problems: fix these first")]


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
            yield f"roles.{role}", f"unknown person {_shown(name)}{_hint(name, names, 'people')}"
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
        targets: dict[tuple[str, int | str], int] = {}
        for t_index, target in enumerate(deliverable.report_to):
            path = f"{base}.report_to[{t_index}]"
            source = sources.get(target.source)
            if source is None:
                yield f"{path}.source", _unknown_source(target.source, sources)
            elif source.kind == "github" and not _issue_number(target.issue):
                yield (
                    f"{path}.issue",
                    f"a GitHub issue number is expected, got {_shown(target.issue)}",
                )
            elif source.kind == "jira" and not (
                isinstance(target.issue, str) and _JIRA_KEY.match(target.issue)
            ):
                yield (
                    f"{path}.issue",
                    f"a Jira issue key like PLAT-100 is expected, got {_shown(target.issue)}",
                )
            elif (first := targets.setdefault((target.source, target.issue), t_index)) != t_index:
                # Two entries would keep two copies of the same comments in step.
                yield path, f"the same target as {base}.report_to[{first}]"
        if deliverable.start and deliverable.due and deliverable.start > deliverable.due:
            yield f"{base}.start", f"start {deliverable.start} is after due {deliverable.due}"


def _issue_number(value: int | str) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ISSUE_NUMBER


def _duplicates(section: str, values: list[str], field: str) -> Iterator[tuple[str, str]]:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            yield (
                f"{section}[{index}].{field}",
                f"duplicate {field} {_shown(value)} (also {section}[{seen[value]}])",
            )
        else:
            seen[value] = index


def _unknown_source(name: str, sources: dict[str, Any]) -> str:
    return f"unknown source {_shown(name)}{_hint(name, list(sources), 'sources')}"


def _hint(value: str, choices: Iterable[str], what: str) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if choices:
        listed = ", ".join(choices[:10]) + (", …" if len(choices) > 10 else "")
        return f"; known {what}: {listed}"
    return f"; no {what} are defined"


# ---- pydantic errors → problems -------------------------------------------------------------


def _problem(error: dict[str, Any], data: Any, lines: dict[str, int]) -> Problem:
    loc = _clean_loc(error["loc"], data)
    path = _dotted(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(loc[:-1], data)
        message = f"unknown key {_shown(key)}{_hint(key, allowed, 'keys')}"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "too_short" and error.get("ctx", {}).get("actual_length") == 0:
        noun = _ENTRY.get(str(loc[-1]) if loc else "", "entry")
        message = f"must not be empty: list at least one {noun}"
    elif kind == "union_tag_invalid" and isinstance(error["input"], dict):
        path += ".kind"
        message = f"must be one of: github, jira (got {_shown(error['input'].get('kind'))})"
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
            message += f" (got {_shown(error['input'])})"
    return Problem(path, message, _line(lines, path))


_ENTRY = {"deliverables": "deliverable", "sources": "source", "include": "selector"}


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


# ---- YAML: a bounded safe loader, line numbers -------------------------------------------------


class _Refused(Exception):
    """A limit the loader enforces while parsing, with the line it was reached on."""

    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else None


class _Bounds:
    """The limits and the lenient constructors both loaders share, checked as nodes are composed.

    Values are counted as they are composed, an alias counting as everything it stands for, so a
    "billion laughs" file is refused after composing a few dozen nodes, and a huge flat one as
    soon as it passes the limit; nesting is refused at its `MAX_DEPTH + 1`th level, before the
    composer's recursion goes deeper, and an alias is refused where it would reach deeper than
    that through what it stands for. Only an anchored node can be stood for: its expanded size
    and height are the only ones kept, so a file without anchors pays two counters per node.
    """

    def _start_bounds(self) -> None:
        self.depth = 0  # lists and mappings open around the node being composed
        self.deepest = 0  # deepest level reached, aliases expanded, since the innermost anchor
        self.values = 0  # in the document so far, aliases expanded
        self.aliases = False
        self.measure: dict[int, tuple[int, int]] = {}  # id(anchored node) → (values, height)
        self.paths: dict[int, str] = {}  # id(node) → where it first appears, for problems
        self.problems: list[Problem] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            self.aliases = True
            target = self.anchors.get(event.anchor)  # type: ignore[attr-defined]
            if target is not None:
                if id(target) not in self.measure:
                    raise _Refused(
                        "an alias refers to a list or mapping that contains it", event.start_mark
                    )
                values, height = self.measure[id(target)]
                self._count(values, event.start_mark)
                if self.depth + height > MAX_DEPTH:
                    raise _Refused(
                        f"nesting deeper than {MAX_DEPTH} levels through aliases",
                        event.start_mark,
                    )
                self.deepest = max(self.deepest, self.depth + height)
            return super().compose_node(parent, index)  # type: ignore[misc]
        anchored = event.anchor is not None
        if anchored:
            values_before, deepest_before, start = self.values, self.deepest, self.depth
            self.deepest = start
        self._count(1, event.start_mark)
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            if self.depth > self.deepest:
                self.deepest = self.depth
            try:
                node = super().compose_node(parent, index)  # type: ignore[misc]
            finally:
                self.depth -= 1
        else:
            node = super().compose_node(parent, index)  # type: ignore[misc]
        if anchored:
            self.measure[id(node)] = (self.values - values_before, self.deepest - start)
            self.deepest = max(self.deepest, deepest_before)
        return node

    def _count(self, values: int, mark: yaml.Mark) -> None:
        self.values += values
        if self.values > MAX_NODES:
            what = "aliases expand to" if self.aliases else "the file holds"
            raise _Refused(f"{what} more than {MAX_NODES} values", mark)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # `2026-02-30` looks like a date and is not one: keep the text for the field to judge.
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # type: ignore[attr-defined]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
            # PyYAML's scalar constructors raise these on values their tag cannot hold: an int
            # with more digits than Python converts, `!!float x`, `!!bool x`, `!!timestamp x`,
            # an empty `!!int`.
            self.recursive_objects.pop(node, None)  # type: ignore[attr-defined]
            self.constructed_objects[node] = None  # type: ignore[attr-defined]
            self.problems.append(_bad_scalar(node, self.paths.get(id(node), "")))
            return None


class _BoundedLoader(_Bounds, yaml.SafeLoader):
    """`yaml.safe_load`'s loader, pure Python, with the limits checked as the text is read.

    Depth is also capped in the scanner (flow brackets, block indentation), not only in the
    composer: the scanner looks ahead over unclosed `[`, which is quadratic. Its error messages
    and line numbers are the ones users see (see `_read_yaml`).
    """

    def __init__(self, text: str):
        super().__init__(text)
        self._start_bounds()

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if self.indent < column and len(self.indents) >= MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", self.get_mark())
        return super().add_indent(column)


_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _LibyamlLoader(
        _Bounds,
        yaml.composer.Composer,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
        CParser,
    ):
        """The same loader with libyaml's C scanner and parser underneath: the events come from
        C, the nodes are composed here, under the same limits, and constructed by the same
        safe constructors. About eight times faster on a 200-deliverable file. Used only to
        read a file that turns out valid (see `parse_mapping`)."""

        def __init__(self, text: str):
            CParser.__init__(self, text)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)
            self._start_bounds()

    _LibyamlLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", _LibyamlLoader.construct_yaml_timestamp
    )
    _FAST_LOADER: type | None = _LibyamlLoader
else:  # PyYAML built without libyaml: the pure-Python loader reads every file
    _FAST_LOADER = None


def _bad_scalar(node: yaml.Node, path: str) -> Problem:
    line = node.start_mark.line + 1
    if node.tag == "tag:yaml.org,2002:int" and re.fullmatch(r"[-+]?[0-9_]+", str(node.value)):
        return Problem(path, "number too large", line)
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return Problem(path, f"{_shown(node.value)} is not a valid {tag}", line)


def _read_yaml(
    text: str, file: str, loader_class: type
) -> tuple[Any, dict[str, int], list[Problem]]:
    """The data, the line of each dotted path, and the problems that stop before validation."""
    loader = None
    try:
        # The pure-Python reader rejects control characters and lone surrogates at once.
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[str, int] = {}
        duplicates = list(_index(node, "", lines, loader.paths, set()))
        if duplicates:
            return None, lines, duplicates
        data = loader.construct_document(node)
        return data, lines, loader.problems
    except _Refused as exc:
        raise MappingError(file, [Problem("", exc.message, exc.line)]) from None
    except yaml.YAMLError as exc:
        raise MappingError(file, [_syntax_problem(exc, text)]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # Raised before any mark exists; `position` counts characters.
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        line = text.count("\n", 0, exc.position) + 1
        return Problem("", f"YAML syntax error: unacceptable character {character!r}", line)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context:
        # PyYAML splits some messages in two ("found duplicate anchor …; first occurrence").
        where = f" (line {context_mark.line + 1})" if context_mark is not None else ""
        problem = f"{context}{where}, {problem}"
    mark = getattr(exc, "problem_mark", None)
    return Problem("", f"YAML syntax error: {problem}", mark.line + 1 if mark else None)


_MERGE = "tag:yaml.org,2002:merge"


def _index(
    node: yaml.Node, path: str, lines: dict[str, int], paths: dict[int, str], seen: set[int]
) -> Iterator[Problem]:
    """Fill `lines` (dotted path → line) and `paths` (node → path); yield keys given twice.

    Runs on the composed nodes, before construction, which merges `<<` keys into their mapping
    and would make a merged key and its override look like a duplicate.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    paths.setdefault(id(node), path)
    first_visit = id(node) not in seen
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "…"
            child = f"{path}.{name}" if path else str(name)
            line = key.start_mark.line + 1
            lines.setdefault(child, line)
            paths.setdefault(id(key), child)
            ident = (key.tag, key.value) if isinstance(key, yaml.ScalarNode) else None
            if not first_visit or ident is None or key.tag == _MERGE:
                pass
            elif ident in keys:
                earlier = keys[ident]
                where = f"lines {earlier} and {line}" if earlier != line else f"line {line}"
                yield Problem(child, f"key {_shown(key.value)} given twice ({where})", line)
            else:
                keys[ident] = line
            yield from _index(value, child, lines, paths, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _index(item, f"{path}[{index}]", lines, paths, seen)


def _line(lines: dict[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        parent = re.sub(r"(^[^.\[]+|\.[^.\[]*|\[\d+\])$", "", path)
        if parent == path:  # a key with brackets or dots in it: no line rather than a loop
            return None
        path = parent
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
