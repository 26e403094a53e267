"""SPARQL SELECT queries answered in PostgreSQL, from the mapping.

Oxigraph evaluates a group over every repair, or a join of a district's homes with their
repairs, by walking its indexes a triple at a time, which grows with the graph (seconds
at 100,000 homes). The open graph is made from the mapped rows, so a query whose patterns
all name mapped terms can be answered from those rows instead: each thing a row of its
table, each value a column, each link a key (``store.graph_match``), joined, grouped and
counted by the database.

Only what can be answered exactly as the store would is taken: a SELECT of variables or
of aggregates (COUNT, SUM, AVG, MIN, MAX) over basic graph patterns whose predicates have
one meaning for each thing (``sparql_meaning``), sequence and inverse paths of them,
OPTIONAL parts, filters that compare a variable with a constant or another variable of
its kind (and ``STRSTARTS``, ``STRENDS``, ``CONTAINS``, ``BOUND``, ``EXISTS``), grouped by
variables, with ``HAVING``, ``ORDER BY`` variables, ``DISTINCT``, ``LIMIT`` and
``OFFSET``. Everything else (UNION, MINUS, VALUES, subqueries, named graphs, expressions
in the projection...) is left to the store: ``compile_query`` says ``None``. An unbound
variable is NULL, whose logic in SQL (NULL in a comparison, AND, OR, NOT) is SPARQL's
logic of errors in a filter. The rows become the store's very terms
(``sparql_answers``), which ``tests/test_sparql_sql.py`` checks over every mapped field.
"""

from __future__ import annotations

import decimal
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import BNode
from rdflib import Literal
from rdflib import URIRef
from rdflib import Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.sparql_answers import Compiled
from odx_graph.services.linked_data.sparql_answers import Output
from odx_graph.services.linked_data.sparql_meaning import COUNT
from odx_graph.services.linked_data.sparql_meaning import Kind
from odx_graph.services.linked_data.sparql_meaning import Unsupported
from odx_graph.services.linked_data.sparql_meaning import Use
from odx_graph.services.linked_data.sparql_meaning import is_node_type
from odx_graph.services.linked_data.sparql_meaning import node_classes
from odx_graph.services.linked_data.sparql_meaning import predicate_uses
from odx_graph.services.linked_data.sparql_terms import ORDERED
from odx_graph.services.linked_data.sparql_terms import comparable
from odx_graph.services.linked_data.sparql_terms import fixed_indices
from odx_graph.services.linked_data.sparql_terms import fixed_matches
from odx_graph.services.linked_data.sparql_terms import iri_key
from odx_graph.services.linked_data.sparql_terms import iri_kind
from odx_graph.services.linked_data.sparql_terms import is_federated
from odx_graph.services.linked_data.sparql_terms import key_scalar
from odx_graph.services.linked_data.sparql_terms import literal_scalar
from odx_graph.services.linked_data.sparql_terms import path_steps
from odx_graph.store.graph_match import BY_CODE_POINT
from odx_graph.store.graph_match import GraphMatch
from odx_graph.store.graph_match import text_order

