"""The CLI contract other tools depend on, run as a user runs it: a subprocess."""

import json
import os
import subprocess
import sys

import pytest

from bot.settings import DEFAULT_KNOWLEDGE_DIR


def cli(*args, stdin=None, env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KNOWLEDGE_DIR"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        cwd=cwd,
    )


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
