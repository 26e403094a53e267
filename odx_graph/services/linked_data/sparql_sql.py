"""SPARQL aggregates answered in PostgreSQL, from the mapping.

Oxigraph evaluates a group over every repair by walking its indexes a triple at a time,
which grows with the graph (seconds at 100,000 homes). The open graph is made from the
mapped rows, so a query whose patterns all name mapped terms can be answered from those
rows instead: each thing a row of its table, each value a column, each link a key
(``store.graph_match``), grouped and counted by the database.

Only what can be answered exactly as the store would is taken: a SELECT with aggregates
(COUNT, SUM, AVG, MIN, MAX) over basic graph patterns whose predicates are mapped terms
with one meaning for each thing, filters that compare a variable with a constant or
another variable of the same kind (and ``STRSTARTS``, ``STRENDS``, ``CONTAINS``), grouped
by variables, with ``HAVING``, ``ORDER BY`` variables, ``DISTINCT``, ``LIMIT`` and
``OFFSET``. Everything else (OPTIONAL, UNION, property paths, named graphs, expressions in
the projection...) is left to the store: ``compile_query`` says ``None``. Terms come out
as the store writes them (canonical numbers, UTC times as ``Z``), and an average divides
as Oxigraph does (18 decimal places, truncated), so both paths give the same answer, which
``tests/test_sparql_sql.py`` checks over every mapped field.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF
from rdflib import XSD
from rdflib import BNode
from rdflib import Literal
from rdflib import URIRef
from rdflib import Variable
from rdflib.paths import InvPath
from rdflib.paths import Path
from rdflib.paths import SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import IncomingLink
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.codes import scheme_triples
from odx_graph.services.linked_data.codes import schemes
from odx_graph.services.linked_data.rdf import XSD_TYPES
from odx_graph.services.linked_data.rdf import linked_fields
from odx_graph.services.linked_data.rdf import node_iri
from odx_graph.services.linked_data.rdf import parse_concept_iri
from odx_graph.services.linked_data.rdf import parse_node_iri
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.refdata import load_ontology
from odx_graph.store.graph_match import GraphMatch
from odx_graph.store.graph_match import child_entity
from odx_graph.store.graph_match import text_order

# Only queries that may aggregate are read here; the rest go straight to the store.
MAY_AGGREGATE = re.compile(r"\b(GROUP\s+BY|COUNT|SUM|AVG|MIN|MAX)\b", re.IGNORECASE)
NUMBERS = {Scalar.INT, Scalar.DECIMAL, Scalar.FLOAT}
ORDERED = NUMBERS | {Scalar.STRING, Scalar.DATE, Scalar.DATETIME}
DECIMAL_PLACES = 18  # Oxigraph's xsd:decimal: fixed point, 18 digits after the point
LITERAL_SCALARS = {
    XSD.integer: Scalar.INT,
    XSD.decimal: Scalar.DECIMAL,
    XSD.double: Scalar.FLOAT,
    XSD.boolean: Scalar.BOOLEAN,
    XSD.date: Scalar.DATE,
    XSD.dateTime: Scalar.DATETIME,
    XSD.string: Scalar.STRING,
}
COMPARISONS = {"=": "=", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


class Unsupported(Exception):
    """The query needs something this translation does not do: the store answers it."""


@dataclass(frozen=True, slots=True)
class Kind:
    """What a variable is bound to: a thing of a node entity (``node``), a concept of a
    code list (``code``), or a literal of a scalar type (``value``, with the field that
    writes it)."""

    tag: str
    entity: Entity
    item: Field | None = None

    @property
    def scalar(self) -> Scalar | None:
        """The literal's type (``None`` for IRIs)."""
        if self.item is None or self.item.iri_prefix:
            return None
        return self.item.type

    def same(self, other: Kind) -> bool:
        """Whether terms of both kinds can be equal."""
        if self.tag != other.tag:
            return False
        if self.item is None or other.item is None:
            return self.entity is other.entity
        return (self.item.type, self.item.iri_prefix) == (other.item.type, other.item.iri_prefix)


