"""A broken knowledge file stops start-up with a message naming file, entry, field and line.

Kinds of breakage covered (each rejected; the problem names the file, the entry and the field, and
the YAML line where there is one):

| kind                             | examples                                                        |
|----------------------------------|-----------------------------------------------------------------|
| bad YAML                         | an unclosed `[` in answers, checklists, sources (file and line)  |
| duplicate ids                    | two entries in one file or in two files; checklists; sources     |
| missing fields                   | entry title, answer, sources; checklist title, closing; source   |
|                                  | title; a checklist item's text; a citation's section             |
| unknown source ids               | an entry's citation; a checklist item's basis                    |
| unknown related ids              | `related: [sponsr-definition]`                                   |
| empty phrasings                  | `- ''` among the questions; `questions: []`                      |
| wrong types                      | title as a list, questions as text, answer as a number, aliases  |
|                                  | and related as text, an entry that is not a mapping              |
| unreadable file                  | bytes that are not UTF-8; a folder named `x.yaml`                |
| duplicate YAML keys              | `title:` twice in an entry, `intro:` twice in a checklist        |
| unknown fields                   | `titel:` in an entry, `colour:` in a checklist and in a source   |
| bad id format                    | `Sponsor Definition`, `Delegation_1`, `ICH E6`                   |
| empty answers folder             | no answer files; answer files with `entries: []`                 |
| a checklist with no items        | `items: []`, no `items:`                                         |
| an alias shared by two checklists| `transfer` in delegation.yaml and monitoring.yaml                |
| a source with a bad URL          | `ftp://x`, `https://` (no host), a space, `>|<!channel>` in it;  |
|                                  | a label with `<` or `>` (it is shown inside a Slack link)        |
"""

import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.loader import load_knowledge
from bot.settings import DEFAULT_KNOWLEDGE_DIR

MESSAGES = (DEFAULT_KNOWLEDGE_DIR / "messages.yaml").read_text()

SOURCES = """\
sources:
  - id: ich-e6-r2
    label: ICH E6(R2)
    title: ICH E6(R2) Good Clinical Practice
    publisher: ICH
    date: "2016-11-09"
    url: https://www.ich.org/page/efficacy-guidelines
"""
ANSWERS = """\
entries:
  - id: cro-definition
    title: What a CRO is
    reviewed: 2026-11-30
    questions:
      - What is a CRO?
      - define contract research organisation
      - who counts as a CRO under GCP
    answer: |
      *A CRO is contracted by the sponsor to perform trial duties.*
    sources:
      - {id: ich-e6-r2, section: "1.20"}
    related: [sponsor-definition]
  - id: sponsor-definition
    title: Who the sponsor is
    reviewed: 2026-11-30
    questions:
      - Who is the sponsor of a trial?
      - what does sponsor mean in GCP
      - define trial sponsor
    answer: |
      *The sponsor takes responsibility for the trial.*
    sources:
      - {id: ich-e6-r2, section: "1.53"}
"""
CHECKLIST = """\
checklists:
  - id: delegation
    title: Delegating duties to a CRO
    aliases: [general, transfer]
    intro: What to put in writing.
    items:
      - text: Every transferred duty is listed in the agreement.
        basis: [{id: ich-e6-r2, section: "5.2.2"}]
    closing:
      text: Anything not transferred in writing stays with the sponsor.
      basis: [{id: ich-e6-r2, section: "5.2.3"}]
"""


def make_kb(
    root: Path, answers: str = ANSWERS, checklist: str = CHECKLIST, sources: str = SOURCES, messages: str = MESSAGES
) -> Path:
    (root / "answers").mkdir(parents=True)
    (root / "checklists").mkdir()
    (root / "sources.yaml").write_text(sources)
    (root / "messages.yaml").write_text(messages)
    (root / "answers" / "core.yaml").write_text(answers)
    (root / "checklists" / "delegation.yaml").write_text(checklist)
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    return [str(p) for p in info.value.problems]


