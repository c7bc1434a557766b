"""The completion job: pull, split, train, evaluate, calibrate, score, write back, record.

``run_completion`` reads as the steps of shared/DESIGN.md ("The flow of a completion job"). It
runs in-process for ``kgplatform complete`` and inside a worker task later. The model, its id
maps, config, metrics, data hash and library versions are saved under the job's directory, so
any result can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import kgplatform
from kgplatform.completion.calibration import Calibration, calibration_error, fit_platt
from kgplatform.completion.evaluation import Scorer, evaluate, inverse_leakage
from kgplatform.completion.fitting import compare_parts, fit_scorer
from kgplatform.completion.rerank import LLMEndpoint, LLMReranker, rerank_candidates
from kgplatform.completion.scoring import label_candidates, relation_ends, top_candidates
from kgplatform.completion.text import DEFAULT_FIELDS, GraphText, graph_text
from kgplatform.completion.training import TrainConfig
from kgplatform.domain import Prediction
from kgplatform.errors import Interrupted, InvalidInput
from kgplatform.explain import MAX_PATHS, SnapshotEdges, explain_predictions, model_beliefs
from kgplatform.store.base import GraphStore
from kgplatform.subgraph import Subgraph, pull_subgraph

log = logging.getLogger(__name__)

Progress = Callable[[str, float, dict[str, float]], None]


@dataclass(frozen=True)
class CompletionSpec:
    """What a completion job should do (what the CLI, the API and a job record carry).

    Attributes:
        relations: relation types to complete (empty: every type); all types train the model.
        top_k: candidates written per anchor entity and relation.
        both_directions: also propose new heads for each tail.
        evaluate: hold out ``test_fraction`` of the target edges and report metrics on them.
        labels, seeds, hops: which part of the graph to pull (see :func:`pull_subgraph`).
        text_fields: entity properties the text models read (the first is the name).
        since: inductive job (text model): a job id, or an ISO date; propose edges for the entities
            added since, with that job's model (or the latest text model), without retraining.
        rerank_top: re-rank each anchor's top candidates this deep with the configured LLM (0: no).
        explain: explanation paths stored with each prediction (0: none); a recommendation asking
            for at most this many reads them instead of searching the graph.
    """

    train: TrainConfig = field(default_factory=TrainConfig)
    relations: tuple[str, ...] = ()
    top_k: int = 10
    both_directions: bool = False
    evaluate: bool = True
    labels: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    hops: int = 2
    valid_fraction: float = 0.1
    test_fraction: float = 0.1
    text_fields: tuple[str, ...] = DEFAULT_FIELDS
    since: str = ""
    rerank_top: int = 0
    explain: int = 3

    def validated(self) -> CompletionSpec:
        """Check the fields and fix the seed; raises InvalidInput naming the field."""
        if not isinstance(self.top_k, int) or self.top_k < 1:
            raise InvalidInput("top_k", self.top_k, "a positive integer")
        if not isinstance(self.explain, int) or not 0 <= self.explain <= MAX_PATHS:
            raise InvalidInput("explain", self.explain, f"0 (no explanations) to {MAX_PATHS} paths per prediction")
        if not isinstance(self.rerank_top, int) or self.rerank_top < 0:
            raise InvalidInput("rerank_top", self.rerank_top, "0 (no re-ranking) or a positive number of candidates")
        if self.since and self.train.model != "text":
            raise InvalidInput("since", self.since, "an inductive job with --model text (the model that reads text)")
        for name in ("valid_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0 < value < 0.5:
                raise InvalidInput(name, value, "a fraction between 0 and 0.5")
        return replace(self, train=self.train.validated())


@dataclass(frozen=True)
class CompletionResult:
    """What a job produced: metrics on held-out edges, how many predictions it wrote, where its files are."""

    job_id: str
    status: str
    metrics: dict[str, float]
    written: int
    artifacts: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` shape."""
        return {"job_id": self.job_id, "status": self.status, "metrics": self.metrics, "written": self.written,
                "artifacts": self.artifacts, **self.details}


