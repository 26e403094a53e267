"""Compile a validated GraphQL query into one SQL statement that returns the response.

Rows come from the same statements the resolver path runs (``store.sql.rows_query``,
``page_query`` and ``count_query``, with the private-field rule), wrapped in correlated
subqueries that
write each object as JSON text in selection order. Page sizes, cursors and filters are
validated by the resolver path's own functions, so a value it refuses makes the operation
not compilable, and the resolver path answers with its error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from graphql import DocumentNode
from graphql import FragmentDefinitionNode
from graphql import GraphQLEnumType
from graphql import GraphQLObjectType
from graphql import GraphQLSchema
from graphql import OperationDefinitionNode
from graphql import get_named_type
from graphql import is_list_type
from graphql import is_non_null_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.collect_fields import collect_subfields
from graphql.execution.values import VariableValues
from graphql.execution.values import get_argument_values

from odx_graph.api.compiled.jsontext import Lit
from odx_graph.api.compiled.jsontext import Pieces
from odx_graph.api.compiled.jsontext import base64url_json_string
from odx_graph.api.compiled.jsontext import cursor_value_json
from odx_graph.api.compiled.jsontext import fail
from odx_graph.api.compiled.jsontext import json_array
from odx_graph.api.compiled.jsontext import json_object
from odx_graph.api.compiled.jsontext import render
from odx_graph.api.compiled.jsontext import scalar_json
from odx_graph.api.compiled.jsontext import string_json
from odx_graph.api.context import Context
from odx_graph.api.entity_types import read_list_request
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Relation
from odx_graph.mapping.query import LIST_CAP
from odx_graph.mapping.query import CodeCheck
from odx_graph.mapping.query import ListRequest
from odx_graph.store.db import quote_ident
from odx_graph.store.db import quote_literal
from odx_graph.store.sql import Params
from odx_graph.store.sql import child_conditions
from odx_graph.store.sql import count_query
from odx_graph.store.sql import page_query
from odx_graph.store.sql import row_limit
from odx_graph.store.sql import rows_query
from odx_graph.store.sql import source_alias


class NotCompilableError(Exception):
    """The operation needs the resolver path (a shape or value this compiler leaves to it)."""


class OperationCompiler:
    """Compiles the selections of one operation, with its variable values, for one caller.

    The root fields are in :class:`odx_graph.api.compiled.roots.QueryCompiler`.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        context: Context,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.variables = variables
        self.context = context
        self.params = Params()
        self.fragments = {
            d.name.value: FragmentDetails(d)
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self._aliases = 0
        # Per row alias, the code lists joined to its rows (see :meth:`joined_code`).
        self._joins: dict[str, list[str]] = {}
        # Values of open code lists the filters take, checked before the statement runs.
        self.code_checks: list[CodeCheck] = []

    # -- helpers shared with the root fields ------------------------------------------

    def alias(self) -> str:
        """A fresh alias for a derived table of rows."""
        self._aliases += 1
        return f"_r{self._aliases}"

    def unwritten_joins(self) -> bool:
        """Whether a join was asked for rows whose ``FROM`` item was never written (the
        statement would fail; the resolver path answers instead)."""
        return any(self._joins.values())

    def joins(self, row: str) -> str:
        """The joins the objects of the rows ``row`` asked for, to follow its ``FROM``
        item (taken once: each alias is one ``FROM`` item)."""
        return "".join(f" {join}" for join in self._joins.pop(row, []))

    def arguments(self, parent: GraphQLObjectType, details: FieldDetailsList) -> dict[str, Any]:
        """Coerced argument values of a field (identical on every merged node)."""
        first = details[0]
        if any(d.fragment_variable_values is not None for d in details):
            raise NotCompilableError("fragment variables")
        field_def = parent.fields[first.node.name.value]
        return get_argument_values(field_def, first.node, self.variables)

    def subfields(self, parent: GraphQLObjectType, details: FieldDetailsList) -> dict[str, Any]:
        """Selections of ``parent`` under the merged field nodes, by response key."""
        return dict(
            collect_subfields(
                self.schema, self.fragments, self.variables, self.operation, parent, details
            ).grouped_field_set
        )

    def object_of(
        self,
        otype: GraphQLObjectType,
        details: FieldDetailsList,
        member: Callable[[str, FieldDetailsList], Pieces],
    ) -> Pieces:
        """The JSON object of ``otype`` for the merged selections in ``details``: its
        ``__typename`` is its name, any other field what ``member`` makes of its name and
        field nodes, in the order selected."""
        members: list[tuple[str, Pieces]] = []
        for key, fields in self.subfields(otype, details).items():
            name = fields[0].node.name.value
            typename: Pieces = [Lit(json.dumps(otype.name))]
            members.append((key, typename if name == "__typename" else member(name, fields)))
        return json_object(members)

    def object_type(self, name: str) -> GraphQLObjectType:
        """The schema's object type called ``name``."""
        found = self.schema.get_type(name)
        if not isinstance(found, GraphQLObjectType):
            raise NotCompilableError(name)
        return found

    def field_type(self, parent: GraphQLObjectType, name: str) -> GraphQLObjectType:
        """The object type a field of ``parent`` returns (through lists and non-null)."""
        named = get_named_type(parent.fields[name].type)
        if not isinstance(named, GraphQLObjectType):
            raise NotCompilableError(f"{parent.name}.{name}")
        return named

    def rows(self, entity: Entity, conditions: list[str]) -> str:
        """``SELECT`` of ``entity`` rows in the resolver path's shape."""
        return rows_query(entity, self.context.principal, self.context.base_iri, conditions)

    # -- objects ----------------------------------------------------------------------

    def by_key(self, entity: Entity, key: str, details: FieldDetailsList) -> Pieces:
        """The object of ``entity`` whose key equals the SQL ``key``, or null."""
        alias = self.alias()
        obj = render(self.entity_object(entity, alias, details))
        rows = self.rows(entity, [f"t.{entity.key} = {key}"])
        return [f"coalesce((SELECT {obj} FROM ({rows}) {alias}{self.joins(alias)}), 'null')"]

    def entity_object(self, entity: Entity, row: str, details: FieldDetailsList) -> Pieces:
        """The JSON object of the row ``row`` for the merged selections in ``details``."""
        gtype = self.object_type(entity.name)
        members = []
        for key, fields in self.subfields(gtype, details).items():
            members.append((key, self.entity_field(entity, gtype, row, fields)))
        return json_object(members)

    def entity_field(
        self, entity: Entity, gtype: GraphQLObjectType, row: str, details: FieldDetailsList
    ) -> Pieces:
        """One member of an entity's object."""
        name = details[0].node.name.value
        column = f"{row}.{quote_ident(name)}"
        if name == "__typename":
            return [Lit(json.dumps(gtype.name))]
        if (
            (name == "id" and entity.is_node)
            or (name == "iri" and (entity.is_node or entity.scheme))
            or (name == "redacted" and entity.private_fields)
        ):
            return [string_json(column)]
        if name == "value" and entity.enum:
            return [self.enum_json(gtype, name, column)]
        spec = next((f for f in entity.fields if f.name == name), None)
        if spec is not None:
            rendered = scalar_json(spec.type, column, many=spec.many)
            if rendered is None:
                raise NotCompilableError(f"{entity.name}.{name}")
            return [rendered]
        relation = next((r for r in entity.relations if r.name == name), None)
        if relation is None:
            raise NotCompilableError(f"{entity.name}.{name}")
        return self.relation(entity, relation, gtype, row, details)

    def relation(
        self,
        entity: Entity,
        relation: Relation,
        gtype: GraphQLObjectType,
        row: str,
        details: FieldDetailsList,
    ) -> Pieces:
        """A relation of the row ``row``, in the shape its cardinality gives it."""
        target = MAPPING[relation.target]
        source = (
            f'{row}."_key"'
            if relation.source_column == entity.key
            else f"{row}.{quote_ident(source_alias(relation.source_column))}"
        )
        if relation.source_is_array:
            return self.array_list(target, source, details)
        if relation.cardinality is Cardinality.ONE:
            names_code = (
                target.scheme
                and relation.via is None
                and relation.discriminator is None
                and relation.target_column == target.key
            )
            if names_code:
                from_key = self.code_from_key(target, relation, source, details)
                if from_key is not None:
                    return from_key
                if not target.relations:
                    return self.joined_code(target, row, source, details)
            return self.by_key(target, source, details)
        extra = child_conditions(relation, f'{row}."_key"')
        if relation.cardinality is Cardinality.LIST:
            return self.short_list(target, ListRequest(first=LIST_CAP), extra, details)
        args = self.arguments(gtype, details)
        request = self.list_request(target, args)
        connection = self.field_type(gtype, details[0].node.name.value)
        return self.connection(target, request, extra, connection, details)

    def code_from_key(
        self, target: Entity, relation: Relation, source: str, details: FieldDetailsList
    ) -> Pieces | None:
        """The code list entry the key ``source`` names, written from the key alone when
        nothing else of it is asked for (``status { code }``), or ``None`` to look it up.

        A code list is open to every caller, and a foreign key guarantees the entry of an
        ``enforced`` relation exists: the look-up, a scan of the code list for every row
        (half the work of a page of homes with their components' conditions), would
        only give back the key. ``relation`` names an entry of ``target`` by its key."""
        if not relation.enforced:
            return None
        gtype = self.object_type(target.name)
        key_sql = "{t}." + target.key
        members: list[tuple[str, Pieces]] = []
        for key, fields in self.subfields(gtype, details).items():
            name = fields[0].node.name.value
            spec = next((f for f in target.fields if f.name == name), None)
            if name == "__typename":
                members.append((key, [Lit(json.dumps(gtype.name))]))
            elif name == "value" and target.enum:
                members.append((key, [self.enum_json(gtype, name, source)]))
            elif spec is not None and spec.sql == key_sql and not spec.many:
                rendered = scalar_json(spec.type, source)
                if rendered is None:
                    return None
                members.append((key, [rendered]))
            else:
                return None
        return [f"CASE WHEN ({source}) IS NULL THEN 'null' ELSE {render(json_object(members))} END"]

    def joined_code(
        self, target: Entity, row: str, source: str, details: FieldDetailsList
    ) -> Pieces:
        """The code list entry the rows ``row`` name in ``source``, joined to those rows
        (null where there is none): a look-up for each row costs more than a join made
        once for the rows of a page."""
        alias = self.alias()
        obj = render(self.entity_object(target, alias, details))
        rows = self.rows(target, [])
        self._joins.setdefault(row, []).append(
            f'LEFT JOIN ({rows}) {alias} ON {alias}."_key" = {source}'
        )
        return [f"CASE WHEN {alias}.\"_key\" IS NULL THEN 'null' ELSE {obj} END"]

    def enum_json(self, gtype: GraphQLObjectType, name: str, column: str) -> str:
        """An enum field as the resolver path serialises it: the name of the enum value
        whose value is the column's (an unknown one fails over to the resolver path)."""
        enum_type = get_named_type(gtype.fields[name].type)
        if not isinstance(enum_type, GraphQLEnumType):
            raise NotCompilableError(f"{gtype.name}.{name}")
        cases = " ".join(
            f"WHEN {quote_literal(str(v.value))} THEN {quote_literal(json.dumps(n))}"
            for n, v in enum_type.values.items()
        )
        return f"CASE {column} {cases} ELSE {fail(column)} END"

    def list_request(self, entity: Entity, args: dict[str, Any]) -> ListRequest:
        """Connection arguments checked by the resolver path's own function."""
        given = args.get("filter")
        filter_input = (
            SimpleNamespace(**{f.name: given.get(f.name) for f in entity.filters})
            if given is not None
            else None
        )
        kwargs = {
            "first": args.get("first"),
            "after": args.get("after"),
            "last": args.get("last"),
            "before": args.get("before"),
            "filter": filter_input,
            "order_by": args.get("orderBy"),
            "direction": args.get("direction"),
        }
        request = read_list_request(entity, self.context, kwargs)
        self.code_checks.extend(request.code_checks)
        return request

    def array_list(self, target: Entity, keys: str, details: FieldDetailsList) -> Pieces:
        """Targets named by an array of keys, in array order (missing keys skipped)."""
        alias, keyed = self.alias(), self.alias()
        obj = render(self.entity_object(target, alias, details))
        rows = self.rows(target, [f"t.{target.key} = {keyed}.key"])
        return json_array(
            f"(SELECT string_agg({obj}, ',' ORDER BY {keyed}.n) "
            f"FROM unnest({keys}) WITH ORDINALITY AS {keyed}(key, n) "
            f"CROSS JOIN LATERAL ({rows}) {alias}{self.joins(alias)})"
        )

    def page(self, entity: Entity, request: ListRequest, extra: list[str], limit: str) -> str:
        """Rows of one page (``_ord`` holds the sort value), in order, up to ``limit``: the
        resolver path's page statement."""
        context = self.context
        return page_query(
            entity, request, self.params, context.principal, context.base_iri, limit, extra
        )

    def short_list(
        self, entity: Entity, request: ListRequest, extra: list[str], details: FieldDetailsList
    ) -> Pieces:
        """A bounded list, whole (no cursors)."""
        alias = self.alias()
        obj = render(self.entity_object(entity, alias, details))
        page = self.page(entity, request, extra, row_limit(request, request.first, self.params))
        direction = " DESC" if request.scan_descending else ""
        ordering = f'{alias}."_ord"{direction}, {alias}."_key"{direction}'
        return json_array(
            f"(SELECT string_agg({obj}, ',' ORDER BY {ordering}) "
            f"FROM ({page}) {alias}{self.joins(alias)})"
        )

    def cursor(self, entity: Entity, request: ListRequest, row: str) -> str:
        """JSON string of the cursor of ``row``, as ``ids.encode_cursor`` writes it."""
        order = request.order or entity.orders[0]
        value = cursor_value_json(order.type, f'{row}."_ord"')
        key = cursor_value_json(entity.key_type, f'{row}."_key"')
        if value is None or key is None:
            raise NotCompilableError(f"cursor of {entity.name}")
        head = json.dumps([order.name, request.descending], separators=(",", ":"))[:-1]
        payload = render([Lit(head + ","), value, Lit(","), key, Lit("]")])
        return base64url_json_string(payload)

    def connection(
        self,
        entity: Entity,
        request: ListRequest,
        extra: list[str],
        ctype: GraphQLObjectType,
        details: FieldDetailsList,
    ) -> Pieces:
        """A connection: one page aggregated once. Asked for its page info, one row more
        is read (to know whether more follow) and the rows are numbered in the order
        read; asked for its nodes or edges alone, the page is just its rows."""
        row, agg = self.alias(), self.alias()
        selected = {f[0].node.name.value for f in self.subfields(ctype, details).values()}
        numbered = "pageInfo" in selected
        aggregates = ["count(*) AS n"] if numbered else []
        if numbered:
            # Rows are numbered in the order read; a backward page is shown the other way.
            shown = f'{row}."_n"' + (" DESC" if request.backward else "")
        else:
            # In the list's own order: the order read, reversed when paging backward.
            way = " DESC" if request.descending else ""
            shown = f'{row}."_ord"{way}, {row}."_key"{way}'
        size = str(int(request.first))
        page_read = False

        def first() -> str:
            # The page's size; asked for, the page's rows are read (without, none are).
            nonlocal page_read
            page_read = True
            return size

        def aggregate(sql: str) -> str:
            if numbered:
                sql += f' FILTER (WHERE {row}."_n" <= {first()})'
            else:
                first()
            aggregates.append(f"{sql} AS a{len(aggregates)}")
            return f"{agg}.a{len(aggregates) - 1}"

        def page_info(name: str, fields: FieldDetailsList) -> Pieces:
            if name in ("hasNextPage", "hasPreviousPage"):
                # Beyond the page lies what was read past it; behind it, where the
                # cursor came from (paging backward, the other way round).
                if (name == "hasNextPage") != request.backward:
                    return [f"CASE WHEN {agg}.n > {first()} THEN 'true' ELSE 'false' END"]
                return [Lit("true" if request.cursor is not None else "false")]
            if name in ("startCursor", "endCursor"):
                last = (name == "endCursor") != request.backward
                ordering = f'{row}."_n"' + (" DESC" if last else "")
                cursor = self.cursor(entity, request, row)
                found = aggregate(f"array_agg({cursor} ORDER BY {ordering})") + "[1]"
                return [f"coalesce({found}, 'null')"]
            raise NotCompilableError(f"PageInfo.{name}")

        def member(name: str, fields: FieldDetailsList) -> Pieces:
            if name == "totalCount":
                return [self.count(entity, request, extra)]
            if name == "nodes":
                obj = render(self.entity_object(entity, row, fields))
                return json_array(aggregate(f"string_agg({obj}, ',' ORDER BY {shown})"))
            if name == "edges":
                edge = self.edge(entity, request, row, self.field_type(ctype, name), fields)
                return json_array(aggregate(f"string_agg({edge}, ',' ORDER BY {shown})"))
            if name == "pageInfo":
                return self.object_of(self.field_type(ctype, name), fields, page_info)
            raise NotCompilableError(f"{ctype.name}.{name}")

        obj = render(self.object_of(ctype, details, member))
        if not page_read:  # only counts and names: no page to read
            return [obj]
        if not numbered:
            page = self.page(entity, request, extra, row_limit(request, request.first, self.params))
            rows = f"SELECT {', '.join(aggregates)} FROM ({page}) {row}{self.joins(row)}"
            return [f"(SELECT {obj} FROM ({rows}) {agg})"]
        page = self.page(entity, request, extra, row_limit(request, request.first + 1, self.params))
        direction = " DESC" if request.scan_descending else ""
        numbering = (
            f'SELECT q.*, row_number() OVER (ORDER BY q."_ord"{direction}, '
            f'q."_key"{direction}) AS "_n" FROM ({page}) q'
        )
        return [
            f"(SELECT {obj} FROM (SELECT {', '.join(aggregates)} "
            f"FROM ({numbering}) {row}{self.joins(row)}) {agg})"
        ]

    def edge(
        self,
        entity: Entity,
        request: ListRequest,
        row: str,
        etype: GraphQLObjectType,
        details: FieldDetailsList,
    ) -> str:
        """One edge object of the row ``row``."""

        def member(name: str, fields: FieldDetailsList) -> Pieces:
            if name == "cursor":
                return [self.cursor(entity, request, row)]
            if name == "node":
                return self.entity_object(entity, row, fields)
            raise NotCompilableError(f"{etype.name}.{name}")

        return render(self.object_of(etype, details, member))

    def count(self, entity: Entity, request: ListRequest, extra: list[str]) -> str:
        """How many rows match the filters (the cursor ignored), as JSON text."""
        return f"({count_query(entity, request, self.params, extra)})::text"

    def is_list_of(self, parent: GraphQLObjectType, name: str) -> bool:
        """Whether a field of ``parent`` returns a list."""
        field_type = parent.fields[name].type
        if is_non_null_type(field_type):
            field_type = field_type.of_type
        return is_list_type(field_type)
