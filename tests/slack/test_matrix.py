"""`/cro-matrix` end to end through the real Bolt app: a signed slash command opens the modal
(views.open, recorded by the stand-in), a signed view_submission is refused for what cannot be right or
answered privately (chat.postEphemeral), and the result's Export button sends CSV and Markdown files to
the user's DM through Slack's upload API (files.getUploadURLExternal, the upload, files.completeUploadExternal),
whose bytes the stand-in keeps. What each file holds is checked against the same matrix built offline."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.buttons import MATRIX_EXPORT, MATRIX_OPEN, MATRIX_SHARE, MATRIX_VIEW
from bot.matrix import default_holder, to_csv, to_markdown
from bot.matrix_modal import REGIONS_BLOCK, duty_block_id
from tests.support.slack_requests import (
    CHANNEL_ID,
    USER_ID,
    block_actions,
    find_button,
    new_trigger_id,
    opened_view,
    view_submission,
)
from tests.support.slack_standin import Scripted


def open_modal(served, text: str = "") -> dict:
    """`/cro-matrix text`: the view the bot opened with the command's own trigger_id."""
    url, hook = served.new_hook("matrix")
    trigger = new_trigger_id()
    assert served.sender.command(text, url, command="/cro-matrix", trigger_id=trigger).status == 200
    [call] = served.standin.wait_for("views.open", 1)
    assert call.body["trigger_id"] == trigger, "the modal opens with the command's trigger_id"
    assert served.standin.calls(hook) == [], "the command itself posts nothing"
    served.standin.clear()
    return opened_view(call)


def submit(served, view: dict, changes: dict):
    """Submit the modal with `changes`; the HTTP answer is the submission's ack."""
    return served.sender.action(view_submission(view, changes))


def holders(view: dict) -> dict[str, str]:
    """Duty id -> the holder its select starts on."""
    return {
        b["block_id"].split(":", 1)[1]: b["element"]["initial_option"]["value"]
        for b in view["blocks"]
        if b["type"] == "input" and b["block_id"] != REGIONS_BLOCK
    }


def click_ephemeral(served, blocks: list[dict], action_id: str, channel: str = CHANNEL_ID):
    """Click a button on an ephemeral message (Slack leaves the message out of the payload)."""
    url, hook = served.new_hook("matrix")
    payload = block_actions(action_id, response_url=url, blocks=blocks, channel=channel, is_ephemeral=True)
    return served.sender.action(payload), hook


# -- opening the modal -----------------------------------------------------------------------------


def test_cro_matrix_opens_a_modal_with_the_regions_and_a_holder_per_duty(served):
    catalogue = served.use_cases.kb.duties
    view = open_modal(served)

    assert view["type"] == "modal" and view["callback_id"] == MATRIX_VIEW
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24
    [regions] = [b for b in view["blocks"] if b.get("block_id") == REGIONS_BLOCK]
    assert regions["element"]["type"] == "checkboxes"
    assert [o["value"] for o in regions["element"]["options"]] == list(catalogue.regions)
    assert "initial_options" not in regions["element"], "nothing ticked until the person says where"
    assert holders(view) == {d.id: default_holder(d) for d in catalogue.duties.values()}
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == [g.title for g in catalogue.groups.values()], "duties are grouped under their headings"
    for block in view["blocks"]:
        for option in block.get("element", {}).get("options", []):
            assert len(option["text"]["text"]) <= 75
    assert view["private_metadata"] == f"c={CHANNEL_ID};p=", "ids only: where to answer, which preset"


def test_cro_matrix_with_a_preset_starts_each_duty_from_it(served):
    catalogue = served.use_cases.kb.duties
    view = open_modal(served, "Full-service CRO")

    expected = {d.id: default_holder(d) for d in catalogue.duties.values()}
    expected.update(dict(catalogue.presets["full-service"].assign))
    assert holders(view) == expected
    assert view["private_metadata"].endswith(";p=full-service")


def test_an_unknown_preset_gets_a_private_list_of_presets_instead(served):
    url, hook = served.new_hook("matrix")
    assert served.sender.command("<!here> everything", url, command="/cro-matrix").status == 200

    [reply] = served.standin.wait_for(hook, 1)
    assert reply.body["response_type"] == "ephemeral"
    for preset in served.use_cases.kb.duties.presets:
        assert f"`{preset}`" in reply.body["text"]
    assert "<!here>" not in reply.body["text"], "the typed text is escaped, never a broadcast"
    served.standin.assert_count_stays("views.open", 0, within=0.3)


