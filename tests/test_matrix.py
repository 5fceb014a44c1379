"""The responsibility matrix and TORO list through the front door (`UseCases.build_matrix`), for the
set-ups trial teams write by hand, each checked row by row against the duty catalogue it comes from:
who holds each duty, its basis for the study's regions, what stays with the sponsor, and which Part 312
obligations the TORO lists. Then the choices that cannot be right, and the three output formats."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.domain import TRANSFEREES
from bot.matrix import MatrixChoice, MatrixError, default_holder, to_csv, to_json, to_markdown

SPONSOR_KEEPS = ("ultimate-responsibility", "sponsor-oversight")


def expected_holders(catalogue, preset: str, assignments: dict[str, str]) -> dict[str, str]:
    """Who the catalogue says holds each duty: the assignment, else the preset's, else the default."""
    planned = {d.id: default_holder(d) for d in catalogue.duties.values()}
    planned.update(dict(catalogue.presets[preset].assign) if preset else {})
    planned.update(assignments)
    return planned


def applies(citation, regions) -> bool:
    return not citation.regions or bool(set(citation.regions) & set(regions))


def check_rows_against_the_catalogue(kb, matrix, regions, preset="", assignments=None):
    catalogue = kb.duties
    holders = expected_holders(catalogue, preset, assignments or {})
    in_study = [d for d in catalogue.duties.values() if set(d.regions) & set(regions)]
    assert [r.duty.id for r in matrix.rows] == [d.id for d in in_study], "every duty of these regions, in order"
    for row, duty in zip(matrix.rows, in_study, strict=True):
        assert row.holder == holders[duty.id], duty.id
        assert row.basis == tuple(c.citation for c in duty.basis if applies(c, regions)), duty.id
        kept = duty.retained or catalogue.retained
        assert row.retained.text == kept.text, duty.id
        assert [c.citation for c in row.retained.basis] == [c.citation for c in kept.basis if applies(c, regions)]
    return holders


def expected_toro(kb, matrix) -> set[tuple[str, str, str]]:
    """(duty, section, transferee) for every Part 312 obligation of a duty the sponsor handed on."""
    return {
        (r.duty.id, line.section, r.holder)
        for r in matrix.rows
        if r.holder in TRANSFEREES and "us-ind" in r.duty.regions
        for line in r.duty.toro
    }


# -- typical set-ups ---------------------------------------------------------------------------------


