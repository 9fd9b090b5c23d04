"""Mapping limits: bounded numbers, real UTF-8, and no YAML that takes long or crashes to read.

Whatever `validate` accepts, `run` can compute with; whatever it refuses exits 2 with the file,
the field path and the line, in milliseconds, never as a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mappings.config import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MappingError,
    json_schema,
    load_mapping,
    parse_mapping,
)
from tests.e2e import cli_command
from tests.test_config import VALID, validate_cli
from worker.cli import main


def problems_of(text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    return [str(p) for p in caught.value.problems]


def load_problems(path: Path) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    return [str(p) for p in caught.value.problems]


def with_rule(name: str, value: str) -> str:
    return VALID + f"rules:\n  {name}: {value}\n"


def billion_laughs(depth: int) -> str:
    """The classic alias bomb: each level lists the previous one nine times."""
    lines = ["version: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


# ---- numbers ---------------------------------------------------------------------------------

RULE_LINE = 31  # the line `with_rule` puts the rule on


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("full_resync_hours", ".inf", "Input should be a finite number (got inf)"),
        ("full_resync_hours", ".nan", "Input should be a finite number (got nan)"),
        ("full_resync_hours", "1e300", "Input should be less than or equal to 8784 (got '1e300')"),
        (
            "full_resync_hours",
            "1.0e+300",
            "Input should be less than or equal to 8784 (got 1e+300)",
        ),
        ("full_resync_hours", "0", "Input should be greater than 0 (got 0)"),
        ("notice_cooldown_hours", "8785", "Input should be less than or equal to 8784 (got 8785)"),
        ("notice_cooldown_hours", "-1", "Input should be greater than or equal to 0 (got -1)"),
        ("notice_cooldown_hours", "-.inf", "Input should be a finite number (got -inf)"),
        (
            "due_soon_days",
            "10000000000",
            "Input should be less than or equal to 365 (got 10000000000)",
        ),
        ("due_soon_days", "-1", "Input should be greater than or equal to 0 (got -1)"),
        ("due_soon_days", ".inf", "Input should be a finite number (got inf)"),
        ("stale_after_days", "3651", "Input should be less than or equal to 3650 (got 3651)"),
        ("stale_after_days", "0", "Input should be greater than or equal to 1 (got 0)"),
        ("wip_limit", "1001", "Input should be less than or equal to 1000 (got 1001)"),
        ("wip_limit", "0", "Input should be greater than or equal to 1 (got 0)"),
        ("forecast_window_days", "366", "Input should be less than or equal to 365 (got 366)"),
        ("on_track_probability", ".nan", "Input should be a finite number (got nan)"),
        ("on_track_probability", "0.5", "Input should be greater than 0.5 (got 0.5)"),
        ("budget_at_risk_ratio", "100.5", "Input should be less than or equal to 100 (got 100.5)"),
        ("budget_at_risk_ratio", ".inf", "Input should be a finite number (got inf)"),
        ("budget_at_risk_ratio", "0", "Input should be greater than 0 (got 0)"),
    ],
)
def test_every_numeric_rule_is_bounded(name, value, message):
    assert problems_of(with_rule(name, value)) == [f"rules.{name} (line {RULE_LINE}): {message}"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("full_resync_hours", "8784"),
        ("full_resync_hours", "0.25"),
        ("notice_cooldown_hours", "0"),
        ("due_soon_days", "365"),
        ("due_soon_days", "0"),
        ("stale_after_days", "3650"),
        ("wip_limit", "1000"),
        ("budget_at_risk_ratio", "100"),
        ("on_track_probability", "1"),
    ],
)
def test_the_bounds_themselves_are_accepted(name, value):
    rules = parse_mapping(with_rule(name, value)).rules
    assert getattr(rules, name) == float(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "Input should be a finite number (got inf)"),
        (".nan", "Input should be a finite number (got nan)"),
        ("1.0e+300", "Input should be less than or equal to 10000000 (got 1e+300)"),
        ("10000001", "Input should be less than or equal to 10000000 (got 10000001)"),
        ("0", "Input should be greater than 0 (got 0)"),
    ],
)
def test_budget_hours_is_finite_and_bounded(value, message):
    text = VALID.replace("budget_hours: 400", f"budget_hours: {value}")
    assert problems_of(text) == [f"deliverables[0].budget_hours (line 20): {message}"]


def test_an_integer_too_long_to_convert_is_an_error_not_a_traceback():
    # Python refuses to convert more than 4,300 digits; PyYAML's int constructor raised.
    assert problems_of(with_rule("wip_limit", "9" * 5000)) == [
        f"rules.wip_limit (line {RULE_LINE}): number too large"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!float lots", "'lots' is not a valid !!float"),
        ("!!bool maybe", "'maybe' is not a valid !!bool"),
        ("!!int x", "'x' is not a valid !!int"),
        ("!!timestamp soon", "'soon' is not a valid !!timestamp"),
        ("!!int", "'' is not a valid !!int"),
        ("!!float ''", "'' is not a valid !!float"),
    ],
)
def test_an_explicit_tag_its_value_cannot_hold_is_an_error_at_its_field(value, message):
    # PyYAML's constructors raised ValueError, KeyError, AttributeError or (an empty number)
    # IndexError on these.
    assert problems_of(with_rule("wip_limit", value)) == [
        f"rules.wip_limit (line {RULE_LINE}): {message}"
    ]


def test_an_issue_number_beyond_any_tracker_is_an_error():
    text = VALID.replace("{source: web, issue: 42}", "{source: web, issue: 99999999999}")
    assert problems_of(text) == [
        "deliverables[0].report_to[0].issue (line 28): "
        "a GitHub issue number is expected, got 99999999999"
    ]


def test_the_json_schema_carries_the_bounds():
    schema = json_schema()
    rules = schema["$defs"]["Rules"]["properties"]
    assert (
        rules["full_resync_hours"]["exclusiveMinimum"],
        rules["full_resync_hours"]["maximum"],
    ) == (
        0,
        8784,
    )
    assert (rules["due_soon_days"]["minimum"], rules["due_soon_days"]["maximum"]) == (0, 365)
    assert rules["notice_cooldown_hours"]["default"] == 24
    assert rules["notice_cooldown_hours"]["maximum"] == 8784
    assert schema["properties"]["deliverables"]["minItems"] == 1
    assert "deliverables" in schema["required"]
    budget = schema["$defs"]["Deliverable"]["properties"]["budget_hours"]["anyOf"][0]
    assert budget["maximum"] == 10_000_000
    json.dumps(schema)


# ---- encoding and size -----------------------------------------------------------------------


def test_a_byte_that_is_not_utf8_names_the_byte_offset_and_line(tmp_path):
    data = VALID.encode().replace(b"Checkout v2", b"Checkout \xe9v2")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    assert load_problems(path) == [
        f"(top level) (line 18): not UTF-8 (byte 0xe9 at offset {offset}): save the file as UTF-8"
    ]


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(VALID.encode("utf-16"))
    [problem] = load_problems(path)
    assert "not UTF-8 (byte 0xff at offset 0); it looks like UTF-16" in problem


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_mapping(path).deliverables[0].id == "checkout-v2"


@pytest.mark.parametrize(("char", "line"), [("\x00", 2), ("\ud800", 2), ("\x1b", 2)])
def test_control_characters_and_lone_surrogates_are_refused_with_their_line(char, line):
    [problem] = problems_of(VALID.replace("timezone: Europe/Berlin", f"timezone: Eu{char}"))
    assert (
        problem == f"(top level) (line {line}): YAML syntax error: unacceptable character {char!r}"
    )


def test_a_file_over_the_size_cap_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(VALID + "#" * MAX_FILE_BYTES)
    assert load_problems(path) == [
        "(top level): file larger than 1024 KB: a mapping file is a few kilobytes"
    ]


# ---- depth and aliases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", 1),
        ("x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", 1),
        ("x:\n" + "- " * 5000 + "1\n", 2),
        ("".join(" " * i + f"k{i}:\n" for i in range(200)), MAX_DEPTH + 1),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "block-mappings"],
)
def test_nesting_deeper_than_the_limit_is_refused(text, line):
    assert problems_of(text) == [f"(top level) (line {line}): nesting deeper than 50 levels"]


def test_nesting_through_aliases_counts_too():
    inner = "[" * 45 + "1" + "]" * 45
    text = f"a: &a {inner}\nb: {'[' * 10}*a{']' * 10}\n"
    assert problems_of(text) == [
        "(top level) (line 2): nesting deeper than 50 levels through aliases"
    ]


@pytest.mark.parametrize(("around", "refused"), [(9, False), (10, True)])
def test_nesting_through_aliases_inside_anchors_counts_all_the_way_down(around, refused):
    # `b` is 20 levels around an alias to `a`, itself 20 levels: `b` stands for 40 levels, and
    # 10 more around an alias to it, inside the top-level mapping, make 51.
    a = "[" * 20 + "1" + "]" * 20
    b = "[" * 20 + "*a" + "]" * 20
    text = f"version: 1\na: &a {a}\nb: &b {b}\nc: {'[' * around}*b{']' * around}\n"
    nesting = [p for p in problems_of(text) if "nesting" in p]
    expected = "(top level) (line 4): nesting deeper than 50 levels through aliases"
    assert nesting == ([expected] if refused else [])


def test_nesting_up_to_the_limit_is_read():
    nested = "version: 1\nx: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"
    problems = problems_of(nested)
    assert any(problem.startswith("x (line 2): unknown key 'x'") for problem in problems)
    assert not any("nesting" in problem for problem in problems)


@pytest.mark.parametrize("depth", [6, 9, 30])
def test_an_alias_bomb_is_refused(depth):
    assert problems_of(billion_laughs(depth)) == [
        f"(top level) (line 6): aliases expand to more than {MAX_NODES} values"
    ]


def test_an_alias_to_its_own_parent_is_refused():
    assert problems_of("version: 1\na: &a [1, *a]\n") == [
        "(top level) (line 2): an alias refers to a list or mapping that contains it"
    ]


def test_a_huge_flat_list_is_refused_at_the_limit(monkeypatch):
    # The real limit takes seconds of pure-Python parsing to reach; the counting is the same.
    monkeypatch.setattr("mappings.config.MAX_NODES", 500)
    text = "x: [" + ", ".join(["1"] * 600) + "]\n"
    assert problems_of(text) == ["(top level) (line 1): the file holds more than 500 values"]


def test_ordinary_aliases_and_merge_keys_still_work():
    text = VALID.replace("deliverables:\n", "rules: &rules {wip_limit: 4}\ndeliverables:\n")
    text = text.replace("    include:\n", "    <<: {client: ACME}\n    include:\n")
    mapping = parse_mapping(text)
    assert (mapping.rules.wip_limit, mapping.deliverables[0].client) == (4, "ACME")


def test_many_problems_are_capped_with_a_last_line():
    sources = "".join(f"  - {{id: s{i}, kind: github, repo: x, colour: red}}\n" for i in range(100))
    problems = problems_of(f"version: 1\nsources:\n{sources}deliverables: []\n")
    assert len(problems) == 51
    assert problems[-1] == "(top level): … and more problems: fix these first"


# ---- through the real command ----------------------------------------------------------------


CASES = {
    "not-utf8": (
        VALID.encode().replace(b"Berlin", b"Berl\xffin"),
        "(line 2): not UTF-8 (byte 0xff",
    ),
    "deep": (("x: " + "[" * 5000 + "]" * 5000).encode(), "nesting deeper than 50 levels"),
    "bomb": (billion_laughs(9).encode(), f"aliases expand to more than {MAX_NODES} values"),
    "date": (VALID.replace("due: 2026-12-15", "due: 2026-02-30").encode(), "not a real date"),
    "overflow": (
        with_rule("due_soon_days", "10000000000").encode(),
        "rules.due_soon_days (line 31): Input should be less than or equal to 365",
    ),
    "inf": (with_rule("full_resync_hours", ".inf").encode(), "finite number (got inf)"),
}


@pytest.mark.parametrize("case", ["not-utf8", "deep", "bomb"])
def test_the_command_exits_2_with_the_reason_and_no_traceback(tmp_path, case):
    content, expected = CASES[case]
    config = tmp_path / "mapping.yaml"
    config.write_bytes(content)
    done = validate_cli(config)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"{config}: invalid mapping file (1 problem)\n")
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("case", list(CASES))
def test_validate_exits_2_for_each_limit(tmp_path, capsys, monkeypatch, case):
    monkeypatch.setenv("DELIVERY_SYNC_LOG_FORMAT", "console")
    content, expected = CASES[case]
    config = tmp_path / "mapping.yaml"
    config.write_bytes(content)
    assert main(["validate", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{config}: invalid mapping file (1 problem)\n")
    assert expected in captured.err


def test_in_json_log_mode_the_problems_are_a_structured_event(tmp_path):
    config = tmp_path / "mapping.yaml"
    config.write_bytes(CASES["bomb"][0])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DELIVERY_SYNC_")}
    environment["DELIVERY_SYNC_LOG_FORMAT"] = "json"
    done = subprocess.run(
        [*cli_command(), "validate", "--config", str(config)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    event = json.loads(done.stderr)
    assert (event["event"], event["file"]) == ("mapping.invalid", str(config))
    assert event["problems"] == [
        {"path": "", "line": 6, "message": f"aliases expand to more than {MAX_NODES} values"}
    ]
