"""Posting an answer, shared by the event and action listeners: record the question, render, post."""

from __future__ import annotations

from slack_bolt import BoltContext, Say

from bot.routing import RouteResult


def post_answer(context: BoltContext, say: Say, result: RouteResult, *, surface: str, thread_ts: str | None) -> None:
    """Record `result` (so its feedback buttons can refer to it), then post the reply."""
    entry_id = result.entry.id if result.entry else None
    question_id = context["store"].record_question(surface, result.question, result.status, entry_id, result.score)
    reply = context["assistant"].render(result, question_id)
    say(text=reply.text, blocks=reply.blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
