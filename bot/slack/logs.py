"""Logging for the Slack processes: our own lines at LOG_LEVEL, and nothing that could carry a
request body, a token or user text, at any level.

Bolt and slack_sdk log whole payloads in places: Bolt's "Invalid request signature detected (...
body: ...)" at INFO, slack_sdk's request and response dumps at DEBUG. Those libraries are kept at INFO
or above whatever LOG_LEVEL says, and their lines that quote a body are dropped.
"""

from __future__ import annotations

import logging

THIRD_PARTY = ("slack_bolt", "slack_sdk", "bot.slack.bolt")
_BODY_MARKERS = ("body", "payload", "json_body", "Sending a request", "Received the following response")
# Bolt warns this whenever SLACK_BOT_TOKEN is in the environment, although we hand it the client made
# from that very token on purpose (for the API URL, timeout and retries): it reads like a misconfiguration.
_HARMLESS = ("`token` will be unused",)


class DropBodies(logging.Filter):
    """Drops any line from Slack's libraries that quotes a request or response body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(THIRD_PARTY):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is dropped, not raised
            return False
        return not any(marker in message for marker in (*_BODY_MARKERS, *_HARMLESS))


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    floor = max(logging.getLevelName(level), logging.INFO)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(floor)
    for handler in logging.getLogger().handlers:
        handler.addFilter(DropBodies())
