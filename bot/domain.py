"""The words every layer shares: what became of a question, and where it was asked.

StrEnums, so a value is also its plain text: stored in the journal, printed by the CLI, compared in
SQL, all as "answered", "mention" and so on.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ANSWERED = "answered"  # a curated answer
    CLARIFY = "clarify"  # two or more entries are close, or one is probably it: "did you mean"
    FALLBACK = "fallback"  # nothing fits: say so rather than guess
    HELP = "help"  # empty text, a greeting, "help": how to use the bot


UNANSWERED = (Status.CLARIFY, Status.FALLBACK)  # what a curator looks at in `cro-bot report`


class Surface(StrEnum):
    MENTION = "mention"  # @CRO Bot in a channel, answered in the thread
    DM = "dm"  # a direct message
    BUTTON = "button"  # a related or did-you-mean button
    SHORTCUT = "shortcut"  # "Ask CRO Bot about this" on someone's message
    CHECKLIST = "checklist"  # /cro-checklist
    CLI = "cli"  # cro-bot ask, offline


class Holder(StrEnum):
    """Who holds a duty in the responsibility matrix (their labels are knowledge: duties.yaml)."""

    SPONSOR = "sponsor"
    CRO = "cro"
    SHARED = "shared"  # sponsor and CRO together: the agreement says who does which part
    VENDOR = "vendor"  # another provider (an ARO, a specialist vendor): a CRO for what it assumes
    INVESTIGATOR = "investigator"  # the investigator's own duties only


TRANSFEREES = (Holder.CRO, Holder.SHARED, Holder.VENDOR)  # a duty held by one of these has moved (in part)
