"""Estates through the API: a landlord creates its estates and changes their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.errors import ConflictError
from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import PostcodeLevel
from odx_graph.core.postcodes import parse_postcode_query
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import perform
from odx_graph.store import estates as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

MAX_MEMBERS = 10_000  # listed homes or buildings of one estate; larger ones use postcodes


def estate_postcodes(raw: Sequence[str], field: str = "postcodes") -> list[str]:
    """Full postcodes and postcode sectors, normalised ('sw1a2aa' is 'SW1A 2AA'); an area
    or a district is refused: an estate is smaller than a district."""
    found = []
    for n, text in enumerate(raw):
        query = parse_postcode_query(text)
        if query.level not in (PostcodeLevel.UNIT, PostcodeLevel.SECTOR):
            raise InputError(
                f"{text!r} is a postcode {query.level.value}: give full postcodes "
                "('SW1A 2AA') or sectors ('SW1A 2')",
                field=f"{field}[{n}]",
            )
        found.append(query.value)
    return sorted(set(found))


async def check_members(
    conn: Connection, landlord_id: int, building_ids: Sequence[int], home_ids: Sequence[int]
) -> None:
    """Listed buildings and homes must exist and be the landlord's own."""
    for name, keys in (("buildingIds", building_ids), ("homeIds", home_ids)):
        if len(set(keys)) > MAX_MEMBERS:
            raise InputError(f"at most {MAX_MEMBERS} listed; use postcodes", field=name)
    buildings, homes = await repo.members_not_of(conn, landlord_id, building_ids, home_ids)
    if buildings:
        raise InputError(
            f"not buildings of the estate's landlord: {buildings}", field="buildingIds"
        )
    if homes:
        raise InputError(f"not homes of the estate's landlord: {homes}", field="homeIds")


async def create_estate(
    db: Database,
    principal: Principal,
    *,
    landlord_id: int,
    reference: str,
    name: str,
    building_ids: list[int] | None,
    home_ids: list[int] | None,
    postcodes: list[str] | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord creates an estate with its members."""
    values: dict[str, Any] = {
        "reference": _text(reference, "reference", 100),
        "name": _text(name, "name", 200),
        "building_ids": sorted(set(building_ids or ())),
        "home_ids": sorted(set(home_ids or ())),
        "postcodes": estate_postcodes(postcodes or ()),
    }
    request = {"landlord": landlord_id, **values}

    async def act(conn: Connection, landlord: Record) -> Change:
        if await repo.estate_with_reference(conn, landlord_id, values["reference"]):
            raise ConflictError("the landlord has an estate with this reference", field="reference")
        await check_members(conn, landlord_id, values["building_ids"], values["home_ids"])
        key = await repo.insert_estate(conn, landlord_id, values)
        return Change("Estate", "estate", key, landlord_id, request)

    return await perform(db, principal, "createEstate", landlord_id, request, idempotency_key, act)


async def update_estate(
    db: Database,
    principal: Principal,
    *,
    estate_id: int,
    reference: str | None,
    name: str | None,
    building_ids: list[int] | None,
    home_ids: list[int] | None,
    postcodes: list[str] | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord renames an estate or replaces a list of its members; what is not
    given stays."""
    values: dict[str, Any] = {
        "reference": None if reference is None else _text(reference, "reference", 100),
        "name": None if name is None else _text(name, "name", 200),
        "building_ids": None if building_ids is None else sorted(set(building_ids)),
        "home_ids": None if home_ids is None else sorted(set(home_ids)),
        "postcodes": None if postcodes is None else estate_postcodes(postcodes),
    }
    request = {"estate": estate_id, **values}

    async def act(conn: Connection, estate: Record) -> Change:
        landlord = estate["landlord_id"]
        if values["reference"] is not None:
            other = await repo.estate_with_reference(conn, landlord, values["reference"])
            if other not in (None, estate_id):
                raise ConflictError(
                    "the landlord has another estate with this reference", field="reference"
                )
        await check_members(conn, landlord, values["building_ids"] or (), values["home_ids"] or ())
        await repo.update_estate(conn, estate_id, values)
        return Change("Estate", "estate", estate_id, landlord, request)

    return await perform(db, principal, "updateEstate", estate_id, request, idempotency_key, act)


def _text(value: str, field: str, longest: int) -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= longest:
        raise InputError(f"{field} must have 1 to {longest} characters", field=field)
    return text