@dataclass(frozen=True, slots=True)
class Use:
    """One meaning of a predicate: the subject's entity and what the object is."""

    subject: Entity
    how: str  # "field", "link" (a to-one relation), "parent" (a child's row links it)
    item: Field | None = None
    relation: Relation | None = None
    link: IncomingLink | None = None

    @property
    def object_kind(self) -> Kind:
        """The kind of the object terms."""
        if self.item is not None:
            return Kind("value", self.subject, self.item)
        if self.link is not None:
            return Kind("node", child_entity(self.link))
        assert self.relation is not None
        target = MAPPING[self.relation.target]
        return Kind("node" if target.is_node else "code", target)


@dataclass(slots=True)
class Bound:
    """A variable's SQL and kind."""

    sql: str
    kind: Kind


@dataclass(slots=True)
class Output:
    """One column of the answer: how to read its term (and its sort key) from a row."""

    kind: str  # "term" (a group variable), "count", "sum", "avg", "min", "max"
    column: int
    bound: Kind | None = None  # the group variable's or aggregated variable's kind
    extra: int = -1  # avg: the column of the count


@dataclass(slots=True)
class Compiled:
    """A query translated: its SQL, and how to turn the rows into solutions."""

    sql: str
    args: list[Any]
    variables: list[str]
    outputs: dict[str, Output]
    order: list[tuple[str, bool]] = field(default_factory=list)  # (variable, descending)
    distinct: bool = False
    offset: int = 0
    limit: int | None = None


@cache
def _uses() -> dict[str, tuple[Use, ...]]:
    """Each mapped predicate's meanings in the open graph's nodes. Predicates the code
    lists also state, and lists of values, are left out: the store answers those."""
    found: dict[str, list[Use]] = {}
    unsupported = _code_list_predicates()
    for entity in MAPPING.nodes:
        for item in linked_fields(entity):
            found.setdefault(str(term(item.curie)), []).append(
                Use(entity, "many" if item.many else "field", item=item)
            )
        for relation in entity.relations:
            if relation.source_is_array:
                found.setdefault(str(term(relation.curie)), []).append(
                    Use(entity, "many", relation=relation)
                )
            elif relation.cardinality is Cardinality.ONE:
                found.setdefault(str(term(relation.curie)), []).append(
                    Use(entity, "link", relation=relation)
                )
        for link in MAPPING.incoming_links(entity):
            found.setdefault(str(term(link.relation.curie)), []).append(
                Use(link.parent, "parent", link=link)
            )
    return {p: tuple(uses) for p, uses in found.items() if p not in unsupported}


@cache
def _code_list_predicates() -> frozenset[str]:
    """The predicates of the code lists' triples (a Schedule of Rates row's too)."""
    ontology = load_ontology()
    sample = [("X", ["Y"])]
    return frozenset(
        str(p)
        for scheme in schemes(ontology)
        for _, p, _ in scheme_triples(ontology, scheme, sample)
    )


@cache
def _classes() -> dict[str, Entity]:
    """Node classes by IRI."""
    return {str(term(e.curie)): e for e in MAPPING.nodes}


def may_translate(text: str) -> bool:
    """Whether ``text`` may be a query this module answers (cheap: no parsing)."""
    return MAY_AGGREGATE.search(text) is not None


@lru_cache(maxsize=256)
def compile_query(text: str, base: str, principal: Principal = PUBLIC) -> Compiled | None:
    """``text`` as one SQL statement over the mapped tables, or ``None`` when the store
    must answer it (not an aggregate, or using what is not translated)."""
    if not may_translate(text):
        return None
    try:
        query = translateQuery(parseQuery(text))
    except Exception:  # the store gives the parse error in its own words
        return None
    try:
        return _Translation(base, GraphMatch(principal)).query(query.algebra)
    except Unsupported:
        return None