# Only SELECT queries are read here; the rest go straight to the store.
SELECTS = re.compile(r"\bSELECT\b", re.IGNORECASE)
_EMPTY = ox.Store()  # for checking a query parses as the store parses it
log = logging.getLogger(__name__)
COMPARISONS = {"=": "=", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


@dataclass(slots=True)
class Bound:
    """A variable's SQL and kind; ``optional`` when an OPTIONAL binds it (NULL: unbound)."""

    sql: str
    kind: Kind
    optional: bool = False


def may_translate(text: str) -> bool:
    """Whether ``text`` may be a query this module answers (cheap: no parsing)."""
    return SELECTS.search(text) is not None


@lru_cache(maxsize=256)
def compile_query(text: str, base: str, principal: Principal = PUBLIC) -> Compiled | None:
    """``text`` as one SQL statement over the mapped tables, or ``None`` when the store
    must answer it (not a SELECT, or using what is not translated)."""
    if not may_translate(text) or is_federated(text):
        return None
    try:
        # The store's parser decides what is a query (rdflib's takes a few the store
        # refuses); over no data, it answers at once.
        _EMPTY.query(text, use_default_graph_as_union=True)
        query = translateQuery(parseQuery(text))
    except Exception:  # the store gives the parse error in its own words
        return None
    try:
        return _Translation(base, GraphMatch(principal)).query(query.algebra)
    except Unsupported:
        return None
    except Exception:  # a query the translation did not foresee: the store answers it
        log.warning("a SPARQL query could not be translated; the store answers it", exc_info=True)
        return None


class _Translation:
    """One query's translation: its variables' SQL, and the match being built."""

    def __init__(self, base: str, match: GraphMatch, bound: dict[Any, Bound] | None = None) -> None:
        self.base = base
        self.match = match
        # A nested pattern (EXISTS) sees the variables bound outside it.
        self.bound: dict[Any, Bound] = dict(bound or {})

    def query(self, algebra: CompValue) -> Compiled:
        """The SELECT query ``algebra`` as a statement and how to read its rows."""
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
        probe = node
        while probe.name in ("Extend", "Filter"):
            probe = probe.p
        if probe.name != "AggregateJoin":
            return self.listing(node, variables, order, distinct, int(offset), limit)
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
                # HAVING sees a sum of nothing as 0, as the answer does.
                total = f"coalesce({sql[0]}, 0)" if output.kind == "sum" else sql[0]
                having_env[aggregate.res] = Bound(total, kind)
        for new, old in renames.items():
            if old not in outputs:
                raise Unsupported
            outputs[new] = outputs[old]
            if Variable(old) in having_env:
                having_env[Variable(new)] = having_env[Variable(old)]
        if any(v not in outputs for v in variables) or any(v not in outputs for v, _ in order):
            raise Unsupported
        if any(_is_fixed(outputs[v].bound) for v, _ in order):
            raise Unsupported  # labels in several languages: the store orders those
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

    def listing(
        self,
        node: CompValue,
        variables: list[str],
        order: list[tuple[str, bool]],
        distinct: bool,
        offset: int,
        limit: int | None,
    ) -> Compiled:
        """A query without aggregates: each match's projected variables. Ordered in the
        database when every key orders there as SPARQL orders it, so that a LIMIT reads
        no more rows than it needs."""
        self.pattern(node)
        names = {str(v): v for v in self.bound if isinstance(v, Variable)}
        if any(v not in names for v in variables) or any(v not in names for v, _ in order):
            raise Unsupported  # a variable no pattern binds: the store's
        columns = [self.bound[names[v]].sql for v in variables]
        outputs = {v: Output("term", i, self.bound[names[v]].kind) for i, v in enumerate(variables)}
        if any(_is_fixed(self.bound[names[v]].kind) for v, _ in order):
            raise Unsupported
        keys = [_order_key(self.bound[names[v]], descending) for v, descending in order]
        in_database = all(k is not None for k in keys)
        for v, _ in order:
            if v not in outputs:  # ordered by, not projected: read too, for the sort here
                outputs[v] = Output("term", len(columns), self.bound[names[v]].kind)
                columns.append(self.bound[names[v]].sql)
        sql = self.match.listing(columns, [k for k in keys if k is not None] if in_database else [])
        return Compiled(
            sql,
            self.match.params.values,
            variables,
            outputs,
            order,
            distinct,
            offset,
            None if limit is None else int(limit),
            ordered_in_database=in_database,
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
                return Output("count", column), ["count(*)"], COUNT
            value = self.variable(aggregate.vars)
            sql = f"count({distinct}{value.sql})" if distinct or value.optional else "count(*)"
            return Output("count", column), [sql], COUNT
        value = self.variable(aggregate.vars)
        if value.optional:
            raise Unsupported  # an unbound value in a sum or a minimum: the store decides
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
        """A variable the patterns bind (``Unsupported`` for any other)."""
        if not isinstance(name, Variable) or name not in self.bound:
            raise Unsupported
        return self.bound[name]

    # Patterns

    def pattern(self, node: CompValue) -> None:
        """Translate the group's patterns and filters into the match."""
        triples: list[tuple[Any, Any, Any]] = []
        filters: list[tuple[Any, set[Any]]] = []
        optionals: list[tuple[CompValue, Any, set[Any]]] = []
        self._collect(node, triples, filters, optionals)
        if not triples:
            raise Unsupported
        # Everything is matched at once, the filters last; SPARQL scopes a filter and an
        # OPTIONAL to where they stand, so neither may use a variable only bound elsewhere.
        everywhere = _bound_by(node)
        for condition, here in filters:
            if _variables(condition) & (everywhere - here):
                raise Unsupported  # a filter in a group of its own, on a variable outside
        self.triples(triples)
        required = {t for triple in triples for t in triple}
        for inner, condition, before in optionals:
            mentioned = _variables(inner) | _variables(condition)
            if any(v in required and v not in before for v in mentioned):
                raise Unsupported  # it uses a variable the group binds only after it
            self.optional(inner, condition)
        for condition, _ in filters:
            self.match.where(self.condition(condition))

    def _collect(
        self,
        node: CompValue,
        triples: list[Any],
        filters: list[tuple[Any, set[Any]]],
        optionals: list[tuple[CompValue, Any, set[Any]]],
    ) -> None:
        """Gather a group's patterns, filters (each with the variables bound where it
        stands) and OPTIONAL parts (each with the terms of the patterns before it)."""
        if node.name == "BGP":
            for s, p, o in node.triples:
                triples += path_steps(s, p, o)
        elif node.name == "Join":
            self._collect(node.p1, triples, filters, optionals)
            self._collect(node.p2, triples, filters, optionals)
        elif node.name == "Filter":
            filters.append((node.expr, _bound_by(node.p)))
            self._collect(node.p, triples, filters, optionals)
        elif node.name == "LeftJoin":
            self._collect(node.p1, triples, filters, optionals)
            before = {t for triple in triples for t in triple}
            condition = node.expr if node.get("expr") is not None else None
            optionals.append((node.p2, condition, before))
        else:
            raise Unsupported

    def optional(self, node: CompValue, condition: Any) -> None:
        """An OPTIONAL part: its matches for each match so far, or one with its new
        variables unbound (a lateral left join)."""
        inner = _Translation(self.base, self.match.nested(), self.bound)
        inner.pattern(node)
        if condition is not None and not _no_condition(condition):
            inner.match.where(inner.condition(condition))
        new = [v for v in inner.bound if v not in self.bound]
        columns = [inner.bound[v].sql for v in new]
        alias = self.match.optional(inner.match, columns)
        for index, v in enumerate(new):
            self.bound[v] = Bound(f"{alias}.c{index}", inner.bound[v].kind, optional=True)

    def triples(self, triples: list[tuple[Any, Any, Any]]) -> None:
        """Resolve each pattern to one meaning of its predicate, then build the match."""
        kinds: dict[Any, set[Kind] | None] = {v: {b.kind} for v, b in self.bound.items()}
        typed: list[Any] = []
        options: list[tuple[Any, Any, list[Use]]] = []
        for s, p, o in triples:
            if isinstance(s, Literal) or not isinstance(p, URIRef):
                raise Unsupported
            if isinstance(s, URIRef):
                _narrow(kinds, s, {iri_kind(self.base, str(s))})
            if is_node_type(p, o):
                _narrow(kinds, s, {Kind("node", node_classes()[str(o)])})
                typed.append(s)
                continue
            uses = list(predicate_uses().get(str(p), ()))
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
                changed |= _narrow(kinds, s, {u.subject_kind for u in kept})
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

        linked_by = _read_through_copies(options, typed, self.bound)
        for s in typed:
            row(s)
        for s, o, (use,) in options:
            if use.how == "concept":
                assert use.table is not None
                table = self.match.concepts(use.table.rows())
                self.equal(s, f"{table}.code", kind[s])
                self.object(o, f"{table}.term", use.object_kind)
                continue
            if use.how == "parent":
                assert use.link is not None
                child = row(o)
                self.equal(s, self.match.parent_link(use.link, child), kind[s])
                continue
            if s in linked_by and use.item is not None:
                source, relation = linked_by[s]
                value = self.match.copied(relation, use.item, row(source))
                self.object(o, value, use.object_kind)
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
            key = iri_key(self.base, kind, str(thing))
            bound = "" if key is None else self.match.bind(key, key_scalar(kind))
            self.match.where("false" if key is None else f"{sql} = {bound}")
        elif thing in self.bound:
            if self.bound[thing].optional:
                raise Unsupported  # an unbound variable matches anything: the store's
            self.match.where(f"{self.bound[thing].sql} = {sql}")
        else:
            self.bound[thing] = Bound(sql, kind)

    def object(self, o: Any, sql: str, kind: Kind) -> None:
        """The object of a pattern: a variable, an IRI or a literal."""
        if isinstance(o, Variable | BNode):
            self.equal(o, sql, kind)
        elif kind.tag == "fixed":
            indices = fixed_indices(kind, o)
            self.match.where(_among(sql, indices) if indices else "false")
        elif isinstance(o, URIRef):
            key = iri_key(self.base, kind, str(o))
            if key is None:
                self.match.where("false")
            else:
                self.match.where(f"{sql} = {self.match.bind(key, key_scalar(kind))}")
        else:
            scalar = kind.scalar
            given = literal_scalar(o)
            if scalar is None or given is None or scalar is Scalar.DATETIME:
                raise Unsupported  # an instant's term keeps its offset: the store decides
            if given is not scalar:
                self.match.where("false")  # another datatype is another term
            else:
                self.match.where(f"{sql} = {self._constant(o, scalar)}")

    # Filters

    def condition(self, expression: Any) -> str:
        """SQL of a filter expression. What is translated raises no error but an unbound
        value, which is NULL here: SQL's NULL in a comparison, AND, OR and NOT is SPARQL's
        error there."""
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
            value = self.variable(expression.arg)
            return f"{value.sql} IS NOT NULL" if value.optional else "true"
        if name in ("Builtin_STRSTARTS", "Builtin_STRENDS", "Builtin_CONTAINS"):
            value = self.variable(expression.arg1)
            if value.kind.scalar is not Scalar.STRING or literal_scalar(expression.arg2) not in (
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
        """SQL of ``left op right``: a variable against a constant or another variable."""
        if not isinstance(left, Variable):
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        value = self.variable(left)
        scalar = value.kind.scalar
        sql_op = COMPARISONS[op]
        if value.kind.tag == "fixed" and not isinstance(right, Variable):
            if op not in ("=", "!="):
                raise Unsupported
            indices = fixed_matches(value.kind, right)
            if not indices:
                return _decided(op != "=", [value])
            among = _among(value.sql, indices)
            return among if op == "=" else f"NOT ({among})"
        if isinstance(right, Variable):
            other = self.variable(right)
            if scalar is None:
                if op not in ("=", "!=") or value.kind.tag != other.kind.tag:
                    raise Unsupported
                if value.kind.tag == "fixed" and value.kind.table is not other.kind.table:
                    raise Unsupported  # objects of two tables: positions do not compare
                if value.kind.entity is not other.kind.entity:
                    return _decided(op != "=", [value, other])
                return f"{value.sql} {sql_op} {other.sql}"
            if not comparable(scalar, other.kind.scalar, op):
                raise Unsupported
            return f"{text_order(value.sql, scalar)} {sql_op} {other.sql}"
        if isinstance(right, URIRef):
            if scalar is not None or op not in ("=", "!="):
                raise Unsupported
            key = iri_key(self.base, value.kind, str(right))
            if key is None:
                return _decided(op != "=", [value])
            bound = self.match.bind(key, key_scalar(value.kind))
            return f"{value.sql} {sql_op} {bound}"
        given = literal_scalar(right)
        if scalar is None or given is None or not comparable(scalar, given, op):
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


def _read_through_copies(
    options: list[tuple[Any, Any, list[Use]]], typed: list[Any], bound: dict[Any, Bound]
) -> dict[Any, tuple[Any, Relation]]:
    """The things of a basic pattern whose rows need not be joined: each is linked to
    by exactly one pattern, a to-one link whose target exists (a foreign key), and is the
    subject only of fields the linking row keeps a copy of (``Relation.copies``: a
    repair's home's district). Each with the linking subject and the link; the thing is
    then the link's key, its fields the copies."""
    found: dict[Any, tuple[Any, Relation]] = {}
    for s, o, (use,) in options:
        relation = use.relation
        if (
            use.how != "link"
            or relation is None
            or not relation.copies
            or not relation.enforced
            or not isinstance(o, Variable | BNode)
            or o in bound
            or o in typed
            or o == s
        ):
            continue
        # The thing is nothing else's object, and the subject of copied fields only.
        objects = sum(1 for _, other, _ in options if other == o)
        fields = [u for subject, _, (u,) in options if subject == o]
        if objects == 1 and all(
            u.how == "field"
            and u.subject.name == relation.target
            and u.item is not None
            and relation.copy_of(u.item.name)
            for u in fields
        ):
            found[o] = (s, relation)
    return found


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
    if subject is not None and use.subject_kind not in subject:
        return False
    target = use.object_kind
    if isinstance(o, Literal):
        return target.tag == "fixed" or target.scalar is not None
    if isinstance(o, URIRef):
        return target.tag != "value"
    found = kinds.get(o)
    return found is None or any(target.same(k) for k in found)


def _bound_by(node: Any) -> set[Any]:
    """The variables a group's patterns bind (not its filters)."""
    name = getattr(node, "name", None)
    if name == "BGP":
        return {t for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name in ("Join", "LeftJoin"):
        return _bound_by(node.p1) | _bound_by(node.p2)
    if name == "Filter":
        return _bound_by(node.p)
    return set()


def _variables(node: Any) -> set[Any]:
    """Every variable anywhere in an expression or pattern (inner patterns too)."""
    if isinstance(node, Variable):
        return {node}
    if isinstance(node, dict):
        items = [v for k, v in node.items() if not str(k).startswith("_")]
    elif isinstance(node, list | tuple | set):
        items = list(node)
    else:
        return set()
    found: set[Any] = set()
    for item in items:
        found |= _variables(item)
    return found


def _order_key(value: Bound, descending: bool) -> str | None:
    """SQL ordering by ``value`` as SPARQL orders it (unbound first), or ``None`` when
    only its terms can say (a concept's IRI is its code percent-encoded)."""
    kind = value.kind
    if kind.tag == "node":
        sql = f"({value.sql})::text{BY_CODE_POINT}"  # IRIs of one class order by key text
    elif kind.tag == "value" and kind.scalar in ORDERED:
        sql = text_order(value.sql, kind.scalar)
    else:
        return None
    return f"{sql} DESC NULLS LAST" if descending else f"{sql} NULLS FIRST"


def _no_condition(condition: Any) -> bool:
    """rdflib's OPTIONAL without a filter carries ``TrueFilter``."""
    return getattr(condition, "name", None) == "TrueFilter"


def _among(sql: str, indices: list[int]) -> str:
    """SQL true when ``sql`` (an object's index in its code-list table) is one of these."""
    return f"{sql} IN ({', '.join(map(str, indices))})"


def _is_fixed(kind: Kind | None) -> bool:
    return kind is not None and kind.tag == "fixed"


def _decided(result: bool, operands: list[Bound]) -> str:
    """A comparison decided before it runs: its result, or NULL (SPARQL's error) where an
    OPTIONAL left an operand unbound, so that ``!`` of it is no match either."""
    unbound = [f"{o.sql} IS NULL" for o in operands if o.optional]
    value = "true" if result else "false"
    if not unbound:
        return value
    return f"(CASE WHEN {' OR '.join(unbound)} THEN NULL ELSE {value} END)"
