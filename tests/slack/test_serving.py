"""How the app is served: oversized requests refused, the health check, and gunicorn's settings taken
from the environment (or .env) as the README promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.knowledge.model import KnowledgeBase
from bot.routing.router import Router
from bot.slack.web import MAX_BODY_BYTES
from bot.state.memory import MemoryState
from bot.use_cases import UseCases
from tests.support.serving import post_streaming, served_app
from tests.support.slack_requests import JSON, app_mention, event_callback, signed_headers
from tests.support.slack_standin import SlackStandIn

PROJECT = Path(__file__).resolve().parents[2]


def test_request_over_the_size_limit_is_refused_and_not_answered(served):
    # Correctly signed by Slack, so only its size can be the reason it is refused.
    mention = app_mention("what is an ARO? " + "x" * MAX_BODY_BYTES)
    body = json.dumps(event_callback(mention)).encode()
    assert len(body) > MAX_BODY_BYTES

    response = post_streaming(
        served.sender.url, body, {"Content-Type": JSON, **signed_headers(served.settings.signing_secret, body)}
    )

    assert response.status == 413
    assert response.json() == {"error": "request too large"}
    served.assert_nothing_more_posted()


def test_request_just_under_the_size_limit_is_still_served(served):
    # The counterpart: a large but acceptable body goes through to Bolt (and is answered).
    mention = app_mention("what is an ARO?")
    envelope = event_callback(mention)
    envelope["padding"] = ""
    envelope["padding"] = "x" * (MAX_BODY_BYTES - len(json.dumps(envelope)))
    body = json.dumps(envelope).encode()
    assert len(body) == MAX_BODY_BYTES

    response = post_streaming(
        served.sender.url, body, {"Content-Type": JSON, **signed_headers(served.settings.signing_secret, body)}
    )

    assert response.status == 200
    [answer] = served.standin.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["thread_ts"] == mention["ts"]


def test_health_check_without_knowledge_takes_the_instance_out_of_rotation(standin, tmp_path):
    empty = UseCases(Router(KnowledgeBase(root=None)), MemoryState())
    with served_app(standin, tmp_path / "state.sqlite3", use_cases=empty) as app:
        response = app.sender.get("/healthz")

    assert response.status == 503
    assert response.json() == {"status": "no knowledge loaded"}


def test_health_check_with_knowledge_reports_its_entries(standin, tmp_path):
    with served_app(standin, tmp_path / "state.sqlite3") as app:
        response = app.sender.get("/healthz")

        assert response.status == 200
        assert response.json() == {"status": "ok", "entries": len(app.use_cases.kb.entries)}
        assert response.json()["entries"] > 0


# -- gunicorn's settings ---------------------------------------------------------------------------


def gunicorn_config(workdir: Path, standin: SlackStandIn, env: dict[str, str]) -> dict[str, str]:
    """The settings gunicorn resolves for the Procfile's web: line (`--print-config`, which also loads
    the app once, against the stand-in), run in `workdir` with only `env` and no developer .env."""
    base = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(workdir),
        "PYTHONPATH": str(PROJECT),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "gunicorn-config-test-secret",
        "SLACK_API_URL": standin.api_url,
        "STATE_DB": str(workdir / "state.sqlite3"),
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "python:bot.slack.gunicorn_conf", "--print-config"]
    run = subprocess.run(
        [*command, "bot.slack.web:create_app()"],
        cwd=workdir,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    settings = {}
    for line in run.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name.strip()] = value.strip()
    return settings


def test_gunicorn_takes_workers_threads_timeout_and_port_from_the_environment(tmp_path, standin):
    config = gunicorn_config(
        tmp_path, standin, {"WEB_CONCURRENCY": "3", "WEB_THREADS": "7", "WEB_TIMEOUT": "45", "PORT": "4567"}
    )

    assert config["workers"] == "3"
    assert config["threads"] == "7"
    assert config["timeout"] == "45"
    assert config["bind"] == "['0.0.0.0:4567']"
    assert config["worker_class"] == "gthread"


def test_gunicorn_takes_its_settings_from_dotenv_too(tmp_path, standin):
    # gunicorn itself knows WEB_CONCURRENCY but never reads .env: these values can only arrive
    # through bot.slack.gunicorn_conf and bot.settings.
    (tmp_path / ".env").write_text("WEB_CONCURRENCY=5\nWEB_THREADS=3\nWEB_TIMEOUT=12\nPORT=4568\n")

    config = gunicorn_config(tmp_path, standin, {})

    assert (config["workers"], config["threads"], config["timeout"]) == ("5", "3", "12")
    assert config["bind"] == "['0.0.0.0:4568']"


def test_gunicorn_defaults_without_settings(tmp_path, standin):
    config = gunicorn_config(tmp_path, standin, {})

    assert (config["workers"], config["threads"], config["timeout"]) == ("2", "32", "30")
    assert config["bind"] == "['0.0.0.0:3000']"
