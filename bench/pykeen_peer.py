"""Benchmark peer: PyKEEN trained and evaluated on the same KG-completion data, model and regime as ours.

One call, :func:`run_pykeen`, trains one PyKEEN model on ``dataset_dir/{train,valid,test}.txt``
(``head<TAB>relation<TAB>tail``) and returns filtered test metrics and timings. Configuration, so the
comparison can be checked line by line:

* **model** ``transe | distmult | complex | rotate`` -> PyKEEN ``TransE | DistMult | ComplEx | RotatE`` with
  ``embedding_dim=dim`` and PyKEEN's default constrainers. For ComplEx and RotatE PyKEEN's ``embedding_dim`` is the
  *complex* dimension (``torch.cfloat`` embeddings): ``dim=100`` means 100 complex numbers = 200 real parameters
  per entity/relation, i.e. kgplatform's ``dim=200`` (real and imaginary halves) -- callers pass ``dim // 2``.
* **initialisation** (``initializer="auto"``): ComplEx and DistMult entity and relation embeddings from
  N(0, 1e-3^2) (each real and imaginary part), as kgplatform's bilinear models; TransE and RotatE keep PyKEEN's own
  (Xavier-uniform entities; TransE normalised relations, RotatE unit-modulus phases). PyKEEN's own default for
  ComplEx/DistMult is N(0, 1), whose initial scores (std ~27 at complex dim 200) saturate BCE: UMLS ComplEx 1-to-n
  stays at MRR ~0.06-0.07 after 50 epochs with it.
* **regime "1-to-n"**: ``LCWATrainingLoop`` (target = tail, every (h, r) pair scored against all entities),
  ``create_inverse_triples=True`` (reciprocal relations; head prediction at test time uses (t, r^-1)),
  ``BCEWithLogitsLoss(reduction="mean")`` over the multi-hot 1-to-N label matrix (or, ``loss="crossentropy"``,
  ``CrossEntropyLoss``: softmax over all entities against the row's answers normalised to sum 1 -- PyKEEN has no
  one-row-per-triple 1vsAll loop), label smoothing through
  ``train(label_smoothing=...)`` (PyKEEN's smoothing: 1 -> ``1 - ls``, 0 -> ``ls / (num_entities - 1)``).
  PyKEEN's LCWA ``batch_size`` counts distinct (h, r) pairs, not triples.
* **regime "negative-sampling"**: ``SLCWATrainingLoop`` with PyKEEN's basic sampler
  (``BasicNegativeSampler``: uniform corruption of head or tail, ``num_negs_per_pos=num_negatives``, unfiltered),
  no inverse triples, ``BCEWithLogitsLoss(reduction="mean")`` over positives (label 1) and negatives (label 0);
  label smoothing through ``train(label_smoothing=...)`` as well (same formula, applied to the 0/1 labels).
* **regulariser** (``regularizer_weight > 0``): N3 as in Lacroix et al. 2018, i.e. PyKEEN's
  ``PowerSumRegularizer(p=3, normalize=False, weight=regularizer_weight)`` = mean over the looked-up rows of
  ``sum_i |x_i|^3`` (``|.|`` the modulus for complex embeddings). Not ``regularizer="lp", p=3``: PyKEEN's
  ``LpRegularizer`` computes the L3 *norm* ``(sum_i |x_i|^3)^(1/3)``, not its cube. PyKEEN applies it to every
  representation looked up in the forward pass, one term per representation (entity, relation): in LCWA that is
  the batch heads, the batch relations and *all* entities as candidate tails (not only the true tails as in
  Lacroix' code); in sLCWA the positive and negative triples' embeddings. Put on: ComplEx, TransE -- entities
  and relations; DistMult -- entities (via ``entity_representations_kwargs``) and relations; RotatE -- entities
  only (its relations are unit-modulus constrained, N3 would be constant). With ``regularizer_weight == 0`` the
  regulariser is explicitly switched off: PyKEEN's ComplEx and DistMult otherwise add a default L2 one.
* **optimiser** Adam(lr) (or ``optimizer="adagrad"``, any PyKEEN/torch optimiser name, torch defaults otherwise),
  ``batch_size``, ``num_epochs=epochs``, no early stopping, no LR schedule, no
  automatic memory optimisation (no sub-batching or probing). PyKEEN's loop runs ``gc.collect()`` after every
  epoch; that cost is part of its training time.
* **evaluation** ``RankBasedEvaluator(filtered=True)`` on test, both sides (head and tail), filter triples
  train + valid + test, "realistic" rank (expected rank under random tie-breaking); reported
  ``both.realistic.*``.

The vocabulary is built from all three splits (so no test triple is dropped as unseen). Training and evaluation are
timed separately with ``time.perf_counter``; the training time is ``loop.train`` only (model construction and
triple indexing excluded), the evaluation time is the full filtered evaluation of the test set.
``train_triples_per_s`` = (training triples in ``train.txt``, inverses not counted) x epochs / train_seconds.

Usage: ``python bench/pykeen_peer.py umls complex 1-to-n --dim 200 --epochs 50 --batch-size 256 --lr 0.003``
(dataset as a folder path, or a name under ../shared/data).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

MODELS = {"transe": "TransE", "distmult": "DistMult", "complex": "ComplEx", "rotate": "RotatE"}
REGIMES = ("1-to-n", "negative-sampling")
LOSSES = ("bce", "crossentropy")
EVAL_BATCH_SIZE = 4096  # (h, r) / (r, t) queries per evaluation batch; UMLS/Kinships test sets fit in one


def _read_triples(path: Path) -> np.ndarray:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}: expected head<TAB>relation<TAB>tail, got {line!r}")
        rows.append(parts)
    return np.asarray(rows, dtype=str).reshape(-1, 3)


def _model_kwargs(model: str, dim: int, regularizer_weight: float, initializer: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embedding_dim": dim}
    init: Any = initializer
    if initializer == "auto":
        # kgplatform's bilinear models start from N(0, 1e-3^2); PyKEEN's own inits for TransE / RotatE stay
        init = functools.partial(torch.nn.init.normal_, std=1e-3) if model in ("complex", "distmult") else None
    if init is not None:
        kwargs["entity_initializer"] = init
        if model != "rotate":  # RotatE's relations are phases (init_phases + unit-modulus constraint): keep them
            kwargs["relation_initializer"] = init
    if regularizer_weight > 0:
        reg: dict[str, Any] = {
            "regularizer": "powersum",
            "regularizer_kwargs": {"p": 3.0, "normalize": False, "weight": regularizer_weight},
        }
        kwargs.update(reg)
        if model == "distmult":  # DistMult's own `regularizer` covers only the relation embeddings
            kwargs["entity_representations_kwargs"] = dict(reg)
    else:
        kwargs["regularizer"] = None  # ComplEx / DistMult default to an L2 regulariser otherwise
    return kwargs


def run_pykeen(
    dataset_dir: Path,
    *,
    model: str,
    regime: str,
    dim: int,
    epochs: int,
    batch_size: int,
    lr: float,
    num_negatives: int = 32,
    label_smoothing: float = 0.0,
    regularizer_weight: float = 0.0,
    seed: int = 0,
    device: str = "cpu",
    loss: str = "bce",
    optimizer: str = "adam",
    initializer: str | None = "auto",
) -> dict[str, float]:
    """Train PyKEEN's ``model`` in ``regime`` on ``dataset_dir`` and evaluate it on the test split.

    See the module docstring for the exact PyKEEN configuration. Regulariser used when
    ``regularizer_weight > 0``: ``PowerSumRegularizer(p=3, weight=regularizer_weight)``, i.e. N3
    (mean over looked-up embedding rows of the sum of cubed moduli), on the representations listed there.

    Extra optional keywords beyond the agreed signature: ``loss`` ``"bce"`` (default) or ``"crossentropy"``;
    ``optimizer`` ``"adam"`` (default) or another PyKEEN/torch optimiser name (e.g. ``"adagrad"``), with ``lr``;
    ``initializer`` ``"auto"`` (see the module docstring), a ``pykeen.nn.init`` / ``torch.nn.init`` name applied to
    entities and relations (RotatE: entities only), or ``None`` for PyKEEN's per-model defaults.

    Returns ``mrr``, ``hits@1``, ``hits@3``, ``hits@10`` (filtered, both sides, realistic rank), ``valid_mrr`` (the
    same on the validation split, for model selection), ``train_seconds``,
    ``train_triples_per_s``, ``eval_seconds`` and ``pykeen_version`` (a string).
    """
    import pykeen.models
    from pykeen.evaluation import RankBasedEvaluator
    from pykeen.losses import BCEWithLogitsLoss, CrossEntropyLoss
    from pykeen.training import LCWATrainingLoop, SLCWATrainingLoop
    from pykeen.triples import TriplesFactory
    from pykeen.utils import set_random_seed
    from pykeen.version import get_version

    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {REGIMES}, got {regime!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    dataset_dir = Path(dataset_dir)
    logging.getLogger("pykeen").setLevel(logging.WARNING)
    # torch_max_mem warns that its batch-size search is only "safe" on CUDA; we pass the batch size explicitly
    logging.getLogger("torch_max_mem").setLevel(logging.ERROR)

    # torch threads: the machine default (torch's own choice), set explicitly so an earlier caller can't leak in
    torch.set_num_threads(torch.get_num_threads())
    set_random_seed(seed)  # python `random`, numpy and torch (all devices)

    splits = {s: _read_triples(dataset_dir / f"{s}.txt") for s in ("train", "valid", "test")}
    every = np.concatenate(list(splits.values()))
    entity_to_id = {e: i for i, e in enumerate(sorted(set(every[:, 0]) | set(every[:, 2])))}
    relation_to_id = {r: i for i, r in enumerate(sorted(set(every[:, 1])))}
    inverse = regime == "1-to-n"
    factories = {
        s: TriplesFactory.from_labeled_triples(
            t, entity_to_id=entity_to_id, relation_to_id=relation_to_id, create_inverse_triples=inverse
        )
        for s, t in splits.items()
    }
    train = factories["train"]

    model_cls = getattr(pykeen.models, MODELS[model])
    # For ComplEx / RotatE, embedding_dim is the complex dimension (dim complex numbers = 2*dim reals).
    kge = model_cls(
        triples_factory=train,
        loss=BCEWithLogitsLoss(reduction="mean") if loss == "bce" else CrossEntropyLoss(reduction="mean"),
        random_seed=seed,
        **_model_kwargs(model, dim, regularizer_weight, initializer),
    ).to(torch.device(device))

    # automatic_memory_optimization=False: the batch size is given, so no probing run (2 extra forward/backward
    # batches without an optimiser step) is spent or timed before training.
    loop_kwargs: dict[str, Any] = {
        "model": kge,
        "triples_factory": train,
        "optimizer": optimizer,
        "optimizer_kwargs": {"lr": lr},
        "automatic_memory_optimization": False,
    }
    loop: LCWATrainingLoop | SLCWATrainingLoop
    if regime == "1-to-n":
        loop = LCWATrainingLoop(**loop_kwargs)  # target=None: score (h, r) against all tails
    else:
        loop = SLCWATrainingLoop(
            **loop_kwargs,
            negative_sampler="basic",  # BasicNegativeSampler: uniform head-or-tail corruption, unfiltered
            negative_sampler_kwargs={"num_negs_per_pos": num_negatives},
        )

    start = time.perf_counter()
    loop.train(
        triples_factory=train,
        num_epochs=epochs,
        batch_size=batch_size,
        label_smoothing=label_smoothing,
        use_tqdm=False,
        use_tqdm_batch=False,
        pin_memory=device != "cpu",
    )
    train_seconds = time.perf_counter() - start

    evaluator = RankBasedEvaluator(filtered=True)
    kge.eval()

    def evaluate_on(split: str, other: str) -> Any:
        return evaluator.evaluate(
            model=kge,
            mapped_triples=factories[split].mapped_triples,
            additional_filter_triples=[train.mapped_triples, factories[other].mapped_triples],
            batch_size=EVAL_BATCH_SIZE,
            device=torch.device(device),
            use_tqdm=False,
            targets=("head", "tail"),
        )

    valid_mrr = float(evaluate_on("valid", "test").get_metric("both.realistic.inverse_harmonic_mean_rank"))
    start = time.perf_counter()
    results = evaluate_on("test", "valid")
    eval_seconds = time.perf_counter() - start

    def metric(name: str) -> float:
        return float(results.get_metric(f"both.realistic.{name}"))

    out: dict[str, Any] = {
        "mrr": metric("inverse_harmonic_mean_rank"),
        "hits@1": metric("hits_at_1"),
        "hits@3": metric("hits_at_3"),
        "hits@10": metric("hits_at_10"),
        "valid_mrr": valid_mrr,
        "train_seconds": train_seconds,
        "train_triples_per_s": len(splits["train"]) * epochs / train_seconds,
        "eval_seconds": eval_seconds,
        "pykeen_version": get_version(),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dataset", help="folder with train/valid/test.txt, or a name under ../shared/data")
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("regime", choices=REGIMES)
    parser.add_argument("--dim", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--num-negatives", type=int, default=32)
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--regularizer-weight", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--loss", choices=LOSSES, default="bce")
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument(
        "--initializer", default="auto", help="'auto', an init name (e.g. xavier_normal_), or 'pykeen-default'"
    )
    args = parser.parse_args()
    dataset = Path(args.dataset)
    if not (dataset / "train.txt").exists():
        dataset = DATA / args.dataset
    result = run_pykeen(
        dataset,
        model=args.model,
        regime=args.regime,
        dim=args.dim,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        num_negatives=args.num_negatives,
        label_smoothing=args.label_smoothing,
        regularizer_weight=args.regularizer_weight,
        seed=args.seed,
        device=args.device,
        loss=args.loss,
        optimizer=args.optimizer,
        initializer=None if args.initializer == "pykeen-default" else args.initializer,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
