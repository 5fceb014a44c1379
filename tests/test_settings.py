"""Settings come from the environment over .env, with types, and never show a secret."""

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_environment_values_are_typed():
    settings = load_settings(
        {"PORT": "8080", "ROUTER_ANSWER_SCORE": "61.5", "KNOWLEDGE_CACHE": "0", "STATE_DB": "/tmp/x.sqlite3"},
        dotenv_path=None,
    )
    assert settings.port == 8080
    assert settings.answer_score == 61.5
    assert settings.knowledge_cache is False
    assert settings.state_db == Path("/tmp/x.sqlite3")


def test_dotenv_fills_what_the_environment_leaves_unset(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\n")
    settings = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert settings.bot_token == "xoxb-from-file" and settings.port == 5000


def test_a_malformed_number_names_the_variable():
    with pytest.raises(SettingsError, match="PORT"):
        load_settings({"PORT": "eighty"}, dotenv_path=None)


def test_missing_slack_settings_are_named():
    with pytest.raises(SettingsError) as info:
        Settings().require_slack()
    assert "SLACK_BOT_TOKEN" in str(info.value) and "SLACK_SIGNING_SECRET" in str(info.value)
    Settings(bot_token="xoxb-1", app_token="xapp-1").require_slack()  # Socket Mode needs no signing secret
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        Settings(bot_token="xoxb-1", app_token="xoxb-wrong").require_slack()


def test_secrets_never_appear_in_repr():
    settings = Settings(bot_token="xoxb-SECRET-1", signing_secret="SECRET-2", app_token="xapp-SECRET-3")
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings)
