"""The API reference page (``/docs``), rendered on the server from the OpenAPI schema.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI / ReDoc from a CDN (and the
site's Content-Security-Policy blocks them): the site must work on an isolated
network, so the reference is a plain page built from ``app.openapi()`` instead.
"""

from __future__ import annotations

import re
from typing import Any

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_type(schema: dict[str, Any]) -> str:
    """A short type text of a parameter schema (``string``, ``one of: a, b``)."""
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_schema_type(s) for s in schema["anyOf"])
    return str(schema.get("type", "any"))


def _schema_name(schema: dict[str, Any]) -> str:
    """The name of a referenced schema (``#/components/schemas/Protocol`` → ``Protocol``)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    return _schema_type(schema)


def operations(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per documented operation: method, path, texts, parameters, responses."""
    out: list[dict[str, Any]] = []
    for path, item in (openapi.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                {
                    "name": p.get("name", ""),
                    "where": p.get("in", ""),
                    "required": bool(p.get("required")),
                    "type": _schema_type(p.get("schema") or {}),
                    "description": p.get("description")
                    or (p.get("schema") or {}).get("description", ""),
                }
                for p in op.get("parameters") or ()
            ]
            responses = [
                (code, str((body or {}).get("description", "")))
                for code, body in (op.get("responses") or {}).items()
            ]
            fields: list[tuple[str, str]] = []
            media: list[str] = []
            for code, body in (op.get("responses") or {}).items():
                if str(code) != "200":
                    continue
                for kind, content in ((body or {}).get("content") or {}).items():
                    media.append(kind)
                    props = ((content or {}).get("schema") or {}).get("properties") or {}
                    fields += [(k, str(v.get("description", ""))) for k, v in props.items()]
            body = op.get("requestBody") or {}
            request_body = [
                (kind, _schema_name((content or {}).get("schema") or {}))
                for kind, content in (body.get("content") or {}).items()
            ]
            anchor = re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": anchor,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": list(op.get("tags") or ()),
                    "parameters": params,
                    "responses": responses,
                    "fields": fields,
                    "request_body": request_body,
                    "body_required": bool(body.get("required")),
                    "media": media,
                }
            )
    return out


def docs_context(openapi: dict[str, Any]) -> dict[str, Any]:
    """The context of ``api_docs.html``."""
    return {"info": openapi.get("info") or {}, "operations": operations(openapi)}
