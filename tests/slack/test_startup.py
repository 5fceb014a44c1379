"""A start that cannot work stops at once, with one line naming its cause, a non-zero exit and nothing
left behind, for both Procfile processes: `web:` (gunicorn) and `worker:` (`cro-bot run --socket`).

Each case runs the Procfile line as a platform would (tests/support/processes.py) and counts what it
printed: one non-empty line, no traceback, no gunicorn HaltServer, and no state file in its directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.processes import free_port, start_web, start_worker
from tests.support.slack_standin import APP_TOKENS, SlackStandIn

APP_TOKEN = next(iter(APP_TOKENS))
STARTS = {"web": start_web, "worker": start_worker}


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture(scope="module")
def broken_knowledge(tmp_path_factory) -> Path:
    """A copy of the knowledge folder with one entry missing its fields."""
    folder = tmp_path_factory.mktemp("knowledge")
    for name in ("sources.yaml", "synonyms.yaml", "messages.yaml"):
        (folder / name).write_text((DEFAULT_KNOWLEDGE_DIR / name).read_text())
    (folder / "answers").mkdir()
    (folder / "answers" / "broken.yaml").write_text("entries:\n  - id: only-an-id\n")
    return folder


def secrets(standin: SlackStandIn) -> dict[str, str]:
    """What both modes need, pointed at the stand-in."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "startup-test-secret",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": standin.api_url,
    }


def nothing_set(standin: SlackStandIn, knowledge: Path) -> dict[str, str]:
    return {}


def knowledge_broken(standin: SlackStandIn, knowledge: Path) -> dict[str, str]:
    return {**secrets(standin), "KNOWLEDGE_DIR": str(knowledge)}


def slack_unreachable(standin: SlackStandIn, knowledge: Path) -> dict[str, str]:
    return {**secrets(standin), "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}  # nothing listens there


def token_refused(standin: SlackStandIn, knowledge: Path) -> dict[str, str]:
    return {**secrets(standin), "SLACK_BOT_TOKEN": "xoxb-revoked"}


FAILURES: dict[str, tuple[Callable[[SlackStandIn, Path], dict[str, str]], dict[str, tuple[str, ...]]]] = {
    # case: (environment, what the line must name in each mode)
    "nothing set": (
        nothing_set,
        {"web": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"), "worker": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")},
    ),
    "broken knowledge": (knowledge_broken, dict.fromkeys(STARTS, ("knowledge problem", "only-an-id", "cro-bot check"))),
    "Slack unreachable": (slack_unreachable, dict.fromkeys(STARTS, ("could not be reached", "SLACK_API_URL"))),
    "token refused": (token_refused, dict.fromkeys(STARTS, ("SLACK_BOT_TOKEN", "invalid_auth"))),
}


@pytest.mark.parametrize("mode", STARTS)
@pytest.mark.parametrize("case", FAILURES)
def test_a_start_that_cannot_work_is_one_line_a_non_zero_exit_and_leaves_nothing(
    case, mode, tmp_path, standin, broken_knowledge
):
    environment, named = FAILURES[case]
    workdir = tmp_path / "run"
    workdir.mkdir()
    process = STARTS[mode](workdir, {**environment(standin, broken_knowledge), "STATE_DB": str(workdir / "s.sqlite3")})
    try:
        exit_code = process.wait_exit()
    finally:
        process.stop()
    output = process.log()
    lines = [line for line in output.splitlines() if line.strip()]

    assert exit_code != 0, output
    assert len(lines) == 1, f"{len(lines)} lines:\n{output}"
    assert "cannot start" in lines[0] or "needs" in lines[0], lines[0]
    for name in named[mode]:
        assert name in lines[0], f"{name!r} not in {lines[0]!r}"
    assert "Traceback" not in output and "HaltServer" not in output
    assert "xoxb-test" not in output and APP_TOKEN not in output
    # Only the log, and the knowledge cache (kept under $HOME, which is this directory here).
    left = sorted(p.name for p in workdir.iterdir() if p.suffix != ".log" and p.name != ".cache")
    assert left == [], f"a failed start left {left} behind"


def test_the_worker_refused_its_app_token_says_so_in_one_line(tmp_path, standin):
    workdir = tmp_path / "run"
    workdir.mkdir()
    env = {**secrets(standin), "SLACK_APP_TOKEN": "xapp-1-not-one-slack-knows", "STATE_DB": str(workdir / "s.sqlite3")}
    process = start_worker(workdir, env)
    try:
        exit_code = process.wait_exit()
    finally:
        process.stop()
    lines = [line for line in process.log().splitlines() if line.strip()]

    assert exit_code != 0
    assert len(lines) == 1, "\n".join(lines)
    assert "invalid_auth" in lines[0] and "SLACK_APP_TOKEN" in lines[0]
    assert "xapp-1-not-one-slack-knows" not in lines[0]
    # The token can only be tried by connecting, after the state file is opened: it goes again.
    assert not list(workdir.glob("s.sqlite3*")), "a failed start left its state file behind"
