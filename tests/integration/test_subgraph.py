"""Pulling a subgraph to tensors: id maps, filters, hops, predictions only when asked, PyG-ready."""

from __future__ import annotations

import pytest
import torch

from kgplatform.domain import Prediction
from kgplatform.errors import InvalidInput
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore
from kgplatform.subgraph import pull_subgraph
from tests.conftest import TINY_KG


def _edges(sub) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(sub.entity_ids[h], sub.relation_types[r], sub.entity_ids[t])
            for h, r, t in sub.triples().tolist()}


def test_pull_everything_matches_the_file(tiny_store: GraphStore) -> None:
    sub = pull_subgraph(tiny_store)
    expected = {tuple(line.split("\t")) for line in TINY_KG.read_text().splitlines()}
    assert _edges(sub) == expected
    assert sub.entity_ids == sorted(sub.entity_ids) and sub.num_entities == 12
    assert sub.relation_types == ["DIRECTED", "HAS_GENRE", "LIKES"]
    assert sub.edge_index.dtype == torch.long and sub.edge_index.shape == (2, 14)
    assert sub.edge_type.shape == (14,) and not sub.predicted.any()
    assert sub.entity_index["matrix"] == sub.entity_ids.index("matrix")
    assert pull_subgraph(tiny_store).entity_ids == sub.entity_ids  # stable numbering


def test_filters_by_relation_and_label(store: GraphStore) -> None:
    load_graph(store, read_graph([], "demo"))
    sub = pull_subgraph(store, labels=["Movie", "Person"], relation_types=["DIRECTED"])
    assert sub.relation_types == ["DIRECTED"]
    assert all(e.startswith(("film:", "person:")) for e in sub.entity_ids)
    assert sub.num_edges == store.stats().relations["DIRECTED"]
    with pytest.raises(InvalidInput, match="NOPE"):
        pull_subgraph(store, relation_types=["NOPE"])
    with pytest.raises(InvalidInput, match="Alien"):
        pull_subgraph(store, labels=["Alien"])


def test_k_hops_from_seeds(tiny_store: GraphStore) -> None:
    one = pull_subgraph(tiny_store, seeds=["alice"], hops=1)
    assert set(one.entity_ids) == {"alice", "matrix", "inception"}
    assert _edges(one) == {("alice", "LIKES", "matrix"), ("alice", "LIKES", "inception")}
    two = pull_subgraph(tiny_store, seeds=["alice"], hops=2)
    assert set(two.entity_ids) == {"alice", "matrix", "inception", "bob", "carol", "wachowskis", "nolan", "scifi"}
    only_likes = pull_subgraph(tiny_store, seeds=["alice"], hops=2, relation_types=["LIKES"])
    assert set(only_likes.entity_ids) == {"alice", "matrix", "inception", "bob", "carol"}
    with pytest.raises(InvalidInput, match="ghost"):
        pull_subgraph(tiny_store, seeds=["ghost"])


def test_predictions_only_when_asked_and_visible(tiny_store: GraphStore) -> None:
    tiny_store.write_predictions("j1", "distmult", [Prediction("carol", "LIKES", "alien", 0.8, 1, "distmult", "j1"),
                                                    Prediction("carol", "LIKES", "matrix", 0.7, 2, "distmult", "j1")])
    assert pull_subgraph(tiny_store, include_predictions=True).predicted.sum() == 0  # not yet published
    tiny_store.publish_predictions("j1")
    assert pull_subgraph(tiny_store).num_edges == 14
    tiny_store.reject_prediction("carol", "LIKES", "matrix", "j1")
    sub = pull_subgraph(tiny_store, include_predictions=True)
    flagged = {(sub.entity_ids[h], sub.entity_ids[t]) for (h, t), f in
               zip(sub.edge_index.t().tolist(), sub.predicted.tolist(), strict=True) if f}
    assert flagged == {("carol", "alien")}


def test_feeds_pytorch_geometric(tiny_store: GraphStore) -> None:
    from torch_geometric.nn import RGCNConv

    sub = pull_subgraph(tiny_store)
    conv = RGCNConv(8, 4, num_relations=sub.num_relations)
    out = conv(torch.randn(sub.num_entities, 8), sub.edge_index, sub.edge_type)
    assert out.shape == (sub.num_entities, 4) and torch.isfinite(out).all()
