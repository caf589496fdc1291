"""Everything around the party-list vote (issue #7).

One module per concept: :mod:`.candidates` (lists and quota rules),
:mod:`.deputies` (seats to deputies, vacancies), :mod:`.districts` (single-member
plurality with "against all"; parallel and MMP bodies), :mod:`.indirect`
(Assembly of People of Kazakhstan sessions), :mod:`.presidential` (majority and
runoff), :mod:`.maslikhats` (many local contests), :mod:`.observers`
(accreditation registry, irregularity reports) and :mod:`.chamber` (factions,
committee posts, convocations).  Every result object has ``to_dict()``.
"""

from __future__ import annotations

from saylau.institutions.candidates import (
    Candidate,
    CandidateList,
    ListCheck,
    ListRules,
    check_lists,
    read_lists,
)
from saylau.institutions.chamber import Chamber, ChamberRules, convocation, form_chamber
from saylau.institutions.deputies import DeputyAssignment, assign_deputies, fill_vacancy
from saylau.institutions.districts import DistrictResult, MixedResult, mmp, parallel, plurality
from saylau.institutions.indirect import IndirectResult, assembly_session
from saylau.institutions.maslikhats import MaslikhatsResult, decide, read_contests
from saylau.institutions.observers import Registry, read_registry, read_reports
from saylau.institutions.presidential import PresidentialResult, first_round, runoff

__all__ = [
    "Candidate",
    "CandidateList",
    "Chamber",
    "ChamberRules",
    "DeputyAssignment",
    "DistrictResult",
    "IndirectResult",
    "ListCheck",
    "ListRules",
    "MaslikhatsResult",
    "MixedResult",
    "PresidentialResult",
    "Registry",
    "assembly_session",
    "assign_deputies",
    "check_lists",
    "convocation",
    "decide",
    "fill_vacancy",
    "first_round",
    "form_chamber",
    "mmp",
    "parallel",
    "plurality",
    "read_contests",
    "read_lists",
    "read_registry",
    "read_reports",
    "runoff",
]
