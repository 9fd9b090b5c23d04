"""Secrets never leave the process in any form: the log scrubber and `scrub` know every derived
form of a secret, URLs with credentials in them are refused before any request, and a GitHub
App key that is not a key is named without being shown."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import structlog
from pydantic import ValidationError

from mappings.config import parse_mapping
from worker import logs
from worker.settings import Settings, check_api_url
from worker.trackers import build_trackers

TOKEN = "s3cret/token+value=42"  # characters that URL-encoding and JSON treat specially
EMAIL = "dana@acme.example"


@pytest.fixture(autouse=True)
def _forget_secrets():
    yield
    logs.configure(secrets=())


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ---- scrub: every form of a secret ------------------------------------------------------------


@pytest.mark.parametrize(
    "shown",
    [
        TOKEN,
        f"Authorization: Bearer {TOKEN}",
        f"Authorization: token {TOKEN}",
        f"https://dana:{quote(TOKEN, safe='')}@acme.atlassian.net/rest/api/2",
        json.dumps({"authorization": TOKEN}),
        b64(TOKEN),
    ],
    ids=["raw", "bearer", "token", "url-userinfo", "json", "base64"],
)
def test_scrub_removes_every_form_of_a_registered_secret(shown):
    logs.configure(secrets=[TOKEN])
    text = logs.scrub(f"the proxy said: {shown} (end)")
    assert "***" in text and text.endswith("(end)")
    assert TOKEN not in text and quote(TOKEN, safe="") not in text and b64(TOKEN) not in text


def test_a_registered_basic_credential_is_scrubbed_whole():
    logs.configure(secrets=[], basic_credentials=[(EMAIL, TOKEN)])
    basic = b64(f"{EMAIL}:{TOKEN}")
    assert logs.scrub(f"Authorization: Basic {basic}") == "Authorization: Basic ***"
    assert TOKEN not in logs.scrub(TOKEN)


def test_add_basic_credential_registers_the_pair_later():
    logs.configure(secrets=[])
    logs.add_basic_credential(EMAIL, TOKEN)
    assert logs.scrub(b64(f"{EMAIL}:{TOKEN}")) == "***"


@pytest.mark.parametrize("user", ["a", "ab", "abc", "someone.else@acme.example"])
def test_the_token_inside_any_basic_credential_is_scrubbed_whatever_the_user(user):
    logs.configure(secrets=[TOKEN])
    basic = b64(f"{user}:{TOKEN}")
    text = logs.scrub(f"Basic {basic}")
    assert basic not in text and "***" in text
    # What is left cannot be decoded back to more than two characters of the token.
    leftover = text.removeprefix("Basic ").split("***")
    assert all(len(part) <= len(b64(user)) + 4 for part in leftover)


def test_github_tokens_and_jwts_are_scrubbed_even_unregistered():
    logs.configure(secrets=[])
    installation = "ghs_" + "A1b2" * 9
    app_jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSJ9.c2lnbmF0dXJlLWJ5dGVz"
    text = logs.scrub(f"token {installation} and Bearer {app_jwt}")
    assert installation not in text and app_jwt not in text


def test_short_values_and_ordinary_text_are_left_alone():
    logs.configure(secrets=["abc", TOKEN])
    assert logs.scrub("abc is not a secret; Bad credentials") == (
        "abc is not a secret; Bad credentials"
    )


def test_configure_forgets_the_previous_secrets():
    logs.configure(secrets=[TOKEN])
    logs.configure(secrets=[])
    assert logs.scrub(TOKEN) == TOKEN


def test_log_events_are_scrubbed_in_every_field(capsys):
    logs.configure("info", "json", secrets=[TOKEN], basic_credentials=[(EMAIL, TOKEN)])
    basic = b64(f"{EMAIL}:{TOKEN}")
    structlog.get_logger("t").error(
        "source.failed", error=f"echo: Basic {basic}", detail={"header": f"Bearer {TOKEN}"}
    )
    line = capsys.readouterr().err
    record = json.loads(line)
    assert record["error"] == "echo: Basic ***" and record["detail"] == {"header": "Bearer ***"}
    assert TOKEN not in line and basic not in line


def test_settings_list_every_secret_and_the_basic_credential():
    settings = Settings(
        _env_file=None,
        github_token="ghp_x" * 5,
        jira_email=EMAIL,
        jira_api_token=TOKEN,
        jira_pat="pat-value",
    )
    assert set(settings.secret_values()) == {"ghp_x" * 5, TOKEN, "pat-value"}
    assert settings.basic_credentials() == [(EMAIL, TOKEN)]
    assert Settings(_env_file=None, jira_api_token=TOKEN).basic_credentials() == []


def test_the_password_of_a_postgres_state_url_is_a_secret_too():
    url = "postgresql://sync:p%40ss-word@db.internal:5432/delivery"
    assert Settings(_env_file=None, delivery_sync_state=url).secret_values() == ["p@ss-word"]
    assert Settings(_env_file=None, delivery_sync_state="state.db").secret_values() == []


# ---- URLs with credentials or without a scheme are refused ------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("JIRA_URL", "https://dana:hunter2-pass@acme.atlassian.net", "JIRA_EMAIL/JIRA_API_TOKEN"),
        ("JIRA_URL", "dana:hunter2-pass@acme.atlassian.net", "JIRA_EMAIL/JIRA_API_TOKEN"),
        (
            "GITHUB_API_URL",
            "https://x-access-token:hunter2-pass@ghe.example/api/v3",
            "GITHUB_TOKEN",
        ),
        ("JIRA_URL", "acme.atlassian.net", "must start with https://"),
        ("GITHUB_API_URL", "ftp://ghe.example/api/v3", "must start with https://"),
        ("GITHUB_API_URL", "https://", "no host name"),
        ("JIRA_URL", "https://acme.atlassian.net:port", "invalid host or port"),
    ],
)
def test_api_urls_with_credentials_or_without_a_scheme_are_refused(variable, value, says):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **{variable.lower(): value})
    [error] = caught.value.errors()
    assert error["loc"] == (variable.lower(),)
    assert says in error["msg"] and variable in error["msg"]
    assert "hunter2" not in error["msg"]


def test_good_api_urls_are_kept_without_a_trailing_slash():
    assert check_api_url("https://ghe.example/api/v3/", "GITHUB_API_URL") == (
        "https://ghe.example/api/v3"
    )
    assert check_api_url("http://127.0.0.1:8765/jira", "JIRA_URL") == "http://127.0.0.1:8765/jira"


SOURCES = """
version: 1
sources:
  - {id: web, kind: github, repo: acme/web%s}
  - {id: plat, kind: jira, project: PLAT%s}
