"""Follow-ups read with their thread's last answer (bot/routing/followup.py), on the real knowledge.

The pairs are ones the knowledge really answers: after the TORO entry, "and in the EU?" is the entry
on TORO outside the US (which states the EU position, CTR Art 71), not an apology."""

from __future__ import annotations

import pytest

from bot.routing.followup import family, points_back, regions_named, route_follow_up

FOLLOW_UPS = {
    # (previous entry, follow-up): the entry that answers it on the previous topic
    ("toro", "and in the EU?"): "toro-non-us-trials",
    ("toro", "who signs it?"): "toro-signatures",
    ("toro", "what about devices?"): "devices-cro",
    ("toro", "does it need updating?"): "toro-updates",
    ("record-retention-periods", "and in the EU?"): "retention-eu-ctr",
    ("record-retention-periods", "and in the US?"): "retention-us-ind",
    ("sponsor-ultimate-responsibility", "and in the EU?"): "eu-ctr-art-71",
    ("aro-vs-cro", "which should we use?"): "aro-or-cro-choice",
}


@pytest.mark.parametrize(("previous", "question"), FOLLOW_UPS, ids=[f"{p}: {q}" for p, q in FOLLOW_UPS])
def test_a_follow_up_is_answered_on_the_previous_topic(router, kb, previous, question):
    follow = route_follow_up(router, question, kb.entries[previous])

    assert follow.result.status == "answered", (follow.result.status, follow.result.suggestions)
    assert follow.result.entry.id == FOLLOW_UPS[previous, question]
    assert follow.context is kb.entries[previous], "the answer says which topic it took"


@pytest.mark.parametrize(
    ("previous", "question"),
    [("safety-responsibility-cro", "and in the EU?"), ("sponsor-ultimate-responsibility", "and in the US?")],
)
def test_a_region_follow_up_stays_in_the_family_and_states_that_region(router, kb, previous, question):
    follow = route_follow_up(router, question, kb.entries[previous])

    assert follow.result.status == "answered" and follow.context is kb.entries[previous]
    assert follow.result.entry.id in family(kb.entries[previous], kb)
    assert regions_named(question) & set(follow.result.entry.regions)


def test_words_that_say_nothing_on_the_topic_are_not_answered_from_it(router, kb):
    """ "TORO" beside "what about the weather?" would route to a TORO entry on its own: the question's
    own words must choose the entry, not the topic's name."""
    for question in ("what about the weather?", "what is an ORM?"):
        follow = route_follow_up(router, question, kb.entries["toro"])
        assert follow.result.status != "answered" and follow.context is None, question


def test_the_same_follow_up_alone_is_not_answered(router):
    """What the thread adds: on its own "and in the EU?" says nothing the bot can answer."""
    assert router.route("and in the EU?").status != "answered"
    assert router.route("who signs it?").status != "answered"


def test_a_region_follow_up_gets_an_answer_stating_that_region(router, kb):
    for (previous, question), expected in FOLLOW_UPS.items():
        asked = regions_named(question)
        if asked:
            assert asked & set(kb.entries[expected].regions), (previous, question, expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("what is an ARO?", "aro-definition"), ("who is the sponsor of a clinical trial?", "sponsor-definition")],
)
def test_a_question_that_changes_topic_is_routed_on_its_own(router, kb, question, expected):
    follow = route_follow_up(router, question, kb.entries["toro"])

    assert follow.result == router.route(question)
    assert follow.result.entry.id == expected
    assert follow.context is None, "no 'On TORO:' on an answer about something else"


def test_a_follow_up_with_a_subject_of_its_own_keeps_its_own_reading(router, kb):
    """ "what about monitoring visits?" opens like a follow-up but names its own subject."""
    question = "what about monitoring visits?"

    follow = route_follow_up(router, question, kb.entries["toro"])

    assert follow.result == router.route(question)
    assert follow.context is None


def test_no_region_answer_without_that_region(router, kb):
    """Nothing on TORO states a UK position: better an honest "I don't know" than the US answer."""
    follow = route_follow_up(router, "and in the UK?", kb.entries["toro"])

    assert follow.result.entry is None or "uk" in follow.result.entry.regions


def test_a_short_question_pointing_back_may_get_the_previous_answer_again(router, kb):
    follow = route_follow_up(router, "who writes it?", kb.entries["monitoring-plan"])

    assert follow.result.entry.id == "monitoring-plan" and follow.context.id == "monitoring-plan"


def test_thanks_is_not_a_question_about_the_topic(router, kb):
    follow = route_follow_up(router, "thanks!", kb.entries["toro"])

    assert follow.result.status == "help" and follow.context is None


def test_without_a_previous_answer_a_question_is_routed_as_ever(router):
    for question in ("and in the EU?", "what is a TORO?", "thanks"):
        assert route_follow_up(router, question, None).result == router.route(question)


def test_the_family_is_related_entries_topic_mates_and_entries_pointing_back(kb):
    toro = kb.entries["toro"]

    near = family(toro, kb)

    assert "toro" not in near
    assert {e: near[e] for e in toro.related} == dict.fromkeys(toro.related, 0)
    mates = [e.id for e in kb.entries.values() if e.topic == "toro" and e.id != "toro" and e.id not in toro.related]
    assert mates and all(near[e] == 1 for e in mates), "same topic"
    pointing = [e.id for e in kb.entries.values() if "toro" in e.related and e.topic != "toro"]
    assert pointing and all(near[e] == 2 for e in pointing if e not in toro.related), "lists toro as related"
    assert "aro-definition" not in near


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("and in the EU?", {"eu"}),
        ("what about Europe", {"eu"}),
        ("and the EEA?", {"eu"}),
        ("MHRA?", {"uk"}),
        ("in the United Kingdom", {"uk"}),
        ("and in the US?", {"us"}),
        ("U.S. sites", {"us"}),
        ("what does FDA say", {"us"}),
        ("under ICH?", {"ich"}),
        ("tell us more", set()),
        ("Us too", set()),
        ("<@U123> and in the EU?", {"eu"}),
    ],
)
def test_regions_named(text, regions):
    assert regions_named(text) == regions


@pytest.mark.parametrize(
    ("text", "short"),
    [("who signs it?", True), ("can it be remote?", True), ("what is a CRO and what does it do?", False)],
)
def test_only_a_short_question_points_back(text, short):
    assert points_back(text) is short
