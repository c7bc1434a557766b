"""Our filtered evaluator gives PyKEEN's numbers on the same scores (dev only: needs pykeen installed).

PyKEEN's ``RankBasedEvaluator`` is the reference the literature reports with. Both evaluators here
rank the scores of one pykeen DistMult on Nations, filtered on train + valid + test, so any difference
is in filtering, tie handling or averaging, not in the model.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

pytest.importorskip("pykeen")

from pykeen.evaluation import RankBasedEvaluator
from pykeen.models import DistMult
from pykeen.triples import TriplesFactory

from kgplatform.completion.evaluation import evaluate

NATIONS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nations"


class PykeenScorer:
    """Our `Scorer` over a pykeen model, so both evaluators rank exactly the same scores."""

    def __init__(self, model: DistMult) -> None:
        self.model = model

    def score_tails(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return self.model.predict_t(torch.stack([heads, relations], dim=1))

    def score_heads(self, relations: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        return self.model.predict_h(torch.stack([relations, tails], dim=1))


def _nations() -> tuple[TriplesFactory, TriplesFactory, TriplesFactory]:
    if not NATIONS.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NATIONS} is missing: CI needs ../shared/data beside the checkout")
        pytest.skip(f"{NATIONS} is absent (real datasets live in ../shared/data)")
    train = TriplesFactory.from_path(NATIONS / "train.txt")
    valid, test = (TriplesFactory.from_path(NATIONS / name, entity_to_id=train.entity_to_id,
                                            relation_to_id=train.relation_to_id) for name in ("valid.txt", "test.txt"))
    return train, valid, test


@pytest.mark.parametrize("integer_weights", [False, True], ids=["continuous", "many-ties"])
def test_metrics_match_pykeen_realistic_ranks(integer_weights: bool) -> None:
    train, valid, test = _nations()
    model = DistMult(triples_factory=train, embedding_dim=8, random_seed=0)
    if integer_weights:  # scores become small integers, so many candidates tie with the true answer
        generator = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for representation in (model.entity_representations[0], model.relation_representations[0]):
                weight = representation._embeddings.weight
                weight.copy_(torch.randint(-1, 2, weight.shape, generator=generator).float())
    model.eval()

    theirs = RankBasedEvaluator(filtered=True).evaluate(
        model, test.mapped_triples, additional_filter_triples=[train.mapped_triples, valid.mapped_triples],
        batch_size=64, use_tqdm=False)
    known = torch.cat([train.mapped_triples, valid.mapped_triples, test.mapped_triples])
    ours = evaluate(PykeenScorer(model), test.mapped_triples, known, train.num_entities, batch_size=64)

    for side, metrics in [("both", ours.metrics), ("head", ours.by_direction["head"]),
                          ("tail", ours.by_direction["tail"])]:
        assert metrics["mrr"] == pytest.approx(theirs.get_metric(f"{side}.realistic.inverse_harmonic_mean_rank"),
                                               abs=1e-4)
        for k in (1, 3, 10):
            assert metrics[f"hits@{k}"] == pytest.approx(theirs.get_metric(f"{side}.realistic.hits_at_{k}"), abs=1e-4)
    assert ours.metrics["count"] == 2 * test.num_triples
    optimistic = theirs.get_metric("both.optimistic.inverse_harmonic_mean_rank")
    assert (optimistic > ours.metrics["mrr"] + 0.01) == integer_weights  # the tie case really has ties
