"""Observers: the accreditation registry, the CEC-style summary and irregularity reports.

The registry is a CSV file, one observer a row::

    id,name,kind,affiliation,organisation,country,contests,stations,accredited_from,accredited_to,synthetic

``kind`` is ``international`` or ``domestic``; ``affiliation`` is ``organisation``
(on behalf of ``organisation``) or ``individual``; ``contests`` and ``stations`` are
``;``-separated (empty: all); ``synthetic`` marks placeholder records where the
real names are not public.  Reports of irregularities name the station they
concern and attach to it: ``id,observer,station,contest,reported_at,category,description``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from saylau.errors import InputError, NotFoundError
from saylau.institutions._util import read_csv
from saylau.jsonable import Record, json_fields

KINDS = ("international", "domestic")
AFFILIATIONS = ("organisation", "individual")
#: Bundled registries, by name (``saylau observers summary kz-2021``).
BUNDLED = {"kz-2021": "institutions-kz-2021-observers.csv"}
_TRUE = {"true", "yes", "1", "y"}
DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Observer:
    """One accredited observer."""

    id: str
    name: str
    kind: str
    affiliation: str
    organisation: str
    country: str
    contests: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    accredited_from: date | None = None
    accredited_to: date | None = None
    synthetic: bool = False

    def may_observe(self, station: str, day: date | None = None) -> bool:
        """Whether the accreditation covers ``station`` (and ``day`` when given)."""
        if self.stations and station not in self.stations:
            return False
        if day is None:
            return True
        starts = self.accredited_from is None or self.accredited_from <= day
        return starts and (self.accredited_to is None or day <= self.accredited_to)

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self, organisation=self.organisation or None)


@dataclass(frozen=True)
class ObserverSummary:
    """The summary a CEC publishes about accredited international observers."""

    total: int
    international: int
    domestic: int
    from_organisations: int
    organisations: dict[str, int]  # organisation -> observers, largest first
    individual: int
    countries: int  # distinct countries of the international observers
    synthetic: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "international": self.international,
            "domestic": self.domestic,
            "from_organisations": self.from_organisations,
            "organisation_count": len(self.organisations),
            "organisations": [
                {"organisation": o, "observers": n} for o, n in self.organisations.items()
            ],
            "individual": self.individual,
            "countries": self.countries,
            "synthetic_records": self.synthetic,
        }

    def lines(self) -> list[str]:
        """The summary as the CEC words it."""
        orgs = "; ".join(f"{o} {n}" for o, n in self.organisations.items())
        return [
            f"{self.international} international observers: {self.from_organisations} from "
            f"{len(self.organisations)} organisations and {self.countries} countries ({orgs}) "
            f"and {self.individual} individual observers",
            f"{self.domestic} domestic observers",
        ]


@dataclass(frozen=True)
class Registry:
    """The accredited observers of an election."""

    observers: tuple[Observer, ...]

    def get(self, observer_id: str) -> Observer:
        for obs in self.observers:
            if obs.id == observer_id:
                return obs
        raise NotFoundError(f"observer '{observer_id}' is not accredited")

    def at_station(self, station: str) -> list[Observer]:
        return [o for o in self.observers if station in o.stations]

    def summary(self) -> ObserverSummary:
        intl = [o for o in self.observers if o.kind == "international"]
        by_org = Counter(o.organisation for o in intl if o.affiliation == "organisation")
        return ObserverSummary(
            total=len(self.observers),
            international=len(intl),
            domestic=len(self.observers) - len(intl),
            from_organisations=sum(by_org.values()),
            organisations=dict(sorted(by_org.items(), key=lambda kv: (-kv[1], kv[0]))),
            individual=sum(o.affiliation == "individual" for o in intl),
            countries=len({o.country for o in intl if o.country}),
            synthetic=sum(o.synthetic for o in self.observers),
        )


def _date(text: str, where: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where} '{text}' is not YYYY-MM-DD")
        return None


def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(";") if s.strip())


def read_registry(path: str | Path) -> Registry:
    """Read an accreditation registry CSV, or a bundled one by name (``kz-2021``)."""
    if str(path) in BUNDLED:
        return read_registry(DATA / BUNDLED[str(path)])
    name = Path(path).name
    problems: list[str] = []
    observers: list[Observer] = []
    seen: set[str] = set()
    for row_no, row in read_csv(path, ("id", "kind", "affiliation", "country")):
        where = f"{name} row {row_no}:"
        if not row["id"]:
            problems.append(f"{where} id is empty")
        elif row["id"] in seen:
            problems.append(f"{where} id '{row['id']}' appears twice")
        seen.add(row["id"])
        if row["kind"] not in KINDS:
            problems.append(f"{where} kind '{row['kind']}' is not one of {', '.join(KINDS)}")
        if row["affiliation"] not in AFFILIATIONS:
            problems.append(
                f"{where} affiliation '{row['affiliation']}' is not one of "
                f"{', '.join(AFFILIATIONS)}"
            )
        org = row.get("organisation", "")
        if row["affiliation"] == "organisation" and not org:
            problems.append(f"{where} organisation is empty for an organisation's observer")
        if row["kind"] == "international" and not row["country"]:
            problems.append(f"{where} country is empty for an international observer")
        start = _date(row.get("accredited_from", ""), f"{where} accredited_from", problems)
        end = _date(row.get("accredited_to", ""), f"{where} accredited_to", problems)
        if start and end and end < start:
            problems.append(f"{where} accredited_to '{end}' is before accredited_from '{start}'")
        observers.append(
            Observer(
                row["id"],
                row.get("name", ""),
                row["kind"],
                row["affiliation"],
                org,
                row["country"],
                _split(row.get("contests", "")),
                _split(row.get("stations", "")),
                start,
                end,
                row.get("synthetic", "").casefold() in _TRUE,
            )
        )
    if problems:
        raise InputError(problems)
    return Registry(tuple(observers))


@dataclass(frozen=True)
class IrregularityReport(Record):
    """An observer's report of an irregularity at a polling station."""

    id: str
    observer: str
    station: str
    contest: str
    reported_at: datetime
    category: str
    description: str


