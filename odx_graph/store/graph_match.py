"""SQL that matches triple patterns of the open graph in the mapped tables.

The open graph's triples are made from rows (``services/linked_data/rdf.row_triples``):
a row's type, one triple per non-null field value, its to-one links, and a parent's link
to children that do not point back themselves. So a pattern's thing is a row of its
entity's table, a value is a column of that row, and a link is a key column. A
``GraphMatch`` collects those rows and conditions as SPARQL is read, and gives one
grouped SELECT, so that PostgreSQL does the joining and counting.
"""

from __future__ import annotations

from typing import Any

from odx_graph.core.access import Principal
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import IncomingLink
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.db import quote_literal
from odx_graph.store.sql import Params
from odx_graph.store.sql import conjunction
from odx_graph.store.sql import expr
from odx_graph.store.sql import field_value
from odx_graph.store.sql import pg_type
from odx_graph.store.sql import relation_source

# Text compares by code point, as SPARQL orders strings, whatever the database's collation.
BY_CODE_POINT = ' COLLATE "C"'


class GraphMatch:
    """One SELECT over the rows that make the open graph's triples, built a pattern at a
    time: ``row`` for each thing, ``value``/``link``/``parent_link`` for its triples,
    ``where`` for filters, then ``listing`` of each match or ``statement`` with the
    groups and aggregates wanted."""

    def __init__(self, principal: Principal, parent: GraphMatch | None = None) -> None:
        self.principal = principal
        self.tables: list[str] = []
        self.conditions: list[str] = []
        # A nested match (EXISTS) binds into its parent's statement and names its rows
        # apart from the parent's, which it may refer to.
        self.params: Params = parent.params if parent is not None else Params()
        self._aliases: list[str] = parent._aliases if parent is not None else []

    def _alias(self) -> str:
        """A table alias no other in the statement has, nested matches' included."""
        alias = f"m{len(self._aliases)}"
        self._aliases.append(alias)
        return alias

    def nested(self) -> GraphMatch:
        """A match inside this one's statement, for ``exists``."""
        return GraphMatch(self.principal, self)

    def row(self, entity: Entity) -> str:
        """A new row of ``entity`` (a thing of its class); its table alias."""
        alias = self._alias()
        self.tables.append(f"{entity.table} {alias}")
        return alias

    def concepts(self, rows: list[tuple[str, int]]) -> str:
        """A table of (code, term): a code list's statements of one predicate, each
        object by its index (the caller knows the terms); its alias."""
        alias = self._alias()
        values = ", ".join(f"({quote_literal(code)}, {int(index)})" for code, index in rows)
        self.tables.append(f"(VALUES {values}) AS {alias}(code, term)")
        return alias

    @staticmethod
    def key(entity: Entity, alias: str) -> str:
        """SQL of the key of ``entity``'s row ``alias``."""
        return f"{alias}.{entity.key}"

    def value(self, entity: Entity, item: Field, alias: str) -> str:
        """SQL of ``item``'s value on the row ``alias``, which must have one (the triple
        exists only then; a private value the principal may not read is none)."""
        value = field_value(entity, item, self.principal, alias)
        self.conditions.append(f"{value} IS NOT NULL")
        return value

    def copied(self, relation: Relation, item: Field, alias: str) -> str:
        """SQL of the linked row's ``item`` as the row ``alias`` keeps a copy of it
        (``Relation.copies``), which must have one: the linked row need not be joined."""
        column = relation.copy_of(item.name)
        assert column is not None, f"{relation.name} keeps no copy of {item.name}"
        value = f"{alias}.{column}"
        self.conditions.append(f"{value} IS NOT NULL")
        return value

    def link(self, relation: Relation, alias: str) -> str:
        """SQL of the target key the to-one ``relation`` of row ``alias`` links to, which
        must be there."""
        value = relation_source(relation, alias)
        self.conditions.append(f"{value} IS NOT NULL")
        return value

    def parent_link(self, link: IncomingLink, alias: str) -> str:
        """SQL of the parent key of the child row ``alias``, whose row states the parent's
        ``link`` to it; the child must belong to that kind of parent."""
        value = f"{alias}.{link.key_column}"
        self.conditions.append(f"{value} IS NOT NULL")
        if link.relation.condition:
            self.conditions.append(expr(link.relation.condition, alias))
        return value

    def where(self, condition: str) -> None:
        """Keep only the matches for which the SQL ``condition`` holds."""
        self.conditions.append(condition)

    def bind(self, value: Any, scalar: Scalar) -> str:
        """A placeholder for ``value``, cast to ``scalar``'s type."""
        return self.params.add(value, pg_type(scalar))

    def optional(self, inner: GraphMatch, columns: list[str]) -> str:
        """Join ``inner`` (a nested match) as OPTIONAL: each of its matches with its
        ``columns`` as ``c0``, ``c1``..., or one row of NULLs when it has none; the alias."""
        alias = self._alias()
        selected = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
        self.tables.append(
            f"LEFT JOIN LATERAL (SELECT {selected} {inner.matches()}) AS {alias} ON true"
        )
        return alias

    def matches(self) -> str:
        """``FROM`` and ``WHERE`` of every match, for the statements below."""
        return f"FROM {self.joined()} WHERE {conjunction(self.conditions)}"

    def joined(self) -> str:
        """The FROM list: rows one after another, so that a lateral join sees them all."""
        out = ""
        for table in self.tables:
            if not out:
                out = table
            elif table.startswith("LEFT JOIN"):
                out += f" {table}"
            else:
                out += f" CROSS JOIN {table}"
        return out

    def exists(self) -> str:
        """SQL true when this (nested) match has a match."""
        return f"EXISTS (SELECT {self.matches()})"

    def listing(self, columns: list[str], order: list[str]) -> str:
        """The SELECT of ``columns`` for every match, ordered by ``order`` if given."""
        sql = f"SELECT {', '.join(columns) or 'true'} {self.matches()}"
        return sql + (f" ORDER BY {', '.join(order)}" if order else "")

    def statement(self, groups: list[str], aggregates: list[str], having: str = "") -> str:
        """The SELECT of ``groups`` then ``aggregates`` over every match, grouped by
        ``groups`` (one row in all when there are none)."""
        columns = ", ".join([*groups, *aggregates]) or "true"
        sql = f"SELECT {columns} {self.matches()}"
        if groups:
            sql += " GROUP BY " + ", ".join(str(i) for i in range(1, len(groups) + 1))
        if having:
            sql += f" HAVING {having}"
        return sql


def text_order(value: str, scalar: Scalar) -> str:
    """``value`` ready to be compared or ordered as SPARQL does: text by code point."""
    return value + BY_CODE_POINT if scalar is Scalar.STRING else value


async def run_match(db: Database, sql: str, args: list[Any], timeout_ms: int) -> list[Record]:
    """The rows of a ``GraphMatch`` statement, read-only, stopped after ``timeout_ms``
    (``QueryTimeoutError``)."""
    return await db.fetch_with({"statement_timeout": str(timeout_ms)}, sql, *args)


def child_entity(link: IncomingLink) -> Entity:
    """The entity whose rows state ``link`` (a repair line for a repair's ``hasLine``)."""
    return MAPPING[link.relation.target]
