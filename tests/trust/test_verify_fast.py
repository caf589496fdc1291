"""``audit verify``'s content hash is exactly the store's canonical hash.

Verify recomputes every protocol version's hash from its columns with a hand-written
encoder (``saylau.trust.integrity._content_hash``, its hot loop); it must agree with
``saylau.store.canonical.content_hash`` -- the ``json.dumps`` definition the writer
uses -- on any protocol, else verify would miss a tampering or report a false one.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.store.canonical import content_hash
from saylau.store.integrity import VERSION_COLUMNS
from saylau.store.schema import COUNT_COLUMNS
from saylau.trust.content_hashes import mismatched
from saylau.trust.content_hashes import reference_hash as _content_hash

# Names with quotes, backslashes, control characters, non-ASCII and the like.
names = st.text(min_size=0, max_size=12)
counts = st.one_of(st.none(), st.integers(min_value=-(2**62), max_value=2**62))


@st.composite
def protocols(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[Any, ...]]:
    station = draw(names)
    ids = {
        c: draw(st.one_of(st.none(), st.just(""), names)) for c in ("region", "district", "country")
    }
    figures = {c: draw(counts) for c in COUNT_COLUMNS}
    # A party has a name (an empty one is no party column, and is refused at entry).
    votes = draw(st.dictionaries(names.filter(bool), counts, max_size=6))
    protocol = {"station": station, **ids, **figures, **{"party:" + p: n for p, n in votes.items()}}
    values = {
        "contest_id": "c",
        "station_id": station,
        "version": 1,
        "hash": "",
        "status": "accepted",
        **ids,
        **figures,
        "votes": json.dumps(votes, separators=(",", ":"), ensure_ascii=False),
    }
    return protocol, tuple(values[c] for c in VERSION_COLUMNS)


@settings(max_examples=400, deadline=None)
@given(protocols())
def test_verify_hash_is_the_canonical_hash(case: tuple[dict[str, Any], tuple[Any, ...]]) -> None:
    protocol, row = case
    assert _content_hash(row) == content_hash(protocol)


def test_a_protocol_of_the_kz_form() -> None:
    """A worked case: the text ``json.dumps`` gives, hashed."""
    protocol = {"station": "S1", "region": "Almaty", "registered": 1000, "valid": 600,
                "invalid": 10, "party:Amanat": 400, "party:Auyl": 200}  # fmt: skip
    row = {c: None for c in VERSION_COLUMNS} | {
        "station_id": "S1", "region": "Almaty", "district": "", "registered": 1000,
        "valid": 600, "invalid": 10, "votes": '{"Auyl":200,"Amanat":400}',
    }  # fmt: skip
    assert _content_hash(tuple(row[c] for c in VERSION_COLUMNS)) == content_hash(protocol)
    import hashlib

    text = (
        '{"invalid":10,"party:Amanat":400,"party:Auyl":200,"region":"Almaty",'
        '"registered":1000,"station":"S1","valid":600}'
    )
    assert content_hash(protocol) == hashlib.sha256(text.encode()).hexdigest()


BALLOT = ["Amanat", "Auyl", 'Ak "Zhol"', "Ақ жол", "Party 10", "Party 2"]


@st.composite
def stored_rows(draw: st.DrawFn) -> tuple[Any, ...]:
    """A version row as the store writes it, or tampered: a count changed, the votes
    text with a key twice, a key off the ballot, spaces, a float, a string."""
    votes = {p: draw(counts) for p in draw(st.lists(st.sampled_from(BALLOT), unique=True))}
    row = {c: None for c in VERSION_COLUMNS} | {
        "contest_id": "c",
        "station_id": draw(st.sampled_from(["S1", "S2", "Ст 7", 'a"b'])),
        "version": 1,
        "status": "accepted",
        "region": draw(st.sampled_from([None, "", "Almaty"])),
        "registered": draw(counts),
        "valid": draw(counts),
        "votes": json.dumps(votes, separators=(",", ":"), ensure_ascii=False),
    }
    row["hash"] = _content_hash(tuple(row[c] for c in VERSION_COLUMNS))
    tamper = draw(st.sampled_from(["none", "count", "twice", "extra", "space", "float", "text"]))
    name = BALLOT[0]
    body = row["votes"][1:-1]
    if tamper == "count":
        row["valid"] = (row["valid"] or 0) + 1
    elif tamper == "twice":
        row["votes"] = "{" + body + ("," if body else "") + f'"{name}":5' + "}"
    elif tamper == "extra":
        row["votes"] = "{" + body + ("," if body else "") + '"Evil":5}'
    elif tamper == "space":
        row["votes"] = row["votes"].replace(":", ": ")
    elif tamper == "float":
        row["valid"] = 1.0 * (row["valid"] or 0)
    elif tamper == "text":
        row["registered"] = str(row["registered"])
    return tuple(row[c] for c in VERSION_COLUMNS)


@settings(max_examples=150, deadline=None)
@given(st.lists(stored_rows(), max_size=30))
def test_bulk_check_agrees_with_the_reference(rows: list[tuple[Any, ...]]) -> None:
    """The vectorised path never accepts a row the reference rejects, nor the reverse."""
    hash_at = VERSION_COLUMNS.index("hash")

    def bad(row: tuple[Any, ...]) -> bool:
        try:
            return _content_hash(row) != row[hash_at]
        except (ValueError, TypeError, AttributeError):
            return True

    assert mismatched(rows, BALLOT) == [i for i, row in enumerate(rows) if bad(row)]


@settings(max_examples=100, deadline=None)
@given(st.lists(protocols(), min_size=1, max_size=20))
def test_the_bulk_path_proves_intact_rows_itself(
    cases: list[tuple[dict[str, Any], tuple[Any, ...]]],
) -> None:
    """Intact rows are proven by the vectorised texts, not left to the reference
    (else verify would be correct but slow) -- but for party names whose escapes or
    prefixes sort their members otherwise than their keys (see ``_canonical_texts``),
    which the reference decides."""
    from saylau.trust.content_hashes import _fast_matches

    hash_at = VERSION_COLUMNS.index("hash")
    rows = [(*row[:hash_at], content_hash(p), *row[hash_at + 1 :]) for p, row in cases]

    def plain(protocol: dict[str, Any]) -> bool:
        names = [k[len("party:") :] for k, v in protocol.items() if k.startswith("party:")]
        # An escaped character sorts by its escape in the text; a key with a comma is
        # left to the reference (its members would not split at commas).
        escaped = any(c < " " or c in '"\\\\,' for name in names for c in name)
        below = any(a != b and b.startswith(a) and b[len(a)] < '"' for a in names for b in names)
        nulls = any(protocol[k] is None for k in protocol if k.startswith("party:"))
        return not (escaped or below or nulls)

    want = {i for i, (p, _row) in enumerate(cases) if plain(p)}
    assert want <= _fast_matches(rows, BALLOT)
