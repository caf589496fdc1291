"""Analysis of results: what-if, proportionality, projections from polls, forensics.

One module per concept: :mod:`~saylau.analysis.proportionality`,
:mod:`~saylau.analysis.whatif`, :mod:`~saylau.analysis.projection`,
:mod:`~saylau.analysis.forensics` and :mod:`~saylau.analysis.charts` (images).
"""

from saylau.analysis.proportionality import INDEX_KEYS, indices

__all__ = ["INDEX_KEYS", "indices"]
