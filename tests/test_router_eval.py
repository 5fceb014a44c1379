"""The router held to floors on the project's own evaluation set (tests/eval/router_eval.yaml).

The set was written independently of the stored phrasings (and of any question set kept outside the
repository), as people type in Slack; `cro-bot eval tests/eval/router_eval.yaml` prints the full
report. Floors sit a little below the measured figures so that a change which makes routing worse
fails here.
"""

from pathlib import Path

import pytest

from bot.evaluation import evaluate, load_items

EVAL_SET = Path(__file__).parent / "eval" / "router_eval.yaml"
MIN_IN_SCOPE_RIGHT = 0.72  # answered with the expected entry and facts
MAX_IN_SCOPE_WRONG = 0.03  # answered with the wrong entry: worse than saying "I don't know"
MIN_OFF_TOPIC_REJECTED = 0.97


@pytest.fixture(scope="module")
def outcomes(use_cases):
    return evaluate(use_cases, load_items(EVAL_SET))


def test_eval_set_is_large_enough_to_mean_something(outcomes):
    assert sum(o.in_scope for o in outcomes) >= 150
    assert sum(not o.in_scope for o in outcomes) >= 50


def test_in_scope_questions_get_the_right_answer(outcomes):
    inside = [o for o in outcomes if o.in_scope]
    right = sum(o.right for o in inside) / len(inside)
    assert right >= MIN_IN_SCOPE_RIGHT, f"{right:.1%} answered right"


def test_wrong_answers_stay_rare(outcomes):
    inside = [o for o in outcomes if o.in_scope]
    wrong = [o.question for o in inside if o.status == "answered" and not o.right]
    assert len(wrong) / len(inside) <= MAX_IN_SCOPE_WRONG, wrong


def test_off_topic_questions_are_not_answered(outcomes):
    outside = [o for o in outcomes if not o.in_scope]
    answered = [o.question for o in outside if not o.right]
    assert 1 - len(answered) / len(outside) >= MIN_OFF_TOPIC_REJECTED, answered
