"""What a person asking the bot notices: the right answer, an honest "I don't know", or a choice."""

import pytest

from bot.domain import Status
from bot.knowledge.model import Citation, Entry, KnowledgeBase
from bot.routing.confidence import LEXICAL_FEATURES, Calibration, Model
from bot.routing.router import Router
from bot.routing.thresholds import Thresholds

ANSWERED, CLARIFY, FALLBACK, HELP = Status.ANSWERED, Status.CLARIFY, Status.FALLBACK, Status.HELP


def route(router, text):
    return router.route(text)


PEOPLE_ASK = [
    ("What is an ARO?", "aro-definition"),
    ("what is an aro in clincal research", "aro-definition"),
    ("ARO vs. CRO?!", "aro-vs-cro"),
    ("<@U0ABCDEF1> what's the difference between an ARO and a CRO?", "aro-vs-cro"),
    ("hi :wave: *what is a CRA?*", "cra-definition"),
    ("WHAT IS SOURCE DATA VERIFICATION", "sdv-definition"),
    ("what is SDV", "sdv-definition"),
    (
        "who is responsible for data integrity when duties are outsourced to a CRO",
        "sponsor-ultimate-responsibility",
    ),
    ("what does a sponsor have to put in writing when it hands tasks to a CRO", "transfer-in-writing"),
    ("hybrid models", "hybrid-model"),
    ("what is a transfer of obligations", "toro"),
    ("how is a CRO different from a CDMO", "cro-vs-cdmo"),
    ("see <#C0123ABC|trial-ops> — what is an SIV?", "siv-definition"),
]


@pytest.mark.parametrize(("question", "entry_id"), PEOPLE_ASK)
def test_questions_people_ask_reach_their_entry(router, question, entry_id):
    result = route(router, question)
    chosen = result.entry.id if result.entry else (result.suggestions[0].entry_id if result.suggestions else None)
    assert result.status in (ANSWERED, CLARIFY), (result.status, result.suggestions)
    assert chosen == entry_id, "answered with it, or it is the first 'did you mean'"


def test_most_questions_people_ask_are_answered_outright(router):
    answered = [
        q for q, entry_id in PEOPLE_ASK if (r := route(router, q)).status == ANSWERED and r.entry.id == entry_id
    ]
    assert len(answered) >= 0.85 * len(PEOPLE_ASK), set(q for q, _ in PEOPLE_ASK) - set(answered)


@pytest.mark.parametrize(
    "question",
    [
        "what is an ORM",
        "what is a CDN",
        "what is a hybrid car",
        "what is GCP pricing for compute engine",
        "what's the difference between tea and coffee",
        "who is responsible for the fire drill",
        "what's for lunch today",
        "how do I choose a good restaurant",
        "what should my employment contract include",
        "what is the monitoring dashboard URL for prod",
        "qwertyuiop",
        "the quick brown fox jumps over the lazy dog",
        # every word of these occurs in the knowledge base, but none is clinical (the anchor rule)
        "what are the benefits of remote work",
        "what is medical writing as a career",
        "what is a one stop shop",
        "who keeps the office keys",
        "how do I transfer my pension",
    ],
)
def test_off_topic_questions_are_not_answered(router, question):
    assert route(router, question).status in (FALLBACK, CLARIFY)


@pytest.mark.parametrize("text", ["", "   ", "hi", "hello there!", "help", ":wave:", "<@U0ABCDEF1>", "thanks!", "ok"])
def test_empty_greetings_and_help_get_the_help_reply(router, text):
    assert route(router, text).status == HELP


def test_huge_message_is_routed_without_trouble(router):
    result = route(router, "what is an ARO? " + "blah " * 8000)
    assert result.status in (ANSWERED, CLARIFY, FALLBACK)


def _tiny_kb(*entries: Entry) -> KnowledgeBase:
    return KnowledgeBase(root=None, entries={e.id: e for e in entries})


def _entry(entry_id: str, *questions: str) -> Entry:
    return Entry(entry_id, entry_id.replace("-", " "), questions, "*answer*", (Citation("s", "1"),))


# A confidence that is simply the lexical score, so these tests check the decision rules themselves
# (answer, ask which one, say so), whatever weights the fitted model has.
LEXICAL_SCORE_ONLY = Model(LEXICAL_FEATURES, tuple(1.0 if f == "lexical" else 0.0 for f in LEXICAL_FEATURES), 0.0)


