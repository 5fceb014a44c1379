"""Test helpers shared across suites: a local stand-in for Slack's Web API and Slack-shaped requests."""
