"""manifest.json: valid against Slack's published manifest schema (a copy in
tests/support/slack_manifest_schema/, its source and commit in the README there), and declaring what
the code handles: the agent view with the knowledge's suggested prompts, its scope and events, and
the message shortcut's callback id."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bot.buttons import ASK_ABOUT_MESSAGE

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "support" / "slack_manifest_schema" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text())


def test_the_manifest_is_valid_against_slacks_schema(manifest):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_schema_copy_knows_the_agent_view():
    """If a newer copy dropped agent_view (or renamed it), the validation above would not check it."""
    features = json.loads(SCHEMA.read_text())["definitions"]["app-manifests.v1.features.schema"]["properties"]
    assert "agent_view" in features


def test_a_manifest_slack_would_refuse_is_refused():
    """The validation bites: a fifth suggested prompt and a shortcut name past 24 characters."""
    schema = json.loads(SCHEMA.read_text())
    prompt = {"title": "t", "message": "m"}
    broken = {
        "display_information": {"name": "CRO Bot"},
        "features": {
            "agent_view": {"agent_description": "x", "suggested_prompts": [prompt] * 5},
            "shortcuts": [{"name": "n" * 25, "type": "message", "callback_id": "c", "description": "d"}],
        },
    }
    paths = {"/".join(map(str, e.path)) for e in jsonschema.Draft7Validator(schema).iter_errors(broken)}
    assert {"features/agent_view/suggested_prompts", "features/shortcuts/0/name"} <= paths


def test_the_agent_view_offers_the_knowledges_suggested_prompts(manifest, kb):
    """The prompts are curated in knowledge/messages.yaml (and set again when a person opens the DM);
    the manifest must not drift from them."""
    agent = manifest["features"]["agent_view"]
    assert agent["agent_description"].strip()
    assert agent["suggested_prompts"] == [p._asdict() for p in kb.messages.prompts]
    assert "assistant_view" not in manifest["features"], "agent_view replaces assistant_view"


def test_the_manifest_declares_what_the_agent_view_needs(manifest):
    """Slack's migration guide: the assistant:write scope, and app_home_opened (tab "messages") as the
    sign that a person opened the DM; message.im for the DM itself. No channel history is read."""
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "assistant:write" in scopes and "chat:write" in scopes
    assert {"app_home_opened", "message.im", "app_mention"} <= set(events)
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert not {"channels:history", "groups:history"} & set(scopes), "in a channel the bot only hears mentions"


def test_the_message_shortcut_is_the_one_the_bot_listens_for(manifest):
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ASK_ABOUT_MESSAGE)
    assert shortcut["name"] == "Ask CRO Bot about this"
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"], "shortcuts need the commands scope"
