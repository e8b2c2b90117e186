"""Test vectors: seat additions computed from the proration rules, kept as data in `tests/data/`.

The unit tests and the API tests both read them through this loader, so both check the same cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEAT_ADDITIONS_PATH = Path(__file__).resolve().parent / "data" / "seat-additions.json"


def seat_addition_vectors() -> list[dict[str, Any]]:
    """The "vectors" list of seat-additions.json."""
    with SEAT_ADDITIONS_PATH.open(encoding="utf-8") as file:
        vectors: list[dict[str, Any]] = json.load(file)["vectors"]
    return vectors
