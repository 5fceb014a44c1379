"""`cro-bot`: ask, checklist, entries, check, eval offline; run connects to Slack.

The offline commands never import slack_bolt, so they start fast and work without a Slack app.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bot.knowledge.errors import KnowledgeError
from bot.settings import SettingsError, load_settings


def _assistant():
    from bot.assistant import Assistant

    return Assistant.from_settings(load_settings())


def ask_json(assistant, question: str) -> dict:
    result, reply = assistant.ask(question)
    entry = result.entry
    return {
        "question": question,
        "status": result.status,
        "entry": entry.id if entry else None,
        "score": result.score,
        "text": reply.text,
        "sources": [
            {
                "id": c.source_id,
                "section": c.section,
                "title": assistant.kb.sources[c.source_id].title,
                "url": assistant.kb.sources[c.source_id].url,
            }
            for c in (entry.sources if entry else ())
        ],
        "suggestions": [{"id": s.entry_id, "title": s.title, "score": s.score} for s in result.suggestions],
    }


def _print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.render import mrkdwn_to_plain

    assistant = _assistant()
    if args.question is None:
        # One JSON object per input line, in order, flushed as it goes: other tools drive this.
        for line in sys.stdin:
            _print_json(ask_json(assistant, line.rstrip("\r\n")))
            sys.stdout.flush()
        return 0
    question = " ".join(args.question)
    if args.json:
        _print_json(ask_json(assistant, question))
    else:
        _, reply = assistant.ask(question)
        print(mrkdwn_to_plain(reply.text))
    return 0


def cmd_checklist(args: argparse.Namespace) -> int:
    from bot.render import mrkdwn_to_plain

    assistant = _assistant()
    topic = " ".join(args.topic)
    result, reply = assistant.checklist(topic)
    if not args.json:
        print(mrkdwn_to_plain(reply.text))
        return 0
    checklist = result.checklist
    _print_json(
        {
            "topic": topic,
            "status": result.status,
            "checklist": checklist.id if checklist else None,
            "title": checklist.title if checklist else None,
            "items": [item.text for item in checklist.items] if checklist else [],
            "text": reply.text,
            "available": [{"id": c.id, "title": c.title} for c in assistant.kb.checklists.values()],
        }
    )
    return 0


def cmd_entries(args: argparse.Namespace) -> int:
    kb = _assistant().kb
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
    print(
        f"knowledge OK: {len(kb.entries)} entries, {len(kb.checklists)} checklists, "
        f"{len(kb.sources)} sources, {len(kb.synonyms)} synonym groups in {settings.knowledge_dir}"
    )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import run_eval

    return run_eval(_assistant(), args.file, show_misses=args.misses)


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from bot.reporting import run_report
    from bot.store import Store

    settings = load_settings()
    if not settings.state_db.is_file():
        print(f"cro-bot: no records yet: {settings.state_db} does not exist (set STATE_DB)", file=sys.stderr)
        return 1
    try:
        return run_report(
            Store(settings.state_db),
            days=args.days,
            since=args.since,
            until=args.until,
            as_csv=args.csv,
            now=time.time(),
        )
    except ValueError as exc:
        print(f"cro-bot: {exc}", file=sys.stderr)
        return 2


def cmd_run(args: argparse.Namespace) -> int:
    from bot.slack.run import run

    return run(load_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cro-bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="answer a question offline (no QUESTION: JSON lines from stdin)")
    p.add_argument("question", nargs="*", help="the question; omit to read one per line from stdin")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the reply text")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("checklist", help="print a delegation checklist (no TOPIC: the list)")
    p.add_argument("topic", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_checklist)

    p = sub.add_parser("entries", help="list the knowledge base entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_entries)

    p = sub.add_parser("check", help="validate the knowledge folder; exit 1 on any problem")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("eval", help="score the router on an evaluation set (dev.yaml format)")
    p.add_argument("file")
    p.add_argument("--misses", type=int, default=40, help="how many misses to list (default 40)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="what people asked, what was missed, feedback votes (from STATE_DB)")
    p.add_argument("--days", type=int, default=7, help="the period: this many days up to now (default 7)")
    p.add_argument("--since", help="first day of the period, YYYY-MM-DD (UTC)")
    p.add_argument("--until", help="last day of the period, YYYY-MM-DD (UTC)")
    p.add_argument("--csv", action="store_true", help="one row per question, for a spreadsheet")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("run", help="connect to Slack: Socket Mode if SLACK_APP_TOKEN is set, else HTTP")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ask" and not args.question:
        args.question = None
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print(f"cro-bot: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:
        print(f"cro-bot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
