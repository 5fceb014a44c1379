"""Listeners grouped by kind, each group with one `register(app, use_cases, claims)` (the shape of
Slack's bolt-python-starter-template). A listener adapts a Slack payload to a use case and the use
case's reply back to Slack; it decides nothing else."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, views
from bot.state import DeliveryClaims
from bot.use_cases import UseCases


def register_listeners(app: App, use_cases: UseCases, claims: DeliveryClaims) -> None:
    events.register(app, use_cases, claims)
    commands.register(app, use_cases, claims)
    actions.register(app, use_cases, claims)
    views.register(app, use_cases, claims)
