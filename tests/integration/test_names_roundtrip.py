"""Any name the checker accepts survives the trip into query text and back, unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.names import NAME_PATTERN
from kgplatform.store import GraphStore

names = st.text(min_size=1, max_size=40).filter(lambda s: bool(NAME_PATTERN.match(s)) and s == s.strip()
                                                 and s not in ("PREDICTED", "Entity", "Job", "RelationType"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(relation=names, label=names, value=st.text(st.characters(exclude_characters="\x00"), max_size=40))
def test_names_and_values_round_trip(store: GraphStore, relation: str, label: str, value: str) -> None:
    store.load([Entity("a", (label,), {"note": value}), Entity("b", (label,), {})], [Edge("a", relation, "b")])
    assert store.get_entity("a") == Entity("a", (label,), {"note": value})
    assert [(e.head, e.relation, e.tail) for e in store.iter_edges([relation])] == [("a", relation, "b")]
    store.run_write("MATCH (n:Entity) DETACH DELETE n")


def test_text_with_nul_is_refused_before_anything_is_written(store: GraphStore) -> None:
    """FalkorDB parses parameters as C strings, so a NUL would cut a value short: refuse it whole."""
    if store.backend != "falkordb":
        return
    with pytest.raises(InvalidInput, match="NUL"):
        entities = [Entity(f"e{i}", (), {"note": "fine"}) for i in range(5000)]
        store.load([*entities, Entity("z", (), {"note": "a\x00b"})], [])
    assert store.stats().entities == 0
