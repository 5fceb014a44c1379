"""The CLI contract other tools depend on, run as a user runs it: a subprocess."""

import json
import subprocess
import sys

import pytest

from bot.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.processes import run_cli as cli


@pytest.fixture
def workdir(tmp_path):
    return tmp_path  # no .env here, so nothing from a developer's .env leaks into the run


def test_ask_prints_a_readable_answer(workdir):
    run = cli("ask", "What is the difference between an ARO and a CRO?", cwd=workdir)
    assert run.returncode == 0, run.stderr
    assert "academic" in run.stdout.lower() and "Sources:" in run.stdout
    assert "*" not in run.stdout.splitlines()[0]


def test_ask_json_has_the_contract_fields(workdir):
    run = cli("ask", "--json", "what is an ARO?", cwd=workdir)
    data = json.loads(run.stdout)
    assert set(data) == {"question", "status", "entry", "score", "text", "sources", "suggestions"}
    assert data["status"] == "answered" and data["entry"] == "aro-definition"
    assert data["sources"] and {"id", "section"} <= set(data["sources"][0])
    assert data["question"] == "what is an ARO?"


def test_ask_reads_questions_from_stdin_one_json_line_each_in_order(workdir):
    questions = ["what is an ARO?", "", "what is an ORM", "hybrid models"]
    run = cli("ask", "--json", stdin="\n".join(questions) + "\n", cwd=workdir)
    lines = run.stdout.splitlines()
    assert len(lines) == 4
    results = [json.loads(line) for line in lines]
    assert [r["question"] for r in results] == questions
    assert [r["status"] for r in results] == ["answered", "help", "fallback", "answered"]


def test_ask_after_an_entry_reads_a_follow_up_on_its_topic(workdir):
    run = cli("ask", "--json", "--after", "toro", "and in the EU?", cwd=workdir)
    data = json.loads(run.stdout)
    assert (data["status"], data["entry"]) == ("answered", "toro-non-us-trials")
    assert data["text"].startswith("_On TORO:_ ")


def test_ask_thread_reads_stdin_as_one_conversation(workdir):
    run = cli("ask", "--json", "--thread", stdin="What is a TORO?\nand in the EU?\nwho signs it?\n", cwd=workdir)
    assert [json.loads(line)["entry"] for line in run.stdout.splitlines()] == [
        "toro",
        "toro-non-us-trials",
        "toro-signatures",
    ]


def test_ask_after_an_unknown_entry_says_so(workdir):
    run = cli("ask", "--after", "no-such-entry", "and in the EU?", cwd=workdir)
    assert run.returncode == 2 and "no-such-entry" in run.stderr


def test_checklist_json_statuses(workdir):
    found = json.loads(cli("checklist", "monitoring", "--json", cwd=workdir).stdout)
    assert found["status"] == "answered" and found["checklist"] == "monitoring"
    assert len(found["items"]) >= 6 and found["title"] and found["text"]
    listing = json.loads(cli("checklist", "--json", cwd=workdir).stdout)
    assert listing["status"] == "help" and listing["checklist"] is None
    assert {c["id"] for c in listing["available"]} >= {"delegation", "toro"}
    unknown = json.loads(cli("checklist", "astrology", "--json", cwd=workdir).stdout)
    assert unknown["status"] == "fallback" and "delegation" in unknown["text"]


def test_entries_json_lists_every_entry(workdir):
    data = json.loads(cli("entries", "--json", cwd=workdir).stdout)
    first = data["entries"][0]
    assert set(first) == {"id", "title", "questions", "answer", "sources"}
    assert len(data["entries"]) >= 60


def test_check_passes_on_the_knowledge_base(workdir):
    run = cli("check", cwd=workdir)
    assert run.returncode == 0 and "knowledge OK" in run.stdout


def test_check_fails_naming_the_broken_file(tmp_path):
    broken = tmp_path / "knowledge"
    (broken / "answers").mkdir(parents=True)
    (broken / "sources.yaml").write_text((DEFAULT_KNOWLEDGE_DIR / "sources.yaml").read_text())
    (broken / "answers" / "x.yaml").write_text("entries:\n  - id: only-id\n")
    run = cli("check", env={"KNOWLEDGE_DIR": str(broken)}, cwd=tmp_path)
    assert run.returncode == 1
    assert "answers/x.yaml" in run.stderr and "entry 'only-id'" in run.stderr and "field 'title'" in run.stderr


def test_run_without_slack_settings_names_the_missing_variables(workdir):
    run = cli("run", cwd=workdir)
    assert run.returncode == 2
    assert "SLACK_BOT_TOKEN" in run.stderr and "Traceback" not in run.stderr


