"""The import formats by name: their readers and media types, in one table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from odx_graph.core.errors import InputError
from odx_graph.services.importing import csv_templates
from odx_graph.services.importing import epc
from odx_graph.services.importing import hact
from odx_graph.services.importing import rdf_format
from odx_graph.services.importing import templates
from odx_graph.services.importing.records import Parsed

Reader = Callable[[bytes, str], Parsed]


@dataclass(frozen=True, slots=True)
class Format:
    """An import format: how to read it and what media type its files have."""

    name: str
    reader: Reader
    media_type: str
    description: str


FORMATS: dict[str, Format] = {
    **{
        name: Format(name, csv_templates.READERS[name], "text/csv", spec.description)
        for name, spec in templates.TEMPLATES.items()
    },
    "hact": Format(
        "hact",
        hact.read_hact,
        "application/json",
        "HACT/UKHDS work orders: RaiseRepair and WorkOrderComplete JSON.",
    ),
    "epc": Format(
        "epc",
        epc.read_epc,
        "text/csv",
        "The EPC register's domestic certificates export (certificates.csv).",
    ),
    "turtle": Format(
        "turtle",
        rdf_format.read_turtle,
        "text/turtle",
        "RDF in Turtle using the odx ontology, valid against ontology/shapes.ttl.",
    ),
    "jsonld": Format(
        "jsonld",
        rdf_format.read_jsonld,
        "application/ld+json",
        "RDF in JSON-LD using the odx ontology, valid against ontology/shapes.ttl.",
    ),
}
CSV_TEMPLATES = templates.TEMPLATES


def _format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(
            f"unknown import format {name!r}; use one of: {', '.join(sorted(FORMATS))}",
            field="format",
        ) from None


def reader(name: str) -> Reader:
    """The reader of format ``name``; raises :class:`InputError` for an unknown one."""
    return _format(name).reader


def media_type(name: str) -> str:
    """The media type of files in format ``name``."""
    return _format(name).media_type


def blank_template(name: str) -> bytes:
    """The blank CSV template ``name`` (its header line)."""
    return templates.blank_template(name)
