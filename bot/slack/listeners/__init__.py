"""Listeners grouped by kind, each group with one `register(app, use_cases, claims[, threads])` (the
shape of Slack's bolt-python-starter-template). A listener adapts a Slack payload to a use case and
the use case's reply back to Slack; it decides nothing else. `threads` is the memory of which entry
each thread was last answered with, for follow-ups."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory
from bot.use_cases import UseCases


def register_listeners(app: App, use_cases: UseCases, claims: DeliveryClaims, threads: ThreadMemory) -> None:
    events.register(app, use_cases, claims, threads)
    commands.register(app, use_cases, claims)
    actions.register(app, use_cases, claims, threads)
    shortcuts.register(app, use_cases, claims, threads)
    views.register(app, use_cases, claims)
