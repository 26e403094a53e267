"""SQL rendered from the mapping. Values a client sends are bound parameters, but for the
numbers and days of range filters and page sizes, written as literals from their parsed
values (``mapping.query._literal``, :func:`row_limit`), for the plans.

Every row a statement returns carries the entity's GraphQL field names as columns, plus
``__typename``, ``_key`` (primary key), ``_ord`` (sort value, for cursors) and
``_src_<column>`` for columns relations start from. Global IDs and IRIs are computed by
PostgreSQL from the row, so they are never stored and never drift.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.mapping.query import ListRequest
from odx_graph.store.db import quote_ident
from odx_graph.store.db import quote_literal

ALIAS = "t"
_PG_TYPES = {
    Scalar.STRING: "text",
    Scalar.INT: "bigint",
    Scalar.FLOAT: "double precision",
    Scalar.BOOLEAN: "boolean",
    Scalar.DATE: "date",
    Scalar.DATETIME: "timestamptz",
    Scalar.DECIMAL: "numeric",
}


def pg_type(scalar: Scalar, *, many: bool = False) -> str:
    """The PostgreSQL type used to bind or cast a value of ``scalar``."""
    return _PG_TYPES[scalar] + ("[]" if many else "")


def source_alias(column: str) -> str:
    """Column name under which a relation's source column is returned."""
    return f"_src_{column}"


def expr(template: str, alias: str = ALIAS) -> str:
    """Fill the table alias into a mapped SQL snippet."""
    return template.replace("{t}", alias)


