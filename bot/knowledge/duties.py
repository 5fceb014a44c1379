"""The duty catalogue (knowledge/duties.yaml): regions, holders, duties, presets, validated like the rest.

Every problem names the file, the duty (or region, preset...) and the field, through the loader's
reader, so `cro-bot check` says what to fix. The catalogue must also fit what Slack shows it in: one
modal (100 blocks) and button values (2000 characters).
"""

from __future__ import annotations

import re
from typing import Any

from bot.buttons import VALUE_MAX, matrix_value
from bot.domain import Holder
from bot.knowledge.model import (
    Citation,
    Duty,
    DutyCatalogue,
    DutyGroup,
    Preset,
    Reason,
    Region,
    RegionalCitation,
    Source,
    ToroObligation,
)

TOP_FIELDS = {"regions", "holders", "groups", "retained", "duties", "presets", "open_from_checklists"}
DUTY_FIELDS = {"id", "title", "group", "regions", "basis", "practice", "kept_by", "why_kept", "retained", "toro"}
REGION_FIELDS = {"id", "label", "toro"}
PRESET_FIELDS = {"id", "title", "description", "assign"}
CITATION_FIELDS = {"id", "section", "regions"}
KEEPERS = (Holder.SPONSOR, Holder.INVESTIGATOR)
# Regulations and regulators' guidance; anything else (the vendors' articles, forums, templates) is practice.
REGULATORY_PREFIXES = ("ich-", "cfr-", "eu-", "fda-", "ema-", "uk-", "mhra-", "hra-")
PART_312 = re.compile(r"^312\.\d+")
TITLE_MAX = 75  # a select option, a checkbox and a button show at most 75 characters
HEADER_MAX = 150  # a header block
MODAL_BLOCKS_MAX = 100


def is_regulatory(source_id: str) -> bool:
    return source_id.startswith(REGULATORY_PREFIXES)


def modal_blocks(catalogue: DutyCatalogue) -> int:
    """How many blocks the matrix modal has: an intro, the regions, a heading per group in use, a select
    per duty, the closing note (bot/matrix_modal.py builds exactly these)."""
    groups = {duty.group for duty in catalogue.duties.values()}
    return 3 + len(groups) + len(catalogue.duties)


