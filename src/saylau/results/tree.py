"""The one rule for walking the division tree: a division's path to the root.

Every place that needs a station's or a division's ancestors (the store placing a
protocol, the pages' breadcrumbs, the publish choosing what an amended station
touches, the commission workspace's scopes) walks parents with this function, over
whatever knows the parents: a mapping read at once, or a look-up per level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

#: No division tree is this deep (country, region, district, station, and abroad):
#: a walk that gets this far has met a cycle of parents and stops rather than loop.
MAX_DEPTH = 64


def path_to_root(
    division: str, parent_of: Mapping[str, str | None] | Callable[[str], str | None]
) -> list[str]:
    """``division`` and its ancestors from the root down (``division`` last).

    ``parent_of`` gives a division's parent (None at the root, or where the tree is not
    known further up): a mapping (a missing key is a root) or a function.  At most
    :data:`MAX_DEPTH` ids are returned.
    """
    parent = parent_of.get if isinstance(parent_of, Mapping) else parent_of
    path: list[str] = []
    node: str | None = division
    while node is not None and len(path) < MAX_DEPTH:
        path.append(node)
        node = parent(node)
    path.reverse()
    return path