def test_valid_folder_loads(tmp_path):
    kb = load_knowledge(make_kb(tmp_path / "kb"))
    assert list(kb.entries) == ["cro-definition", "sponsor-definition"]
    assert kb.checklists["delegation"].closing.basis[0].section == "5.2.3"
    assert kb.sources["ich-e6-r2"].label == "ICH E6(R2)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - id: sponsor-definition\n",
            "  - id: cro-definition\n",
            ["entry 'cro-definition'", "field 'id'", "duplicate"],
        ),
        ("    title: Who the sponsor is\n", "", ["entry 'sponsor-definition'", "field 'title'", "missing"]),
        ('{id: ich-e6-r2, section: "1.53"}', '{id: ich-e7, section: "1.53"}', ["field 'sources[0].id'", "ich-e7"]),
        ("related: [sponsor-definition]", "related: [sponsr-definition]", ["field 'related[0]'", "sponsr-definition"]),
        ("      - define trial sponsor\n", "", ["entry 'sponsor-definition'", "field 'questions'", "at least 3"]),
        ("      - define trial sponsor\n", "      - ''\n", ["field 'questions[2]'", "non-empty"]),
        ("    title: Who the sponsor is\n", "    title: [Who, sponsor]\n", ["field 'title'", "must be text"]),
        ("      - define trial sponsor\n", "      - What is a CRO?\n", ["already used by 'cro-definition'"]),
        ("    title: Who the sponsor is\n", "    titel: Who the sponsor is\n", ["field 'titel'", "unknown field"]),
        ('{id: ich-e6-r2, section: "1.53"}', "{id: ich-e6-r2}", ["field 'sources[0]'", "section"]),
        ("  - id: sponsor-definition\n", "  - id: Sponsor Definition\n", ["field 'id'", "lower-case"]),
        (
            "    title: Who the sponsor is\n    reviewed: 2026-11-30\n",
            "    title: Who the sponsor is\n    reviewed: 2026-13-01\n",
            ["field 'reviewed'", "YYYY-MM-DD"],
        ),
        (
            "    title: Who the sponsor is\n    reviewed: 2026-11-30\n",
            "    title: Who the sponsor is\n    reviewed: 2999-01-01\n",
            ["field 'reviewed'", "future"],
        ),
        (
            "    title: Who the sponsor is\n    reviewed: 2026-11-30\n",
            "    title: Who the sponsor is\n",
            ["field 'reviewed'", "missing"],
        ),
        (
            "    title: Who the sponsor is\n",
            "    title: Who the sponsor is\n    regions: [us, mars]\n",
            ["field 'regions[1]'", "unknown region 'mars'"],
        ),
        (
            "    title: Who the sponsor is\n",
            "    title: Who the sponsor is\n    topic: Sponsor Roles\n",
            ["field 'topic'", "lower-case"],
        ),
    ],
)
def test_broken_entry_names_file_entry_and_field(tmp_path, old, new, expected):
    assert old in ANSWERS
    found = problems(make_kb(tmp_path / "kb", answers=ANSWERS.replace(old, new)))
    assert any(all(part in p for part in expected) for p in found), found
    assert all(p.startswith("knowledge/answers/core.yaml:") or "kb/answers/core.yaml" in p for p in found), found


def test_traceability_fields_load(tmp_path):
    extra = "    title: Who the sponsor is\n    topic: sponsor-responsibility\n    regions: [ich, eu]\n"
    kb = load_knowledge(make_kb(tmp_path / "kb", answers=ANSWERS.replace("    title: Who the sponsor is\n", extra)))
    entry = kb.entries["sponsor-definition"]
    assert (entry.reviewed, entry.topic, entry.regions) == ("2026-11-30", "sponsor-responsibility", ("ich", "eu"))


def test_problem_carries_the_yaml_line(tmp_path):
    broken = ANSWERS.replace('{id: ich-e6-r2, section: "1.53"}', '{id: nowhere, section: "1.53"}')
    (found,) = problems(make_kb(tmp_path / "kb", answers=broken))
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "nowhere" in text)
    assert f"core.yaml:{line}:" in found


