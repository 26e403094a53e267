"""The vocabulary of the mapping: entities, fields, relations, filters and sort keys.

SQL snippets use ``{t}`` for the alias of the entity's own table and ``{p}`` for a filter's
value: a bound parameter, or for the numbers and days of range filters a typed literal
written from the parsed value (``mapping.query._literal``); no client's text is ever
interpolated into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote

from odx_graph.core.vocab import CODE_BASE


class Scalar(StrEnum):
    """Value types of mapped fields; each has one GraphQL scalar and one XSD datatype."""

    STRING = "String"
    INT = "Int"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    DATE = "Date"
    DATETIME = "DateTime"
    DECIMAL = "Decimal"


class Cardinality(StrEnum):
    """How many targets a relation has and how the API pages them."""

    ONE = "one"  # a single object (or null)
    LIST = "list"  # a short bounded list (lines, references, history)
    CONNECTION = "connection"  # a cursor-paginated connection


class FilterKind(StrEnum):
    """How a filter's input value is parsed and bound."""

    STRINGS = "strings"  # [String!]: any of these values
    CONTAINS = "contains"  # String: a case-insensitive substring (bound as an ILIKE pattern)
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    IDS = "ids"  # [ID!] global IDs of the entity named by ``Filter.target``
    POSTCODE = "postcode"  # area, district, sector or full postcode
    UPRNS = "uprns"  # [String!] of UPRNs, checked and bound as bigint[]


def snake_case(name: str) -> str:
    """``postcodeDistrict`` -> ``postcode_district``; ``addressLine1`` -> ``address_line_1``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z0-9])", "_", name).lower()


def curie(term: str) -> str:
    """A term as a CURIE: bare names are in the ``odx`` namespace."""
    return term if ":" in term else f"odx:{term}"


class Form(StrEnum):
    """How a written value is spelt in import files, when its type alone does not say."""

    PLAIN = ""  # as the field's type: text, whole or decimal number, date, date-time...
    UPRN = "uprn"  # 1 to 12 digits, not all zeros
    POSTCODE = "postcode"  # a full UK postcode, normalised
    MONEY = "money"  # an amount in pounds
    QUANTITY = "quantity"  # a positive decimal quantity
    DISTRICTS = "districts"  # postcode districts, |-separated (a list field)
    URL = "url"  # an http:// or https:// web address


@dataclass(frozen=True, slots=True)
class Write:
    """How a field is written: its import template column and the rules of its values.

    The CSV templates, the import records and writers, the RDF reader and the SHACL
    property shapes all read this one description. ``bounds`` (inclusive) and ``pattern``
    (a full match) are the field's constraints, the same as the database's checks.
    """

    column: str = ""  # the template column; by default the field's name in snake_case
    about: str = ""  # the template's description of the column; by default the field's
    example: str = ""  # an example value, shown in the template docs
    required: bool = False  # every row must give a value
    bounds: tuple[float, float] | None = None
    pattern: str = ""
    form: Form = Form.PLAIN
    # False: not carried by the mapped import records, RDF reader and writers' column
    # lists (loads write it, or a template's reader and writer of its own): its
    # constraints, and its template column when it has one, still come from here.
    imported: bool = True

    @property
    def limits(self) -> tuple[float | None, float | None]:
        """The lowest and highest values accepted (``None``: no limit); an amount of
        money is never negative."""
        if self.bounds is not None:
            return self.bounds
        return (0, None) if self.form is Form.MONEY else (None, None)


@dataclass(frozen=True, slots=True)
class Field:
    """A scalar field: GraphQL name, value type, description, SQL and ontology term.

    ``sql`` defaults to the column named like the field (``{t}.postcode_district``) and
    ``term`` to ``odx:`` + the field name.
    """

    name: str
    type: Scalar
    description: str
    sql: str = ""
    term: str = ""
    nullable: bool = True
    many: bool = False  # a list of values (a PostgreSQL array)
    private: bool = False  # free text or person data: null unless the caller may see it
    iri_prefix: str = ""  # in RDF the value names a resource: this prefix + the value
    derived: bool = False  # computed by the database from other columns; never written
    write: Write | None = None  # how imports write it (None: imports never do)
    # Depends on the day it is read (an age): GraphQL gives it; Linked Data, whose graphs
    # must not drift between the day a version is published and the day a dump is made,
    # publishes only the dates it comes from.
    as_of_today: bool = False

    def __post_init__(self) -> None:
        if not self.sql:
            object.__setattr__(self, "sql", "{t}." + snake_case(self.name))

    @property
    def column(self) -> str:
        """The table column holding the value (the SQL without alias or output cast)."""
        return self.sql.removeprefix("{t}.").split("::", 1)[0]

    @property
    def imported(self) -> bool:
        """Whether the mapped import records carry this field (see ``Write.imported``)."""
        return self.write is not None and self.write.imported

    @property
    def template_column(self) -> str:
        """The import template's column of this field."""
        given = self.write.column if self.write is not None else ""
        return given or snake_case(self.name)

    @property
    def curie(self) -> str:
        """The ontology term as a CURIE."""
        return curie(self.term or self.name)


