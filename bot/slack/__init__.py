"""Slack side: the Bolt app factory, its listeners, and the HTTP / Socket Mode entry points."""
