"""Train the scorer a job asked for: a structure model, the text model, or the hybrid of both.

What comes back is a :class:`~kgplatform.completion.evaluation.FactScorer` and an account of the
training, so the rest of the job (evaluate, calibrate, predict, write back) is the same for
every model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from kgplatform.completion.evaluation import FactScorer, evaluate
from kgplatform.completion.hybrid import HybridScorer, fit_hybrid
from kgplatform.completion.text import DEFAULT_FIELDS, graph_text
from kgplatform.completion.textmodel import train_text_model
from kgplatform.completion.training import ModelScorer, TrainConfig, summary, train_model
from kgplatform.store.base import GraphStore
from kgplatform.subgraph import Subgraph

TEXT_MODELS = frozenset({"text", "hybrid"})
Progress = Callable[[str, float, dict[str, float]], None]


@dataclass
class Fitted:
    """A trained scorer and what to record about its training."""

    scorer: FactScorer
    best_valid_mrr: float
    seed: int
    summary: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)


def fit_scorer(store: GraphStore, sub: Subgraph, train: Tensor, valid: Tensor, known: Tensor, config: TrainConfig,
               *, job_dir: Path, progress: Progress, stop: Callable[[], bool],
               text_fields: Sequence[str] = DEFAULT_FIELDS) -> Fitted:
    """Train ``config.model`` on ``train`` (early stopping and model choice on ``valid``)."""
    config = config.validated()
    assert config.seed is not None
    if config.model not in TEXT_MODELS:
        result = train_model(train, valid, known, sub.num_entities, sub.num_relations, config, progress=progress,
                             checkpoint=job_dir / "model.pt", stop=stop)
        return Fitted(ModelScorer(result.model, sub.num_relations), result.best_valid_mrr, config.seed,
                      {k: v for k, v in summary(result).items() if k != "history"}, result.history)

    texts = graph_text(store, sub.entity_ids, sub.relation_types, text_fields)
    text = train_text_model(train, valid, known, texts, config, progress=progress, stop=stop,
                            cache=job_dir / "entity_embeddings.pt")
    text.model.encoder.save(str(job_dir / "encoder"))
    torch.save({"log_inverse_temperature": text.model.log_inverse_temperature.detach().cpu()},
               job_dir / "temperature.pt")
    account: dict[str, Any] = {
        "config": asdict(text.config), "text_best_valid_mrr": text.best_valid_mrr, "seconds": text.seconds,
        "pairs_per_second": text.pairs_per_second,
        "entities_without_text": len(texts.missing), "entities_without_text_sample": texts.missing[:10],
    }
    if config.model == "text":
        return Fitted(text.scorer, text.best_valid_mrr, config.seed, account, text.history)

    structure = train_model(train, valid, known, sub.num_entities, sub.num_relations,
                            replace(config, model=config.structure_model), progress=progress,
                            checkpoint=job_dir / "model.pt", stop=stop)
    structure_scorer = ModelScorer(structure.model, sub.num_relations)
    hybrid, tried = fit_hybrid(structure_scorer, text.scorer, valid, known, sub.num_entities)
    account |= {"structure": {k: v for k, v in summary(structure).items() if k != "history"},
                "structure_best_valid_mrr": structure.best_valid_mrr, "hybrid_weight": hybrid.weight,
                "valid_mrr_by_weight": tried}
    best = tried[hybrid.weight]
    return Fitted(hybrid, best, config.seed, account, text.history + structure.history)


def compare_parts(fitted: Fitted, test: Tensor, known: Tensor, num_entities: int) -> dict[str, float]:
    """For a hybrid: test MRR of the structure part, the text part and the mix, side by side."""
    scorer = fitted.scorer
    if not isinstance(scorer, HybridScorer):
        return {}
    return {f"{name}_mrr": evaluate(part, test, known, num_entities).metrics["mrr"]
            for name, part in (("structure", scorer.structure), ("text", scorer.text), ("hybrid", scorer))}
