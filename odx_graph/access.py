"""Who is asking. The foundation serves the public tier only; the access layer adds keys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    """Access tiers, from least to most trusted."""

    PUBLIC = "public"
    RESIDENT = "resident"
    CONTRACTOR = "contractor"
    PROVIDER = "provider"
    REGULATOR = "regulator"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request."""

    tier: Tier = Tier.PUBLIC
    organisation_id: int | None = None
    home_id: int | None = None

    @property
    def may_read_private(self) -> bool:
        """Whether free text and person data may be returned to this caller.

        Only the public tier exists so far, and it never sees private fields; finer rules
        (a provider's own records, a resident's own home) belong with credentials.
        """
        return self.tier is Tier.ADMIN


PUBLIC = Principal()
