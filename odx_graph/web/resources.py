"""Linked Data over HTTP: dereferenceable IRIs with content negotiation, the ontology, the
JSON-LD context, dumps and the dataset description."""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from rdflib import Graph
from rdflib import URIRef
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.responses import StreamingResponse
from starlette.routing import Route

from odx_graph.core.access import PUBLIC
from odx_graph.core.errors import ErrorCode
from odx_graph.core.ids import KEY
from odx_graph.core.vocab import ONTOLOGY_IRI
from odx_graph.core.vocab import ontology_dir
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data import codes
from odx_graph.services.linked_data import dataset
from odx_graph.services.linked_data import declarations
from odx_graph.services.linked_data import html_pages
from odx_graph.services.linked_data.dump_files import DumpFiles
from odx_graph.services.linked_data.rdf_formats import ALL_FORMATS
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.linked_data.rdf_formats import format_override
from odx_graph.services.linked_data.rdf_formats import negotiate
from odx_graph.services.linked_data.rdf_formats import serialise
from odx_graph.services.refdata import load_shapes
from odx_graph.store import changes
from odx_graph.store import reads as graph_repo
from odx_graph.store.version import data_state
from odx_graph.web.readers import open_reader
from odx_graph.web.see_also import people_links

UPRN = re.compile(r"^[1-9][0-9]{0,11}$")


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers={"Vary": "Accept"})


def _not_found(what: str) -> JSONResponse:
    return _error(404, ErrorCode.NOT_FOUND.value, f"{what} is not in this dataset")


def choose_format(
    request: Request, offered: tuple[RdfFormat, ...] = ALL_FORMATS
) -> RdfFormat | Response:
    """The format asked for by ``?format=`` or ``Accept``, or a 406 response."""
    override = request.query_params.get("format")
    if override is not None:
        fmt = format_override(override)
        if fmt is None or fmt not in offered:
            names = ", ".join(f.value for f in offered)
            return _error(
                406, "NOT_ACCEPTABLE", f"format={override!r} is not offered; use one of {names}"
            )
        return fmt
    fmt = negotiate(request.headers.get("accept"), offered)
    if fmt is None:
        types = ", ".join(f.media_type for f in offered)
        return _error(
            406,
            "NOT_ACCEPTABLE",
            f"none of the accepted types is offered; this resource is available as {types}",
        )
    return fmt


def _alternates(path: str, offered: tuple[RdfFormat, ...] = ALL_FORMATS) -> dict[str, str]:
    return {f.media_type: f"{path}?format={f.value}" for f in offered}


def matches(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (or is ``*``: any representation)."""
    header = request.headers.get("if-none-match", "")
    return header.strip() == "*" or etag in header


def _respond(
    request: Request,
    body: bytes,
    fmt: RdfFormat,
    alternates: dict[str, str],
    extra_links: tuple[str, ...] = (),
) -> Response:
    """A representation with ETag (and 304 on a match), Vary and Link headers."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    links = [f'<{href}>; rel="alternate"; type="{media}"' for media, href in alternates.items()]
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=60"}
    if link := ", ".join([*extra_links, *links]):  # no empty Link header
        headers["Link"] = link
    if matches(request, etag):
        return Response(status_code=304, headers=headers)
    charset = "; charset=utf-8" if fmt is not RdfFormat.JSONLD else ""
    return Response(body, media_type=fmt.media_type + charset, headers=headers)


HACT_MEDIA_TYPE = "application/vnd.hact+json"


def wants_hact(request: Request) -> bool:
    """Whether a repair is asked for as HACT work-order JSON (``?format=hact`` or
    ``Accept: application/vnd.hact+json``)."""
    if request.query_params.get("format") is not None:
        return request.query_params.get("format") == "hact"
    return HACT_MEDIA_TYPE in request.headers.get("accept", "")


async def _hact_repair(request: Request, key: int) -> Response:
    """A repair as HACT v3.3 work-order objects keyed by kind (open data: no free text)."""
    from odx_graph.services.hact_export import repair_document

    document = await repair_document(open_reader(request.app.state), key)
    if document is None:
        return _not_found(f"Repair {key}")
    if isinstance(document, str):
        return _error(406, "NOT_ACCEPTABLE", f"this repair has no HACT form: {document}")
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=60"}
    if matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=HACT_MEDIA_TYPE, headers=headers)


