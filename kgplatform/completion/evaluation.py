"""Filtered link-prediction evaluation: MRR and Hits@k over both directions, with ties at their mean.

Why this shape:

- **Filtered**: a test triple's rank ignores the other known true answers (train, valid and test), or a
  model is punished for ranking a true fact above the one being tested (Bordes et al. 2013).
- **Both directions**: head and tail prediction are scored and averaged, as PyKEEN and the literature
  report; one direction alone can flatter a model (for an N-to-1 relation, tails are near trivial).
- **Ties at their mean** (PyKEEN's "realistic" rank): the optimistic rank counts only strictly better
  candidates, so a model that scores many entities equal (say all zero) earns rank 1 everywhere and an
  inflated MRR (Sun et al. 2020, "A Re-evaluation of KGC methods"); the pessimistic rank punishes ties too
  hard. A NaN score never helps the true answer.

Each batch looks its filtered answers up in a sorted index of the known triples and subtracts them
from counts over whole score rows: two comparisons per score and one scorer call per batch, never a
Python loop per triple.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from kgplatform.errors import InvalidInput

#: Values per score table in one scorer call when no batch size is given.
SCORES_PER_BATCH = 1 << 22


class Scorer(Protocol):
    """A model that scores every entity as the missing end of a triple (higher is more plausible).

    Ids arrive on the device of the ``test`` tensor given to `evaluate`; scores may come back on any device.
    """

    def score_tails(self, heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        """``[B]`` heads and ``[B]`` relations -> ``[B, num_entities]`` scores of every tail."""
        ...

    def score_heads(self, relations: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        """``[B]`` relations and ``[B]`` tails -> ``[B, num_entities]`` scores of every head."""
        ...


class FactScorer(Scorer, Protocol):
    """A scorer that also scores given facts one by one (explanations weigh each hop of a path with it)."""

    def score_facts(self, triples: torch.Tensor) -> torch.Tensor:
        """``[F, 3]`` (head, relation, tail) -> ``[F]`` scores on the scale of ``score_tails``."""
        ...


@dataclass(frozen=True)
class Evaluation:
    """Filtered ranking metrics of one model on one test set.

    Attributes:
        metrics: ``mrr``, ``hits@k`` for each k, and ``count`` (ranks counted) over both directions.
        by_direction: the same keys for ``head`` and ``tail`` prediction separately.
        by_relation: the same keys per relation name (``str(id)`` without names), both directions.
        head_ranks: ``[M]`` float64 filtered realistic rank of each test triple's true head (CPU).
        tail_ranks: ``[M]`` float64 filtered realistic rank of each test triple's true tail (CPU).
    """

    metrics: dict[str, float]
    by_direction: dict[str, dict[str, float]]
    by_relation: dict[str, dict[str, float]]
    head_ranks: torch.Tensor
    tail_ranks: torch.Tensor


def filtered_ranks(scores: torch.Tensor, targets: torch.Tensor, filter_mask: torch.Tensor) -> torch.Tensor:
    """Rank each row's true entity among the candidates that are not filtered out, ties at their mean.

    Args:
        scores: ``[B, N]`` float scores, higher is more plausible.
        targets: ``[B]`` long index of the true entity of each row.
        filter_mask: ``[B, N]`` bool, True for other known answers to leave out; the target is never left out.

    Returns:
        ``[B]`` float64 ranks ``1 + #better + #tied / 2`` over the kept candidates other than the target.
        A NaN candidate ranks below every number; a NaN true score ranks last, so a diverged model
        never looks perfect.

    Raises:
        InvalidInput: when the shapes or the mask dtype do not match.
    """
    if scores.dim() != 2 or targets.shape != scores.shape[:1] or filter_mask.shape != scores.shape:
        raise InvalidInput("filtered_ranks", (tuple(scores.shape), tuple(targets.shape), tuple(filter_mask.shape)),
                           "scores [B, N], targets [B], filter_mask [B, N]")
    if filter_mask.dtype != torch.bool:
        raise InvalidInput("filtered_ranks.filter_mask", filter_mask.dtype, "a bool tensor")
    rows, columns = filter_mask.to(scores.device).nonzero(as_tuple=True)
    return _ranks(scores, targets.to(scores.device), rows, columns)


def evaluate(scorer: Scorer, test: torch.Tensor, known: torch.Tensor, num_entities: int,
             relation_names: Sequence[str] | None = None, batch_size: int | None = None,
             ks: Sequence[int] = (1, 3, 10)) -> Evaluation:
    """Filtered MRR and Hits@k of a scorer on test triples, predicting heads and tails.

    Args:
        scorer: the model; its scores' device is where ranking runs.
        test: ``[M, 3]`` long (head, relation, tail) triples to rank.
        known: ``[K, 3]`` every true triple (train + valid + test), filtered out in both directions.
        num_entities: how many entities the scorer scores (the width of its score rows).
        relation_names: relation id -> name, for ``by_relation`` keys; ids are used without it.
        batch_size: test triples per scorer call (default: score tables of about 4M values).
        ks: the cut-offs reported as ``hits@k``.

    Returns:
        The metrics over both directions, per direction and per relation, and every rank.

    Raises:
        InvalidInput: on malformed triples, ids out of range, bad sizes or a score table of the wrong shape.
    """
    _check_triples("test", test, num_entities)
    _check_triples("known", known, num_entities)
    if test.shape[0] == 0:
        raise InvalidInput("test", tuple(test.shape), "at least one test triple")
    if batch_size is None:  # score tables of about 4M values: few scorer calls, bounded memory
        batch_size = max(1, min(test.shape[0], SCORES_PER_BATCH // num_entities))
    if batch_size < 1 or any(k < 1 for k in ks):
        raise InvalidInput("batch_size/ks", (batch_size, tuple(ks)), "positive integers")
    num_relations = _count_relations(test, known, relation_names)
    test = test.long()
    known = _distinct(known.long(), num_relations, num_entities)  # each filtered answer subtracted once
    # One key per (entity, relation): tails are looked up by head, heads by tail.
    tails_of = _Index.build(known[:, 0] * num_relations + known[:, 1], known[:, 2])
    heads_of = _Index.build(known[:, 2] * num_relations + known[:, 1], known[:, 0])
    head_parts: list[torch.Tensor] = []
    tail_parts: list[torch.Tensor] = []
    with torch.no_grad():
        for start in range(0, test.shape[0], batch_size):
            heads, relations, tails = test[start:start + batch_size].unbind(dim=1)
            scores = _checked(scorer.score_tails(heads, relations), len(heads), num_entities)
            tails_of = tails_of.to(scores.device)
            tail_parts.append(_ranks_filtered_by(tails_of, heads * num_relations + relations, scores, tails))
            scores = _checked(scorer.score_heads(relations, tails), len(heads), num_entities)
            heads_of = heads_of.to(scores.device)
            head_parts.append(_ranks_filtered_by(heads_of, tails * num_relations + relations, scores, heads))
    head_ranks, tail_ranks = torch.cat(head_parts), torch.cat(tail_parts)
    both = torch.cat([head_ranks, tail_ranks])
    return Evaluation(
        metrics=_summarise(both, ks),
        by_direction={"head": _summarise(head_ranks, ks), "tail": _summarise(tail_ranks, ks)},
        by_relation=_by_relation(both, test[:, 1].cpu().repeat(2), relation_names, ks),
        head_ranks=head_ranks,
        tail_ranks=tail_ranks,
    )


def inverse_leakage(triples: torch.Tensor, num_relations: int, relation_names: Sequence[str] | None = None,
                    threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Relation pairs where one is (nearly) the other reversed: the test leakage of FB15k and WN18.

    When ``(t, r2, h)`` almost always accompanies ``(h, r1, t)``, a model can answer a test triple by
    reading its inverse from training, and its MRR says little (Toutanova & Chen 2015).

    Args:
        triples: ``[E, 3]`` long (head, relation, tail) triples; duplicates count once.
        num_relations: how many relation ids there are.
        relation_names: relation id -> name; ids are used without it.
        threshold: the least share of ``r1``'s edges whose reverse is an ``r2`` edge to report the pair.

    Returns:
        ``(r1, r2, share)`` for every pair ``r1 != r2`` at or above the threshold, highest share first.

    Raises:
        InvalidInput: on malformed triples, relation ids out of range, mismatched names or a bad threshold.
    """
    if triples.dim() != 2 or triples.shape[1] != 3:
        raise InvalidInput("triples", tuple(triples.shape), "a [E, 3] tensor of (head, relation, tail)")
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput("threshold", threshold, "a share in (0, 1]")
    if relation_names is not None and len(relation_names) != num_relations:
        raise InvalidInput("relation_names", len(relation_names), f"{num_relations} names")
    if triples.shape[0] == 0:
        return []
    triples = torch.unique(triples.long().cpu(), dim=0)
    heads, relations, tails = triples.unbind(dim=1)
    if int(relations.min()) < 0 or int(relations.max()) >= num_relations:
        raise InvalidInput("triples[:, 1]", int(relations.max()), f"relation ids in [0, {num_relations})")
    width = int(torch.maximum(heads.max(), tails.max())) + 1
    by_pair = _Index.build(heads * width + tails, relations)
    # Each edge (h, r1, t) meets every edge (t, r2, h); triples are unique, so each (edge, r2) once.
    edges, positions = by_pair.lookup(tails * width + heads)
    pair_keys, matches = torch.unique(relations[edges] * num_relations + by_pair.values[positions],
                                      return_counts=True)
    first, second = pair_keys // num_relations, pair_keys % num_relations
    share = matches.double() / torch.bincount(relations, minlength=num_relations)[first].double()
    found = (first != second) & (share >= threshold)
    pairs = [(_name(relation_names, int(a)), _name(relation_names, int(b)), float(s))
             for a, b, s in zip(first[found], second[found], share[found], strict=True)]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))


