"""The ``hybrid`` model: a structure model's and the text model's scores, mixed with a weight fitted on validation.

Raw scores of two models live on different scales (a ComplEx logit, a cosine over a
temperature), so each row of scores is standardised first: ``w * z(structure) + (1 - w) * z(text)``.
The weight is the one with the best filtered MRR on the validation edges, from a grid that
includes 0 and 1: the hybrid is never worse than either model alone on validation, and the
report says how much better it is, and on test.
"""

from __future__ import annotations

import torch
from torch import Tensor

from kgplatform.completion.evaluation import FactScorer, evaluate

WEIGHTS = tuple(round(i / 10, 1) for i in range(11))


def standardise(scores: Tensor) -> Tensor:
    """Each row to mean 0 and standard deviation 1 (ranks within a row are unchanged)."""
    scores = scores.float()
    return (scores - scores.mean(dim=1, keepdim=True)) / scores.std(dim=1, keepdim=True).clamp_min(1e-6)


class HybridScorer:
    """``weight`` times the structure model's standardised scores plus the rest times the text model's."""

    def __init__(self, structure: FactScorer, text: FactScorer, weight: float) -> None:
        self.structure, self.text, self.weight = structure, text, weight

    def _mix(self, structure: Tensor, text: Tensor) -> Tensor:
        return self.weight * standardise(structure.cpu()) + (1 - self.weight) * standardise(text.cpu())

    @torch.no_grad()
    def score_tails(self, heads: Tensor, relations: Tensor) -> Tensor:
        return self._mix(self.structure.score_tails(heads, relations), self.text.score_tails(heads, relations))

    @torch.no_grad()
    def score_heads(self, relations: Tensor, tails: Tensor) -> Tensor:
        return self._mix(self.structure.score_heads(relations, tails), self.text.score_heads(relations, tails))

    @torch.no_grad()
    def score_facts(self, triples: Tensor) -> Tensor:
        """The structure part's scores: the mix standardises whole rows, which single facts do not have."""
        return self.structure.score_facts(triples)


def fit_hybrid(structure: FactScorer, text: FactScorer, valid: Tensor, known: Tensor,
               num_entities: int) -> tuple[HybridScorer, dict[float, float]]:
    """The weight with the best validation MRR, and the validation MRR of every weight tried."""
    tried = {w: evaluate(HybridScorer(structure, text, w), valid, known, num_entities).metrics["mrr"]
             for w in WEIGHTS}
    best = max(tried, key=lambda w: (tried[w], -abs(w - 0.5)))  # ties: the more even mix
    return HybridScorer(structure, text, best), tried
