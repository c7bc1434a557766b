"""Benchmark: seed spread of one like-for-like ComplEx pair against PyKEEN (KvsAll / LCWA, cross-entropy, Adagrad).

For a pair whose MRR difference is small, one seed cannot say who is ahead: this trains both
sides with seeds 0, 1 and 2 at one N3 weight and reports each test MRR, mean and spread.

Usage: ``python bench/peer_seeds.py kinships [--n3 0.01]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.kgc import DATA, peer_configs  # noqa: E402
from bench.pykeen_peer import run_pykeen  # noqa: E402
from kgplatform.completion.datasets import load_benchmark  # noqa: E402
from kgplatform.completion.evaluation import evaluate  # noqa: E402
from kgplatform.completion.training import ModelScorer, train_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--n3", type=float, default=0.01)
    args = parser.parse_args()
    data = load_benchmark(DATA / args.dataset)
    n, r = len(data.entity_ids), len(data.relation_types)
    config = replace(peer_configs()["1-to-N (KvsAll) cross-entropy, Adagrad"], reg_weight=args.n3)
    ours, theirs = [], []
    for seed in (0, 1, 2):
        trained = train_model(data.train, data.valid, data.known, n, r,
                              replace(config, seed=seed, eval_every=config.epochs))
        ours.append(evaluate(ModelScorer(trained.model, r), data.test, data.known, n).metrics["mrr"])
        theirs.append(float(run_pykeen(
            DATA / args.dataset, model="complex", regime="1-to-n", dim=config.dim // 2, epochs=config.epochs,
            batch_size=config.batch_size, lr=config.lr, regularizer_weight=args.n3, loss="crossentropy",
            optimizer=config.optimizer, seed=seed)["mrr"]))
        print(seed, round(ours[-1], 4), round(theirs[-1], 4), flush=True)
    print(json.dumps({"dataset": args.dataset, "n3": args.n3, "ours": ours, "pykeen": theirs,
                      "ours_mean": statistics.mean(ours), "ours_sd": statistics.stdev(ours),
                      "pykeen_mean": statistics.mean(theirs), "pykeen_sd": statistics.stdev(theirs)}))


if __name__ == "__main__":
    main()
