"""The App Home opened. Its Home tab: publish what the bot knows, how to ask, and what it stores. Its
Messages tab (the agent view's DM; app_home_opened with tab "messages" is how Slack says a person
opened it): at most once a day per person, the suggested prompts from the knowledge and a short
welcome. Nothing here ever answers with an error: a failure is logged and the person sees nothing."""

from __future__ import annotations

import logging
import time

from slack_bolt.context.set_suggested_prompts import SetSuggestedPrompts
from slack_sdk import WebClient

from bot.slack.listeners.base import Listener, asker, failure, tried

log = logging.getLogger(__name__)
DAY_SECONDS = 86400


class AppHome(Listener):
    def publish(
        self, body: dict, event: dict, client: WebClient, set_suggested_prompts: SetSuggestedPrompts | None = None
    ) -> None:
        user, tab = event.get("user"), event.get("tab", "home")
        if not user:
            return
        try:
            if tab == "home":
                client.views_publish(user_id=user, view=self.use_cases.home_view())
            elif tab == "messages" and event.get("channel"):
                self.welcome(body, event, client, set_suggested_prompts)
        except Exception as exc:  # noqa: BLE001 - opening a tab is not a question; it never shows an error
            log.warning("App Home %s tab: %s", tab, failure(exc))

    def welcome(
        self, body: dict, event: dict, client: WebClient, set_suggested_prompts: SetSuggestedPrompts | None
    ) -> None:
        """Once a day per person (the day in UTC; a claim, so several workers agree), however often the
        DM is opened: its prompts set again from the knowledge (without a thread: in the agent view a
        thread_ts makes the call fail silently) and the welcome posted."""
        day = int(time.time() // DAY_SECONDS)
        if not self.claims.claim(f"welcome:{asker(body).team}:{event['user']}:{day}"):
            return
        prompts = self.use_cases.suggested_prompts()
        if prompts:
            tried("setting the suggested prompts", set_suggested_prompts, prompts)
        welcome = self.use_cases.welcome()
        client.chat_postMessage(channel=event["channel"], text=welcome.text, blocks=welcome.blocks)
