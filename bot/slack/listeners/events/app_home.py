"""The App Home tab opened: publish what the bot knows, how to ask, and what it stores."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack.listeners.base import Listener


class AppHome(Listener):
    def publish(self, event: dict, client: WebClient) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            client.views_publish(user_id=event["user"], view=self.use_cases.home_view())