def run_completion(store: GraphStore, spec: CompletionSpec, *, artifacts_root: Path, job_id: str | None = None,
                   progress: Progress | None = None, stop: Callable[[], bool] | None = None,
                   publish: bool = True, llm: LLMEndpoint | None = None) -> CompletionResult:
    """Run one completion job end to end and write its predictions back.

    Args:
        progress: told (stage, percent, metrics) at each stage and training epoch.
        stop: asked at each stage and training batch; when it says yes the job raises :class:`Interrupted`.
        publish: make the predictions visible at the end; a job runner passes False and publishes
            them together with its job record's commit instead.
        llm: the chat endpoint that re-ranks candidates when ``spec.rerank_top`` asks for it.

    Raises:
        InvalidInput: an unknown relation, label or seed, or a graph without edges to learn from.
        Interrupted: ``stop`` said yes.
    """
    spec = spec.validated()
    job_id = job_id or uuid.uuid4().hex[:16]
    if spec.rerank_top and llm is None:
        raise InvalidInput("rerank_top", spec.rerank_top, "an LLM endpoint (set KG_LLM_URL and KG_LLM_MODEL)")
    if spec.since:
        from kgplatform.completion.inductive import run_inductive

        return run_inductive(store, spec, artifacts_root=artifacts_root, job_id=job_id, publish=publish)
    should_stop = stop or (lambda: False)
    tell = progress or (lambda stage, percent, metrics: None)

    def report(stage: str, percent: float, metrics: dict[str, float]) -> None:
        if should_stop():
            raise Interrupted(f"stopped before stage {stage}")
        tell(stage, percent, metrics)

    job_dir = artifacts_root / job_id
    job_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    report("pull", 0.0, {})
    sub = pull_subgraph(store, labels=spec.labels or None, seeds=spec.seeds or None, hops=spec.hops)
    targets = target_relations(sub, spec.relations)
    known = sub.triples()
    train, valid, test = _split(known, targets, spec)
    warnings = _leakage_warnings(train, sub)

    fitted = fit_scorer(store, sub, train, valid, known, spec.train, job_dir=job_dir, progress=report,
                        stop=should_stop, text_fields=spec.text_fields)
    scorer = fitted.scorer

    report("evaluate", 0.0, {})
    held_out = test if spec.evaluate else valid
    evaluation = evaluate(scorer, held_out, known, sub.num_entities, sub.relation_types)
    metrics = {**evaluation.metrics, "valid_mrr": fitted.best_valid_mrr,
               **compare_parts(fitted, held_out, known, sub.num_entities)}

    report("calibrate", 0.0, metrics)
    calibration = _calibrate(scorer, sub, targets, train, valid, test, spec.top_k)
    if spec.evaluate:
        metrics.update(_calibration_metrics(scorer, calibration, sub, targets, train, valid, test, spec.top_k))

    report("score", 0.0, metrics)
    rerank = None
    if llm is not None and spec.rerank_top:
        rerank = (LLMReranker(llm, job_dir / "llm_cache.json"),
                  graph_text(store, sub.entity_ids, sub.relation_types, spec.text_fields))
    predictions = predict(scorer, calibration, sub, targets, known, spec, job_id, rerank=rerank)
    if rerank is not None:
        metrics.update({k: float(v) for k, v in rerank[0].report().items()})
    if spec.explain:
        report("explain", 0.0, metrics)
        relation_index = {r: i for i, r in enumerate(sub.relation_types)}
        predictions = explain_predictions(SnapshotEdges(sub), predictions, spec.explain,
                                          model_beliefs(scorer.score_facts, sub.entity_index, relation_index))
    report("write", 0.0, metrics)
    written = store.write_predictions(job_id, spec.train.model, predictions)
    if publish:
        store.publish_predictions(job_id)

    details = {
        "by_direction": evaluation.by_direction, "by_relation": evaluation.by_relation,
        "warnings": warnings, "seed": fitted.seed, "seconds": round(time.perf_counter() - started, 2),
        "train": fitted.summary,
        "calibration": asdict(calibration),
        "split": {"train": int(train.shape[0]), "valid": int(valid.shape[0]), "test": int(test.shape[0])},
    }
    _save(job_dir, spec, sub, train, metrics, details, fitted.history)
    log.info("job %s: %s, %d predictions written", job_id, metrics, written)
    return CompletionResult(job_id, "succeeded", metrics, written, str(job_dir), details)


