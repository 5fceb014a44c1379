"""The responsibility matrix and, for a US IND, the TORO list: built from the duty catalogue
(knowledge/duties.yaml) for the study's regions and who holds each duty, and written out as Markdown,
CSV or JSON. Pure Python, no Slack imports: the CLI and the Slack modal both come through
`UseCases.build_matrix` to `build` here. Every word that is not a duty's own comes from
knowledge/messages.yaml.

Who holds a duty: an explicit assignment, else the preset's, else its default (the investigator for
the investigator's own duties, the sponsor for everything else). Choices that cannot be right (the CRO
holding ultimate responsibility, an investigator duty handed to the CRO) are kept and flagged; those that
take a duty the sponsor can never give away are `blocking`, and the modal refuses them.
"""

from __future__ import annotations

import csv
import io
import re
from typing import NamedTuple

from bot.buttons import matrix_value, parse_matrix_value
from bot.domain import TRANSFEREES, Holder
from bot.knowledge.duties import is_regulatory
from bot.knowledge.messages import Messages
from bot.knowledge.model import (
    Citation,
    Duty,
    DutyCatalogue,
    KnowledgeBase,
    Preset,
    Reason,
    Region,
    RegionalCitation,
)


class MatrixError(ValueError):
    """A region, preset, duty or holder the catalogue does not have; the message says which, in one line."""


class MatrixChoice(NamedTuple):
    """What a matrix is built from: ids only, so it can travel in a button's value."""

    regions: tuple[str, ...]
    preset: str = ""
    assignments: tuple[tuple[str, str], ...] = ()  # (duty id, holder id); later ones win

    def value(self) -> str:
        return matrix_value(self.regions, self.preset, self.assignments)

    @classmethod
    def from_value(cls, value: str) -> MatrixChoice:
        regions, preset, assignments = parse_matrix_value(value)
        return cls(regions, preset, assignments)


class Row(NamedTuple):
    duty: Duty
    holder: str
    basis: tuple[Citation, ...]  # the duty's citations that apply to the study's regions
    retained: Reason  # what stays with the sponsor, its citations narrowed to the regions
    default_retained: bool  # the catalogue's general text, not the duty's own

    @property
    def practice(self) -> bool:
        """No regulatory text the bot draws on names this duty for these regions: its basis is practice."""
        return not any(is_regulatory(c.source_id) for c in self.basis)


class ToroLine(NamedTuple):
    duty: str
    section: str
    obligation: str
    transferee: str  # cro, shared or vendor


class MatrixWarning(NamedTuple):
    duty: str
    holder: str
    text: str
    blocking: bool  # the sponsor can never give this away: the modal refuses the choice


class Matrix(NamedTuple):
    choice: MatrixChoice  # regions de-duplicated; only the assignments that changed something
    regions: tuple[Region, ...]
    preset: Preset | None
    rows: tuple[Row, ...]
    toro_region: Region | None  # None: no region of the study has a TORO
    toro: tuple[ToroLine, ...]
    warnings: tuple[MatrixWarning, ...]
    changes: tuple[tuple[str, str], ...]  # assignments that differ from the preset (or the defaults)
    retained: Reason  # what the sponsor keeps for every duty that does not say otherwise, for these regions
    catalogue: DutyCatalogue
    messages: Messages

    @property
    def blocking(self) -> tuple[MatrixWarning, ...]:
        return tuple(w for w in self.warnings if w.blocking)

    def label(self, holder: str) -> str:
        return self.catalogue.holders.get(holder, holder)

    def region_names(self) -> str:
        return ", ".join(r.label for r in self.regions)


def catalogue_of(kb: KnowledgeBase) -> tuple[DutyCatalogue, Messages]:
    """The duty catalogue and the wording the matrix is written in; MatrixError if there is none."""
    if kb.duties is None or kb.messages is None:
        raise MatrixError(kb.messages.text("matrix_unavailable") if kb.messages else "no duty catalogue")
    return kb.duties, kb.messages


def default_holder(duty: Duty) -> str:
    return duty.kept_by or Holder.SPONSOR


def preset_named(catalogue: DutyCatalogue, name: str) -> Preset | None:
    """The preset `name` means: its id or its title, in any case and spacing ("Full-service CRO")."""
    key = " ".join(name.lower().replace("_", "-").split())
    for preset in catalogue.presets.values():
        if key in (preset.id, preset.title.lower(), preset.id.replace("-", " ")):
            return preset
    return None


def _known(kind: str, name: str, known: list[str]) -> MatrixError:
    return MatrixError(f"unknown {kind} '{name}' (known: {', '.join(known)})")


def _narrow(basis: tuple[RegionalCitation, ...], regions: set[str]) -> tuple[Citation, ...]:
    return tuple(c.citation for c in basis if not c.regions or regions.intersection(c.regions))


def _narrow_reason(reason: Reason, regions: set[str]) -> Reason:
    return Reason(reason.text, tuple(RegionalCitation(c) for c in _narrow(reason.basis, regions)))