deliverables:
  - id: x
    name: X
    include: [{source: web, label: a}, {source: plat, label: a}]
"""


def test_a_source_url_with_credentials_fails_that_source_naming_it():
    # The mapping loader refuses these too; the adapters' set-up does not rely on it.
    mapping = parse_mapping(SOURCES % ("", ""))
    web, plat = mapping.sources
    sources = [
        web.model_copy(update={"base_url": "https://u:hunter2-pass@ghe.example/api/v3"}),
        plat.model_copy(update={"url": "https://u:hunter2-pass@acme.atlassian.net"}),
    ]
    settings = Settings(
        _env_file=None, github_token="t" * 8, jira_email=EMAIL, jira_api_token=TOKEN
    )
    trackers, failed = build_trackers(mapping.model_copy(update={"sources": sources}), settings)
    assert trackers == {}
    assert "base_url of source 'web' must not carry credentials" in failed["web"]
    assert "url of source 'plat' must not carry credentials" in failed["plat"]
    assert "JIRA_EMAIL/JIRA_API_TOKEN" in failed["plat"]
    assert "hunter2" not in repr(failed)


# ---- a GitHub App key that is not a key -------------------------------------------------------


def app_settings(key: str) -> Settings:
    return Settings(
        _env_file=None,
        github_app_id="12345",
        github_app_private_key=key,
        github_app_installation_id=678,
    )


def pem_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def test_a_malformed_app_key_fails_the_source_naming_the_variable_not_the_key():
    mapping = parse_mapping(SOURCES % ("", ""))
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA-truncated\n"
    trackers, failed = build_trackers(mapping, app_settings(key))
    assert "web" not in trackers
    assert "GITHUB_APP_PRIVATE_KEY is not the GitHub App's private key" in failed["web"]
    assert "MIIEpAIBAAKCAQEA" not in failed["web"] and "public key" not in failed["web"]


def test_an_app_key_pasted_on_one_line_with_escaped_newlines_is_accepted():
    mapping = parse_mapping(SOURCES % ("", ""))
    one_line = pem_key().replace("\n", "\\n")
    trackers, failed = build_trackers(mapping, app_settings(one_line))
    assert "web" in trackers and "web" not in failed
