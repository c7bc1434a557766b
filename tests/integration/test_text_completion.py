"""The text model on real text: it learns UMLS, predicts for entities it never saw, and mixes with structure.

UMLS comes with KG-BERT's entity names and descriptions (../shared/data/umls/text_kgbert). Runs are
kept small (names only, one epoch on 1,500 training edges, shared by the tests) so the suite stays
fast; bench/text.py has the full numbers. A uniformly random ranking of UMLS's 135 entities has an
expected MRR of about 0.04.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from kgplatform.completion.datasets import Benchmark, kgbert_text, load_benchmark
from kgplatform.completion.evaluation import evaluate
from kgplatform.completion.hybrid import fit_hybrid
from kgplatform.completion.pipeline import CompletionSpec, run_completion
from kgplatform.completion.saved import load_saved_model
from kgplatform.completion.text import GraphText
from kgplatform.completion.textmodel import (
    BiEncoder,
    EmbeddingCache,
    TextResult,
    TextScorer,
    load_encoder,
    train_text_model,
)
from kgplatform.completion.training import ModelScorer, TrainConfig, train_model
from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job
from kgplatform.recommend import recommend
from kgplatform.store import GraphStore
from tests.conftest import shared_data

TEXT = TrainConfig(model="text", epochs=1, batch_size=64, seed=0, max_length=16)


def random_mrr(num_entities: int) -> float:
    """Expected MRR of a uniformly random ranking of ``num_entities`` candidates."""
    return sum(1 / k for k in range(1, num_entities + 1)) / num_entities


def _sample(triples: torch.Tensor, size: int, seed: int = 0) -> torch.Tensor:
    return triples[torch.randperm(triples.shape[0], generator=torch.Generator().manual_seed(seed))[:size]]


@dataclass(frozen=True)
class Trained:
    """UMLS with names, 15 entities held out of training entirely, and a text model trained on a sample of the rest."""

    data: Benchmark
    texts: GraphText
    unseen: torch.Tensor
    train: torch.Tensor
    valid: torch.Tensor
    text: TextResult


@pytest.fixture(scope="module")
def trained() -> Trained:
    directory = shared_data("umls")
    data = load_benchmark(directory)
    texts = kgbert_text(directory, data, descriptions=False)
    unseen = torch.randperm(len(data.entity_ids), generator=torch.Generator().manual_seed(1))[:15]
    touches = torch.isin(data.train[:, 0], unseen) | torch.isin(data.train[:, 2], unseen)
    train = _sample(data.train[~touches], 1500)
    valid = _sample(data.valid, 150)
    return Trained(data, texts, unseen, train, valid, train_text_model(train, valid, data.known, texts, TEXT))


def test_text_model_learns_umls_well_above_random_and_zero_shot(trained: Trained) -> None:
    data, texts = trained.data, trained.texts
    n = len(data.entity_ids)
    test = _sample(data.test, 300)
    untrained = BiEncoder(load_encoder(TEXT.encoder, torch.device("cpu"), TEXT.max_length), TEXT.temperature)
    zero_shot = evaluate(TextScorer(untrained, texts, EmbeddingCache(None).embed(untrained, texts.entities)),
                         test, data.known, n).metrics["mrr"]
    mrr = evaluate(trained.text.scorer, test, data.known, n).metrics["mrr"]
    assert mrr > 5 * random_mrr(n), (mrr, random_mrr(n))
    assert mrr > zero_shot + 0.1, f"fine-tuning helps: {zero_shot:.3f} -> {mrr:.3f}"


def test_entities_held_out_of_training_entirely_get_predictions(trained: Trained) -> None:
    """Inductive: no edge of the held-out entities was trained on; their text alone places them."""
    data, unseen = trained.data, trained.unseen
    assert not torch.isin(trained.train[:, [0, 2]], unseen).any()
    held = data.test[torch.isin(data.test[:, 0], unseen) | torch.isin(data.test[:, 2], unseen)]
    assert held.shape[0] >= 20
    mrr = evaluate(trained.text.scorer, held, data.known, len(data.entity_ids)).metrics["mrr"]
    assert mrr > 3 * random_mrr(len(data.entity_ids)), mrr


def test_hybrid_is_at_least_as_good_as_either_part_on_validation(trained: Trained) -> None:
    data = trained.data
    n, r = len(data.entity_ids), len(data.relation_types)
    structure = train_model(trained.train, trained.valid, data.known, n, r,
                            TrainConfig(model="distmult", dim=64, epochs=20, seed=0))
    hybrid, tried = fit_hybrid(ModelScorer(structure.model, r), trained.text.scorer, trained.valid, data.known, n)
    assert set(tried) >= {0.0, 1.0}
    assert tried[hybrid.weight] >= max(tried[0.0], tried[1.0])
    mixed = evaluate(hybrid, trained.valid, data.known, n).metrics["mrr"]
    assert mixed == pytest.approx(tried[hybrid.weight])


def test_text_job_writes_predictions_and_saves_its_encoder(tiny_store: GraphStore, tmp_path: Path) -> None:
    """The job pipeline with the text model: entities without text are reported, the encoder saved."""
    spec = CompletionSpec(train=TrainConfig(model="text", epochs=1, batch_size=8, seed=0, max_length=16),
                          relations=("LIKES",), top_k=2)
    result = run_completion(tiny_store, spec, artifacts_root=tmp_path, job_id="text-job")
    assert result.written > 0 and "mrr" in result.metrics
    assert result.details["train"]["entities_without_text"] == 12  # tiny_kg.tsv carries no names
    assert (tmp_path / "text-job" / "encoder" / "config.json").exists()
    assert len(tiny_store.list_predictions("text-job")) == result.written


@pytest.mark.parametrize("model", ["text", "hybrid"])
def test_a_text_or_hybrid_job_scores_a_user_it_wrote_nothing_for(tiny_store: GraphStore, model: str) -> None:
    """Loaded back, the job's own scorer gives each pair the calibrated score the job wrote, and ranks on demand."""
    spec = CompletionSpec(train=TrainConfig(model=model, epochs=1, batch_size=8, seed=0, max_length=16, dim=16,
                                            structure_model="distmult"), relations=("LIKES",), top_k=1,
                          evaluate=False)
    job = execute_job(tiny_store, tiny_store.settings, record_job(JobBook(tiny_store), spec).job_id, "test")
    assert job.status == "succeeded", job.error
    saved = load_saved_model(tiny_store.settings.data_dir.resolve() / "jobs" / job.job_id, tiny_store)
    assert saved is not None
    written = tiny_store.list_predictions(job.job_id, limit=100)
    for p in written:
        again = saved.calibration(saved.raw_scores(p.head, p.relation, [p.tail]))
        assert float(again[0]) == pytest.approx(p.score, abs=1e-4), p
    user = written[0].head
    for p in written:
        if p.head == user:
            tiny_store.reject_prediction(user, "LIKES", p.tail, job.job_id)
    found = recommend(tiny_store, user, "LIKES", k=3, paths=1, job_id=job.job_id)
    assert found.items and all(0 < item.score < 1 for item in found.items)