def test_offline_commands_never_import_slack_bolt(workdir):
    code = (
        "import sys; from bot.cli import main; main(['ask', '--json', 'what is a CRO']); "
        "main(['checklist', 'safety']); main(['check']); "
        "assert not any(m.startswith('slack') for m in sys.modules), sorted(sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=workdir, timeout=60)
    assert run.returncode == 0, run.stderr


def test_eval_reports_per_tag_accuracy_and_histogram(tmp_path):
    items = tmp_path / "mini.yaml"
    items.write_text(
        "questions:\n"
        '  - {q: "what is an ARO?", expect: ["academic"], tag: plain}\n'
        '  - {q: "what is an ORM", expect: reject, tag: adversarial}\n'
    )
    run = cli("eval", str(items), cwd=tmp_path)
    assert run.returncode == 0
    assert "plain" in run.stdout and "adversarial" in run.stdout and "score" in run.stdout
    assert "off-topic rejected 1/1" in run.stdout and "answered right 1/1" in run.stdout


def test_eval_counts_the_unanswered_questions_a_suggested_button_would_have_answered(tmp_path):
    question = "our CRA keeps going on about the monitoring visit report, who writes it"
    items = tmp_path / "mini.yaml"
    items.write_text(
        "questions:\n"
        f'  - {{q: "{question}", expect: ["monitor"], tag: site}}\n'
        f'  - {{q: "{question}", expect: ["no answer says this"], tag: site}}\n'
    )
    run = cli("eval", str(items), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    summary = run.stdout.strip().splitlines()[-1]
    assert "answered right 0/2" in summary and "clarify 2" in summary, summary
    assert "a suggested button held the answer for 1)" in summary, summary


# -- mistakes: one line saying what is wrong, exit 2, never a traceback -------------------------------


def one_line_usage_error(run) -> str:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert lines[0].startswith("cro-bot: ")
    return lines[0]


def test_eval_on_a_missing_file_says_so(workdir):
    line = one_line_usage_error(cli("eval", str(workdir / "nowhere.yaml"), cwd=workdir))
    assert "nowhere.yaml" in line


@pytest.mark.parametrize("content", ["# Title\n\n`a`: b: c\n  - x\n\t- y\n", "just some words\n", "- a\n- b\n"])
def test_eval_on_a_file_that_is_not_a_question_set_says_so(workdir, content):
    path = workdir / "notes.yaml"
    path.write_text(content)
    line = one_line_usage_error(cli("eval", str(path), cwd=workdir))
    assert "notes.yaml" in line


def test_a_bad_log_level_is_one_line(workdir):
    for command in (["ask", "hi"], ["run"]):
        line = one_line_usage_error(cli(*command, env={"LOG_LEVEL": "verbose"}, cwd=workdir))
        assert "LOG_LEVEL" in line and "DEBUG" in line


def test_report_on_a_state_db_that_is_not_sqlite_says_so(workdir):
    (workdir / "notes.sqlite3").write_text("not a database\n")
    line = one_line_usage_error(cli("report", env={"STATE_DB": "notes.sqlite3"}, cwd=workdir))
    assert "STATE_DB" in line and "notes.sqlite3" in line


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["report", "--days", "0"], "--days"),
        (["report", "--days", "-3"], "--days"),
        (["report", "--since", "2026-12-05", "--until", "2026-12-01"], "--since"),
        (["report", "--since", "last week"], "YYYY-MM-DD"),
        (["purge", "--older-than", "-1"], "--older-than"),
    ],
)
def test_a_period_that_cannot_be_is_refused_before_anything_is_read(workdir, args, named):
    # No STATE_DB here at all: the mistake in the arguments is what gets reported.
    line = one_line_usage_error(cli(*args, cwd=workdir))
    assert named in line


def test_report_and_purge_without_a_state_db_say_there_are_no_records(workdir):
    for command in ("report", "purge"):
        line = one_line_usage_error(cli(command, cwd=workdir))
        assert "no records yet" in line and "STATE_DB" in line
    assert list(workdir.iterdir()) == [], "looking for records creates no file"


def test_version_names_the_installed_version(workdir):
    from importlib.metadata import version

    run = cli("--version", cwd=workdir)
    assert run.returncode == 0
    assert run.stdout.strip() == f"cro-bot {version('cro-bot')}"


def test_checklist_on_an_unknown_topic_exits_1_and_lists_the_topics(workdir):
    run = cli("checklist", "banana", cwd=workdir)
    assert run.returncode == 1
    assert "banana" in run.stdout and "monitoring" in run.stdout


def test_run_with_nothing_set_names_what_each_mode_needs_in_one_line(workdir):
    line = one_line_usage_error(cli("run", cwd=workdir))
    socket_part, _, http_part = line.partition("--http")
    assert "Socket Mode" in socket_part and "SLACK_BOT_TOKEN" in socket_part and "SLACK_APP_TOKEN" in socket_part
    assert "SLACK_SIGNING_SECRET" in http_part, "HTTP mode's needs are named after --http"
    assert "none found in" in line, "it says no .env was read"


def test_ask_on_a_terminal_without_a_question_explains_itself(workdir):
    import os
    import pty

    leader, terminal = pty.openpty()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "bot", "ask"],
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=30,  # it must not sit waiting for input
            cwd=workdir,
        )
    finally:
        os.close(terminal)
        os.close(leader)
    line = one_line_usage_error(run)
    assert 'cro-bot ask "' in line and "questions.txt" in line


def test_every_argument_has_help_text():
    from bot.cli import build_parser

    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"cro-bot {name} {action.dest} has no help text"
    assert all(a.help for a in parser._actions if a.dest not in ("help", "command"))


def test_ask_loads_neither_slack_nor_the_database_layer(workdir):
    """Its cold start stays that of the router: SQLAlchemy and the database drivers are for the Slack
    processes and for report and purge."""
    code = (
        "import sys; from bot.cli import main; main(['ask', 'what is an ARO?']);"
        "print(sorted(m for m in ('sqlalchemy', 'psycopg', 'sqlite3', 'slack_bolt') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=workdir)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "[]"
