"""Knowledge problems, importable without loading YAML (the CLI needs them on every start)."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    file: str
    message: str
    line: int | None = None
    item: str | None = None  # "entry 'x'", "checklist 'y'", "source 'z'"
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [p for p in (self.item, f"field '{self.field}'" if self.field else None) if p]
        return f"{where}: {', '.join(parts)}: {self.message}" if parts else f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder has problems; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} knowledge {noun}:\n" + "\n".join(f"  {p}" for p in problems))
