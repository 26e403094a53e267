"""ASGI apps the GraphQL benchmark starts under uvicorn (``--factory``).

``odx_resolvers`` and ``odx_compiled`` are odx-graph without and with the compiled path;
``raw_sql`` answers every POST with one hand-written ``json_agg`` statement (the floor).
All read ``ODX_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.api.compiled.view import install
from odx_graph.core.config import Settings
from odx_graph.web.app import create_app

# The same data as the benchmark's "homes" query, in one statement written by hand.
RAW_HOMES = """
SELECT json_build_object('data', json_build_object('homes', json_build_object('nodes',
  coalesce(json_agg(json_build_object(
    'uprn', h.uprn::text, 'postcode', h.postcode,
    'components', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object(
        'installDate', c.install_date,
        'componentType', json_build_object('label', ct.label),
        'condition', CASE WHEN c.condition_code IS NULL THEN NULL
                          ELSE json_build_object('code', c.condition_code) END)
        ORDER BY c.id), '[]')
      FROM (SELECT * FROM component c WHERE c.home_id = h.id
            ORDER BY c.id LIMIT 10) c
      JOIN component_type ct ON ct.code = c.component_type_code)),
    'repairs', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object(
        'reportedAt', r.reported_at, 'cost', r.cost::text,
        'status', json_build_object('code', r.status_code))
        ORDER BY r.reported_at DESC, r.id DESC), '[]')
      FROM (SELECT * FROM repair r WHERE r.home_id = h.id
            ORDER BY r.reported_at DESC, r.id DESC LIMIT 3) r))
  ) ORDER BY h.postcode, h.id), '[]'))))::text
FROM (SELECT * FROM home WHERE postcode_district = $1 ORDER BY postcode, id LIMIT $2) h
"""


def _settings(*, compiled: bool) -> Settings:
    return dataclasses.replace(Settings.from_env(None), compiled_queries=compiled)


def odx_resolvers() -> Any:
    """odx-graph serving every query through the resolvers (ODX_COMPILED_QUERIES=false)."""
    return create_app(_settings(compiled=False))


def odx_compiled() -> Any:
    """odx-graph as shipped: the compiled path in front of the resolvers."""
    app = create_app(_settings(compiled=True))
    install(app)  # a no-op when the app has it already
    return app


def raw_sql() -> Any:
    """One statement per request, variables ``d`` and ``n`` from the GraphQL body."""
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(os.environ["ODX_DATABASE_URL"], max_size=10)
        yield
        await state["pool"].close()

    async def graphql(request: Request) -> Response:
        variables = json.loads(await request.body()).get("variables") or {}
        text = await state["pool"].fetchval(RAW_HOMES, variables["d"], variables["n"])
        return Response(text, media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
