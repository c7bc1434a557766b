"""``GET /api/users/<id>/recommendations?k=10&paths=3[&relation=R]``: items, scores and explaining paths."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from kgplatform.recommend import interaction_relation, recommend
from webui.api import api
from webui.api.params import query_int
from webui.services import services


@api.get("/users/<user_id>/recommendations")
def user_recommendations(user_id: str) -> Any:
    relation = interaction_relation(request.args.get("relation"), services().settings.interaction_relation)
    found = recommend(services().store, user_id, relation, k=query_int("k", 10), paths=query_int("paths", 3),
                      job_id=request.args.get("job") or None)
    return jsonify(found.to_json())
