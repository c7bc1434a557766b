"""Recommendation metrics on hand-computed cases, and the splits and negatives they rely on."""

from __future__ import annotations

import math

import pytest
import torch

from kgplatform.rec_evaluation import auc, f1, interactions_of, recall_ndcg, sample_negatives, split_per_user
from kgplatform.subgraph import Subgraph


def test_recall_and_ndcg_skip_training_items_and_use_the_ideal_dcg() -> None:
    scores = torch.tensor([[0.9, 0.8, 0.7, 0.6, 0.5]])
    train = torch.tensor([[True, False, False, False, False]])  # item 0 was trained on: not ranked
    found = recall_ndcg(scores, train, [{1, 3}], k=2)  # top 2 after masking: items 1, 2
    assert found["recall@2"] == pytest.approx(0.5)
    assert found["ndcg@2"] == pytest.approx(1.0 / (1.0 + 1 / math.log2(3)))


def test_auc_counts_ties_half_and_f1_at_the_threshold() -> None:
    assert auc(torch.tensor([0.9, 0.5, 0.5, 0.1]), torch.tensor([1, 1, 0, 0])) == pytest.approx(3.5 / 4)
    assert auc(torch.tensor([0.1, 0.9]), torch.tensor([0, 1])) == 1.0
    assert f1(torch.tensor([0.9, 0.4, 0.6, 0.2]), torch.tensor([1, 1, 0, 0])) == pytest.approx(0.5)


def test_split_per_user_holds_out_from_every_user_with_two_pairs_and_loses_none() -> None:
    pairs = torch.tensor([[0, i] for i in range(10)] + [[1, 0], [1, 1]] + [[2, 5]])
    train, test = split_per_user(pairs, 0.2, seed=0)
    assert sorted(map(tuple, torch.cat([train, test]).tolist())) == sorted(map(tuple, pairs.tolist()))
    assert (test[:, 0] == 0).sum() == 2 and (test[:, 0] == 1).sum() == 1 and (test[:, 0] == 2).sum() == 0


def test_negatives_are_never_interactions() -> None:
    every = torch.tensor([[0, i] for i in range(8)] + [[1, 0]])
    negatives = sample_negatives(every[:8], every, num_items=10, seed=0)
    assert negatives.shape == (8, 2) and set(negatives[:, 1].tolist()) <= {8, 9}


def test_linked_only_keeps_the_items_the_knowledge_graph_knows_as_kgcn_does() -> None:
    """u listened to a, b and c; only a and c have a KG edge (a genre, a band member)."""
    ids = ["a", "b", "c", "genre", "member", "u"]
    edges = [("u", "LISTENED", "a"), ("u", "LISTENED", "b"), ("u", "LISTENED", "c"), ("a", "GENRE", "genre"),
             ("member", "MEMBER_OF", "c")]
    types = ["GENRE", "LISTENED", "MEMBER_OF"]
    sub = Subgraph(ids, types, torch.tensor([[ids.index(h) for h, _, _ in edges], [ids.index(t) for _, _, t in edges]]),
                   torch.tensor([types.index(r) for _, r, _ in edges]), torch.zeros(len(edges), dtype=torch.bool))
    every, kg = interactions_of(sub, "LISTENED")
    linked, same_kg = interactions_of(sub, "LISTENED", linked_only=True)
    assert [ids[i] for i in every.items.tolist()] == ["a", "b", "c"] and every.pairs.shape[0] == 3
    assert [ids[i] for i in linked.items.tolist()] == ["a", "c"]
    assert [ids[i] for i in linked.items[linked.pairs[:, 1]].tolist()] == ["a", "c"]
    assert torch.equal(kg, same_kg) and kg.shape[0] == 2
