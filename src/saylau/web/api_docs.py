"""The API reference page (``/docs``), rendered on the server from the OpenAPI schema.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI / ReDoc from a CDN (and the
site's Content-Security-Policy blocks them): the site must work on an isolated
network, so the reference is a plain page built from ``app.openapi()`` instead.

The page has two parts, as the API has two audiences:

* the **public read API** (tag ``public``): no credentials, CORS for any site, ETags;
  each operation is shown with an *example answer* got by calling the running app
  itself on the data it serves (:func:`collect_examples`), so an example can never
  drift from what the endpoint answers;
* the **commission write API** (tag ``write``): Bearer tokens, roles and scopes,
  idempotency keys and the refusal statuses (``saylau.web.door``).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

HTTP_METHODS = ("get", "post", "put", "patch", "delete")

#: The OpenAPI tags of the two audiences (``saylau.web.routes.routers`` sets them).
PUBLIC = "public"
WRITE = "write"
#: The tag of the routers that need a Bearer token (``saylau.web.door.document``).
TOKEN_TAG = "trust"

#: Lists longer than this are cut to their first ``KEEP`` items in an example.
LONGEST_LIST = 3
KEEP = 2
#: Strings longer than this are cut in an example (an inline SVG chart, a long note).
LONGEST_TEXT = 160
#: Lines of a text answer (CSV) shown in an example.
TEXT_LINES = 4
#: Lines of an example body at most (the rest is cut with a marker).
MAX_LINES = 80
#: Headers of an example answer worth showing (CORS, the type, the time of the data).
#: Not the ETag: it names the server process too, and the page (and its published
#: copy) must not change while the data do not.
SHOWN_HEADERS = (
    "content-type",
    "content-disposition",
    "last-modified",
    "cache-control",
    "access-control-allow-origin",
    "access-control-expose-headers",
)
#: Paths whose answers grow with the whole contest: their example is taken from the
#: smallest contest, so the page costs little to build.
HEAVY = ("/nist.json", "/export.json", "/statement.pdf")
#: A request body for each public POST (the projection from polls of the example page).
EXAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/projections": {
        "law": "kz-majilis-2021",
        "polls": [
            {
                "pollster": "Institute A",
                "end_date": "2021-01-05",
                "sample_size": 1200,
                "shares": {"Nur Otan": 70.5, "Ak Zhol": 11.0, "People's Party": 9.2, "Auyl": 9.3},
            },
            {
                "pollster": "Institute B",
                "end_date": "2020-12-28",
                "sample_size": 1500,
                "shares": {"Nur Otan": 69.8, "Ak Zhol": 11.9, "People's Party": 8.7, "Auyl": 9.6},
            },
        ],
        "sims": 1000,
        "seed": 0,
    }
}
#: Seconds for one example call at most.
CALL_TIMEOUT = 30.0
#: Seconds an event stream (``text/event-stream``) is listened to for its example.
STREAM_SECONDS = 1.0


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


def audience(operation: Mapping[str, Any]) -> str:
    """``write`` for an operation that needs a token, else ``public``."""
    tags = operation.get("tags") or ()
    if WRITE in tags or TOKEN_TAG in tags or operation.get("security"):
        return WRITE
    return PUBLIC


def _written_summary(operation: Mapping[str, Any]) -> str:
    """The operation's summary when a person wrote it; "" for the one FastAPI makes up
    from the function's name ("Election Day Api"), which reads as an identifier."""
    summary = str(operation.get("summary") or "")
    made_up = summary.lower().replace(" ", "_")
    if made_up and str(operation.get("operationId") or "").startswith(made_up + "_"):
        return ""
    return summary


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
                    "default": (p.get("schema") or {}).get("default"),
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
                    "audience": audience(op),
                    "summary": _written_summary(op),
                    "description": op.get("description", ""),
                    "tags": [t for t in op.get("tags") or () if t not in (PUBLIC, WRITE)],
                    "parameters": params,
                    "responses": responses,
                    "fields": fields,
                    "request_body": request_body,
                    "body_required": bool(body.get("required")),
                    "media": media,
                }
            )
    return out


# -- calling the app ---------------------------------------------------------------------------
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


@dataclass
class Answer:
    """What the app answered one request: status, headers (lower-case names), body."""

    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


