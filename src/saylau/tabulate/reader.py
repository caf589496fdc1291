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
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from saylau.errors import InputError
from saylau.tabulate.fields import (
    COUNT_FIELDS,
    ID_FIELDS,
    MAX_CELL_BYTES,
    MAX_COUNT,
    ROW,
    STATION,
    is_party_column,
    text_problem,
)
from saylau.tabulate.profile import (
    DEFAULT_PROFILE,
    HeaderMap,
    Profile,
    detect_profile,
    get_profile,
)

#: Report at most this many problems of one file (then a count of the rest).
MAX_PROBLEMS = 1000

_SYNTHETIC = re.compile(r"^#\s*synthetic\b[:\s]*(.*)$", re.IGNORECASE)
# ASCII digits only: "\d" would read full-width "１２３" as 123 (the API refuses it too).
_FRACTION = re.compile(r"^[+-]?[0-9]*[.,][0-9]+$|^[+-]?[0-9]+[.,][0-9]*$")
_DIGITS = re.compile(r"^\+?[0-9]+$")
_NON_ASCII = r"[^\x00-\x7F]"
#: ``fields.FORBIDDEN_CATEGORIES`` as a polars (Rust) regex, to find the rows to name.
_ODD = r"[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]"

#: Default cap of a zipped protocol file's decompressed size (bytes).
MAX_UNZIPPED = 1024 * 1024 * 1024


@dataclass
class ProtocolTable:
    """Validated station protocols in canonical columns.

    ``frame`` has the ``row`` column (1 = first protocol row after the header), the
    identification fields present (``station`` always, text), the accounting fields
    present (Int64, no nulls) and one ``party:<name>`` Int64 column per party in file
    (ballot) order.  ``synthetic`` is true when the file carries the ``# synthetic``
    label; ``note`` is the label's text.  ``warnings`` are the read's notes, one line
    each (a ``Note`` may carry detail lines, e.g. every row skipped without data).
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


def _unzip(zf: zipfile.ZipFile, member: zipfile.ZipInfo, label: str, cap: int) -> bytes:
    """The member's bytes, read in chunks and refused past ``cap`` (the declared size
    of a zip entry may lie, so it is counted, not trusted)."""
    too_big = f"{label}: {member.filename} unpacks to more than {cap:,} bytes (refused)"
    if member.file_size > cap:
        raise InputError(too_big)
    out, size = [], 0
    with zf.open(member) as stream:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > cap:
                raise InputError(too_big)
            out.append(chunk)
    return b"".join(out)


def _load(
    source: Path | str | bytes, name: str | None, max_unzipped: int = MAX_UNZIPPED
) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        data, label = source, name or "protocols"
    else:
        path = Path(source)
        label = name or path.name
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"{name or source}: cannot read: {err.strerror or err}") from None
    if label.lower().endswith(".zip") and data[:4] != b"PK\x03\x04":
        raise InputError(
            f"{label}: not a zip file (named .zip, but its content is not a zip archive)"
        )
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
                data = _unzip(zf, csvs[0], label, max_unzipped)
                label = f"{label}:{csvs[0].filename}"
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as err:
            raise InputError(f"{label}: broken zip archive: {err}") from None
    return data, label


class _NotUtf8(Exception):
    """The file is not valid UTF-8; ``message`` names the first bad byte."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: Separators a protocol file may use, in order of preference on a tie.
SEPARATORS: tuple[str, ...] = (",", ";", "\t")


def _fields(line: str, sep: str) -> int:
    return len(next(csv.reader([line], delimiter=sep), []))


def _separator(header: str, sample: list[str]) -> str:
    """Comma, semicolon or tab: the one splitting the header into the most cells that
    the first data rows agree with (a Russian header's cells hold commas of their own,
    so the header alone could mislead); comma when nothing splits."""
    best, score = ",", (False, 1)
    for sep in SEPARATORS:
        n = _fields(header, sep)
        if n <= 1:
            continue
        agree = all(_fields(line, sep) == n for line in sample)
        if (agree, n) > score:
            best, score = sep, (agree, n)
    return best


