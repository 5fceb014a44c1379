"""A semantic signal for the router: sentence embeddings from a static model, on the CPU, offline.

The model (bot/data/minilm-static/, made by scripts/distill_static.py) is all-MiniLM-L6-v2 distilled
into one vector per token, model2vec-style: every vocabulary item was passed once through the
transformer, the vectors reduced by PCA and weighted by how rare the token is in English (SIF). A
text's embedding is the mean of its tokens' vectors, L2-normalised, so encoding a question costs a
tokenizer pass and a few row look-ups: no transformer, no PyTorch, no download, numpy only. The
choice and its figures: docs/decisions/0001-semantic-model.md.

    encoder = load_encoder()          # None (the reason logged, or passed to on_failure) if unusable
    if encoder:
        vectors = encoder.encode(["who is responsible for the trial", "..."])   # (n, dim) float32
        scores = vectors @ vectors[0]                                            # cosine similarities

Rows are L2-normalised; a text with no known token (empty, emoji only, another script) gets a zero
row, which is 0.0 from everything, never NaN.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.routing.text import MAX_QUESTION_CHARS, strip_slack_markup, visible
from bot.routing.wordpiece import WordPiece, normalize, pre_tokenize

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "minilm-static"
MANIFEST = "manifest.json"
# sha256 of each model file, pinned here so a damaged, truncated or swapped file is refused rather than
# read; scripts/distill_static.py prints these lines when it makes a new model.
MODEL_FILES: dict[str, str] = {
    "vectors.npy": "8508241c084c8ac890d543dabf4bea49b607ae8581798f8bac1d56a7ead9d521",
    "scales.npy": "302e24e010cd6b5c48eb1b67c0ce5b664fd6d4fce2029502d3a5b78544c73f4b",
    "vocab.txt": "185c2afde735fca10c6f7b3588e5da7af3baaf01463d82e3865c01d2b1f32a34",
}


class EncoderUnavailable(Exception):
    """The model or its runtime is missing or broken; the message says which and why."""


class Encoder(Protocol):
    """What the router needs from a sentence-embedding model."""

    name: str  # model id and checksum prefix: part of any cache key of vectors it made
    dimensions: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimensions), rows L2-normalised (or zero: no known token)."""
        ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _clean(text: str) -> str:
    """What a person sees of a Slack message: no markup, no invisible characters, a sane length."""
    return strip_slack_markup(visible(text[:MAX_QUESTION_CHARS]))


class StaticEncoder:
    """Token vectors (int8 rows with a float32 scale each) and the tokenizer that indexes them.

    Tokenizing: BERT's uncased normalisation and punctuation split; a word the vocabulary holds whole
    is one token, any other is split into WordPiece pieces (greedy longest match), and a word with a
    piece the vocabulary lacks (another script, say) is dropped.
    """

    def __init__(self, vectors: np.ndarray, scales: np.ndarray, vocabulary: list[str], name: str) -> None:
        import numpy as np

        if vectors.ndim != 2 or vectors.shape[0] != len(vocabulary) or scales.shape != (len(vocabulary),):
            raise EncoderUnavailable(
                f"model files disagree: vectors {vectors.shape}, scales {scales.shape}, {len(vocabulary)} tokens"
            )
        self.vectors = vectors
        self.scales = scales.astype(np.float32)
        self.tokenizer = WordPiece(vocabulary)
        self.name = name
        self.dimensions = int(vectors.shape[1])

    def token_ids(self, text: str) -> list[int]:
        ids = self.tokenizer.ids
        out: list[int] = []
        for word in pre_tokenize(normalize(_clean(text))):
            whole = ids.get(word)
            if whole is not None:
                out.append(whole)
                continue
            pieces = self.tokenizer.word_ids(word)
            if pieces[0] >= 0:
                out.extend(pieces)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np  # already imported by open_encoder; kept out of the instance so it pickles

        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.token_ids(text)
            if not ids:
                continue
            vector = (self.vectors[ids].astype(np.float32) * self.scales[ids, None]).mean(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0.0:
                out[row] = vector / norm
        return out


def open_encoder(directory: Path | None = None, *, verify: bool = True) -> StaticEncoder:
    """The static model in `directory` (default: the one shipped in bot/data). Raises
    EncoderUnavailable naming the file and the fault. `verify` checks every file against the sha256
    pinned in MODEL_FILES (for the shipped model) or listed in the folder's manifest (any other)."""
    try:
        import numpy as np
    except ImportError as error:  # the runtime itself is missing
        raise EncoderUnavailable(f"numpy is not installed ({error})") from error
    directory = Path(directory) if directory is not None else MODEL_DIR
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EncoderUnavailable(f"no semantic model at {directory} ({MANIFEST} is missing)") from error
    except (OSError, ValueError) as error:
        raise EncoderUnavailable(f"{directory / MANIFEST} is unreadable: {error}") from error
    pinned = MODEL_FILES if directory.resolve() == MODEL_DIR.resolve() else manifest.get("sha256", {})
    for filename in ("vectors.npy", "scales.npy", "vocab.txt"):
        path = directory / filename
        if not path.is_file():
            raise EncoderUnavailable(f"semantic model file {path} is missing")
        if verify:
            expected = pinned.get(filename)
            if not expected:
                raise EncoderUnavailable(f"no checksum is recorded for {path}")
            actual = _sha256(path)
            if actual != expected:
                raise EncoderUnavailable(
                    f"{path} is damaged or replaced: sha256 {actual[:12]}…, expected {expected[:12]}…"
                )
    try:
        vectors = np.load(directory / "vectors.npy", allow_pickle=False)
        scales = np.load(directory / "scales.npy", allow_pickle=False)
        vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise EncoderUnavailable(f"semantic model in {directory} is unreadable: {error}") from error
    if vocabulary and vocabulary[-1] == "":
        vocabulary.pop()
    checksum = pinned.get("vectors.npy") or _sha256(directory / "vectors.npy")
    name = f"{manifest.get('name', directory.name)}@{checksum[:12]}"
    return StaticEncoder(vectors, scales, vocabulary, name)


def load_encoder(
    directory: Path | None = None,
    *,
    verify: bool = True,
    on_failure: Callable[[str], None] | None = None,
) -> StaticEncoder | None:
    """open_encoder(), or None when the model cannot be used: the reason goes to `on_failure`
    (default: a warning on this module's logger), and the router carries on without the signal."""
    try:
        return open_encoder(directory, verify=verify)
    except EncoderUnavailable as error:
        reason = f"semantic signal off: {error}"
        if on_failure is None:
            log.warning("%s", reason)
        else:
            on_failure(reason)
        return None
