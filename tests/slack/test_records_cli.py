"""`cro-bot report` and `cro-bot purge` on a STATE_DB the Slack app itself wrote: people ask and vote
through the real app (at moments the test chooses, by the state's clock), then the commands run as a
user runs them and their effect is read back through `cro-bot report --csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path

import pytest

from bot.state import open_state
from tests.support.processes import run_cli
from tests.support.serving import served_app
from tests.support.slack_requests import app_mention, block_actions, direct_message, posted_message

DAY = 86400
NOW = time.time()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def utc_day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


@pytest.fixture
def state_db(standin, tmp_path: Path) -> Path:
    """Three people's questions, asked 200 days, 10 days and 1 hour ago, and a vote on the oldest."""
    path = tmp_path / "state.sqlite3"
    clock = Clock()
    with served_app(standin, path, state=open_state(str(path), clock=clock)) as app:
        clock.now = NOW - 200 * DAY
        mention = app_mention("what is an ARO?", user="UOLD")
        assert app.sender.event(mention).status == 200
        [answer] = standin.wait_for("chat.postMessage", 1, timeout=10)
        hook = standin.hook_url("actions/T111/1/x")
        click = block_actions("feedback_vote", response_url=hook, message=posted_message(answer), user="UOLD")
        assert app.sender.action(click).status == 200
        standin.wait_for("/hooks/", 1, timeout=10)

        clock.now = NOW - 10 * DAY
        assert app.sender.event(direct_message("what is a CRO?", user="UMID")).status == 200
        standin.wait_for("chat.postMessage", 2, timeout=10)

        clock.now = NOW - 3600
        assert app.sender.event(direct_message("what is a TORO?", user="UNEW")).status == 200
        standin.wait_for("chat.postMessage", 3, timeout=10)
    return path


def cli(state_db: Path, *args: str):
    run = run_cli(*args, env={"STATE_DB": str(state_db)}, cwd=state_db.parent)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return run


def questions(state_db: Path, *period: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(cli(state_db, "report", "--csv", *period).stdout)))
    return sorted(row["question"] for row in rows)


def test_report_filters_by_days_and_by_since_until(state_db):
    assert questions(state_db) == ["what is a TORO?"], "the default period is the last 7 days"
    assert questions(state_db, "--days", "30") == ["what is a CRO?", "what is a TORO?"]
    assert questions(state_db, "--days", "365") == ["what is a CRO?", "what is a TORO?", "what is an ARO?"]
    old_day = utc_day(NOW - 200 * DAY)
    assert questions(state_db, "--since", old_day, "--until", old_day) == ["what is an ARO?"]
    text = cli(state_db, "report", "--days", "365").stdout
    assert "questions asked: 3" in text
    assert "0 / 1    aro-definition" in text, "the vote cast through the app is counted"


def test_purge_by_user_deletes_that_persons_question_and_vote_only(state_db):
    run = cli(state_db, "purge", "--user", "UOLD")

    assert run.stdout.strip() == f"deleted 2 records of UOLD from {state_db}"
    assert questions(state_db, "--days", "365") == ["what is a CRO?", "what is a TORO?"]
    assert "(no votes)" in cli(state_db, "report", "--days", "365").stdout


def test_purge_by_age_keeps_what_is_newer(state_db):
    run = cli(state_db, "purge", "--older-than", "5")

    assert run.stdout.strip() == f"deleted 3 records older than 5 days from {state_db}"
    assert questions(state_db, "--days", "365") == ["what is a TORO?"]


def test_purge_without_options_applies_the_retention_setting(state_db):
    assert cli(state_db, "purge").stdout.strip() == f"deleted 2 records older than 180 days from {state_db}"
    run = run_cli("purge", env={"STATE_DB": str(state_db), "STATE_RETENTION_DAYS": "7"}, cwd=state_db.parent)
    assert run.stdout.strip() == f"deleted 1 records older than 7 days from {state_db}"
    assert questions(state_db, "--days", "365") == ["what is a TORO?"]
