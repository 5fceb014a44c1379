"""The `/cro-matrix` modal: built from the duty catalogue, and read back from a view_submission.

The view holds the study's regions (checkboxes) and, under each group's heading, one select per duty
saying who holds it, preset from an optional starting point. Its private_metadata carries ids only (the
channel to answer in, the preset), never anything a person typed. No Slack imports: this is Block Kit
as data, like bot/render.py.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.buttons import MATRIX_VIEW
from bot.domain import Holder
from bot.knowledge.model import Duty, KnowledgeBase, Preset
from bot.matrix import MatrixChoice, catalogue_of, default_holder

REGIONS_BLOCK = "matrix_regions"
REGIONS_ACTION = "regions"
DUTY_BLOCK = "matrix_duty:"  # + the duty id
HOLDER_ACTION = "holder"
METADATA_MAX = 3000
_CHANNEL = re.compile(r"^[A-Z0-9]{1,20}$")
_ID = re.compile(r"^[a-z0-9-]{0,80}$")


class Opened(NamedTuple):
    """Where the modal was opened from, kept in its private_metadata: ids only."""

    channel: str = ""  # where to show the result ("" : the user's DM with the bot)
    preset: str = ""


def metadata(opened: Opened) -> str:
    return f"c={opened.channel};p={opened.preset}"


def parse_metadata(text: str) -> Opened:
    """The metadata back, keeping only what has the shape of a channel id and a preset id."""
    fields = dict(part.partition("=")[::2] for part in (text or "").split(";") if "=" in part)
    channel, preset = fields.get("c", ""), fields.get("p", "")
    return Opened(channel if _CHANNEL.match(channel) else "", preset if _ID.match(preset) else "")


def duty_block_id(duty_id: str) -> str:
    return DUTY_BLOCK + duty_id


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": text[:limit]}


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text, 75), "value": value}


def _holders(duty: Duty) -> list[str]:
    """The investigator is offered only for the investigator's own duties, and first there."""
    everyone = [h.value for h in Holder if h != Holder.INVESTIGATOR]
    return [Holder.INVESTIGATOR.value, *everyone] if duty.kept_by == Holder.INVESTIGATOR else everyone


def build_modal(kb: KnowledgeBase, opened: Opened, regions: tuple[str, ...] = ()) -> dict:
    """The modal view: `regions` ticked, each duty's select on the preset's holder (or its default)."""
    catalogue, words = catalogue_of(kb)
    preset: Preset | None = catalogue.presets.get(opened.preset)
    planned = dict(preset.assign) if preset else {}
    intro = words.text("matrix_modal_intro")
    if preset:
        intro += " " + words.text("matrix_preset", preset=preset.title)
    region_options = [_option(r.label, r.id) for r in catalogue.regions.values()]
    checkboxes: dict = {"type": "checkboxes", "action_id": REGIONS_ACTION, "options": region_options}
    ticked = [o for o in region_options if o["value"] in regions]
    if ticked:
        checkboxes["initial_options"] = ticked
    blocks: list[dict] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": intro[:2000]}]},
        {"type": "input", "block_id": REGIONS_BLOCK, "label": _plain(words.text("matrix_modal_regions"), 2000),
         "element": checkboxes},
    ]  # fmt: skip
    for group in catalogue.groups.values():
        duties = [d for d in catalogue.duties.values() if d.group == group.id]
        if not duties:
            continue
        blocks.append({"type": "header", "text": _plain(group.title, 150)})
        for duty in duties:
            options = [_option(catalogue.holders[h], h) for h in _holders(duty)]
            holder = planned.get(duty.id, default_holder(duty))
            element = {
                "type": "static_select",
                "action_id": HOLDER_ACTION,
                "options": options,
                "initial_option": next(o for o in options if o["value"] == holder),
            }
            block = {"type": "input", "block_id": duty_block_id(duty.id), "label": _plain(duty.title, 2000),
                     "element": element}  # fmt: skip
            if set(duty.regions) != set(catalogue.regions):
                only = ", ".join(catalogue.regions[r].label for r in duty.regions)
                block["hint"] = _plain(words.text("matrix_modal_only", regions=only), 2000)
            blocks.append(block)
    # As many blocks as modal_blocks() counts: the loader has checked that fits Slack's 100.
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": words.text("matrix_drafting_aid")}]})
    return {
        "type": "modal",
        "callback_id": MATRIX_VIEW,
        "title": _plain(words.text("matrix_modal_title"), 24),
        "submit": _plain(words.text("matrix_modal_submit"), 24),
        "close": _plain(words.text("matrix_modal_close"), 24),
        "private_metadata": metadata(opened)[:METADATA_MAX],
        "blocks": blocks,
    }


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def read_submission(view: object) -> tuple[Opened, MatrixChoice]:
    """What was ticked and chosen in a submitted modal, as ids (checked against the catalogue later).
    Anything not of the shape Slack sends is left out, never an error."""
    view = _mapping(view)
    regions: list[str] = []
    assignments: list[tuple[str, str]] = []
    for block_id, actions in _mapping(_mapping(view.get("state")).get("values")).items():
        if block_id == REGIONS_BLOCK:
            ticked = _mapping(_mapping(actions).get(REGIONS_ACTION)).get("selected_options")
            regions += [str(_mapping(o).get("value", "")) for o in (ticked if isinstance(ticked, list) else [])]
        elif isinstance(block_id, str) and block_id.startswith(DUTY_BLOCK):
            value = _mapping(_mapping(_mapping(actions).get(HOLDER_ACTION)).get("selected_option")).get("value")
            if isinstance(value, str) and value:
                assignments.append((block_id[len(DUTY_BLOCK) :], value))
    opened = parse_metadata(str(view.get("private_metadata") or ""))
    return opened, MatrixChoice(tuple(regions), opened.preset, tuple(assignments))
