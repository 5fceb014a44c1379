"""gunicorn settings, from the same environment/.env as everything else (see bot/settings.py).

This module runs in the master process before any worker starts, so it is where a start that cannot
work stops: settings, knowledge and the bot token are checked once, and a failure is one line on
stderr and exit 1, instead of every worker failing with a traceback.
"""

import sys

from bot.settings import SettingsError, load_settings
from bot.slack.logs import configure_logging
from bot.slack.startup import StartupError, check_before_start

try:
    _settings = load_settings()
    configure_logging(_settings.log_level)
    check_before_start(_settings, http=True)
except (SettingsError, StartupError) as exc:
    sys.stderr.write(f"cro-bot cannot start: {exc}\n")
    sys.exit(1)

bind = f"{_settings.bind_host}:{_settings.port}"
workers = _settings.web_workers
# gthread: Bolt answers in background threads after the 200. A client stalled mid-body holds a thread
# for at most WEB_BODY_TIMEOUT (bot/slack/web.py); enough threads (WEB_THREADS, 32 by default: see
# bot/settings.py) keep real requests flowing meanwhile. In production a proxy or platform router that
# buffers whole request bodies sits in front (README), so slow clients never reach gunicorn at all.
threads = _settings.web_threads
worker_class = "gthread"
timeout = _settings.web_timeout
graceful_timeout = 20  # on SIGTERM, finish the answers in flight before exiting
keepalive = 5
loglevel = _settings.log_level.lower()
accesslog = "-"  # method, path, status: no bodies, no headers, so no secrets
limit_request_line = 8190
limit_request_fields = 100
control_socket_disable = True  # gunicorn 27's control socket needs a writable HOME; nothing here uses it


def post_fork(server: object, worker: object) -> None:
    """In each worker: hand the interpreter lock round every millisecond instead of every five, so a
    request thread waiting to acknowledge Slack is not held behind a thread routing a question."""
    sys.setswitchinterval(0.001)
