"""Inductive completion: edges for entities added after a text model was trained, without retraining.

A text model scores a candidate from its text alone, so an entity the model never saw (text
only, or a few edges) can still be placed. The job reuses a finished text job's encoder and
its entity embedding cache: only texts that are new or changed are encoded. The new entities
are those missing from that job's id maps (``since`` a job id), or created at or after a date
(``since`` an ISO date; the latest text job's model is used). Scores are calibrated with the
source job's calibration. When the new entities already have a few edges of the target
relations, the job reports the model's filtered MRR on them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from kgplatform.clock import ISO_TIME
from kgplatform.completion.calibration import Calibration
from kgplatform.completion.evaluation import evaluate
from kgplatform.completion.pipeline import CompletionResult, CompletionSpec, predict, target_relations
from kgplatform.completion.text import graph_text
from kgplatform.completion.textmodel import BiEncoder, EmbeddingCache, TextScorer, load_encoder
from kgplatform.completion.training import pick_device
from kgplatform.errors import InvalidInput
from kgplatform.store.base import GraphStore
from kgplatform.subgraph import pull_subgraph


def run_inductive(store: GraphStore, spec: CompletionSpec, *, artifacts_root: Path, job_id: str,
                  publish: bool = True) -> CompletionResult:
    """Propose edges for the entities added since ``spec.since`` with an earlier text job's model.

    Raises:
        InvalidInput: ``since`` names no text job and is no date, or no text job has finished yet.
    """
    started = time.perf_counter()
    source = _source_job(artifacts_root, spec.since)
    sub = pull_subgraph(store, labels=spec.labels or None, seeds=spec.seeds or None, hops=spec.hops)
    if ISO_TIME.match(spec.since):
        new_ids = {row["id"] for row in store.run_named("list_entities_since", {"since": spec.since})}
    else:
        trained_on = set(json.loads((source / "id_maps.json").read_text())["entities"])
        new_ids = set(sub.entity_ids) - trained_on
    new = torch.tensor(sorted(sub.entity_index[e] for e in new_ids if e in sub.entity_index), dtype=torch.long)

    device = pick_device(spec.train.device)
    model = BiEncoder(load_encoder(str(source / "encoder"), device, spec.train.max_length), spec.train.temperature)
    model.load_state_dict(torch.load(source / "temperature.pt"), strict=False)
    model.to(device)
    texts = graph_text(store, sub.entity_ids, sub.relation_types, spec.text_fields)
    cache = EmbeddingCache(source / "entity_embeddings.pt")
    before = len(cache.vectors)
    scorer = TextScorer(model, texts, cache.embed(model, texts.entities).to(device))

    known = sub.triples()
    targets = target_relations(sub, spec.relations)
    touching = known[torch.isin(known[:, 1], torch.tensor(targets))
                     & (torch.isin(known[:, 0], new) | torch.isin(known[:, 2], new))]
    metrics = {"new_entities": float(new.numel()), "encoded_texts": float(len(cache.vectors) - before)}
    if touching.numel():
        found = evaluate(scorer, touching, known, sub.num_entities).metrics
        metrics |= {f"new_entity_edges_{k}": v for k, v in found.items()}
    details = json.loads((source / "metrics.json").read_text())
    calibration = Calibration(**details.get("calibration", {}))
    predictions = predict(scorer, calibration, sub, targets, known, spec, job_id, only=new) if new.numel() else []
    written = store.write_predictions(job_id, spec.train.model, predictions)
    if publish:
        store.publish_predictions(job_id)
    job_dir = artifacts_root / job_id
    job_dir.mkdir(parents=True, exist_ok=True)
    account = {"source_job": source.name, "new_entities_sample": sorted(new_ids)[:10],
               "entities_without_text": len(texts.missing), "seconds": round(time.perf_counter() - started, 2)}
    (job_dir / "metrics.json").write_text(json.dumps({"metrics": metrics, **account}, indent=2))
    return CompletionResult(job_id, "succeeded", metrics, written, str(job_dir), account)


def _source_job(artifacts_root: Path, since: str) -> Path:
    """The text job whose model to use: ``since`` itself, or the latest finished text job for a date."""
    def usable(path: Path) -> bool:
        return (path / "encoder").is_dir() and (path / "metrics.json").exists()

    if not ISO_TIME.match(since):
        if not usable(artifacts_root / since):
            raise InvalidInput("since", since, "the id of a finished text job, or an ISO date such as 2026-11-22")
        return artifacts_root / since
    finished = sorted((p for p in artifacts_root.glob("*") if usable(p)),
                      key=lambda p: (p / "metrics.json").stat().st_mtime)
    if not finished:
        raise InvalidInput("since", since, "a date after a text job has finished (run --model text first)")
    return finished[-1]
