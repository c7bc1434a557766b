"""The completion job on the store: predictions written back once, with provenance, never as facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgplatform.completion.pipeline import CompletionSpec, run_completion
from kgplatform.completion.training import TrainConfig
from kgplatform.errors import InvalidInput
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore
from kgplatform.subgraph import pull_subgraph
from tests.conftest import shared_data

SPEC = CompletionSpec(train=TrainConfig(model="complex", dim=32, epochs=6, batch_size=256, eval_every=3, seed=3),
                      relations=("isa", "location_of"), top_k=3)


@pytest.fixture
def umls(store: GraphStore) -> GraphStore:
    load_graph(store, read_graph([shared_data("umls")], "triples"))
    return store


def test_job_writes_calibrated_predictions_apart_from_facts(umls: GraphStore, tmp_path: Path) -> None:
    facts_before = umls.stats().facts
    edges_before = pull_subgraph(umls).triples()
    result = run_completion(umls, SPEC, artifacts_root=tmp_path, job_id="job-a")
    assert result.status == "succeeded" and result.written > 0
    assert {"mrr", "hits@1", "hits@3", "hits@10", "calibration_ece"} <= result.metrics.keys()
    assert result.metrics["mrr"] > 0.3
    assert set(result.details["by_direction"]) == {"head", "tail"}
    assert set(result.details["by_relation"]) == {"isa", "location_of"}  # held out only from the targets

    predictions = umls.list_predictions(job_id="job-a", limit=10_000)
    assert len(predictions) == result.written
    assert {p.relation for p in predictions} == {"isa", "location_of"}
    assert all(0.0 <= p.score <= 1.0 and 1 <= p.rank <= 3 and p.model == "complex" for p in predictions)
    facts = {(e.head, e.relation, e.tail) for e in umls.iter_edges()}
    assert not {(p.head, p.relation, p.tail) for p in predictions} & facts, "known facts are never proposed"
    # facts are not polluted: counts, pulls and fact queries are as before
    assert umls.stats().facts == facts_before and umls.stats().predictions == result.written
    assert pull_subgraph(umls).triples().equal(edges_before)
    assert umls.run_readonly("MATCH ()-[r:isa]->() RETURN count(r)").rows[0][0] == umls.stats().relations["isa"]

    saved = {p.name for p in Path(result.artifacts).iterdir()}
    assert saved == {"model.pt", "id_maps.json", "config.json", "metrics.json", "provenance.json"}
    provenance = json.loads((Path(result.artifacts) / "provenance.json").read_text())
    assert len(provenance["data_hash"]) == 64
    assert {"torch", "torch_geometric", "kgplatform"} <= provenance["versions"].keys()
    assert json.loads((Path(result.artifacts) / "config.json").read_text())["train"]["seed"] == 3


def test_running_a_job_twice_leaves_one_copy(umls: GraphStore, tmp_path: Path) -> None:
    first = run_completion(umls, SPEC, artifacts_root=tmp_path, job_id="job-b")
    second = run_completion(umls, SPEC, artifacts_root=tmp_path, job_id="job-b")
    assert first.written == second.written
    listed = umls.list_predictions(job_id="job-b", limit=10_000)
    assert len(listed) == first.written == len({(p.head, p.relation, p.tail) for p in listed})
    assert umls.stats().predictions == first.written
    assert umls.retract_predictions("job-b") == first.written and umls.stats().predictions == 0


def test_unknown_relation_is_refused_before_training(umls: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="likes"):
        run_completion(umls, CompletionSpec(relations=("likes",)), artifacts_root=tmp_path)
    assert umls.stats().predictions == 0
