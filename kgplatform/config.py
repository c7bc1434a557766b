"""Settings read once from ``KG_*`` environment variables; defaults run everything locally.

The CLI, the web app and the workers all build their configuration from :class:`Settings`,
so one environment describes a deployment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Literal

StoreKind = Literal["embedded", "neo4j"]


@dataclass(frozen=True)
class Settings:
    """Where the graph lives and how to reach it.

    The secrets (passwords, the API token, the session key, account hashes) are left out of the
    repr, so a settings object in a log line or a traceback does not disclose them.

    Attributes:
        store: ``embedded`` (a FalkorDB server per data directory) or ``neo4j``.
        data_dir: the embedded server's home: its AOF files, pid, port and log.
        graph: the graph (FalkorDB key / Neo4j database) holding the knowledge graph.
        neo4j_uri, neo4j_user, neo4j_password, neo4j_database: production store.
        broker_url: Celery broker and result store; empty means the embedded server.
        query_timeout_ms: default limit for user Cypher.
        row_cap: most rows user Cypher may return.
        batch_size: rows per write batch (FalkorDB inlines parameters in the query text).
        write_workers: batches in flight at once, so that the client prepares one batch while the
            store writes another.
        pull_workers: per-relation-type pull queries in flight at once (the server runs reads on a
            thread pool, so two keep both cores of a small machine busy).
        api_token: the HTTP API's write endpoints need ``Authorization: Bearer <api_token>``; empty
            means writes over HTTP are refused.
        load_lease_s: how long a load's record in the load ledger lasts without a heartbeat; a load
            whose lease ran out (its process or machine died) is rolled back by the next one.
        job_lease_s: how long a worker's claim on a job lasts without a heartbeat; a job whose lease
            expired (its worker died) is queued again.
        job_max_attempts: claims a job gets before it is marked failed (a job that kills its workers).
        job_time_limit_s: hard limit of one job's run; the soft limit (the job fails cleanly) is 95% of it.
        worker_max_tasks: jobs a worker process runs before it is replaced (frees leaked memory).
        llm_url, llm_model, llm_api_key: an OpenAI-compatible chat endpoint for optional re-ranking
            of top candidates (base URL ending in ``/v1``); empty means none.
        llm_timeout_s, llm_token_budget: per call, and per job.
        interaction_relation: the relation between users and items that recommendations
            complete (``WATCHED``, ``LISTENED_TO``); the CLI and API may name another.
        users: web accounts, ``name:role:hash`` separated by ``;`` (role ``admin`` or ``reader``;
            the hash from ``kgplatform hash-password``); admins may write from the browser.
        secret_key: signs the web session cookie; empty means a random key kept in the data
            directory (shared by every web process on this machine).
        read_requires_login: the web UI and read API refuse anonymous callers too.
        node_modules: where npm installed the web UI's front-end libraries; empty means the
            checkout's ``node_modules`` (``./dev`` runs ``npm ci`` there).
    """

    store: StoreKind = "embedded"
    data_dir: Path = field(default_factory=lambda: Path(".kgdata"))
    graph: str = "kg"
    neo4j_uri: str = "bolt://localhost:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = field(default="", repr=False)
    neo4j_database: str = "neo4j"
    broker_url: str = ""
    query_timeout_ms: int = 10_000
    row_cap: int = 1_000
    batch_size: int = 2_000
    write_workers: int = 2
    pull_workers: int = 2
    api_token: str = field(default="", repr=False)
    load_lease_s: float = 30.0
    job_lease_s: float = 30.0
    job_max_attempts: int = 3
    job_time_limit_s: int = 6 * 3600
    worker_max_tasks: int = 20
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout_s: float = 30.0
    llm_token_budget: int = 200_000
    interaction_relation: str = ""
    users: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    read_requires_login: bool = False
    node_modules: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``KG_*`` variables, then apply explicit overrides (CLI flags).

        Raises:
            InvalidInput: when a variable has a value of the wrong kind.
        """
        from kgplatform.errors import InvalidInput

        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for name, kind in (
            ("store", str), ("data_dir", Path), ("graph", str), ("neo4j_uri", str), ("neo4j_user", str),
            ("neo4j_password", str), ("neo4j_database", str), ("broker_url", str),
            ("query_timeout_ms", int), ("row_cap", int), ("batch_size", int), ("write_workers", int),
            ("pull_workers", int), ("api_token", str), ("load_lease_s", float), ("job_lease_s", float),
            ("job_max_attempts", int), ("job_time_limit_s", int), ("worker_max_tasks", int), ("llm_url", str),
            ("llm_model", str), ("llm_api_key", str), ("llm_timeout_s", float), ("llm_token_budget", int),
            ("interaction_relation", str), ("users", str), ("secret_key", str), ("read_requires_login", _flag),
            ("node_modules", str),
        ):
            raw = env.get(f"KG_{name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                raise InvalidInput(f"KG_{name.upper()}", raw,
                                   "true or false" if kind is _flag else f"a value of type {kind.__name__}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("store", "embedded") not in ("embedded", "neo4j"):
            raise InvalidInput("KG_STORE", values["store"], "'embedded' or 'neo4j'")
        if "data_dir" in values:
            values["data_dir"] = Path(str(values["data_dir"]))
        return replace(cls(), **values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The ``KG_*`` variables that describe these settings (for a child process: a worker, a server)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["data_dir"] = self.data_dir.resolve()
        return {f"KG_{name.upper()}": str(value) for name, value in values.items()}


def _flag(raw: str) -> bool:
    """A yes/no setting: ``true``/``1``/``yes``/``on`` or ``false``/``0``/``no``/``off``, any case."""
    value = raw.strip().lower()
    if value not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
        raise ValueError(raw)
    return value in ("true", "1", "yes", "on")
