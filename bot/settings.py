"""Settings, read in one place: the process environment, then a `.env` file for anything it leaves unset.

Every setting is one row of `Settings` (its name, type and default) and one environment variable in
`VARIABLES`; the router thresholds are the fields of `Thresholds`, read as ROUTER_<FIELD>. The test
suite checks that `.env.example` documents each variable, so the list below is the only one to edit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from bot.routing.thresholds import Thresholds

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SOCKET_MODE_NEEDS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
HTTP_MODE_NEEDS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


_SECRETS = ("bot_token", "signing_secret", "app_token")


class Settings(NamedTuple):
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    log_level: str = "INFO"
    port: int = 3000
    bind_host: str = "0.0.0.0"  # noqa: S104 - a platform routes to the container's port; tests bind 127.0.0.1
    # Slack credentials: never shown by repr(), so never in a log line or a traceback.
    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = ""
    api_timeout: int = 10  # seconds for one Slack Web API call
    escalation_contact: str = ""
    state_db: Path = Path("cro-bot.sqlite3")
    state_retention_days: int = 180  # stored questions and votes older than this are purged
    knowledge_cache: bool = True  # keep the indexed knowledge in ~/.cache/cro-bot (see bot/snapshot.py)
    semantic_signal: bool = True  # the sentence-embedding model; off, the router uses its lexical model alone
    # HTTP serving (gunicorn): processes, threads per process, seconds before a stuck worker restarts,
    # and seconds a client has to send a request's body (a stalled body must not hold a thread).
    web_workers: int = 2
    # 32, not 8: a client stalled mid-body holds a thread for up to WEB_BODY_TIMEOUT, and a burst of
    # connections often lands on one worker (whichever wins the accept), so with 8 threads 16 stalled
    # clients kept a real mention waiting 4 s, past Slack's 3 (tests/slack/test_web_process.py). Idle
    # threads cost little; a buffering proxy in front is still what stops slow clients (README).
    web_threads: int = 32
    web_timeout: int = 30
    web_body_timeout: float = 2.0
    thresholds: Thresholds = Thresholds()
    env_file: Path | None = None  # the .env file that was read, if any (for messages)

    def __repr__(self) -> str:
        shown = (f"{k}={'***' if k in _SECRETS and v else repr(v)}" for k, v in zip(self._fields, self, strict=True))
        return f"Settings({', '.join(shown)})"

    def require_http(self) -> None:
        """Stop an HTTP start-up with the names of the missing variables."""
        self._require(HTTP_MODE_NEEDS, "HTTP mode")

    def require_socket_mode(self) -> None:
        """Stop a Socket Mode start-up with the names of the missing variables."""
        self._require(SOCKET_MODE_NEEDS, "Socket Mode")
        if not self.app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")

    def _require(self, needed: tuple[str, ...], mode: str) -> None:
        values = {"SLACK_BOT_TOKEN": self.bot_token, "SLACK_SIGNING_SECRET": self.signing_secret}
        values["SLACK_APP_TOKEN"] = self.app_token
        missing = [name for name in needed if not values[name]]
        if missing:
            raise SettingsError(f"{mode} needs {', '.join(missing)}. {self.where_read()}")

    def where_read(self) -> str:
        """Where settings came from, for a message: the .env file read, or that none was found."""
        if self.env_file:
            return f"Set it in the environment or in {self.env_file} (read)."
        return (
            f"Set it in the environment or in a .env file (none found in {Path.cwd()}; "
            "copy .env.example, or point ENV_FILE at one)."
        )


VARIABLES = {
    "knowledge_dir": "KNOWLEDGE_DIR",
    "log_level": "LOG_LEVEL",
    "port": "PORT",
    "bind_host": "BIND_HOST",
    "bot_token": "SLACK_BOT_TOKEN",
    "signing_secret": "SLACK_SIGNING_SECRET",
    "app_token": "SLACK_APP_TOKEN",
    "api_url": "SLACK_API_URL",
    "api_timeout": "SLACK_API_TIMEOUT",
    "escalation_contact": "ESCALATION_CONTACT",
    "state_db": "STATE_DB",
    "state_retention_days": "STATE_RETENTION_DAYS",
    "knowledge_cache": "KNOWLEDGE_CACHE",
    "semantic_signal": "SEMANTIC_SIGNAL",
    "web_workers": "WEB_CONCURRENCY",
    "web_threads": "WEB_THREADS",
    "web_timeout": "WEB_TIMEOUT",
    "web_body_timeout": "WEB_BODY_TIMEOUT",
}
THRESHOLD_VARIABLES = {name: f"ROUTER_{name.upper()}" for name in Thresholds._fields}
ENV_FILE_VARIABLE = "ENV_FILE"


def all_variables() -> list[str]:
    """Every environment variable the settings read, in the order `.env.example` lists them."""
    return [ENV_FILE_VARIABLE, *VARIABLES.values(), *THRESHOLD_VARIABLES.values()]


def _read_dotenv(path: Path) -> dict[str, str]:
    # Imported here so commands that never need .env don't pay for the import.
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _convert(raw: str, default: object, variable: str) -> object:
    """`raw` as the type of `default`; SettingsError naming the variable (never the value) if it isn't."""
    try:
        if isinstance(default, bool):
            return raw.lower() not in ("0", "false", "no", "off")
        if isinstance(default, int | float):
            value = type(default)(raw)
            if value < 0:
                raise ValueError
            return value
    except ValueError:
        raise SettingsError(f"setting {variable} must be a number of 0 or more, like {default}") from None
    if isinstance(default, Path):
        return Path(raw).expanduser()
    return raw


def find_env_file(environ: Mapping[str, str]) -> Path | None:
    """ENV_FILE if set (it must exist), else `.env` in the current directory if there is one."""
    named = environ.get(ENV_FILE_VARIABLE, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"ENV_FILE names {path}, which is not a file")
        return path
    path = Path(".env")
    return path.resolve() if path.is_file() else None


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: Path | None | bool = True) -> Settings:
    """Settings from `environ` (default: os.environ) over the values in the .env file.

    `dotenv_path`: True finds it (ENV_FILE, or ./.env), a Path names it, None reads no file.
    """
    environ = os.environ if environ is None else environ
    env_file = find_env_file(environ) if dotenv_path is True else (dotenv_path or None)
    values: dict[str, str] = _read_dotenv(env_file) if env_file and env_file.is_file() else {}
    values.update(environ)
    defaults = Settings._field_defaults
    kwargs: dict[str, object] = {}
    for name, variable in VARIABLES.items():
        raw = values.get(variable, "").strip()
        if raw:
            kwargs[name] = _convert(raw, defaults[name], variable)
    thresholds = {}
    for name, variable in THRESHOLD_VARIABLES.items():
        raw = values.get(variable, "").strip()
        if raw:
            thresholds[name] = _convert(raw, Thresholds._field_defaults[name], variable)
    level = str(kwargs.get("log_level", defaults["log_level"])).upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"setting LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    kwargs["log_level"] = level
    return Settings(**kwargs, thresholds=Thresholds(**thresholds), env_file=env_file)  # type: ignore[arg-type]
