"""The knowledge base as curated: complete, routable, within Slack's reading length, and faithful."""

import itertools
import re

import pytest
from rapidfuzz import fuzz

from bot.render import render_help

ANSWER_MAX = 900

# Issue 3's topics, each with the entry that answers it. A topic without an entry fails here.
COVERAGE = {
    "definition: CRO (commercial, academic or other)": "cro-definition",
    "definition: ARO": "aro-definition",
    "definition: contract vs clinical research organisation": "contract-vs-clinical-ro",
    "definition: ACRO": "acro",
    "definition: sponsor": "sponsor-definition",
    "definition: CDMO / CMO": "cdmo-definition",
    "definition: full-service CRO": "full-service-cro",
    "definition: functional service provider": "fsp-definition",
    "definition: biometrics / niche CROs": "niche-cro",
    "definition: therapeutic-area and regional CROs": "cro-types",
    "definition: engagement models, FTE vs fee-for-service": "engagement-models",
    "definition: CRA": "cra-definition",
    "definition: PI accountability": "pi-accountability",
    "definition: GCP": "gcp-definition",
    "definition: ICH": "ich-definition",
    "definition: ICH E6 R2 vs R3 and dates": "ich-e6",
    "definition: what changed in E6(R3)": "ich-e6-r2-vs-r3",
    "definition: ICH E8(R1)": "ich-e8",
    "definition: service provider in E6(R3)": "service-provider-r3",
    "definition: IRB / IEC": "irb-iec",
    "definition: EDC": "edc-definition",
    "definition: CRF": "crf-definition",
    "definition: eTMF": "etmf-definition",
    "definition: eSource": "esource-definition",
    "definition: SAP": "sap-definition",
    "definition: source data verification": "sdv-definition",
    "definition: risk-based monitoring": "risk-based-monitoring",
    "definition: decentralised and hybrid trial designs": "decentralised-trials",
    "definition: pharmacovigilance": "pharmacovigilance",
    "definition: database lock": "database-lock",
    "definition: 21 CFR Part 11": "part-11",
    "difference: ARO vs CRO": "aro-vs-cro",
    "difference: ARO and CRO overlap": "aro-cro-overlap",
    "difference: when to choose an ARO or a CRO": "aro-or-cro-choice",
    "difference: CRO vs CDMO": "cro-vs-cdmo",
    "difference: sponsor vs CRO": "sponsor-vs-cro",
    "difference: full-service vs FSP": "full-service-vs-fsp",
    "sponsor: any or all duties may be transferred": "delegation-scope",
    "sponsor: ultimate responsibility stays": "sponsor-ultimate-responsibility",
    "sponsor: transfers in writing": "transfer-in-writing",
    "sponsor: what is not transferred is retained": "retained-duties",
    "sponsor: CRO takes on obligations it assumes": "cro-assumes-obligations",
    "sponsor: the CRO's own QA/QC": "cro-quality-system",
    "sponsor: oversight": "sponsor-oversight",
    "sponsor: oversight of subcontracted work": "subcontracting-oversight",
    "sponsor: what the agreement specifies": "sponsor-cro-agreement",
    "sponsor: transfer of obligations (TORO)": "toro",
    "sponsor: EU CTR Art 71": "eu-ctr-art-71",
    "sponsor: co-sponsorship": "co-sponsorship",
    "hybrid: ARO leadership with CRO delivery": "hybrid-model",
    "hybrid: why it is common": "hybrid-why-common",
    "hybrid: governance unchanged": "gcp-governance-aro",
    "lifecycle: start-up": "study-startup-services",
    "lifecycle: conduct": "trial-conduct-services",
    "lifecycle: data to evidence": "data-to-evidence",
    "lifecycle: per phase": "cro-by-phase",
    "lifecycle: post-marketing": "post-marketing-surveillance",
    "lifecycle: regulatory affairs": "regulatory-affairs",
    "lifecycle: patient recruitment and retention": "patient-recruitment",
    "lifecycle: technology": "cro-technology",
    "lifecycle: site payments": "site-payments",
    "lifecycle: controlled substances (CSA/DEA)": "controlled-substances",
    "lifecycle: DMF support": "dmf-support",
    "lifecycle: data integrity controls": "data-integrity-controls",
    "sites: step-by-step relationship": "site-cro-steps",
    "sites: feasibility": "site-feasibility",
    "sites: SIV": "siv-definition",
    "sites: queries": "query-resolution",
    "sites: close-out": "close-out-visit",
    "sites: CRO functions and how each touches the site": "cro-functions-for-sites",
    "sites: what makes a repeat partner": "repeat-partner-site",
    "choosing: criteria": "choosing-a-cro",
    "choosing: due diligence": "cro-due-diligence",
    "choosing: benefits of outsourcing": "why-outsource",
    "choosing: market size and trends": "cro-market",
}
CHECKLISTS = [
    "delegation",
    "full-service",
    "monitoring",
    "data-management",
    "safety",
    "hybrid",
    "selection",
    "site",
    "toro",
]
# What people type after /cro-checklist, and the checklist they mean.
ALIASES_PEOPLE_TYPE = {
    "pharmacovigilance": "safety",
    "statistics": "data-management",
    "end-to-end": "full-service",
    "vendor selection": "selection",
    "transfer of obligations": "toro",
    "monitoring": "monitoring",
}
# Errors that gcp.md section 7 lists as common on the web; the bot must never repeat them.
MISATTRIBUTIONS = [
    (r"Regulation\s+(\(EU\)\s+)?(No\.?\s+)?514", "the CTR is 536/2014, not 514"),
    (r"E6\s*\(R3\)[^.\n]{0,40}\b5\.\d", "E6(R3) has no section 5"),
    (r"E6\s*\(R3\)[^.\n]{0,20}\b1\.53", "1.53 is E6(R2) numbering"),
    (r"adopted[^.\n]{0,40}23 Jan(uary)? 2025", "ICH adopted E6(R3) on 6 Jan 2025"),
    (r"E6\s*\(R3\)[^.\n]{0,40}3\.6\.(7|8|9|10)\b", "3.6.7-3.6.10 numbering is unconfirmed"),
]