def _leakage_warnings(train: Tensor, sub: Subgraph, shown: int = 10) -> list[str]:
    """Relation pairs that are (near-)inverses of each other in both directions, worst first.

    One-way overlap is common in small dense graphs (every Nations relation covers most country
    pairs); a pair that mirrors each other both ways lets a model read the test edge of one off
    the training edge of the other (Toutanova and Chen, 2015).
    """
    one_way = {(a, b): share for a, b, share in inverse_leakage(train, sub.num_relations, sub.relation_types)}
    mutual = sorted(((min(share, one_way[(b, a)]), a, b) for (a, b), share in one_way.items()
                     if (b, a) in one_way and a < b), reverse=True)
    warnings = [f"relations {a} and {b} are {share:.0%} inverses of each other: test edges of one leak from "
                "training edges of the other" for share, a, b in mutual[:shown]]
    if len(mutual) > shown:
        warnings.append(f"... and {len(mutual) - shown} more inverse relation pairs")
    return warnings


def target_relations(sub: Subgraph, relations: tuple[str, ...]) -> list[int]:
    if not relations:
        return list(range(sub.num_relations))
    for name in relations:
        if name not in sub.relation_types:
            raise InvalidInput("relations", name, f"one of the pulled relation types {sub.relation_types}")
    return [sub.relation_types.index(name) for name in relations]


def _split(triples: Tensor, targets: list[int], spec: CompletionSpec) -> tuple[Tensor, Tensor, Tensor]:
    """Hold out ``valid_fraction`` (and ``test_fraction`` when evaluating) of the target relations' edges.

    The permutation is drawn from the job's seed, so the split is reproducible. Edges of other
    relations all train (they are context for the target relations).
    """
    if triples.shape[0] == 0:
        raise InvalidInput("graph", "no edges", "a subgraph with edges to learn from")
    generator = torch.Generator().manual_seed(int(spec.train.seed or 0))
    is_target = torch.isin(triples[:, 1], torch.tensor(targets))
    target_rows = torch.nonzero(is_target).flatten()
    target_rows = target_rows[torch.randperm(target_rows.numel(), generator=generator)]
    n_valid = max(1, int(target_rows.numel() * spec.valid_fraction))
    n_test = max(1, int(target_rows.numel() * spec.test_fraction)) if spec.evaluate else 0
    if target_rows.numel() < n_valid + n_test + 1:
        raise InvalidInput("relations", target_rows.numel(), "at least 3 edges of the target relations")
    valid = triples[target_rows[:n_valid]]
    test = triples[target_rows[n_valid:n_valid + n_test]]
    train_mask = torch.ones(triples.shape[0], dtype=torch.bool)
    train_mask[target_rows[:n_valid + n_test]] = False
    return triples[train_mask], valid, test


def _calibrate(scorer: Scorer, sub: Subgraph, targets: list[int], train: Tensor, valid: Tensor, test: Tensor,
               k: int) -> Calibration:
    """Fit Platt scaling on the top-k proposals for validation queries (true = a held-out valid edge)."""
    scores, labels = _proposals(scorer, sub, targets, torch.cat([train, test]), valid, k)
    return fit_platt(scores, labels)


