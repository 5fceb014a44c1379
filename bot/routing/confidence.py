"""One confidence from all the evidence: the probability that answering with a candidate entry is right.

For each candidate entry the router measures a few things: its lexical score, its semantic score,
whether it leads either ranking and by how much, how much of the question its phrasings' and its
answer's words explain, and how much of the question the knowledge base knows at all. A logistic model turns
them into a probability; its weights are fitted on the project's development questions
(scripts/calibrate_router.py, which also picks the thresholds) and kept in calibration.json beside
this file. The same model, refitted on the lexical features alone, serves when the semantic model
cannot load. `cro-bot eval` prints how well the probabilities match reality (a reliability table).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"

HYBRID_FEATURES = (
    "lexical",  # the entry's lexical score, 0-1
    "semantic",  # its best phrasing's cosine with the question
    "lexical_first",  # 1 if it leads the lexical ranking (ties: all that tie)
    "semantic_first",  # 1 if it leads the semantic ranking
    "lexical_margin",  # its lexical score minus the best other entry's: its lead, or how far behind it is
    "semantic_margin",
    "explained",  # share of the question's weight its phrasings' words explain
    "answered",  # share of the question's weight its answer's words explain
    "coverage",  # share of the question's weight the knowledge base knows at all
    "unseen",  # share of the question's words the knowledge base never uses
)
# Fewer is better here: the question's length, the answer text's vector and "leads both rankings" were
# measured and dropped (each lowered the right answers at the same share of wrong ones).
LEXICAL_FEATURES = ("lexical", "lexical_first", "lexical_margin", "explained", "answered", "coverage", "unseen")


class Model(NamedTuple):
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.bias + sum(w * values[name] for name, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class Calibration(NamedTuple):
    hybrid: Model
    lexical: Model
    note: str  # what it was fitted on, and when
    thresholds: dict[str, float] = {}  # answer, clarify, lexical_answer, lexical_clarify


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def model(name: str, expected: tuple[str, ...]) -> Model:
        part = data[name]
        features = tuple(part["features"])
        if features != expected:
            raise ValueError(f"{path}: the {name} model's features {features} are not the router's {expected}")
        return Model(features, tuple(float(part["weights"][f]) for f in features), float(part["bias"]))

    return Calibration(
        model("hybrid", HYBRID_FEATURES),
        model("lexical", LEXICAL_FEATURES),
        str(data.get("note", "")),
        {k: float(v) for k, v in data.get("thresholds", {}).items()},
    )


def fit(
    samples: Sequence[tuple[Mapping[str, float], int, float]],
    features: tuple[str, ...],
    *,
    l2: float = 1e-3,
    steps: int = 4000,
) -> Model:
    """Logistic regression by gradient descent: (feature values, label 0/1, sample weight) in, a Model
    out. Deterministic (zero start, fixed steps), so refitting the same samples gives the same model."""
    import numpy as np

    x = np.array([[values[f] for f in features] for values, _, _ in samples], dtype=np.float64)
    y = np.array([label for _, label, _ in samples], dtype=np.float64)
    weight = np.array([w for _, _, w in samples], dtype=np.float64)
    weight = weight / weight.sum()
    xb = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ theta, -30, 30)))
        gradient = xb.T @ ((p - y) * weight) + l2 * np.r_[theta[:-1], 0.0]
        theta -= 2.0 * gradient
    return Model(features, tuple(round(float(t), 4) for t in theta[:-1]), round(float(theta[-1]), 4))


def save_calibration(calibration: Calibration, path: Path = CALIBRATION_FILE) -> None:
    def model(m: Model) -> dict:
        return {"features": list(m.features), "weights": dict(zip(m.features, m.weights, strict=True)), "bias": m.bias}

    data = {
        "note": calibration.note,
        "thresholds": calibration.thresholds,
        "hybrid": model(calibration.hybrid),
        "lexical": model(calibration.lexical),
    }
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
