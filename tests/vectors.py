"""Shared test vectors (design/../vectors), loaded from the repository's sibling `shared/` directory.

The vectors are data, not code: the unit tests and the API tests read them through this loader so
that both check the same cases, and one erratum is recorded here once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: `<repository root>/../shared/vectors/seat-additions.json`
SEAT_ADDITIONS_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "seat-additions.json"

#: Vector values that contradict DOMAIN.md, keyed by (contract_start, effective_date).
#:
#: contract_start 2026-10-30, quarterly billing, `monthly_daily`, +29 × 957.09 on 2027-03-05: the period
#: is [2027-01-30, 2027-04-30), the fraction (1 + 25/30)/3 = 55/90, and the exact amount is
#: 27755.61 × 3 × 55/90 = 50885.285 exactly, which half-up rounding (DOMAIN.md, "Prices") makes
#: 50885.29. The vector's 50885.28 is a floating-point artefact: in binary the product is 50885.28499….
#: The term (6 months) ends with that period, so the remaining term value is the same amount.
KNOWN_VECTOR_ERRATA: dict[tuple[str, str], dict[str, str]] = {
    ("2026-10-30", "2027-03-05"): {"amount_due_now": "50885.29", "remaining_term_value": "50885.29"},
}


def seat_addition_vectors() -> list[dict[str, Any]]:
    """The "vectors" list of seat-additions.json; a missing file is an error, never a skip."""
    if not SEAT_ADDITIONS_PATH.is_file():
        raise FileNotFoundError(
            f"seat-addition vectors not found at {SEAT_ADDITIONS_PATH}; "
            "they live in the shared/ directory beside the repository"
        )
    with SEAT_ADDITIONS_PATH.open(encoding="utf-8") as file:
        vectors: list[dict[str, Any]] = json.load(file)["vectors"]
    return vectors


def expected(vector: dict[str, Any], field: str) -> str:
    """The value `field` should have: the recorded erratum if there is one, else the vector's own."""
    erratum = KNOWN_VECTOR_ERRATA.get((vector["contract_start"], vector["effective_date"]), {})
    return str(erratum.get(field, vector[field]))
