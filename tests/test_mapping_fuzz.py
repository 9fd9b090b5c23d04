"""Fuzzing the mapping loader: whatever the bytes, a mapping or a MappingError, in under a second.

Arbitrary bytes, arbitrary text, YAML-ish text built from a small grammar (anchors, aliases,
merge keys, tags, flow and block collections, the schema's own keys), and valid files with
mutations. Any other exception is a traceback a user would see; any slow case is a hang waiting
for a bigger input.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings.config import MappingError, Problem, load_mapping, parse_mapping
from tests.test_config import VALID
from worker.cli import example_path

SECOND = 5.0  # a case takes milliseconds; a blow-up (aliases, deep nesting) takes far longer
FUZZ = settings(
    max_examples=120,
    deadline=None,  # timed explicitly below, per case
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BASES = [VALID] + [
    example_path(name).read_text()
    for name in ("demo.yaml", "github-only.yaml", "jira-only.yaml", "mixed.yaml")
]

KEYS = [
    "version", "timezone", "people", "roles", "sources", "deliverables", "rules", "id", "kind",
    "repo", "project", "url", "base_url", "jql", "name", "due", "start", "budget_hours",
    "include", "report_to", "source", "issue", "milestone", "label", "fix_version", "epic",
    "due_soon_days", "full_resync_hours", "wip_limit", "notice_cooldown_hours", "<<", "? x",
    "github", "jira", "1", "true", "~", "'due'", '"due"',
]  # fmt: skip
SCALARS = [
    "1", "-1", "0", "0x7f", "0o17", "1_000", "1:30", "10000000000", "9" * 5000, "1e300",
    "1.0e+300", ".inf", "-.inf", ".nan", "2026-12-15", "2026-02-30", "0000-01-01",
    "2026-01-01T25:61:00Z", "2026-01-01 00:00:00 +99:00", "true", "no", "~", "null", "''", '""',
    "github", "jira", "web", "plat", "PLAT-100", "acme/web", "https://u:p@host",
    '"fixVersion = 2.0) OR (project = X"', "'a ) b'", '"\\ud800"', '"\\x00"', "'\\'",
    "!!binary /w==", "!!binary %%", "!!set {a, b}", "!!omap [a: 1]", "!!omap [1]",
    "!!python/name:os.system", "!!timestamp nope", "!!int x", "!!float x", "!x y", "*a", "*b",
    "*nope", "&a 1", "[]", "{}", "[*a, *a, *a]", "{<<: *a}", "{<<: [*a, *b]}", "|\n  text",
    ">-\n  folded", "- x", "? [a]\n: 1", "{a: 1, a: 2}", "[[[[[[[[[[1]]]]]]]]]]",
]  # fmt: skip
TOKENS = ["\n", "  ", "\t", ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ",
          "!!", "%YAML 1.1\n", "---\n", "...\n", "#", "'", '"', "\\", "\ufeff", "\x00", "\x85",
          "\ud800", "\u202e", "? ", "|", ">", "@", "`", "%"]  # fmt: skip


def check(load, argument) -> None:
    """Only MappingError may escape, its problems are well formed, and the case is quick."""
    started = time.perf_counter()
    try:
        load(argument)
    except MappingError as exc:
        assert exc.problems, "a MappingError names at least one problem"
        for problem in exc.problems:
            assert isinstance(problem, Problem) and isinstance(problem.path, str)
            assert problem.line is None or problem.line >= 1
            assert problem.message
        assert str(exc).startswith(f"{exc.file}: invalid mapping file (")
    elapsed = time.perf_counter() - started
    assert elapsed < SECOND, f"took {elapsed:.2f} s"


# ---- arbitrary input -------------------------------------------------------------------------


@FUZZ
@given(
    data=st.binary(max_size=2000)
    | st.builds(bytes.__add__, st.just(VALID.encode()), st.binary(max_size=50))
)
def test_arbitrary_bytes_load_or_fail_cleanly(tmp_path: Path, data: bytes):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    check(load_mapping, path)


@FUZZ
@given(text=st.text(max_size=2000))
def test_arbitrary_text_parses_or_fails_cleanly(text: str):
    check(parse_mapping, text)


# ---- YAML-ish text from a small grammar ------------------------------------------------------

ANCHOR = st.sampled_from(["", "", "", "&a ", "&b ", "&a !!map ", "&b !!seq "])
SCALAR = st.sampled_from(SCALARS) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12
)
KEY = st.sampled_from(KEYS)

TREE = st.recursive(
    SCALAR.map(lambda s: ("scalar", s)),
    lambda children: st.one_of(
        st.tuples(st.just("seq"), ANCHOR, st.lists(children, max_size=4), st.booleans()),
        st.tuples(
            st.just("map"), ANCHOR, st.lists(st.tuples(KEY, children), max_size=5), st.booleans()
        ),
    ),
    max_leaves=40,
)


def render(tree, indent: int = 0, flow: bool = False) -> str:
    """YAML text for a tree; block style unless the tree (or an outer collection) says flow."""
    if tree[0] == "scalar":
        return tree[1]
    kind, anchor, items, as_flow = tree
    pad = " " * indent
    if flow or as_flow or not items:
        if kind == "seq":
            return anchor + "[" + ", ".join(render(i, flow=True) for i in items) + "]"
        pairs = (f"{k}: {render(v, flow=True)}" for k, v in items)
        return anchor + "{" + ", ".join(pairs) + "}"
    lines = [anchor.rstrip()] if anchor else []
    for item in items:
        if kind == "seq":
            lines.append(f"{pad}- {render(item, indent + 2).lstrip()}")
        else:
            key, value = item
            body = render(value, indent + 2)
            if value[0] == "scalar" or value[3] or not value[2]:
                lines.append(f"{pad}{key}: {body}")
            else:
                lines.append(f"{pad}{key}:\n{body}")
    return "\n".join(lines)


def mutate(text: str, edits: list[tuple[float, int, str]]) -> str:
    """Apply (where, how, token) edits: insert, delete, duplicate a line, or cut the text."""
    for where, how, token in edits:
        at = int(where * len(text))
        if how == 0:
            text = text[:at] + token + text[at:]
        elif how == 1:
            text = text[:at] + text[at + len(token) :]
        elif how == 2:
            lines = text.splitlines(keepends=True) or [""]
            index = int(where * len(lines)) % len(lines)
            text = "".join(lines[: index + 1] + lines[index:])
        else:
            text = text[:at]
    return text


EDITS = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=3),
        st.sampled_from(TOKENS + SCALARS),
    ),
    max_size=4,
)


@FUZZ
@given(tree=TREE, edits=EDITS)
def test_yaml_from_the_grammar_parses_or_fails_cleanly(tree, edits):
    top = ("map", "", [("version", ("scalar", "1")), ("x", tree)], False)
    check(parse_mapping, mutate(render(top) + "\n", edits))
    check(parse_mapping, mutate(render(tree) + "\n", edits))


# A valid file, a line (as a fraction of its length) whose value is swapped for a hostile one,
# and byte-level edits on top (`mutated`).
MUTATION = {
    "base": st.sampled_from(BASES),
    "edits": EDITS,
    "line": st.floats(min_value=0, max_value=1),
    "value": SCALAR,
}


@FUZZ
@given(**MUTATION)
def test_mutated_valid_files_parse_or_fail_cleanly(base, edits, line, value):
    check(parse_mapping, mutated(base, edits, line, value))


def mutated(base: str, edits, line: float, value: str) -> str:
    """A valid file with one value swapped for a hostile one (on the line at fraction `line`,
    when it holds one), then byte-level edits on top."""
    lines = base.splitlines(keepends=True)
    index = int(line * len(lines)) % len(lines)
    if ": " in lines[index]:
        head = lines[index].split(": ", 1)[0]
        lines[index] = f"{head}: {value}\n"
    return mutate("".join(lines), edits)
