"""`cro-bot eval FILE`: score the router on a labelled question set (the dev.yaml format).

In-scope items (`expect: [regex, ...]`, optionally `entry: id`) count as right when the bot answers,
the answer text matches every regex (case-insensitive) and, if given, the entry is the expected one.
Items marked `answerable: false` count as right when the bot does not answer, or answers with the
caveat the regexes describe.
Out-of-scope items (`expect: reject`) count as right when the bot does not answer.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain import Status, Surface


@dataclass(frozen=True)
class Outcome:
    question: str
    tag: str
    in_scope: bool
    right: bool
    status: str
    entry: str | None  # what the bot answered with, or its best candidate when it did not answer
    expected: str  # expected entry id or regexes, for the report
    score: float
    wrong_route: bool  # in scope, the best candidate is the wrong entry
    top_confidence: float = 0.0  # the router's confidence in its best candidate, 0-1
    top_right: bool = False  # whether answering with that candidate would have been right
    offered_right: bool = False  # not answered, but a suggested entry's button shows every expected fact


class EvalFileError(Exception):
    """The question set cannot be read; the message names the file and why."""


def load_items(path: str | Path) -> list[dict]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path} is not a YAML question set: {type(exc).__name__}") from None
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) and "q" in i and "expect" in i for i in items):
        raise EvalFileError(f"{path}: expected a top-level 'questions:' list of {{q, expect, tag}} items")
    return items


def _states_facts(use_cases, entry_id: str, expect: list[str]) -> bool:
    """Whether the entry's answer, as the bot shows it, states every expected fact."""
    from bot.render import shown_answer

    text = shown_answer(use_cases.kb.entries[entry_id], use_cases.kb, use_cases.escalation_contact)
    return all(re.search(p, text, re.I) for p in expect)


def _top_candidate(use_cases, question: str, item: dict) -> tuple[float, bool]:
    """(confidence, would answering with it be right) for the router's best candidate, answered or not:
    what the reliability table compares."""
    best, _ = use_cases.router.assess(question)
    if not best:
        return 0.0, False
    if item["expect"] == "reject":
        return best[0].confidence, False
    return best[0].confidence, _states_facts(use_cases, best[0].entry_id, item["expect"])


def evaluate(use_cases, items: list[dict]) -> list[Outcome]:
    return [_evaluate_one(use_cases, item) for item in items]


def _evaluate_one(use_cases, item: dict) -> Outcome:
    question, expect = str(item["q"]), item["expect"]
    confidence, top_right = _top_candidate(use_cases, question, item)
    outcome = _judge(use_cases, item, question, expect)
    return dataclasses.replace(outcome, top_confidence=confidence, top_right=top_right)


def _judge(use_cases, item: dict, question: str, expect: Any) -> Outcome:
    """Right or wrong, as the shared scorer (eval_router.py) judges: in scope, answered with every
    expected fact; not answerable, not answered (or answered with the caveat); off topic, not answered."""
    result = use_cases.answer_question(question, Surface.CLI)
    reply = result.reply
    best = result.entry.id if result.entry else (result.suggestions[0].entry_id if result.suggestions else None)
    tag = item.get("tag", "plain")
    if expect == "reject":
        right = result.status != Status.ANSWERED
        return Outcome(question, tag, False, right, result.status, best, "reject", result.score, False)
    wanted = item.get("entry")
    facts = all(re.search(p, reply.text, re.I) for p in expect)
    if item.get("answerable") is False:
        # The sources cannot answer it: right is saying so (clarify or fallback), or an answer that
        # states the expected caveat; anything else was invented.
        right = result.status != Status.ANSWERED or facts
        return Outcome(question, tag, True, right, result.status, best, "(cannot answer)", result.score, not right)
    right = result.status == Status.ANSWERED and facts and (wanted is None or result.entry.id == wanted)
    # A "did you mean" or "closest topic" button one click from the answer: what the person gets
    # instead when the bot is not sure enough to answer.
    offered = result.status != Status.ANSWERED and any(
        (s.entry_id == wanted) if wanted else _states_facts(use_cases, s.entry_id, expect) for s in result.suggestions
    )
    if wanted:
        wrong_route = best is not None and best != wanted
    else:
        wrong_route = result.status == Status.ANSWERED and not facts
    label = wanted or " & ".join(expect)
    return Outcome(
        question, tag, True, right, result.status, best, label, result.score, wrong_route, offered_right=offered
    )


