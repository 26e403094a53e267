"""The root ``Query`` fields the compiled path serves: collections, ``node``, ``nodes`` and
``home``. Any other root field (insight queries, introspection...) is not compilable."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLObjectType
from graphql import get_named_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.collect_fields import collect_fields

from odx_graph.api.compiled.compiler import NotCompilableError
from odx_graph.api.compiled.compiler import OperationCompiler
from odx_graph.api.compiled.jsontext import Lit
from odx_graph.api.compiled.jsontext import Pieces
from odx_graph.api.compiled.jsontext import json_object
from odx_graph.api.compiled.jsontext import render
from odx_graph.api.lookup import home_lookup
from odx_graph.api.schema import MAX_NODES
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_global_id
from odx_graph.core.ids import decode_int_id
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping.query import make_list_request
from odx_graph.store.sql import home_by_uprn_query
from odx_graph.store.sql import pg_type
from odx_graph.store.sql import subjects_by_reference_query

_COLLECTIONS = {e.collection: e for e in MAPPING.entities if e.collection}
# A code list is served whole, as the resolver path does (see ``api.schema``).
CODE_LIST_SIZE = 10_000


class QueryCompiler(OperationCompiler):
    """Compiles a query operation into one statement returning ``{"data": ...}``."""

    def compile(self) -> tuple[str, list[Any]]:
        """The statement (one ``text`` column: the whole response body) and its values."""
        query_type = self.schema.query_type
        assert query_type is not None
        grouped = collect_fields(
            self.schema, self.fragments, self.variables, query_type, self.operation
        ).grouped_field_set
        members = [(key, self.root_field(query_type, details)) for key, details in grouped.items()]
        body = [Lit('{"data":'), *json_object(members), Lit("}")]
        if self.unwritten_joins():
            raise NotCompilableError("a join with no FROM item to follow")
        return f"SELECT {render(body)}", self.params.values

    def root_field(self, query_type: GraphQLObjectType, details: FieldDetailsList) -> Pieces:
        """One member of ``data``."""
        name = details[0].node.name.value
        if name == "__typename":
            return [Lit(json.dumps(query_type.name))]
        if name not in query_type.fields:
            raise NotCompilableError(f"Query.{name}")  # introspection: __schema, __type
        args = self.arguments(query_type, details)
        if name == "node":
            return self.node(args["id"], "id", details)
        if name == "nodes":
            ids = args["ids"]
            if len(ids) > MAX_NODES:
                raise InputError(f"at most {MAX_NODES} IDs at once", field="ids")
            items: Pieces = [Lit("[")]
            for index, global_id in enumerate(ids):
                items += [Lit("," if index else ""), *self.node(global_id, "ids", details)]
            return [*items, Lit("]")]
        if name == "home" and get_named_type(query_type.fields[name].type).name == "Home":
            return self.home(args, details)
        entity = _COLLECTIONS.get(name)
        if entity is None:
            raise NotCompilableError(f"Query.{name}")
        returns = get_named_type(query_type.fields[name].type).name
        if returns == f"{entity.name}Connection":
            request = self.list_request(entity, args)
            connection = self.field_type(query_type, name)
            return self.connection(entity, request, [], connection, details)
        if returns == entity.name and self.is_list_of(query_type, name) and not args:
            settings = self.context.settings
            request = make_list_request(
                entity,
                first=CODE_LIST_SIZE,
                after=None,
                order=None,
                descending=False,
                filters=None,
                default_size=CODE_LIST_SIZE,
                max_size=max(CODE_LIST_SIZE, settings.page_size_max),
            )
            return self.short_list(entity, request, [], details)
        raise NotCompilableError(f"Query.{name}")

    def node(self, global_id: str, field: str, details: FieldDetailsList) -> Pieces:
        """Any node by global ID (the ID's type picks the object type), or null."""
        type_name, _ = decode_global_id(global_id, field=field)
        entity = MAPPING.by_name.get(type_name)
        if entity is None or not entity.is_node:
            raise InputError(
                f"{global_id!r} is not the ID of a node", field=field, code=ErrorCode.INVALID_ID
            )
        key = decode_int_id(global_id, type_name, field=field)
        return self.by_key(entity, self.params.add(key, pg_type(entity.key_type)), details)

    def home(self, args: dict[str, Any], details: FieldDetailsList) -> Pieces:
        """``home(id | uprn | reference)``, as ``api.schema.resolve_home`` looks it up."""
        given = args.get("reference")
        named = None if given is None else (given["value"], given.get("allocatedBy"))
        lookup = home_lookup(args.get("id"), args.get("uprn"), named)
        home: Entity = MAPPING["Home"]
        if lookup.key is not None:
            key = self.params.add(lookup.key, "bigint")
        elif lookup.uprn is not None:
            # More than one match raises, and the resolver path answers instead.
            key = f"({home_by_uprn_query(self.params.add(lookup.uprn, 'bigint'))})"
        else:
            kind = self.params.add("home", "text")
            value = self.params.add(lookup.reference, "text")
            by = self.params.add(lookup.allocated_by, "bigint")
            # Two homes with the reference raise here; the resolver path then reports it.
            key = f"({subjects_by_reference_query(kind, value, by)})"
        return self.by_key(home, key, details)