def all_phrasings(kb):
    return [(e.id, q) for e in kb.entries.values() for q in e.questions]


def test_every_issue_topic_has_an_entry(kb):
    missing = {topic: eid for topic, eid in COVERAGE.items() if eid not in kb.entries}
    assert not missing


def test_every_phrasing_routes_back_to_its_entry(router, kb):
    misrouted = []
    for entry_id, question in all_phrasings(kb):
        result = router.route(question)
        if result.status != "answered" or result.entry.id != entry_id:
            misrouted.append((entry_id, question, result.status, result.entry and result.entry.id))
    assert not misrouted


def test_every_suggested_prompt_is_a_question_the_knowledge_answers(router, kb):
    """A suggested prompt sends its message as the person's question: it must get an answer, not a
    "did you mean" or an apology."""
    for prompt in kb.messages.prompts:
        result = router.route(prompt.message)
        assert result.status == "answered", (prompt, result.status, [s.entry_id for s in result.suggestions])


def test_every_entry_has_several_distinct_phrasings(kb):
    for entry in kb.entries.values():
        assert len(entry.questions) >= 3, entry.id
        for a, b in itertools.combinations(entry.questions, 2):
            assert fuzz.ratio(a.lower(), b.lower()) < 95, (entry.id, a, b)


def test_no_two_entries_share_a_near_identical_phrasing(router, kb):
    vocabulary = router.vocabulary
    seen: dict[tuple, tuple] = {}
    for entry_id, question in all_phrasings(kb):
        key = tuple(sorted(vocabulary.content_words(question)))
        other = seen.setdefault(key, (entry_id, question))
        assert other[0] == entry_id, f"{entry_id}: {question!r} reads the same as {other}"
    pairs = [(e, q.lower()) for e, q in all_phrasings(kb)]
    for (e1, q1), (e2, q2) in itertools.combinations(pairs, 2):
        if e1 != e2:
            assert fuzz.ratio(q1, q2) < 95, (e1, q1, e2, q2)


def test_answers_are_short_enough_to_read_in_slack(kb):
    too_long = {e.id: len(e.answer) for e in kb.entries.values() if len(e.answer) > ANSWER_MAX}
    assert not too_long


def test_answers_open_with_a_one_line_answer(kb):
    for entry in kb.entries.values():
        first = entry.answer.splitlines()[0]
        assert first.startswith("*") and first.endswith("*") and len(first) > 20, entry.id


