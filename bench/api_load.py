"""Benchmark: the read API under load from another process while completion jobs write back.

Loads Last.FM (``--copies`` disjoint copies), runs one completion job in-process so that users
have recommendations with stored paths, and serves the app with gunicorn as docker-compose does.
Then, for ``--seconds``:

* a load generator in its own process runs ``--clients`` concurrent clients, each a closed loop
  on its own keep-alive connection (``--think-ms`` between requests), over a mix of
  ``GET /api/entities/<id>``, ``/api/entities/<id>/neighbourhood`` and
  ``/api/users/<id>/recommendations?k=10&paths=3`` on random ids;
* completion jobs run back to back in another process (``kgplatform complete`` on two KG
  relations), each pulling the graph, training and writing its predictions back.

Reports requests per second, p50 / p90 / p99 / max latency and errors per endpoint and in all,
and the same for the requests sent while a job was in its write-back stage (read from the job
record every 0.2 s).

Usage: ``python bench/api_load.py [--clients 50] [--seconds 180] [--think-ms 0] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import emit, machine  # noqa: E402
from bench.recs_http import load_and_complete  # noqa: E402
from kgplatform.config import Settings  # noqa: E402
from kgplatform.jobs.records import JobBook  # noqa: E402
from kgplatform.store import open_store  # noqa: E402
from kgplatform.store.server import stop_server  # noqa: E402
from webui.served import ServedApp  # noqa: E402

#: Share of each endpoint in the request mix.
MIX = {"entity": 0.4, "neighbourhood": 0.4, "recommendations": 0.2}
#: The background job: it completes two KG relations (LISTENED keeps the recommendations job and
#: its stored paths as the latest), one epoch and no explanations, so that it writes back every few
#: seconds rather than once in minutes (explaining LISTENED's 18,920 predictions takes 76 s alone).
JOB_ARGS = ["--model", "distmult", "--relations", "film.actor.film,music.artist.origin", "--epochs", "1",
            "--dim", "64", "--regime", "negative-sampling", "--batch-size", "8192", "--lr", "0.05", "--no-eval",
            "--top-k", "10", "--explain", "0", "--json"]


def generate(url: str, ids: dict[str, list[str]], clients: int, seconds: float, think_ms: float,
             seed: int = 0) -> list[tuple[float, str, float, int]]:
    """Run the clients; return one (start offset s, endpoint, latency ms, status) per request (0: no answer).

    The clients are coroutines on one event loop speaking minimal HTTP/1.1 (keep-alive, replies
    with Content-Length, as the app sends them): the generator shares the server's cores here, so
    it should take as little CPU as it can. Threads with ``http.client`` took 18% of a core at
    800 requests/s and added their own GIL waits to the latencies measured.
    """
    host, port = url.removeprefix("http://").split(":")
    paths = {"entity": "/api/entities/{}", "neighbourhood": "/api/entities/{}/neighbourhood",
             "recommendations": "/api/users/{}/recommendations?k=10&paths=3"}

    async def client(k: int, start: float, deadline: float) -> list[tuple[float, str, float, int]]:
        rng = random.Random(seed * 1000 + k)
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        out = []
        while (sent := time.perf_counter()) < deadline:
            kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
            target = rng.choice(ids["users"] if kind == "recommendations" else ids["entities"])
            request = f"GET {paths[kind].format(urllib.parse.quote(target, safe=''))} HTTP/1.1\r\nHost: {host}\r\n\r\n"
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, int(port))
                reader, writer = connection
                writer.write(request.encode())
                head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode("latin-1")
                status = int(head.split(" ", 2)[1])
                length = re.search(r"(?im)^content-length:\s*(\d+)", head)
                if length is None:
                    raise ConnectionError(f"a reply without Content-Length: {head[:200]!r}")
                await reader.readexactly(int(length.group(1)))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,  # TimeoutError is an OSError
                    ValueError, IndexError):
                status = 0
                if connection is not None:
                    connection[1].close()
                connection = None
            out.append((sent - start, kind, 1000 * (time.perf_counter() - sent), status))
            if think_ms:
                await asyncio.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))
        if connection is not None:
            connection[1].close()
        return out

    async def run() -> list[tuple[float, str, float, int]]:
        start = time.perf_counter()
        parts = await asyncio.gather(*(client(k, start, start + seconds) for k in range(clients)))
        return [sample for part in parts for sample in part]

    return asyncio.run(run())


def summarise(samples: list[tuple[float, str, float, int]], seconds: float) -> dict[str, Any]:
    """Throughput, latency percentiles and errors (non-2xx or no answer) of some samples."""
    if not samples:
        return {"requests": 0}
    latencies = sorted(s[2] for s in samples)

    def pick(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {"requests": len(samples), "per_s": round(len(samples) / seconds, 1), "p50_ms": pick(0.5),
            "p90_ms": pick(0.9), "p99_ms": pick(0.99), "max_ms": round(latencies[-1], 1),
            "errors": sum(1 for s in samples if not 200 <= s[3] < 300)}


class JobLoop:
    """Completion jobs back to back in a child process, and the stage each is in, sampled every 0.2 s."""

    def __init__(self, settings: Settings, nice: int) -> None:
        self.settings = settings
        self.nice = nice
        self.stop = threading.Event()
        self.jobs: list[dict[str, Any]] = []
        self.stages: list[tuple[float, str]] = []
        self.process: subprocess.Popen[str] | None = None
        self.threads = [threading.Thread(target=self._run), threading.Thread(target=self._watch)]
        self.origin = 0.0

    def start(self, origin: float) -> None:
        self.origin = origin
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        env = {**os.environ, **self.settings.to_env()}
        while not self.stop.is_set():
            self.process = subprocess.Popen(["nice", "-n", str(self.nice), sys.executable, "-m", "kgplatform.cli",
                                             "complete", *JOB_ARGS], env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)
            out, err = self.process.communicate()
            if self.process.returncode == 0:
                result = json.loads(out)
                self.jobs.append({k: result.get(k) for k in ("job_id", "status", "written")})
            elif not self.stop.is_set():
                self.jobs.append({"error": err[-500:]})

    def _watch(self) -> None:
        with open_store(self.settings) as store:
            book = JobBook(store)
            while not self.stop.wait(0.2):
                running = book.list_jobs(status="running", limit=1)
                self.stages.append((time.perf_counter() - self.origin, running[0].stage if running else "idle"))

    def finish(self) -> None:
        """Stop: the job in flight is killed (its lease lapses; the data directory is thrown away)."""
        self.stop.set()
        if self.process is not None:
            self.process.kill()
        for thread in self.threads:
            thread.join()

    def stage_at(self, offset: float) -> str:
        """The stage last sampled at or before ``offset`` seconds."""
        current = "idle"
        for at, stage in self.stages:
            if at > offset:
                break
            current = stage
        return current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--think-ms", type=float, default=0.0)
    parser.add_argument("--web", default="2x8", help="gunicorn workers x threads")
    parser.add_argument("--job-nice", type=int, default=0, help="niceness of the background jobs")
    parser.add_argument("--no-jobs", action="store_true", help="no background jobs (the baseline)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # the load generator's own process
    args = parser.parse_args()
    if args.generate:
        spec = json.loads(args.generate.read_text())
        samples = generate(spec["url"], spec["ids"], args.clients, args.seconds, args.think_ms)
        args.generate.write_text(json.dumps({"samples": samples, "cpu_s": time.process_time()}))
        return
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-load-"))
    settings = Settings(data_dir=data_dir, graph="lastfm", interaction_relation="LISTENED")
    workers, threads = (int(x) for x in args.web.split("x"))
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "clients": args.clients,
                               "seconds": args.seconds, "think_ms": args.think_ms, "web": args.web,
                               "copies": args.copies, "jobs": not args.no_jobs, "job_nice": args.job_nice}
    server = None
    try:
        with open_store(settings) as store:
            load_and_complete(store, settings, args.copies)
            rng = random.Random(0)
            ids = {"users": rng.sample([r[0] for r in store.run_readonly(
                       "MATCH (u:User) RETURN u.id", row_cap=10_000_000).rows], 500),
                   "entities": rng.sample([r[0] for r in store.run_readonly(
                       "MATCH (e:Entity) RETURN e.id", row_cap=10_000_000).rows], 5000)}
            results["edges"] = store.stats().facts
        server = ServedApp(settings, gunicorn=(workers, threads)).start()
        plan = data_dir / "load.json"
        plan.write_text(json.dumps({"url": server.url, "ids": ids}))
        jobs = JobLoop(settings, args.job_nice)
        origin = time.perf_counter()
        if not args.no_jobs:
            jobs.start(origin)
        subprocess.run([sys.executable, __file__, "--generate", str(plan), "--clients", str(args.clients),
                        "--seconds", str(args.seconds), "--think-ms", str(args.think_ms)], check=True)
        window = time.perf_counter() - origin
        if not args.no_jobs:
            jobs.finish()
        generated = json.loads(plan.read_text())
        samples = [tuple(s) for s in generated["samples"]]
        results["generator_cpu_share"] = round(generated["cpu_s"] / window, 3)  # of one core
        results["all"] = summarise(samples, window)
        results |= {kind: summarise([s for s in samples if s[1] == kind], window) for kind in MIX}
        if not args.no_jobs:
            writing = [s for s in samples if jobs.stage_at(s[0]) == "write"]
            write_s = 0.2 * sum(1 for _, stage in jobs.stages if stage == "write")
            results["during_write_back"] = summarise(writing, write_s or 1.0) | {"seconds": round(write_s, 1)}
            results["background_jobs"] = jobs.jobs
            busy = sum(1 for _, stage in jobs.stages if stage != "idle") / max(1, len(jobs.stages))
            results["job_running_share"] = round(busy, 2)
    finally:
        if server is not None:
            server.stop()
        stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
