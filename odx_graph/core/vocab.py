"""Ontology namespaces and where the packaged ontology, migrations and data live."""

from __future__ import annotations

from pathlib import Path

ODX = "https://w3id.org/odx/def#"
ONTOLOGY_IRI = "https://w3id.org/odx/def"
CODE_BASE = "https://w3id.org/odx/code/"
ONS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

PREFIXES: dict[str, str] = {
    "odx": ODX,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "bot": "https://w3id.org/bot#",
    "org": "http://www.w3.org/ns/org#",
}

_PACKAGE = Path(__file__).resolve().parent.parent  # odx_graph/, above core/


def expand_curie(curie: str) -> str:
    """Expand ``prefix:local`` into a full IRI using :data:`PREFIXES`."""
    prefix, _, local = curie.partition(":")
    try:
        return PREFIXES[prefix] + local
    except KeyError:
        raise ValueError(f"unknown prefix in {curie!r}") from None


def _resource_dir(installed: str, source: str) -> Path:
    """A directory shipped inside the wheel, or its place in a source checkout."""
    packaged = _PACKAGE / installed
    return packaged if packaged.is_dir() else _PACKAGE.parent / source


def ontology_dir() -> Path:
    """Directory holding ``odx.ttl`` (and later ``shapes.ttl``)."""
    return _resource_dir("_ontology", "ontology")


def migrations_dir() -> Path:
    """Directory holding the numbered SQL migrations."""
    return _resource_dir("_migrations", "migrations")


def data_dir() -> Path:
    """Packaged reference data (the NHF SOR code list, the postcode areas the demo
    spreads over, and their notices)."""
    return _PACKAGE / "data"
