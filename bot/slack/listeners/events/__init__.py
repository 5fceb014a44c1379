"""Events: a mention in a channel (answered in its thread), a direct message (answered in the
person's thread, the agent view's way), and the App Home opened (the Home tab's view published; the
Messages tab's daily welcome)."""

from slack_bolt import App

from bot.slack.listeners.events.app_home import AppHome
from bot.slack.listeners.events.direct_messages import DirectMessages
from bot.slack.listeners.events.mentions import Mentions
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory
from bot.use_cases import UseCases


def register(app: App, use_cases: UseCases, claims: DeliveryClaims, threads: ThreadMemory) -> None:
    app.event("app_mention")(Mentions(use_cases, claims, threads).answer)
    # Every message event lands here (edits, deletions, other bots' posts too) so that none is left
    # "unhandled" (a 404 Slack would retry); only a person's new direct message is answered.
    app.event("message")(DirectMessages(use_cases, claims, threads).answer)
    app.event("app_home_opened")(AppHome(use_cases, claims).publish)