class _Translation:
    """One query's translation: its variables' SQL, and the match being built."""

    def __init__(self, base: str, match: GraphMatch, bound: dict[Any, Bound] | None = None) -> None:
        self.base = base
        self.match = match
        # A nested pattern (EXISTS) sees the variables bound outside it.
        self.bound: dict[Any, Bound] = dict(bound or {})

    def query(self, algebra: CompValue) -> Compiled:
        if algebra.name != "SelectQuery" or algebra.get("datasetClause"):
            raise Unsupported
        node = algebra.p
        offset, limit, distinct = 0, None, False
        if node.name == "Slice":
            offset, limit, node = node.start or 0, node.length, node.p
        if node.name in ("Distinct", "Reduced"):
            distinct, node = node.name == "Distinct", node.p
        if node.name != "Project":
            raise Unsupported
        variables = [str(v) for v in node.PV]
        node = node.p
        order: list[tuple[str, bool]] = []
        if node.name == "OrderBy":
            for condition in node.expr:
                if isinstance(condition, Variable):
                    order.append((str(condition), False))
                elif isinstance(condition.expr, Variable):
                    order.append((str(condition.expr), condition.order == "DESC"))
                else:
                    raise Unsupported
            node = node.p
        renames: dict[str, str] = {}
        having = []
        while node.name in ("Extend", "Filter"):
            if node.name == "Extend":
                if not isinstance(node.expr, Variable):
                    raise Unsupported
                renames[str(node.var)] = str(node.expr)
            else:
                having.append(node.expr)
            node = node.p
        if node.name != "AggregateJoin" or node.p.name != "Group":
            raise Unsupported
        self.pattern(node.p.p)
        groups = node.p.expr or []
        if any(not isinstance(g, Variable) or g not in self.bound for g in groups):
            raise Unsupported
        columns = [self.bound[g].sql for g in groups]
        outputs = {str(g): Output("term", i, self.bound[g].kind) for i, g in enumerate(groups)}
        aggregates: list[str] = []
        having_env: dict[Any, Bound] = {g: self.bound[g] for g in groups}
        for aggregate in node.A:
            name = str(aggregate.res)
            if aggregate.name == "Aggregate_Sample":
                if aggregate.vars not in groups:
                    raise Unsupported
                outputs[name] = outputs[str(aggregate.vars)]
                having_env[aggregate.res] = self.bound[aggregate.vars]
                continue
            output, sql, kind = self.aggregate(aggregate, len(columns) + len(aggregates))
            outputs[name] = output
            aggregates += sql
            if kind is not None:
                having_env[aggregate.res] = Bound(sql[0], kind)
        for new, old in renames.items():
            if old not in outputs:
                raise Unsupported
            outputs[new] = outputs[old]
            if Variable(old) in having_env:
                having_env[Variable(new)] = having_env[Variable(old)]
        if any(v not in outputs for v in variables) or any(v not in outputs for v, _ in order):
            raise Unsupported
        self.bound = having_env
        condition = " AND ".join(f"({self.condition(h)})" for h in having)
        return Compiled(
            self.match.statement(columns, aggregates, condition),
            self.match.params.values,
            variables,
            outputs,
            order,
            distinct,
            int(offset),
            None if limit is None else int(limit),
        )

    def aggregate(self, aggregate: CompValue, column: int) -> tuple[Output, list[str], Kind | None]:
        """An aggregate's output, its SQL columns, and its kind for HAVING (``None``: not
        comparable there)."""
        function = aggregate.name.removeprefix("Aggregate_").lower()
        distinct = "DISTINCT " if aggregate.distinct == "DISTINCT" else ""
        if function == "count":
            if aggregate.vars == "*":
                if distinct:
                    raise Unsupported
                return Output("count", column), ["count(*)"], _COUNT
            value = self.variable(aggregate.vars)
            sql = f"count({distinct}{value.sql})" if distinct else "count(*)"
            return Output("count", column), [sql], _COUNT
        value = self.variable(aggregate.vars)
        scalar = value.kind.scalar
        if function in ("sum", "avg"):
            if scalar not in (Scalar.INT, Scalar.DECIMAL):
                raise Unsupported  # a double's sum depends on the order it is added in
            total = f"sum({distinct}{value.sql})"
            if function == "sum":
                return Output("sum", column, value.kind), [total], value.kind
            count = f"count({distinct}{value.sql})"
            return Output("avg", column, value.kind, column + 1), [total, count], None
        if function in ("min", "max"):
            if scalar is None:
                raise Unsupported  # IRIs order by their text, not their keys
            if scalar is Scalar.BOOLEAN:
                sql = f"bool_{'and' if function == 'min' else 'or'}({value.sql})"
            else:
                sql = f"{function}({text_order(value.sql, scalar)})"
            return Output(function, column, value.kind), [sql], value.kind
        raise Unsupported

    def variable(self, name: Any) -> Bound:
        if not isinstance(name, Variable) or name not in self.bound:
            raise Unsupported
        return self.bound[name]

    # Patterns

    def pattern(self, node: CompValue) -> None:
        """Translate the group's patterns and filters into the match."""
        triples: list[tuple[Any, Any, Any]] = []
        filters: list[Any] = []
        self._collect(node, triples, filters)
        if not triples:
            raise Unsupported
        self.triples(triples)
        for condition in filters:
            self.match.where(self.condition(condition))

    def _collect(self, node: CompValue, triples: list[Any], filters: list[Any]) -> None:
        if node.name == "BGP":
            for s, p, o in node.triples:
                triples += _path_steps(s, p, o)
        elif node.name == "Join":
            self._collect(node.p1, triples, filters)
            self._collect(node.p2, triples, filters)
        elif node.name == "Filter":
            filters.append(node.expr)
            self._collect(node.p, triples, filters)
        else:
            raise Unsupported

    def triples(self, triples: list[tuple[Any, Any, Any]]) -> None:
        """Resolve each pattern to one meaning of its predicate, then build the match."""
        kinds: dict[Any, set[Kind] | None] = {v: {b.kind} for v, b in self.bound.items()}
        typed: list[Any] = []
        options: list[tuple[Any, Any, list[Use]]] = []
        for s, p, o in triples:
            if isinstance(s, Literal) or not isinstance(p, URIRef):
                raise Unsupported
            if isinstance(s, URIRef):
                parsed = parse_node_iri(self.base, str(s))
                if parsed is None:
                    raise Unsupported
                _narrow(kinds, s, {Kind("node", parsed[0])})
            if p == RDF.type:
                entity = _classes().get(str(o)) if isinstance(o, URIRef) else None
                if entity is None:
                    raise Unsupported
                _narrow(kinds, s, {Kind("node", entity)})
                typed.append(s)
                continue
            uses = list(_uses().get(str(p), ()))
            if not uses:
                raise Unsupported
            options.append((s, o, uses))
        changed = True
        while changed:
            changed = False
            for index, (s, o, uses) in enumerate(options):
                kept = [u for u in uses if _fits(kinds, s, o, u)]
                if len(kept) != len(uses):
                    options[index] = (s, o, kept)
                    changed = True
                changed |= _narrow(kinds, s, {Kind("node", u.subject) for u in kept})
                if not isinstance(o, Literal | URIRef):
                    changed |= _narrow(kinds, o, {u.object_kind for u in kept})
        if any(len(uses) != 1 or uses[0].how == "many" for _, _, uses in options):
            raise Unsupported  # more than one meaning left, or a list of values
        kind = {}
        for thing, found in kinds.items():
            first = next(iter(found or ()), None)
            # Values of one type are alike whichever field wrote them.
            if first is None or not all(first.same(k) for k in found or ()):
                raise Unsupported
            kind[thing] = first
        rows: dict[Any, str] = {}

        def row(thing: Any) -> str:
            if thing not in rows:
                entity = kind[thing].entity
                rows[thing] = alias = self.match.row(entity)
                self.equal(thing, self.match.key(entity, alias), kind[thing])
            return rows[thing]

        for s in typed:
            row(s)
        for s, o, (use,) in options:
            if use.how == "parent":
                assert use.link is not None
                child = row(o)
                self.equal(s, self.match.parent_link(use.link, child), kind[s])
                continue
            alias = row(s)
            if use.item is not None:
                value = self.match.value(use.subject, use.item, alias)
                self.object(o, value, use.object_kind)
            else:
                assert use.relation is not None
                self.object(o, self.match.link(use.relation, alias), use.object_kind)

    def equal(self, thing: Any, sql: str, kind: Kind) -> None:
        """Bind a variable (or blank node) to ``sql``, or, when bound (or a thing's IRI),
        require equality."""
        if isinstance(thing, URIRef):
            key = _iri_key(self.base, kind, str(thing))
            self.match.where("false" if key is None else f"{sql} = {int(key)}")
        elif thing in self.bound:
            self.match.where(f"{self.bound[thing].sql} = {sql}")
        else:
            self.bound[thing] = Bound(sql, kind)

    def object(self, o: Any, sql: str, kind: Kind) -> None:
        """The object of a pattern: a variable, an IRI or a literal."""
        if isinstance(o, Variable | BNode):
            self.equal(o, sql, kind)
        elif isinstance(o, URIRef):
            key = _iri_key(self.base, kind, str(o))
            if key is None:
                self.match.where("false")
            else:
                self.match.where(f"{sql} = {self.match.bind(key, _key_scalar(kind))}")
        else:
            scalar = kind.scalar
            given = _literal_scalar(o)
            if scalar is None or given is None or scalar is Scalar.DATETIME:
                raise Unsupported  # an instant's term keeps its offset: the store decides
            if given is not scalar:
                self.match.where("false")  # another datatype is another term
            else:
                self.match.where(f"{sql} = {self._constant(o, scalar)}")

    # Filters

    def condition(self, expression: Any) -> str:
        """SQL of a filter expression (no errors can arise in what is translated, so
        SPARQL's three-valued logic is SQL's two)."""
        name = getattr(expression, "name", None)
        if name == "ConditionalAndExpression":
            parts = [expression.expr, *expression.other]
            return " AND ".join(f"({self.condition(p)})" for p in parts)
        if name == "ConditionalOrExpression":
            parts = [expression.expr, *expression.other]
            return " OR ".join(f"({self.condition(p)})" for p in parts)
        if name == "UnaryNot":
            return f"NOT ({self.condition(expression.expr)})"
        if name == "RelationalExpression" and expression.op in COMPARISONS:
            return self.comparison(expression.expr, expression.op, expression.other)
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            inner = _Translation(self.base, self.match.nested(), self.bound)
            inner.pattern(expression.graph)
            found = inner.match.exists()
            return found if name == "Builtin_EXISTS" else f"NOT {found}"
        if name == "Builtin_BOUND":
            self.variable(expression.arg)
            return "true"
        if name in ("Builtin_STRSTARTS", "Builtin_STRENDS", "Builtin_CONTAINS"):
            value = self.variable(expression.arg1)
            if value.kind.scalar is not Scalar.STRING or _literal_scalar(expression.arg2) not in (
                Scalar.STRING,
            ):
                raise Unsupported
            text = self.match.bind(str(expression.arg2), Scalar.STRING)
            if name == "Builtin_STRSTARTS":
                return f"starts_with({value.sql}, {text})"
            if name == "Builtin_STRENDS":
                return f"right({value.sql}, char_length({text})) = {text}"
            return f"strpos({value.sql}, {text}) > 0"
        raise Unsupported

    def comparison(self, left: Any, op: str, right: Any) -> str:
        if not isinstance(left, Variable):
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        value = self.variable(left)
        scalar = value.kind.scalar
        sql_op = COMPARISONS[op]
        if isinstance(right, Variable):
            other = self.variable(right)
            if scalar is None:
                if op not in ("=", "!=") or value.kind.tag != other.kind.tag:
                    raise Unsupported
                if value.kind.entity is not other.kind.entity:
                    return "false" if op == "=" else "true"
                return f"{value.sql} {sql_op} {other.sql}"
            if not _comparable(scalar, other.kind.scalar, op):
                raise Unsupported
            return f"{text_order(value.sql, scalar)} {sql_op} {other.sql}"
        if isinstance(right, URIRef):
            if scalar is not None or op not in ("=", "!="):
                raise Unsupported
            key = _iri_key(self.base, value.kind, str(right))
            if key is None:
                return "false" if op == "=" else "true"
            bound = self.match.bind(key, _key_scalar(value.kind))
            return f"{value.sql} {sql_op} {bound}"
        given = _literal_scalar(right)
        if scalar is None or given is None or not _comparable(scalar, given, op):
            raise Unsupported
        if given is Scalar.DATETIME and right.value.tzinfo is None:
            raise Unsupported  # no time zone: SPARQL cannot always order it
        return f"{text_order(value.sql, scalar)} {sql_op} {self._constant(right, given)}"

    def _constant(self, value: Literal, scalar: Scalar) -> str:
        """A placeholder for a constant of ``scalar`` (numbers bound as ``numeric``)."""
        if scalar in (Scalar.INT, Scalar.DECIMAL):
            return self.match.bind(decimal.Decimal(str(value)), Scalar.DECIMAL)
        if scalar is Scalar.FLOAT:
            return self.match.bind(float(value), Scalar.FLOAT)
        if scalar is Scalar.STRING:
            return self.match.bind(str(value), Scalar.STRING)
        return self.match.bind(value.toPython(), scalar)