@dataclass
class Params:
    """Collects bound values and hands out ``$n`` placeholders."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any, cast: str = "") -> str:
        """Bind ``value`` and return its placeholder (with an explicit cast if given)."""
        self.values.append(value)
        placeholder = f"${len(self.values)}"
        return f"{placeholder}::{cast}" if cast else placeholder

    def __call__(self, value: Any) -> str:
        """Bind ``value`` and return its placeholder: ``params(v)`` is ``params.add(v)``."""
        return self.add(value)

    def any_of(self, *filters: tuple[str, Collection[Any], str]) -> list[str]:
        """For each ``(column, values, type)`` with values (an empty one keeps every row),
        the condition ``column = ANY($n::type[])``, its values bound in the order given."""
        return [
            f"{column} = ANY({self(list(values))}::{pg_type}[])"
            for column, values, pg_type in filters
            if values
        ]


def select_list(
    entity: Entity,
    principal: Principal,
    base_iri: str,
    alias: str = ALIAS,
    fields: Collection[str] | None = None,
) -> str:
    """The columns of one entity's rows, in the shape the API reads; of its mapped fields
    only those named in ``fields`` when given (the others are not in the rows at all)."""
    cols = [f'{quote_literal(entity.name)} AS "__typename"', f'{alias}.{entity.key} AS "_key"']
    if entity.is_node:
        prefix = quote_literal(f"{entity.name}:")
        cols.append(
            f"encode(convert_to({prefix} || {alias}.{entity.key}, 'UTF8'), 'base64') AS \"id\""
        )
        iri_prefix = quote_literal(f"{base_iri}/id/{entity.iri_segment}/")
        cols.append(f'{iri_prefix} || {alias}.{entity.key} AS "iri"')
    elif entity.scheme:
        cols.append(f'{quote_literal(entity.concept_iri(""))} || {alias}.{entity.key} AS "iri"')
    if entity.enum:
        cols.append(f'{alias}.{entity.key} AS "value"')
    if entity.private_fields:
        cols.append(f'{redacted_column(entity, principal, alias)} AS "redacted"')
    cols += field_columns(entity, principal, alias, fields)
    for rel in entity.relations:
        if rel.source_column != entity.key:
            cols.append(
                f"{alias}.{rel.source_column} AS {quote_ident(source_alias(rel.source_column))}"
            )
    return ", ".join(dict.fromkeys(cols))


def row_limit(request: ListRequest, rows: int, params: Params) -> str:
    """A page's row limit: written into its statement (a count the server worked out,
    never a client's text), but bound when the page starts from a cursor.

    PostgreSQL may keep a generic plan for a prepared statement after five runs, made
    without the parameters' values. Bound, a first page's limit is unknown to that plan,
    guessed as a tenth of the table: PostgreSQL then either keeps planning every run
    afresh (a millisecond a run for a district's homes) or settles on a plan that sorts
    every matching row for a page of twenty. A page after a cursor is the other way
    round: its generic plan reads the index in the page's order from the cursor, right
    at any depth, but with a written limit the plans made for the cursor's values look
    cheaper, and every page would be planned afresh (0.4 ms a page of a district)."""
    return params.add(rows) if request.cursor is not None else str(int(rows))


def where_clause(
    request: ListRequest,
    params: Params,
    alias: str = ALIAS,
    extra: tuple[str, ...] = (),
    key: str = "id",
) -> list[str]:
    """Conditions for the request's filters and cursor, plus ``extra`` conditions."""
    conditions = list(extra)
    for bound in request.filters:
        value = bound.literal or params.add(bound.value)
        conditions.append(bound.sql.replace("{t}", alias).replace("{p}", value))
    cursor = request.cursor
    if cursor is not None and request.order is not None:
        op = "<" if request.scan_descending else ">"
        value = params.add(cursor.value, pg_type(request.order.type))
        last = params.add(cursor.key)
        conditions.append(
            f"({expr(request.order.sql, alias)}, {alias}.{key}) {op} ({value}, {last})"
        )
    return conditions


def order_by(entity: Entity, request: ListRequest, alias: str = ALIAS) -> str:
    """ORDER BY for the request's order (reversed for a backward page), with the key as
    tie-breaker."""
    order = request.order or entity.orders[0]
    direction = " DESC" if request.scan_descending else ""
    return f"{expr(order.sql, alias)}{direction}, {alias}.{entity.key}{direction}"


def conjunction(conditions: Sequence[str]) -> str:
    """SQL true when every one of ``conditions`` is (``true`` for none)."""
    return " AND ".join(f"({c})" for c in conditions) if conditions else "true"


def rows_query(
    entity: Entity,
    principal: Principal,
    base_iri: str,
    conditions: Sequence[str],
    extra_columns: str = "",
) -> str:
    """``SELECT`` of ``entity``'s rows meeting ``conditions``, with the select list readers
    take (the private-field rule applied for ``principal``)."""
    columns = select_list(entity, principal, base_iri)
    return (
        f"SELECT {columns}{extra_columns} FROM {entity.table} {ALIAS} "
        f"WHERE {conjunction(conditions)}"
    )


def page_query(
    entity: Entity,
    request: ListRequest,
    params: Params,
    principal: Principal,
    base_iri: str,
    limit: str,
    extra: Sequence[str] = (),
) -> str:
    """Rows of one page of ``entity`` (``_ord`` holds the sort value), in order, up to the
    placeholder ``limit``; ``extra`` conditions join the request's. The one page statement
    of the resolver path (top-level lists and children) and the compiled path."""
    order = request.order or entity.orders[0]
    conditions = where_clause(request, params, extra=tuple(extra), key=entity.key)
    rows = rows_query(entity, principal, base_iri, conditions, f', {expr(order.sql)} AS "_ord"')
    return f"{rows} ORDER BY {order_by(entity, request)} LIMIT {limit}"


def count_query(
    entity: Entity, request: ListRequest, params: Params, extra: Sequence[str] = ()
) -> str:
    """How many rows of ``entity`` match the request's filters (the cursor is ignored) and
    ``extra`` conditions; shared by the resolver path and the compiled path."""
    conditions = where_clause(ListRequest(request.filters), params, extra=tuple(extra))
    return f"SELECT count(*) FROM {entity.table} {ALIAS} WHERE {conjunction(conditions)}"


def home_by_uprn_query(uprn: str) -> str:
    """The key of the home whose UPRN is the placeholder ``uprn``."""
    return f"SELECT id FROM home WHERE uprn = {uprn}"


def subjects_by_reference_query(subject_type: str, value: str, allocated_by: str) -> str:
    """Keys of the things of ``subject_type`` carrying the reference ``value``, from the
    organisation ``allocated_by`` or (when it is null) any (all three placeholders)."""
    return (
        f"SELECT DISTINCT subject_id FROM reference WHERE subject_type = {subject_type} "
        f"AND value = {value} AND ({allocated_by}::bigint IS NULL "
        f"OR allocated_by_id = {allocated_by})"
    )


def page_statement(
    entity: Entity, request: ListRequest, principal: Principal, base_iri: str
) -> tuple[str, list[Any]]:
    """One page of a top-level list: ``first + 1`` rows tell whether more follow."""
    params = Params()
    limit = row_limit(request, request.first + 1, params)
    return page_query(entity, request, params, principal, base_iri, limit), params.values


def count_statement(entity: Entity, request: ListRequest) -> tuple[str, list[Any]]:
    """How many rows match the request's filters (the cursor is ignored)."""
    params = Params()
    return count_query(entity, request, params), params.values


def by_keys_statement(
    entity: Entity, principal: Principal, base_iri: str, fields: Collection[str] | None = None
) -> str:
    """Rows whose key is in ``$1`` (an array), with only ``fields`` when given."""
    key_type = pg_type(entity.key_type, many=True)
    columns = select_list(entity, principal, base_iri, fields=fields)
    return (
        f"SELECT {columns} FROM {entity.table} {ALIAS} "
        f"WHERE {ALIAS}.{entity.key} = ANY($1::{key_type})"
    )


def child_conditions(relation: Relation, parent: str) -> list[str]:
    """What a row of a to-many ``relation``'s target meets to be a child of the parent key
    ``parent`` (``"k.parent"``): linked to it, directly or through the relation's linking
    table, and the relation's own condition if it has one. Shared by the resolver path and
    the compiled path."""
    conditions = [relation.link_condition(ALIAS, parent)]
    if relation.condition:
        conditions.append(expr(relation.condition))
    return conditions


def children_statement(
    parent: Entity,
    relation: Relation,
    request: ListRequest,
    principal: Principal,
    base_iri: str,
) -> tuple[str, list[Any]]:
    """Up to ``first + 1`` children for every parent key in ``$1``, in one statement."""
    target = MAPPING[relation.target]
    params = Params()
    keys = params.add(None, pg_type(parent.key_type, many=True))
    extra = child_conditions(relation, "k.parent")
    limit = row_limit(request, request.first + 1, params)
    page = page_query(target, request, params, principal, base_iri, limit, extra)
    return (
        f'SELECT k.parent AS "_parent", c.* FROM unnest({keys}) AS k(parent) '
        f"CROSS JOIN LATERAL ({page}) c"
    ), params.values


def children_count_statement(
    parent: Entity, relation: Relation, request: ListRequest
) -> tuple[str, list[Any]]:
    """Number of matching children per parent key in ``$1``."""
    target = MAPPING[relation.target]
    params = Params()
    keys = params.add(None, pg_type(parent.key_type, many=True))
    if relation.via is None:
        parent_key, source = f"{ALIAS}.{relation.target_column}", f"{target.table} {ALIAS}"
    else:
        table, parent_column, child_column = relation.via
        parent_key = f"via_link.{parent_column}"
        source = (
            f"{table} via_link JOIN {target.table} {ALIAS} "
            f"ON {ALIAS}.{relation.target_column} = via_link.{child_column}"
        )
    extra = [f"{parent_key} = ANY({keys})"]
    if relation.condition:
        extra.append(expr(relation.condition))
    conditions = where_clause(ListRequest(request.filters), params, extra=tuple(extra))
    sql = (
        f'SELECT {parent_key} AS "_parent", count(*) AS n FROM {source} '
        f"WHERE {conjunction(conditions)} GROUP BY 1"
    )
    return sql, params.values


def private_condition(entity: Entity, principal: Principal, alias: str = ALIAS) -> str | None:
    """SQL true for the rows whose private fields ``principal`` may read; ``None`` when it
    may read none, ``"true"`` when all. Keys are integers from a verified key, never input."""
    if principal.may_read_private:
        return "true"
    owned = principal.owner_role()
    if owned is None:
        return None
    role, key = owned
    owners = dict(entity.owners)
    if role.value not in owners:
        return None
    return f"{expr(owners[role.value], alias)} = {int(key)}"


def field_columns(
    entity: Entity, principal: Principal, alias: str = ALIAS, fields: Collection[str] | None = None
) -> list[str]:
    """Every mapped field (or those named in ``fields``) as a column; private ones are
    NULL unless ``principal`` may read them for that row. The one place the private-field
    rule is applied in SQL."""
    condition = private_condition(entity, principal, alias)
    return [
        f"{_field_value(f, condition, alias)} AS {quote_ident(f.name)}"
        for f in entity.fields
        if fields is None or f.name in fields
    ]


def field_value(entity: Entity, item: Field, principal: Principal, alias: str = ALIAS) -> str:
    """SQL of one field's value on the row ``alias``, NULL where ``principal`` may not
    read it (as ``field_columns`` gives it)."""
    return _field_value(item, private_condition(entity, principal, alias), alias)


def _field_value(item: Field, condition: str | None, alias: str) -> str:
    value = expr(item.sql, alias)
    if item.private and condition is None:
        return f"NULL::{pg_type(item.type, many=item.many)}"
    if item.private and condition != "true":
        return f"CASE WHEN {condition} THEN {value} END"
    return value


def relation_source(relation: Relation, alias: str = ALIAS) -> str:
    """SQL of the target key a to-one relation's row ``alias`` links to, as RDF states
    it: a key no foreign key guarantees is looked up, so RDF never links to a thing that
    is not there."""
    column = f"{alias}.{relation.source_column}"
    if relation.enforced:
        return column
    target = MAPPING[relation.target]
    return f"(SELECT x.{target.key} FROM {target.table} x WHERE x.{target.key} = {column})"


def redacted_column(entity: Entity, principal: Principal, alias: str = ALIAS) -> str:
    """SQL of the names of the row's private fields withheld from ``principal`` (none
    when it may read them), so a client can tell "not shared" from "empty". Whether a
    withheld value is empty is not told."""
    condition = private_condition(entity, principal, alias)
    names = ", ".join(quote_literal(f.name) for f in entity.private_fields)
    hidden = f"ARRAY[{names}]::text[]"
    if condition is None:
        return hidden
    if condition == "true":
        return "'{}'::text[]"
    return f"CASE WHEN {condition} THEN '{{}}'::text[] ELSE {hidden} END"


def export_columns(entity: Entity, principal: Principal, alias: str = ALIAS) -> str:
    """Columns for RDF: key, fields, to-one relation keys, and parent keys of incoming
    links with their discriminator flags (see ``MAPPING.incoming_links``). A key no
    foreign key guarantees is looked up, so RDF never links to a thing that is not there."""
    cols = [f'{alias}.{entity.key} AS "_key"', *field_columns(entity, principal, alias)]
    sources: dict[str, str] = {}
    for r in entity.relations:
        if r.cardinality is Cardinality.ONE or r.source_is_array:
            sources[r.source_column] = relation_source(r, alias)
    for link in MAPPING.incoming_links(entity):
        sources.setdefault(link.key_column, f"{alias}.{link.key_column}")
        if link.relation.condition:
            cols.append(f"({expr(link.relation.condition, alias)}) AS {quote_ident(link.flag)}")
    cols += [f"{sources[c]} AS {quote_ident(source_alias(c))}" for c in sorted(sources)]
    return ", ".join(cols)


def export_statement(entity: Entity, principal: Principal) -> str:
    """Every row of ``entity`` for RDF, in key order."""
    return (
        f"SELECT {export_columns(entity, principal)} FROM {entity.table} {ALIAS} "
        f"ORDER BY {ALIAS}.{entity.key}"
    )


def describe_statement(entity: Entity, principal: Principal) -> str:
    """The row of ``entity`` whose key is ``$1``, for RDF."""
    return (
        f"SELECT {export_columns(entity, principal)} FROM {entity.table} {ALIAS} "
        f"WHERE {ALIAS}.{entity.key} = $1"
    )


def related_export_statement(
    relation: Relation, target: Entity, principal: Principal, *, keys_only: bool = False
) -> str:
    """Up to ``$2`` rows of ``target`` related to parent key ``$1``, for RDF (only their
    ``_key`` with ``keys_only``, when just links to them are wanted)."""
    conditions = [relation.link_condition(ALIAS, "$1")]
    if relation.condition:
        conditions.append(expr(relation.condition))
    order = target.orders[0]
    columns = f'{ALIAS}.{target.key} AS "_key"' if keys_only else export_columns(target, principal)
    return (
        f"SELECT {columns} FROM {target.table} {ALIAS} "
        f"WHERE {conjunction(conditions)} ORDER BY {expr(order.sql)}, {ALIAS}.{target.key} "
        "LIMIT $2"
    )
