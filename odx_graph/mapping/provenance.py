"""Provenance: HACT-style references, imports (PROV-O activities) and the facts each
organisation asserted about a home."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.shorthand import DATETIME
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import IDS
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import STRINGS
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import newest_first
from odx_graph.mapping.shorthand import one

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
REFERENCE = Entity(
    name="Reference", table="reference", iri_segment="reference",
    description="A local identifier allocated by an organisation (HACT Reference: ID, "
                "AllocatedBy, Description). Records from different providers link through these.",
    fields=(
        Field("value", STRING, "The identifier as the organisation writes it.",
              term="referenceValue", nullable=False),
        Field("description", STRING,
              "What kind of identifier it is, e.g. 'tenancy system property ref'.",
              term="referenceDescription"),
    ),
    relations=(
        one("allocatedBy", "Organisation", "The organisation that allocated the identifier.",
            "allocatedBy", nullable=False),
    ),
    orders=(ID_ORDER,),
)

IMPORT = Entity(
    name="Import", table="data_import", iri_segment="import", collection="imports",
    owners=(("landlord", "{t}.organisation_id"),),
    description="One run of loading a file into the graph: who supplied it, when, the file's "
                "hash and what it created, changed and left alone (PROV-O activity).",
    fields=(
        Field("format", STRING, "The import format, e.g. 'homes', 'hact', 'epc', 'turtle'.",
              term="importFormat", nullable=False),
        Field("fileName", STRING, "The file's name as given. Private: null for the public "
              "tier, as names can say who a file is about.", private=True),
        Field("fileHash", STRING, "SHA-256 of the file's bytes, in hex.", nullable=False),
        Field("mediaType", STRING, "The file's media type, e.g. 'text/csv'.", nullable=False),
        Field("startedAt", DATETIME, "When the import started.", nullable=False),
        Field("endedAt", DATETIME, "When the import finished.", nullable=False),
        Field("recordsRead", INT, "Records (rows or JSON objects) read.", nullable=False),
        Field("recordsCreated", INT, "Records that created new things.", nullable=False),
        Field("recordsUpdated", INT, "Records that changed things already known.",
              nullable=False),
        Field("recordsUnchanged", INT, "Records that matched what was already known.",
              nullable=False),
        Field("recordsRejected", INT,
              "Records left out because of problems (only with skip-invalid).", nullable=False),
        Field("problemCount", INT, "Problems found in the rejected records.", nullable=False),
    ),
    relations=(
        one("importedBy", "Organisation", "The organisation that supplied the file.",
            "importedBy", column="organisation_id", nullable=False),
    ),
    filters=(
        Filter("importedBy", IDS, "{t}.organisation_id = ANY({p})",
               "Imports by any of these organisations.", target="Organisation"),
        Filter("format", STRINGS, "{t}.format = ANY({p})", "Any of these formats."),
    ),
    orders=(
        newest_first("STARTED_AT", DATETIME, "start time"),
        ID_ORDER,
    ),
)

ASSERTION = Entity(
    name="Assertion", table="home_assertion", iri_segment="assertion",
    description="A fact about a home as one organisation stated it in one import. When "
                "organisations disagree, every statement is kept here with who made it.",
    fields=(
        Field("property", STRING, "The Home field the statement is about, e.g. 'postcode'.",
              term="assertedProperty", nullable=False),
        Field("value", STRING, "The value stated, as text (null: stated as empty).",
              term="assertedValue"),
        Field("assertedAt", DATETIME, "When the value was last stated.", nullable=False),
    ),
    relations=(
        one("home", "Home", "The home the statement is about.", "about", nullable=False),
        one("assertedBy", "Organisation", "The organisation that made the statement.",
            "assertedBy", column="organisation_id", nullable=False),
        generated_by(),
    ),
    orders=(ID_ORDER,),
)
# fmt: on
