"""Triples TSV: ``head<TAB>relation<TAB>tail`` per line, the layout of the completion benchmarks.

Entity names and relation texts come from optional two-column files laid out as KG-BERT ships
them (``entity2text.txt``: ``id<TAB>text``). A directory stands for its ``train``, ``valid`` and
``test`` files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.ingest.parsed import ParsedGraph, check_id, need_fields, tsv_lines
from kgplatform.names import check_relation

SPLITS = ("train.txt", "valid.txt", "test.txt")


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Replace a directory by its split files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [path / name for name in SPLITS if (path / name).is_file()]
            if not found:
                raise InvalidInput(str(path), sorted(p.name for p in path.iterdir())[:10],
                                   f"a directory holding {', '.join(SPLITS)}")
            files.extend(found)
        else:
            files.append(path)
    return files


def read_text_file(path: Path) -> dict[str, str]:
    """Read ``key<TAB>text`` lines."""
    texts: dict[str, str] = {}
    for source, fields in tsv_lines(path):
        key, text = need_fields(source, fields, 2, "id, text")
        texts[key] = text
    return texts


def read_triples(
    paths: Sequence[Path],
    entity_text: Path | None = None,
    relation_text: Path | None = None,
    entity_description: Path | None = None,
) -> ParsedGraph:
    """Parse triples files (and optional entity and relation text) into a graph.

    Raises:
        InvalidInput: a line without three non-empty fields, or a bad relation name, with ``file:line``.
    """
    graph = ParsedGraph()
    names = read_text_file(entity_text) if entity_text else {}
    descriptions = read_text_file(entity_description) if entity_description else {}
    relations: set[str] = set()  # names already checked (a 500k-line file has a handful)
    for path in expand_paths(paths):
        for source, fields in tsv_lines(path):
            head, relation, tail = need_fields(source, fields, 3, "head, relation, tail")
            if relation not in relations:
                relations.add(check_relation(relation, source))
            graph.rows_read += 1
            for entity_id in (head, tail):
                if entity_id not in graph.entities:
                    check_id(source, entity_id)
                    props = {k: v for k, v in (("name", names.get(entity_id)),
                                               ("description", descriptions.get(entity_id))) if v}
                    graph.entities[entity_id] = Entity(entity_id, (), props)
            graph.add_edge(Edge(head, relation, tail), source)
    if relation_text:
        graph.relation_texts = read_text_file(relation_text)
    return graph
