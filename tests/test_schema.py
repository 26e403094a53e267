"""The committed schema.graphql is the code's schema, and everything in it is described."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType
from graphql import GraphQLInputObjectType
from graphql import GraphQLInterfaceType
from graphql import GraphQLObjectType

from odx_graph.api.schema import build_schema
from odx_graph.api.schema import schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema_sdl(), "run: odx-graph schema > schema.graphql"


def test_every_type_field_and_argument_has_a_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
    assert missing == []
