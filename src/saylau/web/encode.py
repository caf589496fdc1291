"""The JSON bytes of every answer, file and worker result (one encoding everywhere)."""

from __future__ import annotations

import json
from typing import Any


def to_json_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept as is)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
