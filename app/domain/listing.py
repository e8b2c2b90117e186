"""What any list may be narrowed to beyond its own filters, the same way on every list that takes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Narrowing:
    """Objects made strictly after `created_after` and strictly before `created_before` (UTC), whose metadata
    holds every pair of `metadata`, whose `external_id` is the one given; a field left empty narrows nothing."""

    created_after: datetime | None = None
    created_before: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    external_id: str | None = None


EVERYTHING = Narrowing()