def test_full_service_cro_for_a_us_ind(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind"], "full-service").matrix

    holders = check_rows_against_the_catalogue(kb, matrix, ["us-ind"], "full-service")
    assert {holders[d] for d in SPONSOR_KEEPS} == {"sponsor"}, "a preset never gives away what cannot move"
    assert {holders[d.id] for d in kb.duties.duties.values() if d.kept_by == "investigator"} == {"investigator"}
    toro = {(t.duty, t.section, t.transferee) for t in matrix.toro}
    assert toro == expected_toro(kb, matrix)
    assert ("monitoring", "312.56(a)", "cro") in toro and ("ind-safety-reports", "312.32", "cro") in toro
    sections = [t.section for t in matrix.toro]
    assert sections == sorted(sections, key=lambda s: [int(n) for n in s.replace("(", ".").split(".")[1:2]])
    assert not matrix.warnings


def test_full_service_with_medical_monitoring_kept_leaves_312_56c_off_the_toro(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind"], "full-service", [("medical-monitoring", "sponsor")]).matrix

    check_rows_against_the_catalogue(kb, matrix, ["us-ind"], "full-service", {"medical-monitoring": "sponsor"})
    assert matrix.changes == (("medical-monitoring", "sponsor"),)
    assert "312.56(c)" not in {t.section for t in matrix.toro}, "an obligation kept is not on the transfer"
    assert {(t.duty, t.section, t.transferee) for t in matrix.toro} == expected_toro(kb, matrix)


def test_monitoring_only_transfers_monitoring_and_monitor_selection(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind"], "monitoring-only").matrix

    holders = check_rows_against_the_catalogue(kb, matrix, ["us-ind"], "monitoring-only")
    moved = {d for d, h in holders.items() if h in TRANSFEREES}
    assert moved == {d for d, _ in kb.duties.presets["monitoring-only"].assign}
    assert {t.section for t in matrix.toro} == {line.section for d in moved for line in kb.duties.duties[d].toro}, (
        "only what the CRO took on is listed"
    )
    assert matrix.messages.text("matrix_toro_note") in to_markdown(matrix, kb)


def test_hybrid_aro_and_cro_lists_the_vendor_as_a_transferee(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind", "eu-ctr"], "hybrid").matrix

    holders = check_rows_against_the_catalogue(kb, matrix, ["us-ind", "eu-ctr"], "hybrid")
    assert {"vendor", "cro"} <= set(holders.values())
    toro = {(t.duty, t.section, t.transferee) for t in matrix.toro}
    assert toro == expected_toro(kb, matrix)
    assert {t.transferee for t in matrix.toro} >= {"vendor", "cro"}
    markdown = to_markdown(matrix, kb)
    assert matrix.messages.text("matrix_toro_vendor") in markdown, "an ARO taking on Part 312 duties is a CRO for them"
    if "shared" in {t.transferee for t in matrix.toro}:
        assert matrix.messages.text("matrix_toro_shared") in markdown
    # Both regions' citations: the EU's Article 71 in what the sponsor keeps, Part 312 in the basis.
    retained = {c.citation for r in matrix.rows for c in r.retained.basis}
    assert ("eu-ctr-536-2014", "Article 71") in {(c.source_id, c.section) for c in retained}


def test_an_eu_only_trial_has_no_toro_and_no_us_rules(use_cases, kb):
    built = use_cases.build_matrix(["eu-ctr"], "full-service")
    matrix = built.matrix

    check_rows_against_the_catalogue(kb, matrix, ["eu-ctr"], "full-service")
    assert matrix.toro_region is None and matrix.toro == ()
    assert not any(r.duty.regions == ("us-ind",) for r in matrix.rows), "IND-only duties are left out"
    assert not any(c.source_id.startswith("cfr-") for r in matrix.rows for c in r.basis)
    assert to_json(matrix, kb)["toro"] is None
    no_toro = matrix.messages.text("matrix_no_toro")
    assert no_toro in to_markdown(matrix, kb) and no_toro in built.reply.text
    assert matrix.messages.text("matrix_toro_heading", region="x").split(":")[0] not in to_markdown(matrix, kb)


def test_a_us_ind_with_nothing_transferred_says_everything_stays(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind"]).matrix

    holders = check_rows_against_the_catalogue(kb, matrix, ["us-ind"])
    assert set(holders.values()) <= {"sponsor", "investigator"}
    assert matrix.toro == ()
    assert matrix.messages.text("matrix_toro_none") in to_markdown(matrix, kb)


def test_a_duty_no_regulation_names_shows_as_practice_with_its_article(use_cases, kb):
    matrix = use_cases.build_matrix(["uk"], "full-service").matrix
    [payments] = [r for r in matrix.rows if r.duty.id == "site-payments"]
    assert payments.practice and payments.basis
    article = kb.sources[payments.basis[0].source_id].label
    [line] = [line for line in to_markdown(matrix, kb).splitlines() if payments.duty.title in line]
    assert article in line and matrix.messages.text("matrix_practice", sources="").split("(")[0] in line


# -- choices that cannot be right --------------------------------------------------------------------


def test_the_cro_holding_ultimate_responsibility_is_a_blocking_warning(use_cases, kb):
    matrix = use_cases.build_matrix(["us-ind"], "full-service", [("ultimate-responsibility", "cro")]).matrix

    [warning] = matrix.warnings
    duty = kb.duties.duties["ultimate-responsibility"]
    assert warning.duty == duty.id and warning.blocking
    assert duty.title in warning.text and kb.duties.holders["cro"] in warning.text
    assert duty.why_kept.text in warning.text and "5.2.1" in warning.text and "3.6.6" in warning.text
    assert warning.text in to_markdown(matrix, kb)
    assert matrix.blocking == (warning,)


@pytest.mark.parametrize("holder", ["cro", "shared", "vendor"])
def test_sponsor_oversight_cannot_be_handed_to_anyone(use_cases, holder):
    matrix = use_cases.build_matrix(["eu-ctr"], assignments=[("sponsor-oversight", holder)]).matrix
    assert [(w.duty, w.blocking) for w in matrix.warnings] == [("sponsor-oversight", True)]


@pytest.mark.parametrize("holder", ["sponsor", "cro", "vendor"])
def test_an_investigator_duty_given_away_is_flagged_but_not_blocked(use_cases, kb, holder):
    matrix = use_cases.build_matrix(["us-ind"], assignments=[("participant-care", holder)]).matrix

    [warning] = matrix.warnings
    duty = kb.duties.duties["participant-care"]
    assert warning.duty == duty.id and not warning.blocking, "a provider may do tasks: a warning, not a refusal"
    assert duty.why_kept.text in warning.text and "Q&A 11" in warning.text
    assert "participant-care" not in {t.duty for t in matrix.toro}, "never a Part 312 sponsor obligation"


def test_a_duty_set_for_a_region_the_study_lacks_is_left_out_with_a_warning(use_cases, kb):
    matrix = use_cases.build_matrix(["eu-ctr"], assignments=[("ind-safety-reports", "cro")]).matrix

    assert "ind-safety-reports" not in {r.duty.id for r in matrix.rows}
    [warning] = matrix.warnings
    assert warning.duty == "ind-safety-reports" and not warning.blocking
    assert kb.duties.regions["us-ind"].label in warning.text


def test_choosing_what_the_preset_already_says_changes_and_warns_nothing(use_cases, kb):
    preset = kb.duties.presets["full-service"]
    matrix = use_cases.build_matrix(["eu-ctr"], "full-service", list(preset.assign)).matrix
    assert matrix.changes == () and matrix.warnings == ()


@pytest.mark.parametrize(
    ("regions", "preset", "assignments", "says"),
    [
        ([], "", [], "at least one region"),
        (["us"], "", [], "unknown region 'us'"),
        (["us-ind"], "full", [], "unknown preset 'full'"),
        (["us-ind"], "", [("monitorng", "cro")], "unknown duty 'monitorng'"),
        (["us-ind"], "", [("monitoring", "aro")], "unknown holder 'aro'"),
        (["us-ind"], "", [("monitoring", "investigator")], "not an investigator duty"),
    ],
)
def test_what_the_catalogue_lacks_is_named_in_one_line(use_cases, regions, preset, assignments, says):
    with pytest.raises(MatrixError) as info:
        use_cases.build_matrix(regions, preset, assignments)
    assert says in str(info.value) and "\n" not in str(info.value)


# -- formats and the button value -----------------------------------------------------------------------


@pytest.fixture
def hybrid(use_cases):
    return use_cases.build_matrix(["us-ind", "uk"], "hybrid", [("participant-care", "cro")])


def test_every_format_says_it_is_a_drafting_aid(use_cases, kb, hybrid):
    note = kb.messages.text("matrix_drafting_aid")
    assert "regulatory lead" in note and "not regulatory advice" in note
    matrix = hybrid.matrix
    assert note in to_markdown(matrix, kb) and note in to_csv(matrix, kb) and to_json(matrix, kb)["note"] == note
    assert note in hybrid.reply.text
    assert any(note in str(b) for b in hybrid.reply.blocks if b["type"] == "context")


def test_markdown_has_the_matrix_table_and_the_itemised_toro(kb, hybrid):
    matrix, markdown = hybrid.matrix, to_markdown(hybrid.matrix, kb)
    lines = markdown.splitlines()
    words = kb.messages
    header = f"| {words.text('matrix_col_duty')} | {words.text('matrix_col_holder')} |"
    assert any(line.startswith(header) for line in lines)
    for row in matrix.rows:
        [line] = [line for line in lines if line.startswith(f"| {row.duty.title} |")]
        assert f"| {kb.duties.holders[row.holder]} |" in line
        assert row.retained.text in line
    for toro in matrix.toro:
        assert f"| {toro.obligation} | {toro.section} | {kb.duties.holders[toro.transferee]} |" in lines


def test_csv_has_one_row_per_duty_with_its_holder_basis_and_what_stays(kb, hybrid):
    matrix = hybrid.matrix
    rows = list(csv.reader(io.StringIO(to_csv(matrix, kb))))
    header, body = rows[0], rows[1 : 1 + len(matrix.rows)]
    assert header == ["duty", "title", "holder", "holder_label", "basis", "retained_by_sponsor", "toro"]
    assert [(r[0], r[2]) for r in body] == [(row.duty.id, row.holder) for row in matrix.rows]
    for cells, row in zip(body, matrix.rows, strict=True):
        for citation in row.basis:
            assert citation.section in cells[4], (row.duty.id, citation)
        assert cells[5].startswith(row.retained.text)
        assert set(filter(None, cells[6].split("; "))) == {t.section for t in matrix.toro if t.duty == row.duty.id}
    assert rows[-1] == [kb.messages.text("matrix_drafting_aid")]


def test_json_contract(kb, hybrid):
    data = json.loads(json.dumps(to_json(hybrid.matrix, kb)))
    assert set(data) == {"regions", "preset", "changes", "rows", "toro", "toro_notes", "warnings", "note"}
    assert data["regions"] == ["us-ind", "uk"] and data["preset"] == "hybrid"
    row = data["rows"][0]
    assert {"duty", "holder", "basis", "retained_by_sponsor"} <= set(row)
    assert {"id", "label", "section"} == set(row["basis"][0])
    assert {"text", "basis"} == set(row["retained_by_sponsor"])
    assert {"duty", "obligation", "section", "transferred_to"} <= set(data["toro"][0])
    assert data["warnings"] == [
        {"duty": "participant-care", "holder": "cro", "text": hybrid.matrix.warnings[0].text, "blocking": False}
    ]


def test_a_button_value_rebuilds_the_same_matrix(use_cases, kb, hybrid):
    value = hybrid.matrix.choice.value()
    assert len(value) <= 2000
    again = use_cases.matrix_from_value(value)
    assert again.matrix is not None
    assert [(r.duty.id, r.holder) for r in again.matrix.rows] == [(r.duty.id, r.holder) for r in hybrid.matrix.rows]
    assert again.matrix.warnings == hybrid.matrix.warnings
    assert MatrixChoice.from_value(value) == hybrid.matrix.choice


@pytest.mark.parametrize("value", ["", "r=mars", "r=us-ind;a=nope:cro", "r=us-ind;p=x", "garbage;;=="])
def test_a_stale_or_forged_button_value_is_gone_not_an_error(use_cases, kb, value):
    shown = use_cases.matrix_from_value(value)
    assert shown.matrix is None and shown.reply.text == kb.messages.text("gone")


def test_the_slack_reply_shows_warnings_rows_toro_and_its_buttons(kb, hybrid):
    reply, matrix = hybrid.reply, hybrid.matrix
    for warning in matrix.warnings:
        assert warning.text in reply.text
    for row in matrix.rows:
        assert f"*{row.duty.title}*: {kb.duties.holders[row.holder]}" in reply.text
    for number, toro in enumerate(matrix.toro, 1):
        assert f"{number}. {toro.obligation} ({toro.section})" in reply.text
    [actions] = [b for b in reply.blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == [matrix.choice.value()] * 2
    assert len(reply.blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply.blocks)
