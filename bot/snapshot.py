"""A cache of the loaded, validated and indexed knowledge, so `cro-bot ask` starts in milliseconds.

Parsing ~150 KB of YAML and indexing every phrasing costs more than Python's own start-up; the result
only changes when a knowledge file or the bot's code changes, so it is kept as a pickle named by a
fingerprint of both (path, size and modification time of every file). Any doubt (no cache dir,
unreadable or stale file) falls back to building from the YAML, which also re-validates it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_CODE_DIR = Path(__file__).resolve().parent
# Knowledge, code, and the data the router is built from (the semantic model, the English word table,
# the confidence model's calibration): a change to any of them makes a new snapshot.
CACHED_SUFFIXES = (".yaml", ".yml", ".py", ".json", ".npy", ".gz", ".txt")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cro-bot"


def fingerprint(knowledge_dir: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for root in (Path(knowledge_dir).resolve(), _CODE_DIR):
        for path in sorted(root.rglob("*")):
            if path.suffix in CACHED_SUFFIXES and path.is_file():
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def cached(knowledge_dir: Path, build: Callable[[], T], cache_dir: Path | None) -> T:
    """`build()`'s result for this knowledge folder and code, from the cache when it is current."""
    if cache_dir is None:
        return build()
    path = Path(cache_dir) / f"knowledge-{fingerprint(knowledge_dir)}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - written by this program into the user's cache
    except Exception:  # noqa: BLE001, S110 - missing, corrupt or incompatible: rebuilt below, never fatal
        pass
    value = build()
    import tempfile  # only a cache miss writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as written:
            pickle.dump(value, written, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written.name, path)  # atomic: concurrent starts never read half a file
        for old in path.parent.glob("knowledge-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home still answers, just without the cache
    return value
