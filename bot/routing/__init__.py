"""Routing: question text -> curated entry (or clarify / fallback / help); topic -> checklist.

Import the modules themselves (`bot.routing.router`, `bot.routing.thresholds`...): this package
imports nothing, so reading the thresholds does not load rapidfuzz.
"""
