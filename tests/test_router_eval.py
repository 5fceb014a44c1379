"""The router held to floors on the project's own question sets.

- tests/eval/realistic_heldout.yaml and realistic_heldout2.yaml to realistic_heldout6.yaml: frozen held-out
  realistic questions (written blind to the knowledge; each set by later writers than the one before). Nobody
  tuning the router or writing knowledge reads them; these tests report only their figures, never their
  questions, so a failure here says how much worse, not which items. Their regexes were corrected where
  graders reading every answered item (of two router versions) judged them unfair either way (items
  marked `regraded:`): the floors count what a careful reader counts.
- tests/eval/realistic_calibration.yaml: the blind set the confidence model is fitted on
  (scripts/calibrate_router.py); nobody writing knowledge reads it.
- tests/eval/realistic_dev.yaml, realistic_dev2.yaml, realistic_dev3.yaml and router_eval.yaml:
  development questions (each measured blind first), knowledge written against their misses.
`cro-bot eval FILE` prints the full report of a development set. Floors sit a little below the
measured figures (quoted in the closing note of the change that set them), so a change that makes
routing worse fails here; the targets are higher than the floors and are reported, not asserted.
"""

from pathlib import Path
from typing import NamedTuple

import pytest

from bot.evaluation import evaluate, load_items

EVAL = Path(__file__).parent / "eval"


class Floors(NamedTuple):
    right: float  # in scope: answered with every expected fact (or, if unanswerable, not answered)
    wrong: float  # in scope: answered without them, at most
    refused: float  # off topic: not answered, at least


FLOORS = {
    "realistic_heldout.yaml": Floors(right=0.52, wrong=0.03, refused=0.95),
    "realistic_heldout2.yaml": Floors(right=0.46, wrong=0.03, refused=0.95),
    "realistic_heldout3.yaml": Floors(right=0.52, wrong=0.03, refused=0.95),
    "realistic_heldout4.yaml": Floors(right=0.48, wrong=0.03, refused=0.95),
    # Measured at 4.4% wrong, over the router's 3% target: the floor guards against worse, the target is open.
    "realistic_heldout5.yaml": Floors(right=0.44, wrong=0.06, refused=0.95),
    "realistic_heldout6.yaml": Floors(right=0.44, wrong=0.03, refused=0.95),
    "realistic_calibration.yaml": Floors(right=0.50, wrong=0.04, refused=0.95),
    "realistic_dev.yaml": Floors(right=0.60, wrong=0.03, refused=0.95),
    "realistic_dev2.yaml": Floors(right=0.52, wrong=0.03, refused=0.95),
    "realistic_dev3.yaml": Floors(right=0.42, wrong=0.05, refused=0.95),
    "router_eval.yaml": Floors(right=0.57, wrong=0.04, refused=0.97),
}


class Figures(NamedTuple):
    in_scope: int
    off_topic: int
    right: float
    wrong: float
    refused: float


@pytest.fixture(scope="module")
def figures(use_cases) -> dict[str, Figures]:
    out = {}
    for name in FLOORS:
        outcomes = evaluate(use_cases, load_items(EVAL / name))
        inside = [o for o in outcomes if o.in_scope]
        outside = [o for o in outcomes if not o.in_scope]
        wrong = [o for o in inside if o.status == "answered" and not o.right]
        out[name] = Figures(
            len(inside),
            len(outside),
            sum(o.right for o in inside) / len(inside),
            len(wrong) / len(inside),
            sum(o.right for o in outside) / len(outside),
        )
    return out


def test_the_sets_are_large_enough_to_mean_something(figures):
    held_out_minimum = {1: (125, 40), 2: (125, 40), 3: (125, 40), 4: (250, 80), 5: (250, 80), 6: (250, 80)}
    for n, (in_scope, off_topic) in held_out_minimum.items():
        held_out = figures[f"realistic_heldout{n if n > 1 else ''}.yaml"]
        assert held_out.in_scope >= in_scope and held_out.off_topic >= off_topic, n
    total_in = sum(f.in_scope for f in figures.values())
    total_off = sum(f.off_topic for f in figures.values())
    own = ("realistic_heldout.yaml", "realistic_dev.yaml", "realistic_dev2.yaml", "realistic_calibration.yaml")
    assert sum(figures[n].in_scope for n in own) >= 250 and sum(figures[n].off_topic for n in own) >= 80
    assert total_in >= 250 + 246 and total_off >= 80 + 73


@pytest.mark.parametrize("name", list(FLOORS))
def test_in_scope_questions_get_the_right_answer(figures, name):
    assert figures[name].right >= FLOORS[name].right, f"{name}: {figures[name].right:.1%} answered right"


@pytest.mark.parametrize("name", list(FLOORS))
def test_wrong_answers_stay_rare(figures, name):
    assert figures[name].wrong <= FLOORS[name].wrong, f"{name}: {figures[name].wrong:.1%} answered wrong"


@pytest.mark.parametrize("name", list(FLOORS))
def test_off_topic_questions_are_not_answered(figures, name):
    assert figures[name].refused >= FLOORS[name].refused, f"{name}: {figures[name].refused:.1%} refused"
