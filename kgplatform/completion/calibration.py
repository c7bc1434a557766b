"""Calibrated scores: what a raw model score means as a probability that the edge is true.

A model's raw scores rank candidates but are not comparable across models or runs, so a
threshold on them means nothing. Platt scaling (a logistic fit ``sigmoid(a * score + b)``) on
held-out validation edges turns them into probabilities. It is fitted on the candidates that
write-back actually proposes: the top-k unknown tails of each validation query. A calibrated
0.8 then means that about 80% of such proposals were held-out true edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Calibration:
    """``probability = sigmoid(a * score + b)``."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, scores: Tensor) -> Tensor:
        return torch.sigmoid(self.a * scores + self.b)


def fit_platt(scores: Tensor, labels: Tensor, steps: int = 200) -> Calibration:
    """Fit Platt scaling to raw ``scores`` with 0/1 ``labels`` (maximum likelihood, L-BFGS).

    Scores are standardised first so that the fit is well conditioned whatever the model's scale.
    """
    scores, labels = scores.detach().double().flatten(), labels.detach().double().flatten()
    if labels.numel() == 0 or labels.min() == labels.max():
        return Calibration()  # nothing to learn from: keep the identity-like map
    mean, std = scores.mean(), scores.std().clamp(min=1e-6)
    z = (scores - mean) / std
    params = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([params], lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(params[0] * z + params[1], labels)
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    slope, offset = params.detach().tolist()
    a, b = slope / float(std), offset - slope * float(mean) / float(std)
    return Calibration(a, b)


def calibration_error(probabilities: Tensor, labels: Tensor, bins: int = 10) -> dict[str, float]:
    """Brier score and expected calibration error (ECE, equal-width bins) of probabilities."""
    p, y = probabilities.detach().double().flatten(), labels.detach().double().flatten()
    if p.numel() == 0:
        return {"brier": float("nan"), "ece": float("nan"), "count": 0.0}
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)
    which = torch.bucketize(p, edges[1:-1])
    ece = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += float(inside.double().mean() * (p[inside].mean() - y[inside].mean()).abs())
    return {"brier": float(((p - y) ** 2).mean()), "ece": ece, "count": float(p.numel())}
