"""The explore pages and their JSON with the real app and store: search, entity pages, neighbourhoods, errors.

The graph is tests/data/tiny_kg.tsv plus one published prediction, so that an entity page shows
facts and predictions apart.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kgplatform.domain import Edge, Entity, Prediction


def _predict(app: Flask) -> None:
    store = app.extensions["kg"].store
    store.write_predictions("job-x", "distmult", [Prediction("carol", "LIKES", "alien", 0.87, 1, "distmult", "job-x")])
    store.publish_predictions("job-x")


def test_search_finds_by_any_part_of_the_name_and_by_id(client: FlaskClient) -> None:
    page = client.get("/explore?q=MATR").get_data(as_text=True)
    assert 'href="/entity/matrix"' in page
    assert client.get("/api/entities?q=nol").get_json()[0]["id"] == "nolan"
    assert "Nothing matches" in client.get("/explore?q=zzzz").get_data(as_text=True)
    missing = client.get("/api/entities?q=")
    assert missing.status_code == 400 and missing.get_json()["field"] == "q"


def test_an_entity_page_shows_facts_and_predictions_apart(app: Flask, client: FlaskClient) -> None:
    _predict(app)
    page = client.get("/entity/carol").get_data(as_text=True)
    facts, predictions = page.split('id="predictions"')
    assert "LIKES" in facts and 'href="/entity/inception"' in facts and "alien" not in facts
    assert 'href="/entity/alien"' in predictions and "0.87" in predictions and "job-x" in predictions


def test_a_hubs_relation_filter_lists_every_relation_with_its_count(app: Flask, client: FlaskClient) -> None:
    """More neighbours than a page reads: a relation sorting after the first 1,000 edges is still offered."""
    fans = [Entity(f"fan{i}", ("Person",)) for i in range(1005)]
    app.extensions["kg"].store.load([Entity("hub", ("Movie",)), *fans],
                                    [*(Edge(f.id, "LIKES", "hub") for f in fans), Edge("hub", "ZZ_SEQUEL_OF", "alien")])
    page = client.get("/entity/hub").get_data(as_text=True)
    assert '<option value="LIKES">LIKES (1005)</option>' in page
    assert '<option value="ZZ_SEQUEL_OF">ZZ_SEQUEL_OF (1)</option>' in page


def test_unknown_entities_are_404_pages_and_404_json(client: FlaskClient) -> None:
    page = client.get("/entity/nobody")
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "nobody" in text and "<html" in text
    for url in ("/api/entities/nobody/neighbourhood", "/api/entities/nobody"):
        api = client.get(url)
        assert api.status_code == 404 and api.get_json()["field"] == "entity"


def test_an_entity_as_json_has_its_labels_properties_and_fact_degree(app: Flask, client: FlaskClient) -> None:
    _predict(app)  # a prediction is not a fact: the degree stays the same
    scifi = client.get("/api/entities/scifi").get_json()
    assert scifi["id"] == "scifi" and scifi["degree"] == 4
    assert client.get("/api/entities/carol").get_json()["degree"] == 1


def test_a_neighbourhood_comes_in_pages_with_what_is_left_and_filters_by_relation(app: Flask,
                                                                                   client: FlaskClient) -> None:
    _predict(app)
    first = client.get("/api/entities/scifi/neighbourhood?limit=2").get_json()
    assert first["degree"] == 4 and len([e for e in first["edges"] if not e["predicted"]]) == 2
    assert first["more"] == 2
    rest = client.get("/api/entities/scifi/neighbourhood?limit=2&skip=2").get_json()
    shown = {e["source"] for e in first["edges"] + rest["edges"]}
    assert shown == {"matrix", "inception", "interstellar", "alien"} and rest["more"] == 0
    alien = client.get("/api/entities/alien/neighbourhood?relation=LIKES").get_json()
    assert {(e["source"], e["predicted"]) for e in alien["edges"]} == {("bob", False), ("carol", True)}
    assert next(e for e in alien["edges"] if e["predicted"])["score"] == 0.87
    for bad in ("limit=0", "limit=1000", "skip=-1", "relation=bad`name"):
        response = client.get(f"/api/entities/alien/neighbourhood?{bad}")
        assert response.status_code == 400, bad


def test_edges_among_result_nodes_include_visible_predictions(app: Flask, client: FlaskClient) -> None:
    _predict(app)
    found = client.post("/api/graph/edges", json={"ids": ["carol", "alien", "inception"]}).get_json()["edges"]
    assert {(e["source"], e["relation"], e["target"], e["predicted"]) for e in found} == {
        ("carol", "LIKES", "inception", False), ("carol", "LIKES", "alien", True)}
    assert client.post("/api/graph/edges", json={"ids": "carol"}).status_code == 400


def test_front_end_assets_come_from_node_modules_only(client: FlaskClient) -> None:
    assert client.get("/vendor/cytoscape.js").status_code == 200
    assert client.get("/vendor/..%2Fpackage.json").status_code == 404
    assert client.get("/vendor/left-pad.js").status_code == 404
