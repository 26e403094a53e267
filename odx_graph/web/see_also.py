"""Links from a thing's Linked Data page into the pages for people (a landlord's
scorecard, the job board of a home's district, the resident's sign-in) and to the GraphQL
query that gives the same thing."""

from __future__ import annotations

from typing import Any

from odx_graph.core.access import PUBLIC
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.store import reads
from odx_graph.store.analytics import landlords
from odx_graph.store.db import Database
from odx_graph.web.pages import graphql_link

NODE_QUERY = """{{
  node(id: "{id}") {{
    id
    ... on {type} {{ iri }}
  }}
}}"""


async def _district(db: Database, base_iri: str, home_key: int) -> str | None:
    [home] = await reads.fetch_by_keys(db, MAPPING["Home"], [home_key], PUBLIC, base_iri)
    return None if home is None else home["postcodeDistrict"]


async def people_links(
    db: Database, base_iri: str, entity: Entity, key: Any
) -> list[tuple[str, str]]:
    """``(text, href)`` of the pages for people about one thing, then its GraphQL query."""
    links: list[tuple[str, str]] = []
    district: str | None = None
    if entity.name == "Organisation" and await landlords(db, [int(key)]):
        links.append(("Landlord scorecard", f"/landlords/{key}"))
    elif entity.name == "Home":
        district = await _district(db, base_iri, int(key))
        links.append(("Live here? Sign in with the link your landlord sent you", "/home"))
    elif entity.name == "Repair":
        [repair] = await reads.fetch_by_keys(db, entity, [int(key)], PUBLIC, base_iri)
        if repair is not None:
            district = await _district(db, base_iri, repair["_src_home_id"])
    if district:
        links.append((f"Open jobs in {district}", f"/jobs?postcode={district}"))
    if entity.is_node:
        global_id = encode_global_id(entity.name, key)
        query = NODE_QUERY.format(id=global_id, type=entity.name)
        links.append(("The same thing in GraphQL", graphql_link(query)))
    return links