def build(kb: KnowledgeBase, choice: MatrixChoice) -> Matrix:
    """The matrix for `choice`; MatrixError for anything the catalogue does not know."""
    catalogue, messages = catalogue_of(kb)
    region_ids = tuple(dict.fromkeys(choice.regions))
    if not region_ids:
        raise MatrixError(f"name at least one region ({', '.join(catalogue.regions)})")
    for region in region_ids:
        if region not in catalogue.regions:
            raise _known("region", region, list(catalogue.regions))
    preset = None
    if choice.preset:
        preset = catalogue.presets.get(choice.preset)
        if preset is None:
            raise _known("preset", choice.preset, list(catalogue.presets))
    planned = {d.id: default_holder(d) for d in catalogue.duties.values()}
    planned.update(dict(preset.assign) if preset else {})
    explicit: dict[str, str] = {}
    for duty_id, holder in choice.assignments:
        duty = catalogue.duties.get(duty_id)
        if duty is None:
            raise _known("duty", duty_id, list(catalogue.duties))
        if holder not in catalogue.holders:
            known = ", ".join(_not_investigator())
            raise MatrixError(f"unknown holder '{holder}' for {duty_id} (known: {known}; investigator for its duties)")
        if holder == Holder.INVESTIGATOR and duty.kept_by != Holder.INVESTIGATOR:
            raise MatrixError(f"{duty_id} is not an investigator duty: give it to {', '.join(_not_investigator())}")
        explicit[duty_id] = holder
    chosen = set(region_ids)
    rows, warnings = [], []
    for duty in catalogue.duties.values():
        holder = explicit.get(duty.id, planned[duty.id])
        if not chosen.intersection(duty.regions):
            if duty.id in explicit and holder != planned[duty.id]:
                names = ", ".join(catalogue.regions[r].label for r in duty.regions)
                text = messages.text("matrix_warning_region", duty=duty.title, regions=names)
                warnings.append(MatrixWarning(duty.id, holder, text, False))
            continue
        retained = _narrow_reason(duty.retained or catalogue.retained, chosen)
        rows.append(Row(duty, holder, _narrow(duty.basis, chosen), retained, duty.retained is None))
        if duty.kept_by and holder != duty.kept_by and duty.why_kept:
            reason = f"{duty.why_kept.text} ({_cited(_narrow(duty.why_kept.basis, chosen), kb)})"
            text = messages.text("matrix_warning", duty=duty.title, holder=catalogue.holders[holder], reason=reason)
            warnings.append(MatrixWarning(duty.id, holder, text, duty.kept_by == Holder.SPONSOR))
    changes = tuple((d, h) for d, h in explicit.items() if h != planned[d])
    toro_region = next((catalogue.regions[r] for r in region_ids if catalogue.regions[r].toro), None)
    toro: list[ToroLine] = []
    if toro_region is not None:
        for row in rows:
            if row.holder in TRANSFEREES and toro_region.id in row.duty.regions:
                toro += [ToroLine(row.duty.id, t.section, t.obligation, row.holder) for t in row.duty.toro]
        toro.sort(key=lambda line: _section_key(line.section))
    return Matrix(
        MatrixChoice(region_ids, preset.id if preset else "", changes),
        tuple(catalogue.regions[r] for r in region_ids),
        preset,
        tuple(rows),
        toro_region,
        tuple(toro),
        tuple(warnings),
        changes,
        _narrow_reason(catalogue.retained, chosen),
        catalogue,
        messages,
    )


def _not_investigator() -> list[str]:
    return [h.value for h in Holder if h != Holder.INVESTIGATOR]


def _section_key(section: str) -> tuple:
    """312.32 < 312.53(a) < 312.53(b) < 312.56(a): numbers as numbers, then the letters."""
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|[a-z]+", section))


def _cited(citations: tuple[Citation, ...], kb: KnowledgeBase) -> str:
    """ "ICH E6(R2), 5.2.1; ICH E6(R3), Annex 1 3.6.6": each source's label and section, as answers cite them."""
    return "; ".join(f"{kb.sources[c.source_id].label}, {c.section}" for c in citations)


def basis_text(row: Row, kb: KnowledgeBase, messages: Messages) -> str:
    """The regulatory citations, then the articles marked as practice."""
    regulatory = tuple(c for c in row.basis if is_regulatory(c.source_id))
    practice = tuple(c for c in row.basis if not is_regulatory(c.source_id))
    parts = [_cited(regulatory, kb)] if regulatory else []
    if practice:
        parts.append(messages.text("matrix_practice", sources=_cited(practice, kb)))
    return "; ".join(parts)


def reason_text(reason: Reason, kb: KnowledgeBase) -> str:
    cited = _cited(tuple(c.citation for c in reason.basis), kb)
    return f"{reason.text} ({cited})" if cited else reason.text


