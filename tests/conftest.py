"""Shared fixtures: every test starts with structlog's defaults, whatever a CLI test configured."""

from __future__ import annotations

import pytest
import structlog


@pytest.fixture(autouse=True)
def _reset_structlog():
    yield
    structlog.reset_defaults()