_COUNT = Kind("value", MAPPING.nodes[0], Field("count", Scalar.INT, "A count."))


def _path_steps(s: Any, p: Any, o: Any) -> list[tuple[Any, Any, Any]]:
    """A pattern whose predicate is a sequence (``a/b``) or inverse (``^a``) path as plain
    patterns joined by fresh blank nodes; other paths are not translated."""
    if isinstance(p, InvPath):
        return _path_steps(o, p.arg, s)
    if isinstance(p, SequencePath):
        steps = []
        start = s
        for index, step in enumerate(p.args):
            end = o if index == len(p.args) - 1 else BNode()
            steps += _path_steps(start, step, end)
            start = end
        return steps
    if isinstance(p, Path):
        raise Unsupported
    return [(s, p, o)]


def _narrow(kinds: dict[Any, set[Kind] | None], thing: Any, allowed: set[Kind]) -> bool:
    """Keep only ``allowed`` kinds for ``thing``; whether that changed anything."""
    if isinstance(thing, Literal):
        return False
    known = kinds.get(thing)
    if known is None:
        kinds[thing] = set(allowed)
        return True
    kept = {k for k in known if any(k.same(a) for a in allowed)}
    if kept != known:
        kinds[thing] = kept
        return True
    return False


def _fits(kinds: dict[Any, set[Kind] | None], s: Any, o: Any, use: Use) -> bool:
    subject = kinds.get(s)
    if subject is not None and Kind("node", use.subject) not in subject:
        return False
    target = use.object_kind
    if isinstance(o, Literal):
        return target.tag == "value" and not target.item.iri_prefix  # type: ignore[union-attr]
    if isinstance(o, URIRef):
        return target.tag != "value"
    found = kinds.get(o)
    return found is None or any(target.same(k) for k in found)


