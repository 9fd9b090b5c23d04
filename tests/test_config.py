"""The mapping file: valid files load; bad ones exit 2 naming file, field path and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import structlog

from mappings.config import MappingError, json_schema, load_mapping, parse_mapping
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
