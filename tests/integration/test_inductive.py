"""Inductive completion: entities added after a text job get edges from its model, without retraining."""

from __future__ import annotations

import time
from pathlib import Path

from kgplatform.clock import now_iso
from kgplatform.completion.pipeline import CompletionSpec, run_completion
from kgplatform.completion.training import TrainConfig
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore

CITIES = {
    "France": ["Paris", "Lyon", "Toulouse"], "Germany": ["Berlin", "Munich", "Hamburg"],
    "Italy": ["Rome", "Milan", "Naples"], "Spain": ["Madrid", "Barcelona", "Seville"],
    "Japan": ["Tokyo", "Osaka", "Kyoto"], "Brazil": ["Rio de Janeiro", "Sao Paulo", "Brasilia"],
}
TEXT = TrainConfig(model="text", epochs=2, batch_size=8, seed=0, max_length=16)


def _load(store: GraphStore, folder: Path, cities: dict[str, list[str]], name: str) -> None:
    """Cities located in countries, as triples with a names file."""
    triples, names = folder / f"{name}.tsv", folder / f"{name}-names.tsv"
    slug = lambda text: text.lower().replace(" ", "-")  # noqa: E731
    triples.write_text("".join(f"city:{slug(c)}\tLOCATED_IN\tcountry:{slug(k)}\n" for k, cs in cities.items()
                               for c in cs))
    names.write_text("".join(f"city:{slug(c)}\t{c}\n" for cs in cities.values() for c in cs)
                     + "".join(f"country:{slug(k)}\t{k}\n" for k in cities))
    load_graph(store, read_graph([triples], "triples", entity_text=names))


def test_new_entities_get_predictions_from_the_earlier_text_model(store: GraphStore, tmp_path: Path) -> None:
    _load(store, tmp_path, CITIES, "world")
    trained = run_completion(store, CompletionSpec(train=TEXT, relations=("LOCATED_IN",), top_k=2, evaluate=False),
                             artifacts_root=tmp_path / "jobs", job_id="text-1")
    assert trained.written > 0
    time.sleep(0.01)
    cutoff = now_iso()
    # two new cities, each with one edge, so the job can also measure itself on them
    _load(store, tmp_path, {"France": ["Marseille"], "Japan": ["Sapporo"]}, "more")

    encoded = []
    for since in ("text-1", cutoff):
        spec = CompletionSpec(train=TEXT, relations=("LOCATED_IN",), top_k=3, since=since)
        result = run_completion(store, spec, artifacts_root=tmp_path / "jobs", job_id=f"inductive-{len(since)}")
        assert result.metrics["new_entities"] == 2
        assert result.details["source_job"] == "text-1"
        heads = {p.head for p in store.list_predictions(result.job_id, limit=100)}
        assert heads == {"city:marseille", "city:sapporo"}, "predictions only for the new entities"
        assert "new_entity_edges_mrr" in result.metrics
        encoded.append(result.metrics["encoded_texts"])
    assert encoded == [2, 0], "only the new texts are encoded, once: the second run finds them in the cache"
