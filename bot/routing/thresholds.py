"""When the router answers, asks back or says it does not know, on its confidence scale (0-1: the
calibrated probability that the answer is right; bot/routing/confidence.py).

The defaults are chosen by scripts/calibrate_router.py on the development questions and stored with
the fitted model in calibration.json, the one place they live; settings (ROUTER_*) may override them.
Only json is imported here, so settings can read the defaults without loading the router. The
lexical_* pair serves when the semantic model could not load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

_CALIBRATED = json.loads((Path(__file__).resolve().parent / "calibration.json").read_text(encoding="utf-8"))
_DEFAULTS = _CALIBRATED["thresholds"]


class Thresholds(NamedTuple):
    answer: float = float(_DEFAULTS["answer"])  # at or above this confidence the bot answers
    clarify: float = float(_DEFAULTS["clarify"])  # two or more entries at or above this: "did you mean"
    suggest: float = float(_DEFAULTS["suggest"])  # the best entry alone at or above this: "did you mean"
    lexical_answer: float = float(_DEFAULTS["lexical_answer"])
    lexical_clarify: float = float(_DEFAULTS["lexical_clarify"])
    lexical_suggest: float = float(_DEFAULTS["lexical_suggest"])
    max_suggestions: int = 3

    def pair(self, semantic: bool) -> tuple[float, float]:
        """(answer, clarify) for a router with or without its semantic signal."""
        return (self.answer, self.clarify) if semantic else (self.lexical_answer, self.lexical_clarify)

    def lone_suggestion(self, semantic: bool) -> float:
        """The confidence from which the best entry is offered alone as "did you mean"."""
        return self.suggest if semantic else self.lexical_suggest
