"""Settings, read in one place: the process environment, then `.env` for anything it leaves unset."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from bot.routing.router import Thresholds

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


_SECRETS = ("bot_token", "signing_secret", "app_token")
_THRESHOLDS = Thresholds._field_defaults


class Settings(NamedTuple):
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    log_level: str = "INFO"
    port: int = 3000
    # Slack credentials: never shown by repr(), so never in a log line or a traceback.
    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = ""
    api_timeout: int = 10  # seconds for one Slack Web API call
    escalation_contact: str = ""
    state_db: Path = Path("cro-bot.sqlite3")
    knowledge_cache: bool = True  # keep the indexed knowledge in ~/.cache/cro-bot (see bot/snapshot.py)
    # HTTP serving (gunicorn): processes, threads per process, seconds before a stuck worker restarts.
    web_workers: int = 2
    web_threads: int = 4
    web_timeout: int = 30
    # Router decision thresholds (0-100); defaults chosen from `cro-bot eval` histograms.
    answer_score: float = _THRESHOLDS["answer"]
    clarify_score: float = _THRESHOLDS["clarify"]
    answer_margin: float = _THRESHOLDS["margin"]
    related_margin: float = _THRESHOLDS["related_margin"]

    def __repr__(self) -> str:
        shown = (f"{k}={'***' if k in _SECRETS and v else repr(v)}" for k, v in zip(self._fields, self, strict=True))
        return f"Settings({', '.join(shown)})"

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def require_slack(self) -> None:
        """Stop start-up with the names of the missing Slack variables."""
        missing = ["SLACK_BOT_TOKEN"] if not self.bot_token else []
        if self.socket_mode:
            if not self.app_token.startswith("xapp-"):
                raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        elif not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        if missing:
            raise SettingsError(
                "missing setting(s): "
                + ", ".join(missing)
                + ". Set them in the environment or in .env (copy .env.example)."
            )


_VARIABLES = {
    "knowledge_dir": "KNOWLEDGE_DIR",
    "log_level": "LOG_LEVEL",
    "port": "PORT",
    "bot_token": "SLACK_BOT_TOKEN",
    "signing_secret": "SLACK_SIGNING_SECRET",
    "app_token": "SLACK_APP_TOKEN",
    "api_url": "SLACK_API_URL",
    "api_timeout": "SLACK_API_TIMEOUT",
    "escalation_contact": "ESCALATION_CONTACT",
    "state_db": "STATE_DB",
    "knowledge_cache": "KNOWLEDGE_CACHE",
    "web_workers": "WEB_CONCURRENCY",
    "web_threads": "WEB_THREADS",
    "web_timeout": "WEB_TIMEOUT",
    "answer_score": "ROUTER_ANSWER_SCORE",
    "clarify_score": "ROUTER_CLARIFY_SCORE",
    "answer_margin": "ROUTER_ANSWER_MARGIN",
    "related_margin": "ROUTER_RELATED_MARGIN",
}


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    # Imported here so commands that never need .env don't pay for the import.
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")) -> Settings:
    """Build Settings from `environ` (default: os.environ) over the values in `dotenv_path`."""
    values: dict[str, str] = _read_dotenv(dotenv_path) if dotenv_path else {}
    values.update(os.environ if environ is None else environ)
    kwargs: dict[str, object] = {}
    for name, variable in _VARIABLES.items():
        raw = values.get(variable, "").strip()
        if not raw:
            continue
        default = Settings._field_defaults[name]  # its type is the setting's type
        try:
            if isinstance(default, bool):
                kwargs[name] = raw.lower() not in ("0", "false", "no", "off")
            elif isinstance(default, int | float):
                kwargs[name] = type(default)(raw)
            elif isinstance(default, Path):
                kwargs[name] = Path(raw).expanduser()
            else:
                kwargs[name] = raw
        except ValueError:
            raise SettingsError(f"setting {variable} must be a number, like {default}") from None
    return Settings(**kwargs)
