"""`manifest.json`, and the README's HTTP-mode edit of it, are valid against Slack's own manifest JSON
schema (a copy, with its source, in tests/support/slack_manifest_schema/; no network), the manifest
asks only for the scopes the bot uses, and it declares what the code handles: the agent view with the
knowledge's suggested prompts and the message shortcut's callback id."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from bot.buttons import ASK_ABOUT_MESSAGE

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "tests" / "support" / "slack_manifest_schema"
MANIFEST = json.loads((REPO / "manifest.json").read_text())
README = (REPO / "README.md").read_text()
EVENTS_PATH = "/slack/events"  # the one path the web process serves Slack on (bot/slack/web.py)

# Each scope the manifest asks for, and what in the bot needs it. Nothing reads conversation details
# (im:read): the bot answers in the DMs people open with it, and opens one only to send an export.
SCOPES_NEEDED = {
    "app_mentions:read": "app_mention events: answering mentions in channels",
    "assistant:write": "the agent view: assistant.threads.setTitle and setSuggestedPrompts in the DM",
    "chat:write": "chat.postMessage: every answer",
    "commands": "/cro-checklist, /cro-matrix, the 'Ask CRO Bot about this' message shortcut",
    "files:write": "files.getUploadURLExternal / completeUploadExternal: the matrix's Export",
    "im:history": "message.im events: answering direct messages",
    "im:write": "conversations.open: the DM the matrix's Export is sent to",
}


def validator() -> Draft7Validator:
    """Slack's top-level schema, with the versioned schemas it refers to served from the copies."""
    main = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text())
    registry = Registry()
    for uri in re.findall(r'"\$ref": "(https://[^"]+)"', json.dumps(main, indent=1)):
        local = SCHEMA_DIR / uri.rsplit("/", 1)[1]
        registry = registry.with_resource(uri, Resource.from_contents(json.loads(local.read_text())))
    Draft7Validator.check_schema(main)
    return Draft7Validator(main, registry=registry)


def errors(manifest: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(manifest)]


def readme_http_edit() -> dict:
    """The JSON the README gives for HTTP mode (the block after <!-- http-manifest -->)."""
    _, marker, after = README.partition("<!-- http-manifest -->")
    assert marker, "the README's HTTP-mode manifest edit is marked <!-- http-manifest -->"
    block = re.match(r"\s*```json\n(.*?)\n\s*```", after, re.DOTALL)
    assert block, "a ```json block follows the marker"
    return json.loads(block.group(1))


def http_manifest() -> dict:
    """manifest.json edited as the README says: its slash commands and settings replaced by the README's."""
    edit = readme_http_edit()
    assert set(edit) == {"features", "settings"} and set(edit["features"]) == {"slash_commands"}
    manifest = copy.deepcopy(MANIFEST)
    manifest["features"]["slash_commands"] = edit["features"]["slash_commands"]
    manifest["settings"] = edit["settings"]
    return manifest


def test_manifest_json_is_valid_against_slacks_schema():
    assert errors(MANIFEST) == []


def test_the_readmes_http_mode_manifest_is_valid_against_slacks_schema():
    assert errors(http_manifest()) == []


def test_the_schema_copy_really_checks_what_the_readme_once_got_wrong():
    # The old README put request_url on the slash command; Slack's schema calls that field url.
    wrong = http_manifest()
    command = wrong["features"]["slash_commands"][0]
    command["request_url"] = command.pop("url")
    assert any("request_url" in e for e in errors(wrong))


def test_http_mode_sends_everything_to_the_events_path_over_https():
    manifest = http_manifest()
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(command["url"] for command in manifest["features"]["slash_commands"]),
    ]
    for url in urls:
        assert re.fullmatch(rf"https://YOUR-HOST{EVENTS_PATH}", url), url


def test_the_http_edit_changes_nothing_but_the_mode_and_the_urls():
    # The README repeats parts of manifest.json; they must not drift apart.
    edit = readme_http_edit()
    commands = [{k: v for k, v in c.items() if k != "url"} for c in edit["features"]["slash_commands"]]
    assert commands == MANIFEST["features"]["slash_commands"]
    settings = copy.deepcopy(edit["settings"])
    del settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]
    assert {**settings, "socket_mode_enabled": True} == MANIFEST["settings"]


def test_manifest_is_socket_mode_by_default():
    assert MANIFEST["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize("unused", ["im:read", "chat:write.public", "users:read", "channels:history"])
def test_manifest_asks_for_no_scope_the_bot_does_not_use(unused):
    assert unused not in MANIFEST["oauth_config"]["scopes"]["bot"]


def test_manifest_scopes_are_exactly_those_the_bot_needs():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES_NEEDED)


# -- the agent view and the message shortcut --------------------------------------------------------


def test_the_schema_copy_knows_the_agent_view():
    """If a newer copy dropped agent_view (or renamed it), the validation above would not check it."""
    versioned = json.loads((SCHEMA_DIR / "manifest.schema.1.0.0.json").read_text())
    assert "agent_view" in versioned["definitions"]["app-manifests.v1.features.schema"]["properties"]


def test_an_agent_view_or_shortcut_slack_would_refuse_is_refused():
    """The validation bites: a fifth suggested prompt, and a shortcut name past 24 characters (read
    from the version-1 schema itself, whose errors name the field; the top-level schema's oneOf only
    says that no version fits)."""
    broken = copy.deepcopy(MANIFEST)
    broken["features"]["agent_view"]["suggested_prompts"] *= 2
    broken["features"]["shortcuts"][0]["name"] = "Ask CRO Bot about this message"
    assert errors(broken), "refused by the schema the manifest is checked against"
    version_1 = Draft7Validator(json.loads((SCHEMA_DIR / "manifest.schema.1.0.0.json").read_text()))
    found = {"/".join(map(str, e.absolute_path)) for e in version_1.iter_errors(broken)}
    assert {"features/agent_view/suggested_prompts", "features/shortcuts/0/name"} <= found, found


def test_the_agent_view_offers_the_knowledges_suggested_prompts(kb):
    """The prompts are curated in knowledge/messages.yaml (and set again when a person opens the DM);
    the manifest must not drift from them."""
    agent = MANIFEST["features"]["agent_view"]
    assert agent["agent_description"].strip()
    assert agent["suggested_prompts"] == [p._asdict() for p in kb.messages.prompts]
    assert "assistant_view" not in MANIFEST["features"], "agent_view replaces assistant_view"


def test_the_manifest_declares_what_the_agent_view_needs():
    """Slack's migration guide: the assistant:write scope, and app_home_opened (tab "messages") as the
    sign that a person opened the DM; message.im for the DM itself. No channel history is read."""
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_home_opened", "message.im", "app_mention"} <= set(events)
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True


def test_the_message_shortcut_is_the_one_the_bot_listens_for():
    [shortcut] = MANIFEST["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ASK_ABOUT_MESSAGE)
    assert shortcut["name"] == "Ask CRO Bot about this"
