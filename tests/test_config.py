"""The mapping file: valid files load; bad ones exit 2 naming file, field path and line."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import structlog

from mappings.config import (
    MappingError,
    json_schema,
    load_mapping,
    mapping_notes,
    parse_mapping,
)
from tests.e2e import cli_command
from worker.cli import example_path, main

VALID = """\
version: 1
timezone: Europe/Berlin
people:
  - {name: Dana Lee, github: dana-lee, jira: "712020:8f1e6a"}
  - {name: Sam Park, github: sam-park, jira: sam.park}
roles:
  delivery_lead: Dana Lee
  project_manager: Sam Park
sources:
  - id: web
    kind: github
    repo: acme/web
  - id: plat
    kind: jira
    project: PLAT
deliverables:
  - id: checkout-v2
    name: Checkout v2
    due: 2026-12-15
    budget_hours: 400
    include:
      - {source: web, milestone: "v2.0"}
      - {source: web, label: checkout}
      - {source: plat, fix_version: "2.0"}
      - {source: plat, epic: PLAT-100}
      - {source: plat, jql: "component = Checkout"}
    report_to:
      - {source: web, issue: 42}
      - {source: plat, issue: PLAT-100}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "delivery-sync.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    return [str(p) for p in caught.value.problems]


def validate_cli(config: Path) -> subprocess.CompletedProcess:
    """The real `delivery-sync validate --config FILE`, as a user runs it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DELIVERY_SYNC_")}
    environment["DELIVERY_SYNC_LOG_FORMAT"] = "console"  # the message as a person reads it
    return subprocess.run(
        [*cli_command(), "validate", "--config", str(config)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_design_example_is_valid():
    mapping = parse_mapping(VALID)
    assert [s.id for s in mapping.sources] == ["web", "plat"]
    assert mapping.deliverables[0].include[4].jql == "component = Checkout"
    assert mapping.rules.on_track_probability == 0.85
    assert mapping.source("plat").blocked_statuses == ("Blocked",)


@pytest.mark.parametrize("name", ["demo.yaml", "github-only.yaml", "jira-only.yaml", "mixed.yaml"])
def test_bundled_examples_are_valid(name):
    assert load_mapping(example_path(name)).deliverables


def test_wrong_type_names_the_field_path_and_line():
    text = VALID.replace("budget_hours: 400", "budget_hours: lots")
    assert problems_of(text) == [
        "deliverables[0].budget_hours (line 20): Input should be a valid number, "
        "unable to parse string as a number (got 'lots')"
    ]


def test_unknown_key_suggests_the_right_one():
    text = VALID.replace("    repo: acme/web\n", "    repo: acme/web\n    blocked_label: [x]\n")
    assert problems_of(text) == [
        "sources[0].blocked_label (line 13): unknown key 'blocked_label'; "
        "did you mean 'blocked_labels'?"
    ]


def test_unknown_key_in_a_jira_source_uses_the_jira_fields():
    text = VALID.replace("    project: PLAT\n", "    project: PLAT\n    deploymnt: cloud\n")
    assert problems_of(text) == [
        "sources[1].deploymnt (line 16): unknown key 'deploymnt'; did you mean 'deployment'?"
    ]


def test_unknown_source_in_a_selector():
    text = VALID.replace("{source: web, label: checkout}", "{source: wbe, label: checkout}")
    assert problems_of(text) == [
        "deliverables[0].include[1].source (line 23): unknown source 'wbe'; did you mean 'web'?"
    ]


def test_unknown_source_in_a_report_target():
    text = VALID.replace("{source: plat, issue: PLAT-100}", "{source: jira, issue: PLAT-100}")
    assert problems_of(text) == [
        "deliverables[0].report_to[1].source (line 29): unknown source 'jira'; "
        "known sources: web, plat"
    ]


def test_duplicate_ids():
    text = VALID.replace("  - id: plat\n", "  - id: web\n")
    problems = problems_of(text)
    assert "sources[1].id (line 13): duplicate id 'web' (also sources[0])" in problems


def test_bad_timezone():
    assert problems_of(VALID.replace("Europe/Berlin", "Europe/Berln")) == [
        "timezone (line 2): unknown time zone 'Europe/Berln'; use an IANA name like Europe/Berlin"
    ]


def test_bad_regex():
    text = VALID.replace(
        "    repo: acme/web\n", "    repo: acme/web\n    points_label: 'sp:(\\d+'\n"
    )
    [problem] = problems_of(text)
    assert problem.startswith("sources[0].points_label (line 13): not a valid regular expression")


def test_regex_needs_exactly_one_group():
    text = VALID.replace(
        "    repo: acme/web\n", "    repo: acme/web\n    points_label: 'sp:\\d+'\n"
    )
    assert problems_of(text) == [
        "sources[0].points_label (line 13): needs exactly one capturing group, has 0"
    ]


def test_criterion_of_the_wrong_tracker():
    text = VALID.replace('{source: web, milestone: "v2.0"}', '{source: web, fix_version: "2.0"}')
    assert problems_of(text) == [
        "deliverables[0].include[0].fix_version (line 22): fix_version does not apply to "
        "github source 'web'; use label, milestone"
    ]


def test_roles_name_existing_people():
    assert problems_of(VALID.replace("delivery_lead: Dana Lee", "delivery_lead: Dana")) == [
        "roles.delivery_lead (line 7): unknown person 'Dana'; did you mean 'Dana Lee'?"
    ]


def test_unknown_source_kind():
    assert problems_of(VALID.replace("kind: jira", "kind: gitlab")) == [
        "sources[1].kind (line 14): must be one of: github, jira (got 'gitlab')"
    ]


def test_yaml_syntax_error_has_a_line():
    [problem] = problems_of("version: 1\nsources: [\n")
    assert "YAML syntax error" in problem and "(line" in problem


def test_jql_with_order_by_is_rejected():
    text = VALID.replace('jql: "component = Checkout"', 'jql: "component = A ORDER BY rank"')
    [problem] = problems_of(text)
    assert problem.startswith("deliverables[0].include[4].jql (line 26): ORDER BY is not allowed")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (("budget_hours: 400", "budget_hours: lots"), "deliverables[0].budget_hours"),
        (("    repo: acme/web\n", "    repo: acme/web\n    colour: red\n"), "sources[0].colour"),
        (
            ("{source: web, label: checkout}", "{source: nope, label: x}"),
            "deliverables[0].include[1].source",
        ),
        (("  - id: plat\n", "  - id: web\n"), "sources[1].id"),
        (("Europe/Berlin", "Mars/Olympus"), "timezone"),
        (
            ("    repo: acme/web\n", "    repo: acme/web\n    points_label: '(('\n"),
            "sources[0].points_label",
        ),
    ],
)
def test_validate_exits_2_naming_file_and_field(tmp_path, capsys, change, path):
    config = write(tmp_path, VALID.replace(*change))
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert str(config) in err
    assert f"  {path} (line " in err


def test_validate_accepts_a_valid_file(tmp_path, capsys):
    config = write(tmp_path, VALID)
    assert main(["validate", "--config", str(config)]) == 0
    assert "valid (2 sources, 1 deliverables)" in capsys.readouterr().out


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["validate", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_config_defaults_to_the_environment_variable(tmp_path, capsys, monkeypatch):
    config = write(tmp_path, VALID)
    monkeypatch.setenv("DELIVERY_SYNC_CONFIG", str(config))
    assert main(["validate"]) == 0


def test_schema_is_json_schema_with_every_section(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["properties"]) >= {"version", "sources", "deliverables", "rules", "people"}
    assert schema == json.loads(json.dumps(json_schema()))


def test_a_secret_named_by_token_env_never_reaches_the_log(tmp_path, capsys, monkeypatch):
    config = write(
        tmp_path,
        VALID.replace("    repo: acme/web\n", "    repo: acme/web\n    token_env: WEB_TOKEN\n"),
    )
    monkeypatch.setenv("WEB_TOKEN", "ghp_very_secret_web_token")
    monkeypatch.setenv("DELIVERY_SYNC_LOG_FORMAT", "json")
    assert main(["validate", "--config", str(config)]) == 0
    structlog.get_logger("test").error("probe", nested={"url": "x?t=ghp_very_secret_web_token"})
    captured = capsys.readouterr()
    assert "ghp_very_secret_web_token" not in captured.err + captured.out
    assert '"url": "x?t=***"' in captured.err


def test_a_boolean_is_not_an_issue_number():
    [problem] = problems_of(VALID.replace("{source: web, issue: 42}", "{source: web, issue: true}"))
    assert problem == (
        "deliverables[0].report_to[0].issue (line 28): "
        "Input should be a valid integer or a valid string (got True)"
    )


# ---- strictness: what a typo must not slip past -----------------------------------------------

NO_DELIVERABLES = VALID[: VALID.index("deliverables:")]


def test_an_empty_deliverables_list_is_an_error():
    assert problems_of(NO_DELIVERABLES + "deliverables: []\n") == [
        "deliverables (line 16): must not be empty: list at least one deliverable"
    ]


def test_a_missing_deliverables_key_is_an_error():
    assert problems_of(NO_DELIVERABLES) == ["deliverables: required field is missing"]


@pytest.mark.parametrize(
    ("before", "after", "path", "lines"),
    [
        (
            "    due: 2026-12-15\n",
            "    due: 2026-12-15\n    due: 2026-12-01\n",
            "deliverables[0].due",
            (19, 20),
        ),
        (
            "timezone: Europe/Berlin\n",
            "timezone: Europe/Berlin\ntimezone: UTC\n",
            "timezone",
            (2, 3),
        ),
        (
            "    project: PLAT\n",
            "    project: PLAT\n    'project': SECRET\n",
            "sources[1].project",
            (15, 16),
        ),
        ("roles:\n", "roles:\n  delivery_lead: Sam Park\n", "roles.delivery_lead", (7, 8)),
    ],
)
def test_a_key_given_twice_names_the_key_its_path_and_both_lines(before, after, path, lines):
    key = path.rsplit(".", 1)[-1]
    [problem] = problems_of(VALID.replace(before, after))
    assert (
        problem
        == f"{path} (line {lines[1]}): key {key!r} given twice (lines {lines[0]} and {lines[1]})"
    )


def test_a_key_given_twice_in_a_flow_mapping_names_its_one_line():
    text = VALID.replace("{source: web, issue: 42}", "{source: web, issue: 42, issue: 43}")
    assert problems_of(text) == [
        "deliverables[0].report_to[0].issue (line 28): key 'issue' given twice (line 28)"
    ]


def test_a_merge_key_may_be_overridden_without_a_duplicate_error():
    text = VALID.replace(
        "  - id: checkout-v2\n",
        "  - id: checkout-v2\n    <<: {client: ACME, due: 2026-01-01}\n",
    )
    deliverable = parse_mapping(text).deliverables[0]
    assert (deliverable.client, str(deliverable.due)) == ("ACME", "2026-12-15")


def test_the_same_report_target_twice_is_an_error():
    text = VALID.replace(
        "      - {source: web, issue: 42}\n",
        "      - {source: web, issue: 42}\n      - {source: web, issue: 42}\n",
    )
    assert problems_of(text) == [
        "deliverables[0].report_to[1] (line 29): the same target as deliverables[0].report_to[0]"
    ]


def test_a_deliverable_without_report_to_is_valid_with_a_note():
    text = VALID[: VALID.index("    report_to:")]
    mapping = parse_mapping(text)
    assert [str(note) for note in mapping_notes(mapping)] == [
        "deliverables[0].report_to: deliverable 'checkout-v2' has no report_to: "
        "it will only appear in `report`, no comments are posted"
    ]


def test_a_person_with_no_identity_gets_a_note_and_the_design_example_none():
    assert mapping_notes(parse_mapping(VALID)) == []
    text = VALID.replace(
        "  - {name: Sam Park, github: sam-park, jira: sam.park}\n", "  - {name: Sam Park}\n"
    )
    assert [note.path for note in mapping_notes(parse_mapping(text))] == ["people[1]"]


@pytest.mark.parametrize("due", ["2026-02-30", '"2026-02-30"', "'2026-13-01'", "0000-01-01"])
def test_a_date_that_does_not_exist_is_an_error_at_its_field(due):
    [problem] = problems_of(VALID.replace("due: 2026-12-15", f"due: {due}"))
    assert problem.startswith("deliverables[0].due (line 19): not a real date (got '")


def test_a_date_as_a_string_is_read():
    text = VALID.replace("due: 2026-12-15", 'due: "2026-12-15"')
    assert str(parse_mapping(text).deliverables[0].due) == "2026-12-15"


def test_a_number_is_not_a_date():
    assert problems_of(VALID.replace("due: 2026-12-15", "due: 20261215")) == [
        "deliverables[0].due (line 19): expected a date like 2026-12-15 (got 20261215)"
    ]


def test_a_date_that_does_not_exist_elsewhere_is_just_text():
    # PyYAML's timestamp constructor raised here: any scalar that looks like a date could crash.
    text = VALID.replace("name: Checkout v2", "name: 2026-02-30")
    assert parse_mapping(text).deliverables[0].name == "2026-02-30"


ESCAPES = [
    "fixVersion = 2.0) OR (project = SECRET",
    "component = A)",
    "(component = A",
    ") OR project = SECRET OR (",
    'summary ~ "a" ) OR (summary ~ "b"',
]


@pytest.mark.parametrize("jql", ESCAPES)
def test_a_selector_jql_that_would_escape_the_project_clause_is_refused(jql):
    text = VALID.replace('jql: "component = Checkout"', f"jql: {json.dumps(jql)}")
    assert problems_of(text) == [
        "deliverables[0].include[4].jql (line 26): unbalanced parentheses: this JQL is ANDed "
        "with the project clause and must not close it"
    ]


def test_a_source_jql_that_would_escape_the_project_clause_is_refused():
    text = VALID.replace("    project: PLAT\n", '    project: PLAT\n    jql: "x = 1) OR (y = 2"\n')
    [problem] = problems_of(text)
    assert problem.startswith("sources[1].jql (line 16): unbalanced parentheses")


@pytest.mark.parametrize(
    "jql",
    [
        'summary ~ "a (b"',
        "summary ~ 'a ) b' AND (component = X OR labels = y)",
        r'summary ~ "say \"(\" twice"',
        'summary ~ "order by date"',
        "component in (A, B) AND (labels = x)",
    ],
)
def test_parentheses_and_order_by_inside_quoted_strings_are_text(jql):
    text = VALID.replace('jql: "component = Checkout"', f"jql: {json.dumps(jql)}")
    assert parse_mapping(text).deliverables[0].include[4].jql == jql


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ('summary ~ "open', 'unterminated string: a " is not closed'),
        ("   ", "empty JQL: leave the key out instead"),
        ("labels = x order  by rank", "ORDER BY is not allowed here"),
    ],
)
def test_other_jql_that_cannot_be_anded_is_refused(jql, message):
    text = VALID.replace('jql: "component = Checkout"', f"jql: {json.dumps(jql)}")
    [problem] = problems_of(text)
    assert problem.startswith(f"deliverables[0].include[4].jql (line 26): {message}")


CREDENTIALS = (
    "put credentials in GITHUB_TOKEN / JIRA_EMAIL+JIRA_API_TOKEN or JIRA_PAT, not in the URL"
)


@pytest.mark.parametrize(
    ("before", "line", "path"),
    [
        ("    repo: acme/web\n", "    base_url: {}\n", "sources[0].base_url"),
        ("    project: PLAT\n", "    url: {}\n", "sources[1].url"),
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "https://dana:hunter2-secret@jira.example.com",
        "https://hunter2-secret@ghe.example.com/api/v3",
        "ftp://dana:hunter2-secret@example.com",
        "https://dana:hunter2-secret@exa mple.com",
    ],
)
def test_credentials_in_a_url_are_refused_without_echoing_them(before, line, path, url):
    [problem] = problems_of(VALID.replace(before, before + line.format(url)))
    assert problem.startswith(f"{path} (line ")
    assert problem.endswith(CREDENTIALS)
    assert "hunter2" not in problem


@pytest.mark.parametrize(
    "value", ["[https://u:hunter2@x]", "https:/u:hunter2@x", "'u:hunter2@x'", "http//u:hunter2@x"]
)
def test_a_url_in_an_unexpected_shape_is_not_echoed_with_its_password(value):
    text = VALID.replace("    project: PLAT\n", f"    project: PLAT\n    url: {value}\n")
    [problem] = problems_of(text)
    assert problem.startswith("sources[1].url (line 16): ")
    assert "hunter2" not in problem


def test_the_strictness_errors_exit_2_through_the_real_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DELIVERY_SYNC_LOG_FORMAT", "console")
    cases = {
        "empty.yaml": (
            NO_DELIVERABLES + "deliverables: []\n",
            "  deliverables (line 16): must not be empty",
        ),
        "twice.yaml": (
            VALID.replace("    due: 2026-12-15\n", "    due: 2026-12-15\n    due: 2026-12-01\n"),
            "  deliverables[0].due (line 20): key 'due' given twice (lines 19 and 20)",
        ),
        "date.yaml": (
            VALID.replace("due: 2026-12-15", "due: 2026-02-30"),
            "  deliverables[0].due (line 19): not a real date (got '2026-02-30')",
        ),
        "jql.yaml": (
            VALID.replace('"component = Checkout"', '"fixVersion = 2.0) OR (project = SECRET"'),
            "  deliverables[0].include[4].jql (line 26): unbalanced parentheses",
        ),
        "url.yaml": (
            VALID.replace(
                "    project: PLAT\n", "    project: PLAT\n    url: https://d:hunter2@j.example\n"
            ),
            "  sources[1].url (line 16): 'https://***@j.example' carries credentials: "
            + CREDENTIALS,
        ),
    }
    # Two through a real process (exit code, nothing on stdout), all through the CLI's entry.
    for name, (text, expected) in cases.items():
        config = tmp_path / name
        config.write_text(text)
        if name in ("empty.yaml", "twice.yaml"):
            done = validate_cli(config)
            code, out, err = done.returncode, done.stdout, done.stderr
        else:
            code = main(["validate", "--config", str(config)])
            out, err = capsys.readouterr()
        assert (code, out) == (2, ""), name
        assert err.startswith(f"{config}: invalid mapping file (1 problem)\n"), name
        assert expected in err, name
        assert "Traceback" not in err and "hunter2" not in err, name


def test_notice_cooldown_is_a_rule_with_a_default():
    assert parse_mapping(VALID).rules.notice_cooldown_hours == 24
    text = VALID + "rules:\n  notice_cooldown_hours: 0\n"
    assert parse_mapping(text).rules.notice_cooldown_hours == 0
