"""The code checks the README's one test command runs too: the type checker and the linter, on a clean
tree they pass, so a change that breaks either fails here as any other regression would."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_mypy_finds_no_type_errors_in_bot():
    result = run(sys.executable, "-m", "mypy", "--no-error-summary")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("ruff", path=str(Path(sys.executable).parent)) is None, reason="ruff not installed")
def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    lint = run(ruff, "check", "bot", "tests", "benchmarks", "scripts")
    assert lint.returncode == 0, lint.stdout
    style = run(ruff, "format", "--check", "bot", "tests", "benchmarks", "scripts")
    assert style.returncode == 0, style.stdout
