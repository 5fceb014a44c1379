"""When the router answers, asks back or says it does not know: numbers only, so settings can read
their defaults without loading the router (and rapidfuzz) itself."""

from __future__ import annotations

from typing import NamedTuple


class Thresholds(NamedTuple):
    # Defaults chosen from `cro-bot eval tests/eval/router_eval.yaml` histograms: no off-topic
    # question there scores above ~46 once it passes the coverage floor.
    answer: float = 55.0  # at or above, with the margin, the bot answers
    clarify: float = 40.0  # between this and `answer` (or within the margin) it asks "did you mean"
    margin: float = 5.0  # how far the best entry must lead the runner-up to be answered alone
    # ...unless the runner-up is an entry the best one lists as related: the answer then carries it as a
    # "related question" button, one click away, so a closer call is answered rather than asked back.
    related_margin: float = 2.0
    coverage: float = 0.5  # share of the question's weight the knowledge base must recognise
    max_suggestions: int = 3
