"""Training a completion model: reciprocal relations, 1-to-N or sampled negatives, N3, early stopping.

The regimes are the ones that reach published accuracy on the standard benchmarks:

* ``1vsall``: cross-entropy of the true tail against every entity (Lacroix et al., 2018);
* ``kvsall``: binary cross-entropy against all true tails of a query at once, with label
  smoothing (Dettmers et al., 2018);
* ``negative-sampling``: binary cross-entropy against ``num_negatives`` uniformly corrupted tails
  (what PyKEEN's sLCWA does), for graphs too large to score every entity.

Every triple is trained in both directions through its reciprocal relation, and the model
kept is the one with the best validation MRR (filtered, both directions).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import random
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from kgplatform.completion.evaluation import evaluate
from kgplatform.completion.models import GNN_MODELS, MODELS, KGEModel, build_model
from kgplatform.errors import Interrupted, InvalidInput

log = logging.getLogger(__name__)

Regime = Literal["1vsall", "kvsall", "negative-sampling"]
Progress = Callable[[str, float, dict[str, float]], None]


@dataclass(frozen=True)
class TrainConfig:
    """How to train; stored with every job so a result can be reproduced.

    Attributes:
        model: a name from :data:`kgplatform.completion.models.MODELS`.
        regime: ``1vsall``, ``kvsall`` or ``negative-sampling`` (see the module docstring).
        loss: for ``kvsall``, ``bce`` (multi-label, the default) or ``ce`` (softmax over entities with
            the true tails sharing the target mass); ``1vsall`` is always cross-entropy and sampled
            negatives always BCE.
        regularizer: ``n3`` (nuclear 3-norm of the factors a batch uses), ``l2``, ``none``, or ``auto``:
            N3 for bilinear decoders, none for distance ones (TransE, RotatE), as their papers train them.
        eval_every: epochs between validation evaluations (early stopping, best model kept).
        patience: validation evaluations without improvement before stopping.
        seed: drawn and recorded when not given.
        device: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
        threads: CPU threads for torch; None picks one for small models (see :func:`cpu_threads`).
        encoder, encoder_lr, max_length, temperature, pre_batch, text_margin: the ``text`` model's
            sentence encoder (a sentence-transformers name or path), its learning rate, tokens per
            text, initial softmax temperature, earlier batches whose tails serve as negatives, and
            the additive margin on the true tail's cosine.
        structure_model: the structure half of the ``hybrid`` model.
    """

    model: str = "complex"
    dim: int = 200
    epochs: int = 50
    batch_size: int = 256
    lr: float = 0.01
    optimizer: Literal["adam", "adagrad"] = "adam"
    regime: Regime = "1vsall"
    loss: Literal["auto", "ce", "bce"] = "auto"
    num_negatives: int = 32
    label_smoothing: float = 0.0
    regularizer: Literal["auto", "n3", "l2", "none"] = "auto"
    reg_weight: float = 0.01
    margin: float = 6.0
    eval_every: int = 5
    patience: int = 3
    seed: int | None = None
    device: str = "auto"
    threads: int | None = None
    encoder: str = "all-MiniLM-L6-v2"
    encoder_lr: float = 5e-5
    max_length: int = 64
    temperature: float = 0.05
    pre_batch: int = 0
    text_margin: float = 0.02
    structure_model: str = "complex"

    def validated(self) -> TrainConfig:
        """Check ranges, draw a seed if missing and return the config as it will run.

        Raises:
            InvalidInput: naming the field and the value.
        """
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise InvalidInput("threads", self.threads, "a positive number of CPU threads")
        for name in ("dim", "epochs", "batch_size", "num_negatives", "eval_every", "patience", "max_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InvalidInput(name, value, "a positive integer")
        for name in ("lr", "encoder_lr"):
            if not 0 < getattr(self, name) < 10:
                raise InvalidInput(name, getattr(self, name), "a learning rate between 0 and 10")
        if not 0 < self.temperature <= 1:
            raise InvalidInput("temperature", self.temperature, "a temperature in (0, 1]")
        if not isinstance(self.pre_batch, int) or self.pre_batch < 0:
            raise InvalidInput("pre_batch", self.pre_batch, "a number of earlier batches, 0 or more")
        if self.structure_model not in MODELS:
            raise InvalidInput("structure_model", self.structure_model, f"one of {sorted(MODELS)}")
        if not 0 <= self.label_smoothing < 1:
            raise InvalidInput("label_smoothing", self.label_smoothing, "a number in [0, 1)")
        if self.regime not in ("1vsall", "kvsall", "negative-sampling"):
            raise InvalidInput("regime", self.regime, "1vsall, kvsall or negative-sampling")
        if self.loss not in ("auto", "ce", "bce"):
            raise InvalidInput("loss", self.loss, "auto, ce or bce")
        if self.optimizer not in ("adam", "adagrad"):
            raise InvalidInput("optimizer", self.optimizer, "adam or adagrad")
        if self.regularizer not in ("auto", "n3", "l2", "none"):
            raise InvalidInput("regularizer", self.regularizer, "auto, n3, l2 or none")
        if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", self.device, flags=re.ASCII):
            raise InvalidInput("device", self.device, "auto, cpu or cuda[:N]")
        seed = self.seed if self.seed is not None else secrets.randbelow(2**31)
        regularizer = self.regularizer
        if regularizer == "auto":
            regularizer = "none" if self.model in ("transe", "rotate") else "n3"
        loss = self.loss if self.loss != "auto" else "ce" if self.regime == "1vsall" else "bce"
        return TrainConfig(**{**asdict(self), "seed": seed, "regularizer": regularizer, "loss": loss})


@dataclass
class TrainResult:
    """The trained model (best on validation) and how training went."""

    model: KGEModel
    config: TrainConfig
    best_valid_mrr: float
    best_epoch: int
    epochs_run: int
    seconds: float
    triples_per_second: float
    history: list[dict[str, float]] = field(default_factory=list)


def pick_device(name: str) -> torch.device:
    """``auto`` means CUDA when present; otherwise the named device.

    Raises:
        InvalidInput: CUDA named on a machine without it (a job sent to a GPU worker that has none).
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidInput("device", name, "cpu or auto: this machine has no CUDA device")
    return torch.device(name)


