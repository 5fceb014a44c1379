"""`cro-bot matrix`: the contract other tools depend on, run as a user runs it (a subprocess of this
checkout's code): Markdown by default, CSV and JSON on request, one clear line and exit 2 for a region,
preset, duty or holder the catalogue does not have."""

import csv
import io
import json
from pathlib import Path

import pytest

from tests.test_cli import cli

REPO = Path(__file__).resolve().parent.parent


def matrix(*args, cwd):
    # PYTHONPATH: the code of this checkout, whichever copy of cro-bot the environment has installed.
    return cli("matrix", *args, cwd=cwd, env={"PYTHONPATH": str(REPO)})


def test_markdown_is_the_default_and_has_the_matrix_and_the_toro(tmp_path, kb):
    run = matrix(
        "--region", "us-ind", "--preset", "full-service", "--assign", "medical-monitoring=sponsor", cwd=tmp_path
    )

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("# " + kb.messages.text("matrix_heading", regions=kb.duties.regions["us-ind"].label))
    assert kb.messages.text("matrix_toro_heading", region=kb.duties.regions["us-ind"].label) in out
    assert kb.messages.text("matrix_toro_note") in out and kb.messages.text("matrix_drafting_aid") in out
    [monitoring] = [line for line in out.splitlines() if line.startswith("| Medical monitoring")]
    assert "| Sponsor |" in monitoring
    assert "| 312.56(c) |" not in out and "| 312.56(a) | CRO |" in out


def test_json_has_rows_toro_and_warnings(tmp_path):
    run = matrix(
        "--region", "us-ind", "--region", "eu-ctr", "--preset", "hybrid", "--assign", "ultimate-responsibility=cro",
        "--format", "json", cwd=tmp_path,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"rows", "toro", "warnings"} <= set(data)
    assert {"duty", "holder", "basis", "retained_by_sponsor"} <= set(data["rows"][0])
    assert data["regions"] == ["us-ind", "eu-ctr"]
    assert data["toro"] and all(t["section"].startswith("312.") for t in data["toro"])
    assert [w["duty"] for w in data["warnings"]] == ["ultimate-responsibility"] and data["warnings"][0]["blocking"]


def test_csv_for_an_eu_trial(tmp_path):
    run = matrix("--region", "eu-ctr", "--format", "csv", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0][:3] == ["duty", "title", "holder"]
    assert {r[2] for r in rows[1:] if len(r) > 2} <= {"sponsor", "investigator"}, "nothing assigned: nothing moves"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--region", "mars"], "unknown region 'mars'"),
        (["--region", "us-ind", "--preset", "everything"], "unknown preset 'everything'"),
        (["--region", "us-ind", "--assign", "monitorng=cro"], "unknown duty 'monitorng'"),
        (["--region", "us-ind", "--assign", "monitoring=aro"], "unknown holder 'aro'"),
        (["--region", "us-ind", "--assign", "monitoring"], "DUTY=HOLDER"),
        ([], "--region"),
    ],
)
def test_unknown_things_are_one_line_and_exit_2(tmp_path, args, says):
    run = matrix(*args, cwd=tmp_path)

    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert run.stdout == ""
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("cro-bot: ") and says in line
