"""Reading protocol files (CSV, zipped CSV, JSON objects) into a ``ProtocolTable``.

The hot path is one typed polars read of the whole file; only when that read fails
(or for JSON input) does a string read classify every bad value, and only when even
that fails does a Python ``csv`` scan name the malformed rows.  Either way every
structural problem of the file is raised at once in one ``InputError``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from saylau.errors import InputError
from saylau.tabulate.fields import (
    COUNT_FIELDS,
    ID_FIELDS,
    MAX_COUNT,
    ROW,
    STATION,
    is_party_column,
)
from saylau.tabulate.profile import DEFAULT_PROFILE, HeaderMap, get_profile

#: Report at most this many problems of one file (then a count of the rest).
MAX_PROBLEMS = 1000

_SYNTHETIC = re.compile(r"^#\s*synthetic\b[:\s]*(.*)$", re.IGNORECASE)
_FRACTION = re.compile(r"^[+-]?\d*[.,]\d+$|^[+-]?\d+[.,]\d*$")
_DIGITS = re.compile(r"^\+?\d+$")


@dataclass
class ProtocolTable:
    """Validated station protocols in canonical columns.

    ``frame`` has the ``row`` column (1 = first protocol row after the header), the
    identification fields present (``station`` always, text), the accounting fields
    present (Int64, no nulls) and one ``party:<name>`` Int64 column per party in file
    (ballot) order.  ``synthetic`` is true when the file carries the ``# synthetic``
    label; ``note`` is the label's text.
    """

    frame: pl.DataFrame
    parties: list[str]
    source: str
    synthetic: bool = False
    note: str = ""
    profile: str = DEFAULT_PROFILE
    warnings: list[str] = field(default_factory=list)

    @property
    def row_numbers(self) -> pl.Series:
        """The file row of each protocol (1-based, header not counted)."""
        return self.frame[ROW]

    @property
    def party_columns(self) -> list[str]:
        return [c for c in self.frame.columns if is_party_column(c)]

    @property
    def count_columns(self) -> list[str]:
        """Accounting and party columns present (all Int64)."""
        return [c for c in self.frame.columns if c in COUNT_FIELDS or is_party_column(c)]

    def __len__(self) -> int:
        return self.frame.height


def _load(source: Path | str | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        data, label = source, name or "protocols"
    else:
        path = Path(source)
        label = name or path.name
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"{label}: cannot read: {err.strerror or err}") from None
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                csvs = [m for m in members if m.filename.lower().endswith(".csv")]
                if len(csvs) != 1:
                    found = ", ".join(m.filename for m in members) or "nothing"
                    raise InputError(
                        f"{label}: a zip must hold exactly one .csv file, found {found}"
                    )
                data = zf.read(csvs[0])
                label = f"{label}:{csvs[0].filename}"
        except zipfile.BadZipFile as err:
            raise InputError(f"{label}: broken zip archive: {err}") from None
    return data, label


def _preamble(data: bytes, label: str) -> tuple[list[str], int, bool, str]:
    """Header cells, the byte offset of the first data row, synthetic flag and note."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        offset = 3
    else:
        offset = 0
    synthetic, note = False, ""
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        line_bytes = data[pos:] if end < 0 else data[pos:end]
        try:
            line = line_bytes.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{label}: not UTF-8 (byte {offset + pos + err.start}: {line_bytes[err.start : err.start + 1]!r}); save the file as UTF-8"
            ) from None
        if line.startswith("#"):
            m = _SYNTHETIC.match(line)
            if m:
                synthetic, note = True, m.group(1).strip()
            if end < 0:
                break
            pos = end + 1
            continue
        if not line.strip():
            if end < 0:
                break
            pos = end + 1
            continue
        header = next(csv.reader([line]))
        first = len(data) if end < 0 else end + 1
        return header, offset + first, synthetic, note
    raise InputError(f"{label}: empty file (no header, no protocol rows)")


