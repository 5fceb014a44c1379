import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.routing.router import Router
from bot.routing.semantic import load_encoder
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from bot.state.memory import MemoryState
from bot.use_cases import UseCases
from tests.support.postgres import PostgresServer, find_binaries
from tests.support.stores import KINDS, Stores


@pytest.fixture(scope="session")
def kb():
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def router(kb):
    """The router as the bot runs it: both signals (the semantic model ships with the package)."""
    encoder = load_encoder()
    assert encoder is not None, "the shipped semantic model must load"
    return Router(kb, encoder)


@pytest.fixture(scope="session")
def use_cases(router):
    """The front door as the offline CLI has it: the shipped knowledge, default thresholds, nothing kept."""
    return UseCases(router, MemoryState())


# -- a real PostgreSQL server, one per session -----------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server started for this test session (see tests/support/postgres.py); the tests
    that need it skip, saying why, where the machine has no server binaries."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin or on PATH)")
    root = Path(tempfile.mkdtemp(prefix="cro-bot-postgres-"))  # under /tmp, which the server's user can reach
    server = PostgresServer.start(root, binaries)  # start() hands the folder to the server's user
    try:
        yield server
    finally:
        server.stop(mode="immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(postgres: PostgresServer) -> Iterator[str]:
    """A new, empty database on the session's server, dropped after the test."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture(params=KINDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """Stores on one new database, once per backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "postgresql":
        opened = Stores.postgres(request.getfixturevalue("database_url"))
    else:
        opened = Stores.sqlite(tmp_path / "state.sqlite3")
    yield opened
    opened.close()
