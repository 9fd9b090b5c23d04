"""Shared fixtures: structlog's defaults for every test, whatever a CLI test configured; a
state file; the demo sandbox (GitHub and Jira Cloud), and the demo with Jira in both modes;
a real PostgreSQL database (tests/pg.py)."""

from __future__ import annotations

import pytest
import structlog

from sandbox.server import Sandbox
from tests.pg import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]  # fixtures, used by name


@pytest.fixture(autouse=True)
def _reset_structlog():
    yield
    structlog.reset_defaults()


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state.db"


@pytest.fixture
def sandbox():
    with Sandbox(seed="demo") as sb:
        yield sb


@pytest.fixture(params=["cloud", "server"])
def jira_sandbox(request):
    """The demo with Jira in Cloud, then in Data Center mode."""
    with Sandbox(seed="demo", jira_mode=request.param) as sb:
        yield sb
