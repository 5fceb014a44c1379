"""Everything in the repository points only inside it: a clone has no `../shared` (the curators'
material lives beside the lead's checkout, not in the repo), so no comment, doc or header may send a
reader there. The rules the knowledge follows are in knowledge/RULES.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"(\.\./)+shared\b|/work/shared\b")
SKIPPED = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "build"}
TEXT = {".py", ".md", ".yaml", ".yml", ".json", ".toml", ".txt", ".cfg", ".ini", ".example", ""}
# Evaluation question sets are not read here (their headers say where they came from).
NOT_READ = {REPO / "tests" / "eval"}
KNOWN: set[str] = set()


def repository_files():
    for path in REPO.rglob("*"):
        parts = set(path.relative_to(REPO).parts)
        if parts & SKIPPED or any(path.is_relative_to(skip) for skip in NOT_READ) or not path.is_file():
            continue
        if path.suffix in TEXT and not path.name.endswith(".egg-info"):
            yield path


def test_nothing_points_outside_the_repository():
    found = set()
    for path in repository_files():
        text = path.read_text(errors="replace")
        if OUTSIDE.search(text):
            found.add(str(path.relative_to(REPO)))
    found.discard("tests/test_repo_links.py")  # this file names the pattern it looks for
    assert found == KNOWN, f"pointers outside the repository in {sorted(found - KNOWN)}; gone from {KNOWN - found}"


def test_knowledge_readme_points_to_the_rules_in_the_repo():
    readme = (REPO / "knowledge" / "README.md").read_text()
    assert "RULES.md" in readme and (REPO / "knowledge" / "RULES.md").is_file()