# -- submitting it ---------------------------------------------------------------------------------


def test_the_full_flow_shows_the_matrix_privately_and_exports_csv_and_markdown_to_the_dm(served):
    use_cases = served.use_cases
    view = open_modal(served, "full-service")

    ack = submit(served, view, {REGIONS_BLOCK: ["us-ind"], duty_block_id("medical-monitoring"): "sponsor"})

    assert ack.status == 200 and ack.body == b"", "an empty ack closes the modal"
    [shown] = served.standin.wait_for("chat.postEphemeral", 1)
    offline = use_cases.build_matrix(["us-ind"], "full-service", [("medical-monitoring", "sponsor")])
    assert shown.body["channel"] == CHANNEL_ID and shown.body["user"] == USER_ID, "shown to the user alone"
    assert shown.body["text"] == offline.reply.text, "Slack shows what the CLI prints"
    blocks = json.loads(shown.body["blocks"]) if isinstance(shown.body["blocks"], str) else shown.body["blocks"]
    assert blocks == offline.reply.blocks
    assert served.posts() == [], "nothing is posted for the channel to see"

    response, hook = click_ephemeral(served, blocks, MATRIX_EXPORT)

    assert response.status == 200
    [note] = served.standin.wait_for(hook, 1)
    assert note.body["response_type"] == "ephemeral"
    assert note.body["text"] == use_cases.kb.messages.text("matrix_exported")
    [dm] = served.standin.calls("conversations.open")
    assert dm.body["users"] == USER_ID
    assert len(served.standin.calls("files.getUploadURLExternal")) == 2
    assert len(served.standin.calls("/upload/")) == 2
    [complete] = served.standin.calls("files.completeUploadExternal")
    assert complete.body["channel_id"] == served.standin.dm_channel(USER_ID)
    files = {f.filename: f for f in served.standin.uploaded_files()}
    assert set(files) == {"responsibility-matrix.csv", "responsibility-matrix.md"}
    kb = use_cases.kb
    assert files["responsibility-matrix.md"].text == to_markdown(offline.matrix, kb)
    assert files["responsibility-matrix.csv"].text == to_csv(offline.matrix, kb)
    rows = {r[0]: r for r in csv.reader(io.StringIO(files["responsibility-matrix.csv"].text)) if r}
    assert rows["medical-monitoring"][2] == "sponsor" and rows["monitoring"][2] == "cro"
    assert rows["monitoring"][6] == "312.56(a)" and rows["medical-monitoring"][6] == ""
    markdown = files["responsibility-matrix.md"].text
    assert kb.messages.text("matrix_toro_note") in markdown and kb.messages.text("matrix_drafting_aid") in markdown
    assert all(f.channel == served.standin.dm_channel(USER_ID) for f in files.values())
    assert files["responsibility-matrix.md"].initial_comment == kb.messages.text(
        "matrix_export_comment", regions=offline.matrix.region_names()
    )


def test_share_in_channel_posts_the_matrix_for_everyone_without_buttons(served):
    view = open_modal(served, "monitoring-only")
    submit(served, view, {REGIONS_BLOCK: ["us-ind"]})
    [shown] = served.standin.wait_for("chat.postEphemeral", 1)

    response, hook = click_ephemeral(served, shown.body["blocks"], MATRIX_SHARE)

    assert response.status == 200
    public, note = served.standin.wait_for(hook, 2)
    assert public.body["response_type"] == "in_channel" and public.body["replace_original"] is False
    offline = served.use_cases.build_matrix(["us-ind"], "monitoring-only", shareable=False)
    assert public.body["text"] == offline.reply.text
    assert not [b for b in public.body["blocks"] if b["type"] == "actions"], "the shared copy has no buttons"
    assert note.body["replace_original"] is True
    assert note.body["text"] == served.use_cases.kb.messages.text("matrix_shared")


def test_the_cro_holding_ultimate_responsibility_is_refused_on_that_select(served):
    view = open_modal(served, "full-service")

    ack = submit(served, view, {REGIONS_BLOCK: ["us-ind"], duty_block_id("ultimate-responsibility"): "cro"})

    assert ack.status == 200
    answer = ack.json()
    assert answer["response_action"] == "errors"
    offline = served.use_cases.build_matrix(["us-ind"], "full-service", [("ultimate-responsibility", "cro")])
    assert answer["errors"] == {duty_block_id("ultimate-responsibility"): offline.matrix.warnings[0].text}
    served.standin.assert_count_stays("chat.postEphemeral", 0, within=0.3)


