"""A finished job's structure model, loaded back from its artifacts to score individual facts.

Requests use it to rank items for a user the job wrote nothing for, and to weigh each hop of an
explanation path. The job saved everything needed: ``config.json`` (the spec), ``id_maps.json``
and ``model.pt``; a GNN's state holds its training graph, so the encoder runs once, at load, and
each request only decodes. Text models would need their encoder, so for those no model comes
back and callers fall back to what the graph alone says.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from kgplatform.completion.calibration import Calibration
from kgplatform.completion.models import GNN_MODELS, MODELS, KGEModel, build_model


@dataclass(frozen=True)
class SavedModel:
    """A trained model's encoded entities and relations, its id maps and the job's score calibration."""

    model: KGEModel
    ent: Tensor
    rel: Tensor
    entities: dict[str, int]
    relations: dict[str, int]
    calibration: Calibration

    @torch.no_grad()
    def raw_scores(self, head: str, relation: str, tails: list[str]) -> Tensor:
        """The model's scores of ``head -[relation]-> tail`` for each tail (all ids known to the model)."""
        q = self.model.query(self.ent, self.rel, torch.tensor([self.entities[head]]),
                             torch.tensor([self.relations[relation]]))
        return self.model.score_candidates(self.ent, q, torch.tensor([[self.entities[t] for t in tails]]))[0]

    @torch.no_grad()
    def score_facts(self, triples: Tensor) -> Tensor:
        """Scores ``[F]`` of (head, relation, tail) index triples."""
        q = self.model.query(self.ent, self.rel, triples[:, 0], triples[:, 1])
        return self.model.score_candidates(self.ent, q, triples[:, 2:3])[:, 0]


@functools.lru_cache(maxsize=8)
def load_saved_model(job_dir: Path) -> SavedModel | None:
    """The job's structure model, or None (no artifacts here, or a text model)."""
    try:
        spec = json.loads((job_dir / "config.json").read_text())
        maps = json.loads((job_dir / "id_maps.json").read_text())
    except (OSError, ValueError):
        return None
    if not (job_dir / "metrics.json").exists():
        return None
    train = spec.get("train", {})
    name = train.get("model")
    if name not in MODELS or not (job_dir / "model.pt").exists():
        return None
    relations = maps["relations"]
    state = torch.load(job_dir / "model.pt", map_location="cpu")
    graph = (state["edge_index"], state["edge_type"]) if name in GNN_MODELS else None
    model = build_model(name, len(maps["entities"]), 2 * len(relations), int(train["dim"]), graph=graph,
                        margin=float(train.get("margin", 6.0)))
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        ent, rel = model.encode()
    calibration = Calibration(**json.loads((job_dir / "metrics.json").read_text()).get("calibration", {}))
    return SavedModel(model, ent, rel, {e: i for i, e in enumerate(maps["entities"])},
                      {r: i for i, r in enumerate(relations)}, calibration)