async def node_resource(request: Request) -> Response:
    """``GET /id/{segment}/{key}``: one thing in Turtle, JSON-LD, N-Triples or HTML."""
    state = request.app.state
    segment, key = request.path_params["segment"], request.path_params["key"]
    entity = MAPPING.by_iri_segment(segment)
    if entity is None or not KEY.match(key):
        return _not_found("that IRI")
    if entity.name == "Repair" and wants_hact(request):
        return await _hact_repair(request, int(key))
    fmt = choose_format(request)
    if isinstance(fmt, Response):
        return fmt
    graph = await dataset.describe(open_reader(state), state.settings, PUBLIC, entity, int(key))
    if graph is None:
        return _not_found(f"{entity.name} {key}")
    subject = URIRef(f"{state.settings.base_iri}{request.url.path}")
    described_by = f'<{state.settings.base_iri}/ontology>; rel="describedby"'
    # The long lists others' rows state (a home's repairs): navigation, not data.
    lists = dataset.inverse_links(state.settings, entity, int(key))
    list_links = tuple(f'<{found.fragment}>; rel="{found.relation}"' for found in lists)
    see_also = []
    if fmt is RdfFormat.HTML:
        reader = open_reader(state)
        lists = await dataset.inverse_lists(reader, state.settings, PUBLIC, entity, int(key))
        see_also = await people_links(reader, state.settings.base_iri, entity, key)
    return _described(request, graph, subject, fmt, (described_by, *list_links), see_also, lists)


def _described(
    request: Request,
    graph: Graph,
    subject: URIRef,
    fmt: RdfFormat,
    extra_links: tuple[str, ...] = (),
    see_also: list[tuple[str, str]] | None = None,
    lists: list[dataset.InverseList] | None = None,
) -> Response:
    """The description of ``subject`` in ``fmt`` (an HTML page for people, ending with
    ``see_also``: links to the pages for people about it)."""
    state = request.app.state
    alternates = _alternates(request.url.path)
    if fmt is RdfFormat.HTML:
        labeller = html_pages.Labeller(state.ontology, state.settings.base_iri)
        navigation = [(f.relation, f.fragment, f.members) for f in lists or ()]
        body = html_pages.resource_page(
            graph, subject, labeller, alternates, see_also or (), navigation
        ).encode()
    else:
        body = serialise(graph, fmt)
    return _respond(request, body, fmt, alternates, extra_links)


async def home_by_uprn(request: Request) -> Response:
    """``GET /id/home/uprn/{uprn}``: 303 See Other to the home's canonical IRI."""
    uprn = request.path_params["uprn"]
    if not UPRN.match(uprn):
        return _error(404, ErrorCode.INVALID_UPRN.value, "that is not a UPRN (1 to 12 digits)")
    key = await graph_repo.home_key_by_uprn(open_reader(request.app.state), int(uprn))
    if key is None:
        return _not_found(f"UPRN {uprn}")
    location = f"/id/home/{key}"
    if request.url.query:
        location += f"?{request.url.query}"
    return RedirectResponse(location, status_code=303, headers={"Vary": "Accept"})


async def ontology(request: Request) -> Response:
    """``GET /ontology``: the ontology as Turtle, JSON-LD, N-Triples or an HTML reference."""
    fmt = choose_format(request)
    if isinstance(fmt, Response):
        return fmt
    alternates = _alternates("/ontology")
    if fmt is RdfFormat.TURTLE:
        body = (ontology_dir() / "odx.ttl").read_bytes() + declarations.undeclared_turtle()
    elif fmt is RdfFormat.HTML:
        body = html_pages.ontology_page(
            request.app.state.ontology, URIRef(ONTOLOGY_IRI), alternates
        ).encode()
    else:
        body = serialise(_copy(request.app.state.ontology), fmt)
    return _respond(request, body, fmt, alternates)


SHAPES_FORMATS = (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES)


@functools.cache
def _shapes_body(fmt: RdfFormat) -> bytes:
    """The shapes as served: those imports and dumps are checked with (``shapes.ttl`` and
    the property shapes of mapped fields it lacks); as Turtle, the file's own bytes and
    then the shapes it lacks, as ``/ontology`` serves the ontology."""
    if fmt is RdfFormat.TURTLE:
        return (ontology_dir() / "shapes.ttl").read_bytes() + declarations.unshaped_turtle()
    return serialise(_copy(load_shapes()), fmt)


async def shapes(request: Request) -> Response:
    """``GET /shapes``: the SHACL shapes every served document and the dumps conform to
    (validate with the ontology, ``GET /ontology``, as the ontology graph), as Turtle,
    JSON-LD or N-Triples."""
    fmt = choose_format(request, SHAPES_FORMATS)
    if isinstance(fmt, Response):
        return fmt
    body = await asyncio.to_thread(_shapes_body, fmt)
    return _respond(request, body, fmt, _alternates("/shapes", SHAPES_FORMATS))


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


