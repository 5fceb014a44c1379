"""Router speed and memory, reported in one run (a measurement, not a test: nothing here asserts).

    .venv/bin/python benchmarks/bench_router.py [--rounds N] [--starts N]

Reports:
1. routing time per question (median, p99) over the project's development questions, with both
   signals on (target: p99 <= 5 ms on a 2-core machine) and with the lexical signal alone;
2. the same for a bare rapidfuzz.process.extractOne(WRatio, default_process) over the same stored
   phrasings, for scale;
3. routing time when the knowledge base is 10x and 100x larger (target: under 10x at 100x). The
   synthetic copies model a bigger knowledge base the way one grows: more topics that share the
   domain's common words. Each copy keeps the words that are common in the real base ("cro",
   "sponsor", "trial", fillers) and renames every topic word (e.g. "verification" -> "verificationk7");
4. cold start of `cro-bot ask` (target: <= 0.5 s with the knowledge cache warm), against
   `python -c "import rapidfuzz, yaml"`, and with the cache off for reference;
5. peak memory: resident size of `cro-bot ask` (target <= 200 MiB), and the router's index size at
   1x, 10x and 100x.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.knowledge.model import Entry, KnowledgeBase  # noqa: E402
from bot.routing.router import Router  # noqa: E402
from bot.routing.semantic import load_encoder  # noqa: E402

EVALS = (ROOT / "tests" / "eval" / "router_eval.yaml", ROOT / "tests" / "eval" / "realistic_dev.yaml")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def timings(fn, questions: list[str], rounds: int) -> tuple[float, float]:
    """(median, p99) in microseconds of fn(question) over every question, `rounds` times, after a
    warm-up pass."""
    for q in questions:
        fn(q)
    samples = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6


def synthetic(kb: KnowledgeBase, router: Router, copies: int) -> KnowledgeBase:
    """`kb` plus copies-1 renamed copies of every entry (see the module docstring)."""
    lexical = router.lexical
    common = {w for w, postings in lexical.postings.items() if len(postings) >= 0.05 * len(lexical.phrasings)}
    vocabulary = router.vocabulary

    def keep(word: str) -> bool:
        return set(vocabulary.content_words(word)) <= common

    def rename(text: str, k: int) -> str:
        return WORD.sub(lambda m: m.group(0) if keep(m.group(0)) else f"{m.group(0)}k{k}", text)

    entries = dict(kb.entries)
    for k in range(1, copies):
        for entry in kb.entries.values():
            copy_id = f"{entry.id}-k{k}"
            entries[copy_id] = Entry(
                copy_id,
                rename(entry.title, k),
                tuple(rename(q, k) for q in entry.questions),
                entry.answer,
                entry.sources,
                topic=entry.topic,
            )
    return kb._replace(entries=entries)


def index_size(kb: KnowledgeBase, encoder) -> tuple[Router, float]:
    """The router for `kb` with both signals, and the memory its indexes take (MiB)."""
    gc.collect()
    tracemalloc.start()
    router = Router(kb, encoder)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return router, size / 2**20


# Run one command and print its peak resident memory (KiB). A small wrapper, because a child forked
# from this benchmark would report the benchmark's own size.
_PEAK_RSS = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True, check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss_mib(command: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS, *command], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def cold_start(starts: int) -> dict[str, float]:
    python, cli = sys.executable, str(Path(sys.executable).with_name("cro-bot"))
    question = "What is the difference between an ARO and a CRO?"
    commands = {
        "baseline": [python, "-c", "import rapidfuzz, yaml"],
        "cached": [cli, "ask", question],
        "uncached": [cli, "ask", question],
    }
    env_off = {**os.environ, "KNOWLEDGE_CACHE": "0"}
    subprocess.run(commands["cached"], capture_output=True, check=True)  # warm the cache and the OS
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(starts):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=env_off if name == "uncached" else None)
            runs[name].append(time.perf_counter() - start)
    result = {name: statistics.median(values) * 1000 for name, values in runs.items()}
    result["ask_rss_mib"] = peak_rss_mib(commands["cached"])
    result["baseline_rss_mib"] = peak_rss_mib(commands["baseline"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions per timing")
    parser.add_argument("--starts", type=int, default=15, help="process starts per cold-start figure")
    args = parser.parse_args()

    start = cold_start(args.starts)  # first, while this process is small
    kb = load_knowledge(ROOT / "knowledge")
    encoder = load_encoder()
    router, size_1x = index_size(kb, encoder)
    questions = [str(item["q"]) for path in EVALS for item in yaml.safe_load(path.read_text())["questions"]]
    phrasings = [text for e in kb.entries.values() for text in (e.title, *e.questions)]
    print(f"knowledge: {len(kb.entries)} entries, {len(phrasings)} stored phrasings; {len(questions)} questions")

    med, p99 = timings(router.route, questions, args.rounds)
    router.attach_encoder(None)
    lex_med, lex_p99 = timings(router.route, questions, args.rounds)
    router.attach_encoder(encoder)

    def bare(q: str):
        return process.extractOne(q, phrasings, scorer=fuzz.WRatio, processor=utils.default_process)

    bare_med, bare_p99 = timings(bare, questions, args.rounds)
    print(f"router, both signals  median {med:8.1f} us   p99 {p99:8.1f} us   (target p99 <= 5000 us)")
    print(f"router, lexical only  median {lex_med:8.1f} us   p99 {lex_p99:8.1f} us")
    print(f"bare extractOne   median {bare_med:8.1f} us   p99 {bare_p99:8.1f} us   (WRatio, default_process)")
    print(f"router / bare     {med / bare_med:.2f}x of the median")

    print(f"index size 1x     {size_1x:8.2f} MiB")
    for copies in (10, 100):
        big = synthetic(kb, router, copies)
        big_router, size = index_size(big, encoder)
        big_med, big_p99 = timings(big_router.route, questions, max(1, args.rounds // 2))
        big_router.attach_encoder(None)
        big_lex, _ = timings(big_router.route, questions, 1)
        print(
            f"knowledge x{copies:<4} {len(big.entries):6d} entries  median {big_med:8.1f} us  p99 {big_p99:8.1f} us"
            f"  = {big_med / med:5.2f}x the 1x median (lexical alone {big_lex / lex_med:5.2f}x)   index {size:7.2f} MiB"
        )
        del big, big_router
    print("(target: under 10x at 100x)")

    print(
        f"cold start        cro-bot ask {start['cached']:.0f} ms (cache warm), {start['uncached']:.0f} ms"
        f" (KNOWLEDGE_CACHE=0); python -c 'import rapidfuzz, yaml' {start['baseline']:.0f} ms"
    )
    print(
        f"cold start ratio  {start['cached'] / start['baseline']:.2f}x warm, "
        f"{start['uncached'] / start['baseline']:.2f}x without cache   (target: cro-bot ask <= 500 ms warm)"
    )
    print(
        f"peak memory       cro-bot ask {start['ask_rss_mib']:.1f} MiB resident"
        f" (python -c 'import rapidfuzz, yaml': {start['baseline_rss_mib']:.1f} MiB)   (target <= 200 MiB)"
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory       {own:.1f} MiB resident, this benchmark (holds the 100x index)")


if __name__ == "__main__":
    main()