def test_every_entry_cites_a_source_with_a_section(kb):
    for entry in kb.entries.values():
        assert entry.sources, entry.id
        assert all(c.section for c in entry.sources), entry.id


def test_regulatory_answers_cite_regulatory_sources(kb):
    regulatory = {s for s in kb.sources if s.startswith(("ich-", "cfr-", "eu-", "fda-", "ema-", "uk-"))}
    for entry in kb.entries.values():
        mentions_section = re.search(r"\b(E6\(R[23]\)|21 CFR|Art(icle)?\.? 7[12])\b", entry.answer)
        if mentions_section:
            assert any(c.source_id in regulatory for c in entry.sources), entry.id


@pytest.mark.parametrize(("pattern", "why"), MISATTRIBUTIONS)
def test_known_misattributions_never_appear(kb, pattern, why):
    texts = [(e.id, e.answer) for e in kb.entries.values()]
    texts += [(c.id, i.text) for c in kb.checklists.values() for i in (*c.items, c.closing)]
    cited = [
        (e.id, f"{kb.sources[c.source_id].label} {c.section}")
        for e in kb.entries.values()
        for e_c in [e]
        for c in e_c.sources
    ]
    offenders = [(i, t) for i, t in texts + cited if re.search(pattern, t)]
    assert not offenders, why


def test_not_advice_note_is_in_help_not_in_every_answer(kb):
    assert kb.messages.text("not_advice") in render_help(kb).text
    assert not any(
        "not legal" in e.answer.lower() or "not regulatory advice" in e.answer.lower() for e in kb.entries.values()
    )


def test_all_checklists_exist_with_enough_concrete_items(kb):
    assert set(CHECKLISTS) <= set(kb.checklists)
    for checklist in kb.checklists.values():
        assert len(checklist.items) >= 6, checklist.id
        for item in checklist.items:
            assert item.basis and len(item.text) >= 30, (checklist.id, item.text)


def test_every_checklist_ends_with_what_stays_with_the_sponsor(kb):
    for checklist in kb.checklists.values():
        closing = checklist.closing.text.lower()
        assert "sponsor" in closing and ("writing" in closing or "written" in closing), checklist.id
        assert checklist.closing.basis, checklist.id


@pytest.mark.parametrize(("typed", "checklist_id"), ALIASES_PEOPLE_TYPE.items())
def test_checklist_aliases_people_type(use_cases, typed, checklist_id):
    result = use_cases.show_checklist(typed)
    assert result.status == "answered" and result.checklist.id == checklist_id


def test_every_checklist_alias_resolves_to_its_checklist(use_cases, kb):
    for checklist in kb.checklists.values():
        for alias in (checklist.id, *checklist.aliases):
            result = use_cases.show_checklist(alias)
            assert result.checklist and result.checklist.id == checklist.id, (alias, checklist.id)


