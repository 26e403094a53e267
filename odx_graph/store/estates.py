"""SQL of estates (migration 0023): their rows, and the checks of their listed members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from odx_graph.store.db import Connection

_COLUMNS = ("name", "reference", "building_ids", "home_ids", "postcodes")


async def members_not_of(
    conn: Connection, landlord_id: int, building_ids: Sequence[int], home_ids: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The listed buildings and homes that do not exist or are not ``landlord_id``'s."""
    buildings = await conn.fetchval(
        "SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM unnest($1::bigint[]) AS k "
        "WHERE NOT EXISTS (SELECT 1 FROM building b WHERE b.id = k AND b.landlord_id = $2)",
        list(building_ids),
        landlord_id,
    )
    homes = await conn.fetchval(
        "SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM unnest($1::bigint[]) AS k "
        "WHERE NOT EXISTS (SELECT 1 FROM home h WHERE h.id = k AND h.landlord_id = $2)",
        list(home_ids),
        landlord_id,
    )
    return list(buildings), list(homes)


async def estate_with_reference(conn: Connection, landlord_id: int, reference: str) -> int | None:
    """The key of ``landlord_id``'s estate with ``reference``, if there is one."""
    key: int | None = await conn.fetchval(
        "SELECT id FROM estate WHERE landlord_id = $1 AND reference = $2", landlord_id, reference
    )
    return key


async def insert_estate(
    conn: Connection,
    landlord_id: int,
    values: dict[str, Any],
    import_id: int | None = None,
) -> int:
    """A new estate of ``landlord_id`` with ``values`` (name, reference, building_ids,
    home_ids, postcodes; the lists deduplicated and sorted)."""
    key: int = await conn.fetchval(
        "INSERT INTO estate (landlord_id, name, reference, building_ids, home_ids, postcodes, "
        "import_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        landlord_id,
        values["name"],
        values["reference"],
        sorted(set(values.get("building_ids") or ())),
        sorted(set(values.get("home_ids") or ())),
        sorted(set(values.get("postcodes") or ())),
        import_id,
    )
    return key


async def update_estate(
    conn: Connection, estate_id: int, values: dict[str, Any], import_id: int | None = None
) -> bool:
    """Set the given ``values`` of an estate (absent or ``None`` ones stay); whether
    anything changed."""
    given = {c: values[c] for c in _COLUMNS if values.get(c) is not None}
    for column in ("building_ids", "home_ids", "postcodes"):
        if column in given:
            given[column] = sorted(set(given[column]))
    if not given:
        return False
    sets = [f"{c} = ${n}" for n, c in enumerate(given, start=2)]
    distinct = " OR ".join(f"{c} IS DISTINCT FROM ${n}" for n, c in enumerate(given, start=2))
    tail = len(given) + 2
    status = await conn.execute(
        f"UPDATE estate SET {', '.join(sets)}, updated_at = now(), "
        f"import_id = coalesce(${tail}, import_id) WHERE id = $1 AND ({distinct})",
        estate_id,
        *given.values(),
        import_id,
    )
    return bool(status.endswith(" 1"))


async def estates_from_buildings(conn: Connection) -> int:
    """An estate for each landlord's buildings in one postcode sector (the demo's
    estates), listing them and named after the first; how many were made."""
    status = await conn.execute(
        "INSERT INTO estate (landlord_id, reference, name, building_ids) "
        "SELECT landlord_id, 'EST-' || replace(sector, ' ', '-'), min(name) || ' estate', "
        "array_agg(id ORDER BY id) "
        "FROM (SELECT b.id, b.landlord_id, b.name, postcode_sector(b.postcode) AS sector "
        "FROM building b WHERE b.landlord_id IS NOT NULL AND b.postcode IS NOT NULL) AS b "
        "GROUP BY landlord_id, sector ORDER BY landlord_id, sector"
    )
    return int(status.split()[-1])


async def buildings_by_uprn(
    conn: Connection, uprns: Sequence[int]
) -> dict[int, tuple[int, int | None]]:
    """``uprn -> (building id, landlord id)`` for the building UPRNs known."""
    rows = await conn.fetch(
        "SELECT uprn, id, landlord_id FROM building WHERE uprn = ANY($1::bigint[])",
        sorted(set(uprns)),
    )
    return {r["uprn"]: (r["id"], r["landlord_id"]) for r in rows}


async def estates_by_reference(
    conn: Connection, landlord_id: int, references: Sequence[str]
) -> dict[str, int]:
    """``reference -> estate id`` for ``landlord_id``'s estates with these references."""
    rows = await conn.fetch(
        "SELECT reference, id FROM estate WHERE landlord_id = $1 AND reference = ANY($2::text[])",
        landlord_id,
        list(references),
    )
    return {r["reference"]: r["id"] for r in rows}
