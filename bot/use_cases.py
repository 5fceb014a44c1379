"""The one front door: everything a person can ask of the bot, whichever surface they ask on.

The CLI and every Slack listener call these methods and only adapt their input and output: a use case
routes (or looks up), records what happened in the journal, and renders the reply, in that order, so
"the CLI prints what Slack shows" holds by construction. Each returns the reply to show and what was
recorded. No Slack imports here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bot.buttons import FeedbackRef, parse_feedback
from bot.domain import Status, Surface
from bot.knowledge.model import Checklist, Citation, Entry, KnowledgeBase, Source
from bot.matrix import Matrix, MatrixChoice, MatrixError, build, catalogue_of, preset_named, to_csv, to_markdown
from bot.matrix_modal import Opened, build_modal
from bot.render import (
    Reply,
    escape,
    feedback_thanks,
    render_answer,
    render_checklist,
    render_home,
    render_matrix,
    render_notice,
    render_route,
    thread_title,
)
from bot.routing.checklists import ChecklistMatcher
from bot.routing.followup import route_follow_up
from bot.routing.router import Router, Suggestion
from bot.routing.thresholds import Thresholds
from bot.settings import Settings
from bot.snapshot import cached, default_cache_dir
from bot.state import Journal, Question, Vote, open_state

log = logging.getLogger(__name__)
DAY_SECONDS = 86400


class Asker(NamedTuple):
    """Who asked, for the journal: a Slack user and workspace, the team and (Enterprise Grid) the
    enterprise the request came from (empty offline)."""

    user: str = ""
    team: str = ""
    enterprise: str = ""


NOBODY = Asker()  # offline: no Slack user or workspace
DEFAULT_THRESHOLDS = Thresholds()


class Answer(NamedTuple):
    question: str
    status: Status
    entry: Entry | None
    score: float
    suggestions: tuple[Suggestion, ...]
    reply: Reply
    question_id: int | None  # the journal record (None: not recorded)
    sources: tuple[tuple[Citation, Source], ...] = ()
    follow_up_of: Entry | None = None  # the thread's earlier answer this one was read with


class ChecklistShown(NamedTuple):
    topic: str
    status: Status
    checklist: Checklist | None
    reply: Reply
    question_id: int | None


class MatrixBuilt(NamedTuple):
    matrix: Matrix
    reply: Reply


class MatrixShown(NamedTuple):
    matrix: Matrix | None  # None: a button's choice the catalogue no longer knows ("gone")
    reply: Reply


class MatrixOpening(NamedTuple):
    view: dict | None  # the modal to open, or None and a notice to show instead
    reply: Reply | None = None


class MatrixFiles(NamedTuple):
    markdown: str
    csv: str
    comment: str  # the message the files arrive with


class VoteRecorded(NamedTuple):
    recorded: bool  # False: the answer voted on is no longer in the knowledge base
    reply: Reply  # the thank-you (or "gone") to show the voter alone


def load_router(settings: Settings) -> Router:
    """The indexed knowledge for `settings.knowledge_dir`, from the snapshot cache when it is current,
    with the semantic model attached (or, if it cannot load, a warning and the lexical signal alone);
    raises KnowledgeError naming every problem."""
    from bot.routing.semantic import load_encoder

    folder = Path(settings.knowledge_dir)
    encoder = load_encoder() if settings.semantic_signal else None  # logs why, if it cannot load

    def build() -> Router:
        from bot.knowledge.loader import load_knowledge  # YAML is only parsed on a cache miss

        return Router(load_knowledge(folder), encoder)

    router = cached(folder, build, default_cache_dir() if settings.knowledge_cache else None)
    router.attach_encoder(encoder)
    return router


class UseCases:
    def __init__(
        self,
        router: Router,
        journal: Journal,
        *,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        escalation_contact: str = "",
        retention_days: int = 180,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.router = router
        self.kb: KnowledgeBase = router.kb
        self.journal = journal
        self.thresholds = thresholds
        self.escalation_contact = escalation_contact
        self.retention_days = retention_days
        self._clock = clock
        self._checklists = ChecklistMatcher(self.kb, router.vocabulary)

    @classmethod
    def from_settings(cls, settings: Settings, journal: Journal | None = None) -> UseCases:
        """Built once at start-up. `journal` defaults to the state named by DATABASE_URL or STATE_DB."""
        router = load_router(settings)
        if journal is None:
            journal = open_state(str(settings.state_db), database_url=settings.database_url).journal
        return cls(
            router,
            journal,
            thresholds=settings.thresholds,
            escalation_contact=settings.escalation_contact,
            retention_days=settings.state_retention_days,
        )

    # -- questions ---------------------------------------------------------------------------------

    def answer_question(
        self,
        text: str,
        surface: Surface,
        asker: Asker = NOBODY,
        *,
        previous_entry: str | None = None,
        delivery: str = "",
    ) -> Answer:
        """Route a question, record it, and render the reply (its feedback buttons name the record).
        `previous_entry`: the entry the question's thread was last answered with, if any: a follow-up
        ("and in the EU?") is then read on that topic, and its answer says so. `delivery` names the
        Slack delivery answered, so answering it again records nothing new."""
        previous = self.kb.entries.get(previous_entry) if previous_entry else None
        result, follow_up_of = route_follow_up(self.router, text, previous, self.thresholds)
        log.debug(
            "%s question: %s %s (%.1f)%s",
            surface,
            result.status,
            result.entry.id if result.entry else "-",
            result.score,
            " on the thread's topic" if follow_up_of else "",
        )
        question_id = self._record(
            surface, text, result.status, result.entry.id if result.entry else None, result.score, asker, delivery
        )
        reply = render_route(
            result,
            self.kb,
            question_id=question_id,
            surface=surface,
            escalation_contact=self.escalation_contact,
            follow_up_of=follow_up_of,
        )
        return Answer(
            text,
            result.status,
            result.entry,
            result.score,
            result.suggestions,
            reply,
            question_id,
            self._sources(result.entry),
            follow_up_of,
        )

    def answer_entry(self, entry_id: str, asker: Asker = NOBODY, surface: Surface = Surface.BUTTON) -> Answer:
        """A chosen entry (a related or did-you-mean button); "gone" if the knowledge no longer has it."""
        entry = self.kb.entries.get(entry_id)
        if entry is None:
            return Answer(entry_id, Status.FALLBACK, None, 0.0, (), render_notice(self.kb, "gone"), None)
        question_id = self._record(surface, entry.title, Status.ANSWERED, entry.id, 100.0, asker)
        reply = render_answer(
            entry, self.kb, question_id=question_id, surface=surface, escalation_contact=self.escalation_contact
        )
        return Answer(entry.title, Status.ANSWERED, entry, 100.0, (), reply, question_id, self._sources(entry))

    def _sources(self, entry: Entry | None) -> tuple[tuple[Citation, Source], ...]:
        return tuple((c, self.kb.sources[c.source_id]) for c in entry.sources) if entry else ()

    def _record(
        self,
        surface: Surface,
        text: str,
        status: Status,
        entry_id: str | None,
        score: float,
        asker: Asker,
        delivery: str = "",
    ) -> int | None:
        return self.journal.record_question(
            Question(
                surface,
                text,
                status,
                entry_id,
                score,
                user=asker.user,
                team=asker.team,
                enterprise=asker.enterprise,
                revision=self.kb.revision,
                delivery=delivery,
            )
        )

    # -- checklists --------------------------------------------------------------------------------

    def show_checklist(
        self,
        topic: str,
        asker: Asker = NOBODY,
        surface: Surface = Surface.CHECKLIST,
        *,
        shareable: bool = True,
    ) -> ChecklistShown:
        """The checklist a topic names (or the list of them), recorded like a question."""
        result = self._checklists.match(topic)
        checklist_id = result.checklist.id if result.checklist else None
        question_id = self._record(Surface.CHECKLIST, topic or "(no topic)", result.status, checklist_id, 0.0, asker)
        reply = render_checklist(result, self.kb, shareable=shareable, surface=surface)
        return ChecklistShown(topic, result.status, result.checklist, reply, question_id)

    def share_checklist(self, checklist_id: str) -> ChecklistShown:
        """The checklist to post for the whole channel (no share button), or "gone"."""
        checklist = self.kb.checklists.get(checklist_id)
        if checklist is None:
            return ChecklistShown(checklist_id, Status.FALLBACK, None, render_notice(self.kb, "gone"), None)
        result = self._checklists.match(checklist.id)
        reply = render_checklist(result, self.kb, shareable=False)
        return ChecklistShown(checklist_id, Status.ANSWERED, checklist, reply, None)

    def checklist_shared_note(self, checklist: Checklist) -> Reply:
        return Reply(self.kb.messages.text("checklist_shared", title=checklist.title))  # type: ignore[union-attr]

    # -- the responsibility matrix -----------------------------------------------------------------

    def build_matrix(
        self,
        regions: tuple[str, ...] | list[str],
        preset: str = "",
        assignments: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        *,
        shareable: bool = True,
    ) -> MatrixBuilt:
        """The matrix and TORO list for these regions and holders (`assignments` over `preset` over the
        defaults); MatrixError, naming it, for a region, preset, duty or holder the catalogue lacks."""
        matrix = build(self.kb, MatrixChoice(tuple(regions), preset, tuple(assignments)))
        return MatrixBuilt(matrix, render_matrix(matrix, self.kb, shareable=shareable))

    def matrix_from_value(self, value: str, *, shareable: bool = False) -> MatrixShown:
        """The matrix a Share or Export button names; "gone" if the catalogue no longer has its ids."""
        choice = MatrixChoice.from_value(value)
        try:
            return MatrixShown(
                *self.build_matrix(choice.regions, choice.preset, choice.assignments, shareable=shareable)
            )
        except MatrixError:
            return MatrixShown(None, render_notice(self.kb, "gone"))

    def matrix_files(self, value: str) -> MatrixFiles | None:
        """The Markdown and CSV files of the matrix a button names (None: "gone")."""
        shown = self.matrix_from_value(value)
        if shown.matrix is None:
            return None
        comment = self._words("matrix_export_comment", regions=shown.matrix.region_names())
        return MatrixFiles(to_markdown(shown.matrix, self.kb), to_csv(shown.matrix, self.kb), comment)

    def open_matrix(self, preset: str = "", *, channel: str = "", start: str = "") -> MatrixOpening:
        """The modal, starting from the preset `preset` names and the regions a button's `start` value
        carries; a notice instead when the preset is unknown or there is no catalogue."""
        try:
            catalogue, _ = catalogue_of(self.kb)
        except MatrixError as exc:
            return MatrixOpening(None, Reply(str(exc)))
        chosen = preset_named(catalogue, preset) if preset.strip() else None
        if preset.strip() and chosen is None:
            presets = ", ".join(f"`{p.id}` ({p.title})" for p in catalogue.presets.values())
            notice = self._words("matrix_unknown_preset", preset=escape(preset), presets=presets)
            return MatrixOpening(None, Reply(notice))
        regions = tuple(r for r in MatrixChoice.from_value(start).regions if r in catalogue.regions)
        opened = Opened(channel, chosen.id if chosen else "")
        return MatrixOpening(build_modal(self.kb, opened, regions))

    def matrix_shared_note(self) -> Reply:
        return Reply(self._words("matrix_shared"))

    def matrix_exported_note(self) -> Reply:
        return Reply(self._words("matrix_exported"))

    def _words(self, key: str, **fill: object) -> str:
        return self.kb.messages.text(key, **fill)  # type: ignore[union-attr]

    # -- feedback, home, notices -------------------------------------------------------------------

    def record_vote(self, button_value: str | FeedbackRef, helpful: bool, asker: Asker = NOBODY) -> VoteRecorded:
        """One person's 👍/👎 on one answer (a second click by them changes it), from either kind of
        feedback button: the classic ones' value, or the answer a native one named."""
        ref = button_value if isinstance(button_value, FeedbackRef) else parse_feedback(button_value)
        if ref.entry_id not in self.kb.entries:
            return VoteRecorded(False, render_notice(self.kb, "gone"))
        self.journal.record_feedback(
            Vote(ref.question_id, ref.entry_id, helpful, user=asker.user, team=asker.team, enterprise=asker.enterprise)
        )
        return VoteRecorded(True, feedback_thanks(self.kb, helpful))

    def home_view(self) -> dict:
        return render_home(self.kb, self.retention_days)

    def welcome(self) -> Reply:
        """What the DM shows when a person opens it (the agent view): a short hello."""
        return render_notice(self.kb, "welcome")

    def suggested_prompts(self) -> list[dict[str, str]]:
        """The agent view's suggested prompts, as Slack takes them ({"title", "message"})."""
        messages = self.kb.messages
        return [p._asdict() for p in messages.prompts] if messages else []

    def status_text(self) -> str:
        """The thread's status while a question is looked up ("is looking it up…")."""
        return self.kb.messages.text("status_looking") if self.kb.messages else ""

    def thread_title(self, question: str) -> str:
        return thread_title(question)

    def notice(self, key: str) -> Reply:
        """A fixed message: "error" (something failed on our side), "gone", "english_only"."""
        return render_notice(self.kb, key)

    def purge_expired(self) -> int:
        """Delete what is older than the retention period; how many records went."""
        return self.journal.purge(before=self._clock() - self.retention_days * DAY_SECONDS)
