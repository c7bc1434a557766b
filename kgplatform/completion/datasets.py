"""Benchmark splits read straight from triples files (train/valid/test), for published-number comparisons.

The completion job splits what it pulls from the store; the standard benchmarks come with an
official split that published numbers refer to, so benchmarks and learning tests read it here,
numbered the way :func:`kgplatform.subgraph.pull_subgraph` numbers (sorted ids and names).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from kgplatform.completion.text import GraphText, build_text
from kgplatform.errors import InvalidInput
from kgplatform.ingest.parsed import need_fields, tsv_lines
from kgplatform.ingest.triples import SPLITS, read_text_file


@dataclass(frozen=True)
class Benchmark:
    """An official split as index tensors, with the id maps."""

    train: Tensor
    valid: Tensor
    test: Tensor
    entity_ids: list[str]
    relation_types: list[str]

    @property
    def known(self) -> Tensor:
        """Every true triple (the filter of filtered evaluation)."""
        return torch.cat([self.train, self.valid, self.test])


def load_benchmark(directory: Path) -> Benchmark:
    """Read ``train.txt``, ``valid.txt`` and ``test.txt`` of a benchmark directory.

    Raises:
        InvalidInput: a malformed line, with ``file:line``.
    """
    rows = {name: [need_fields(source, fields, 3, "head, relation, tail")
                   for source, fields in tsv_lines(directory / name)] for name in SPLITS}
    entities = sorted({e for split in rows.values() for h, _, t in split for e in (h, t)})
    relations = sorted({r for split in rows.values() for _, r, _ in split})
    entity_index = {e: i for i, e in enumerate(entities)}
    relation_index = {r: i for i, r in enumerate(relations)}

    def tensor(split: list[list[str]]) -> Tensor:
        return torch.tensor([[entity_index[h], relation_index[r], entity_index[t]] for h, r, t in split],
                            dtype=torch.long).reshape(-1, 3)

    return Benchmark(tensor(rows["train.txt"]), tensor(rows["valid.txt"]), tensor(rows["test.txt"]),
                     entities, relations)


def kgbert_text(directory: Path, data: Benchmark, *, descriptions: bool = True) -> GraphText:
    """A benchmark's entity and relation texts as KG-BERT lays them out in ``text_kgbert/``.

    ``entity2text.txt`` gives names, ``entity2textlong.txt`` (when present and ``descriptions``)
    descriptions and ``relation2text.txt`` relation texts.

    Raises:
        InvalidInput: the directory has no ``text_kgbert/entity2text.txt``.
    """
    folder = directory / "text_kgbert"
    if not (folder / "entity2text.txt").exists():
        raise InvalidInput(str(folder), "missing entity2text.txt", "KG-BERT text files beside the benchmark")
    names = read_text_file(folder / "entity2text.txt")
    long_file = folder / "entity2textlong.txt"
    longs = read_text_file(long_file) if descriptions and long_file.exists() else {}
    relations = read_text_file(folder / "relation2text.txt") if (folder / "relation2text.txt").exists() else {}
    props = {e: {"name": names.get(e), "description": longs.get(e)} for e in data.entity_ids}
    return build_text(data.entity_ids, data.relation_types, props, relations)
