"""Long fuzzing run over the targets of tests/fuzz: coverage-guided with atheris, else hypothesis.

Each target runs in its own process (atheris owns the process it fuzzes) against one embedded
server started for the run, with the same oracles as the test suite (tests/fuzz/oracles.py): a
finding is any exception other than the target's documented refusal, or a broken invariant
(partial write, an error naming no file, a 5xx). Findings are recorded and fuzzing goes on; a
hang is an input that runs past ``--hang-s`` (libFuzzer's ``-timeout`` under atheris).

Usage: ``python bench/fuzz.py [--seconds 30] [--targets load-csv,api] [--engine atheris|hypothesis]
[--json out.json]``; ``pip install atheris`` for the coverage-guided engine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import emit, machine  # noqa: E402

TARGETS = ["load-triples", "load-csv", "load-lastfm", "load-movies", "spec-json", "spec-cli", "search", "api"]
SEP = b"\x1e"  # between the files of one load input (atheris engine)


class Target:
    """One fuzz target: its oracle on a hypothesis-drawn input or on raw bytes, and its seed corpus."""

    def __init__(self, name: str, data_dir: Path, work: Path) -> None:
        from kgplatform.config import Settings
        from kgplatform.store import open_store
        from tests.fuzz import inputs, oracles

        self.name, self.work, self.oracles, self.inputs = name, work, oracles, inputs
        settings = Settings(store="embedded", data_dir=data_dir, graph=f"fuzz_{uuid.uuid4().hex[:10]}",
                            api_token="secret-token")
        self.store = open_store(settings)
        oracles.reset(self.store)
        if name == "api":
            from kgplatform.ingest import load_graph, read_graph
            from tests.conftest import TINY_KG
            from webui import create_app

            app = create_app(settings, TESTING=True)
            self.store = app.extensions["kg"].store
            self.store.drop_graph()
            self.store.ensure_schema()
            load_graph(self.store, read_graph([TINY_KG], "triples"))
            self.client = app.test_client()

    def strategy(self) -> Any:
        """The hypothesis strategy of this target's inputs."""
        kind, _, arg = self.name.partition("-")
        return {"load": lambda: self.inputs.loader_files(arg), "spec": lambda: {
            "json": self.inputs.spec_inputs, "cli": self.inputs.cli_args}[arg],
            "search": lambda: self.inputs.search_texts, "api": self.inputs.http_requests}[kind]()

    def run(self, value: Any) -> None:
        """Check one input (as drawn by :meth:`strategy`)."""
        kind, _, arg = self.name.partition("-")
        if kind == "load":
            self.oracles.check_load(self.store, arg, value, self.work)
        elif self.name == "spec-json":
            self.oracles.check_spec(value)
        elif self.name == "spec-cli":
            self.oracles.check_cli_spec(value)
        elif kind == "search":
            self.oracles.check_search(self.store, value)
        else:
            method, path, kwargs = value
            self.oracles.check_request(self.client, method, path, **kwargs)

    def from_bytes(self, data: bytes) -> Any:
        """An input from raw bytes (atheris): None when the bytes do not make one (not JSON, say)."""
        import atheris

        kind, _, arg = self.name.partition("-")
        if kind == "load":
            chunks = data.split(SEP)
            return {name: chunks[i] if i < len(chunks) else b"" for i, name in enumerate(self.inputs.SEEDS[arg])}
        text = data.decode("utf-8", "replace")
        if self.name == "spec-json":
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                return None
        if self.name == "spec-cli":
            return text.split("\n")
        if kind == "search":
            return text
        fdp = atheris.FuzzedDataProvider(data)
        routes = self.inputs.ROUTES
        method, template, names = routes[fdp.ConsumeIntInRange(0, len(routes) - 1)]
        path = template.format(quote(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(1, 30)) or "x", safe=""))
        values = {(names[fdp.ConsumeIntInRange(0, len(names) - 1)] if names and fdp.ConsumeBool()
                   else fdp.ConsumeUnicodeNoSurrogates(5)): fdp.ConsumeUnicodeNoSurrogates(40)
                  for _ in range(fdp.ConsumeIntInRange(0, 4))}
        kwargs: dict[str, Any] = {"headers": {"Authorization": "Bearer secret-token"} if fdp.ConsumeBool() else {}}
        if method == "GET":
            kwargs["query_string"] = values
        elif template.startswith("/api/"):
            kwargs |= {"data": fdp.ConsumeBytes(fdp.remaining_bytes()), "content_type": "application/json"}
        else:
            kwargs["data"] = values
        return method, path, kwargs

    def corpus(self, folder: Path) -> None:
        """Write valid inputs of this target as the atheris seed corpus."""
        folder.mkdir(parents=True, exist_ok=True)
        kind, _, arg = self.name.partition("-")
        seeds: list[bytes]
        if kind == "load":
            seeds = [SEP.join(self.inputs.seed_files(arg).values())]
        elif self.name == "spec-json":
            seeds = [b'{"model": "complex", "relations": ["LIKES"], "epochs": 5, "dim": 16, "lr": 0.1}',
                     b'{"model": "text", "since": "2026-11-22", "text_fields": "name,description"}']
        elif self.name == "spec-cli":
            seeds = [b"--model\ncomplex\n--relations\nLIKES,HAS_GENRE\n--epochs\n5\n--no-eval"]
        elif kind == "search":
            seeds = [b"alice", b'"the matrix" +alien~ inc*', b"Inceptoin"]
        else:
            seeds = [bytes([i]) + b"alice\x05limit" for i in range(len(self.inputs.ROUTES))]
        for i, seed in enumerate(seeds):
            (folder / f"seed{i}").write_bytes(seed)