def summary_lines(matrix: Matrix) -> list[str]:
    """The starting point and what was changed from it, as plain sentences."""
    words, lines = matrix.messages, []
    if matrix.preset:
        lines.append(words.text("matrix_preset", preset=matrix.preset.title))
    if matrix.preset and matrix.changes:
        titles = ", ".join(f"{matrix.catalogue.duties[d].title} → {matrix.label(h)}" for d, h in matrix.changes)
        lines.append(words.text("matrix_changes", changes=titles))
    return lines


def toro_notes(matrix: Matrix) -> list[str]:
    """What goes under the TORO list: what is not listed stays, and what shared or vendor lines mean."""
    words = matrix.messages
    if matrix.toro_region is None:
        return [words.text("matrix_no_toro")]
    notes = [words.text("matrix_toro_note") if matrix.toro else words.text("matrix_toro_none")]
    holders = {line.transferee for line in matrix.toro}
    if Holder.SHARED in holders:
        notes.append(words.text("matrix_toro_shared"))
    if Holder.VENDOR in holders:
        notes.append(words.text("matrix_toro_vendor"))
    return notes


# -- the three formats -----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def to_markdown(matrix: Matrix, kb: KnowledgeBase) -> str:
    words = matrix.messages
    lines = [f"# {words.text('matrix_heading', regions=matrix.region_names())}", ""]
    summary = summary_lines(matrix)
    if summary:
        lines += [" ".join(summary), ""]
    head = [words.text(k) for k in ("matrix_col_duty", "matrix_col_holder", "matrix_col_basis", "matrix_col_retained")]
    body = [
        [r.duty.title, matrix.label(r.holder), basis_text(r, kb, words), reason_text(r.retained, kb)]
        for r in matrix.rows
    ]
    lines += _table(head, body)
    if matrix.toro_region is not None:
        lines += ["", f"## {words.text('matrix_toro_heading', region=matrix.toro_region.label)}", ""]
        if matrix.toro:
            head = [words.text(k) for k in ("matrix_col_obligation", "matrix_col_section", "matrix_col_transferee")]
            lines += _table(head, [[t.obligation, t.section, matrix.label(t.transferee)] for t in matrix.toro])
            lines.append("")
    else:
        lines.append("")
    lines += "\n\n".join(toro_notes(matrix)).split("\n")  # each note its own paragraph
    if matrix.warnings:
        lines += ["", f"## {words.text('matrix_warnings_heading')}", ""]
        lines += [f"- {w.text}" for w in matrix.warnings]
    lines += ["", f"_{words.text('matrix_drafting_aid')}_"]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ("duty", "title", "holder", "holder_label", "basis", "retained_by_sponsor", "toro")


def to_csv(matrix: Matrix, kb: KnowledgeBase) -> str:
    """One row per duty (a spreadsheet's view); the drafting-aid note is the last line."""
    transferred: dict[str, list[str]] = {}
    for line in matrix.toro:
        transferred.setdefault(line.duty, []).append(line.section)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in matrix.rows:
        writer.writerow(
            [
                r.duty.id,
                r.duty.title,
                r.holder,
                matrix.label(r.holder),
                basis_text(r, kb, matrix.messages),
                reason_text(r.retained, kb),
                "; ".join(transferred.get(r.duty.id, [])),
            ]
        )
    writer.writerow([])
    writer.writerow([matrix.messages.text("matrix_drafting_aid")])
    return out.getvalue()


def _citations_json(citations: tuple[Citation, ...], kb: KnowledgeBase) -> list[dict]:
    return [{"id": c.source_id, "label": kb.sources[c.source_id].label, "section": c.section} for c in citations]


def to_json(matrix: Matrix, kb: KnowledgeBase) -> dict:
    """The `cro-bot matrix --format json` contract: regions, preset, changes, rows (duty, holder, basis,
    retained_by_sponsor...), toro (the itemised list; null when no region has one), toro_notes, warnings
    and the drafting-aid note."""
    return {
        "regions": [r.id for r in matrix.regions],
        "preset": matrix.preset.id if matrix.preset else None,
        "changes": [{"duty": d, "holder": h} for d, h in matrix.changes],
        "rows": [
            {
                "duty": r.duty.id,
                "title": r.duty.title,
                "group": r.duty.group,
                "holder": r.holder,
                "holder_label": matrix.label(r.holder),
                "basis": _citations_json(r.basis, kb),
                "practice": r.practice,
                "retained_by_sponsor": {
                    "text": r.retained.text,
                    "basis": _citations_json(tuple(c.citation for c in r.retained.basis), kb),
                },
            }
            for r in matrix.rows
        ],
        "toro": None
        if matrix.toro_region is None
        else [
            {
                "duty": t.duty,
                "obligation": t.obligation,
                "section": t.section,
                "transferred_to": t.transferee,
                "transferred_to_label": matrix.label(t.transferee),
            }
            for t in matrix.toro
        ],
        "toro_notes": toro_notes(matrix),
        "warnings": [
            {"duty": w.duty, "holder": w.holder, "text": w.text, "blocking": w.blocking} for w in matrix.warnings
        ],
        "note": matrix.messages.text("matrix_drafting_aid"),
    }
