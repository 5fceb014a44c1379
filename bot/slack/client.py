"""The Web API client every listener's `client` and `say` are built from."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings


def web_client(settings: Settings) -> WebClient:
    # SLACK_API_URL: only tests point it elsewhere (the local stand-in).
    base_url = settings.api_url or WebClient.BASE_URL
    client = WebClient(token=settings.bot_token, timeout=settings.api_timeout, base_url=base_url)
    # A 429 waits its Retry-After, a 5xx or dropped connection is tried again; twice at most, so one
    # struggling Slack call cannot hold a worker thread for long. Bolt copies these handlers into the
    # client each listener gets.
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def slack_error(exc: Exception) -> str:
    """What to log when Slack refuses: its error code, or Bolt's message (which quotes Slack's
    answer), never the request, which carries the token."""
    response = getattr(exc, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(code or exc)[:300]
