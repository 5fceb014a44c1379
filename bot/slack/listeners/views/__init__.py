"""Views: the responsibility-matrix modal's submission, acked by its listener with a response_action."""

from slack_bolt import App

from bot.buttons import MATRIX_VIEW
from bot.slack.listeners.views.matrix import MatrixSubmission
from bot.state import DeliveryClaims
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims) -> None:
    app.view(MATRIX_VIEW)(MatrixSubmission(use_cases, claims).submit)
