"""The sweeper every worker of every instance runs: nothing a person asked is lost when a worker dies.

Every `period` seconds it (1) beats for the questions this worker accepted and has not answered yet,
which also writes what the store queued while the database was down, and (2) takes over the questions
whose worker has shown no heartbeat for CLAIM_GRACE_SECONDS (killed, or its machine gone), answering
each in its conversation with its workspace's token and marking it answered. Taking one over is a
single UPDATE ... RETURNING, so with many sweepers each question goes to one of them.
"""

from __future__ import annotations

import logging
import threading

from bot.slack.answering import answer_pending
from bot.slack.installations import ClientFor
from bot.slack.listeners.base import failure
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory
from bot.use_cases import UseCases

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self,
        use_cases: UseCases,
        claims: DeliveryClaims,
        client_for: ClientFor,
        *,
        grace: float,
        period: float | None = None,
        threads: ThreadMemory | None = None,
    ) -> None:
        self.use_cases = use_cases
        self.claims = claims
        self.client_for = client_for
        self.grace = grace
        self.threads = threads
        self.period = period if period is not None else max(0.2, min(grace / 3, 5.0))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Sweeper:
        self._thread = threading.Thread(target=self._run, name="cro-bot-sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.sweep()
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log.error("sweeping failed: %s", failure(exc))

    def sweep(self) -> int:
        """One round: beat, then answer what silent workers left; how many questions were taken over."""
        self.claims.heartbeat()
        taken = self.claims.take_over(self.grace)
        for pending in taken:
            client = self.client_for(pending.enterprise, pending.team)
            if client is None:
                log.warning("a question left by a stopped worker cannot be answered: its workspace is not installed")
                self.claims.release(pending.key, failed=True)
                continue
            try:
                answer_pending(self.use_cases, self.claims, pending, client, threads=self.threads)
            except Exception as exc:  # noqa: BLE001 - released (or given up) by answer_pending; logged here
                log.error("answering a question taken over failed: %s", failure(exc))
        if taken:
            log.info("took over %d question(s) left unanswered by a worker that stopped", len(taken))
        return len(taken)
