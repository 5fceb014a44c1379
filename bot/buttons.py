"""The buttons on the bot's messages: their action ids, and the values they carry, written and read
in this one place (the renderer puts them on messages, the Slack listeners read them back); and the
message shortcut's callback id, which manifest.json declares.

Values carry ids, never user text: a button's value comes back to the bot in a payload anyone in the
channel can trigger, so it is parsed as untrusted input.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ASK_ENTRY = "ask_entry"  # related / did-you-mean buttons; action id "ask_entry:N" (unique per message)
ASK_ENTRY_PATTERN = re.compile(rf"^{ASK_ENTRY}(:\d+)?$")
FEEDBACK_HELPFUL = "feedback_helpful"  # the classic 👍/👎 buttons, where Slack refuses the native ones
FEEDBACK_NOT_HELPFUL = "feedback_not_helpful"
FEEDBACK_VOTE = "feedback_vote"  # Slack's native feedback_buttons element; the value says which button
FEEDBACK_BLOCK = "feedback"
SHARE_CHECKLIST = "share_checklist"  # value: checklist id
ASK_ABOUT_MESSAGE = "ask_about_message"  # the "Ask CRO Bot about this" message shortcut
_HELPFUL, _NOT_HELPFUL = "+", "-"
MATRIX_OPEN = "matrix_open"  # on the delegation and TORO checklists: opens the matrix modal; value: a matrix choice
MATRIX_SHARE = "matrix_share"  # under a privately shown matrix; value: the matrix choice it was built from
MATRIX_EXPORT = "matrix_export"  # the same, for the CSV and Markdown files sent to the user's DM
MATRIX_VIEW = "matrix_modal"  # the modal's callback_id
VALUE_MAX = 2000  # Slack's limit on a button's value


def ask_entry_action(index: int) -> str:
    """Slack needs the action ids within one actions block to differ."""
    return f"{ASK_ENTRY}:{index}"


class FeedbackRef(NamedTuple):
    question_id: int | None  # the journal record of the question answered (None: not stored)
    entry_id: str


def feedback_value(ref: FeedbackRef) -> str:
    return f"{ref.question_id or ''}:{ref.entry_id}"


def parse_feedback(value: str) -> FeedbackRef:
    """A feedback button's value; a question id that is not plain ASCII digits ("²", "-1") is no id."""
    question, _, entry_id = value.partition(":")
    question_id = int(question) if question.isascii() and question.isdigit() else None
    return FeedbackRef(question_id, entry_id)


def is_helpful(action_id: str) -> bool:
    return action_id == FEEDBACK_HELPFUL


def vote_values(ref: FeedbackRef) -> tuple[str, str]:
    """The native feedback buttons' values: (👍, 👎). One element carries both buttons, so the
    value itself says which was pressed."""
    value = feedback_value(ref)
    return _HELPFUL + value, _NOT_HELPFUL + value


def parse_vote(value: str) -> tuple[FeedbackRef, bool] | None:
    """A native feedback button's value: the answer voted on and whether it was 👍; None if malformed."""
    if value[:1] not in (_HELPFUL, _NOT_HELPFUL):
        return None
    return parse_feedback(value[1:]), value[0] == _HELPFUL


def matrix_value(regions: tuple[str, ...], preset: str, assignments: tuple[tuple[str, str], ...]) -> str:
    """A matrix choice as a button value: ids only ("r=us-ind+eu-ctr;p=hybrid;a=monitoring:cro")."""
    pairs = "+".join(f"{duty}:{holder}" for duty, holder in assignments)
    return f"r={'+'.join(regions)};p={preset};a={pairs}"


def parse_matrix_value(value: str) -> tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]]:
    """(regions, preset, assignments) from a button value. Whatever a forged value holds comes back as
    ids to be checked against the catalogue, never as anything else."""
    fields = dict(part.partition("=")[::2] for part in value.split(";") if "=" in part)
    regions = tuple(r for r in fields.get("r", "").split("+") if r)
    pairs = (p.partition(":") for p in fields.get("a", "").split("+") if p)
    return regions, fields.get("p", ""), tuple((duty, holder) for duty, _, holder in pairs)