@contextlib.contextmanager
def cpu_threads(config: TrainConfig, num_entities: int) -> Iterator[None]:
    """Run with the configured number of torch CPU threads, restoring the previous number after.

    By default a small model (under a million embedding values) runs on one thread: its tensors
    are too small for parallel regions to pay off, and when another process holds a core, OpenMP's
    barriers make every operation wait for a descheduled thread (measured: Kinships ComplEx
    0.6 s for 5 epochs on one thread against 11 s on two with a second process busy).
    """
    previous = torch.get_num_threads()
    wanted = config.threads or (1 if num_entities * config.dim < 1_000_000 else previous)
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def with_reciprocals(triples: Tensor, num_relations: int) -> Tensor:
    """Append ``(t, r + R, h)`` for every ``(h, r, t)``."""
    inverse = torch.stack([triples[:, 2], triples[:, 1] + num_relations, triples[:, 0]], dim=1)
    return torch.cat([triples, inverse])


def message_graph(train: Tensor, num_relations: int) -> tuple[Tensor, Tensor]:
    """The graph GNN encoders pass messages over: training edges plus their inverses."""
    both = with_reciprocals(train, num_relations)
    return torch.stack([both[:, 0], both[:, 2]]), both[:, 1]


class ModelScorer:
    """Adapts a trained model to the evaluator's ``score_tails`` / ``score_heads`` (heads via reciprocals)."""

    def __init__(self, model: KGEModel, num_relations: int) -> None:
        self.model, self.num_relations = model, num_relations
        self.device = next(model.parameters()).device
        model.eval()
        with torch.no_grad():
            self.ent, self.rel = model.encode()

    @torch.no_grad()
    def score_tails(self, heads: Tensor, relations: Tensor) -> Tensor:
        """Scores ``[B, N]`` of every entity as the tail of ``(head, relation)``."""
        heads, relations = heads.to(self.device), relations.to(self.device)
        return self.model.score_all(self.ent, self.model.query(self.ent, self.rel, heads, relations)).float()

    @torch.no_grad()
    def score_heads(self, relations: Tensor, tails: Tensor) -> Tensor:
        """Scores ``[B, N]`` of every entity as the head of ``(relation, tail)``."""
        return self.score_tails(tails, relations + self.num_relations)

    @torch.no_grad()
    def score_facts(self, triples: Tensor) -> Tensor:
        """Scores ``[F]`` of given (head, relation, tail) facts, without scoring every entity."""
        triples = triples.to(self.device)
        q = self.model.query(self.ent, self.rel, triples[:, 0], triples[:, 1])
        return self.model.score_candidates(self.ent, q, triples[:, 2:3])[:, 0].float()