def reliability(outcomes: list[Outcome]) -> list[str]:
    """Calibration: for each band of the router's confidence in its best candidate, how often
    answering with that candidate would have been right (off-topic questions: never)."""
    bands: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        band = min(int(o.top_confidence * 10), 9)
        bands[band][0] += o.top_right
        bands[band][1] += 1
    lines = ["reliability   (confidence in the best candidate vs share of those candidates that were right)"]
    lines.append("confidence   questions   right")
    for band in sorted(bands, reverse=True):
        right, total = bands[band]
        lines.append(f"{band / 10:.1f}-{(band + 1) / 10:.1f}      {total:>6}     {right / total:6.1%}")
    return lines


def _histogram(outcomes: list[Outcome]) -> list[str]:
    """Best-candidate scores in 5-point bins: right route, wrong route, off-topic."""
    bins: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in outcomes:
        if o.entry is None:
            continue
        column = 2 if not o.in_scope else (1 if o.wrong_route else 0)
        bins[min(int(o.score) // 5 * 5, 95)][column] += 1
    lines = ["score    right  wrong  off-topic   (best candidate's score)"]
    for low in sorted(bins, reverse=True):
        r, w, off = bins[low]
        lines.append(f"{low:>3}-{low + 5:<3}  {r:>5}  {w:>5}  {off:>9}")
    return lines


def report(outcomes: list[Outcome], show_misses: int = 40, routes: bool = True) -> tuple[list[str], float, float]:
    lines: list[str] = []
    per_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        per_tag[o.tag][0] += o.right
        per_tag[o.tag][1] += 1
    lines.append("accuracy per tag")
    for tag, (right, total) in sorted(per_tag.items()):
        lines.append(f"  {tag:12s} {right:>4}/{total:<4} {right / total:6.1%}")
    inside = [o for o in outcomes if o.in_scope]
    outside = [o for o in outcomes if not o.in_scope]
    misses = [o for o in outcomes if not o.right]
    if misses and show_misses:
        lines.append(f"misses ({len(misses)}, showing {min(len(misses), show_misses)})")
        for o in misses[:show_misses]:
            lines.append(f"  [{o.tag}] {o.question!r}: expected {o.expected}; got {o.status} {o.entry} ({o.score})")
    wrong = Counter((o.expected, o.entry) for o in inside if o.wrong_route)
    if wrong and routes:
        lines.append("most frequent wrong routes (expected -> best candidate)")
        lines.extend(f"  {n} x {exp} -> {got}" for (exp, got), n in wrong.most_common(10))
    lines.extend(_histogram(outcomes))
    lines.extend(reliability(outcomes))
    p_in = sum(o.right for o in inside) / len(inside) if inside else 0.0
    p_out = sum(o.right for o in outside) / len(outside) if outside else 0.0
    statuses = Counter(o.status for o in inside if not o.right)
    offered = sum(o.offered_right for o in inside)
    lines.append(
        f"in-scope answered right {sum(o.right for o in inside)}/{len(inside)} ({p_in:.1%})"
        f" · not answered: clarify {statuses['clarify']}, fallback {statuses['fallback']}"
        f" (a suggested button held the answer for {offered})"
        f" · answered wrong {statuses[Status.ANSWERED]}"
        f" · off-topic rejected {sum(o.right for o in outside)}/{len(outside)} ({p_out:.1%})"
    )
    return lines, p_in, p_out


def held_out(path: str | Path) -> bool:
    """A held-out set is measured, never read: its report shows figures only, no questions or facts."""
    return "heldout" in Path(path).name


def run_eval(use_cases, path: str, show_misses: int = 40) -> int:
    outcomes = evaluate(use_cases, load_items(path))
    if held_out(path):
        lines, _, _ = report(outcomes, 0, routes=False)
        lines.insert(0, f"{Path(path).name} is held out: figures only (no questions, no expected facts)")
    else:
        lines, _, _ = report(outcomes, show_misses)
    print("\n".join(lines))
    return 0
