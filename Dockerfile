# The Procfile's web: process (HTTP mode, gunicorn) in a container. No container engine runs where this
# project is developed and tested, so tests/test_deploy.py checks this recipe's content instead of
# building it. Put HTTPS and a body-buffering proxy or router in front (README, "Connecting to Slack").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The bot never needs root: it runs as this user, which owns only the state directory and its home.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin cro-bot \
    && mkdir /data && chown cro-bot:cro-bot /data

WORKDIR /app
COPY . .
# The README's install command (editable: the knowledge/ folder is read from /app).
RUN pip install -e .

USER cro-bot
# Questions, votes and delivery claims (STATE_DB): mount a volume at /data to keep them across restarts.
ENV STATE_DB=/data/cro-bot.sqlite3 \
    PORT=3000
VOLUME ["/data"]
EXPOSE 3000

# /healthz answers 200 once the knowledge is loaded; slim images have no curl, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]

CMD ["gunicorn", "--config", "python:bot.slack.gunicorn_conf", "bot.slack.web:create_app()"]
