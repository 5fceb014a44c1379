"""cro-bot: ask, checklist, matrix, entries, check, eval and report work offline; run connects to Slack.

The offline commands never import slack_bolt, so they start fast and work without a Slack app. Each
command is a thin adapter over the use cases (bot/use_cases.py), the same ones Slack calls.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from bot.domain import Status, Surface
from bot.knowledge.errors import KnowledgeError
from bot.settings import Settings, SettingsError, load_settings


class UsageError(Exception):
    """A command was given something it cannot use; the message says what, in one line (exit 2)."""


def _use_cases(settings: Settings | None = None):
    from bot.state.memory import MemoryState
    from bot.use_cases import UseCases

    # Offline, nothing is recorded: the journal is Slack's (cro-bot report reads it).
    return UseCases.from_settings(settings or load_settings(), journal=MemoryState())


def answer_json(answer) -> dict:
    """The `ask --json` contract: question, status, entry, score, text, sources, suggestions."""
    return {
        "question": answer.question,
        "status": str(answer.status),
        "entry": answer.entry.id if answer.entry else None,
        "score": answer.score,
        "text": answer.reply.text,
        "sources": [
            {"id": c.source_id, "section": c.section, "title": s.title, "url": s.url} for c, s in answer.sources
        ],
        "suggestions": [{"id": s.entry_id, "title": s.title, "score": s.score} for s in answer.suggestions],
    }


def _print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.render import mrkdwn_to_plain

    if not args.question and sys.stdin.isatty():
        raise UsageError(
            'give a question (cro-bot ask "What is a CRO?"), or pipe questions in, one per line '
            "(cro-bot ask --json < questions.txt)"
        )
    use_cases = _use_cases()
    if args.after and args.after not in use_cases.kb.entries:
        raise UsageError(f"--after names no entry: {args.after!r} (cro-bot entries --json lists them)")
    previous = args.after or None
    if not args.question:
        # One answer per input line, in order, flushed as it goes: other tools drive this.
        for line in sys.stdin:
            answer = use_cases.answer_question(line.rstrip("\r\n"), Surface.CLI, previous_entry=previous)
            if args.thread and answer.entry is not None:
                previous = answer.entry.id  # as in a Slack thread: the next line follows this answer
            if args.json:
                _print_json(answer_json(answer))
            else:
                print(mrkdwn_to_plain(answer.reply.text), end="\n\n")
            sys.stdout.flush()
        return 0
    answer = use_cases.answer_question(" ".join(args.question), Surface.CLI, previous_entry=previous)
    if args.json:
        _print_json(answer_json(answer))
    else:
        print(mrkdwn_to_plain(answer.reply.text))
    return 0


def cmd_checklist(args: argparse.Namespace) -> int:
    from bot.render import mrkdwn_to_plain

    use_cases = _use_cases()
    topic = " ".join(args.topic)
    shown = use_cases.show_checklist(topic, surface=Surface.CLI, shareable=False)
    if args.json:
        checklist = shown.checklist
        _print_json(
            {
                "topic": topic,
                "status": str(shown.status),
                "checklist": checklist.id if checklist else None,
                "title": checklist.title if checklist else None,
                "items": [item.text for item in checklist.items] if checklist else [],
                "text": shown.reply.text,
                "available": [{"id": c.id, "title": c.title} for c in use_cases.kb.checklists.values()],
            }
        )
    else:
        print(mrkdwn_to_plain(shown.reply.text))
    return 1 if shown.status == Status.FALLBACK else 0


def _assignment(text: str) -> tuple[str, str]:
    duty, sep, holder = text.partition("=")
    if not sep or not duty.strip() or not holder.strip():
        raise UsageError(f"--assign takes DUTY=HOLDER (e.g. monitoring=cro), not '{text}'")
    return duty.strip(), holder.strip().lower()


def cmd_matrix(args: argparse.Namespace) -> int:
    from bot.matrix import MatrixError, to_csv, to_json, to_markdown

    use_cases = _use_cases()
    if not args.region:
        regions = ", ".join(use_cases.kb.duties.regions) if use_cases.kb.duties else "us-ind, eu-ctr, uk, other"
        raise UsageError(f"give at least one --region ({regions}), e.g. cro-bot matrix --region us-ind")
    assignments = [_assignment(a) for a in args.assign]
    try:
        shown = use_cases.build_matrix(args.region, args.preset or "", assignments, shareable=False)
    except MatrixError as exc:
        raise UsageError(str(exc)) from None
    matrix, kb = shown.matrix, use_cases.kb
    if args.format == "json":
        _print_json(to_json(matrix, kb))
    else:
        sys.stdout.write(to_csv(matrix, kb) if args.format == "csv" else to_markdown(matrix, kb))
    return 0


def cmd_entries(args: argparse.Namespace) -> int:
    kb = _use_cases().kb
    entries = [
        {
            "id": e.id,
            "title": e.title,
            "questions": list(e.questions),
            "answer": e.answer,
            "sources": [{"id": c.source_id, "section": c.section} for c in e.sources],
        }
        for e in kb.entries.values()
    ]
    if args.json:
        _print_json({"entries": entries})
    else:
        for e in entries:
            print(f"{e['id']}: {e['title']} ({len(e['questions'])} phrasings)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import load_knowledge

    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    duties = f", {len(kb.duties.duties)} duties" if kb.duties else ""
    print(
        f"knowledge OK: {len(kb.entries)} entries, {len(kb.checklists)} checklists{duties}, "
        f"{len(kb.sources)} sources, {len(kb.synonyms)} synonym groups in {settings.knowledge_dir} "
        f"(revision {kb.revision})"
    )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import EvalFileError, run_eval

    try:
        return run_eval(_use_cases(), args.file, show_misses=args.misses)
    except EvalFileError as exc:
        raise UsageError(str(exc)) from None


def _journal(settings: Settings):
    """The Slack processes' journal, for report and purge, from whichever store is configured
    (DATABASE_URL, else the STATE_DB file); UsageError if there is none to read."""
    if settings.database_url:
        from bot.state.postgres import PostgresState

        store = PostgresState(settings.database_url, pool_size=1)
        if not store.healthy():
            raise UsageError(f"DATABASE_URL {store.where} cannot be reached")
        return store
    from bot.state.sqlite import SqliteState

    if not settings.state_db.is_file():
        raise UsageError(f"no records yet: {settings.state_db} does not exist (set STATE_DB or DATABASE_URL)")
    with open(settings.state_db, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise UsageError(f"STATE_DB {settings.state_db} is not an SQLite file")
    sqlite = SqliteState(settings.state_db)
    if not sqlite.healthy():
        raise UsageError(f"STATE_DB {settings.state_db} cannot be read")
    return sqlite


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from bot.reporting import period, run_report

    if args.days is not None and args.days < 1:
        raise UsageError("--days must be 1 or more")
    now = time.time()
    try:  # the period first: a mistake in it is the user's to fix, whatever STATE_DB holds
        period(args.days or 7, args.since, args.until, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    journal = _journal(load_settings())
    return run_report(
        journal, days=args.days or 7, since=args.since, until=args.until, as_csv=args.csv, now=now, team=args.team
    )


def cmd_purge(args: argparse.Namespace) -> int:
    if args.older_than is not None and args.older_than < 0:
        raise UsageError("--older-than must be 0 or more days")
    settings = load_settings()
    journal = _journal(settings)
    if args.user:
        removed = journal.purge(user=args.user)
        print(f"deleted {removed} records of {args.user} from {journal.where}")
        return 0
    import time

    days = settings.state_retention_days if args.older_than is None else args.older_than
    removed = journal.purge(before=time.time() - days * 86400)
    print(f"deleted {removed} records older than {days} days from {journal.where}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.slack.startup import run_http, run_socket_mode

    settings = load_settings()
    if args.http:
        settings.require_http()
        return run_http(settings)
    try:
        settings.require_socket_mode()
    except SettingsError as exc:
        raise SettingsError(
            f"cro-bot run uses Socket Mode: {exc} For HTTP mode (a public Request URL), run "
            "`cro-bot run --http`, which needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."
        ) from None
    return run_socket_mode(settings)


def _version() -> str:
    try:
        return version("cro-bot")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cro-bot", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cro-bot {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ask", help="answer a question offline (no QUESTION: one per line from stdin)")
    p.add_argument("question", nargs="*", help="the question; omit it to read one per line from stdin")
    p.add_argument("--json", action="store_true", help="print one JSON object per question instead of the reply")
    p.add_argument(
        "--after", metavar="ENTRY", help="read the question as a follow-up in a thread last answered with ENTRY"
    )
    p.add_argument(
        "--thread", action="store_true", help="stdin lines are one thread: each is a follow-up to the answer before"
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("checklist", help="print a delegation checklist (no TOPIC: the list)")
    p.add_argument("topic", nargs="*", help="what the checklist is about, e.g. monitoring, safety, toro")
    p.add_argument("--json", action="store_true", help="print the checklist as one JSON object")
    p.set_defaults(func=cmd_checklist)

    p = sub.add_parser("matrix", help="a sponsor/CRO responsibility matrix and, for a US IND, the TORO list")
    p.add_argument("--region", action="append", default=[], help="us-ind, eu-ctr, uk or other; repeat for several")
    p.add_argument("--preset", help="start from full-service, monitoring-only or hybrid")
    p.add_argument(
        "--assign", action="append", default=[], metavar="DUTY=HOLDER",
        help="HOLDER: sponsor, cro, shared or vendor; over the preset; repeat; duties not named stay with the sponsor",
    )  # fmt: skip
    p.add_argument("--format", choices=("markdown", "csv", "json"), default="markdown", help="default: markdown")
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("entries", help="list the knowledge base entries")
    p.add_argument("--json", action="store_true", help="every entry with its phrasings, answer and sources")
    p.set_defaults(func=cmd_entries)

    p = sub.add_parser("check", help="validate the knowledge folder; exit 1 on any problem")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("eval", help="score the router on a question set (tests/eval/*.yaml format)")
    p.add_argument("file", help="a YAML file with a top-level questions: list (q, expect, tag)")
    p.add_argument("--misses", type=int, default=40, help="how many misses to list (default 40)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="what people asked, what was missed, feedback votes (DATABASE_URL or STATE_DB)")
    p.add_argument("--days", type=int, help="the period: this many days up to now (default 7)")
    p.add_argument("--since", help="first day of the period, YYYY-MM-DD (UTC)")
    p.add_argument("--until", help="last day of the period, YYYY-MM-DD (UTC)")
    p.add_argument("--csv", action="store_true", help="one row per question, for a spreadsheet")
    p.add_argument("--team", help="one workspace only: its team id (T...), or an Enterprise Grid org's id (E...)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("purge", help="delete stored questions and votes: expired ones, or one person's")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--user", help="delete every record of this Slack user id (U...), e.g. on their request")
    which.add_argument(
        "--older-than", type=int, metavar="DAYS", help="delete records older than this instead of STATE_RETENTION_DAYS"
    )
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("run", help="connect to Slack: Socket Mode (default), or --http for a Request URL")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN); the default")
    mode.add_argument("--http", action="store_true", help="serve HTTP with gunicorn (needs SLACK_SIGNING_SECRET)")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print(f"cro-bot: {exc}", file=sys.stderr)
        return 1
    except (SettingsError, UsageError) as exc:
        print(f"cro-bot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
