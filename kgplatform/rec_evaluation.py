"""Evaluating recommendations the way the literature does, against baselines trained in the same run.

Two protocols on the interaction edges of a graph (users -[WATCHED|LISTENED]-> items):

* **top-k (KGIN)**: 20% of each user's interactions are held out; the model, trained on the rest
  plus every knowledge-graph edge, ranks all items the user has not interacted with in training.
  Recall@k is the share of held-out items in the top k; NDCG@k uses binary relevance and the
  ideal DCG of ``min(held-out, k)`` hits.
* **CTR (KGCN)**: interactions split 6:2:2 at random; each positive pair gets one negative item
  the user never interacted with. AUC over the test pairs; F1 at probability 0.5, scores made
  probabilities by Platt scaling fitted on the validation pairs.

Baselines: item popularity (training interactions) and matrix factorisation with BPR loss
(Rendle et al., 2009).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from kgplatform.completion.calibration import fit_platt
from kgplatform.completion.training import ModelScorer, TrainConfig, train_model
from kgplatform.errors import InvalidInput
from kgplatform.store.base import GraphStore
from kgplatform.subgraph import Subgraph, pull_subgraph

#: scores[u] for a batch of users: ``[B, num_items]`` (higher is better).
UserScorer = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class Interactions:
    """The interaction edges as (user, item) pairs, items numbered 0..num_items-1."""

    pairs: Tensor  # [M, 2] user entity index, item position
    items: Tensor  # item position -> entity index
    num_entities: int


def recall_ndcg(scores: Tensor, train_mask: Tensor, test_items: list[set[int]], k: int) -> dict[str, float]:
    """Mean Recall@k and NDCG@k over users with held-out items (rows of ``scores``)."""
    ranked = torch.topk(scores.masked_fill(train_mask, float("-inf")), k, dim=1).indices.tolist()
    recalls, ndcgs = [], []
    for top, truth in zip(ranked, test_items, strict=True):
        if not truth:
            continue
        hits = [1.0 if item in truth else 0.0 for item in top]
        recalls.append(sum(hits) / len(truth))
        dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(truth), k)))
        ndcgs.append(dcg / ideal)
    return {f"recall@{k}": sum(recalls) / len(recalls), f"ndcg@{k}": sum(ndcgs) / len(ndcgs)}


def auc(scores: Tensor, labels: Tensor) -> float:
    """Area under the ROC curve, ties counted half (the Mann-Whitney statistic)."""
    order = torch.argsort(scores.double())
    ranks = torch.empty_like(order, dtype=torch.float64)
    _, inverse, counts = torch.unique_consecutive(scores.double()[order], return_inverse=True, return_counts=True)
    cumulative = torch.cumsum(counts, 0).double()
    mean_rank = cumulative - (counts.double() - 1) / 2
    ranks[order] = mean_rank[inverse]
    positives = labels.bool()
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def f1(probabilities: Tensor, labels: Tensor, threshold: float = 0.5) -> float:
    """F1 of predicting positive at ``probabilities >= threshold``."""
    predicted, truth = probabilities >= threshold, labels.bool()
    tp = int((predicted & truth).sum())
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def interactions_of(sub: Subgraph, relation: str, *, linked_only: bool = False) -> tuple[Interactions, Tensor]:
    """The relation's edges as (user, item) pairs, and every other edge (the knowledge graph).

    ``linked_only``: keep only items with a knowledge-graph edge, as KGCN does (on Last.FM, the
    3,846 artists linked to Freebase), so its numbers compare with ours.
    """
    if relation not in sub.relation_types:
        raise InvalidInput("relation", relation, f"one of the graph's relation types {sub.relation_types}")
    triples = sub.triples()
    rel = sub.relation_types.index(relation)
    edges = triples[triples[:, 1] == rel]
    kg = triples[triples[:, 1] != rel]
    if linked_only:
        linked = torch.zeros(sub.num_entities, dtype=torch.bool)
        linked[kg[:, 0]] = linked[kg[:, 2]] = True
        edges = edges[linked[edges[:, 2]]]
    items, position = torch.unique(edges[:, 2], return_inverse=True)
    return Interactions(torch.stack([edges[:, 0], position], dim=1), items, sub.num_entities), kg


def split_per_user(pairs: Tensor, test_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Hold out ``test_fraction`` of each user's pairs (at least one, when the user has two or more)."""
    generator = torch.Generator().manual_seed(seed)
    order = pairs[torch.randperm(pairs.shape[0], generator=generator)]
    order = order[torch.argsort(order[:, 0], stable=True)]
    _, counts = torch.unique_consecutive(order[:, 0], return_counts=True)
    starts = torch.cumsum(counts, 0) - counts
    held = torch.zeros(order.shape[0], dtype=torch.bool)
    for start, count in zip(starts.tolist(), counts.tolist(), strict=True):
        if count >= 2:
            held[start:start + max(1, int(count * test_fraction))] = True
    return order[~held], order[held]


