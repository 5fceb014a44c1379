"""Slash commands: `/cro-checklist [topic]`, acknowledged at once, answered privately."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from bot.slack.replies import errors_logged_after_ack, first_delivery, respond_checked


def register(app: App) -> None:
    app.command("/cro-checklist")(send_checklist)


@errors_logged_after_ack
def send_checklist(ack: Ack, command: dict, respond: Respond, context: BoltContext) -> None:
    ack()  # first, well within Slack's 3 seconds; the checklist follows through response_url
    # One invocation has one trigger_id: a second delivery of it gets no second checklist.
    if not first_delivery(context, "cmd", command.get("trigger_id")):
        return
    topic = command.get("text") or ""
    result, reply = context["assistant"].checklist(topic)
    checklist_id = result.checklist.id if result.checklist else None
    context["store"].record_question("checklist", topic or "(no topic)", result.status, checklist_id, 0.0)
    respond_checked(respond, "checklist", text=reply.text, blocks=reply.blocks, response_type="ephemeral")
