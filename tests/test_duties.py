"""The duty catalogue (knowledge/duties.yaml): validated like the rest of the knowledge, each problem naming
file, duty and field; a duty with no basis is refused; adding a duty is a YAML change only; and the
shipped catalogue says nothing the references do not confirm, in the right voice."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.knowledge.duties import MODAL_BLOCKS_MAX, is_regulatory, modal_blocks
from bot.knowledge.loader import load_knowledge
from bot.matrix import MatrixChoice, build
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from tests.test_knowledge_base import MISATTRIBUTIONS, guidance_only_duty, sentences
from tests.test_knowledge_loader import SOURCES, make_kb, problems

ARTICLE = """\
  - id: csrs-cro-and-sites
    label: CSRS, "How sites work with CROs"
    title: What Is a CRO in Clinical Trials and How Sites Work with Them?
    publisher: Clinical Science Research Solutions blog
    date: undated
    url: ""
  - id: cfr-21-312
    label: 21 CFR 312
    title: "21 CFR Part 312: Investigational New Drug Application"
    publisher: US FDA
    date: current eCFR
    url: https://www.ecfr.gov/current/title-21/chapter-I/subchapter-D/part-312
"""
DUTIES = """\
regions:
  - {id: us-ind, label: US IND, toro: true}
  - {id: eu-ctr, label: EU CTR}
holders: {sponsor: Sponsor, cro: CRO, shared: Shared, vendor: Other vendor, investigator: Investigator}
groups:
  - {id: conduct, title: Running the trial}
retained:
  text: Ultimate responsibility and oversight
  basis: [{id: ich-e6-r2, section: "5.2.1"}]
duties:
  - id: monitoring
    title: Monitoring
    group: conduct
    basis:
      - {id: ich-e6-r2, section: "5.18"}
      - {id: cfr-21-312, section: "312.56(a)", regions: [us-ind]}
    toro:
      - {section: "312.56(a)", obligation: Monitoring the progress of the investigations}
  - id: site-payments
    title: Site payments
    group: conduct
    practice: true
    basis:
      - {id: csrs-cro-and-sites, section: "Site payments"}
  - id: ultimate-responsibility
    title: Ultimate responsibility
    group: conduct
    kept_by: sponsor
    basis:
      - {id: ich-e6-r2, section: "5.2.1"}
    why_kept:
      text: it stays with the sponsor
      basis: [{id: ich-e6-r2, section: "5.2.1"}]
presets:
  - id: monitoring-only
    title: Monitoring only
    description: A CRO monitors; the rest stays.
    assign: {monitoring: cro}
open_from_checklists:
  - {checklist: delegation, regions: [us-ind]}
