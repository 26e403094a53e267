"""Shorthands the domain modules declare their entities with: scalar and filter
kinds, to-one, coded and to-many relations, references, provenance, postcode, landlord
and code filters, newest-first orders and the default order."""

from __future__ import annotations

from odx_graph.mapping.model import Cardinality
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Relation
from odx_graph.mapping.model import Scalar
from odx_graph.mapping.model import snake_case

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
STRING, INT, FLOAT, BOOLEAN = Scalar.STRING, Scalar.INT, Scalar.FLOAT, Scalar.BOOLEAN
DATE, DATETIME, DECIMAL = Scalar.DATE, Scalar.DATETIME, Scalar.DECIMAL
STRINGS, IDS, INT_FILTER = FilterKind.STRINGS, FilterKind.IDS, FilterKind.INT
BOOLEAN_FILTER, DATETIME_FILTER = FilterKind.BOOLEAN, FilterKind.DATETIME
DATE_FILTER, CONTAINS = FilterKind.DATE, FilterKind.CONTAINS
# How date-times are written in import files (the templates' descriptions say it).
DATETIME_NOTE = ("ISO 8601, e.g. 2024-03-01T09:30:00Z; without an offset, UK local time; a "
                 "date alone means 00:00 UK time")


def one(name: str, target: str, description: str, term: str, *, column: str = "",
        nullable: bool = True, copies: tuple[tuple[str, str], ...] = ()) -> Relation:
    """A foreign key (``{name}_id`` unless given) to another node, and the target's
    fields kept on the row (``Relation.copies``)."""
    return Relation(name, target, Cardinality.ONE, column or f"{snake_case(name)}_id", "id",
                    description, term, nullable=nullable, copies=copies)


def coded(name: str, target: str, description: str, term: str, *, column: str = "",
          nullable: bool = True, enforced: bool = True) -> Relation:
    """A code (``{name}_code`` unless given) from a code list."""
    return Relation(name, target, Cardinality.ONE, column or f"{snake_case(name)}_code", "code",
                    description, term, nullable=nullable, enforced=enforced)


def many(name: str, target: str, foreign_key: str, description: str, term: str, *,
         paged: bool = True, discriminator: tuple[str, str] | None = None) -> Relation:
    """Rows of ``target`` whose ``foreign_key`` is this entity's id."""
    cardinality = Cardinality.CONNECTION if paged else Cardinality.LIST
    return Relation(name, target, cardinality, "id", foreign_key, description, term,
                    nullable=False, discriminator=discriminator)


def references(subject: str) -> Relation:
    """The HACT-style references of a ``subject`` ('home', 'repair'...)."""
    return many("references", "Reference", "subject_id",
                "Identifiers other organisations use for this thing (HACT Reference pattern).",
                "hasReference", paged=False, discriminator=("subject_type", subject))


def generated_by() -> Relation:
    """The import that last created or changed the record (PROV-O)."""
    return Relation("generatedBy", "Import", Cardinality.ONE, "import_id", "id",
                    "The import that last created or changed this record; null when it was "
                    "not imported.", "prov:wasGeneratedBy")


def by_postcode(sql: str, by_level: tuple[tuple[str, str], ...] = ()) -> Filter:
    """A postcode filter at any level; ``sql`` names ``{postcode_column}``; ``by_level``
    holds the condition of a level whose column is on the table itself."""
    return Filter("postcode", FilterKind.POSTCODE, sql,
                  "Postcode at any level: area ('SW'), district ('SW1A'), sector ('SW1A 2') "
                  "or full postcode ('SW1A 2AA'). Case and spacing are normalised.",
                  by_level=by_level)


def by_landlord(description: str) -> Filter:
    """The filter of records by their landlord (``landlord_id``): any of the Organisation
    IDs given."""
    return Filter("landlord", IDS, "{t}.landlord_id = ANY({p})", description,
                  target="Organisation")


def by_codes(name: str, description: str, *, codes: str = "") -> Filter:
    """A filter by any of the codes given of the record's code (``{name}_code``, as
    :func:`coded` names it); ``codes`` is the code list its values must come from."""
    return Filter(name, STRINGS, f"{{t}}.{snake_case(name)}_code = ANY({{p}})", description,
                  codes=codes)

def newest_first(name: str, scalar: Scalar, what: str) -> Order:
    """The sort key ``name`` over the column named like it (``REPORTED_AT``:
    ``reported_at``), newest first when a request names no direction."""
    return Order(name, f"{{t}}.{name.lower()}", scalar,
                 f"By {what}, newest first unless ASC is asked for.", descending=True)

# Repairs and components are placed by the postcode of their home.
_HOME_PLACE = "EXISTS (SELECT 1 FROM home h WHERE h.id = {t}.home_id AND h.{postcode_column} = {p})"
HOME_POSTCODE = by_postcode(_HOME_PLACE)
# A repair carries its home's district (migration 0033): a district is read from the
# repair, and a sector or full postcode is narrowed to its district first, so that the
# index on (district, open, contractor, reported) serves every level below the area.
_IN_DISTRICT = "{t}.postcode_district = split_part({p}, ' ', 1) AND " + _HOME_PLACE
REPAIR_POSTCODE = by_postcode(_HOME_PLACE, (
    ("postcode_district", "{t}.postcode_district = {p}"),
    ("postcode_sector", _IN_DISTRICT),
    ("postcode", _IN_DISTRICT),
))
ID_ORDER = Order("ID", "{t}.id", INT, "Order of creation.")
# fmt: on
