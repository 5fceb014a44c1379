"""Slash commands, acknowledged at once: `/cro-checklist [topic]` (answered privately) and `/cro-matrix
[preset]` (opens the responsibility-matrix modal)."""

from slack_bolt import App

from bot.slack.listeners.commands.checklist import ChecklistCommand
from bot.slack.listeners.commands.matrix import MatrixCommand
from bot.state import DeliveryClaims
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims) -> None:
    app.command("/cro-checklist")(ChecklistCommand(use_cases, claims).send)
    app.command("/cro-matrix")(MatrixCommand(use_cases, claims).open)
