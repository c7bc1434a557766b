"""Candidate edges: the top-k unknown tails (or heads) per entity for a relation, known facts excluded.

Candidates are restricted to the relation's observed range (entities seen as its tails), so a
``WATCHED`` edge is never proposed towards a genre. Scoring is batched over heads as one
matrix product per batch, and known edges are masked by sorted-key lookup rather than per-row sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
from torch import Tensor


class TailScorer(Protocol):
    """What candidate generation needs of a trained model."""

    def score_tails(self, heads: Tensor, relations: Tensor) -> Tensor: ...

    def score_heads(self, relations: Tensor, tails: Tensor) -> Tensor: ...


@dataclass(frozen=True)
class Candidates:
    """Proposed edges ``heads[i] -[relation]-> tails[i]`` with raw scores and their rank per anchor."""

    heads: Tensor
    tails: Tensor
    scores: Tensor
    ranks: Tensor

    def __len__(self) -> int:
        return int(self.heads.numel())


def relation_ends(triples: Tensor, relation: int, num_entities: int, *, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """The anchors (distinct heads; tails if ``reverse``) of ``relation`` and a mask of its targets' range."""
    of_relation = triples[triples[:, 1] == relation]
    anchor_col, target_col = (2, 0) if reverse else (0, 2)
    allowed = torch.zeros(num_entities, dtype=torch.bool)
    allowed[of_relation[:, target_col]] = True
    return torch.unique(of_relation[:, anchor_col]), allowed


def top_candidates(scorer: TailScorer, relation: int, anchors: Tensor, allowed: Tensor, exclude: Tensor,
                   num_entities: int, k: int, *, reverse: bool = False, batch_size: int = 512) -> Candidates:
    """Top-``k`` new tails of ``relation`` for each anchor head (new heads for each anchor tail if ``reverse``).

    Args:
        anchors: entity indices to propose for; ``allowed``: ``[N]`` mask of acceptable targets.
        exclude: ``[K, 3]`` edges never to propose (known facts).
    """
    anchor_col, target_col = (2, 0) if reverse else (0, 2)
    known = exclude[exclude[:, 1] == relation]
    known_keys = torch.sort(known[:, anchor_col] * num_entities + known[:, target_col]).values
    parts: list[tuple[Tensor, Tensor, Tensor, Tensor]] = []
    for start in range(0, anchors.numel(), batch_size):
        batch = anchors[start:start + batch_size]
        rel = torch.full_like(batch, relation)
        scores = (scorer.score_heads(rel, batch) if reverse else scorer.score_tails(batch, rel)).float().cpu()
        scores[:, ~allowed] = float("-inf")
        scores[batch.unsqueeze(1) == torch.arange(num_entities)] = float("-inf")  # no self loops
        _mask_known(scores, batch, known_keys, num_entities)
        top = torch.topk(scores, min(k, num_entities), dim=1)
        finite = torch.isfinite(top.values)
        rows = batch.unsqueeze(1).expand_as(top.indices)[finite]
        ranks = torch.arange(1, top.indices.shape[1] + 1).expand_as(top.indices)[finite]
        parts.append((rows, top.indices[finite], top.values[finite], ranks))
    if not parts:
        empty = torch.empty(0, dtype=torch.long)
        return Candidates(empty, empty, torch.empty(0), empty)
    anchor, target, score, rank = (torch.cat(p) for p in zip(*parts, strict=True))
    return Candidates(target, anchor, score, rank) if reverse else Candidates(anchor, target, score, rank)


def _mask_known(scores: Tensor, batch: Tensor, known_keys: Tensor, num_entities: int) -> None:
    """Set to -inf the scores of (anchor, target) pairs whose key is in ``known_keys`` (sorted)."""
    if known_keys.numel() == 0:
        return
    low = torch.searchsorted(known_keys, batch * num_entities)
    high = torch.searchsorted(known_keys, (batch + 1) * num_entities)
    counts = high - low
    if int(counts.sum()) == 0:
        return
    rows = torch.repeat_interleave(torch.arange(batch.numel()), counts)
    offsets = torch.arange(int(counts.sum())) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
    keys = known_keys[torch.repeat_interleave(low, counts) + offsets]
    scores[rows, keys % num_entities] = float("-inf")


def label_candidates(candidates: Candidates, relation: int, truth: Tensor, num_entities: int) -> Tensor:
    """1.0 where a candidate edge is among the ``truth`` triples (held-out edges), else 0.0."""
    true = truth[truth[:, 1] == relation]
    keys = torch.sort(true[:, 0] * num_entities + true[:, 2]).values
    found = candidates.heads * num_entities + candidates.tails
    if keys.numel() == 0:
        return torch.zeros(len(candidates))
    position = torch.searchsorted(keys, found).clamp(max=keys.numel() - 1)
    return (keys[position] == found).float()