class _Catalogue:
    """Reads one duties.yaml document through the loader's reader (which records the problems)."""

    def __init__(self, reader: Any, sources: dict[str, Source]) -> None:
        self.reader = reader
        self.sources = sources
        self.region_ids: tuple[str, ...] = ()
        self.toro_regions: set[str] = set()

    def problem(self, message: str, node: object = None, item: str | None = None, field: str | None = None) -> None:
        self.reader.problem(message, node, item, field)

    def mappings(self, data: dict, key: str, kind: str) -> list[tuple[dict, str, str]]:
        """The list under `key`, each mapping with its id and label ("duty 'x'")."""
        items = data.get(key)
        if not isinstance(items, list) or not items:
            self.problem(f"must be a non-empty list of {kind}s", data, None, key)
            return []
        out = []
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                self.problem(f"each {kind} must be a mapping", data, f"{kind} #{i + 1}", key)
                continue
            record_id = self.reader.check_id(raw, kind, i)
            out.append((raw, record_id, f"{kind} '{record_id}'" if record_id else f"{kind} #{i + 1}"))
        return out

    def each_mapping(self, items: list, owner: dict, label: str | None, key: str, fields: str):
        """(field name, mapping) for each item of a list that should hold mappings with `fields`."""
        for i, item in enumerate(items):
            field = f"{key}[{i}]"
            if isinstance(item, dict):
                yield field, item
            else:
                self.problem(f"must be a mapping with {fields}", owner, label, field)

    def unique(self, records: dict, record_id: str, raw: dict, label: str) -> bool:
        if not record_id:
            return False
        if record_id in records:
            self.problem("duplicate id", raw, label, "id")
            return False
        return True

    # -- the parts ---------------------------------------------------------------------------------

    def regions(self, data: dict) -> dict[str, Region]:
        regions: dict[str, Region] = {}
        for raw, rid, label in self.mappings(data, "regions", "region"):
            self.reader.unknown_fields(raw, REGION_FIELDS, label)
            toro = raw.get("toro", False)
            if not isinstance(toro, bool):
                self.problem("must be true or false", raw, label, "toro")
            region = Region(rid, self.reader.text(raw, "label", label, max_len=TITLE_MAX), toro is True)
            if self.unique(regions, rid, raw, label):
                regions[rid] = region
        self.region_ids = tuple(regions)
        self.toro_regions = {r.id for r in regions.values() if r.toro}
        return regions

    def holders(self, data: dict) -> dict[str, str]:
        raw = data.get("holders")
        expected = [h.value for h in Holder]
        if not isinstance(raw, dict):
            self.problem(f"must map each holder ({', '.join(expected)}) to its label", data, None, "holders")
            return {h: h for h in expected}
        for key in raw:
            if key not in expected:
                self.problem(f"unknown holder '{key}' (the holders are: {', '.join(expected)})", raw, None, "holders")
        labels = {}
        for holder in expected:
            labels[holder] = self.reader.text(raw, holder, "holders", max_len=TITLE_MAX, field=f"holders.{holder}")
        return labels

    def groups(self, data: dict) -> dict[str, DutyGroup]:
        groups: dict[str, DutyGroup] = {}
        for raw, gid, label in self.mappings(data, "groups", "group"):
            self.reader.unknown_fields(raw, {"id", "title"}, label)
            group = DutyGroup(gid, self.reader.text(raw, "title", label, max_len=HEADER_MAX))
            if self.unique(groups, gid, raw, label):
                groups[gid] = group
        return groups

    def region_list(self, mapping: dict, key: str, label: str, field: str, within: tuple[str, ...]) -> list[str]:
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not value:
            self.problem("must be a non-empty list of region ids", mapping, label, field)
            return []
        out = []
        for j, region in enumerate(value):
            if region not in self.region_ids:
                known = ", ".join(self.region_ids)
                self.problem(f"unknown region '{region}' (the regions are: {known})", mapping, label, f"{field}[{j}]")
            elif region not in within:
                self.problem(f"'{region}' is not one of the duty's regions", mapping, label, f"{field}[{j}]")
            else:
                out.append(region)
        return out

    def citations(
        self, mapping: dict, key: str, label: str, prefix: str = "", within: tuple[str, ...] = ()
    ) -> tuple[RegionalCitation, ...]:
        """Citations as the loader reads them ({id, section}), each with optional `regions:`."""
        found = self.reader.citations(mapping, key, label, self.sources, prefix=prefix)
        raw_list = mapping.get(key)
        if not isinstance(raw_list, list):
            return ()
        out = []
        for i, (citation, raw) in enumerate(zip(found, [c for c in raw_list if isinstance(c, dict)], strict=False)):
            field = f"{prefix}{key}[{i}]"
            for extra in raw:
                if extra not in CITATION_FIELDS:
                    self.problem(f"unknown field '{extra}' (allowed: id, section, regions)", raw, label, field)
            regions = self.region_list(raw, "regions", label, f"{field}.regions", within or self.region_ids)
            out.append(RegionalCitation(Citation(citation.source_id, citation.section), tuple(regions)))
        return tuple(out)

    def reason(
        self, mapping: dict, key: str, label: str, *, required: bool, within: tuple[str, ...] = ()
    ) -> Reason | None:
        raw = mapping.get(key)
        if raw is None:
            if required:
                self.problem("is missing: say why, with its citations ({text, basis})", mapping, label, key)
            return None
        if not isinstance(raw, dict):
            self.problem("must be a mapping with 'text' and 'basis'", mapping, label, key)
            return None
        self.reader.unknown_fields(raw, {"text", "basis"}, label)
        text = self.reader.text(raw, "text", label, field=f"{key}.text")
        return Reason(text, self.citations(raw, "basis", label, prefix=f"{key}.", within=within))

    def toro(self, raw: dict, label: str) -> tuple[ToroObligation, ...]:
        value = raw.get("toro")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.problem("must list the Part 312 obligations ({section, obligation})", raw, label, "toro")
            return ()
        out = []
        for field, item in self.each_mapping(value, raw, label, "toro", "'section' and 'obligation'"):
            self.reader.unknown_fields(item, {"section", "obligation"}, label)
            section = self.reader.text(item, "section", label, field=f"{field}.section")
            if section and not PART_312.match(section):
                self.problem(f"'{section}' is not a 21 CFR Part 312 section (e.g. 312.56(a))", item, label, field)
            obligation = self.reader.text(item, "obligation", label, field=f"{field}.obligation")
            out.append(ToroObligation(section, obligation))
        return tuple(out)

    def duty(self, raw: dict, did: str, label: str, groups: dict[str, DutyGroup]) -> Duty:
        reader = self.reader
        reader.unknown_fields(raw, DUTY_FIELDS, label)
        group = reader.text(raw, "group", label)
        if group and group not in groups:
            self.problem(f"unknown group '{group}' (the groups are: {', '.join(groups)})", raw, label, "group")
        regions = tuple(self.region_list(raw, "regions", label, "regions", self.region_ids)) or self.region_ids
        practice = raw.get("practice", False)
        if not isinstance(practice, bool):
            self.problem("must be true or false", raw, label, "practice")
        basis = self.basis(raw, label, regions, practice is True)
        kept_by = reader.text(raw, "kept_by", label, required=False)
        if kept_by and kept_by not in KEEPERS:
            self.problem(f"must be one of: {', '.join(KEEPERS)}", raw, label, "kept_by")
        why_kept = self.reason(raw, "why_kept", label, required=bool(kept_by), within=regions)
        if why_kept and not kept_by:
            self.problem("is only for a duty with kept_by (one that cannot move)", raw, label, "why_kept")
        toro = self.toro(raw, label)
        if toro and kept_by:
            self.problem("a duty that cannot move is never on a transfer of obligations", raw, label, "toro")
        if toro and not self.toro_regions.intersection(regions):
            self.problem("a TORO line needs a region with toro: true among the duty's regions", raw, label, "toro")
        return Duty(
            id=did,
            title=reader.text(raw, "title", label, max_len=TITLE_MAX),
            group=group,
            regions=regions,
            basis=basis,
            practice=practice is True,
            kept_by=kept_by if kept_by in KEEPERS else "",
            why_kept=why_kept,
            retained=self.reason(raw, "retained", label, required=False, within=regions),
            toro=toro,
        )

    def basis(self, raw: dict, label: str, regions: tuple[str, ...], practice: bool) -> tuple[RegionalCitation, ...]:
        """Every duty rests on something: a regulatory citation, or, marked `practice: true`, an article."""
        if not raw.get("basis"):
            self.problem(
                "is missing: every duty needs a basis, a regulatory citation {id, section} from sources.yaml, "
                "or `practice: true` with the article that describes it",
                raw,
                label,
                "basis",
            )
            return ()
        basis = self.citations(raw, "basis", label, within=regions)
        regulatory = [c for c in basis if is_regulatory(c.citation.source_id)]
        if practice and regulatory:
            self.problem(
                f"`practice: true` cites articles only, but '{regulatory[0].citation.source_id}' is regulatory: "
                "drop `practice` or move the citation",
                raw,
                label,
                "basis",
            )
        elif not practice and basis and not regulatory:
            self.problem(
                "cites no regulatory text: add one from sources.yaml, or mark the duty `practice: true`",
                raw,
                label,
                "basis",
            )
        return basis

    def presets(self, data: dict, duties: dict[str, Duty]) -> dict[str, Preset]:
        presets: dict[str, Preset] = {}
        for raw, pid, label in self.mappings(data, "presets", "preset"):
            self.reader.unknown_fields(raw, PRESET_FIELDS, label)
            assign = raw.get("assign")
            pairs: list[tuple[str, str]] = []
            if not isinstance(assign, dict) or not assign:
                self.problem("must map duty ids to holders", raw, label, "assign")
                assign = {}
            for duty_id, holder in assign.items():
                field = f"assign.{duty_id}"
                duty = duties.get(duty_id)
                if duty is None:
                    self.problem(f"unknown duty '{duty_id}'", raw, label, field)
                elif holder not in {h.value for h in Holder}:
                    self.problem(f"unknown holder '{holder}'", raw, label, field)
                elif duty.kept_by and holder != duty.kept_by:
                    why = f"'{duty_id}' stays with the {duty.kept_by}: a preset cannot move it"
                    self.problem(why, raw, label, field)
                elif holder == Holder.INVESTIGATOR and not duty.kept_by:
                    self.problem("only the investigator's own duties are the investigator's", raw, label, field)
                else:
                    pairs.append((str(duty_id), str(holder)))
            preset = Preset(
                pid,
                self.reader.text(raw, "title", label, max_len=TITLE_MAX),
                self.reader.text(raw, "description", label),
                tuple(pairs),
            )
            if self.unique(presets, pid, raw, label):
                presets[pid] = preset
        return presets

    def openers(self, data: dict, checklists: set[str]) -> dict[str, tuple[str, ...]]:
        raw_list = data.get("open_from_checklists")
        if raw_list is None:
            return {}
        if not isinstance(raw_list, list):
            self.problem("must be a list of {checklist, regions}", data, None, "open_from_checklists")
            return {}
        openers: dict[str, tuple[str, ...]] = {}
        for field, raw in self.each_mapping(raw_list, data, None, "open_from_checklists", "'checklist'"):
            self.reader.unknown_fields(raw, {"checklist", "regions"}, field)
            checklist = self.reader.text(raw, "checklist", field, field=f"{field}.checklist")
            if checklist and checklist not in checklists:
                self.problem(f"unknown checklist '{checklist}'", raw, None, f"{field}.checklist")
            regions = self.region_list(raw, "regions", field, f"{field}.regions", self.region_ids)
            if checklist:
                openers[checklist] = tuple(regions)
        return openers