async def call(app: ASGIApp, method: str, path: str, query: str = "", body: bytes = b"") -> Answer:
    """One request to ``app`` in this process (its middleware included), as a client
    on the loopback would send it; ``path`` is percent-encoded, as in a URL.  A streamed answer that does not end within
    ``CALL_TIMEOUT`` seconds is cut there."""
    answer = Answer()
    done = asyncio.Event()
    sent = False
    headers = [(b"host", b"localhost"), (b"accept-language", b"en")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()  # the client stays until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            answer.status = int(message["status"])
            answer.headers = [(k.decode().lower(), v.decode()) for k, v in message["headers"]]
            if (answer.header("content-type") or "").startswith("text/event-stream"):
                # A stream of events never ends: its first events are the example.
                asyncio.get_running_loop().call_later(STREAM_SECONDS, done.set)
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body"):
                done.set()

    task = asyncio.ensure_future(app(scope, receive, send))
    waiter = asyncio.ensure_future(done.wait())
    try:
        # The answer's end, or the app's (an error before any answer), or the timeout.
        await asyncio.wait({task, waiter}, timeout=CALL_TIMEOUT, return_when="FIRST_COMPLETED")
    finally:
        done.set()  # the client "disconnects": a stream stops
        await asyncio.wait({task}, timeout=1.0)
        for pending in (task, waiter):
            if not pending.done():
                pending.cancel()
        await asyncio.gather(task, waiter, return_exceptions=True)
    return answer


# -- showing an answer ------------------------------------------------------------------------
def _pretty(value: Any, indent: int, lines: list[str], prefix: str, last: bool) -> None:
    """Append ``value`` as indented JSON lines, long lists and strings cut (marked …)."""
    pad = "  " * indent
    comma = "" if last else ","
    if isinstance(value, dict) and value:
        lines.append(f"{pad}{prefix}{{")
        items = list(value.items())
        for i, (k, v) in enumerate(items):
            key = json.dumps(k, ensure_ascii=False) + ": "
            _pretty(v, indent + 1, lines, key, i == len(items) - 1)
        lines.append(f"{pad}}}{comma}")
    elif isinstance(value, list) and value:
        lines.append(f"{pad}{prefix}[")
        shown = value[:KEEP] if len(value) > LONGEST_LIST else value
        cut = len(value) - len(shown)
        for i, v in enumerate(shown):
            _pretty(v, indent + 1, lines, "", i == len(shown) - 1)
        if cut:
            lines.append(f"{pad}  … {cut}")
        lines.append(f"{pad}]{comma}")
    else:
        if isinstance(value, str) and len(value) > LONGEST_TEXT:
            text = json.dumps(value[:LONGEST_TEXT], ensure_ascii=False)[:-1] + '…"'
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"{pad}{prefix}{text}{comma}")


def show_json(value: Any) -> tuple[str, bool]:
    """``value`` as indented JSON with long lists cut to their first items (``… N``
    says how many more), and whether anything was cut."""
    lines: list[str] = []
    _pretty(value, 0, lines, "", True)
    cut = len(lines) > MAX_LINES
    if cut:
        lines = [*lines[:MAX_LINES], "…"]
    text = "\n".join(lines)
    return text, cut or "…" in text


def show_body(answer: Answer) -> tuple[str, bool]:
    """The body of ``answer`` as shown in an example, and whether it was shortened."""
    kind = (answer.header("content-type") or "").split(";")[0].strip()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return show_json(json.loads(answer.body))
        except ValueError:
            pass
    if kind.startswith("text/"):
        rows = answer.body.decode("utf-8", "replace").splitlines()
        shown = "\n".join(rows[:TEXT_LINES])
        if len(rows) > TEXT_LINES:
            return f"{shown}\n… {len(rows) - TEXT_LINES}", True
        return shown, False
    return f"({kind or 'bytes'}: {len(answer.body):,} bytes)", False


@dataclass(frozen=True)
class Example:
    """An answer of the running app to one public operation."""

    method: str
    url: str
    request_body: str | None
    status: int
    headers: list[tuple[str, str]]
    body: str
    shortened: bool


def _fill(path: str, values: Mapping[str, str]) -> str | None:
    """``path`` with its ``{parameters}`` filled (percent-encoded), or None when one is
    unknown."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1).removesuffix(":path")
        if name not in values:
            missing = True
            return ""
        return quote(values[name], safe="")

    filled = re.sub(r"\{([^}]+)\}", one, path)
    return None if missing else filled


class _Places:
    """The ids an example request names, looked up once per contest by calling the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.found: dict[str, dict[str, str]] = {}

    async def _json(self, path: str) -> Any:
        answer = await call(self.app, "GET", path)
        return json.loads(answer.body) if answer.status == 200 else None

    async def contests(self) -> list[dict[str, Any]]:
        data = await self._json("/api/v1/contests")
        return list((data or {}).get("contests") or [])

    async def of(self, contest: str, deep: bool) -> dict[str, str]:
        """``contest_id``; when ``deep``, also a ``division_id`` (its first area), a
        ``station_id`` (the first station below it) and a search text (the area's name)."""
        values = {"contest_id": contest, "contest": contest}
        if not deep:
            return values
        if contest in self.found:
            return self.found[contest]
        doc = await self._json(f"/api/v1/contests/{quote(contest, safe='')}")
        children = list((doc or {}).get("children") or [])
        for _depth in range(6):  # country → region → district → station at most
            if not children:
                break
            child = children[0]
            if child.get("level") == "station":
                values.setdefault("station_id", str(child["id"]))
                values.setdefault("station", str(child["id"]))
                break
            values.setdefault("division_id", str(child["id"]))
            values.setdefault("q", str(child.get("name") or child["id"]))
            below = await self._json(str(child.get("api_url") or ""))
            children = list((below or {}).get("children") or [])
        self.found[contest] = values
        return values