def _schema(hmap: HeaderMap, width: int, typed: bool) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {}
    for i in range(width):
        target = hmap.columns.get(i)
        numeric = target is not None and (target in COUNT_FIELDS or is_party_column(target))
        schema[f"c{i}"] = pl.Int64() if (numeric and typed) else pl.String()
    return schema


def _scan_structure(data: bytes, start: int, width: int, label: str) -> list[str]:
    """Name the malformed rows (bad UTF-8, quoting, field count): the slow path."""
    problems: list[str] = []
    body = data[start:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        line = body.count(b"\n", 0, err.start) + 1
        bad = body[err.start : err.start + 1]
        return [f"{label} row {line}: not UTF-8 (byte {bad!r}); save the file as UTF-8"]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            if row and len(row) != width:
                problems.append(f"{label} row {number}: {len(row)} fields, the header has {width}")
                if len(problems) >= MAX_PROBLEMS:
                    break
    except csv.Error as err:
        problems.append(f"{label} row {reader.line_num}: malformed CSV: {err}")
    return problems or [f"{label}: malformed CSV"]


def _to_frame(data: bytes, start: int, hmap: HeaderMap, width: int, label: str) -> pl.DataFrame:
    body = data[start:]
    if not body.strip():
        raise InputError(f"{label}: no protocol rows after the header")
    try:
        raw = pl.read_csv(
            body, has_header=False, schema=_schema(hmap, width, True), encoding="utf8"
        )
    except (pl.exceptions.PolarsError, ValueError):
        try:
            raw = pl.read_csv(
                body, has_header=False, schema=_schema(hmap, width, False), encoding="utf8"
            )
        except (pl.exceptions.PolarsError, ValueError):
            raise InputError(_scan_structure(data, start, width, label)) from None
    return raw


def _assemble(raw: pl.DataFrame, hmap: HeaderMap) -> pl.DataFrame:
    """Rename source columns to canonical ones, compose the station id, add ``row``."""
    exprs: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)]
    by_target = {t: f"c{i}" for i, t in hmap.columns.items()}
    if hmap.station_parts:
        parts = [pl.col(f"c{i}").fill_null("").str.strip_chars() for i in hmap.station_parts]
        exprs.append(pl.concat_str(parts, separator=hmap.separator).alias(STATION))
    for fname in ID_FIELDS:
        if fname in by_target and not (fname == STATION and hmap.station_parts):
            exprs.append(pl.col(by_target[fname]).str.strip_chars().alias(fname))
    for fname in COUNT_FIELDS:
        if fname in by_target:
            exprs.append(pl.col(by_target[fname]).alias(fname))
    for target in by_target:
        if is_party_column(target):
            exprs.append(pl.col(by_target[target]).alias(target))
    return raw.select(exprs)


def _value_problems(frame: pl.DataFrame, label: str) -> list[str]:
    """Empty, non-integer, fractional, negative and absurd values; empty and duplicate ids."""
    problems: list[str] = []
    counts = [c for c in frame.columns if c in COUNT_FIELDS or is_party_column(c)]
    checks: list[pl.Expr] = [pl.col(STATION).is_null() | (pl.col(STATION) == "")]
    for c in counts:
        col = pl.col(c)
        if frame.schema[c] == pl.String:
            text = col.str.strip_chars()
            checks.append(
                text.is_null()
                | (text == "")
                | (text.cast(pl.Int64, strict=False).is_null())
                | (text.cast(pl.Int64, strict=False) < 0)
                | (text.cast(pl.Int64, strict=False) > MAX_COUNT)
            )
        else:
            checks.append(col.is_null() | (col < 0) | (col > MAX_COUNT))
    bad = frame.filter(pl.any_horizontal(checks))
    for rec in bad.head(MAX_PROBLEMS).iter_rows(named=True):
        where = f"{label} row {rec[ROW]}"
        station = rec[STATION]
        if station is None or station == "":
            problems.append(f"{where}: station is empty")
            where_s = where
        else:
            where_s = f"{where} (station {station!r})"
        for c in counts:
            problem = _describe(rec[c])
            if problem:
                problems.append(f"{where_s}: {c} {problem}")
    if bad.height > MAX_PROBLEMS:
        problems.append(f"{label}: … {bad.height - MAX_PROBLEMS} more rows with bad values")
    dups = (
        frame.filter(pl.col(STATION).is_duplicated() & (pl.col(STATION) != ""))
        .group_by(STATION, maintain_order=True)
        .agg(pl.col(ROW))
    )
    for station, rows in dups.head(MAX_PROBLEMS).iter_rows():
        listed = ", ".join(str(r) for r in rows)
        problems.append(f"{label}: duplicate station {station!r} in rows {listed}")
    return problems