def sample_negatives(pairs: Tensor, every: Tensor, num_items: int, seed: int) -> Tensor:
    """One item per pair that its user never interacted with (in ``every``), as (user, item) pairs."""
    generator = torch.Generator().manual_seed(seed)
    seen = set(map(tuple, every.tolist()))
    negatives = []
    for user in pairs[:, 0].tolist():
        while True:
            item = int(torch.randint(num_items, (1,), generator=generator))
            if (user, item) not in seen:
                negatives.append((user, item))
                break
    return torch.tensor(negatives, dtype=torch.long).reshape(-1, 2)


class BPR(nn.Module):
    """Matrix factorisation trained with the BPR pairwise loss on (user, item) pairs."""

    def __init__(self, num_users: int, num_items: int, dim: int) -> None:
        super().__init__()
        self.users = nn.Embedding(num_users, dim)
        self.items = nn.Embedding(num_items, dim)
        nn.init.normal_(self.users.weight, std=0.1)
        nn.init.normal_(self.items.weight, std=0.1)

    def scores(self, users: Tensor) -> Tensor:
        scores: Tensor = self.users(users) @ self.items.weight.T
        return scores


def train_bpr(train: Tensor, num_entities: int, num_items: int, *, dim: int = 64, epochs: int = 30,
              batch_size: int = 1024, lr: float = 0.005, reg: float = 1e-4, seed: int = 0) -> UserScorer:
    """BPR-MF on the training pairs; returns a scorer of all items for a batch of users."""
    torch.manual_seed(seed)
    model = BPR(num_entities, num_items, dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        shuffled = train[torch.randperm(train.shape[0])]
        for start in range(0, shuffled.shape[0], batch_size):
            batch = shuffled[start:start + batch_size]
            users, positives = batch[:, 0], batch[:, 1]
            negatives = torch.randint(num_items, positives.shape)
            u, p, n = model.users(users), model.items(positives), model.items(negatives)
            loss = -torch.nn.functional.logsigmoid((u * p).sum(1) - (u * n).sum(1)).mean()
            loss = loss + reg * (u.pow(2).sum() + p.pow(2).sum() + n.pow(2).sum()) / batch.shape[0]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return lambda users: model.scores(users).detach()


def popularity(train: Tensor, num_items: int) -> UserScorer:
    """Every user gets the items ranked by how many training interactions they have."""
    counts = torch.bincount(train[:, 1], minlength=num_items).float()
    return lambda users: counts.expand(users.numel(), -1)


def train_ours(kg: Tensor, train: Tensor, data: Interactions, relation_id: int, num_relations: int,
               config: TrainConfig) -> UserScorer:
    """Our structure model on the knowledge graph plus the training interactions."""
    interactions = torch.stack([train[:, 0], torch.full_like(train[:, 0], relation_id), data.items[train[:, 1]]], 1)
    triples = torch.cat([kg, interactions])
    valid = interactions[:200]
    result = train_model(triples, valid, triples, data.num_entities, num_relations,
                         replace(config, eval_every=config.epochs))
    scorer = ModelScorer(result.model, num_relations)
    return lambda users: scorer.score_tails(users, torch.full_like(users, relation_id)).cpu()[:, data.items]


def _score_users(scorer: UserScorer, users: Tensor, batch: int = 512) -> Tensor:
    return torch.cat([scorer(users[i:i + batch]) for i in range(0, users.numel(), batch)])


def topk_protocol(scorers: dict[str, UserScorer], train: Tensor, test: Tensor, num_items: int,
                  k: int = 20) -> dict[str, dict[str, float]]:
    """Recall@k and NDCG@k of each scorer on the held-out pairs."""
    users = torch.unique(test[:, 0])
    row = {u: i for i, u in enumerate(users.tolist())}
    train_mask = torch.zeros(users.numel(), num_items, dtype=torch.bool)
    mine = torch.isin(train[:, 0], users)
    train_mask[[row[u] for u in train[mine, 0].tolist()], train[mine, 1]] = True
    truth: list[set[int]] = [set() for _ in range(users.numel())]
    for user, item in test.tolist():
        truth[row[user]].add(item)
    return {name: recall_ndcg(_score_users(scorer, users), train_mask, truth, k) for name, scorer in scorers.items()}


def ctr_protocol(scorers: dict[str, UserScorer], valid: Tensor, test: Tensor, every: Tensor, num_items: int,
                 seed: int = 0) -> dict[str, dict[str, float]]:
    """AUC and F1 on test positives plus one sampled negative each (Platt fitted on validation pairs)."""
    out = {}
    sets = {}
    for name, pairs in (("valid", valid), ("test", test)):
        negatives = sample_negatives(pairs, every, num_items, seed + len(name))
        both = torch.cat([pairs, negatives])
        sets[name] = (both, torch.cat([torch.ones(pairs.shape[0]), torch.zeros(negatives.shape[0])]))
    for model, scorer in scorers.items():
        scored = {}
        for name, (both, labels) in sets.items():
            users, inverse = torch.unique(both[:, 0], return_inverse=True)
            table = _score_users(scorer, users)
            scored[name] = (table[inverse, both[:, 1]].float(), labels)
        calibration = fit_platt(*scored["valid"])
        scores, labels = scored["test"]
        out[model] = {"auc": auc(scores, labels), "f1": f1(calibration(scores), labels)}
    return out


def evaluate_recommenders(store: GraphStore, relation: str, config: TrainConfig, *, k: int = 20,
                          seed: int = 0, linked_only: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Both protocols for our model (``config``), popularity and BPR-MF, trained in this call.

    ``linked_only``: only items with a knowledge-graph edge (see :func:`interactions_of`).
    """
    sub = pull_subgraph(store)
    data, kg = interactions_of(sub, relation, linked_only=linked_only)
    rel = sub.relation_types.index(relation)
    num_items = int(data.items.numel())
    config = replace(config, seed=seed)

    train, test = split_per_user(data.pairs, 0.2, seed)
    topk = topk_protocol({"ours": train_ours(kg, train, data, rel, sub.num_relations, config),
                          "popularity": popularity(train, num_items),
                          "bpr": train_bpr(train, sub.num_entities, num_items, seed=seed)}, train, test, num_items, k)

    order = data.pairs[torch.randperm(data.pairs.shape[0], generator=torch.Generator().manual_seed(seed))]
    n_train, n_valid = int(0.6 * order.shape[0]), int(0.2 * order.shape[0])
    ctr_train, valid, ctr_test = order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:]
    ctr = ctr_protocol({"ours": train_ours(kg, ctr_train, data, rel, sub.num_relations, config),
                        "popularity": popularity(ctr_train, num_items),
                        "bpr": train_bpr(ctr_train, sub.num_entities, num_items, seed=seed)},
                       valid, ctr_test, data.pairs, num_items, seed)
    return {"topk": topk, "ctr": ctr}
