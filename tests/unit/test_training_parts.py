"""Training pieces: reciprocals, KvsAll targets, config checks, reproducible seeds, calibration, candidates."""

from __future__ import annotations

import pytest
import torch

from kgplatform.completion.calibration import calibration_error, fit_platt
from kgplatform.completion.scoring import label_candidates, relation_ends, top_candidates
from kgplatform.completion.training import (
    TrainConfig,
    _multi_hot,
    _query_answers,
    train_model,
    with_reciprocals,
)
from kgplatform.errors import InvalidInput

TRIPLES = torch.tensor([[0, 0, 1], [0, 0, 2], [1, 1, 2], [3, 0, 1], [2, 1, 0], [4, 0, 3]])


def test_reciprocals() -> None:
    both = with_reciprocals(TRIPLES[:2], 2)
    assert both.tolist() == [[0, 0, 1], [0, 0, 2], [1, 2, 0], [2, 2, 0]]


def test_kvsall_targets_mark_every_true_tail() -> None:
    queries, answers = _query_answers(TRIPLES)
    index = torch.arange(queries.shape[0])
    targets = _multi_hot(answers, index, 5)
    for row, (h, r) in enumerate(queries[:, :2].tolist()):
        expected = {t for hh, rr, t in TRIPLES.tolist() if (hh, rr) == (h, r)}
        assert set(torch.nonzero(targets[row]).flatten().tolist()) == expected


@pytest.mark.parametrize(("field", "value"), [("dim", 0), ("lr", -1.0), ("regime", "magic"), ("device", "tpu"),
                                              ("label_smoothing", 1.5)])
def test_config_errors_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        TrainConfig(**{field: value}).validated()  # type: ignore[arg-type]
    assert info.value.source == field


def test_seed_is_drawn_recorded_and_reproducible() -> None:
    assert TrainConfig().validated().seed is not None
    config = TrainConfig(model="distmult", dim=8, epochs=2, batch_size=4, seed=5, eval_every=1)
    first = train_model(TRIPLES, TRIPLES[:2], TRIPLES, 5, 2, config)
    second = train_model(TRIPLES, TRIPLES[:2], TRIPLES, 5, 2, config)
    assert first.config.seed == 5
    assert torch.equal(first.model.entity.weight, second.model.entity.weight)


def test_platt_scaling_recovers_a_logistic_link() -> None:
    generator = torch.Generator().manual_seed(0)
    scores = torch.randn(20_000, generator=generator) * 3
    labels = torch.bernoulli(torch.sigmoid(2.0 * scores - 1.0), generator=generator)
    fitted = fit_platt(scores, labels)
    assert fitted.a == pytest.approx(2.0, rel=0.1) and fitted.b == pytest.approx(-1.0, abs=0.15)
    assert calibration_error(fitted(scores), labels)["ece"] < 0.02
    assert calibration_error(torch.sigmoid(scores + 2), labels)["ece"] > 0.1  # raw scores, shifted


class _Table:
    """A fixed score table: score_tails(h, r) = table[h], score_heads(r, t) = table[t]."""

    def __init__(self, table: torch.Tensor) -> None:
        self.table = table

    def score_tails(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return self.table[heads]

    def score_heads(self, relations: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        return self.table[tails]


def test_top_candidates_exclude_known_self_and_out_of_range() -> None:
    table = torch.arange(25, dtype=torch.float).reshape(5, 5)  # higher index, higher score
    anchors, allowed = relation_ends(TRIPLES, 0, 5)
    assert anchors.tolist() == [0, 3, 4] and allowed.tolist() == [False, True, True, True, False]
    found = top_candidates(_Table(table), 0, anchors, allowed, TRIPLES, 5, k=2)
    proposed = set(zip(found.heads.tolist(), found.tails.tolist(), strict=True))
    assert proposed == {(0, 3), (3, 2), (4, 2), (4, 1)}
    assert {(h, r) for h, r in zip(found.heads.tolist(), found.ranks.tolist(), strict=True)} == {
        (0, 1), (3, 1), (4, 1), (4, 2)}
    truth = torch.tensor([[4, 0, 2]])
    assert label_candidates(found, 0, truth, 5).sum() == 1
    backwards = top_candidates(_Table(table), 0, *relation_ends(TRIPLES, 0, 5, reverse=True), TRIPLES, 5, k=1,
                               reverse=True)
    assert all(h in (0, 3, 4) for h in backwards.heads.tolist())
    assert not set(zip(backwards.heads.tolist(), backwards.tails.tolist(), strict=True)) & {(0, 1), (0, 2), (3, 1)}