def _iri_key(base: str, kind: Kind, iri: str) -> Any:
    """The key or code an IRI names for ``kind``, or ``None`` when it names none."""
    if kind.tag == "node":
        parsed = parse_node_iri(base, iri)
        return parsed[1] if parsed is not None and parsed[0] is kind.entity else None
    if kind.tag == "code":
        return parse_concept_iri(kind.entity, iri)
    raise Unsupported  # a value that names a resource


def _key_scalar(kind: Kind) -> Scalar:
    return Scalar.INT if kind.tag == "node" else Scalar.STRING


def _literal_scalar(value: Any) -> Scalar | None:
    if not isinstance(value, Literal) or value.language:
        return None
    if value.datatype is None:
        return Scalar.STRING
    scalar = LITERAL_SCALARS.get(value.datatype)
    if scalar is None or value.ill_typed:
        return None  # not a type the mapping writes, or not a valid value of its type
    return scalar


def _comparable(left: Scalar, right: Scalar | None, op: str) -> bool:
    if right is None:
        return False
    if left in NUMBERS and right in NUMBERS:
        return True
    if left is not right:
        return False
    return left in ORDERED or op in ("=", "!=")


# Terms, as the store writes them


def solutions(compiled: Compiled, records: Sequence[Any], base: str) -> list[list[Any]]:
    """The answer's rows: terms in the order of ``compiled.variables``, ordered,
    de-duplicated and sliced as the query asks."""
    rows = [
        {name: _output(output, record, base) for name, output in compiled.outputs.items()}
        for record in records
    ]
    for name, descending in reversed(compiled.order):
        rows.sort(key=_sort_key(name), reverse=descending)
    out = [[row[v][0] for v in compiled.variables] for row in rows]
    if compiled.distinct:
        seen: set[tuple[str, ...]] = set()
        unique = []
        for solution in out:
            marker = tuple(str(t) for t in solution)
            if marker not in seen:
                seen.add(marker)
                unique.append(solution)
        out = unique
    end = None if compiled.limit is None else compiled.offset + compiled.limit
    return out[compiled.offset : end]


