"""A broken knowledge file stops start-up with a message naming file, entry, field and line."""

import textwrap
from pathlib import Path

import pytest

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.loader import load_knowledge

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


def make_kb(root: Path, answers: str = ANSWERS, checklist: str = CHECKLIST, sources: str = SOURCES) -> Path:
    (root / "answers").mkdir(parents=True)
    (root / "checklists").mkdir()
    (root / "sources.yaml").write_text(sources)
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
    ],
)
def test_broken_entry_names_file_entry_and_field(tmp_path, old, new, expected):
    assert old in ANSWERS
    found = problems(make_kb(tmp_path / "kb", answers=ANSWERS.replace(old, new)))
    assert any(all(part in p for part in expected) for p in found), found
    assert all(p.startswith("knowledge/answers/core.yaml:") or "kb/answers/core.yaml" in p for p in found), found


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
    assert "duplicate key 'title'" in found


def test_checklist_problems_name_checklist_and_field(tmp_path):
    broken = CHECKLIST.replace('basis: [{id: ich-e6-r2, section: "5.2.2"}]', "basis: []")
    found = problems(make_kb(tmp_path / "kb", checklist=broken))
    assert any("checklist 'delegation'" in p and "items" not in p and "basis" in p for p in found), found


def test_alias_shared_by_two_checklists_is_refused(tmp_path):
    root = make_kb(tmp_path / "kb")
    other = CHECKLIST.replace("id: delegation", "id: monitoring").replace("[general, transfer]", "[transfer]")
    (root / "checklists" / "monitoring.yaml").write_text(other)
    found = problems(root)
    assert any("'transfer' already names checklist 'delegation'" in p for p in found), found


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