@dataclass(frozen=True, slots=True)
class Relation:
    """A link to another entity: ``{t}.source_column`` matches ``target.target_column``."""

    name: str
    target: str
    cardinality: Cardinality
    source_column: str
    target_column: str
    description: str
    term: str
    nullable: bool = True
    # For polymorphic children (references): the target column naming the parent's kind,
    # and the value that means this parent, e.g. ("subject_type", "home").
    discriminator: tuple[str, str] | None = None
    source_is_array: bool = False  # the source column holds an array of target keys
    # False when no foreign key guarantees the target exists (a repair line's SOR code may
    # be a landlord's own): readers then look the key up instead of trusting it.
    enforced: bool = True
    # Many-to-many: a table or view linking the two sides, as (its name, its column
    # holding this entity's key, its column holding the target's key). The target's
    # ``target_column`` is then its key, and rows of the target do not name the parent.
    via: tuple[str, str, str] | None = None
    # Fields of the target kept on this row too, as (the target's field, this table's
    # column): a trigger keeps each copy equal to the target's value whenever either row
    # changes (a repair's home's postcode district, migration 0033), so a reader may take
    # the value from this row without joining the target.
    copies: tuple[tuple[str, str], ...] = ()

    @property
    def curie(self) -> str:
        """The ontology term as a CURIE."""
        return curie(self.term)

    def copy_of(self, field: str) -> str | None:
        """This table's column holding a copy of the target's ``field``, if kept."""
        return next((column for name, column in self.copies if name == field), None)

    def link_condition(self, alias: str, parent: str) -> str:
        """SQL true when the target row ``alias`` is linked to the parent key ``parent``."""
        if self.via is None:
            return f"{alias}.{self.target_column} = {parent}"
        table, parent_column, child_column = self.via
        return (
            f"{alias}.{self.target_column} IN "
            f"(SELECT via_link.{child_column} FROM {table} via_link "
            f"WHERE via_link.{parent_column} = {parent})"
        )

    @property
    def condition(self) -> str:
        """Extra SQL the target rows must meet (``{t}`` is the target's alias)."""
        if self.discriminator is None:
            return ""
        column, value = self.discriminator
        return f"{{t}}.{column} = '{value}'"


@dataclass(frozen=True, slots=True)
class Filter:
    """One field of an entity's filter input, with the SQL condition it adds."""

    name: str
    kind: FilterKind
    sql: str
    description: str
    target: str = ""  # for IDS: the entity whose global IDs are accepted
    bounds: tuple[int, int] = (-(2**31), 2**31 - 1)  # for INT: the accepted range
    # For STRINGS of codes: the code list (entity name) the values must come from. A
    # closed list (one with an ``enum``) makes the filter take values of that enum type;
    # an open one is checked against the database, as mutations check codes.
    codes: str = ""
    # For POSTCODE: ``(home column, sql)`` pairs, the condition used at that level in place
    # of ``sql`` (a repair's district is on the repair: no look-up of its home).
    by_level: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Order:
    """A sort key. ``sql`` must never be null, so keyset cursors can compare it."""

    name: str
    sql: str
    type: Scalar
    description: str
    descending: bool = False  # the direction used when a request names none


@dataclass(frozen=True, slots=True)
class Entity:
    """A class of the ontology, a GraphQL object type and a table."""

    name: str
    table: str
    description: str
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    filters: tuple[Filter, ...] = ()
    orders: tuple[Order, ...] = ()
    key: str = "id"
    key_type: Scalar = Scalar.INT
    iri_segment: str = ""  # nodes: {base}/id/{iri_segment}/{key}
    scheme: str = ""  # code lists: https://w3id.org/odx/code/{scheme}/{code}
    collection: str = ""  # name of the top-level Query field listing them, if any
    term: str = ""
    # Who a row belongs to, for the private-field rule: (role, SQL of the owning key),
    # roles being "landlord", "contractor" and "home" (see odx_graph.core.access.Role).
    owners: tuple[tuple[str, str], ...] = ()
    # Closed code lists: the GraphQL enum type of their codes (filters and mutations take
    # it; the code list's ``value`` field gives it), and the prefix of value names for
    # codes that start with a digit (priority "1" is P1).
    enum: str = ""
    enum_prefix: str = ""

    @property
    def imported_fields(self) -> tuple[Field, ...]:
        """The fields import files give, in declaration order."""
        return tuple(f for f in self.fields if f.imported)

    @property
    def written_fields(self) -> tuple[Field, ...]:
        """The fields with a ``Write`` (a template column and its rules), in declaration
        order: the imported fields and those a template's own reader writes."""
        return tuple(f for f in self.fields if f.write is not None)

    @property
    def private_fields(self) -> tuple[Field, ...]:
        """The fields hidden from callers who may not read the row's private fields."""
        return tuple(f for f in self.fields if f.private)

    def enum_name(self, code: str) -> str:
        """The GraphQL enum value name of one of this code list's codes: upper case, with
        anything but letters and digits as ``_`` (``in-progress`` is ``IN_PROGRESS``)."""
        name = re.sub(r"[^A-Za-z0-9]", "_", code).upper()
        return self.enum_prefix + name if name[:1].isdigit() or not name else name

    @property
    def is_node(self) -> bool:
        """Whether the entity has a global ID and an IRI on this server."""
        return bool(self.iri_segment)

    @property
    def curie(self) -> str:
        """The ontology class as a CURIE."""
        return curie(self.term or self.name)

    def field(self, name: str) -> Field:
        """The scalar field called ``name``."""
        return _named(self.fields, name, self.name)

    def relation(self, name: str) -> Relation:
        """The relation called ``name``."""
        return _named(self.relations, name, self.name)

    def order(self, name: str) -> Order:
        """The sort key called ``name``."""
        return _named(self.orders, name, self.name)

    def concept_iri(self, code: str) -> str:
        """The IRI of a code-list concept of this entity's scheme (the code percent-encoded,
        so no code can break out of the IRI)."""
        return f"{CODE_BASE}{self.scheme}/{quote(code, safe='-._~')}"


