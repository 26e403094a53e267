"""Who is asking, and what each tier may see and do. No I/O: the rules as data.

Reads: every tier sees the open data (physical facts, repairs with codes, dates and costs).
Private fields (free text, file names) are shown only to callers tied to the row: the
landlord's provider keys, the assigned contractor's keys, the resident of the home, and
admins. Aggregates are suppressed and rounded for every tier but regulators and admins.
Writes: see :func:`may_write` (the same rule as the database's row-level security).
"""

from __future__ import annotations

import datetime as dt
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


class Role(StrEnum):
    """How a caller can be tied to a row (the entity's ``owners`` say by which column)."""

    LANDLORD = "landlord"  # the organisation whose record it is
    CONTRACTOR = "contractor"  # the contractor assigned to it
    HOME = "home"  # the home it is about


class Scope(StrEnum):
    """What a resident token may do (a token without scopes may do all of it)."""

    READ = "read"  # see the private fields of the home's records
    REPAIRS = "repairs"  # report repairs
    DAMP_MOULD = "damp-mould"  # report damp and mould
    SATISFACTION = "satisfaction"  # answer satisfaction questions


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request."""

    tier: Tier = Tier.PUBLIC
    organisation_id: int | None = None
    home_id: int | None = None
    api_key_id: int | None = None
    expires_at: dt.datetime | None = None  # when the key stops working, if it does
    scopes: frozenset[Scope] | None = None  # a resident token's scopes; None: all

    def has_scope(self, scope: Scope) -> bool:
        """Whether the key allows ``scope`` (only resident tokens are limited by scopes)."""
        return self.scopes is None or scope in self.scopes

    @property
    def may_read_private(self) -> bool:
        """Whether every private field of every row may be returned (admins only; other
        tiers see those of their own rows, see :meth:`owner_role`)."""
        return self.tier is Tier.ADMIN

    def owner_role(self) -> tuple[Role, int] | None:
        """The role and key by which this caller sees the private fields of rows, if any:
        a provider those of its organisation's records, a contractor those of the jobs
        assigned to it, a resident (with the read scope) those of their home's records."""
        tie = self.tie()
        if tie is not None and tie[0] is Role.HOME and not self.has_scope(Scope.READ):
            return None
        return tie

    def tie(self) -> tuple[Role, int] | None:
        """The role and key tying this caller to rows: its organisation as landlord or as
        contractor, or its home."""
        if self.tier is Tier.PROVIDER and self.organisation_id is not None:
            return Role.LANDLORD, self.organisation_id
        if self.tier is Tier.CONTRACTOR and self.organisation_id is not None:
            return Role.CONTRACTOR, self.organisation_id
        if self.tier is Tier.RESIDENT and self.home_id is not None:
            return Role.HOME, self.home_id
        return None

    @property
    def sees_small_numbers(self) -> bool:
        """Whether aggregates over few homes are shown unsuppressed (regulators, admins)."""
        return self.tier in (Tier.REGULATOR, Tier.ADMIN)

    @property
    def is_authenticated(self) -> bool:
        """Whether the caller presented a valid key."""
        return self.api_key_id is not None


def is_tied(
    principal: Principal,
    *,
    landlord: int | None = None,
    contractor: int | None = None,
    home: int | None = None,
    reading: bool = False,
) -> bool:
    """Whether ``principal`` is an admin or tied to a record of that landlord, contractor and
    home (a role given None ties no one); ``reading``: tied by :meth:`Principal.owner_role`,
    so a resident only with the read scope."""
    if principal.tier is Tier.ADMIN:
        return True
    tie = principal.owner_role() if reading else principal.tie()
    if tie is None:
        return False
    role, key = tie
    return {Role.LANDLORD: landlord, Role.CONTRACTOR: contractor, Role.HOME: home}[role] == key


def may_write(
    principal: Principal, *, landlord: int | None, contractor: int | None, home: int | None
) -> bool:
    """Whether ``principal`` may change a record of that landlord, contractor and home."""
    return is_tied(principal, landlord=landlord, contractor=contractor, home=home)


def is_expired(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a key expiring at ``expires_at`` no longer works at ``now``: from that very
    moment on, it does not."""
    return expires_at is not None and now >= expires_at


PUBLIC = Principal()
