"""The deployment files as shipped, read the way a platform reads them, without the network and without
a container engine (none runs here): the buildpack's `requirements.txt` and `.python-version`, the
gunicorn range, the `Dockerfile` and its `.dockerignore`, and the Procfile they all agree with."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from importlib.metadata import version
from pathlib import Path

from bot.settings import Settings
from tests.support.processes import procfile_command

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
README = (REPO / "README.md").read_text()
README_INSTALL = "pip install -e ."  # the install step of the README's commands


def requirement_lines(path: Path) -> list[str]:
    return [line.split(" #")[0].strip() for line in path.read_text().splitlines() if line.strip() and line[0] != "#"]


def test_requirements_txt_installs_the_project_itself_and_nothing_else():
    # pip reads "-e ." relative to the directory it runs in, the checkout's root on a buildpack and in
    # the Dockerfile; there it names this pyproject, so the dependencies are listed in one place only.
    assert requirement_lines(REPO / "requirements.txt") == ["-e ."]
    assert PYPROJECT["project"]["name"] == "cro-bot"
    assert (REPO / "pyproject.toml").is_file() and (REPO / "bot" / "__init__.py").is_file()
    assert f".venv/bin/{README_INSTALL}" in README, "the same install as the README's"


def test_python_version_is_pinned_to_the_oldest_supported():
    pinned = (REPO / ".python-version").read_text().strip()
    assert pinned == "3.11"
    assert PYPROJECT["project"]["requires-python"] == f">={pinned}"
    assert f"Python {pinned} or newer" in README


def test_gunicorn_is_capped_to_the_tested_majors():
    [spec] = [d for d in PYPROJECT["project"]["dependencies"] if re.match(r"gunicorn\b", d)]
    lowest, cap = re.fullmatch(r"gunicorn>=(\d+),<(\d+)", spec).groups()
    installed = int(version("gunicorn").split(".")[0])
    assert int(lowest) <= installed < int(cap), f"gunicorn {version('gunicorn')} is outside {spec}"


# -- the container recipe ---------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, args = line.strip().partition(" ")
            instructions.append((name.upper(), args.strip()))
    return instructions


def only(name: str) -> str:
    found = [args for instruction, args in dockerfile() if instruction == name]
    assert len(found) == 1, f"expected one {name}, found {found}"
    return found[0]


def test_dockerfile_starts_from_the_pinned_slim_python():
    assert only("FROM") == f"python:{(REPO / '.python-version').read_text().strip()}-slim"


def test_dockerfile_installs_as_the_readme_does_then_runs_as_a_user_that_is_not_root():
    order = [instruction for instruction, _ in dockerfile()]
    installs = [args for instruction, args in dockerfile() if instruction == "RUN" and "pip install" in args]
    assert installs == [README_INSTALL], installs
    user = only("USER")
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    creates = [args for instruction, args in dockerfile() if instruction == "RUN" and "useradd" in args]
    assert creates and re.search(rf"useradd\b.*\b{re.escape(user)}\b", creates[0]), "the user is created"
    install_at = max(i for i, (n, a) in enumerate(dockerfile()) if n == "RUN" and "pip install" in a)
    assert install_at < order.index("USER") < order.index("CMD"), "root installs; the user serves"


def test_dockerfile_exposes_the_port_it_serves_and_checks_healthz_there():
    assert only("EXPOSE") == str(Settings().port)
    env = " ".join(args for instruction, args in dockerfile() if instruction == "ENV")
    assert f"PORT={Settings().port}" in env
    healthcheck = only("HEALTHCHECK")
    assert "CMD" in healthcheck and "/healthz" in healthcheck and "PORT" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck, "slim images have neither"


def test_dockerfile_runs_the_procfile_web_process():
    assert json.loads(only("CMD")) == shlex.split(procfile_command("web"))


def test_dockerfile_keeps_state_on_a_volume():
    env = " ".join(args for instruction, args in dockerfile() if instruction == "ENV")
    state_db = re.search(r"STATE_DB=(\S+)", env).group(1)
    [volume] = json.loads(only("VOLUME"))
    assert Path(state_db).parent == Path(volume)


def test_dockerignore_keeps_secrets_state_and_environments_out_of_the_image():
    ignored = set(requirement_lines(REPO / ".dockerignore"))
    assert {".env", ".git", ".venv", "*.sqlite3"} <= ignored
    assert "!.env.example" in ignored or ".env.example" not in ignored