def test_bad_yaml_names_file_and_line(tmp_path):
    broken = ANSWERS.replace("    title: Who the sponsor is\n", "    title: [unclosed\n")
    (found,) = problems(make_kb(tmp_path / "kb", answers=broken))
    assert "core.yaml:" in found and "not valid YAML" in found


def test_duplicate_yaml_key_is_refused(tmp_path):
    broken = ANSWERS.replace("    title: Who the sponsor is\n", "    title: Who the sponsor is\n    title: Again\n")
    (found,) = problems(make_kb(tmp_path / "kb", answers=broken))
    line = broken.splitlines().index("    title: Again") + 1
    assert f"kb/answers/core.yaml:{line}:" in found and "duplicate key 'title'" in found


def test_checklist_problems_name_checklist_and_field(tmp_path):
    broken = CHECKLIST.replace('basis: [{id: ich-e6-r2, section: "5.2.2"}]', "basis: []")
    found = problems(make_kb(tmp_path / "kb", checklist=broken))
    # The field names the item, so a curator finds it among a dozen.
    assert any("checklist 'delegation'" in p and "field 'items[0].basis'" in p for p in found), found
    assert all("kb/checklists/delegation.yaml:" in p for p in found), found


def test_alias_shared_by_two_checklists_is_refused(tmp_path):
    root = make_kb(tmp_path / "kb")
    other = CHECKLIST.replace("id: delegation", "id: monitoring").replace("[general, transfer]", "[transfer]")
    (root / "checklists" / "monitoring.yaml").write_text(other)
    found = problems(root)
    assert any(
        p.startswith("kb/checklists/monitoring.yaml:")
        and "checklist 'monitoring'" in p
        and "field 'aliases'" in p
        and "'transfer' already names checklist 'delegation'" in p
        for p in found
    ), found


def test_unknown_source_in_registry_fields(tmp_path):
    broken = SOURCES.replace("    url: https://www.ich.org/page/efficacy-guidelines\n", "    url: ftp://x\n")
    (found,) = problems(make_kb(tmp_path / "kb", sources=broken))
    assert "sources.yaml" in found and "source 'ich-e6-r2'" in found and "field 'url'" in found


