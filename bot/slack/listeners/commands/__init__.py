"""Slash commands: `/cro-checklist [topic]`, acknowledged at once, answered privately."""

from slack_bolt import App

from bot.slack.listeners.commands.checklist import ChecklistCommand
from bot.state import DeliveryClaims
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims) -> None:
    app.command("/cro-checklist")(ChecklistCommand(use_cases, claims).send)
