"""gunicorn settings, from the same environment/.env as everything else (see bot/settings.py)."""

from bot.settings import load_settings

_settings = load_settings()

bind = f"0.0.0.0:{_settings.port}"
workers = _settings.web_workers
threads = _settings.web_threads  # gthread: Bolt answers in background threads after the 200
worker_class = "gthread"
timeout = _settings.web_timeout
graceful_timeout = 20  # on SIGTERM, finish the answers in flight before exiting
keepalive = 5
loglevel = _settings.log_level.lower()
accesslog = "-"  # method, path, status: no bodies, no headers, so no secrets
limit_request_line = 8190
limit_request_fields = 100
