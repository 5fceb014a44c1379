"""The release check: start the Procfile's `web:` line as it would run in production (gunicorn, two
worker processes), then talk to it the way Slack does, then stop it the way a platform does (SIGTERM).

The process runs in an empty temporary directory with an explicit environment, so neither the
developer's `.env` nor their shell variables reach it; Slack is the local stand-in. gunicorn binds
127.0.0.1 (GUNICORN_CMD_ARGS overrides the config file's 0.0.0.0) so nothing listens beyond loopback.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.slack_requests import (
    SlackSender,
    app_mention,
    assert_nothing_more_posted,
    direct_message,
    get,
    new_event_id,
)
from tests.support.slack_standin import SlackStandIn

PROJECT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "procfile-test-signing-secret-4b1e"
BOOT_TIMEOUT = 20.0
STOP_TIMEOUT = 25.0  # gunicorn's graceful_timeout is 20 s; a clean stop takes far less


def procfile_command(process_type: str) -> str:
    for line in (PROJECT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process_type:
            return command.strip()
    raise AssertionError(f"Procfile has no {process_type}: line")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class WebProcess:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = BOOT_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"web process exited with {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError):
                response = get(self.base_url + "/healthz")
                if response.status == 200:
                    return response.json()
            time.sleep(0.1)
        raise AssertionError(f"no healthy /healthz within {timeout}s:\n{self.log()}")

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as a platform stops a dyno/container; the exit code (AssertionError if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"web process still running {timeout}s after SIGTERM:\n{self.log()}") from None

    def kill_group(self) -> None:
        """Last resort, for teardown: SIGKILL the process group this test started (and only that)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def start_web(tmp_path: Path, extra_env: dict[str, str]) -> WebProcess:
    port = free_port()
    command = re.sub(r"\$\{?PORT\}?", str(port), procfile_command("web"))
    bin_dir = Path(sys.executable).parent  # the venv running the tests (CI's or the developer's)
    env = {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(tmp_path),  # gunicorn keeps its control socket under $HOME
        "LANG": "C.UTF-8",
        "PORT": str(port),
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
        **extra_env,
    }
    log_path = tmp_path / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            "exec " + command,  # as process managers do: the shell becomes gunicorn, which gets the signals
            shell=True,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can kill exactly what it started
        )
    return WebProcess(process, f"http://127.0.0.1:{port}", log_path)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    return path


@pytest.fixture
def web(workdir: Path, standin: SlackStandIn) -> Iterator[WebProcess]:
    served = start_web(
        workdir,
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "STATE_DB": str(workdir / "state.sqlite3"),
        },
    )
    try:
        yield served
    finally:
        if served.process.poll() is None:
            with contextlib.suppress(AssertionError):
                served.terminate(timeout=10)
        served.kill_group()


def test_procfile_web_serves_slack_and_stops_cleanly(web: WebProcess, standin: SlackStandIn):
    health = web.wait_healthy()
    assert health["status"] == "ok"
    assert health["entries"] > 0
    sender = SlackSender(web.base_url, SIGNING_SECRET)

    # A mention is answered in its thread.
    mention = app_mention("what is an ARO?")
    assert sender.event(mention).status == 200
    [answer] = standin.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["channel"] == mention["channel"]
    assert answer.body["thread_ts"] == mention["ts"]
    assert "academic" in answer.body["text"].lower()

    # The slash command is acknowledged, and its checklist arrives at the response_url.
    ack = sender.command("monitoring", standin.hook_url("commands/T111/2/xyz"))
    assert ack.status == 200
    [checklist] = standin.wait_for("/hooks/", 1, timeout=10)
    assert checklist.path == "/hooks/commands/T111/2/xyz"
    assert checklist.body["response_type"] == "ephemeral"
    assert "Checklist:" in checklist.body["text"]
    assert re.search(r"^1\. ", checklist.body["text"], re.MULTILINE)

    # A DM and Slack's retries of it, spread over two worker processes, get one answer.
    dm = direct_message("what is an ARO?")
    event_id = new_event_id()
    for retry_num in (None, 1, 2, 3):
        assert sender.event(dm, event_id=event_id, retry_num=retry_num).status == 200
    posts = standin.wait_for("chat.postMessage", 2, timeout=10)
    assert posts[1].body["channel"] == dm["channel"]
    assert_nothing_more_posted(sender, standin, already=2)

    # SIGTERM: gunicorn drains and exits 0, taking its workers with it.
    assert web.terminate() == 0, web.log()
    deadline = time.monotonic() + 5
    while web.group_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not web.group_alive(), "worker processes outlived the master"
    log = web.log()
    assert "Traceback" not in log, log
    assert "xoxb-test" not in log and SIGNING_SECRET not in log, "secrets must not reach the logs"


def test_procfile_web_without_signing_secret_stops_with_the_cause(workdir: Path, standin: SlackStandIn):
    token = "xoxb-test-never-printed-6a0d"
    web = start_web(
        workdir,
        {"SLACK_BOT_TOKEN": token, "SLACK_API_URL": standin.api_url, "STATE_DB": str(workdir / "s.sqlite3")},
    )
    try:
        try:
            exit_code = web.process.wait(timeout=BOOT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"a web process that cannot serve kept running:\n{web.log()}") from None
        log = web.log()
        assert exit_code != 0
        assert "SLACK_SIGNING_SECRET" in log
        assert token not in log
        assert standin.calls("chat.postMessage") == []
    finally:
        if web.process.poll() is None:
            web.kill_group()
