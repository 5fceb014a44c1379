"""A real PostgreSQL server for the tests, started by the tests themselves: `initdb` into a temporary
directory and `pg_ctl start` on a free loopback port (as the `postgres` user when the tests run as
root, since PostgreSQL refuses to run as root), stopped when the session ends::

    server = PostgresServer.start(tmp_dir)
    url = server.create_database()       # a fresh database, from a template: milliseconds, not a new server
    server.restart()                     # what a managed database does now and then
    server.stop()

The binaries are looked for under /usr/lib/postgresql/*/bin (Debian's place), then on PATH; where
there are none, `find_binaries` says so and the PostgreSQL tests skip with that reason. The server is
tuned for tests (fsync off: nothing here must survive a power cut) and trusts loopback connections.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin",)
START_TIMEOUT = 30


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (the newest version), or None."""
    candidates = sorted(
        (p for pattern in SEARCH for p in Path("/").glob(pattern.lstrip("/"))),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    binaries: Path
    data: Path
    port: int
    run_as: str | None  # the user the server runs as (None: this one)
    log: Path
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, root: Path, binaries: Path | None = None) -> PostgresServer:
        binaries = binaries or find_binaries()
        if binaries is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) found")
        run_as = "postgres" if os.geteuid() == 0 else None
        root.mkdir(parents=True, exist_ok=True)
        data, sockets = root / "data", root / "sockets"
        sockets.mkdir(exist_ok=True)
        if run_as:
            user = pwd.getpwnam(run_as)
            for path in (root, sockets):  # `root` must be in a folder the server's user can reach (/tmp)
                os.chown(path, user.pw_uid, user.pw_gid)
        server = cls(binaries, data, free_port(), run_as, root / "server.log")
        server._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {server.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n"
                "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\nmax_connections = 200\n"
                "shared_buffers = 32MB\n"
            )
        server._start()
        return server

    # -- running the server's tools ----------------------------------------------------------------

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.binaries / tool), *args]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(self._command(tool, *args), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def _start(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT))
        self.wait_ready()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Until the server accepts a query (pg_ctl -w returns as soon as it listens)."""
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # -- what tests use ----------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "test") -> str:
        """A new, empty database (copied from template0); its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(Exception):
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w")

    def resume(self) -> None:
        """Start the server again after `stop`; returns once it accepts queries."""
        self._start()

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (closing every connection, as a managed database's restart does), stay down
        `down_for` seconds, start it again; returns once it accepts queries."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        self._start()

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()
