"""Electoral law as data: law files (TOML), bundled presets and :class:`Law`."""

from saylau.law.load import list_presets, load_law, parse_law, preset_names
from saylau.law.model import Law, LawResult, Tier, TierResult

__all__ = [
    "Law",
    "LawResult",
    "Tier",
    "TierResult",
    "list_presets",
    "load_law",
    "parse_law",
    "preset_names",
]
