"""API keys: random, shown once, stored as a SHA-256 (they carry 256 bits, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.models import ApiKey
from app.db.repositories import accounts as account_repo
from app.db.repositories import auth as auth_repo
from app.db.repositories.pagination import Page
from app.db.session import reading
from app.domain.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from app.domain.listing import EVERYTHING, Narrowing
from app.services import audit

ROLES = ("admin", "sales", "approver", "finance", "scheduler", "portal")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's id and role, and for a portal key the one account it may see."""

    key_id: uuid.UUID | None
    role: str
    account_id: uuid.UUID | None = None


#: The caller for work started from the command line by an operator.
OPERATOR = Caller(key_id=None, role="admin")


def unauthenticated(header: str | None) -> Unauthenticated:
    """The refusal of a request without a usable key: none sent, or one unknown or revoked."""
    return Unauthenticated("this API key is unknown or revoked" if header else
                           "send an API key as 'Authorization: Bearer <key>'")


def admit(caller: Caller, roles: tuple[str, ...]) -> None:
    """Refuse a caller whose role is not among `roles`; admin may do everything."""
    if caller.role != "admin" and caller.role not in roles:
        raise Forbidden(f"a {caller.role} key cannot do this; it needs one of: {', '.join(('admin', *roles))}")


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    session: Session, *, caller: Caller, role: str, account_id: uuid.UUID | None, name: str | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored and cannot be shown again."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if (role == "portal") != (account_id is not None):
        raise InvalidInput("a portal key needs an account, and only a portal key is bound to one")
    with session.begin():
        if account_id is not None and account_repo.account(session, account_id) is None:
            raise InvalidInput(f"account {account_id} does not exist")
        token = f"cpq_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_hash=hash_key(token), prefix=token[:10], role=role, account_id=account_id, name=name)
        session.add(key)
        session.flush()
        audit.record(session, caller, "api_key.created", "api_key", key.id, {"role": role})
    return key, token


def revoke_key(session: Session, *, caller: Caller, key_id: uuid.UUID, now: datetime) -> ApiKey:
    """Revoke a key for good; its next request is refused, in every process. Revoking it again changes nothing."""
    with session.begin():
        key = auth_repo.key(session, key_id)
        if key is None:
            raise NotFound(f"API key {key_id} does not exist")
        if key.revoked_at is None:
            key.revoked_at = now
            audit.record(session, caller, "api_key.revoked", "api_key", key.id, {"role": key.role})
    return key


def list_keys(session: Session, *, limit: int, cursor: str | None, by: Narrowing = EVERYTHING) -> Page[ApiKey]:
    with reading(session):
        return auth_repo.list_keys(session, limit=limit, cursor=cursor, by=by)
