"""Fit the router's confidence model and choose its thresholds, on calibration questions only.

    .venv/bin/python scripts/calibrate_router.py            # prints the figures; writes nothing
    .venv/bin/python scripts/calibrate_router.py --write    # also writes bot/routing/calibration.json

Samples, each a candidate entry for a question labelled right (1) or wrong (0):
- the calibration set tests/eval/realistic_calibration.yaml (written blind to the knowledge, and read
  by nobody who writes it): a candidate is right when its answer text states every fact the item
  expects (the same test `cro-bot eval` applies); for off-topic items every candidate is wrong; for
  items the sources cannot answer, only an answer that says so is right;
- every stored phrasing, routed as a new question with itself left out of both indexes
  (leave-one-out): its own entry is right, any other wrong. These teach what a real paraphrase of an
  entry looks like without reading any evaluation set;
- scripts/calibration/near_misses.yaml: off-topic questions that share the domain's words ("server
  monitoring", "hybrid working", "sponsor my visa"), all wrong for every candidate.
The held-out sets (tests/eval/realistic_heldout*.yaml) are never read here, nor are the development sets
(knowledge has been written against them). Two models are fitted: the
hybrid one and, on the lexical features alone, the one used when the semantic model cannot load.
Thresholds: the answer threshold is the lowest at which wrong answers stay within --max-wrong of the
in-scope calibration questions and off-topic questions answered within --max-off; the clarify
threshold maximises "did you mean" lists that hold a right entry minus those that hold none.
The suggest threshold: the lowest confidence, between the other two, from which the best candidate of a
question the bot does not answer is right often enough (SUGGEST_PRECISION) to offer alone as "did you
mean"; off-topic and near-miss questions count against it.
The fit is deterministic: the same knowledge and sets give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import load_items  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.render import shown_answer  # noqa: E402
from bot.routing.confidence import (  # noqa: E402
    HYBRID_FEATURES,
    LEXICAL_FEATURES,
    Calibration,
    Model,
    fit,
    load_calibration,
    save_calibration,
)
from bot.routing.router import Router  # noqa: E402
from bot.routing.semantic import load_encoder  # noqa: E402
from bot.settings import DEFAULT_KNOWLEDGE_DIR  # noqa: E402

# Questions written blind to the knowledge and never used to write it (the development half and the
# older project set have had knowledge written against their misses, which makes a model fitted on
# them too sure of itself).
DEV_SETS = (ROOT / "tests" / "eval" / "realistic_calibration.yaml",)
# Off-topic questions that use the domain's words in another sense, written for the calibration alone
# (not an evaluation set): every candidate answer is wrong for them.
NEAR_MISSES = ROOT / "scripts" / "calibration" / "near_misses.yaml"
SUGGEST_PRECISION = 0.75  # a lone "did you mean" button is the answer at least three times in four
PHRASING_WEIGHT = 0.25  # default share of a development question that one stored phrasing counts as


def load_items_loose(path: Path) -> list[dict]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def right_entries(item: dict, answers: dict[str, str]) -> set[str]:
    if item["expect"] == "reject":
        return set()
    return {e for e, text in answers.items() if all(re.search(p, text, re.I) for p in item["expect"])}


def question_samples(router: Router, items: list[dict], answers: dict[str, str]):
    """(question, its best reading's candidates, right entry ids, kind) for every development item."""
    for item in items:
        best, _ = router.assess(str(item["q"]))
        kind = "off" if item["expect"] == "reject" else ("unanswerable" if item.get("answerable") is False else "in")
        yield str(item["q"]), best, right_entries(item, answers), kind


def phrasing_samples(router: Router):
    for index, (entry_id, text) in enumerate(router.lexical.texts):
        yield text, router.candidates(text, exclude=index), {entry_id}, "in"


def fit_models(
    router: Router, items: list[dict], answers: dict[str, str], features: tuple[str, ...], phrasing_weight: float
):
    samples = []
    sources = [(question_samples(router, items, answers), 1.0)]
    if phrasing_weight:
        sources.append((phrasing_samples(router), phrasing_weight))
    for rows, weight in sources:
        for _, candidates, right, _ in rows:
            samples.extend((c.features, int(c.entry_id in right), weight) for c in candidates)
    return fit(samples, features)


def outcomes(router: Router, items: list[dict], answers: dict[str, str]):
    """(kind, top confidence, top right?, confidences and rightness of all candidates) per dev item."""
    out = []
    for _, candidates, right, kind in question_samples(router, items, answers):
        ranked = [(c.confidence, c.entry_id in right) for c in candidates]
        out.append((kind, ranked))
    return out


def figures(rows, answer_at: float, clarify_at: float, max_suggestions: int = 3) -> dict[str, float]:
    inside = [r for r in rows if r[0] != "off"]
    off = [r for r in rows if r[0] == "off"]
    right = wrong = useful = useless = 0
    for kind, ranked in inside:
        top_conf, top_right = ranked[0] if ranked else (0.0, False)
        answered = top_conf >= answer_at
        if kind == "unanswerable":
            right += (not answered) or top_right
            wrong += answered and not top_right
            continue
        if answered:
            right += top_right
            wrong += not top_right
            continue
        offered = [ok for conf, ok in ranked[:max_suggestions] if conf >= clarify_at]
        if len(offered) >= 2:
            useful += any(offered)
            useless += not any(offered)
    off_answered = sum(1 for _, ranked in off if ranked and ranked[0][0] >= answer_at)
    return {
        "right": right / max(len(inside), 1),
        "wrong": wrong / max(len(inside), 1),
        "off_refused": 1 - off_answered / max(len(off), 1),
        "useful_clarify": useful,
        "useless_clarify": useless,
    }


def choose(sets: dict[str, list], max_wrong: float, max_off: float) -> tuple[float, float, dict]:
    """The answer threshold: the lowest at which every set (each development set, the near misses)
    keeps within the limits, so an easy set cannot carry a hard one; then the best clarify threshold."""
    grid = [round(0.30 + 0.01 * i, 2) for i in range(66)]

    def lowest(rows) -> float:
        return next(
            (t for t in grid if (f := figures(rows, t, t))["wrong"] <= max_wrong and 1 - f["off_refused"] <= max_off),
            grid[-1],
        )

    answer_at = max(lowest(rows) for rows in sets.values())
    rows = [row for part in sets.values() for row in part]
    best = max(
        (round(answer_at * k / 20, 2) for k in range(4, 20)),
        key=lambda c: (lambda f: f["useful_clarify"] - f["useless_clarify"])(figures(rows, answer_at, c)),
    )
    return answer_at, best, figures(rows, answer_at, best)


def suggest_threshold(rows, answer_at: float, clarify_at: float, precision: float = SUGGEST_PRECISION) -> float:
    """The lowest confidence from which unanswered best candidates (up to the answer threshold) are right
    at least `precision` of the time; the answer threshold itself (never offer one alone) if none is."""
    for step in range(round((answer_at - clarify_at) * 100)):
        at = round(clarify_at + step / 100, 2)
        picked = [ranked[0][1] for _, ranked in rows if ranked and at <= ranked[0][0] < answer_at]
        if picked and sum(picked) / len(picked) >= precision:
            return at
    return answer_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write bot/routing/calibration.json")
    # 3%, the wrong-answer rate the router is held to on held-out questions. With 400 in-scope
    # calibration questions (since writers I and J) a 3% cap is 12 answers and can be estimated; with
    # the first 130 it was 4, and 8%, later 5%, served instead. At 5% on the 400 the wrong share on
    # the held-out sets came out level with the calibration set's (4.9% pooled). It carries on average,
    # not for every writer: three later held-out sets read 1.1%, 4.4% and 2.2% at the 3% fit (decision 0003).
    parser.add_argument(
        "--max-wrong", type=float, default=0.03, help="wrong answers allowed in each set, share of in-scope"
    )
    parser.add_argument("--max-off", type=float, default=0.03, help="off-topic answers allowed, share of off-topic")
    parser.add_argument("--rounds", type=int, default=2, help="refits (each reads messages with the last model)")
    parser.add_argument("--phrasing-weight", type=float, default=PHRASING_WEIGHT, help="weight of a stored phrasing")
    parser.add_argument("--curve", action="store_true", help="print right/wrong/off-topic at each answer threshold")
    args = parser.parse_args()

    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR)
    answers = {e.id: shown_answer(e, kb) for e in kb.entries.values()}
    groups = {path.name: load_items(path) for path in DEV_SETS}
    if NEAR_MISSES.is_file():
        groups[NEAR_MISSES.name] = [{"q": item["q"], "expect": "reject"} for item in load_items_loose(NEAR_MISSES)]
    items = [item for part in groups.values() for item in part]
    try:
        calibration = load_calibration()
    except (OSError, ValueError, KeyError):  # no usable file yet (new features): start from a neutral model
        calibration = Calibration(
            Model(HYBRID_FEATURES, (0.0,) * len(HYBRID_FEATURES), 0.0),
            Model(LEXICAL_FEATURES, (0.0,) * len(LEXICAL_FEATURES), 0.0),
            "",
            {},
        )
    router = Router(kb, load_encoder(), calibration)
    for round_ in range(args.rounds):
        router.attach_encoder(load_encoder())
        router.calibration = calibration
        hybrid = fit_models(router, items, answers, HYBRID_FEATURES, args.phrasing_weight)
        router.attach_encoder(None)
        lexical = fit_models(router, items, answers, LEXICAL_FEATURES, args.phrasing_weight)
        calibration = Calibration(hybrid, lexical, calibration.note)
        print(
            f"round {round_ + 1}: fitted on {len(items)} development questions "
            f"and {len(router.lexical.texts)} phrasings"
        )

    results = {}
    for name, encoder in (("hybrid", load_encoder()), ("lexical", None)):
        router.attach_encoder(encoder)
        router.calibration = calibration
        sets = {name: outcomes(router, part, answers) for name, part in groups.items()}
        rows = [row for part in sets.values() for row in part]
        answer_at, clarify_at, f = choose(sets, args.max_wrong, args.max_off)
        if args.curve:
            for t in [x / 20 for x in range(6, 20)]:
                c = figures(rows, t, t / 2)
                print(
                    f"   {name} answer >= {t:.2f}: right {c['right']:.1%} wrong {c['wrong']:.1%} "
                    f"off {c['off_refused']:.1%}"
                )
        suggest_at = suggest_threshold(rows, answer_at, clarify_at)
        results[name] = (answer_at, clarify_at, suggest_at)
        print(
            f"{name:8s} answer >= {answer_at:.2f}, clarify >= {clarify_at:.2f}, suggest >= {suggest_at:.2f}: "
            f"right {f['right']:.1%}, "
            f"wrong {f['wrong']:.1%}, off-topic refused {f['off_refused']:.1%}, "
            f"did-you-mean useful {f['useful_clarify']} / not {f['useless_clarify']}"
        )
    (h_answer, h_clarify, h_suggest), (l_answer, l_clarify, l_suggest) = results["hybrid"], results["lexical"]
    thresholds = {
        "answer": h_answer,
        "clarify": h_clarify,
        "suggest": h_suggest,
        "lexical_answer": l_answer,
        "lexical_clarify": l_clarify,
        "lexical_suggest": l_suggest,
    }
    print(f"thresholds: {thresholds}")
    if args.write:
        note = (
            f"fitted {dt.date.today().isoformat()} by scripts/calibrate_router.py on "
            f"{', '.join(p.name for p in DEV_SETS)} "
            f"and leave-one-out stored phrasings; knowledge revision {kb.revision}"
        )
        save_calibration(Calibration(calibration.hybrid, calibration.lexical, note, thresholds))
        print("wrote bot/routing/calibration.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