def test_unreadable_file_is_named(tmp_path):
    root = make_kb(tmp_path / "kb")
    (root / "answers" / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    found = problems(root)
    assert any("binary.yaml" in p and "cannot read" in p for p in found), found


def test_all_problems_are_reported_at_once(tmp_path):
    broken = ANSWERS.replace('ich-e6-r2, section: "1.20"', 'nope, section: "1.20"').replace(
        "    title: Who the sponsor is\n", ""
    )
    assert len(problems(make_kb(tmp_path / "kb", answers=broken))) == 2


def test_missing_folder_says_so(tmp_path):
    (found,) = problems(tmp_path / "absent")
    assert "does not exist" in found and "KNOWLEDGE_DIR" in found


def test_yes_no_in_word_lists_gets_a_hint(tmp_path):
    root = make_kb(tmp_path / "kb")
    (root / "synonyms.yaml").write_text(
        textwrap.dedent("""\
        groups: []
        stopwords: [a, no, the]
    """)
    )
    (found,) = problems(root)
    assert "synonyms.yaml" in found and "stopwords[1]" in found and "quotes" in found


# -- every kind, table-driven ----------------------------------------------------------------------

ITEM_TEXT = "      - text: Every transferred duty is listed in the agreement.\n"
ITEMS = ITEM_TEXT + '        basis: [{id: ich-e6-r2, section: "5.2.2"}]\n'
SPONSOR_QUESTIONS = """\
    questions:
      - Who is the sponsor of a trial?
      - what does sponsor mean in GCP
      - define trial sponsor
"""


class Breakage(NamedTuple):
    kind: str
    file: str  # which file to break: "answers", "checklist" or "sources"
    old: str
    new: str
    where: str  # the file the problem must name (relative to the folder's parent)
    item: str | None  # the entry, checklist or source it must name (None: not knowable, e.g. bad YAML)
    field: str | None  # the field it must name
    says: str  # part of the message


BREAKAGES = [
    Breakage("bad YAML", "checklist", "    intro: What to put in writing.\n", "    intro: [unclosed\n",
             "kb/checklists/delegation.yaml:", None, None, "not valid YAML"),
    Breakage("bad YAML", "sources", "    label: ICH E6(R2)\n", "    label: {ICH\n",
             "kb/sources.yaml:", None, None, "not valid YAML"),
    Breakage("duplicate ids", "checklist", "", "", "kb/checklists/other.yaml:", "checklist 'delegation'", "id",
             "duplicate id (also in kb/checklists/delegation.yaml)"),
    Breakage("duplicate ids", "sources", "", "", "kb/sources.yaml:", "source 'ich-e6-r2'", "id", "duplicate source id"),
    Breakage("duplicate ids", "answers", "", "", "kb/answers/more.yaml:", "entry 'cro-definition'", "id",
             "duplicate id (also in kb/answers/core.yaml)"),
    Breakage("missing fields", "answers", "    answer: |\n      *The sponsor takes responsibility for the trial.*\n",
             "", "kb/answers/core.yaml:", "entry 'sponsor-definition'", "answer", "missing"),
    Breakage("missing fields", "answers", '    sources:\n      - {id: ich-e6-r2, section: "1.53"}\n', "",
             "kb/answers/core.yaml:", "entry 'sponsor-definition'", "sources", "at least one citation"),
    Breakage("missing fields", "checklist", "    title: Delegating duties to a CRO\n", "",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "title", "missing"),
    Breakage("missing fields", "checklist", ITEM_TEXT, "      - text: ''\n",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "items[0].text", "missing"),
    Breakage("missing fields", "checklist", '        basis: [{id: ich-e6-r2, section: "5.2.2"}]\n',
             "        basis: [{id: ich-e6-r2}]\n", "kb/checklists/delegation.yaml:", "checklist 'delegation'",
             "items[0].basis[0]", "section"),
    Breakage("missing fields", "checklist",
             '    closing:\n      text: Anything not transferred in writing stays with the sponsor.\n'
             '      basis: [{id: ich-e6-r2, section: "5.2.3"}]\n', "",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "closing", "must be a mapping"),
    Breakage("missing fields", "sources", "    title: ICH E6(R2) Good Clinical Practice\n", "",
             "kb/sources.yaml:", "source 'ich-e6-r2'", "title", "missing"),
    Breakage("unknown source ids", "checklist", '{id: ich-e6-r2, section: "5.2.2"}', '{id: ich-e7, section: "5.2.2"}',
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "items[0].basis[0].id", "'ich-e7'"),
    Breakage("empty phrasings", "answers", SPONSOR_QUESTIONS, "    questions: []\n",
             "kb/answers/core.yaml:", "entry 'sponsor-definition'", "questions", "at least 3"),
    Breakage("wrong types", "answers", SPONSOR_QUESTIONS, "    questions: Who is the sponsor?\n",
             "kb/answers/core.yaml:", "entry 'sponsor-definition'", "questions", "must be a list, not str"),
    Breakage("wrong types", "answers", "    answer: |\n      *The sponsor takes responsibility for the trial.*\n",
             "    answer: 42\n", "kb/answers/core.yaml:", "entry 'sponsor-definition'", "answer", "must be text"),
    Breakage("wrong types", "answers", "related: [sponsor-definition]", "related: sponsor-definition",
             "kb/answers/core.yaml:", "entry 'cro-definition'", "related", "must be a list, not str"),
    Breakage("wrong types", "checklist", "[general, transfer]", "general",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "aliases", "must be a list, not str"),
    Breakage("wrong types", "answers", "entries:\n  - id: cro-definition\n", "entries:\n  - just text\n  - id: x\n",
             "kb/answers/core.yaml", "entry #1", None, "must be a mapping"),
    Breakage("duplicate YAML keys", "checklist", "    intro: What to put in writing.\n",
             "    intro: What to put in writing.\n    intro: Again.\n", "kb/checklists/delegation.yaml:6:", None, None,
             "duplicate key 'intro'"),
    Breakage("unknown fields", "checklist", "    intro:", "    colour: red\n    intro:",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "colour", "unknown field"),
    Breakage("unknown fields", "sources", "    date:", "    colour: red\n    date:",
             "kb/sources.yaml:", "source 'ich-e6-r2'", "colour", "unknown field"),
    Breakage("bad id format", "checklist", "id: delegation", "id: Delegation_1",
             "kb/checklists/delegation.yaml:", "checklist 'Delegation_1'", "id", "lower-case"),
    Breakage("bad id format", "sources", "  - id: ich-e6-r2\n", "  - id: ICH E6\n",
             "kb/sources.yaml:", "source 'ICH E6'", "id", "lower-case"),
    Breakage("a checklist with no items", "checklist", ITEMS, "", "kb/checklists/delegation.yaml:",
             "checklist 'delegation'", "items", "at least one item"),
    Breakage("a checklist with no items", "checklist", "    items:\n" + ITEMS, "    items: []\n",
             "kb/checklists/delegation.yaml:", "checklist 'delegation'", "items", "at least one item"),
    Breakage("a source with a bad URL", "sources", "https://www.ich.org/page/efficacy-guidelines", "https://",
             "kb/sources.yaml:", "source 'ich-e6-r2'", "url", "host"),
    Breakage("a source with a bad URL", "sources", "https://www.ich.org/page/efficacy-guidelines",
             '"https://www.ich.org/efficacy guidelines"', "kb/sources.yaml:", "source 'ich-e6-r2'", "url", "spaces"),
    Breakage("a source with a bad URL", "sources", "https://www.ich.org/page/efficacy-guidelines",
             '"https://www.ich.org/x>|<!channel>"', "kb/sources.yaml:", "source 'ich-e6-r2'", "url", "<, > or |"),
    Breakage("a source with a bad URL", "sources", "    label: ICH E6(R2)\n", "    label: ICH E6(R2) <!here>\n",
             "kb/sources.yaml:", "source 'ich-e6-r2'", "label", "< or >"),
]  # fmt: skip


def break_kb(root: Path, breakage: Breakage) -> Path:
    if breakage.kind == "duplicate ids":  # a second file (or record) repeating an id
        make_kb(root)
        if breakage.file == "checklist":
            (root / "checklists" / "other.yaml").write_text(CHECKLIST)
        elif breakage.file == "sources":
            (root / "sources.yaml").write_text(SOURCES + SOURCES.split("sources:\n")[1])
        else:
            (root / "answers" / "more.yaml").write_text(ANSWERS.split("  - id: sponsor-definition")[0])
        return root
    texts = {"answers": ANSWERS, "checklist": CHECKLIST, "sources": SOURCES}
    original = texts[breakage.file]
    assert breakage.old in original, f"the table's {breakage.kind!r} case no longer matches the sample files"
    texts[breakage.file] = original.replace(breakage.old, breakage.new, 1)
    return make_kb(root, **texts)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[f"{b.kind}: {b.field or b.says}" for b in BREAKAGES])
