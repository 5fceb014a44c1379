"""Starting the bot against Slack, in the mode the entry point names (never inferred from which
secrets happen to be set):

- HTTP: the Procfile's `web:` line (gunicorn) and `cro-bot run --http`;
- Socket Mode: the Procfile's `worker:` line and `cro-bot run` (`--socket`).

Each start checks, in order, the settings the mode needs, the knowledge, and the bot token with
Slack, and only then opens the state file, so a failed start is one line naming its cause and leaves
nothing behind. Everything is built once here and handed to the app explicitly.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.knowledge.errors import KnowledgeError
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.app import build_app
from bot.slack.client import slack_error, web_client
from bot.slack.installations import client_for_installations, client_for_one_workspace, oauth_settings
from bot.slack.logs import configure_logging
from bot.slack.sweeper import Sweeper
from bot.state import State, open_state
from bot.state.threads import open_threads
from bot.use_cases import UseCases, load_router

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 24 * 3600


class StartupError(Exception):
    """The bot cannot start; the message says why in one line, naming the setting to fix."""


class Running(NamedTuple):
    app: App
    use_cases: UseCases
    state: State
    sweeper: Sweeper


def knowledge_failure(exc: KnowledgeError, settings: Settings) -> str:
    """A knowledge error in one line: how many problems, the first, and where to see them all (a
    start-up failure is one line; `cro-bot check` lists every problem with its file and line)."""
    count = len(exc.problems)
    first = str(exc.problems[0]) if exc.problems else "unknown"
    return (
        f"{count} knowledge {'problem' if count == 1 else 'problems'} in {settings.knowledge_dir}, the first: "
        f"{first}; `cro-bot check` lists them all"
    )


@contextmanager
def _slack_libraries_quiet() -> Iterator[None]:
    """slack_sdk logs every failed attempt and retry of a call, and the Socket Mode client (through
    Bolt's logger) a refused connection, as ERROR and INFO lines; at start-up the outcome is reported
    once, in one line of our own, so theirs would only bury it."""
    loggers = [logging.getLogger(name) for name in ("slack_sdk", "bot.slack.bolt")]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, before, strict=True):
            logger.setLevel(level)


def check_before_start(settings: Settings, *, http: bool) -> None:
    """Everything a start needs, checked before anything is opened: raises StartupError."""
    try:
        settings.require_http() if http else settings.require_socket_mode()
        load_router(settings)  # validates the knowledge (and warms its cache for the workers)
    except SettingsError as exc:
        raise StartupError(str(exc)) from None
    except KnowledgeError as exc:
        raise StartupError(knowledge_failure(exc, settings)) from None
    if settings.distribution:
        return  # no token of its own: each workspace's comes with its installation
    from slack_sdk.errors import SlackApiError

    try:
        with _slack_libraries_quiet():
            web_client(settings).auth_test()
    except SlackApiError as exc:
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN: {slack_error(exc)}") from None
    except OSError as exc:
        raise StartupError(f"Slack could not be reached ({type(exc).__name__}); check SLACK_API_URL") from None


def build(settings: Settings) -> Running:
    """The app with its use cases and state, after `check_before_start` has passed, and its sweeper
    running (every worker has one: see bot/slack/sweeper.py)."""
    state = open_state(str(settings.state_db), database_url=settings.database_url)
    use_cases = UseCases.from_settings(settings, journal=state.journal)
    oauth = distribution(settings, state)
    threads = open_threads(str(settings.state_db))
    app = build_app(settings, use_cases, state.claims, threads=threads, oauth=oauth)
    client_for = client_for_installations(settings, oauth) if oauth else client_for_one_workspace(app.client)
    sweeper = Sweeper(use_cases, state.claims, client_for, grace=settings.claim_grace_seconds, threads=threads)
    sweeper.start()
    _purge_on_schedule(use_cases)
    atexit.register(_close, sweeper, state)
    return Running(app, use_cases, state, sweeper)


def distribution(settings: Settings, state: State) -> OAuthSettings | None:
    """Bolt's OAuth settings when SLACK_CLIENT_ID switches distribution on, its stores in the state's
    own database; None in single-workspace mode."""
    if not settings.distribution:
        return None
    engine = getattr(state.journal, "engine", None)
    if engine is None:
        raise SettingsError("distribution keeps installations in the state database: set STATE_DB or DATABASE_URL")
    return oauth_settings(settings, engine)


def _close(sweeper: Sweeper, state: State) -> None:
    """At exit: stop sweeping, write what the store still queues (or log how much could not be)."""
    sweeper.stop()
    close = getattr(state.journal, "close", None)
    if close is not None:
        close()


def _purge_on_schedule(use_cases: UseCases) -> None:
    """Delete records past STATE_RETENTION_DAYS now and once a day, in the background."""

    def purge() -> None:
        try:
            removed = use_cases.purge_expired()
            if removed:
                log.info("purged %d records older than %d days", removed, use_cases.retention_days)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            log.warning("purging old records failed: %s", type(exc).__name__)
        timer = threading.Timer(PURGE_EVERY_SECONDS, purge)
        timer.daemon = True
        timer.start()

    purge()


def start_http_worker():  # -> SlackWebApp (imported late: bot.slack.web imports this module)
    """One gunicorn worker's WSGI app. The master has checked the settings, knowledge and token before
    forking (bot/slack/gunicorn_conf.py), so this fails only if something changed in between; it then
    raises gunicorn's AppImportError, which stops the server (a SystemExit would only restart the
    worker, forever)."""
    from gunicorn.errors import AppImportError
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.slack.web import SlackWebApp

    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        settings.require_http()
        running = build(settings)
    except SettingsError as exc:
        raise AppImportError(f"cro-bot cannot start: {exc}") from None
    except KnowledgeError as exc:
        raise AppImportError(f"cro-bot cannot start: {knowledge_failure(exc, settings)}") from None
    except (BoltError, SlackApiError, OSError) as exc:
        raise AppImportError(f"cro-bot cannot start: Slack refused or unreachable: {slack_error(exc)}") from None
    return SlackWebApp(
        running.app,
        running.use_cases,
        settings.signing_secret,
        settings.web_body_timeout,
        store_healthy=running.state.claims.healthy,
    )


def run_http(settings: Settings) -> int:
    """`cro-bot run --http`: the same gunicorn process the Procfile's `web:` line starts."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:bot.slack.gunicorn_conf",
        "bot.slack.web:create_app()",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and arguments, no user input
    return 0  # not reached