def _preamble(data: bytes, label: str) -> tuple[list[str], int, bool, str, str]:
    """Header cells, the byte offset of the first data row, synthetic flag, note and
    the separator."""
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
            bad = line_bytes[err.start : err.start + 1]
            raise _NotUtf8(
                f"{label}: not UTF-8 (byte {offset + pos + err.start}: {bad!r})"
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
        first = len(data) if end < 0 else end + 1
        # a few data rows to confirm the separator (decoded leniently: only counted)
        sample_end = first
        for _ in range(5):
            nxt = data.find(b"\n", sample_end)
            if nxt < 0:
                sample_end = len(data)
                break
            sample_end = nxt + 1
        sample = [
            ln
            for ln in data[first:sample_end].decode("utf-8", errors="replace").splitlines()
            if ln.strip()
        ]
        sep = _separator(line, sample)
        header = next(csv.reader([line], delimiter=sep))
        return header, offset + first, synthetic, note, sep
    raise InputError(f"{label}: empty file (no header, no protocol rows)")


#: Windows-1251 bytes of Cyrillic letters (А-я 0xC0-0xFF, Ё ё) and the typography of
#: Russian text (№ « » – —).
_CP1251_CYRILLIC = bytes(range(0xC0, 0x100)) + b"\xa8\xb8\xb9\xab\xbb\x96\x97"
_HIGH = bytes(range(0x80, 0x100))
_MIXED = re.compile(rb"[A-Za-z][\xc0-\xff]|[\xc0-\xff][A-Za-z]")


def _recode(data: bytes, problem: str) -> tuple[bytes, str]:
    """A UTF-16 or Windows-1251 file as UTF-8 bytes and the encoding's name, or one
    clear ``InputError``.  Windows-1251 only when next to no non-ASCII byte forms valid UTF-8
    (damaged UTF-8 stays an error) and its non-ASCII bytes are Cyrillic words:
    cp1251 decodes nearly any bytes, so a guess on less would hide a broken file behind
    mojibake.  Counted with ``bytes.translate``, not per character."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "UTF-16"
        except UnicodeDecodeError:
            raise InputError(f"{problem}: broken UTF-16; save the file as UTF-8") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lenient = data.decode("utf-8", errors="replace")
    high = len(data) - len(data.translate(None, _HIGH))
    replaced = lenient.count("\ufffd")
    # non-ASCII characters that are valid UTF-8: many in damaged UTF-8, a handful by
    # chance in cp1251 ("Орёл": 0xD0 0xB8 is valid UTF-8)
    valid_utf8 = len(lenient) - (len(data) - high) - replaced
    if valid_utf8 <= 0.01 * replaced:
        cyrillic = len(data) - len(data.translate(None, _CP1251_CYRILLIC))
        # Latin-1 "Zürich" would read as "Zьrich": Cyrillic glued to Latin letters
        mixed = len(_MIXED.findall(data))
        if high and cyrillic >= 0.9 * high and mixed <= 0.01 * cyrillic:
            try:
                return data.decode("cp1251").encode("utf-8"), "Windows-1251 (cp1251)"
            except UnicodeDecodeError:  # 0x98 is unassigned in cp1251
                pass
    raise InputError(f"{problem}; neither UTF-8 nor Windows-1251 text: save the file as UTF-8")


def _schema(hmap: HeaderMap, width: int, typed: bool) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {}
    for i in range(width):
        target = hmap.columns.get(i)
        numeric = target is not None and (target in COUNT_FIELDS or is_party_column(target))
        schema[f"c{i}"] = pl.Int64() if (numeric and typed) else pl.String()
    return schema


def _scan_structure(data: bytes, start: int, width: int, label: str, sep: str) -> list[str]:
    """Name the malformed rows (bad UTF-8, quoting, field count): the slow path."""
    problems: list[str] = []
    body = data[start:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        line = body.count(b"\n", 0, err.start) + 1
        bad = body[err.start : err.start + 1]
        raise _NotUtf8(f"{label} row {line}: not UTF-8 (byte {bad!r})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=sep)
    try:
        for number, row in enumerate(reader, start=1):
            if row and len(row) != width:
                problems.append(f"{label} row {number}: {len(row)} fields, the header has {width}")
                if len(problems) >= MAX_PROBLEMS:
                    break
    except csv.Error as err:
        problems.append(f"{label} row {reader.line_num}: malformed CSV: {err}")
    return problems or [f"{label}: malformed CSV"]


def _to_frame(
    data: bytes, start: int, hmap: HeaderMap, width: int, label: str, sep: str
) -> pl.DataFrame:
    body = data[start:]
    if not body.strip():
        raise InputError(f"{label}: no protocol rows after the header")
    # Typed first; on e.g. "1234.0" (pandas writes counts with empty cells as floats),
    # an empty cell or a typo, read as text so that the checks name every bad value.
    for typed in (True, False):
        try:
            return pl.read_csv(
                body,
                has_header=False,
                schema=_schema(hmap, width, typed),
                encoding="utf8",
                separator=sep,
            )
        except (pl.exceptions.PolarsError, ValueError):
            continue
    raise InputError(_scan_structure(data, start, width, label, sep))


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


def _int_text(col: pl.Expr) -> pl.Expr:
    """A count cell as integer text: stripped, a whole float's ".0" dropped (pandas
    writes every count of a column with a missing value as "1234.0").  A literal
    suffix, not a regex: this runs over every cell of a text-read file."""
    return col.str.strip_chars().str.strip_suffix(".0")


def _is_empty(frame: pl.DataFrame, c: str) -> pl.Expr:
    col = pl.col(c)
    if frame.schema[c] == pl.String:
        return col.is_null() | (col.str.strip_chars() == "")
    return col.is_null()


def _validate(frame: pl.DataFrame, label: str) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Skip rows with every count empty (stations without a protocol, with a warning);
    report empty, non-integer, fractional, negative and absurd values, empty and
    duplicate ids.  Returns the kept rows with every count Int64, the problems and the
    warnings."""
    problems: list[str] = []
    warnings: list[str] = []
    counts = [c for c in frame.columns if c in COUNT_FIELDS or is_party_column(c)]
    # Text columns (the slow path) are parsed once; a bad value becomes null, and the
    # text of the flagged rows is kept to describe it.
    texts = [c for c in counts if frame.schema[c] == pl.String]
    typed = frame.with_columns(
        pl.when(pl.col(c).str.contains(_NON_ASCII))
        .then(None)
        .otherwise(_int_text(pl.col(c)).cast(pl.Int64, strict=False))
        .alias(c)
        for c in texts
    )
    problems += _name_problems(frame, label)
    checks: list[pl.Expr] = [pl.col(STATION).is_null() | (pl.col(STATION) == "")]
    checks += [pl.col(c).is_null() | (pl.col(c) < 0) | (pl.col(c) > MAX_COUNT) for c in counts]
    mask = typed.select(pl.any_horizontal(checks)).to_series()
    # Only the (normally few) flagged rows are looked at again, so the all-empty test
    # costs nothing on a clean file.
    bad = frame.filter(mask)
    if bad.height:
        blank = pl.all_horizontal([_is_empty(bad, c) for c in counts])
        empty = bad.filter(blank)
        bad = bad.filter(~blank)
        if empty.height:
            warnings.append(_skipped_note(label, empty))
            typed = typed.filter(~pl.col(ROW).is_in(empty[ROW].implode()))
    frame = typed
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
    # Distinct 64-bit hashes prove the ids distinct (~10x cheaper than comparing the
    # strings, which was a fifth of reading a 1M-row file); equal hashes, a duplicate or
    # a collision, fall back to the exact comparison.
    hashes = frame.select(pl.col(STATION).hash(seed=0)).to_series()
    if hashes.n_unique() < frame.height:
        dups = (
            frame.filter(pl.col(STATION).is_duplicated() & (pl.col(STATION) != ""))
            .group_by(STATION, maintain_order=True)
            .agg(pl.col(ROW))
        )
        for station, rows in dups.head(MAX_PROBLEMS).iter_rows():
            listed = ", ".join(str(r) for r in rows)
            problems.append(f"{label}: duplicate station {station!r} in rows {listed}")
    if not problems and frame.height == 0:
        problems.append(f"{label}: no protocol with data (every row's counts are empty)")
    return frame, problems, warnings


