"""A finished job's model, loaded back from its artifacts to score individual users and facts.

Requests use it to rank items for a user the job wrote nothing for, and to weigh each hop of an
explanation path. The job saved everything needed: ``config.json`` (the spec), ``id_maps.json``,
``metrics.json`` (the calibration, a hybrid's weight) and the model itself: ``model.pt`` for a
structure model (a GNN's state holds its training graph, so its encoder runs once, at load), the
fine-tuned ``encoder`` with ``temperature.pt`` and ``entity_embeddings.pt`` for a text model.
What comes back is the very scorer the job used (:class:`ModelScorer`, :class:`TextScorer` or
:class:`HybridScorer`), so a score on demand is the score the job would have given.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from kgplatform.completion.calibration import Calibration
from kgplatform.completion.evaluation import FactScorer
from kgplatform.completion.hybrid import HybridScorer
from kgplatform.completion.models import GNN_MODELS, MODELS, build_model
from kgplatform.completion.text import DEFAULT_FIELDS, graph_text
from kgplatform.completion.textmodel import BiEncoder, EmbeddingCache, TextScorer, load_encoder
from kgplatform.completion.training import ModelScorer
from kgplatform.store.base import GraphStore


@dataclass(frozen=True)
class SavedModel:
    """A job's scorer, the id maps of the graph it was trained on, and the job's score calibration."""

    scorer: FactScorer
    entities: dict[str, int]
    relations: dict[str, int]
    calibration: Calibration

    @torch.no_grad()
    def raw_scores(self, head: str, relation: str, tails: list[str]) -> Tensor:
        """The model's scores of ``head -[relation]-> tail`` for each tail (all ids known to the model)."""
        row = self.scorer.score_tails(torch.tensor([self.entities[head]]), torch.tensor([self.relations[relation]]))
        return row[0, torch.tensor([self.entities[t] for t in tails])].cpu()

    @torch.no_grad()
    def score_facts(self, triples: Tensor) -> Tensor:
        """Scores ``[F]`` of (head, relation, tail) index triples."""
        return self.scorer.score_facts(triples)


@functools.lru_cache(maxsize=8)
def load_saved_model(job_dir: Path, store: GraphStore) -> SavedModel | None:
    """The job's model, or None (no finished job's artifacts here, or a model kind that cannot load).

    ``store``: where a text model reads the entity texts its cached embeddings are keyed by.
    """
    try:
        spec = json.loads((job_dir / "config.json").read_text())
        maps = json.loads((job_dir / "id_maps.json").read_text())
        details = json.loads((job_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    train = spec.get("train", {})
    entities, relations = maps["entities"], maps["relations"]
    name = train.get("model")
    if name in MODELS:
        scorer: FactScorer | None = _structure(job_dir, name, train, len(entities), len(relations))
    elif name in ("text", "hybrid") and (job_dir / "encoder").is_dir():
        scorer = _text(job_dir, store, spec, entities, relations)
        if name == "hybrid":
            structure = _structure(job_dir, train.get("structure_model", "complex"), train, len(entities),
                                   len(relations))
            weight = details.get("train", {}).get("hybrid_weight")
            scorer = None if structure is None or weight is None else HybridScorer(structure, scorer, float(weight))
    else:
        scorer = None
    if scorer is None:
        return None
    return SavedModel(scorer, {e: i for i, e in enumerate(entities)}, {r: i for i, r in enumerate(relations)},
                      Calibration(**details.get("calibration", {})))


def _structure(job_dir: Path, name: str, train: dict[str, Any], num_entities: int,
               num_relations: int) -> ModelScorer | None:
    if not (job_dir / "model.pt").exists():
        return None
    state = torch.load(job_dir / "model.pt", map_location="cpu")
    graph = (state["edge_index"], state["edge_type"]) if name in GNN_MODELS else None
    model = build_model(name, num_entities, 2 * num_relations, int(train["dim"]), graph=graph,
                        margin=float(train.get("margin", 6.0)))
    model.load_state_dict(state)
    return ModelScorer(model, num_relations)


def _text(job_dir: Path, store: GraphStore, spec: dict[str, Any], entities: list[str],
          relations: list[str]) -> TextScorer:
    """The job's fine-tuned bi-encoder over the entities' texts as they are now (unchanged ones come from its cache)."""
    train = spec["train"]
    model = BiEncoder(load_encoder(str(job_dir / "encoder"), torch.device("cpu"), int(train["max_length"])),
                      float(train["temperature"]))
    model.load_state_dict(torch.load(job_dir / "temperature.pt", map_location="cpu"), strict=False)
    model.eval()
    texts = graph_text(store, entities, relations, tuple(spec.get("text_fields") or DEFAULT_FIELDS))
    return TextScorer(model, texts, EmbeddingCache(job_dir / "entity_embeddings.pt").embed(model, texts.entities))
