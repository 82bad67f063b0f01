"""Reading a JSON request body within bounds: its content type, its size and its nesting depth."""

import json

from django.core.exceptions import RequestDataTooBig

MAX_JSON_DEPTH = 32  # the API's bodies are flat objects; deep nesting is only ever an attack on the parser


class BodyRefused(ValueError):
    """A request body the API will not read; `status` is the HTTP status that says why (400, 413, 415)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def json_depth_check(text: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """BodyRefused when `text` nests arrays or objects deeper than `max_depth`: Python's json parser
    recurses once per level and a thousand `[` raise RecursionError, so the depth is counted before."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise BodyRefused(f"the JSON nests deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1


def json_body(request, *, max_bytes: int) -> object:
    """The request's JSON body, parsed; BodyRefused (415, 413 or 400) with a message that says why."""
    if request.content_type != "application/json":
        raise BodyRefused("send the body as JSON (Content-Type: application/json)", status=415)
    too_large = BodyRefused(f"the request body is larger than {max_bytes} bytes", status=413)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:  # refused before reading it
        raise too_large
    try:
        body = request.body
    except RequestDataTooBig as exc:  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        raise too_large from exc
    if len(body) > max_bytes:
        raise too_large
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused("the body is not UTF-8") from exc
    json_depth_check(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BodyRefused("the body is not valid JSON") from exc