def _name_problems(frame: pl.DataFrame, label: str) -> list[str]:
    """Names (the identification columns) that are too long or hold invisible or
    reordering characters (``fields.text_problem``): one rule with the API."""
    names = [c for c in ID_FIELDS if c in frame.columns and frame.schema[c] == pl.String]
    if not names:
        return []
    long = pl.any_horizontal([pl.col(c).str.len_bytes() > MAX_CELL_BYTES for c in names])
    odd = pl.any_horizontal([pl.col(c).str.contains(_ODD) for c in names])
    problems: list[str] = []
    for rec in frame.filter(long | odd).head(MAX_PROBLEMS).iter_rows(named=True):
        for c in names:
            value = rec[c]
            if value is None:
                continue
            if len(value.encode()) > MAX_CELL_BYTES:
                problem: str | None = f"is longer than {MAX_CELL_BYTES:,} bytes"
            else:
                problem = text_problem(value)
            if problem:
                problems.append(f"{label} row {rec[ROW]}: {c} {value[:40]!r} {problem}")
    return problems


class Note(str):
    """A note of a read: one line of text, and the lines behind it in ``details``.

    A ``str`` so that every list of notes (``ProtocolTable.warnings``, the
    ``warnings`` of a tabulation's JSON) stays a list of one-line strings; a real
    file can skip thousands of rows, and one line each would bury everything else.
    """

    details: tuple[str, ...]

    def __new__(cls, text: str, details: Sequence[str] = ()) -> Note:
        note = super().__new__(cls, text)
        note.details = tuple(details)
        return note