def _sort_key(name: str) -> Callable[[dict[str, tuple[Any, Any]]], Any]:
    def key(row: dict[str, tuple[Any, Any]]) -> Any:
        order = row[name][1]
        return (0,) if order is None else (1, order)

    return key


def _output(output: Output, record: Any, base: str) -> tuple[Any, Any]:
    """One output's term, and the value it orders by (``None`` unbound)."""
    value = record[output.column]
    if output.kind == "count":
        return _integer(int(value)), int(value)
    if output.kind in ("sum", "avg") and value is None:
        return _integer(0), 0  # SPARQL's sum and average of nothing
    if output.kind == "avg":
        quotient = decimal_quotient(decimal.Decimal(value), int(record[output.extra]))
        return _decimal(quotient), quotient
    if value is None:
        return None, None
    kind = output.bound
    assert kind is not None
    if kind.tag == "node":
        iri = node_iri(base, kind.entity, value)
        return ox.NamedNode(iri), iri
    if kind.tag == "code":
        iri = kind.entity.concept_iri(str(value))
        return ox.NamedNode(iri), iri
    assert kind.item is not None
    if output.kind == "sum" and kind.item.type is Scalar.INT:
        return _integer(int(value)), int(value)
    return _value_term(kind.item, value)


def decimal_quotient(total: decimal.Decimal, count: int) -> decimal.Decimal:
    """``total / count`` as Oxigraph divides decimals: truncated at 18 places."""
    scaled = int(total.scaleb(DECIMAL_PLACES))
    quotient = abs(scaled) // count
    return decimal.Decimal(-quotient if scaled < 0 else quotient).scaleb(-DECIMAL_PLACES)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))