def check_reports(registry: Registry, reports: Iterable[IrregularityReport]) -> list[str]:
    """Problems with reports: unknown observer, or a station/date outside the accreditation."""
    problems: list[str] = []
    ids = {o.id: o for o in registry.observers}
    for rep in reports:
        obs = ids.get(rep.observer)
        if obs is None:
            problems.append(f"report '{rep.id}': observer '{rep.observer}' is not accredited")
        elif not obs.may_observe(rep.station, rep.reported_at.date()):
            problems.append(
                f"report '{rep.id}': observer '{rep.observer}' is not accredited "
                f"for station '{rep.station}' on {rep.reported_at.date()}"
            )
    return problems


def read_reports(path: str | Path) -> list[IrregularityReport]:
    """Read irregularity reports from CSV (every bad row reported at once)."""
    name = Path(path).name
    problems: list[str] = []
    out: list[IrregularityReport] = []
    cols = ("id", "observer", "station", "reported_at", "category", "description")
    for row_no, row in read_csv(path, cols):
        where = f"{name} row {row_no}:"
        for col in ("id", "observer", "station", "category"):
            if not row[col]:
                problems.append(f"{where} {col} is empty")
        try:
            when = datetime.fromisoformat(row["reported_at"])
        except ValueError:
            problems.append(f"{where} reported_at '{row['reported_at']}' is not an ISO date-time")
            continue
        out.append(
            IrregularityReport(
                row["id"],
                row["observer"],
                row["station"],
                row.get("contest", ""),
                when,
                row["category"],
                row["description"],
            )
        )
    if problems:
        raise InputError(problems)
    return out


def by_station(reports: Sequence[IrregularityReport]) -> dict[str, list[IrregularityReport]]:
    """Reports grouped by the station they attach to."""
    out: dict[str, list[IrregularityReport]] = {}
    for rep in reports:
        out.setdefault(rep.station, []).append(rep)
    return out
