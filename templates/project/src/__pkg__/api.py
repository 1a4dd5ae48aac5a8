"""A JSON endpoint, called from static/app.js with the X-CSRFToken header."""

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

bp = Blueprint("api", __name__, url_prefix="/api")

MESSAGE_MAX = 500


@bp.post("/echo")
def echo() -> ResponseReturnValue:
    payload = request.get_json(silent=True)
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, str) or not message.strip() or len(message) > MESSAGE_MAX:
        hint = f'Send JSON such as {{"message": "hello"}}, at most {MESSAGE_MAX} characters.'
        return jsonify(error="Unprocessable Content", message=hint, status=422), 422
    return jsonify(message=message)
