"""Sign-in and sign-out pages (accounts from ``KG_USERS``; see :mod:`webui.access`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webui.access import local_path, sign_in, sign_out
from webui.services import services

signin_pages = Blueprint("access", __name__)


@signin_pages.route("/signin", methods=["GET", "POST"])
def signin() -> str | Response | tuple[str, int]:
    """The sign-in form; a wrong name or password is a 401 with the form again, saying so."""
    target = local_path(request.values.get("next", ""))
    if request.method == "GET":
        return render_template("signin.html", next=target, error=None, name="")
    name = request.form.get("name", "")
    account = sign_in(services().settings, name, request.form.get("password", ""))
    if account is None:
        return render_template("signin.html", next=target, error="wrong name or password", name=name), 401
    flash(f"signed in as {account.name} ({account.role})")
    return redirect(target or url_for("pages.overview"))


@signin_pages.post("/signout")
def signout() -> Response:
    sign_out()
    flash("signed out")
    return redirect(url_for("pages.overview"))

