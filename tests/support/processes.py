"""The Procfile's processes, started as a platform starts them, for tests that need the real thing:

    web = start_web(workdir, {"SLACK_BOT_TOKEN": "xoxb-test", ...})   # the `web:` line (gunicorn)
    web.wait_healthy()
    ...
    assert web.terminate() == 0

Each runs in `workdir` (an empty directory, so no developer `.env` reaches it) with an explicit
environment (so no shell variable does), in its own process group (so teardown kills exactly what the
test started). gunicorn binds 127.0.0.1 (GUNICORN_CMD_ARGS overrides the config's BIND_HOST) so nothing
listens beyond loopback; Slack is the local stand-in (tests/support/slack_standin.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.slack_requests import get

PROJECT = Path(__file__).resolve().parents[2]
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


def process_env(workdir: Path, extra_env: dict[str, str]) -> dict[str, str]:
    """The whole environment a Procfile process gets: the test venv on PATH, HOME in `workdir`, and
    `extra_env`; nothing else from the developer's shell."""
    bin_dir = Path(sys.executable).parent  # the venv running the tests (CI's or the developer's)
    return {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(workdir),  # gunicorn would keep its control socket here (it is disabled)
        "LANG": "C.UTF-8",
        "LOG_LEVEL": "INFO",
        **extra_env,
    }


@dataclass
class WebProcess:
    """A running Procfile process (the `web:` line, or the `worker:` one with no base_url)."""

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

    def wait_exit(self, timeout: float = BOOT_TIMEOUT) -> int:
        """The exit code of a process expected to stop by itself (AssertionError if it keeps running)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {timeout}s:\n{self.log()}") from None

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as a platform stops a dyno/container; the exit code (AssertionError if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"process still running {timeout}s after SIGTERM:\n{self.log()}") from None

    def kill_group(self) -> None:
        """Last resort, for teardown: SIGKILL the process group this test started (and only that)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def stop(self) -> None:
        """Teardown: SIGTERM, then whatever is left of the group is killed."""
        if self.process.poll() is None:
            with contextlib.suppress(AssertionError):
                self.terminate(timeout=10)
        self.kill_group()

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def start_procfile(process_type: str, workdir: Path, env: dict[str, str], base_url: str = "") -> WebProcess:
    """The Procfile's `process_type` line, run in `workdir` with exactly `env`; output to NAME.log."""
    log_path = workdir / f"{process_type}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            # As process managers do: the shell becomes the command, which gets the signals.
            "exec " + procfile_command(process_type),
            shell=True,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can kill exactly what it started
        )
    return WebProcess(process, base_url, log_path)


def start_web(workdir: Path, extra_env: dict[str, str]) -> WebProcess:
    """The `web:` line (gunicorn, two workers unless `extra_env` says otherwise) on a free loopback port."""
    port = free_port()
    command_port = {"PORT": str(port), "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
    env = process_env(workdir, {**command_port, **extra_env})
    return start_procfile("web", workdir, env, f"http://127.0.0.1:{port}")


def start_worker(workdir: Path, extra_env: dict[str, str]) -> WebProcess:
    """The `worker:` line (Socket Mode)."""
    return start_procfile("worker", workdir, process_env(workdir, extra_env))


# Settings a developer may have exported, which would change what an offline command does.
_DEVELOPER_SETTINGS = ("SLACK_", "KNOWLEDGE_DIR", "LOG_LEVEL", "STATE_DB", "ENV_FILE")


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """`cro-bot ARGS` as a user runs it (a subprocess of this venv's Python), without the developer's
    own Slack or state settings; `env` adds to the environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(_DEVELOPER_SETTINGS)}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        cwd=cwd,
    )
