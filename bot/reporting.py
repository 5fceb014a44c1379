"""`cro-bot report`: what people asked over a period, what the bot missed, which answers let them down."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from typing import TextIO

from bot.domain import Status
from bot.state import Journal, Report


def parse_day(text: str) -> float:
    """A YYYY-MM-DD day (UTC) as a timestamp; raises ValueError with the accepted form."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a day in the form YYYY-MM-DD") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def period(days: int, since: str | None, until: str | None, now: float) -> tuple[float, float]:
    end = parse_day(until) + 86400 if until else now
    start = parse_day(since) if since else end - days * 86400
    if start >= end:
        raise ValueError(f"--since {since} is after --until {until}")
    return start, end


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M")


def write_text(report: Report, journal: Journal, out: TextIO, team: str | None = None) -> None:
    workspace = f", workspace {team}" if team else ""
    out.write(f"cro-bot report, {_day(report.since)} to {_day(report.until)} UTC ({journal.where}{workspace})\n")
    out.write(f"questions asked: {report.asked}\n")
    if report.asked:
        shares = " · ".join(
            f"{s} {report.by_status.get(s, 0)} ({report.by_status.get(s, 0) / report.asked:.0%})" for s in Status
        )
        out.write(f"  {shares}\n")
    out.write("most frequent unanswered questions (clarify or fallback):\n")
    for question, count in report.unanswered or [("(none)", 0)]:
        out.write(f"  {count:>4}  {question}\n" if count else "  (none)\n")
    out.write('entries with the most "not helpful" votes (not helpful / helpful):\n')
    for entry, bad, good in report.votes or [("(no votes)", 0, 0)]:
        out.write(f"  {bad:>4} / {good:<4} {entry}\n" if bad or good else "  (no votes)\n")


def write_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out)
    # knowledge_revision: which version of the knowledge gave the answer (cro-bot check prints the
    # current one), so what the bot said can be traced to what it was drawing on at the time.
    writer.writerow(["time_utc", "surface", "question", "status", "entry", "score", "knowledge_revision"])
    for at, surface, question, status, entry, score, revision in report.rows:
        writer.writerow([_day(at), surface, question, status, entry or "", round(score or 0.0, 1), revision or ""])


def run_report(
    journal: Journal,
    *,
    days: int,
    since: str | None,
    until: str | None,
    as_csv: bool,
    now: float,
    team: str | None = None,
) -> int:
    start, end = period(days, since, until, now)
    report = journal.report(start, end, team=team)
    if as_csv:
        write_csv(report, sys.stdout)
    else:
        write_text(report, journal, sys.stdout, team)
    return 0