#: Station ids named in the one-line summary of the rows skipped without data.
SKIPPED_SHOWN = 3


def _skipped_note(label: str, empty: pl.DataFrame) -> Note:
    """One line for the rows without data (count, first few station ids); every row in
    ``details``."""
    rows = [(rec[ROW], rec[STATION] or "") for rec in empty.iter_rows(named=True)]
    shown = ", ".join(repr(station) for _, station in rows[:SKIPPED_SHOWN])
    rest = len(rows) - SKIPPED_SHOWN
    more = f" and {rest:,} more" if rest > 0 else ""
    stations = "station" if len(rows) == 1 else "stations"
    return Note(
        f"{label}: skipped {len(rows):,} row(s) without data (every count empty): "
        f"{stations} {shown}{more}",
        [f"{label} row {row} (station {station!r}): no data, skipped" for row, station in rows],
    )


def _describe(value: object) -> str | None:
    if value is None:
        return "is empty"
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if text == "":
            return "is empty"
        if len(text.encode()) > MAX_CELL_BYTES:
            return f"is longer than {MAX_CELL_BYTES:,} bytes"
        if text.endswith(".0") and _DIGITS.match(text[:-2]):
            text = text[:-2]
        elif _FRACTION.match(text):
            return f"{text!r} is fractional, not a whole number"
        if re.search(_NON_ASCII, text):
            return f"{text[:40]!r} is not an integer (digits must be ASCII 0-9)"
        if not _DIGITS.match(text.lstrip("-")):
            return f"{text[:40]!r} is not an integer"
        if text.startswith("-"):
            return f"{text!r} is negative"
        if len(text) > 30:  # int() of 5,000 digits is refused (and slow)
            return f"'{text[:20]}…' is absurdly large (over {MAX_COUNT:,})"
        number = int(text)
    if number < 0:
        return f"'{number}' is negative"
    if number > MAX_COUNT:
        return f"'{number}' is absurdly large (over {MAX_COUNT:,})"
    return None