def _distinct(triples: torch.Tensor, num_relations: int, num_entities: int) -> torch.Tensor:
    """Distinct triples, by one int64 key each (a 1-D unique is far cheaper than ``unique(dim=0)``)."""
    keys = torch.unique((triples[:, 0] * num_relations + triples[:, 1]) * num_entities + triples[:, 2])
    return torch.stack([keys // num_entities // num_relations, keys // num_entities % num_relations,
                        keys % num_entities], dim=1)


@dataclass(frozen=True)
class _Index:
    """Values grouped under sorted int64 keys (a CSR index): every value of many keys in one lookup."""

    keys: torch.Tensor
    values: torch.Tensor

    @classmethod
    def build(cls, keys: torch.Tensor, values: torch.Tensor) -> _Index:
        order = torch.argsort(keys, stable=True)
        return cls(keys[order], values[order])

    def to(self, device: torch.device) -> _Index:
        return self if self.keys.device == device else _Index(self.keys.to(device), self.values.to(device))

    def lookup(self, queries: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """For every stored match of every query: the query's row and the match's position in ``values``."""
        starts = torch.searchsorted(self.keys, queries)
        counts = torch.searchsorted(self.keys, queries, right=True) - starts
        rows = torch.repeat_interleave(torch.arange(len(queries), device=queries.device), counts)
        offsets = torch.arange(len(rows), device=queries.device) - torch.repeat_interleave(
            torch.cumsum(counts, dim=0) - counts, counts)
        return rows, starts[rows] + offsets


def _ranks(scores: torch.Tensor, targets: torch.Tensor, rows: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
    """`filtered_ranks` with the filter as distinct (row, entity) pairs, all on the scores' device.

    Counting over the whole row and subtracting the few filtered entries is cheaper than masking a
    dense ``[B, N]`` filter. NaN compares false, so a NaN candidate is neither better nor tied.
    """
    batch = len(targets)
    true = scores[torch.arange(batch, device=scores.device), targets]
    keep = columns != targets[rows]  # the target is ranked, never filtered
    rows, columns = rows[keep], columns[keep]
    dropped, true_of_dropped = scores[rows, columns], true[rows]
    # int32 sums run about twice as fast as the default int64 ones, and no row has 2**31 entities.
    better = (scores > true[:, None]).sum(dim=1, dtype=torch.int32) - torch.bincount(
        rows[dropped > true_of_dropped], minlength=batch)
    tied = (scores == true[:, None]).sum(dim=1, dtype=torch.int32) - 1 - torch.bincount(
        rows[dropped == true_of_dropped], minlength=batch)
    ranks = 1.0 + better.double() + 0.5 * tied.double()
    last = float(scores.shape[1]) - torch.bincount(rows, minlength=batch).double()
    return torch.where(true.isnan(), last, ranks)


def _ranks_filtered_by(index: _Index, keys: torch.Tensor, scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Ranks of ``targets`` with every answer that ``index`` holds under each row's key filtered, on the CPU."""
    rows, positions = index.lookup(keys.to(scores.device))
    return _ranks(scores, targets.to(scores.device), rows, index.values[positions]).cpu()


def _check_triples(source: str, triples: torch.Tensor, num_entities: int) -> None:
    if triples.dim() != 2 or triples.shape[1] != 3 or triples.is_floating_point():
        raise InvalidInput(source, (tuple(triples.shape), triples.dtype), "a [M, 3] integer tensor")
    if triples.shape[0] == 0:
        return
    entities = triples[:, [0, 2]]
    if int(entities.min()) < 0 or int(entities.max()) >= num_entities:
        raise InvalidInput(source, (int(entities.min()), int(entities.max())), f"entity ids in [0, {num_entities})")
    if int(triples[:, 1].min()) < 0:
        raise InvalidInput(source, int(triples[:, 1].min()), "non-negative relation ids")


def _count_relations(test: torch.Tensor, known: torch.Tensor, relation_names: Sequence[str] | None) -> int:
    largest = max(int(test[:, 1].max()), int(known[:, 1].max()) if known.shape[0] else 0)
    if relation_names is None:
        return largest + 1
    if largest >= len(relation_names):
        raise InvalidInput("relation_names", len(relation_names), f"a name for every relation id up to {largest}")
    return len(relation_names)


def _checked(scores: torch.Tensor, rows: int, num_entities: int) -> torch.Tensor:
    if scores.shape != (rows, num_entities):
        raise InvalidInput("scorer", tuple(scores.shape), f"scores of shape ({rows}, {num_entities})")
    return scores


def _summarise(ranks: torch.Tensor, ks: Sequence[int]) -> dict[str, float]:
    metrics = {"mrr": float(ranks.reciprocal().mean())}
    metrics.update({f"hits@{k}": float((ranks <= k).double().mean()) for k in ks})
    metrics["count"] = float(len(ranks))
    return metrics


def _by_relation(ranks: torch.Tensor, relations: torch.Tensor, relation_names: Sequence[str] | None,
                 ks: Sequence[int]) -> dict[str, dict[str, float]]:
    order = torch.argsort(relations, stable=True)
    ids, counts = torch.unique_consecutive(relations[order], return_counts=True)
    groups = torch.split(ranks[order], counts.tolist())
    return {_name(relation_names, int(i)): _summarise(group, ks) for i, group in zip(ids, groups, strict=True)}


def _name(relation_names: Sequence[str] | None, relation: int) -> str:
    return str(relation) if relation_names is None else relation_names[relation]