"""


def duties_kb(root: Path, duties: str = DUTIES) -> Path:
    make_kb(root, sources=SOURCES + ARTICLE)
    (root / "duties.yaml").write_text(duties)
    return root


def test_the_sample_catalogue_loads(tmp_path):
    kb = load_knowledge(duties_kb(tmp_path / "kb"))
    catalogue = kb.duties
    assert list(catalogue.duties) == ["monitoring", "site-payments", "ultimate-responsibility"]
    assert catalogue.duties["monitoring"].regions == ("us-ind", "eu-ctr"), "no regions: every region"
    assert catalogue.duties["monitoring"].basis[1].regions == ("us-ind",)
    assert catalogue.duties["site-payments"].practice
    assert catalogue.presets["monitoring-only"].assign == (("monitoring", "cro"),)
    assert catalogue.openers == {"delegation": ("us-ind",)}


def test_a_folder_without_duties_yaml_has_no_matrix_but_loads(tmp_path):
    assert load_knowledge(make_kb(tmp_path / "kb")).duties is None


def test_a_duty_with_no_basis_is_refused(tmp_path):
    broken = DUTIES.replace('    basis:\n      - {id: csrs-cro-and-sites, section: "Site payments"}\n', "")
    assert broken != DUTIES
    [found] = problems(duties_kb(tmp_path / "kb", broken))
    assert "kb/duties.yaml" in found and "duty 'site-payments'" in found and "field 'basis'" in found
    assert "every duty needs a basis" in found


class Breakage(NamedTuple):
    name: str
    old: str
    new: str
    item: str | None  # the duty (or preset, region...) the problem must name
    field: str | None
    says: str


MONITORING_HEAD = '    title: Monitoring\n    group: conduct\n    basis:\n      - {id: ich-e6-r2, section: "5.18"}'
MONITORING_EU_ONLY = MONITORING_HEAD.replace("    basis", "    regions: [eu-ctr]\n    basis")
PAYMENTS_BASIS = '      - {id: csrs-cro-and-sites, section: "Site payments"}\n'
BREAKAGES = [
    Breakage("empty basis", PAYMENTS_BASIS, "", "duty 'site-payments'", "basis", "every duty needs a basis"),
    Breakage("practice citing a regulation", PAYMENTS_BASIS, '      - {id: ich-e6-r2, section: "5.1"}\n',
             "duty 'site-payments'", "basis", "`practice: true` cites articles only"),
    Breakage("no regulation and no practice flag", "    practice: true\n", "", "duty 'site-payments'", "basis",
             "mark the duty `practice: true`"),
    Breakage("unknown source", '{id: ich-e6-r2, section: "5.18"}', '{id: ich-e9, section: "5.18"}',
             "duty 'monitoring'", "basis[0].id", "unknown source id 'ich-e9'"),
    Breakage("citation without a section", '{id: ich-e6-r2, section: "5.18"}', "{id: ich-e6-r2}",
             "duty 'monitoring'", "basis[0]", "needs a 'section'"),
    Breakage("unknown region on a citation", "regions: [us-ind]}", "regions: [us]}",
             "duty 'monitoring'", "basis[1].regions[0]", "unknown region 'us'"),
    Breakage("citation region outside the duty's", MONITORING_HEAD, MONITORING_EU_ONLY,
             "duty 'monitoring'", "basis[1].regions[0]", "not one of the duty's regions"),
    Breakage("unknown group", "    title: Monitoring\n    group: conduct", "    title: Monitoring\n    group: running",
             "duty 'monitoring'", "group", "unknown group 'running'"),
    Breakage("kept duty without a reason", "    why_kept:\n      text: it stays with the sponsor\n"
             '      basis: [{id: ich-e6-r2, section: "5.2.1"}]\n', "", "duty 'ultimate-responsibility'", "why_kept",
             "is missing"),
    Breakage("kept by nobody known", "kept_by: sponsor", "kept_by: cro", "duty 'ultimate-responsibility'", "kept_by",
             "must be one of: sponsor, investigator"),
    Breakage("a TORO line outside Part 312", '{section: "312.56(a)", obligation', '{section: "812.40", obligation',
             "duty 'monitoring'", "toro[0]", "not a 21 CFR Part 312 section"),
    Breakage("a TORO line on a kept duty", "    why_kept:\n",
             '    toro: [{section: "312.50", obligation: Keeping the IND}]\n    why_kept:\n',
             "duty 'ultimate-responsibility'", "toro", "never on a transfer of obligations"),
    Breakage("a TORO line without a US IND region", "  - {id: us-ind, label: US IND, toro: true}\n",
             "  - {id: us-ind, label: US IND}\n", "duty 'monitoring'", "toro", "a region with toro: true"),
    Breakage("unknown field", "    title: Site payments\n", "    title: Site payments\n    colour: red\n",
             "duty 'site-payments'", "colour", "unknown field"),
    Breakage("title too long for a select", "    title: Site payments\n", f"    title: {'x' * 80}\n",
             "duty 'site-payments'", "title", "the limit is 75"),
    Breakage("duplicate duty id", "  - id: site-payments\n", "  - id: monitoring\n", "duty 'monitoring'", "id",
             "duplicate id"),
    Breakage("a preset naming an unknown duty", "assign: {monitoring: cro}", "assign: {monitorin: cro}",
             "preset 'monitoring-only'", "assign.monitorin", "unknown duty"),
    Breakage("a preset naming an unknown holder", "assign: {monitoring: cro}", "assign: {monitoring: aro}",
             "preset 'monitoring-only'", "assign.monitoring", "unknown holder 'aro'"),
    Breakage("a preset giving away what cannot move", "assign: {monitoring: cro}",
             "assign: {monitoring: cro, ultimate-responsibility: cro}", "preset 'monitoring-only'",
             "assign.ultimate-responsibility", "a preset cannot move it"),
    Breakage("a holder label missing", "vendor: Other vendor, ", "", "holders", "holders.vendor", "missing"),
    Breakage("an unknown holder", "investigator: Investigator}", "investigator: Investigator, aro: ARO}", None,
             "holders", "unknown holder 'aro'"),
    Breakage("an opener for an unknown checklist", "{checklist: delegation,", "{checklist: delegatoin,", None,
             "open_from_checklists[0].checklist", "unknown checklist 'delegatoin'"),
    Breakage("an unknown top-level field", "groups:\n", "colours: [red]\ngroups:\n", None, "colours",
             "unknown field"),
]  # fmt: skip


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.name for b in BREAKAGES])
def test_each_broken_catalogue_is_refused_naming_file_duty_and_field(tmp_path, breakage):
    assert breakage.old in DUTIES, f"the {breakage.name!r} case no longer matches the sample catalogue"
    found = problems(duties_kb(tmp_path / "kb", DUTIES.replace(breakage.old, breakage.new, 1)))

    expected = ["kb/duties.yaml", breakage.says, *([breakage.item] if breakage.item else [])]
    expected += [f"field '{breakage.field}'"] if breakage.field else []
    assert any(all(part in p for part in expected) for p in found), f"expected {expected} in {found}"


def test_a_catalogue_too_long_for_one_slack_modal_is_refused(tmp_path):
    extra = "".join(
        f"  - id: extra-{i}\n    title: Extra duty {i}\n    group: conduct\n"
        f'    basis: [{{id: ich-e6-r2, section: "5.{i}"}}]\n'
        for i in range(MODAL_BLOCKS_MAX)
    )
    found = problems(duties_kb(tmp_path / "kb", DUTIES.replace("presets:\n", extra + "presets:\n")))
    assert any("kb/duties.yaml" in p and "blocks" in p and str(MODAL_BLOCKS_MAX) in p for p in found), found


# -- the shipped catalogue ---------------------------------------------------------------------------

ISSUE_DUTIES = [  # issue 15's examples, each with the duty that is it
    "monitoring", "investigator-selection", "safety-reporting", "ind-safety-reports", "data-management",
    "biostatistics", "medical-writing", "regulatory-submissions", "records-retention", "imp-supply",
    "site-payments", "subcontractor-oversight", "medical-monitoring",
]  # fmt: skip


def test_the_shipped_catalogue_has_the_issue_duties_and_fits_slack(kb):
    catalogue = kb.duties
    assert set(ISSUE_DUTIES) <= set(catalogue.duties)
    assert set(catalogue.regions) == {"us-ind", "eu-ctr", "uk", "other"}
    assert [r.id for r in catalogue.regions.values() if r.toro] == ["us-ind"]
    assert set(catalogue.presets) == {"full-service", "monitoring-only", "hybrid"}
    assert modal_blocks(catalogue) <= MODAL_BLOCKS_MAX
    assert set(catalogue.openers) == {"delegation", "toro"}


def test_duties_no_regulation_names_are_practice_with_an_article(kb):
    for duty_id in ("site-payments", "medical-writing", "biostatistics"):
        duty = kb.duties.duties[duty_id]
        assert duty.practice, duty_id
        assert duty.basis and not any(is_regulatory(c.citation.source_id) for c in duty.basis), duty_id


def test_what_cannot_move_is_marked_and_never_on_a_toro(kb):
    duties = kb.duties.duties
    assert duties["ultimate-responsibility"].kept_by == "sponsor"
    assert duties["sponsor-oversight"].kept_by == "sponsor"
    investigators = [d for d in duties.values() if d.kept_by == "investigator"]
    assert len(investigators) >= 2
    for duty in (d for d in duties.values() if d.kept_by):
        assert duty.why_kept and duty.why_kept.basis and not duty.toro, duty.id
    # The investigator's duties rest on what says they stay with the investigator (EMA Q&A 11, R3 3.6.5, 2.x).
    cited = {c.citation.source_id for d in investigators for c in (*d.basis, *d.why_kept.basis)}
    assert {"ema-gcp-qa11-investigator-tasks", "ich-e6-r3"} <= cited


def test_every_toro_line_is_a_part_312_section_the_duty_cites_for_a_us_ind(kb):
    for duty in kb.duties.duties.values():
        us_citations = " ".join(
            c.citation.section
            for c in duty.basis
            if c.citation.source_id == "cfr-21-312" and (not c.regions or "us-ind" in c.regions)
        )
        for line in duty.toro:
            number = line.section.split("(")[0]
            assert number in us_citations, f"{duty.id}: TORO line {line.section} is not in its US basis"


def test_the_catalogue_never_puts_an_ich_only_duty_as_must(kb):
    catalogue = kb.duties
    texts = [(catalogue.retained.text, catalogue.retained.basis)]
    for duty in catalogue.duties.values():
        texts.append((duty.title, duty.basis))
        texts += [(r.text, r.basis) for r in (duty.why_kept, duty.retained) if r]
        texts += [(t.obligation, duty.basis) for t in duty.toro]
    texts += [(p.description, ()) for p in catalogue.presets.values()]
    offenders = []
    for text, basis in texts:
        ids = tuple(c.citation.source_id for c in basis)
        offenders += [s for s in sentences(text) if guidance_only_duty(s, ids)]
    assert not offenders, "ICH and EMA say 'should'"
    cited = [f"{kb.sources[c.citation.source_id].label} {c.citation.section}" for _, basis in texts for c in basis]
    for pattern, why in MISATTRIBUTIONS:
        assert not any(re.search(pattern, t) for t in [*(t for t, _ in texts), *cited]), why


def test_adding_a_duty_is_a_yaml_change_only(tmp_path):
    """A curator adds a duty to duties.yaml: it loads, shows in the matrix with its basis and, for a US IND
    when transferred, on the TORO list. No Python changes."""
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, root)
    path = root / "duties.yaml"
    new_duty = """\
  - id: dsmb-support
    title: "Supporting the data monitoring committee"
    group: safety
    basis:
      - {id: ich-e6-r3, section: "Annex 1 3.6.1"}
      - {id: cfr-21-312, section: "312.56(c)", regions: [us-ind]}
    toro:
      - {section: "312.56(c)", obligation: "Giving the committee the safety evidence as it comes in"}

"""
    text = path.read_text()
    path.write_text(
        text.replace("  # --- the investigator's own duties", new_duty + "  # --- the investigator's own duties")
    )
    kb = load_knowledge(root)
    assert "dsmb-support" in kb.duties.duties

    matrix = build(kb, MatrixChoice(("us-ind",), "", (("dsmb-support", "cro"),)))
    [row] = [r for r in matrix.rows if r.duty.id == "dsmb-support"]
    assert row.holder == "cro" and ("cfr-21-312", "312.56(c)") in {(c.source_id, c.section) for c in row.basis}
    assert ("dsmb-support", "312.56(c)") in {(t.duty, t.section) for t in matrix.toro}
