"""Knowledge-graph embedding models, scored 1-to-N as dense matrix products.

Every model has an *encoder*, which returns entity and relation representations (the embedding
tables themselves for shallow models; message passing over the typed graph for ``rgcn`` and
``compgcn``), and a *decoder* (DistMult, ComplEx, TransE or RotatE) that scores a query
``(head, relation)`` against every entity at once. Scoring all entities in one matrix product
is what makes 1-to-N training and filtered evaluation fast: the per-triple loops of
negative-sampling libraries are what the benchmark is measured against.

Relations are numbered with their reciprocals: relation ``r + R`` is the inverse of ``r``, so
predicting a head is predicting the tail of the inverse query (Lacroix et al., 2018).
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import Tensor, nn

from kgplatform.completion.spmm import EdgeGraph
from kgplatform.errors import UnknownModel

#: Chunk of entities scored at once by distance decoders, whose all-entity scores need a
#: ``[batch, chunk, dim]`` intermediate.
DISTANCE_CHUNK = 2048
#: Largest ``[batch, entities]`` table that :meth:`KGEModel.score_sampled` computes whole.
SCORE_ALL_LIMIT = 1 << 22


class KGEModel(nn.Module):
    """Base: encoder + decoder. Subclasses set the decoder and, for GNNs, the encoder."""

    name: ClassVar[str]
    decoder: ClassVar[str]  # "dot" (DistMult-like bilinear), "complex", "transe", "rotate"

    def __init__(self, num_entities: int, num_relations: int, dim: int, *, margin: float = 6.0,
                 init_scale: float = 1e-3) -> None:
        super().__init__()
        if self.decoder in ("complex", "rotate") and dim % 2:
            raise ValueError(f"{self.name} needs an even dimension (real and imaginary halves), got {dim}")
        self.num_entities, self.num_relations, self.dim = num_entities, num_relations, dim
        self.margin = margin
        self.entity = nn.Embedding(num_entities, dim)
        rel_dim = dim // 2 if self.decoder == "rotate" else dim  # RotatE: one phase per complex dimension
        self.relation = nn.Embedding(num_relations, rel_dim)
        if self.decoder in ("transe", "rotate"):
            bound = (margin + 2.0) / dim
            nn.init.uniform_(self.entity.weight, -bound, bound)
            nn.init.uniform_(self.relation.weight, -math.pi if self.decoder == "rotate" else -bound,
                             math.pi if self.decoder == "rotate" else bound)
        else:
            nn.init.normal_(self.entity.weight, std=init_scale)
            nn.init.normal_(self.relation.weight, std=init_scale)

    # -- encoder ------------------------------------------------------------------------------

    def encode(self) -> tuple[Tensor, Tensor]:
        """Entity and relation representations (shallow models: the embedding tables)."""
        return self.entity.weight, self.relation.weight

    # -- decoder ------------------------------------------------------------------------------

    def query(self, ent: Tensor, rel: Tensor, heads: Tensor, relations: Tensor) -> Tensor:
        """The query vector of ``(head, relation)`` that is compared with every tail."""
        h, r = ent[heads], rel[relations]
        if self.decoder == "dot":
            return h * r
        if self.decoder == "transe":
            return h + r
        h_re, h_im = h.chunk(2, dim=-1)
        if self.decoder == "complex":
            r_re, r_im = r.chunk(2, dim=-1)
        else:  # rotate: relation is a phase
            r_re, r_im = torch.cos(r), torch.sin(r)
        return torch.cat([h_re * r_re - h_im * r_im, h_re * r_im + h_im * r_re], dim=-1)

    def score_all(self, ent: Tensor, q: Tensor) -> Tensor:
        """Scores ``[B, N]`` of every entity as the tail of each query."""
        if self.decoder in ("dot", "complex"):
            return q @ ent.t()  # ComplEx: Re<h, r, conj(t)> is the dot product of the stacked halves
        return torch.cat([self._distance_scores(q, ent[i:i + DISTANCE_CHUNK])
                          for i in range(0, ent.shape[0], DISTANCE_CHUNK)], dim=1)

    def score_candidates(self, ent: Tensor, q: Tensor, candidates: Tensor) -> Tensor:
        """Scores ``[B, K]`` of given candidate tails ``[B, K]`` (negative sampling, top-k rescoring)."""
        e = ent[candidates]
        if self.decoder in ("dot", "complex"):
            return (q.unsqueeze(1) * e).sum(-1)
        return self.margin - self._distance(q.unsqueeze(1) - e)

    def score_sampled(self, ent: Tensor, q: Tensor, candidates: Tensor) -> Tensor:
        """Scores ``[B, K]`` of sampled candidates, by the cheaper of two equal computations.

        For bilinear decoders on a modest graph, scoring every entity with one matrix product and
        picking the candidates' columns beats gathering ``[B, K, dim]`` embeddings, whose backward
        pass is a slow scatter-add (measured: 11 ms of a 19 ms step on UMLS with 32 negatives).
        """
        if self.decoder in ("dot", "complex") and ent.shape[0] * q.shape[0] <= SCORE_ALL_LIMIT:
            return self.score_all(ent, q).gather(1, candidates)
        return self.score_candidates(ent, q, candidates)

    def _distance_scores(self, q: Tensor, e: Tensor) -> Tensor:
        if self.decoder == "transe":
            return self.margin - torch.cdist(q, e, p=1)
        return self.margin - self._distance(q.unsqueeze(1) - e.unsqueeze(0))

    def _distance(self, diff: Tensor) -> Tensor:
        if self.decoder == "transe":
            return diff.abs().sum(-1)
        re, im = diff.chunk(2, dim=-1)
        return torch.sqrt(re * re + im * im + 1e-12).sum(-1)  # RotatE: sum of complex moduli

    def factors(self, ent: Tensor, rel: Tensor, heads: Tensor, relations: Tensor, tails: Tensor) -> list[Tensor]:
        """The embeddings a batch used, as moduli, for N3 / L2 regularisation (Lacroix et al., 2018)."""
        parts = [ent[heads], rel[relations], ent[tails]]
        if self.decoder == "complex":
            return [torch.sqrt(sum(x * x for x in p.chunk(2, dim=-1)) + 1e-12) for p in parts]  # type: ignore[arg-type]
        return [p.abs() for p in parts]


class TransE(KGEModel):
    """TransE (Bordes et al., 2013): tail ≈ head + relation, scored by negative L1 distance."""

    name, decoder = "transe", "transe"


class DistMult(KGEModel):
    """DistMult (Yang et al., 2015): a diagonal bilinear score; symmetric by construction."""

    name, decoder = "distmult", "dot"


class ComplEx(KGEModel):
    """ComplEx (Trouillon et al., 2016): DistMult in complex space, so asymmetric relations fit."""

    name, decoder = "complex", "complex"


class RotatE(KGEModel):
    """RotatE (Sun et al., 2019): relations are rotations in complex space."""

    name, decoder = "rotate", "rotate"


class RGCN(KGEModel):
    """R-GCN (Schlichtkrull et al., 2018): relational message passing encoder, DistMult decoder.

    Entities get a learnt input embedding, refined by ``layers`` relational graph convolutions
    with basis decomposition (``W_r = sum_b a_rb V_b``) over the training graph with inverse
    edges, each message normalised by the target's in-degree for that relation. Written as one
    sparse product per basis instead of :class:`torch_geometric.nn.RGCNConv`, which without
    pyg-lib loops over relations in Python: 110 passes per layer on Nations' 55 relations. The
    product is :class:`~kgplatform.completion.spmm.EdgeGraph`'s, whose backward never forms an
    entities-by-entities matrix.
    """

    name, decoder = "rgcn", "dot"
    edge_index: Tensor
    edge_type: Tensor
    edge_norm: Tensor

    def __init__(self, num_entities: int, num_relations: int, dim: int, *, edge_index: Tensor,
                 edge_type: Tensor, layers: int = 2, num_bases: int = 4, dropout: float = 0.2,
                 **kwargs: float) -> None:
        super().__init__(num_entities, num_relations, dim, init_scale=0.1, **kwargs)
        num_bases = min(num_bases, num_relations)
        key = edge_index[1] * num_relations + edge_type
        _, slot, counts = torch.unique(key, return_inverse=True, return_counts=True)
        self.register_buffer("edge_index", edge_index)
        self.register_buffer("edge_type", edge_type)
        self.register_buffer("edge_norm", 1.0 / counts[slot].float())
        self.graph = EdgeGraph(edge_index, num_entities)
        self.bases = nn.ParameterList(nn.Parameter(torch.empty(num_bases, dim, dim)) for _ in range(layers))
        self.coefficients = nn.ParameterList(nn.Parameter(torch.empty(num_relations, num_bases))
                                             for _ in range(layers))
        self.roots = nn.ModuleList(nn.Linear(dim, dim) for _ in range(layers))
        for basis, coefficient in zip(self.bases, self.coefficients, strict=True):
            nn.init.xavier_uniform_(basis)
            nn.init.xavier_uniform_(coefficient)
        self.dropout = nn.Dropout(dropout)

    def encode(self) -> tuple[Tensor, Tensor]:
        """Message passing from the input embeddings over the training graph."""
        x = self.entity.weight
        for i, (basis, coefficient, root) in enumerate(zip(self.bases, self.coefficients, self.roots, strict=True)):
            x = self.dropout(x)
            out = root(x)
            weight = coefficient.T[:, self.edge_type] * self.edge_norm  # [bases, E]
            out = out + self.graph.spmm(weight, torch.einsum("nd,bde->bne", x, basis))
            x = torch.relu(out) if i < len(self.bases) - 1 else out
        return x, self.relation.weight


class CompGCN(KGEModel):
    """CompGCN (Vashishth et al., 2020): entities and relations embedded jointly, DistMult decoder.

    Each layer composes a neighbour with the relation (``x_j * r``, the "mult" operator), weighs
    it by direction (original, inverse, self loop) and updates the relation embeddings too.
    Written as plain sparse aggregation (``index_add_``), which is what PyG's MessagePassing would
    do here, without the per-call overhead.
    """

    name, decoder = "compgcn", "dot"
    edge_index: Tensor
    edge_type: Tensor
    inverse: Tensor
    norm: Tensor

    def __init__(self, num_entities: int, num_relations: int, dim: int, *, edge_index: Tensor,
                 edge_type: Tensor, layers: int = 1, dropout: float = 0.1, **kwargs: float) -> None:
        super().__init__(num_entities, num_relations, dim, init_scale=0.1, **kwargs)
        half = num_relations // 2
        self.register_buffer("edge_index", edge_index)
        self.register_buffer("edge_type", edge_type)
        self.register_buffer("inverse", edge_type >= half)
        degree = torch.zeros(num_entities).index_add_(0, edge_index[1], torch.ones(edge_index.shape[1]))
        self.register_buffer("norm", degree.clamp(min=1).rsqrt())
        self.w_in = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(layers))
        self.w_out = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(layers))
        self.w_self = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(layers))
        self.w_rel = nn.ModuleList(nn.Linear(dim, dim, bias=False) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def encode(self) -> tuple[Tensor, Tensor]:
        """Composition-based message passing; returns updated entity and relation representations."""
        x, r = self.entity.weight, self.relation.weight
        src, dst = self.edge_index
        weight = (self.norm[src] * self.norm[dst]).unsqueeze(-1)
        for w_in, w_out, w_self, w_rel in zip(self.w_in, self.w_out, self.w_self, self.w_rel, strict=True):
            composed = x[src] * r[self.edge_type]
            messages = torch.where(self.inverse.unsqueeze(-1), w_in(composed), w_out(composed)) * weight
            aggregated = torch.zeros_like(x).index_add_(0, dst, messages)
            x = torch.tanh(self.dropout(aggregated + w_self(x)))
            r = w_rel(r)
        return x, r


MODELS: dict[str, type[KGEModel]] = {m.name: m for m in (TransE, DistMult, ComplEx, RotatE, RGCN, CompGCN)}
GNN_MODELS = frozenset({"rgcn", "compgcn"})


def build_model(name: str, num_entities: int, num_relations: int, dim: int, *,
                graph: tuple[Tensor, Tensor] | None = None, margin: float = 6.0) -> KGEModel:
    """Instantiate a model by name; GNNs need the training ``graph`` (edge_index, edge_type with inverses).

    Raises:
        UnknownModel: the name is not one of :data:`MODELS`.
    """
    if name not in MODELS:
        raise UnknownModel(f"unknown model {name!r}; expected one of {', '.join(sorted(MODELS))}")
    if name in GNN_MODELS:
        if graph is None:
            raise ValueError(f"{name} needs the training graph")
        return MODELS[name](num_entities, num_relations, dim, edge_index=graph[0], edge_type=graph[1])  # type: ignore[call-arg]
    return MODELS[name](num_entities, num_relations, dim, margin=margin)
