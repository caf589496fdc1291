"""How API routes document their answers in the OpenAPI schema (``/openapi.json``,
rendered by ``/docs``): the 200 answer in its real media type, 304, the JSON errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """The body of every API error."""

    ok: Literal[False] = False
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown contest, division or station"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
}


NOT_MODIFIED = {
    "description": "Not Modified: the ETag sent in If-None-Match (or the time in "
    "If-Modified-Since) still holds; no body"
}


def _object(keys: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {"description": text} for k, text in keys.items()},
    }


def documented(
    media: str, description: str, keys: Mapping[str, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an API route: its 200 answer in its real media type (the
    top-level keys of a JSON object described), 304, and the JSON errors."""
    if keys is not None:
        schema: dict[str, Any] = _object(keys)
    elif media == "application/pdf":
        schema = {"type": "string", "format": "binary"}
    elif media == "application/json":
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    ok = {"description": description, "content": {media: {"schema": schema}}}
    return {200: ok, 304: NOT_MODIFIED, **ERRORS}