async def context_document(request: Request) -> Response:
    """``GET /context.jsonld``: the JSON-LD context for GraphQL responses."""
    body = json.dumps(dataset.graphql_context(), indent=2).encode()
    return _respond(request, body, RdfFormat.JSONLD, {})


async def dataset_dump(request: Request) -> Response:
    """``GET /dump.{nt,ttl,jsonld}[.gz]``: the whole open dataset, streamed, and once
    complete kept as a file for its data version and served from it in byte ranges."""
    name = request.path_params["name"]
    compressed = name.endswith(".gz")
    fmt = dataset.DUMP_FORMATS.get(name.removesuffix(".gz"))
    if fmt is None:
        return _not_found(f"/dump.{name}")
    state = request.app.state
    # The data version names the dump's content. While it is streamed from the database
    # the ETag is weak (a write during the download may be in it); the file it leaves is
    # that version's dump from then on, with a strong ETag and byte ranges.
    reader = open_reader(state)
    version = await data_state(reader)
    tag = f"{version.database}-{version.version}"
    media_type = "application/gzip" if compressed else fmt.media_type
    headers = {
        "Cache-Control": "no-cache",
        "Content-Disposition": f'attachment; filename="odx-graph.{name}"',
    }
    _, modified = await changes.log_end(reader)
    if modified is not None:
        headers["Last-Modified"] = email.utils.format_datetime(modified, usegmt=True)
    files = _dump_files(state)
    kept = files.complete(tag, name)
    headers["ETag"] = f'"{tag}-{name}"' if kept is not None else f'W/"{tag}-{name}"'
    if matches(request, headers["ETag"].removeprefix("W/")):
        return Response(status_code=304, headers=headers)
    if kept is not None:
        # Range, If-Range (this strong ETag), 206 and 416 as RFC 9110 has them.
        return FileResponse(kept, media_type=media_type, headers=headers)
    slots = state.dump_slots
    if slots.locked():
        response = _error(503, "SERVER_BUSY", "too many dumps are being downloaded; retry shortly")
        response.headers["Retry-After"] = "30"
        return response
    dumped = dataset.dump(reader, state.settings, PUBLIC, fmt, state.ontology)
    chunks: Any = _holding_slot(dumped, slots)
    if compressed:
        chunks = dataset.gzipped(chunks)
    headers["Accept-Ranges"] = "none"  # until the file is complete
    return StreamingResponse(files.kept(chunks, tag, name), media_type=media_type, headers=headers)


def _dump_files(state: Any) -> DumpFiles:
    if getattr(state, "dump_files", None) is None:
        state.dump_files = DumpFiles()
    files: DumpFiles = state.dump_files
    return files


async def _holding_slot(
    chunks: AsyncIterator[bytes], slots: asyncio.Semaphore
) -> AsyncIterator[bytes]:
    """Pass ``chunks`` through while holding a dump slot. The slot is taken when the
    stream starts (a response never sent takes none) and given back however it ends."""
    async with slots:
        async for chunk in chunks:
            yield chunk


async def dataset_description(request: Request) -> Response:
    """``GET /.well-known/void``: VoID and DCAT description of the dataset."""
    fmt = choose_format(request, (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES))
    if isinstance(fmt, Response):
        return fmt
    state = request.app.state
    if getattr(state, "triple_count", None) is None:
        state.triple_count = dataset.TripleCount()
    graph = await dataset.void_description(
        open_reader(state), state.settings, PUBLIC, state.triple_count, state.ontology
    )
    offered = (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES)
    return _respond(request, serialise(graph, fmt), fmt, _alternates("/.well-known/void", offered))


async def code_resource(request: Request) -> Response:
    """``GET /code/{scheme}[/{code}]``: a code list or one of its concepts, in SKOS."""
    state = request.app.state
    scheme, code = request.path_params["scheme"], request.path_params.get("code")
    fmt = choose_format(request)
    if isinstance(fmt, Response):
        return fmt
    found = await codes.describe_code(open_reader(state), state.ontology, scheme, code)
    if found is None:
        return _not_found("that code")
    subject, graph = found
    return _described(request, graph, subject, fmt)


ROUTES = [
    Route("/code/{scheme}", code_resource),
    Route("/code/{scheme}/{code:path}", code_resource),
    Route("/id/home/uprn/{uprn}", home_by_uprn),
    Route("/id/{segment}/{key}", node_resource),
    Route("/ontology", ontology),
    Route("/shapes", shapes),
    Route("/context.jsonld", context_document),
    Route("/dump.{name}", dataset_dump),
    Route("/.well-known/void", dataset_description),
]
