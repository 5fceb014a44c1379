"""Sending a reply through a payload's response_url, and saying so when Slack refuses it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

log = logging.getLogger(__name__)


def respond_checked(respond: Respond, what: str, **message: Any) -> bool:
    """respond(**message), logging a refusal: respond() returns Slack's non-200 answer (URL expired or
    used up, Slack down) instead of raising it. The log names the status and Slack's short error text,
    never the URL: whoever holds a response_url can post with it."""
    response = respond(**message)
    if response.status_code == 200:
        return True
    log.warning("%s not delivered: response_url answered HTTP %s %s", what, response.status_code, response.body[:200])
    return False
