"""A finished job's structure model, loaded back from its artifacts to score individual facts.

Recommendation explanations weigh each hop of a path by how plausible the model finds it. The
job saved everything needed: ``config.json`` (the spec), ``id_maps.json`` and ``model.pt``.
Shallow models (TransE, DistMult, ComplEx, RotatE) load alone; GNN encoders would need their
training graph and text models their encoder, so for those no model comes back and callers fall
back to what the graph alone says.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from kgplatform.completion.calibration import Calibration
from kgplatform.completion.models import GNN_MODELS, MODELS, KGEModel, build_model


@dataclass(frozen=True)
class SavedModel:
    """A trained model with the id maps of the graph it was trained on and the job's score calibration."""

    model: KGEModel
    entities: dict[str, int]
    relations: dict[str, int]
    calibration: Calibration

    @torch.no_grad()
    def raw_scores(self, head: str, relation: str, tails: list[str]) -> torch.Tensor:
        """The model's scores of ``head -[relation]-> tail`` for each tail (all ids known to the model)."""
        ent, rel = self.model.encode()
        q = self.model.query(ent, rel, torch.tensor([self.entities[head]]), torch.tensor([self.relations[relation]]))
        return self.model.score_candidates(ent, q, torch.tensor([[self.entities[t] for t in tails]]))[0]

    @torch.no_grad()
    def plausibility(self, facts: list[tuple[str, str, str]]) -> list[float | None]:
        """``sigmoid(score)`` of each (head, relation, tail); None for a fact with an id the model never saw."""
        known = [i for i, (h, r, t) in enumerate(facts)
                 if h in self.entities and r in self.relations and t in self.entities]
        out: list[float | None] = [None] * len(facts)
        if not known:
            return out
        heads = torch.tensor([self.entities[facts[i][0]] for i in known])
        relations = torch.tensor([self.relations[facts[i][1]] for i in known])
        tails = torch.tensor([[self.entities[facts[i][2]]] for i in known])
        ent, rel = self.model.encode()
        scores = self.model.score_candidates(ent, self.model.query(ent, rel, heads, relations), tails)
        for i, p in zip(known, torch.sigmoid(scores[:, 0]).tolist(), strict=True):
            out[i] = p
        return out


@functools.lru_cache(maxsize=8)
def load_saved_model(job_dir: Path) -> SavedModel | None:
    """The job's shallow structure model, or None (no artifacts here, or a GNN / text model)."""
    try:
        spec = json.loads((job_dir / "config.json").read_text())
        maps = json.loads((job_dir / "id_maps.json").read_text())
    except (OSError, ValueError):
        return None
    if not (job_dir / "metrics.json").exists():
        return None
    train = spec.get("train", {})
    name = train.get("model")
    if name not in MODELS or name in GNN_MODELS or not (job_dir / "model.pt").exists():
        return None
    relations = maps["relations"]
    model = build_model(name, len(maps["entities"]), 2 * len(relations), int(train["dim"]),
                        margin=float(train.get("margin", 6.0)))
    model.load_state_dict(torch.load(job_dir / "model.pt", map_location="cpu"))
    model.eval()
    calibration = Calibration(**json.loads((job_dir / "metrics.json").read_text()).get("calibration", {}))
    return SavedModel(model, {e: i for i, e in enumerate(maps["entities"])}, {r: i for i, r in enumerate(relations)},
                      calibration)