# --- "must" belongs to binding texts -----------------------------------------------------------
# ICH guidelines and EMA Q&As say "should"; only regulations (21 CFR, EU CTR, UK SIs) bind. A sentence
# that puts a duty as "must"/"has to"/"required" and cites only ICH or EMA overstates its basis.
MODAL = re.compile(r"\b(must|has to|have to|required|requires)\b", re.IGNORECASE)
# A regulation named anywhere in the sentence: then "must" has a binding basis in the same sentence.
REGULATION = re.compile(
    r"\bCFR\b|\bPart (11|50|56|312|812)\b|\b[1-9]\d{2}\.\d+|Regulation \(EU\)|\b536/2014\b|\bEU CTR\b|\bCTR\b"
    r"|\bArt(icle)?s?\.? ?\d|\bUK SI\b|\bSI \d{4}/\d+|\breg(ulation)? \d+\(|\bDirective\b"
)
# An ICH or EMA citation: a parenthesis naming ICH/E6/E8/Principle/Annex/Glossary/EMA/Q&A, or holding
# only ICH-style section numbers such as "(3.6.1)" or "(10.1-10.3)".
PARENTHESIS = re.compile(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
GUIDANCE = re.compile(r"\bICH\b|\bE6\b|\bE6\(R[23]\)|\bE8\b|\bPrinciple\b|\bAnnex\b|\bGlossary\b|\bEMA\b|Q&A", re.I)
ICH_NUMBERS = re.compile(r"^\s*(?:[1-9]\d?(?:\.\d+)+(?:\([a-z]\))?[a-z]?(?:\s*[-,;]\s*|\s+and\s+|\s*$))+$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z•*])")


def sentences(text):
    for line in text.splitlines():
        yield from (s for s in SENTENCE_END.split(line.strip()) if s)


def cites_guidance(sentence):
    return any(GUIDANCE.search(p) or ICH_NUMBERS.match(p) for p in PARENTHESIS.findall(sentence))


def guidance_only_duty(sentence, basis_ids=()):
    """True if the sentence states a duty as "must"/"required" and its only citations are ICH or EMA.
    `basis_ids` are a checklist item's basis source ids, which count as its citations too."""
    if not MODAL.search(sentence) or REGULATION.search(sentence):
        return False
    if any(s.startswith(("cfr-", "eu-", "uk-")) for s in basis_ids):
        return False
    return cites_guidance(sentence) or any(s.startswith(("ich-", "ema-")) for s in basis_ids)


@pytest.mark.parametrize(
    ("sentence", "basis", "flagged"),
    [
        ("• The sponsor must oversee the CRO (E6(R2) 5.2 addendum on sponsor oversight).", (), True),
        ("• Sponsors have to keep oversight (3.9).", (), True),
        ("• It is required by EMA inspectors (EMA GCP Q&A 17).", (), True),
        ("• The transfer must be described in writing (21 CFR 312.52(a)).", (), False),
        ("• Delegation must be in a written contract (Regulation (EU) 536/2014 Art 71; E6(R3) 3.6.4).", (), False),
        ("• The sponsor should oversee the CRO (E6(R3) Principle 10.3).", (), False),
        ("• A CRO must follow the trial's rules.", (), False),
        ("The CRO must report incidents to the sponsor.", ("ich-e6-r3",), True),
        ("The CRO must report IND safety reports on time.", ("ich-e6-r3", "cfr-21-312"), False),
        ("The agreement sets how soon visit reports reach the sponsor.", ("ema-gcp-qa17-oversight",), False),
    ],
)
def test_the_duty_detector_reads_citations_as_intended(sentence, basis, flagged):
    assert guidance_only_duty(sentence, basis) is flagged


def test_no_must_rests_on_ich_or_ema_alone(kb):
    offenders = [(e.id, s) for e in kb.entries.values() for s in sentences(e.answer) if guidance_only_duty(s)]
    for checklist in kb.checklists.values():
        for item in (*checklist.items, checklist.closing):
            basis = tuple(c.source_id for c in item.basis)
            offenders += [(checklist.id, s) for s in sentences(item.text) if guidance_only_duty(s, basis)]
    assert not offenders, "ICH and EMA say 'should'; cite a regulation or soften the verb"


# --- the {escalation_contact} placeholder ---------------------------------------------------------
LONG_CONTACT = "#clinical-quality-and-regulatory-affairs"  # a configured ESCALATION_CONTACT of a realistic length


def test_escalation_placeholder_is_exact_and_leaves_room_for_the_contact(kb):
    for entry in kb.entries.values():
        text = entry.answer.replace("{escalation_contact}", "")
        assert "escalation_contact" not in text and "escalation contact" not in text.lower(), entry.id
        for contact in (kb.messages.text("escalation_default"), LONG_CONTACT):
            filled = entry.answer.replace("{escalation_contact}", contact)
            assert len(filled) <= ANSWER_MAX, (entry.id, len(filled))


# A statement of how things stand now ("E6(R3) has replaced E6(R2)") goes out of date; the answer
# says as of when it was true, so a reader can tell (and a curator knows to re-check it).
CURRENT_STATE = re.compile(
    r"\b(currently|the current|has replaced|have replaced|now in force|is in force|are in force|"
    r"no longer in force|latest version|still in force)\b",
    re.IGNORECASE,
)


def test_answers_about_how_things_stand_now_say_as_of_when(kb):
    undated = [e.id for e in kb.entries.values() if CURRENT_STATE.search(e.answer) and "as of" not in e.answer.lower()]
    assert not undated, undated


def test_every_entry_says_when_it_was_last_reviewed(kb):
    assert all(e.reviewed for e in kb.entries.values()), [e.id for e in kb.entries.values() if not e.reviewed]