class Tally:
    """Inputs tried and distinct findings, written to ``path`` as they change (atheris may end the process)."""

    def __init__(self, target: str, path: Path) -> None:
        self.target, self.path, self.started = target, path, time.perf_counter()
        self.inputs, self.findings, self.outcomes, self.written = 0, {}, {}, 0.0

    def check(self, run: Any, value: Any) -> None:
        self.inputs += 1
        try:
            run(value)
        except Exception as exc:
            key = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            self.findings.setdefault(key, {"count": 0, "input": repr(value)[:500]})["count"] += 1
        if time.perf_counter() - self.written > 1:
            self.save()

    def save(self) -> None:
        self.written = time.perf_counter()
        self.path.write_text(json.dumps({"target": self.target, "inputs": self.inputs,
                                         "seconds": round(self.written - self.started, 1),
                                         "findings": self.findings}))


def child(args: argparse.Namespace) -> None:
    """Fuzz one target until ``--seconds`` pass, keeping the tally in ``--out``."""
    work = Path(tempfile.mkdtemp(prefix="kgfuzz-"))
    tally = Tally(args.child, Path(args.out))
    try:
        if args.engine == "atheris":
            import atheris

            with atheris.instrument_imports(include=["kgplatform", "webui", "tests.fuzz"]):
                target = Target(args.child, Path(args.data_dir), work / "in")
            target.corpus(work / "corpus")

            def one(data: bytes) -> None:
                value = target.from_bytes(data)
                if value is not None:
                    tally.check(target.run, value)

            atheris.Setup([sys.argv[0], f"-max_total_time={args.seconds}", f"-timeout={args.hang_s}",
                           "-rss_limit_mb=4096", "-print_final_stats=1", str(work / "corpus")], one)
            atheris.Fuzz()  # ends the process itself; the tally was saved as it went
        else:
            from hypothesis import HealthCheck, given, settings

            target = Target(args.child, Path(args.data_dir), work / "in")
            deadline = time.perf_counter() + args.seconds

            @settings(max_examples=200, deadline=None, database=None, derandomize=False,
                      suppress_health_check=list(HealthCheck))
            @given(target.strategy())
            def batch(value: Any) -> None:
                if time.perf_counter() < deadline:
                    tally.check(target.run, value)

            while time.perf_counter() < deadline:
                batch()
    finally:
        tally.save()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="per target")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--engine", choices=["atheris", "hypothesis"], default=None)
    parser.add_argument("--hang-s", type=int, default=20, help="an input running longer is a hang")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine is None:
        try:
            import atheris  # noqa: F401
            args.engine = "atheris"
        except ImportError:
            args.engine = "hypothesis"
    if args.child:
        child(args)
        return
    from kgplatform.store.server import ensure_server, stop_server

    data_dir = Path(tempfile.mkdtemp(prefix="kgfuzz-data-"))
    ensure_server(data_dir)
    results: list[dict[str, Any]] = []
    try:
        for name in args.targets.split(","):
            out = data_dir / f"{name}.json"
            started = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--child", name, "--engine", args.engine,
                                   "--seconds", str(args.seconds), "--hang-s", str(args.hang_s),
                                   "--data-dir", str(data_dir), "--out", str(out)],
                                  capture_output=True, text=True, timeout=args.seconds + 300)
            result = json.loads(out.read_text()) if out.exists() else {"target": name, "inputs": 0, "findings": {}}
            result["fuzz_seconds"] = result.pop("seconds", 0.0)
            result["wall_seconds"] = round(time.perf_counter() - started, 1)  # with imports and instrumenting
            if done.returncode != 0:  # a hang, a crash in native code, or an out-of-memory kill
                result["findings"][f"process ended with code {done.returncode}"] = {
                    "count": 1, "input": done.stderr[-1500:]}
            results.append(result)
            print(f"{name:14s} {result['inputs']:8d} inputs {result['fuzz_seconds']:7.1f} s "
                  f"{len(result['findings'])} findings", file=sys.stderr)
    finally:
        stop_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    emit({"engine": args.engine, "machine": machine(), "seconds_per_target": args.seconds, "targets": results},
         args.json)


if __name__ == "__main__":
    main()
