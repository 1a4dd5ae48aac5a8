"""The web pages: a form that posts back to its own address."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

bp = Blueprint("main", __name__)

NAME_MAX = 100


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html")


@bp.post("/")
def greet() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    error = _problem_with(name)
    if error:
        # 422, not 400: a 400 from this app always means a refused CSRF token.
        return render_template("index.html", error=error, name=name), 422
    flash(f"Hello, {name}!")
    # See Other: a reload after the redirect does not submit the form again.
    return redirect(url_for("main.index"), code=303)


def _problem_with(name: str) -> str | None:
    if not name:
        return "Please enter a name."
    if len(name) > NAME_MAX:
        return f"Please keep the name under {NAME_MAX} characters."
    if not name.isprintable():
        return "Please use printable characters only."
    return None