def test_each_kind_of_breakage_is_rejected_naming_file_entry_and_field(tmp_path, breakage):
    found = problems(break_kb(tmp_path / "kb", breakage))

    expected = [breakage.where, breakage.says]
    expected += [breakage.item] if breakage.item else []
    expected += [f"field '{breakage.field}'"] if breakage.field else []
    assert any(all(part in p for part in expected) for p in found), f"expected {expected} in {found}"


def test_a_directory_named_like_an_answer_file_is_named_as_unreadable(tmp_path):
    root = make_kb(tmp_path / "kb")
    (root / "answers" / "drafts.yaml").mkdir()
    (found,) = problems(root)
    assert "kb/answers/drafts.yaml" in found and "cannot read" in found


def test_an_answers_folder_without_files_is_refused(tmp_path):
    root = make_kb(tmp_path / "kb")
    (root / "answers" / "core.yaml").unlink()
    (root / "answers" / "notes.txt").write_text("not YAML")
    (found,) = problems(root)
    assert "kb/answers" in found and "no answer files" in found


def test_answer_files_without_a_single_entry_are_refused(tmp_path):
    """Files that each say `entries: []` used to load: a bot with nothing to answer that passed `check`."""
    root = make_kb(tmp_path / "kb", answers="entries: []\n")
    (root / "answers" / "more.yaml").write_text("entries: []\n")
    (found,) = problems(root)
    assert "kb/answers" in found and "no entries" in found


