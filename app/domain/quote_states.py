"""The quote state machine, as one table: which action moves a quote from which status to which.

Every use case that changes a quote's status (edit, approve, finalize, accept, decline, cancel, expire,
going stale, the renewal run) asks this table, so a status can only be reached the way docs/domain.md says.
"""

from __future__ import annotations

from app.domain.errors import Conflict

EDITABLE = ("draft", "needs_approval", "approved")
#: Statuses from which a renewal quote can still renew its contract at the term end (auto-renew).
LIVE = (*EDITABLE, "open", "stale")
#: Statuses after which a quote never changes again.
CLOSED = ("accepted", "declined", "expired", "cancelled")

#: (status, action) → the status it leads to. `edit` leads to draft or needs_approval, decided by pricing.
TRANSITIONS: dict[tuple[str, str], str] = {
    **{(status, "edit"): "draft" for status in EDITABLE},
    ("needs_approval", "approve"): "approved",
    ("draft", "finalize"): "open",
    ("approved", "finalize"): "open",
    ("open", "accept"): "accepted",
    ("open", "decline"): "declined",
    # Past its validity, or a renewal quote whose contract expired without it.
    **{(status, "expire"): "expired" for status in (*EDITABLE, "open", "stale")},
    # A renewal quote that went stale, or lapsed unanswered, is priced again on the contract as it stands.
    ("stale", "reprice"): "draft",
    ("expired", "reprice"): "draft",
    **{(status, "cancel"): "cancelled" for status in (*EDITABLE, "open", "stale")},
    # The contract changed underneath: an amendment prepared on an older version can no longer be accepted.
    **{(status, "go_stale"): "stale" for status in (*EDITABLE, "open")},
    # The renewal run renews an auto-renew contract with its renewal quote's prices at the term end.
    **{(status, "auto_renew"): "accepted" for status in LIVE},
}


class QuoteTransitionRefused(Conflict):
    code = "quote_not_editable"
    title = "Quote cannot change in its status"


def allowed_from(action: str) -> tuple[str, ...]:
    """The statuses `action` can start from, in the table's order."""
    return tuple(status for status, name in TRANSITIONS if name == action)


def can(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS


def transition(status: str, action: str, *, number: str, verb: str | None = None) -> str:
    """The status `action` leads to from `status`, or a refusal naming the statuses it needs."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = " or ".join(allowed_from(action))
        raise QuoteTransitionRefused(
            f"quote {number} is {status}; it can be {verb or action + 'ed'} only when {allowed}"
        ) from None