def _describe(value: object) -> str | None:
    if value is None:
        return "is empty"
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if text == "":
            return "is empty"
        if _FRACTION.match(text):
            return f"{text!r} is fractional, not a whole number"
        if not _DIGITS.match(text.lstrip("-")):
            return f"{text!r} is not an integer"
        if text.startswith("-"):
            return f"{text!r} is negative"
        number = int(text)
    if number < 0:
        return f"'{number}' is negative"
    if number > MAX_COUNT:
        return f"'{number}' is absurdly large (over {MAX_COUNT:,})"
    return None


def _finish(raw: pl.DataFrame, hmap: HeaderMap, label: str, **meta: object) -> ProtocolTable:
    frame = _assemble(raw, hmap)
    problems = _value_problems(frame, label)
    if problems:
        raise InputError(problems)
    casts = [
        pl.col(c).str.strip_chars().cast(pl.Int64)
        for c in frame.columns
        if frame.schema[c] == pl.String and (c in COUNT_FIELDS or is_party_column(c))
    ]
    if casts:
        frame = frame.with_columns(casts)
    return ProtocolTable(frame=frame, parties=list(hmap.parties), source=label, **meta)  # type: ignore[arg-type]


def read_protocols(
    source: Path | str | bytes, *, profile: str | None = None, name: str | None = None
) -> ProtocolTable:
    """Read and validate a protocol file: canonical CSV, a profile's layout, or a zip of one.

    ``source`` is a path, or the file's bytes (then ``name`` labels messages).  Raises
    ``InputError`` listing every structural problem (unknown or missing columns, bad
    encoding, malformed rows, empty, fractional, negative or absurd values, duplicate
    stations); control relations are checked separately by ``check``.
    """
    prof = get_profile(profile)
    data, label = _load(source, name)
    header, start, synthetic, note = _preamble(data, label)
    hmap = prof.map_header(header, label)
    raw = _to_frame(data, start, hmap, len(header), label)
    return _finish(raw, hmap, label, synthetic=synthetic, note=note, profile=prof.code)


def read_protocols_json(
    items: Sequence[Mapping[str, object]] | Iterable[Mapping[str, object]],
    *,
    name: str = "protocols",
    synthetic: bool = False,
) -> ProtocolTable:
    """Validate protocol objects (canonical field names) exactly as the CSV reader does.

    Each item is one protocol, e.g. ``{"station": "1", "registered": 900, ...,
    "party:Nur Otan": 400}``; numbers may be JSON integers or digit strings.
    """
    rows = list(items)
    if not rows:
        raise InputError(f"{name}: no protocols")
    header: list[str] = []
    problems: list[str] = []
    for i, item in enumerate(rows, start=1):
        if not isinstance(item, Mapping):
            problems.append(f"{name} item {i}: not an object: {item!r}")
            continue
        for key in item:
            if key not in header:
                header.append(str(key))
    if problems:
        raise InputError(problems)
    hmap = get_profile(DEFAULT_PROFILE).map_header(header, name)
    columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(len(header))}
    for item in rows:
        for i, key in enumerate(header):
            columns[f"c{i}"].append(_json_text(item.get(key)))
    raw = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return _finish(raw, hmap, name, synthetic=synthetic)


def protocol_from_mapping(item: Mapping[str, object], *, name: str = "protocol") -> ProtocolTable:
    """One protocol object as a one-row table (same validation as files)."""
    return read_protocols_json([item], name=name)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return repr(value)  # a boolean is not a count: reported as "not an integer"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else f"{value}"
    return str(value)