async def _example(
    app: ASGIApp, op: Mapping[str, Any], places: _Places, order: list[str]
) -> Example | None:
    """The first answer below 400 to ``op`` over the contests in ``order`` (else the
    first refusal, which is then the example), or None when it cannot be asked."""
    path, method = str(op["path"]), str(op["method"])
    payload = EXAMPLE_BODIES.get(path)
    if method != "GET" and payload is None:
        return None
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    needs_contest = "{" in path
    first: Example | None = None
    names = {p["name"] for p in op["parameters"]} - {"contest_id", "contest"}
    for contest in order if needs_contest else order[:1] or [""]:
        values = await places.of(contest, bool(names)) if contest else {}
        url = _fill(path, values)
        if url is None:
            continue
        # A query parameter the places know (the search text ``q``) is filled in; the
        # others keep their defaults.
        query = {
            p["name"]: values[p["name"]]
            for p in op["parameters"]
            if p["where"] == "query" and p["name"] in values
        }
        qs = urlencode(query)
        answer = await call(app, method, url, qs, body)
        text, shortened = show_body(answer)
        example = Example(
            method=method,
            url=url + (f"?{qs}" if qs else ""),
            request_body=json.dumps(payload, ensure_ascii=False, indent=2) if payload else None,
            status=answer.status,
            headers=[(k, v) for k, v in answer.headers if k in SHOWN_HEADERS],
            body=text,
            shortened=shortened,
        )
        if answer.status < 400:
            return example
        first = first or example
    return first


async def collect_examples(
    app: ASGIApp, ops: Iterable[Mapping[str, Any]]
) -> dict[str, Example | None]:
    """An example answer for every public operation in ``ops`` (by anchor), got from
    ``app`` on the data it serves: the first contest listed (the smallest for the
    answers that grow with a contest), else the next that has the data asked for."""
    places = _Places(app)
    contests = await places.contests()
    listed = [str(c["id"]) for c in contests]
    small = [str(c["id"]) for c in sorted(contests, key=lambda c: c.get("stations_reporting") or 0)]
    out: dict[str, Example | None] = {}
    for op in ops:
        if op["audience"] != PUBLIC:
            continue
        order = small if str(op["path"]).endswith(HEAVY) else listed
        out[str(op["anchor"])] = await _example(app, op, places, order)
    return out


def _type_words(text: str, gettext: Callable[[str], str]) -> str:
    """A parameter's type text with its words translated ("one of: a, b"); the values
    are code and stay as they are."""
    head, sep, values = text.partition(": ")
    return gettext(head) + sep + values if sep and head == "one of" else text


def translated(op: Mapping[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
    """``op`` with the texts a person wrote (summary, description, the parameters',
    fields' and responses' descriptions) in the page's language.  The OpenAPI document
    stays English, for the machines that read it; the catalogues hold its texts as
    msgids.  An empty text stays empty: gettext("") is the catalogue's header."""

    def tr(text: str) -> str:
        return gettext(text) if text else text

    return {
        **op,
        "summary": tr(str(op["summary"])),
        "description": tr(str(op["description"])),
        "parameters": [
            {**p, "description": tr(str(p["description"])), "type": _type_words(p["type"], gettext)}
            for p in op["parameters"]
        ],
        "fields": [(k, tr(text)) for k, text in op["fields"]],
        "responses": [(code, tr(text)) for code, text in op["responses"]],
    }


def docs_context(
    openapi: dict[str, Any],
    examples: Mapping[str, Example | None] | None = None,
    gettext: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The context of ``api_docs.html``: the operations of each audience (their texts
    translated by ``gettext``), the public ones with their example answers, and the
    write API's limits."""
    from saylau.web.door import LIMITS

    ops = operations(openapi)
    if gettext is not None:
        ops = [translated(op, gettext) for op in ops]
    return {
        "info": openapi.get("info") or {},
        "operations": ops,
        "public": [op for op in ops if op["audience"] == PUBLIC],
        "write": [op for op in ops if op["audience"] == WRITE],
        "examples": dict(examples or {}),
        "limits": LIMITS,
        "token_scheme": "bearer"
        in ((openapi.get("components") or {}).get("securitySchemes") or {}),
    }
