"""Models score 1-to-N consistently with their per-triple definitions."""

from __future__ import annotations

import pytest
import torch

from kgplatform.completion.models import MODELS, build_model
from kgplatform.completion.spmm import EdgeGraph
from kgplatform.completion.training import message_graph
from kgplatform.errors import UnknownModel

N, R, D = 7, 4, 8  # R counts reciprocal relations
GRAPH = message_graph(torch.tensor([[0, 0, 1], [1, 1, 2], [2, 0, 3], [4, 1, 5]]), R // 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_all_entity_scores_match_candidate_scores(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(name, N, R, D, graph=GRAPH)
    ent, rel = model.encode()
    heads, relations = torch.tensor([0, 3, 6]), torch.tensor([1, 0, 3])
    q = model.query(ent, rel, heads, relations)
    everything = model.score_all(ent, q)
    assert everything.shape == (3, N) and torch.isfinite(everything).all()
    candidates = torch.tensor([[2, 5], [0, 6], [1, 1]])
    picked = model.score_candidates(ent, q, candidates)
    assert torch.allclose(picked, everything.gather(1, candidates), atol=1e-5)
    assert torch.allclose(model.score_sampled(ent, q, candidates), picked, atol=1e-5)
    factors = model.factors(ent, rel, heads, relations, candidates[:, 0])
    assert len(factors) == 3 and all((f >= 0).all() for f in factors)


def test_complex_is_the_real_part_of_the_trilinear_product() -> None:
    torch.manual_seed(1)
    model = build_model("complex", N, R, D)
    ent, rel = model.encode()
    as_complex = lambda x: torch.complex(*x.chunk(2, dim=-1))  # noqa: E731
    h, r, t = as_complex(ent[2]), as_complex(rel[1]), as_complex(ent)
    expected = (h * r * t.conj()).sum(-1).real
    got = model.score_all(ent, model.query(ent, rel, torch.tensor([2]), torch.tensor([1])))[0]
    assert torch.allclose(got, expected, atol=1e-6)


def test_rotate_chunks_agree_with_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(2)
    model = build_model("rotate", N, R, D)
    ent, rel = model.encode()
    q = model.query(ent, rel, torch.tensor([0, 1]), torch.tensor([2, 3]))
    whole = model.score_all(ent, q)
    monkeypatch.setattr("kgplatform.completion.models.DISTANCE_CHUNK", 3)
    assert torch.allclose(model.score_all(ent, q), whole)


def test_unknown_model_and_odd_dimension() -> None:
    with pytest.raises(UnknownModel, match="transe"):
        build_model("bert", N, R, D)
    with pytest.raises(ValueError, match="even"):
        build_model("complex", N, R, 7)


def test_edge_graph_product_and_gradients_match_the_dense_formula() -> None:
    """out[v] = sum_b sum_{u->v} w[b, e] * dense[b, u], with repeated edges and isolated nodes."""
    torch.manual_seed(0)
    nodes, edges, bases, dim = 7, 20, 3, 5
    edge_index = torch.randint(0, nodes - 1, (2, edges))  # node 6 has no edge
    weights = torch.randn(bases, edges, dtype=torch.float64, requires_grad=True)
    dense = torch.randn(bases, nodes, dim, dtype=torch.float64, requires_grad=True)
    graph = EdgeGraph(edge_index, nodes)
    adjacency = torch.zeros(bases, nodes, nodes, dtype=torch.float64).index_put(
        (torch.arange(bases).repeat_interleave(edges), edge_index[1].repeat(bases), edge_index[0].repeat(bases)),
        weights.reshape(-1), accumulate=True)
    expected = torch.einsum("bvu,bud->vd", adjacency, dense)
    got = graph.spmm(weights, dense)
    assert torch.allclose(got, expected)
    upstream = torch.randn(nodes, dim, dtype=torch.float64)
    want = torch.autograd.grad((expected * upstream).sum(), (weights, dense))
    have = torch.autograd.grad((graph.spmm(weights, dense) * upstream).sum(), (weights, dense))
    assert all(torch.allclose(h, w) for h, w in zip(have, want, strict=True))
    assert torch.count_nonzero(got[6]) == 0