class _Identity(Model):
    def probability(self, values):
        return values["lexical"]  # the lexical score is the confidence


IDENTITY = _Identity(*LEXICAL_SCORE_ONLY)
RULES = Calibration(IDENTITY, IDENTITY, "tests")
MONITORING = _tiny_kb(
    _entry("monitoring-plan", "what goes in a monitoring plan", "monitoring plan contents"),
    _entry("monitoring-report", "what goes in a monitoring report", "monitoring report contents"),
    _entry("archiving", "how long do we archive records", "record retention period"),
)


def test_close_calls_ask_which_one_with_up_to_three_suggestions():
    result = Router(MONITORING, calibration=RULES).route("monitoring contents", Thresholds(lexical_answer=0.95))
    assert result.status == CLARIFY
    assert {s.entry_id for s in result.suggestions} == {"monitoring-plan", "monitoring-report"}
    assert len(result.suggestions) <= 3


def test_a_weak_single_candidate_is_not_answered_but_named_as_the_closest_topic():
    result = Router(MONITORING, calibration=RULES).route(
        "records", Thresholds(lexical_answer=0.95, lexical_clarify=0.3, lexical_suggest=0.95)
    )
    assert result.status == FALLBACK
    assert [s.entry_id for s in result.suggestions] == ["archiving"]


def test_a_likely_single_candidate_is_offered_alone_as_did_you_mean():
    router = Router(MONITORING, calibration=RULES)
    score = router.route("records", Thresholds(lexical_answer=0.95, lexical_suggest=0.95)).score / 100  # rounded
    likely = router.route(
        "records", Thresholds(lexical_answer=0.95, lexical_clarify=0.3, lexical_suggest=score - 0.002)
    )
    assert likely.status == CLARIFY
    assert [s.entry_id for s in likely.suggestions] == ["archiving"]
    unlikely = router.route(
        "records", Thresholds(lexical_answer=0.95, lexical_clarify=0.3, lexical_suggest=score + 0.01)
    )
    assert unlikely.status == FALLBACK


def test_clear_winner_is_answered_and_thresholds_are_settings():
    router = Router(MONITORING, calibration=RULES)
    assert router.route("monitoring plan contents?").status == ANSWERED
    never = Thresholds(answer=1.01, lexical_answer=1.01)
    assert router.route("monitoring plan contents?", never).status != ANSWERED


def test_a_second_question_in_the_message_is_offered_as_well():
    router = Router(MONITORING, calibration=RULES)
    result = router.route("What goes in a monitoring plan? And how long do we archive records?")
    assert result.status == ANSWERED and result.entry.id == "monitoring-plan"
    assert [s.entry_id for s in result.also] == ["archiving"]


def test_context_before_the_question_is_read_with_it(router):
    question = "We're a university trials unit and a drug company wants to pay us for monitoring. Are we a CRO then?"
    result = router.route(question)
    chosen = result.entry.id if result.entry else (result.suggestions[0].entry_id if result.suggestions else None)
    # "Are we a CRO then?" alone would be "what is a CRO"; read with its context it is about an
    # academic unit contracted for sponsor work, which these entries answer. Whether the bot answers,
    # offers choices or names the closest topic depends on thresholds refitted with the knowledge;
    # what this test pins is the reading: the entry it picks, and that it picks one.
    assert result.status in (ANSWERED, CLARIFY) or result.suggestions, result
    assert chosen in {"cro-definition", "aro-cro-overlap", "academic-sponsor-using-cro", "aro-definition"}, chosen


def test_a_message_in_another_language_gets_the_english_only_reply(router):
    result = router.route("Wer ist verantwortlich, wenn wir das Monitoring an ein CRO auslagern?")
    assert result.status == FALLBACK and result.reason == "not_english"


def test_checklist_topics_match_by_id_alias_and_spelling(use_cases):
    assert use_cases.show_checklist("monitoring").checklist.id == "monitoring"
    assert use_cases.show_checklist("monitering").checklist.id == "monitoring"
    assert use_cases.show_checklist("Pharmacovigilance").checklist.id == "safety"
    assert use_cases.show_checklist("checklist for safety reporting please").checklist.id == "safety"
    assert use_cases.show_checklist("").status == HELP
    assert use_cases.show_checklist("help").status == HELP
    assert use_cases.show_checklist("zzzz").status == FALLBACK
