"""Error responses that say what went wrong in general terms, and nothing more.

The exception (and its description, which may carry internals) goes to the log only; the
client gets one of the fixed messages below. A CSRF refusal also says what it is, for machines:
the header ``X-CSRF-Refused: 1``, which no other answer carries (a 400 alone may be a view
refusing bad input).
"""

from flask import Blueprint, Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, SecurityError
from werkzeug.http import HTTP_STATUS_CODES

MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "The request is too large.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
}
CSRF_MESSAGE = "The form expired or was not sent from this site. Reload the page and try again."
CSRF_REFUSED_HEADER = "X-CSRF-Refused"
FALLBACK_MESSAGE = "The request could not be completed."
# The app's own error.html when it has one; else the plain page that ships with this package.
ERROR_TEMPLATES = ["error.html", "hardening/error.html"]


def init_errors(app: Flask) -> None:
    app.register_blueprint(Blueprint("hardening", __name__, template_folder="templates"))
    # Unhandled exceptions reach this handler as InternalServerError, a subclass.
    app.register_error_handler(HTTPException, handle_http_error)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    title = HTTP_STATUS_CODES.get(code, "Error")
    message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES.get(code, FALLBACK_MESSAGE)
    headers = {}
    if isinstance(error, CSRFError):
        headers[CSRF_REFUSED_HEADER] = "1"
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if _wants_json():
        return jsonify(error=title, message=message, status=code), code, headers
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS is refused before routing, so url_for cannot work.
        headers["Content-Type"] = "text/plain; charset=utf-8"
        return f"{code} {title}\n{message}\n", code, headers
    page = render_template(ERROR_TEMPLATES, code=code, title=title, message=message)
    return page, code, headers


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"
