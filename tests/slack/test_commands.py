"""`/cro-checklist`: acknowledged at once, then answered privately through the response_url."""

from __future__ import annotations

import re

import pytest

NUMBERED_ITEM = re.compile(r"^\d+\. \S", re.MULTILINE)


def run_command(served, text: str):
    """Send `/cro-checklist text`; return the HTTP ack and the single message sent to its response_url."""
    response_url = served.standin.hook_url("commands/T111/1/abc")
    ack = served.sender.command(text, response_url)
    [hook] = served.standin.wait_for("/hooks/", 1)
    assert hook.path == "/hooks/commands/T111/1/abc", "the answer goes to the command's own response_url"
    return ack, hook.body


def checklist_ids(served) -> list[str]:
    return list(served.use_cases.kb.checklists)


def test_checklist_topic_is_acknowledged_then_sent_privately(served):
    ack, reply = run_command(served, "monitoring")

    assert ack.status == 200
    assert ack.text == "", "the ack itself shows nothing; the checklist follows"
    assert reply["response_type"] == "ephemeral", "only the person who asked sees it"
    title = served.use_cases.kb.checklists["monitoring"].title
    assert title in reply["text"]
    assert len(NUMBERED_ITEM.findall(reply["text"])) >= 3, reply["text"]
    assert reply["blocks"]
    served.standin.assert_count_stays("/hooks/", 1, within=0.3)
    assert served.posts() == [], "a checklist is never posted to the channel"


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_no_topic_or_help_lists_the_checklists(served, text):
    ack, reply = run_command(served, text)

    assert ack.status == 200
    assert reply["response_type"] == "ephemeral"
    for checklist_id in checklist_ids(served):
        assert f"`{checklist_id}`" in reply["text"]
    assert not NUMBERED_ITEM.search(reply["text"]), "a list of topics, not one checklist"


def test_unknown_topic_says_so_and_lists_the_checklists(served):
    ack, reply = run_command(served, "zzzz")

    assert ack.status == 200
    assert reply["response_type"] == "ephemeral"
    assert "zzzz" in reply["text"]
    for checklist_id in checklist_ids(served):
        assert f"`{checklist_id}`" in reply["text"]


def test_hostile_topic_is_not_echoed_as_a_broadcast_or_link(served):
    _, reply = run_command(served, "<!here> <https://evil.example/x|click me>")

    posted = reply["text"] + str(reply.get("blocks"))
    assert "<!here>" not in posted
    assert "<https://evil.example" not in posted
    for checklist_id in checklist_ids(served):
        assert f"`{checklist_id}`" in reply["text"]
