"""The root of every business error. No HTTP here: `app.api.errors` maps codes to statuses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    """One reason a request is refused, pointing at the input it concerns (e.g. `("lines", 1)`)."""

    loc: tuple[str | int, ...]
    msg: str


class DomainError(Exception):
    """A business rule refused the operation; `code` names the rule, `detail` says why in words."""

    code = "domain_error"
    title = "Business rule violated"

    def __init__(self, detail: str, violations: list[Violation] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.violations = violations or []


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The object exists already, or its state does not allow the operation."""

    code = "conflict"
    title = "Conflict"


class InvalidInput(DomainError):
    """Input that is well-formed but makes no business sense (quantity 0, a discount over 100 %)."""

    code = "invalid_input"
    title = "Invalid input"


class PreconditionFailed(DomainError):
    """The caller's If-Match names a version that is no longer current."""

    code = "precondition_failed"
    title = "Precondition failed"


class Unavailable(DomainError):
    """Something the service depends on (its document storage) cannot be used now; retrying later may work."""

    code = "unavailable"
    title = "Service unavailable"


class IntegrityFailure(DomainError):
    """The service's own stored data failed a check: not the caller's fault, and not fixed by retrying."""

    code = "integrity_error"
    title = "Stored data failed an integrity check"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


@dataclass(frozen=True)
class ViolationList:
    """Collects violations so a request can be refused once, naming every bad input."""

    items: list[Violation] = field(default_factory=list)

    def add(self, loc: tuple[str | int, ...], msg: str) -> None:
        self.items.append(Violation(loc, msg))

    def raise_if_any(self, error: type[DomainError], detail: str) -> None:
        if self.items:
            raise error(detail + ": " + "; ".join(v.msg for v in self.items), list(self.items))