def test_every_kind_in_the_docstring_is_tested():
    """The table in this module's docstring and the tests stay in step."""
    kinds = {line.split("|")[1].strip() for line in __doc__.splitlines() if line.startswith("| ") and "---" not in line}
    kinds -= {"kind", ""}
    tested = {b.kind for b in BREAKAGES} | {
        "unknown related ids",  # test_broken_entry_names_file_entry_and_field
        "unreadable file",  # test_unreadable_file_is_named, test_a_directory_named_like_an_answer_file...
        "empty answers folder",  # test_an_answers_folder_without_files..., test_answer_files_without_a_single...
        "an alias shared by two checklists",  # test_alias_shared_by_two_checklists_is_refused
    }
    assert kinds == tested


# -- the bot's own wording (messages.yaml) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'fallback_closest: "The closest topic I know: {titles}."',
            'fallback_closest: "The closest: {titels}."',
            ["messages", "field 'fallback_closest'", "{titels}", "allowed here: {titles}"],
        ),
        ('feedback_thanks: "Thanks', 'feedback_thanks: "Thanks {', ["field 'feedback_thanks'", "unmatched"]),
        (
            'escalation: "For anything else, ask {contact}."',
            'escalation: "For anything else, ask us."',
            ["field 'escalation'", "must use {contact}"],
        ),
        ('  cli: "For a delegation', '  clii: "For a delegation', ["field 'fallback_checklist.cli'", "missing"]),
        ("gone: ", "gonne: ", ["field 'gone'", "missing"]),
    ],
)
def test_broken_wording_names_the_message_and_field(tmp_path, old, new, expected):
    assert old in MESSAGES
    found = problems(make_kb(tmp_path / "kb", messages=MESSAGES.replace(old, new)))
    assert any(all(part in p for part in expected) for p in found), found
    assert all("kb/messages.yaml" in p for p in found), found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('follow_up_on: "On {topic}:"', 'follow_up_on: "On it:"', ["field 'follow_up_on'", "must use {topic}"]),
        ('  toro: "TORO"\n', '  toro: ""\n', ["field 'topic_names.toro'", "short text"]),
        (
            '  - title: "ARO or CRO?"\n',
            '  - title: "ARO or CRO?"\n    emoji: ":wave:"\n',
            ["field 'suggested_prompts[0]'", "only a title and a message"],
        ),
        (
            "suggested_prompts:\n",
            'suggested_prompts:\n  - {title: "a", message: "b"}\n',
            ["field 'suggested_prompts'", "1 to 4 prompts"],
        ),
    ],
)
def test_broken_agent_wording_names_the_field(tmp_path, old, new, expected):
    assert old in MESSAGES
    found = problems(make_kb(tmp_path / "kb", messages=MESSAGES.replace(old, new, 1)))
    assert any(all(part in p for part in expected) for p in found), found


def test_an_entry_topic_without_a_name_is_named(tmp_path):
    answers = ANSWERS.replace("    title: Who the sponsor is\n", "    title: Who the sponsor is\n    topic: sponsors\n")
    (found,) = problems(make_kb(tmp_path / "kb", answers=answers))
    assert "messages.yaml" in found and "field 'topic_names'" in found and "sponsors" in found


def test_missing_wording_file_is_named(tmp_path):
    root = make_kb(tmp_path / "kb")
    (root / "messages.yaml").unlink()
    (found,) = problems(root)
    assert "messages.yaml" in found and "missing" in found


def test_an_answer_may_only_name_the_escalation_contact(tmp_path):
    broken = ANSWERS.replace("*The sponsor takes responsibility for the trial.*", "*Ask {contact} about it.*")
    (found,) = problems(make_kb(tmp_path / "kb", answers=broken))
    assert "entry 'sponsor-definition'" in found and "field 'answer'" in found and "{escalation_contact}" in found
