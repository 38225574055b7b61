"""What every service's domain stands on: the aggregate base and the domain's refusals. Pure: no I/O."""

from kite_common.domain.aggregate import Aggregate
from kite_common.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    StaleVersion,
    Unavailable,
)

__all__ = [
    "Aggregate",
    "BadRequest",
    "Conflict",
    "DomainError",
    "Forbidden",
    "NotFound",
    "RuleViolation",
    "StaleVersion",
    "Unavailable",
]
