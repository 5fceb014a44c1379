"""Bursts of signed mentions, as Slack sends them under load, to one or several web processes, and the
tally of what came back: which were acknowledged, how each was answered (once, twice, never).
Used by the multi-instance, fault and kill tests and by benchmarks/load_slack.py::

    burst = Burst.of(120, tag="two")
    burst.send([sender_a, sender_b], concurrency=12, retry_every=3)   # a third also retried at the other
    tally = burst.tally(standin.calls("chat.postMessage"))
    assert tally.lost == [] and tally.duplicated == {}
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.slack_requests import SlackSender, app_mention, event_callback, new_event_id

QUESTIONS = (
    "what is the difference between an ARO and a CRO?",
    "who is responsible for data integrity when a CRO runs the trial?",
    "what is source data verification",
    "what is a hybrid car",  # off-topic: the fallback path is load too
)


@dataclass
class Delivery:
    """One HTTP delivery of a mention: the first, or Slack's retry of it (same event id)."""

    index: int
    retry_num: int | None
    status: int | None = None  # None: no HTTP answer at all (connection refused or reset)
    seconds: float = 0.0

    @property
    def acked(self) -> bool:
        return self.status == 200


@dataclass
class Tally:
    answered: int
    lost: list[int]  # mentions acknowledged at least once and never answered
    duplicated: dict[int, int]  # mention -> answers beyond the first
    unacked: list[int]  # mentions no delivery of which was acknowledged (Slack would retry them)


@dataclass
class Burst:
    mentions: list[dict]
    event_ids: list[str]
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, count: int, tag: str) -> Burst:
        mentions = [app_mention(QUESTIONS[i % len(QUESTIONS)], channel=f"C{tag.upper()}{i}") for i in range(count)]
        return cls(mentions, [new_event_id() for _ in mentions])

    def deliver(self, sender: SlackSender, index: int, retry_num: int | None = None) -> Delivery:
        body = event_callback(self.mentions[index], event_id=self.event_ids[index])
        delivery = Delivery(index, retry_num)
        started = time.perf_counter()
        try:
            delivery.status = sender.envelope(body, retry_num=retry_num).status
        except OSError:
            delivery.status = None
        delivery.seconds = time.perf_counter() - started
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    def send(
        self,
        senders: Sequence[SlackSender],
        *,
        concurrency: int,
        retry_every: int = 0,
        between: Callable[[int], None] | None = None,
    ) -> None:
        """Every mention to one sender in turn; each `retry_every`-th also, at once, as Slack's retry
        to the next sender. `between(n)` is called once n deliveries have been sent (for faults)."""
        jobs: list[tuple[SlackSender, int, int | None]] = []
        for i in range(len(self.mentions)):
            jobs.append((senders[i % len(senders)], i, None))
            if retry_every and i % retry_every == 0:
                jobs.append((senders[(i + 1) % len(senders)], i, 1))
        sent = itertools.count(1)

        def run(job: tuple[SlackSender, int, int | None]) -> None:
            self.deliver(*job)
            n = next(sent)
            if between is not None:
                between(n)

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(run, jobs))

    def retry_unacked(self, sender: SlackSender, attempts: int = 3) -> None:
        """What Slack does for a delivery that got no 200: send it again (up to three retries)."""
        for retry_num in range(1, attempts + 1):
            missing = self.unacked()
            if not missing:
                return
            for index in missing:
                self.deliver(sender, index, retry_num)

    def unacked(self) -> list[int]:
        acked = {d.index for d in self.deliveries if d.acked}
        return [i for i in range(len(self.mentions)) if i not in acked]

    def answers(self, posts: Sequence) -> Counter[int]:
        """How many chat.postMessage calls each mention got (in its own channel's thread)."""
        by_thread = {(m["channel"], m["ts"]): i for i, m in enumerate(self.mentions)}
        counts: Counter[int] = Counter()
        for post in posts:
            index = by_thread.get((post.body.get("channel"), post.body.get("thread_ts")))
            if index is not None:
                counts[index] += 1
        return counts

    def tally(self, posts: Sequence) -> Tally:
        counts = self.answers(posts)
        unacked = self.unacked()
        return Tally(
            answered=sum(1 for i in range(len(self.mentions)) if counts[i]),
            lost=[i for i in range(len(self.mentions)) if not counts[i] and i not in unacked],
            duplicated={i: n - 1 for i, n in counts.items() if n > 1},
            unacked=unacked,
        )

    def ack_seconds(self) -> list[float]:
        return sorted(d.seconds for d in self.deliveries if d.acked)


def wait_answered(burst: Burst, standin, timeout: float) -> Tally:
    """Until every acknowledged mention has an answer (or `timeout`); the tally then."""
    deadline = time.monotonic() + timeout
    while True:
        tally = burst.tally(standin.calls("chat.postMessage"))
        if not tally.lost or time.monotonic() > deadline:
            return tally
        time.sleep(0.1)


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is `master` (a gunicorn master's workers), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def kill_9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
