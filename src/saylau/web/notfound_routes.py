"""The routes' path patterns, indexed for :mod:`saylau.web.notfound`.

Whether any route matches an address is decided by the routes' own path patterns,
collected once and indexed by their leading literal segments in a trie, and at each
node by the number of segments a path has (a template without a ``:path`` parameter
matches paths of its own number only): a miss tries the two or three patterns that
could match it, not every route's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import zip_longest

from starlette.routing import BaseRoute, Mount, Route

#: The results views whose misses are answered here: route name -> what it shows.
_KINDS = {
    "contest_page": "contest",
    "contest_api": "contest",
    "division_page": "division",
    "division_api": "division",
    "station_page": "station",
    "station_api": "station",
}
_RESULTS_MODULE = "saylau.web.routes.results"


#: How many leading literal segments of a route path index it.
DEPTH = 3
#: (pattern, kind, leading literal segments, literal end, the route's path template)
Pattern = tuple[re.Pattern[str], str | None, tuple[str, ...], str, str]
#: (place, pattern, kind, literal end, the other patterns that may match its paths too)
Candidate = tuple[int, re.Pattern[str], str | None, str, tuple[re.Pattern[str], ...]]
_REST, _END = object(), object()


def _shape(template: str) -> list[object]:
    """A route path template's segments: the literal text, None for a parameter, and
    ``_REST`` for a ``:path`` parameter (any number of segments, so the end)."""
    out: list[object] = []
    for segment in template.split("/")[1:]:
        if ":path}" in segment:
            out.append(_REST)
            break
        out.append(None if "{" in segment else segment)
    return out


def _overlap(a: str, b: str) -> bool:
    """Whether some path may match both templates (False only when a literal segment
    or the number of segments tells them apart)."""
    for x, y in zip_longest(_shape(a), _shape(b), fillvalue=_END):
        if x is _REST or y is _REST:
            return True
        if x is _END or y is _END:
            return False
        if x is not None and y is not None and x != y:
            return False
    return True


def _literal(path: str) -> tuple[str, ...]:
    """The leading literal segments of a route path (at most ``DEPTH``): a path it
    matches begins with them."""
    out: list[str] = []
    for segment in path.split("/")[1 : DEPTH + 1]:
        if "{" in segment:
            break
        out.append(segment)
    return tuple(out)


def _suffix(path: str) -> str:
    """The literal end of a route path (after its last parameter): a path it matches
    ends with it (a cheap test before the pattern's)."""
    return path[path.rfind("}") + 1 :] if "}" in path else path


def _patterns(routes: Iterable[BaseRoute]) -> list[Pattern] | None:
    """(path pattern, kind, leading literal segments) of every HTTP route, in order; None when a
    route's paths cannot be known from here (then no address is declared unknown)."""
    out: list[Pattern] = []
    for route in routes:
        original = getattr(route, "original_router", None)  # FastAPI's included router
        if original is not None:
            context = getattr(route, "include_context", None)
            if getattr(context, "prefix", "") != "":
                return None
            inner = _patterns([*getattr(original, "_low_priority_routes", ()), *original.routes])
            if inner is None:
                return None
            out += inner
        elif isinstance(route, Route):
            endpoint = getattr(route, "endpoint", None)
            own = getattr(endpoint, "__module__", "") == _RESULTS_MODULE
            kind = _KINDS.get(route.name) if own else None
            path = route.path
            out.append((route.path_regex, kind, _literal(path), _suffix(path), path))
        elif isinstance(route, Mount):  # anything below its path
            below = route.path + "/{path:path}"
            out.append((route.path_regex, None, _literal(route.path), "", below))
        elif type(route).__name__ != "WebSocketRoute":
            return None
    return out


def _index(patterns: list[Pattern] | None) -> dict[tuple[str, ...], list[Candidate]] | None:
    """The patterns by their leading literal segments, each with its place in the
    routes' order and, for a results view, the other patterns that may match a path
    it matches (the view answers only when none of them does)."""
    if patterns is None:
        return None
    out: dict[tuple[str, ...], list[Candidate]] = {}
    for i, (regex, kind, literal, suffix, template) in enumerate(patterns):
        others: tuple[re.Pattern[str], ...] = ()
        if kind is not None:
            others = tuple(
                p[0] for j, p in enumerate(patterns) if j != i and _overlap(template, p[4])
            )
        out.setdefault(literal, []).append((i, regex, kind, suffix, others))
    return out


class Node:
    """A node of the trie of the routes' leading literal segments: the candidates of
    every index key on the way from the root, in the routes' order, and of those the
    ones that may match a path of each number of segments (a template without a
    ``:path`` parameter matches paths of its own number only)."""

    __slots__ = ("by_count", "candidates", "children", "limit")

    def __init__(self) -> None:
        self.children: dict[str, Node] = {}
        self.candidates: list[tuple[int | None, Candidate]] = []
        self.by_count: dict[int, list[Candidate]] = {}
        self.limit = 0

    def for_count(self, n: int) -> list[Candidate]:
        n = min(n, self.limit)  # beyond every fixed count only ``:path`` ones can match
        found = self.by_count.get(n)
        if found is None:
            found = self.by_count[n] = [c for k, c in self.candidates if k is None or k == n]
        return found


def _trie(index: dict[tuple[str, ...], list[Candidate]], templates: list[str]) -> Node:
    """The index as a trie (see :class:`Node`); ``templates`` by place."""

    def count(candidate: Candidate) -> int | None:
        shape = _shape(templates[candidate[0]])
        return None if _REST in shape else len(shape)

    root = Node()
    for key in index:
        node = root
        for segment in key:
            node = node.children.setdefault(segment, Node())
    limit = 1 + max((count(c) or 0 for cs in index.values() for c in cs), default=0)

    def fill(node: Node, key: tuple[str, ...], above: list[Candidate]) -> None:
        mine = sorted([*above, *index.get(key, [])], key=_place)
        node.candidates = [(count(c), c) for c in mine]
        node.limit = limit
        for segment, child in node.children.items():
            fill(child, (*key, segment), mine)

    fill(root, (), [])
    return root


def candidates(root: Node, path: str) -> list[Candidate]:
    """The patterns that may match ``path`` (their literal segments begin it and it
    has their number of segments), in the routes' order."""
    segments = path.split("/")
    node = root
    for segment in segments[1 : DEPTH + 1]:
        child = node.children.get(segment)
        if child is None:
            break
        node = child
    return node.for_count(len(segments) - 1)


def _place(candidate: Candidate) -> int:
    return candidate[0]


def route_index(routes: Iterable[BaseRoute]) -> Node | None:
    """The trie of ``routes``' patterns; None when a route's paths cannot be known
    from here (then no address is declared unknown)."""
    patterns = _patterns(routes)
    index = _index(patterns)
    if patterns is None or index is None:
        return None
    return _trie(index, [p[4] for p in patterns])