_Named = TypeVar("_Named", Field, Relation, Order)


def _named(items: tuple[_Named, ...], name: str, owner: str) -> _Named:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(f"{owner}.{name}")


@dataclass(frozen=True, slots=True)
class IncomingLink:
    """A parent's to-many relation whose child does not point back with a to-one relation
    of its own (repair lines, status events, references): in RDF the link is written from
    the child's row, which holds the parent's key."""

    parent: Entity
    relation: Relation

    @property
    def key_column(self) -> str:
        """Column of the child holding the parent's key."""
        return self.relation.target_column

    @property
    def flag(self) -> str:
        """Row value telling whether the child belongs to this kind of parent."""
        return f"_in_{self.parent.name}_{self.relation.name}"


@dataclass(frozen=True)
class Mapping:
    """All mapped entities by name, checked for consistency when built."""

    entities: tuple[Entity, ...]
    by_name: dict[str, Entity] = field(init=False)
    _incoming: dict[str, tuple[IncomingLink, ...]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {e.name: e for e in self.entities})
        for entity in self.entities:
            for item in entity.fields:
                if item.private and not item.nullable:
                    # Private values are null for callers who may not see them.
                    raise ValueError(f"{entity.name}.{item.name} is private, so must be nullable")
            for relation in entity.relations:
                self._check_relation(entity, relation)
        incoming: dict[str, list[IncomingLink]] = {e.name: [] for e in self.entities}
        for parent in self.entities:
            for relation in parent.relations:
                if relation.cardinality is Cardinality.ONE or relation.source_is_array:
                    continue
                if relation.via is not None:  # the child's row does not hold the link
                    continue
                child = self.by_name[relation.target]
                own = {r.source_column for r in child.relations if r.cardinality is Cardinality.ONE}
                if relation.target_column not in own:
                    incoming[child.name].append(IncomingLink(parent, relation))
        object.__setattr__(self, "_incoming", {k: tuple(v) for k, v in incoming.items()})

    def incoming_links(self, entity: Entity) -> tuple[IncomingLink, ...]:
        """Parent relations into ``entity`` that its rows must write (see IncomingLink)."""
        return self._incoming[entity.name]

    def _check_relation(self, entity: Entity, relation: Relation) -> None:
        """Relations join a foreign key to a key, so loaders can batch them by key."""
        where = f"{entity.name}.{relation.name}"
        target = self.by_name.get(relation.target)
        if target is None:
            raise ValueError(f"{where} targets unknown {relation.target}")
        to_one = relation.cardinality is Cardinality.ONE or relation.source_is_array
        if (to_one or relation.via) and relation.target_column != target.key:
            raise ValueError(f"{where} must join on {target.name}'s key")
        if not to_one and relation.source_column != entity.key:
            raise ValueError(f"{where} must start from {entity.name}'s key")
        for name, _ in relation.copies:
            copied = next((f for f in target.fields if f.name == name), None)
            if copied is None or copied.private or relation.source_is_array or not to_one:
                raise ValueError(f"{where} copies {name}: not a public field of one target")

    def __getitem__(self, name: str) -> Entity:
        return self.by_name[name]

    @property
    def nodes(self) -> tuple[Entity, ...]:
        """Entities with global IDs and IRIs."""
        return tuple(e for e in self.entities if e.is_node)

    def by_iri_segment(self, segment: str) -> Entity | None:
        """The node entity whose IRIs use ``segment``."""
        return next((e for e in self.nodes if e.iri_segment == segment), None)
