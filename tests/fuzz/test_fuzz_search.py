"""Entity search with any text (full-text syntax, quotes, backslashes, NUL, 5000 characters): a list, never an error.

The tiny graph has names, so the exact, prefix, contains and fuzzy stages all run on real rows.
"""

from __future__ import annotations

from hypothesis import event, example, given
from hypothesis import strategies as st

from kgplatform.store import GraphStore
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.inputs import search_texts
from tests.fuzz.oracles import check_search


@fuzz_settings(200)
@given(text=search_texts, limit=st.integers(1, 100))
@example(text="alice " * 200, limit=1)  # found: 60-odd fuzzy terms were a RediSearch syntax error (a 500 over HTTP)
@example(text=" ".join(f"w{i}xyz" for i in range(60)), limit=5)
def test_search_answers_a_list_for_any_text(tiny_store: GraphStore, text: str, limit: int) -> None:
    event(check_search(tiny_store, text, limit))
