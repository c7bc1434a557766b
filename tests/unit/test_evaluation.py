"""Filtered ranks, metrics and inverse leakage on cases small enough to work out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from kgplatform.completion.evaluation import evaluate, filtered_ranks, inverse_leakage
from kgplatform.errors import InvalidInput

NAN = math.nan


def _ranks(scores: list[list[float]], targets: list[int], mask: list[list[bool]] | None = None) -> list[float]:
    table = torch.tensor(scores)
    dropped = torch.zeros_like(table, dtype=torch.bool) if mask is None else torch.tensor(mask)
    return filtered_ranks(table, torch.tensor(targets), dropped).tolist()


def test_ties_count_at_their_mean() -> None:
    # Optimistic would say 1, pessimistic 3; the realistic rank is their mean.
    assert _ranks([[1, 1, 1, 0]], [0]) == [2.0]
    assert _ranks([[0, 2, 1, 1], [5, 4, 3, 2]], [2, 0]) == [2.5, 1.0]


def test_filter_drops_other_answers_but_never_the_target() -> None:
    scores = [[0.5, 0.9, 0.8, 0.1]]
    assert _ranks(scores, [0]) == [3.0]
    assert _ranks(scores, [0], [[False, True, False, False]]) == [2.0]
    assert _ranks(scores, [0], [[True, True, True, False]]) == [1.0]
    assert _ranks([[1, 1, 1, 0]], [0], [[True, True, False, False]]) == [1.5]


def test_nan_never_ranks_first() -> None:
    assert _ranks([[NAN, 0.1, 0.2, 0.3]], [0]) == [4.0]
    assert _ranks([[NAN, NAN, NAN, NAN]], [0]) == [4.0]
    assert _ranks([[NAN, NAN, NAN, NAN]], [0], [[False, True, False, False]]) == [3.0]
    assert _ranks([[0.5, NAN, NAN, 0.9]], [0]) == [2.0]


def test_mismatched_shapes_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        filtered_ranks(torch.zeros(2, 4), torch.zeros(3, dtype=torch.long), torch.zeros(2, 4, dtype=torch.bool))
    with pytest.raises(InvalidInput):
        filtered_ranks(torch.zeros(2, 4), torch.zeros(2, dtype=torch.long), torch.zeros(2, 4))


class TableScorer:
    """Fixed scores per query: ``tails[(h, r)]`` and ``heads[(r, t)]``, zeros elsewhere."""

    def __init__(self, tails: dict[tuple[int, int], list[float]], heads: dict[tuple[int, int], list[float]]) -> None:
        self.tails = tails
        self.heads = heads

    def score_tails(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        keys = zip(heads.tolist(), relations.tolist(), strict=True)
        return torch.tensor([self.tails.get(key, [0.0] * 4) for key in keys])

    def score_heads(self, relations: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        keys = zip(relations.tolist(), tails.tolist(), strict=True)
        return torch.tensor([self.heads.get(key, [0.0] * 4) for key in keys])


# Entities 0..3; relations 0 "likes", 1 "knows". Expected ranks, worked out by hand:
# tail of (0, likes, 1): 0.9 (entity 2) and 0.7 beat 0.5, but (0, likes, 2) is known -> 2
# tail of (2, knows, 3): three other entities tie with it -> 1 + 3 / 2 = 2.5
# head of (0, likes, 1): nothing beats 0.8 -> 1
# head of (2, knows, 3): 0.9 (entity 0) and 0.6 beat 0.4, but (0, knows, 3) is known -> 2
SCORER = TableScorer(
    tails={(0, 0): [0.1, 0.5, 0.9, 0.7], (2, 1): [0.3, 0.3, 0.3, 0.3]},
    heads={(0, 1): [0.8, 0.2, 0.0, 0.1], (1, 3): [0.9, 0.0, 0.4, 0.6]},
)
TEST = torch.tensor([[0, 0, 1], [2, 1, 3]])
# (0, likes, 2) filters tails of (0, likes) and (0, knows, 3) heads of (knows, 3); the duplicate must not count twice.
# (2, likes, 3) and (1, knows, 0) are known answers of other queries, so they change nothing.
KNOWN = torch.cat([TEST, torch.tensor([[0, 0, 2], [0, 1, 3], [0, 0, 2], [2, 0, 3], [1, 1, 0]])])


@pytest.mark.parametrize("batch_size", [1, 256])
def test_evaluate_filters_each_direction_with_its_own_answers(batch_size: int) -> None:
    result = evaluate(SCORER, TEST, KNOWN, 4, batch_size=batch_size)
    assert result.tail_ranks.tolist() == [2.0, 2.5]
    assert result.head_ranks.tolist() == [1.0, 2.0]
    assert result.metrics == pytest.approx({"mrr": (1 / 2 + 1 / 2.5 + 1 + 1 / 2) / 4, "hits@1": 0.25, "hits@3": 1.0,
                                            "hits@10": 1.0, "count": 4.0})


def test_breakdown_by_direction_and_relation() -> None:
    result = evaluate(SCORER, TEST, KNOWN, 4, relation_names=["likes", "knows"], ks=(1, 2))
    assert result.by_direction == {
        "tail": pytest.approx({"mrr": (1 / 2 + 1 / 2.5) / 2, "hits@1": 0.0, "hits@2": 0.5, "count": 2.0}),
        "head": pytest.approx({"mrr": (1 + 1 / 2) / 2, "hits@1": 0.5, "hits@2": 1.0, "count": 2.0}),
    }
    assert result.by_relation == {
        "likes": pytest.approx({"mrr": (1 / 2 + 1) / 2, "hits@1": 0.5, "hits@2": 1.0, "count": 2.0}),
        "knows": pytest.approx({"mrr": (1 / 2.5 + 1 / 2) / 2, "hits@1": 0.0, "hits@2": 0.5, "count": 2.0}),
    }
    assert set(evaluate(SCORER, TEST, KNOWN, 4).by_relation) == {"0", "1"}


def test_evaluate_rejects_a_score_table_of_the_wrong_width() -> None:
    with pytest.raises(InvalidInput):
        evaluate(SCORER, TEST, KNOWN, 5)


def _named(relations: dict[str, list[tuple[int, int]]]) -> tuple[torch.Tensor, list[str]]:
    names = list(relations)
    rows = [(h, names.index(name), t) for name, pairs in relations.items() for h, t in pairs]
    return torch.tensor(rows), names


def test_inverse_leakage_finds_inverse_pairs_and_ignores_the_rest() -> None:
    triples, names = _named({
        "parent_of": [(0, 1), (0, 2), (1, 3)],
        "child_of": [(1, 0), (2, 0), (3, 1)],
        "spouse_of": [(4, 5), (5, 4)],  # its own inverse: not a pair of two relations
        "unrelated": [(0, 3), (2, 1), (5, 0)],
        "mentors": [(6, 7), (6, 8), (7, 9), (8, 9)],
        "taught_by": [(7, 6), (8, 6)],  # reverses only half of mentors, but all of itself
    })
    assert inverse_leakage(triples, len(names), names) == [
        ("child_of", "parent_of", 1.0), ("parent_of", "child_of", 1.0), ("taught_by", "mentors", 1.0)]
    assert ("mentors", "taught_by", 0.5) in inverse_leakage(triples, len(names), names, threshold=0.5)
    assert inverse_leakage(triples, len(names))[0] == ("0", "1", 1.0)


def test_inverse_leakage_counts_duplicate_edges_once() -> None:
    triples, names = _named({"r": [(0, 1), (0, 1), (0, 1), (2, 3)], "inverse_r": [(1, 0)]})
    assert inverse_leakage(triples, 2, names, threshold=0.5) == [("inverse_r", "r", 1.0), ("r", "inverse_r", 0.5)]