def _finish(
    raw: pl.DataFrame,
    hmap: HeaderMap,
    label: str,
    warnings: list[str] | None = None,
    **meta: object,
) -> ProtocolTable:
    frame = _assemble(raw, hmap)
    frame, problems, skipped = _validate(frame, label)
    for party in hmap.parties:
        problem = text_problem(party)
        if problem:
            problems.append(f"{label} header: party {party[:40]!r} {problem}")
    if problems:
        raise InputError(problems)
    notes = [*(warnings or []), *skipped]
    if "valid" in hmap.derived:
        terms = [c for c in frame.columns if is_party_column(c)]
        terms += [c for c in ("against_all",) if c in frame.columns]
        order = [c for c in frame.columns if not is_party_column(c)]
        # canonical order: valid after invalid (before lost, unaccounted, against_all)
        at = next(
            (i for i, c in enumerate(order) if c in COUNT_FIELDS[COUNT_FIELDS.index("valid") :]),
            len(order),
        )
        order.insert(at, "valid")
        order += [c for c in frame.columns if is_party_column(c)]
        frame = frame.with_columns(
            pl.sum_horizontal([pl.col(c) for c in terms]).cast(pl.Int64).alias("valid")
        ).select(order)
        names = ", ".join(hmap.parties) + (" + against all" if "against_all" in terms else "")
        notes.append(
            f"{label}: no valid-ballots column; valid derived as the sum of the votes ({names})"
        )
    return ProtocolTable(
        frame=frame,
        parties=list(hmap.parties),
        source=label,
        warnings=notes,
        **meta,  # type: ignore[arg-type]
    )


def read_protocols(
    source: Path | str | bytes,
    *,
    profile: str | None = None,
    name: str | None = None,
    max_unzipped: int = MAX_UNZIPPED,
) -> ProtocolTable:
    """Read and validate a protocol file: canonical CSV, a profile's layout, or a zip of one.

    ``source`` is a path, or the file's bytes (then ``name`` labels messages).  Without
    ``profile`` the header picks it: canonical, else the one bundled profile that maps
    it (``detect_profile``; a warning names it).  The separator (comma, semicolon or
    tab) is read from the header; UTF-8 (with or without BOM) is expected, a UTF-16 or
    Windows-1251 file is recoded with a warning.  Rows whose counts are all empty are
    skipped with one warning (a ``Note`` whose ``details`` name every row).  Raises ``InputError`` listing every structural
    problem (unknown or missing columns, bad encoding, malformed rows, empty,
    fractional, negative or absurd values, duplicate stations); control relations are
    checked separately by ``check``.  A zip's CSV may unpack to at most
    ``max_unzipped`` bytes; no cell may be longer than ``MAX_CELL_BYTES``.
    """
    chosen = get_profile(profile) if profile else None
    data, label = _load(source, name, max_unzipped)
    try:
        try:
            return _read(data, label, chosen, [])
        except _NotUtf8 as err:
            recoded, encoding = _recode(data, err.message)
        return _read(recoded, label, chosen, [f"{label}: not UTF-8, read as {encoding}"])
    except csv.Error as err:  # the csv module's cell limit (128 KiB), met before polars
        raise InputError(_long_cells(data, label) or [f"{label}: malformed CSV: {err}"]) from None


def _long_cells(data: bytes, label: str) -> list[str]:
    """Name the cells longer than ``MAX_CELL_BYTES``, by row and column (the slow path:
    only after the csv module refused one).  Cells are split on the header's separator
    without quoting rules: a long line names its first over-long cell."""
    lines = data.split(b"\n")
    at = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith(b"#")), 0)
    head = lines[at].decode("utf-8", errors="replace").lstrip("\ufeff")
    sep = max(SEPARATORS, key=head.count)
    header = head.rstrip("\r").split(sep)
    problems = []
    for number, line in enumerate(lines[at:], start=0):
        if len(line) <= MAX_CELL_BYTES:
            continue
        cells = line.split(sep.encode())
        col = next((i for i, c in enumerate(cells) if len(c) > MAX_CELL_BYTES), 0)
        column = header[col] if col < len(header) and number else f"column {col + 1}"
        where = f"{label} row {number}" if number else f"{label} header"
        problems.append(f"{where}: {column} is longer than {MAX_CELL_BYTES:,} bytes")
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def _read(data: bytes, label: str, prof: Profile | None, notes: list[str]) -> ProtocolTable:
    header, start, synthetic, note, sep = _preamble(data, label)
    if prof is None:
        prof, hmap = detect_profile(header, label)
        if prof.code != DEFAULT_PROFILE:
            notes.append(
                f"{label}: no profile given; the header is {prof.title!r} (profile {prof.code!r})"
            )
    else:
        hmap = prof.map_header(header, label)
    raw = _to_frame(data, start, hmap, len(header), label, sep)
    return _finish(raw, hmap, label, notes, synthetic=synthetic, note=note, profile=prof.code)


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
