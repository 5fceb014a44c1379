"""Shortcuts: "Ask CRO Bot about this" on any message (a message shortcut, declared in manifest.json)."""

from slack_bolt import App

from bot.buttons import ASK_ABOUT_MESSAGE
from bot.slack.listeners.shortcuts.ask_about_message import AskAboutMessage
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims, threads: ThreadMemory) -> None:
    app.shortcut(ASK_ABOUT_MESSAGE)(AskAboutMessage(use_cases, claims, threads).answer)