def test_an_investigator_duty_given_to_the_cro_is_shown_with_its_warning(served):
    view = open_modal(served)

    ack = submit(served, view, {REGIONS_BLOCK: ["eu-ctr"], duty_block_id("participant-care"): "cro"})

    assert ack.status == 200 and ack.body == b""
    [shown] = served.standin.wait_for("chat.postEphemeral", 1)
    offline = served.use_cases.build_matrix(["eu-ctr"], assignments=[("participant-care", "cro")])
    [warning] = offline.matrix.warnings
    assert warning.text in shown.body["text"]


def test_no_region_ticked_is_refused_on_the_regions(served):
    view = open_modal(served)

    answer = submit(served, view, {}).json()

    assert answer["response_action"] == "errors"
    assert answer["errors"] == {REGIONS_BLOCK: served.use_cases.kb.messages.text("matrix_modal_no_region")}


def test_where_the_bot_cannot_post_the_matrix_goes_to_the_users_dm(served):
    served.standin.script("chat.postEphemeral", Scripted(body={"ok": False, "error": "channel_not_found"}))
    view = open_modal(served, "hybrid")

    submit(served, view, {REGIONS_BLOCK: ["uk"]})

    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.body["channel"] == served.standin.dm_channel(USER_ID)
    assert post.body["text"] == served.use_cases.build_matrix(["uk"], "hybrid").reply.text


def test_an_export_slack_refuses_tells_the_user(served):
    served.standin.script("files.getUploadURLExternal", Scripted(body={"ok": False, "error": "not_allowed"}))
    blocks = served.use_cases.build_matrix(["us-ind"], "full-service").reply.blocks

    _, hook = click_ephemeral(served, blocks, MATRIX_EXPORT)

    [reply] = served.standin.wait_for(hook, 1)
    assert reply.body["text"] == served.use_cases.notice("error").text
    assert served.standin.uploaded_files() == []


@pytest.mark.parametrize("action_id", [MATRIX_SHARE, MATRIX_EXPORT])
def test_a_forged_or_stale_button_value_is_gone(served, action_id):
    blocks = served.use_cases.build_matrix(["us-ind"]).reply.blocks
    url, hook = served.new_hook("matrix")
    payload = block_actions(action_id, response_url=url, blocks=blocks, is_ephemeral=True, value="r=mars;a=x:y")

    served.sender.action(payload)

    [reply] = served.standin.wait_for(hook, 1)
    assert reply.body["text"] == served.use_cases.notice("gone").text
    assert served.standin.calls("files.getUploadURLExternal") == []


# -- from the checklists ---------------------------------------------------------------------------


@pytest.mark.parametrize(("topic", "ticked"), [("toro", ["us-ind"]), ("delegation", [])])
def test_the_delegation_and_toro_checklists_open_the_same_modal(served, topic, ticked):
    url, hook = served.new_hook("matrix")
    served.sender.command(topic, url)
    [checklist] = served.standin.wait_for(hook, 1)
    _, button = find_button(checklist.body["blocks"], MATRIX_OPEN)

    click_ephemeral(served, checklist.body["blocks"], MATRIX_OPEN)

    [call] = served.standin.wait_for("views.open", 1)
    view = opened_view(call)
    assert view["callback_id"] == MATRIX_VIEW
    [regions] = [b for b in view["blocks"] if b.get("block_id") == REGIONS_BLOCK]
    assert [o["value"] for o in regions["element"].get("initial_options", [])] == ticked
    assert view["private_metadata"].startswith(f"c={CHANNEL_ID};")


def test_other_checklists_have_no_matrix_button(served):
    url, hook = served.new_hook("matrix")
    served.sender.command("monitoring", url)
    [checklist] = served.standin.wait_for(hook, 1)
    with pytest.raises(AssertionError):
        find_button(checklist.body["blocks"], MATRIX_OPEN)


def test_the_manifest_declares_the_command_its_scopes_and_interactivity():
    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/cro-matrix" in commands and len(commands["/cro-matrix"]["description"]) <= 100
    assert {"commands", "chat:write", "files:write", "im:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
