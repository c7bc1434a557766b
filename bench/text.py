"""Benchmark: the text model, the structure model and their hybrid on UMLS with its text, side by side.

All in one run, on the official split, with KG-BERT's entity names and descriptions
(../shared/data/umls/text_kgbert):

* **transductive**: filtered test MRR / Hits@1/3/10 of ``text`` (all-MiniLM-L6-v2 fine-tuned on the
  entity names, or names and descriptions with ``--descriptions``,
  contrastive), of ComplEx (our recipe) and of the hybrid (weight fitted on validation); plus the
  untrained encoder (zero-shot) and a random ranking as baselines;
* **inductive**: 10% of the entities held out of training entirely (every edge touching them
  removed from train); text-model MRR on the test edges that touch them, against random (a
  structure model has nothing to say about them);
* **throughput** on this CPU: entities encoded per second, (query, tail) pairs fine-tuned per second.

Usage: ``python bench/text.py [--epochs 3] [--json out.json]``
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.kgc import RECIPES  # noqa: E402
from bench.load import emit, machine  # noqa: E402
from kgplatform.completion.datasets import kgbert_text, load_benchmark  # noqa: E402
from kgplatform.completion.evaluation import Scorer, evaluate  # noqa: E402
from kgplatform.completion.hybrid import fit_hybrid  # noqa: E402
from kgplatform.completion.textmodel import (  # noqa: E402
    BiEncoder,
    EmbeddingCache,
    TextScorer,
    load_encoder,
    train_text_model,
)
from kgplatform.completion.training import ModelScorer, TrainConfig, train_model  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "umls"


def _metrics(scorer: Scorer, test: torch.Tensor, known: torch.Tensor, n: int) -> dict[str, float]:
    found = evaluate(scorer, test, known, n).metrics
    return {k: round(v, 4) for k, v in found.items() if k != "count"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--descriptions", action="store_true",
                        help="entity text is name: description (entity2textlong.txt), not the name alone")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = load_benchmark(DATA)
    texts = kgbert_text(DATA, data, descriptions=args.descriptions)
    n, r = len(data.entity_ids), len(data.relation_types)
    config = TrainConfig(model="text", epochs=args.epochs, batch_size=args.batch_size, max_length=args.max_length,
                         seed=0)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "torch": torch.__version__,
                               "config": {"epochs": args.epochs, "batch_size": args.batch_size,
                                          "max_length": args.max_length, "encoder": config.encoder,
                                          "descriptions": args.descriptions}}
    random_mrr = sum(1 / k for k in range(1, n + 1)) / n

    untrained = BiEncoder(load_encoder(config.encoder, torch.device("cpu"), args.max_length), config.temperature)
    started = time.perf_counter()
    entities = EmbeddingCache(None).embed(untrained, texts.entities)
    results["encode_entities_per_s"] = round(n / (time.perf_counter() - started), 1)
    results["zero_shot"] = _metrics(TextScorer(untrained, texts, entities), data.test, data.known, n)
    print("zero-shot", results["zero_shot"], flush=True)

    text = train_text_model(data.train, data.valid, data.known, texts, config)
    results["finetune_pairs_per_s"] = round(text.pairs_per_second, 1)
    results["text_train_seconds"] = round(text.seconds, 1)
    results["text_history"] = text.history
    structure = train_model(data.train, data.valid, data.known, n, r, replace(RECIPES["complex"], seed=0))
    structure_scorer = ModelScorer(structure.model, r)
    hybrid, tried = fit_hybrid(structure_scorer, text.scorer, data.valid, data.known, n)
    results["transductive"] = {
        "random": {"mrr": round(random_mrr, 4)},
        "text": _metrics(text.scorer, data.test, data.known, n),
        "complex": _metrics(structure_scorer, data.test, data.known, n),
        "hybrid": _metrics(hybrid, data.test, data.known, n),
    }
    results["hybrid_weight"] = hybrid.weight
    results["hybrid_valid_mrr_by_weight"] = {str(k): round(v, 4) for k, v in tried.items()}
    print("transductive", results["transductive"], "weight", hybrid.weight, flush=True)

    unseen = torch.randperm(n, generator=torch.Generator().manual_seed(1))[:n // 10]
    touches = torch.isin(data.train[:, 0], unseen) | torch.isin(data.train[:, 2], unseen)
    held = data.test[torch.isin(data.test[:, 0], unseen) | torch.isin(data.test[:, 2], unseen)]
    inductive = train_text_model(data.train[~touches], data.valid, data.known, texts, config)
    results["inductive"] = {"unseen_entities": int(unseen.numel()), "test_edges": int(held.shape[0]),
                            "train_edges_removed": int(touches.sum()),
                            "text": _metrics(inductive.scorer, held, data.known, n),
                            "random": {"mrr": round(random_mrr, 4)}}
    print("inductive", results["inductive"], flush=True)
    emit(results, args.json)


if __name__ == "__main__":
    main()