def _calibration_metrics(scorer: Scorer, calibration: Calibration, sub: Subgraph, targets: list[int],
                         train: Tensor, valid: Tensor, test: Tensor, k: int) -> dict[str, float]:
    """Brier score and ECE of calibrated scores on the test queries' proposals (fitted on validation)."""
    scores, labels = _proposals(scorer, sub, targets, torch.cat([train, valid]), test, k)
    measured = calibration_error(calibration(scores), labels)
    return {"calibration_brier": measured["brier"], "calibration_ece": measured["ece"],
            "test_precision_at_k": float(labels.mean()) if labels.numel() else float("nan")}


def _proposals(scorer: Scorer, sub: Subgraph, targets: list[int], exclude: Tensor, truth: Tensor,
               k: int) -> tuple[Tensor, Tensor]:
    scores, labels = [], []
    everything = torch.cat([exclude, truth])  # every fact: defines each relation's range
    for relation in targets:
        anchors = torch.unique(truth[truth[:, 1] == relation][:, 0])
        _, allowed = relation_ends(everything, relation, sub.num_entities)
        found = top_candidates(scorer, relation, anchors, allowed, exclude, sub.num_entities, k)
        scores.append(found.scores)
        labels.append(label_candidates(found, relation, truth, sub.num_entities))
    return torch.cat(scores), torch.cat(labels)


def predict(scorer: Scorer, calibration: Calibration, sub: Subgraph, targets: list[int], known: Tensor,
            spec: CompletionSpec, job_id: str, only: Tensor | None = None,
            rerank: tuple[LLMReranker, GraphText] | None = None) -> list[Prediction]:
    """Top-k calibrated predictions of each target relation, for its heads (and tails when both ways).

    ``only``: propose for these entities instead (new entities, in an inductive job).
    ``rerank``: re-order each anchor's top ``spec.rerank_top`` with an LLM before keeping ``top_k``.
    """
    predictions: list[Prediction] = []
    for relation in targets:
        for reverse in (False, True) if spec.both_directions else (False,):
            anchors, allowed = relation_ends(known, relation, sub.num_entities, reverse=reverse)
            anchors = anchors if only is None else only
            found = top_candidates(scorer, relation, anchors, allowed, known, sub.num_entities,
                                   max(spec.top_k, spec.rerank_top if rerank else 0), reverse=reverse)
            if rerank is not None:
                found = rerank_candidates(found, *rerank, relation, reverse=reverse, keep=spec.top_k)
            probabilities = calibration(found.scores)
            name = sub.relation_types[relation]
            predictions.extend(
                Prediction(sub.entity_ids[h], name, sub.entity_ids[t], round(float(p), 6), int(rank),
                           spec.train.model, job_id)
                for h, t, p, rank in zip(found.heads.tolist(), found.tails.tolist(), probabilities.tolist(),
                                         found.ranks.tolist(), strict=True)
            )
    return predictions


def data_hash(sub: Subgraph, train: Tensor) -> str:
    """A fingerprint of the data a model was trained on (ids, relation names and training triples)."""
    digest = hashlib.sha256()
    digest.update("\n".join(sub.entity_ids).encode())
    digest.update("\n".join(sub.relation_types).encode())
    digest.update(train.contiguous().numpy().tobytes())
    return digest.hexdigest()


def _save(job_dir: Path, spec: CompletionSpec, sub: Subgraph, train: Tensor, metrics: dict[str, float],
          details: dict[str, Any], history: list[dict[str, float]]) -> None:
    import torch_geometric

    (job_dir / "id_maps.json").write_text(json.dumps({"entities": sub.entity_ids, "relations": sub.relation_types}))
    (job_dir / "config.json").write_text(json.dumps(asdict(spec), indent=2))
    (job_dir / "metrics.json").write_text(json.dumps({"metrics": metrics, **details, "history": history}, indent=2))
    (job_dir / "provenance.json").write_text(json.dumps({
        "data_hash": data_hash(sub, train),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {"kgplatform": kgplatform.__version__, "torch": torch.__version__,
                     "torch_geometric": torch_geometric.__version__, "python": platform.python_version()},
    }, indent=2))
