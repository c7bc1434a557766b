"""Benchmark: seed spread of one like-for-like ComplEx pair against PyKEEN (KvsAll / LCWA, cross-entropy, Adagrad).

For a pair whose MRR difference is small, one seed cannot say who is ahead: this trains both
sides with each seed given (default 0, 1 and 2) at each N3 weight given, reports each side's validation and test MRR
(mean and spread), and picks each side's weight by its mean validation MRR.

Usage: ``python bench/peer_seeds.py kinships [--n3 0.01 0.007 ...] [--seeds 0 1 2] [--json out.json]``
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
    parser.add_argument("--n3", type=float, nargs="+", default=[0.01])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = load_benchmark(DATA / args.dataset)
    n, r = len(data.entity_ids), len(data.relation_types)
    base = peer_configs()["1-to-N (KvsAll) cross-entropy, Adagrad"]
    runs: dict[str, dict[float, dict[str, list[float]]]] = {"ours": {}, "pykeen": {}}
    for weight in args.n3:
        config = replace(base, reg_weight=weight)
        ours, theirs = runs["ours"].setdefault(weight, {"valid": [], "test": []}), \
            runs["pykeen"].setdefault(weight, {"valid": [], "test": []})
        for seed in args.seeds:
            trained = train_model(data.train, data.valid, data.known, n, r,
                                  replace(config, seed=seed, eval_every=config.epochs))
            scorer = ModelScorer(trained.model, r)
            ours["valid"].append(evaluate(scorer, data.valid, data.known, n).metrics["mrr"])
            ours["test"].append(evaluate(scorer, data.test, data.known, n).metrics["mrr"])
            found = run_pykeen(DATA / args.dataset, model="complex", regime="1-to-n", dim=config.dim // 2,
                               epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                               regularizer_weight=weight, loss="crossentropy", optimizer=config.optimizer, seed=seed)
            theirs["valid"].append(float(found["valid_mrr"]))
            theirs["test"].append(float(found["mrr"]))
        print(weight, {side: {k: round(statistics.mean(v), 4) for k, v in runs[side][weight].items()}
                       for side in runs}, flush=True)
    summary = {}
    for side, by_weight in runs.items():
        best = max(by_weight, key=lambda w: statistics.mean(by_weight[w]["valid"]))
        summary[side] = {"chosen_n3": best, "test_mean": statistics.mean(by_weight[best]["test"]),
                         "test_sd": statistics.stdev(by_weight[best]["test"]),
                         "by_n3": {str(w): {k: [round(x, 4) for x in v] for k, v in m.items()}
                                   for w, m in by_weight.items()}}
    out = {"dataset": args.dataset, **summary}
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
