"""Listeners grouped by kind, each group with one `register(app)` (Slack's starter-template shape)."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events


def register_listeners(app: App) -> None:
    events.register(app)
    commands.register(app)
    actions.register(app)
