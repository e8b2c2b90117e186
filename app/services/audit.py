"""The audit log: every write records the key that made it, inside the same transaction."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.db import bulk
from app.db.models import AuditEntry

if TYPE_CHECKING:
    from app.services.auth import Caller


def record(
    session: Session, caller: Caller, action: str, object_type: str, object_id: uuid.UUID | str,
    details: dict[str, Any] | None = None,
) -> None:
    bulk.add(session, AuditEntry(
        api_key_id=caller.key_id, action=action, object_type=object_type, object_id=str(object_id),
        details=details or {},
    ))
