"""Load the HTTP app as Slack would, and count what comes back (a measurement; nothing asserts).

    .venv/bin/python benchmarks/load_slack.py [--requests N] [--levels 1,4,12,24]

Starts the Procfile's `web:` process (gunicorn, its configured workers and threads) and a local
stand-in for Slack's Web API, both on 127.0.0.1, then at each concurrency level sends a burst of
signed requests, half app mentions and half `/cro-checklist` commands, each one unique. It reports
the ack latency (the HTTP response Slack waits for; it must come within 3 s) at p50/p99, answers
per second (first request to last answer), and answers lost or duplicated: every mention must get
exactly one chat.postMessage in its thread, every command exactly one post to its response_url.
Target: no loss, no duplicate, p99 under 100 ms at 12 concurrent requests.

The stand-in runs in a process of its own (this script with --standin): answering 250 posts a second
inside the load generator would compete for the generator's GIL and inflate the latencies it times.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.slack_requests import SlackSender, app_mention  # noqa: E402
from tests.support.slack_standin import SlackStandIn  # noqa: E402

SECRET = "load-test-signing-secret"
QUESTIONS = [
    "what is the difference between an ARO and a CRO?",
    "who is responsible for data integrity when a CRO runs the trial?",
    "what is source data verification",
    "what is a hybrid car",  # off-topic: the fallback path is load too
]
TOPICS = ["monitoring", "safety", "toro", "zzzz"]


def standin_main() -> None:
    """Run the Web API stand-in, and beside it a stats server the load generator reads calls from."""
    standin = SlackStandIn().start()

    class Stats(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/clear":
                standin.clear()
                data = b"{}"
            else:
                posts = [(c.body.get("channel"), c.body.get("thread_ts")) for c in standin.calls("chat.postMessage")]
                data = json.dumps({"posts": posts, "hooks": [c.path for c in standin.calls("/hooks/")]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    stats = ThreadingHTTPServer(("127.0.0.1", 0), Stats)
    print(standin.base_url, f"http://127.0.0.1:{stats.server_port}", flush=True)
    stats.serve_forever()


class RemoteStandIn:
    """The stand-in process, seen from the load generator."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--standin"], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        self.base_url, self.stats_url = self.process.stdout.readline().split()
        self.api_url = self.base_url + "/api/"

    def hook_url(self, name: str) -> str:
        return f"{self.base_url}/hooks/{name}"

    def clear(self) -> None:
        urlopen(self.stats_url + "/clear").read()

    def calls(self) -> dict:
        return json.loads(urlopen(self.stats_url + "/calls").read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_web(api_url: str, port: int, home: str) -> subprocess.Popen:
    line = next(row for row in (ROOT / "Procfile").read_text().splitlines() if row.startswith("web:"))
    command = line.split(":", 1)[1].strip().replace("$PORT", str(port))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": home,
        "PORT": str(port),
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",  # loopback only
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "STATE_DB": str(Path(home) / "state.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        f"exec {command}", shell=True, cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_healthy(sender: SlackSender, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if sender.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the web: process did not become healthy")


def burst(sender: SlackSender, standin: RemoteStandIn, level: int, count: int, tag: str) -> dict:
    jobs = []
    for i in range(count):
        if i % 2 == 0:
            jobs.append(("mention", app_mention(QUESTIONS[i % len(QUESTIONS)], channel=f"C{tag}{i}")))
        else:
            jobs.append(("command", (TOPICS[i % len(TOPICS)], standin.hook_url(f"load/{tag}/{i}"))))

    def send(job):
        kind, payload = job
        start = time.perf_counter()
        response = sender.event(payload) if kind == "mention" else sender.command(*payload)
        return time.perf_counter() - start, response.status

    standin.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=level) as pool:
        results = list(pool.map(send, jobs))
    mentions = [p for k, p in jobs if k == "mention"]
    commands = [p for k, p in jobs if k == "command"]
    expected = len(mentions) + len(commands)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        calls = standin.calls()
        if len(calls["posts"]) + len(calls["hooks"]) >= expected:
            break
        time.sleep(0.05)
    finished = time.perf_counter()
    time.sleep(0.5)  # anything arriving now would be a duplicate
    calls = standin.calls()
    posts = Counter(tuple(p) for p in calls["posts"])
    hooks = Counter(calls["hooks"])
    lost = sum(1 for m in mentions if posts[(m["channel"], m["ts"])] == 0)
    lost += sum(1 for _, url in commands if hooks[urlparse(url).path] == 0)
    duplicated = sum(n - 1 for n in posts.values() if n > 1) + sum(n - 1 for n in hooks.values() if n > 1)
    latencies = sorted(t for t, _ in results)
    return {
        "level": level,
        "requests": count,
        "non_200": sum(1 for _, status in results if status != 200),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "answers_per_s": (expected - lost) / (finished - started),
        "lost": lost,
        "duplicated": duplicated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--levels", default="1,4,12,24", help="concurrency levels, comma-separated")
    parser.add_argument("--standin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.standin:
        return standin_main()
    levels = [int(x) for x in args.levels.split(",")]
    standin = RemoteStandIn()
    with tempfile.TemporaryDirectory() as home:
        port = free_port()
        web = start_web(standin.api_url, port, home)
        try:
            sender = SlackSender(f"http://127.0.0.1:{port}", SECRET)
            wait_healthy(sender)
            burst(sender, standin, 4, 20, "warm")  # warm both workers before measuring
            print(f"web: process from the Procfile on 127.0.0.1:{port}; Web API stand-in at {standin.api_url}")
            print("level  requests  non-200  ack p50 ms  ack p99 ms  ack max ms  answers/s  lost  duplicated")
            for level in levels:
                r = burst(sender, standin, level, args.requests, f"L{level}")
                print(
                    f"{r['level']:>5}  {r['requests']:>8}  {r['non_200']:>7}  {r['p50_ms']:>10.1f}"
                    f"  {r['p99_ms']:>10.1f}  {r['max_ms']:>10.1f}  {r['answers_per_s']:>9.1f}"
                    f"  {r['lost']:>4}  {r['duplicated']:>10}"
                )
        finally:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                web.kill()
            standin.stop()


if __name__ == "__main__":
    main()