def _decimal(value: decimal.Decimal) -> ox.Literal:
    whole = value == value.to_integral_value()
    text = str(int(value)) if whole else format(value.normalize(), "f")
    return ox.Literal(text, datatype=ox.NamedNode(str(XSD.decimal)))


def _value_term(item: Field, value: Any) -> tuple[Any, Any]:
    """A field value's term as the store holds it, and its order."""
    if item.iri_prefix:
        iri = item.iri_prefix + str(value)
        return ox.NamedNode(iri), iri
    scalar = item.type
    datatype = XSD_TYPES[scalar]
    if scalar is Scalar.STRING:
        return ox.Literal(str(value)), str(value)
    if scalar is Scalar.INT:
        text = str(int(value))
    elif scalar is Scalar.DECIMAL:
        return _decimal(decimal.Decimal(value)), decimal.Decimal(value)
    elif scalar is Scalar.FLOAT:
        text = format(decimal.Decimal(repr(float(value))), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    elif scalar is Scalar.BOOLEAN:
        text = "true" if value else "false"
    elif scalar is Scalar.DATETIME:
        text = _instant(value)
    else:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return ox.Literal(text, datatype=ox.NamedNode(str(datatype))), value


def _instant(value: dt.datetime) -> str:
    """An instant as the store writes it: seconds, a fraction without trailing zeros,
    and ``Z`` for UTC."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
