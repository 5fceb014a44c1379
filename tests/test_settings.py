"""Settings come from the environment over .env, with types, name what is missing or malformed, and
never show a secret."""

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, all_variables, load_settings

REPO = Path(__file__).resolve().parent.parent


def test_environment_values_are_typed():
    settings = load_settings(
        {"PORT": "8080", "ROUTER_ANSWER": "61.5", "KNOWLEDGE_CACHE": "0", "STATE_DB": "/tmp/x.sqlite3"},
        dotenv_path=None,
    )
    assert settings.port == 8080
    assert settings.thresholds.answer == 61.5
    assert settings.knowledge_cache is False
    assert settings.state_db == Path("/tmp/x.sqlite3")


def test_dotenv_fills_what_the_environment_leaves_unset(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\n")
    settings = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert settings.bot_token == "xoxb-from-file" and settings.port == 5000


def test_env_file_points_at_another_dotenv_and_is_named_in_messages(tmp_path):
    dotenv = tmp_path / "bot.env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\n")
    settings = load_settings({"ENV_FILE": str(dotenv)})
    assert settings.bot_token == "xoxb-from-file"
    with pytest.raises(SettingsError) as info:
        settings.require_socket_mode()
    assert "SLACK_APP_TOKEN" in str(info.value) and str(dotenv) in str(info.value)


def test_a_missing_env_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="ENV_FILE"):
        load_settings({"ENV_FILE": str(tmp_path / "nowhere.env")})


def test_without_a_dotenv_the_message_says_none_was_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as info:
        load_settings({}).require_http()
    assert "none found in" in str(info.value) and "ENV_FILE" in str(info.value)


@pytest.mark.parametrize(("variable", "value"), [("PORT", "eighty"), ("STATE_RETENTION_DAYS", "-3")])
def test_a_malformed_number_names_the_variable(variable, value):
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value}, dotenv_path=None)


def test_a_bad_log_level_names_the_variable_and_the_choices():
    with pytest.raises(SettingsError) as info:
        load_settings({"LOG_LEVEL": "verbose"}, dotenv_path=None)
    assert "LOG_LEVEL" in str(info.value) and "DEBUG" in str(info.value)
    assert load_settings({"LOG_LEVEL": "debug"}, dotenv_path=None).log_level == "DEBUG"


def test_each_mode_names_what_it_needs():
    with pytest.raises(SettingsError) as http:
        Settings().require_http()
    assert "SLACK_BOT_TOKEN" in str(http.value) and "SLACK_SIGNING_SECRET" in str(http.value)
    with pytest.raises(SettingsError) as socket:
        Settings().require_socket_mode()
    assert "SLACK_BOT_TOKEN" in str(socket.value) and "SLACK_APP_TOKEN" in str(socket.value)
    assert "SLACK_SIGNING_SECRET" not in str(socket.value), "Socket Mode needs no signing secret"
    Settings(bot_token="xoxb-1", app_token="xapp-1").require_socket_mode()
    Settings(bot_token="xoxb-1", signing_secret="s").require_http()
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        Settings(bot_token="xoxb-1", app_token="xoxb-wrong").require_socket_mode()


def test_secrets_never_appear_in_repr():
    settings = Settings(bot_token="xoxb-SECRET-1", signing_secret="SECRET-2", app_token="xapp-SECRET-3")
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings)


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))
    assert set(all_variables()) <= documented, set(all_variables()) - documented
    assert documented <= set(all_variables()), f"documented but never read: {documented - set(all_variables())}"
