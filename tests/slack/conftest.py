"""The real Bolt app, served over real HTTP on 127.0.0.1 and talking to a local Slack stand-in.

`served` gives each test a fresh app (its own state file) behind wsgiref, plus a `SlackSender`
that signs requests the way Slack does and the `SlackStandIn` that records what the bot posted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.serving import SIGNING_SECRET, Served, served_app
from tests.support.slack_standin import SlackStandIn

__all__ = ["SIGNING_SECRET", "ServedApp"]


@pytest.fixture(autouse=True)
def no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt reads SLACK_* variables as fallbacks; a developer's own must not leak into a test."""
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


# The served app's view for tests: its URL, a signed sender, the stand-in, settings and knowledge.
ServedApp = Served


@pytest.fixture
def served(standin: SlackStandIn, tmp_path) -> Iterator[ServedApp]:
    with served_app(standin, tmp_path / "state.sqlite3") as app:
        yield app
