"""Actions: the buttons on the bot's messages (related and did-you-mean questions, feedback of both
kinds, share; the responsibility matrix's open, share and export)."""

from slack_bolt import App

from bot.buttons import (
    ASK_ENTRY_PATTERN,
    FEEDBACK_HELPFUL,
    FEEDBACK_NOT_HELPFUL,
    FEEDBACK_VOTE,
    MATRIX_EXPORT,
    MATRIX_OPEN,
    MATRIX_SHARE,
    SHARE_CHECKLIST,
)
from bot.slack.listeners.actions.ask_entry import AskEntryButton
from bot.slack.listeners.actions.feedback import FeedbackButtons
from bot.slack.listeners.actions.matrix import MatrixButtons
from bot.slack.listeners.actions.share_checklist import ShareChecklistButton
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims, threads: ThreadMemory) -> None:
    app.action(ASK_ENTRY_PATTERN)(AskEntryButton(use_cases, claims, threads).answer)
    feedback = FeedbackButtons(use_cases, claims)
    app.action(FEEDBACK_HELPFUL)(feedback.vote)
    app.action(FEEDBACK_NOT_HELPFUL)(feedback.vote)
    app.action(FEEDBACK_VOTE)(feedback.native_vote)
    app.action(SHARE_CHECKLIST)(ShareChecklistButton(use_cases, claims).share)
    matrix = MatrixButtons(use_cases, claims)
    app.action(MATRIX_OPEN)(matrix.open)
    app.action(MATRIX_SHARE)(matrix.share)
    app.action(MATRIX_EXPORT)(matrix.export)
