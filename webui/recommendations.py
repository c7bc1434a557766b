"""The recommendations page: pick a user, see ranked items with scores and the paths that explain them."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kgplatform.recommend import interaction_relation, recommend
from webui.api.params import query_int
from webui.services import services

recommendations = Blueprint("recommendations", __name__)


@recommendations.get("/recommendations")
def page() -> str:
    store, settings = services().store, services().settings
    user = request.args.get("user", "").strip()
    relation = interaction_relation(request.args.get("relation"), settings.interaction_relation)
    found = recommend(store, user, relation, k=query_int("k", 10), paths=query_int("paths", 3)) if user else None
    users = store.run_named("list_interacting_users", {"limit": 200}, type=relation)
    return render_template("recommendations.html", user=user, relation=relation, users=users,
                           found=found.to_json() if found else None)