def train_model(
    train: Tensor,
    valid: Tensor,
    known: Tensor,
    num_entities: int,
    num_relations: int,
    config: TrainConfig,
    *,
    progress: Progress | None = None,
    checkpoint: Path | None = None,
    stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train ``config.model`` on ``train`` triples, early-stopping on filtered validation MRR.

    Args:
        train, valid: ``[M, 3]`` (head, relation, tail) triples over ``num_relations`` relations.
        known: every true triple (train, valid and test) for filtered validation.
        checkpoint: where to save the best model's weights as training goes.
        progress: called with (stage, percent, metrics) after each epoch.
        stop: asked before each batch; when it says yes, training raises :class:`Interrupted`
            (a cancelled job stops within one batch, not one epoch).
    """
    config = config.validated()
    with cpu_threads(config, num_entities):
        return _train(train, valid, known, num_entities, num_relations, config, progress, checkpoint,
                      stop or (lambda: False))


def _train(train: Tensor, valid: Tensor, known: Tensor, num_entities: int, num_relations: int,
           config: TrainConfig, progress: Progress | None, checkpoint: Path | None,
           stop: Callable[[], bool]) -> TrainResult:
    assert config.seed is not None
    seed_everything(config.seed)
    device = pick_device(config.device)
    graph = message_graph(train, num_relations) if config.model in GNN_MODELS else None
    model = build_model(config.model, num_entities, 2 * num_relations, config.dim, graph=graph,
                        margin=config.margin).to(device)
    optimizer: torch.optim.Optimizer = (torch.optim.Adagrad if config.optimizer == "adagrad" else torch.optim.Adam)(
        model.parameters(), lr=config.lr)
    examples = with_reciprocals(train, num_relations).to(device)
    queries, answers = _query_answers(examples) if config.regime == "kvsall" else (examples, None)
    amp = device.type == "cuda"
    started = time.perf_counter()
    best_mrr, best_epoch, best_state = -1.0, 0, copy.deepcopy(model.state_dict())
    history: list[dict[str, float]] = []
    evals_without_gain, epoch = 0, 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = _epoch_order(queries.shape[0], config.regime, device)
        total = 0.0
        for start in range(0, order.numel(), config.batch_size):
            if stop():
                raise Interrupted(f"training stopped at epoch {epoch}")
            index = order[start:start + config.batch_size]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
                loss = _loss(model, config, queries[index], answers, index, num_entities)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total += loss.item() * index.numel()
        record = {"epoch": float(epoch), "loss": total / order.numel()}
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            mrr = evaluate(ModelScorer(model, num_relations), valid, known, num_entities).metrics["mrr"]
            record["valid_mrr"] = mrr
            if mrr > best_mrr:
                best_mrr, best_epoch, evals_without_gain = mrr, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
                if checkpoint is not None:
                    torch.save(best_state, checkpoint)
            else:
                evals_without_gain += 1
        history.append(record)
        if progress is not None:
            progress("train", 100.0 * epoch / config.epochs, record)
        log.info("epoch %d %s", epoch, record)
        if evals_without_gain >= config.patience:
            break
    seconds = time.perf_counter() - started
    model.load_state_dict(best_state)
    return TrainResult(
        model=model, config=config, best_valid_mrr=best_mrr, best_epoch=best_epoch, epochs_run=epoch,
        seconds=seconds, triples_per_second=train.shape[0] * epoch / seconds if seconds else math.inf,
        history=history,
    )


def _epoch_order(examples: int, regime: Regime, device: torch.device) -> Tensor:
    """The examples of one epoch, shuffled.

    With sampled negatives each triple is seen once per epoch, in one direction drawn at random
    (the original or its reciprocal), as a sampler that corrupts either the head or the tail
    would; 1-to-N regimes score both directions, as LCWA with inverse triples does.
    """
    if regime != "negative-sampling":
        return torch.randperm(examples, device=device)
    half = examples // 2  # examples = triples followed by their reciprocals
    return torch.randperm(half, device=device) + half * torch.randint(2, (half,), device=device)


def _query_answers(examples: Tensor) -> tuple[Tensor, Tensor]:
    """For KvsAll: the distinct (head, relation) queries and a sparse map of their true tails."""
    keys, inverse = torch.unique(examples[:, :2], dim=0, return_inverse=True)
    # answers: [2, M] of (query index, tail) pairs, sorted by query for the batch lookup
    pairs = torch.stack([inverse, examples[:, 2]])
    order = torch.argsort(pairs[0])
    return torch.cat([keys, torch.zeros(keys.shape[0], 1, dtype=keys.dtype, device=keys.device)], 1), pairs[:, order]


def _loss(model: KGEModel, config: TrainConfig, batch: Tensor, answers: Tensor | None, index: Tensor,
          num_entities: int) -> Tensor:
    ent, rel = model.encode()
    heads, relations, tails = batch[:, 0], batch[:, 1], batch[:, 2]
    q = model.query(ent, rel, heads, relations)
    if config.regime == "1vsall":
        loss = F.cross_entropy(model.score_all(ent, q), tails, label_smoothing=config.label_smoothing)
    elif config.regime == "kvsall":
        assert answers is not None
        targets = _multi_hot(answers, index, num_entities)
        if config.loss == "ce":  # the query's true tails share the probability mass (PyKEEN's LCWA + CE)
            targets = targets / targets.sum(dim=1, keepdim=True)
            loss = F.cross_entropy(model.score_all(ent, q), targets, label_smoothing=config.label_smoothing)
        else:
            if config.label_smoothing:
                targets = targets * (1 - config.label_smoothing) + config.label_smoothing / num_entities
            loss = F.binary_cross_entropy_with_logits(model.score_all(ent, q), targets)
        tails = answers[1][torch.isin(answers[0], index)]  # regularise the tails this batch used
    else:
        negatives = torch.randint(num_entities, (batch.shape[0], config.num_negatives), device=batch.device)
        scores = model.score_sampled(ent, q, torch.cat([tails.unsqueeze(1), negatives], dim=1))
        loss = F.softplus(-scores[:, 0]).mean() + F.softplus(scores[:, 1:]).mean()
    if config.regularizer != "none" and config.reg_weight > 0:
        power = 3 if config.regularizer == "n3" else 2
        factors = model.factors(ent, rel, heads, relations, tails)
        loss = loss + config.reg_weight * sum((f ** power).sum() for f in factors) / batch.shape[0]
    return loss


def _multi_hot(answers: Tensor, index: Tensor, num_entities: int) -> Tensor:
    """Targets ``[B, N]`` with a 1 at every true tail of each query in ``index``."""
    position = torch.full((int(answers[0].max()) + 1,), -1, dtype=torch.long, device=index.device)
    position[index] = torch.arange(index.numel(), device=index.device)
    rows = position[answers[0]]
    kept = rows >= 0
    targets = torch.zeros(index.numel(), num_entities, device=index.device)
    targets[rows[kept], answers[1][kept]] = 1.0
    return targets


def summary(result: TrainResult) -> dict[str, Any]:
    """A JSON-able account of a training run."""
    return {
        "config": asdict(result.config), "best_valid_mrr": result.best_valid_mrr, "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run, "seconds": result.seconds, "triples_per_second": result.triples_per_second,
        "history": result.history,
    }