def _remove_state_file(path: Path) -> None:
    """The SQLite file and its WAL companions."""
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


class _Stop(Exception):
    """Raised by SIGTERM in the main thread, to leave SocketModeHandler.start()'s endless wait."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run_socket_mode(settings: Settings) -> int:
    """`cro-bot run` / the Procfile's `worker:` line."""
    configure_logging(settings.log_level)
    try:
        check_before_start(settings, http=False)
    except StartupError as exc:
        log.error("cro-bot cannot start: %s", exc)
        return 1
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    state_existed = Path(settings.state_db).exists()
    running = build(settings)
    # The handler's SocketModeClient calls apps.connections.open through app.client, so SLACK_API_URL
    # applies to Socket Mode as well.
    handler = SocketModeHandler(running.app, settings.app_token)
    # A platform stops a worker with SIGTERM (Ctrl+C is the same by hand): disconnect, so Slack sends
    # nothing more here, let the answers already under way finish, and exit 0 rather than die mid-reply.
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        try:
            with _slack_libraries_quiet():  # its lines about the refusal would only repeat the one below
                handler.connect()  # what handler.start() does before it waits, with a failure of its own
        except (SlackApiError, OSError) as exc:
            # Slack refused the app token (it can only be checked by connecting, after the state is
            # open): nothing was served, so a state file this start created goes too.
            log.error("Slack refused the Socket Mode connection: %s (check SLACK_APP_TOKEN)", slack_error(exc))
            if not state_existed:
                _remove_state_file(Path(settings.state_db))
            return 1
        log.info("connected to Slack in Socket Mode")
        threading.Event().wait()  # until SIGTERM or Ctrl+C
    except (_Stop, KeyboardInterrupt):
        log.info("stopping: closing the Socket Mode connection")
    finally:
        handler.close()
    return 0