def load_catalogue(reader: Any, sources: dict[str, Source], checklists: set[str]) -> DutyCatalogue | None:
    """The catalogue in `reader.document` (the loader has read duties.yaml into it); problems go to the
    reader. None if the document is not even a mapping."""
    data = reader.document
    if not isinstance(data, dict):
        reader.problem("expected a mapping with regions, holders, groups, retained, duties and presets", data)
        return None
    for key in data:
        if key not in TOP_FIELDS:
            reader.problem(f"unknown field (allowed: {', '.join(sorted(TOP_FIELDS))})", data, None, str(key))
    parts = _Catalogue(reader, sources)
    regions = parts.regions(data)
    holders = parts.holders(data)
    groups = parts.groups(data)
    retained = parts.reason(data, "retained", "retained", required=True) or Reason("", ())
    duties: dict[str, Duty] = {}
    for raw, did, label in parts.mappings(data, "duties", "duty"):
        duty = parts.duty(raw, did, label, groups)
        if parts.unique(duties, did, raw, label):
            duties[did] = duty
    catalogue = DutyCatalogue(
        regions,
        holders,
        groups,
        duties,
        parts.presets(data, duties),
        retained,
        parts.openers(data, checklists),
        reader.name,
    )
    _check_slack_limits(reader, data, catalogue)
    return catalogue


def _check_slack_limits(reader: Any, data: dict, catalogue: DutyCatalogue) -> None:
    blocks = modal_blocks(catalogue)
    if blocks > MODAL_BLOCKS_MAX:
        reader.problem(
            f"the matrix modal would need {blocks} blocks; Slack allows {MODAL_BLOCKS_MAX}: merge or drop duties",
            data,
            None,
            "duties",
        )
    longest = max((len(h) for h in catalogue.holders), default=0)
    worst = matrix_value(
        tuple(catalogue.regions),
        "x" * max((len(p) for p in catalogue.presets), default=0),
        tuple((d, "x" * longest) for d in catalogue.duties),
    )
    if len(worst) > VALUE_MAX:
        reader.problem(
            f"a matrix button's value could reach {len(worst)} characters; Slack allows {VALUE_MAX}: shorten duty ids",
            data,
            None,
            "duties",
        )
