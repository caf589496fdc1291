"""Rendering published pages from their view, without a request through the app.

Every HTML page registered with :func:`saylau.web.pages.page` and its ``/api/v1`` twin
are one view's context rendered two ways (:func:`saylau.web.render.respond`): the page
template with the language's globals, or compact JSON.  A publish renders the four
documents of a place (three languages and the JSON) from one context built once, with
the same view, template, globals and link rewriting (:mod:`saylau.web.published`) the
server applies, so the bytes are the server's answer; only the request machinery
(routing, middleware, caches, ~7 ms of CPU per document) is skipped.  A document
that is not a plain page of a view (downloads, the PDF statement, assets, anything
with a query), or whose view fails, is left to the app (:class:`Direct.render`
answers None) and gets whatever status the app gives it.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment

from saylau.store import Store
from saylau.web.encode import to_json_bytes
from saylau.web.jinja import page_globals_for
from saylau.web.pages import VIEWS, View
from saylau.web.publish_paths import Target, file_for, rewrite_links, target_of
from saylau.web.render import HTML_MEDIA, JSON_MEDIA, page_path_of

#: Contexts kept while the documents of their place are rendered (a place's four
#: documents are asked for one after the other).
CONTEXTS_KEPT = 8

Route = tuple[Any, bool, Callable[..., View], str]  # (path regex, JSON?, view, template)


class Direct:
    """Renders the published documents of ``app``'s page routes from their views over
    ``store`` (the store the app's views read: the publish's memo of it)."""

    def __init__(self, routes: list[Any], store: Store, templates: Environment) -> None:
        self.store = store
        self.templates = templates
        # Every route in the app's order: the first that matches a path answers it,
        # so a page route counts only when no route before it matches.
        self._routes: list[tuple[Any, Route | None]] = []
        flat = _flatten(routes)
        for route in flat or ():
            regex = getattr(route, "path_regex", None)
            if regex is None:
                continue
            found = VIEWS.get(getattr(route, "endpoint", None))  # type: ignore[arg-type]
            usable: Route | None = None
            if found is not None and "GET" in (getattr(route, "methods", None) or ()):
                view, template, api = found
                usable = (regex, api, view, template)
            self._routes.append((regex, usable))
        if flat is None:  # routes that cannot be followed from here: the app answers all
            self._routes = [(_NOTHING, None)]
        self._contexts: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], Any] = OrderedDict()
        self._params: dict[str, set[str]] = {}
        #: The published files linked to by the last page rendered, and its URL.
        self.linked: tuple[str, set[str]] = ("", set())

    @property
    def usable(self) -> bool:
        """False when every document is left to the app."""
        return any(usable is not None for _, usable in self._routes)

    def _match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for regex, usable in self._routes:
            match = regex.match(path)
            if match is None:
                continue
            if usable is None:
                return None  # another route answers this path: the app's business
            return usable, match.groupdict()
        return None

    def _context(self, route: Route, params: dict[str, str]) -> Mapping[str, Any] | None:
        _, _, view, _ = route
        base = f"{view.__module__}.{view.__qualname__}"
        wanted = self._params.get(base)
        if wanted is None:
            wanted = self._params[base] = set(inspect.signature(view).parameters)
        if wanted != set(params):
            return None  # a view with query parameters: only the app resolves them
        key = (base, tuple(sorted(params.items())))
        hit = self._contexts.get(key)
        if hit is None:
            hit = self._contexts[key] = view(**params).build(self.store)
            while len(self._contexts) > CONTEXTS_KEPT:
                self._contexts.popitem(last=False)
        else:
            self._contexts.move_to_end(key)
        return hit  # type: ignore[no-any-return]

    def render(self, url: str) -> tuple[str, bytes] | None:
        """The published document at ``url`` (a published URL path) as the server
        answers it with 200 (its media type and bytes), or None: the app must answer
        it (see the module)."""
        target = target_of(unquote(url))
        if not isinstance(target, Target) or target.query:
            return None
        if target.lang is None and not target.path.startswith("/api/"):
            return None
        found = self._match(target.path)
        if found is None:
            return None
        route, params = found
        if route[1] != (target.lang is None):
            return None
        try:
            context = self._context(route, params)
        except Exception:  # the app answers it with its own status and page
            return None
        if context is None:
            return None
        if target.lang is None:
            return JSON_MEDIA, to_json_bytes(dict(context))
        lang = target.lang
        # The language switch links back to the path as the server received it.
        page = dict(context)
        page.update(page_globals_for(lang, page_path_of({"raw_path": quote(target.path).encode()})))
        html: str = self.templates.get_template(route[3]).render(page)
        page_file = file_for(target.path, {}, lang) or ""
        linked: set[str] = set()
        body = rewrite_links(html, page_file, lang, linked).encode("utf-8") if html else b""
        self.linked = (url, linked)
        return HTML_MEDIA, body


class _Everything:
    """A pattern matching every path (so that the app answers it)."""

    @staticmethod
    def match(path: str) -> dict[str, str]:
        return {}


_NOTHING = _Everything()


def _flatten(routes: list[Any]) -> list[Any] | None:
    """The app's routes in the order it tries them, the routers FastAPI includes
    lazily opened; None when one is mounted under a prefix (not followed here)."""
    out: list[Any] = []
    low: list[Any] = []
    for route in routes:
        original = getattr(route, "original_router", None)  # FastAPI's included router
        if original is None:
            out.append(route)
            continue
        if getattr(getattr(route, "include_context", None), "prefix", "") != "":
            return None
        inner = _flatten(list(original.routes))
        if inner is None:
            return None
        out += inner
        low += getattr(original, "_low_priority_routes", ())
    return out + low
