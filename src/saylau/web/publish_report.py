"""What one publish did (:func:`saylau.web.publish.publish`): its own module, so that
the publish and its passes (:mod:`saylau.web.publish_passes`) both name it without
importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Report:
    """What one publish did: the snapshot folder, its files, which were rewritten
    (content changed) and removed, links that did not answer 200, how many files
    were rendered and whether everything was (``full``)."""

    snapshot: Path
    files: int
    written: list[str]
    removed: list[str]
    broken: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rendered: int = 0
    full: bool = True
    #: Objects uploaded and deleted by ``--to s3://`` (None: no upload).
    uploaded: list[str] | None = None
    deleted: list[str] | None = None
    #: Files carried over from the previous snapshot, to be rendered by a second pass.
    pending: list[str] = field(default_factory=list)
    #: Of a two-pass publish: the first snapshot's report (the results switched in).
    first: Report | None = None
