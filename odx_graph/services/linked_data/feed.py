"""The change feed as a Linked Data Event Stream (LDES over TREE).

Every version in the change log is a member ``{base}/feed/version/{position}``: in the
default graph it says which thing it is a version of (``dct:isVersionOf``), when it was
published (``prov:generatedAtTime``, the stream's timestamp path) and whether it creates,
updates or deletes the thing (``as:Create``, ``as:Update``, ``as:Delete``: a deletion is
a tombstone); the named graph of the same IRI holds the thing's triples at that version,
exactly as the dump has them. Keeping, for every thing, the graph of its latest version
(none after a tombstone) gives the dump.

Pages hold ``PAGE_SIZE`` consecutive positions: page ``n`` has ``n * PAGE_SIZE + 1`` to
``(n + 1) * PAGE_SIZE``. A full page never changes and links to the next one with a
``tree:GreaterThanOrEqualToRelation`` on the timestamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from odx_graph.core.vocab import CODE_BASE
from odx_graph.mapping import Entity
from odx_graph.services.linked_data.codes import CODE_SEGMENT
from odx_graph.services.linked_data.rdf import row_triples
from odx_graph.services.linked_data.rdf_formats import NTriplesWriter
from odx_graph.store import changes
from odx_graph.store.db import Database
from odx_graph.store.db import Record

PAGE_SIZE = 500
# Rounds of publishing one request may do before it answers with what is there.
PUBLISH_ROUNDS = 4

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"
IS_VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
ACTIVITY = "https://www.w3.org/ns/activitystreams#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
KINDS = {"create": "Create", "update": "Update", "delete": "Delete"}

TRIG = "application/trig"
NQUADS = "application/n-quads"
FEED_FORMATS = (TRIG, NQUADS)


def render(entity: Entity, row: Record) -> str:
    """How the change log keeps a row: its dump triples as sorted N-Triples lines, with
    this server's IRIs relative (``</id/home/1>``) so the log outlives a change of
    ``ODX_BASE_IRI``; :func:`rebase` makes them absolute again."""
    lines = set(NTriplesWriter().chunk(row_triples(entity, row, "")).splitlines())
    return "".join(f"{line}\n" for line in sorted(lines))


def rebase(triples: str, base: str) -> str:
    """Stored N-Triples with this server's IRIs made absolute under ``base``. Only the
    subject and an IRI object are touched, never a literal."""
    out = []
    for line in triples.splitlines():
        subject_end = line.index("> ") + 2
        predicate_end = line.index("> ", subject_end) + 2
        subject, obj = line[:subject_end], line[predicate_end:]
        if subject.startswith("</"):
            subject = f"<{base}{subject[1:]}"
        if obj.startswith("</"):
            obj = f"<{base}{obj[1:]}"
        out.append(f"{subject}{line[subject_end:predicate_end]}{obj}\n")
    return "".join(out)


async def publish_all(db: Database, rounds: int = PUBLISH_ROUNDS) -> int:
    """Publish noted changes, up to ``rounds`` batches; how many versions were appended."""
    total = 0
    for _ in range(rounds):
        appended = await changes.publish(db, render)
        if not appended:  # nothing ready, or another process is publishing
            break
        total += appended
    return total


def thing_iri(base: str, segment: str, key: int) -> str:
    """The IRI of the thing a version is of: a node, or a code list (``code/{scheme}``)."""
    if segment.startswith(CODE_SEGMENT):
        return f"{CODE_BASE}{segment[len(CODE_SEGMENT) :]}"
    return f"{base}/id/{segment}/{key}"


def stream_iri(base: str) -> str:
    """The event stream's IRI."""
    return f"{base}/feed"


def page_iri(base: str, number: int) -> str:
    """The IRI of page ``number``."""
    return f"{base}/feed/page/{number}"


def version_iri(base: str, position: int) -> str:
    """The IRI of the member at ``position``."""
    return f"{base}/feed/version/{position}"


def page_of(position: int) -> int:
    """The page holding ``position`` (positions start at 1)."""
    return max(position - 1, 0) // PAGE_SIZE


def _time(value: dt.datetime) -> str:
    return f'"{value.astimezone(dt.UTC).isoformat()}"^^<{XSD_DATETIME}>'


def stream_description(base: str, last_position: int) -> str:
    """The event stream itself (N-Triples, valid TriG and Turtle): its paths, the kinds
    of version and its first page."""
    stream = f"<{stream_iri(base)}>"
    lines = [
        f"{stream} <{RDF_TYPE}> <{LDES}EventStream> .",
        f"{stream} <{LDES}timestampPath> <{PROV_TIME}> .",
        f"{stream} <{LDES}versionOfPath> <{IS_VERSION_OF}> .",
        f"{stream} <{LDES}versionCreateObject> <{ACTIVITY}Create> .",
        f"{stream} <{LDES}versionUpdateObject> <{ACTIVITY}Update> .",
        f"{stream} <{LDES}versionDeleteObject> <{ACTIVITY}Delete> .",
        f"{stream} <{TREE}view> <{page_iri(base, 0)}> .",
        f"<{page_iri(base, 0)}> <{RDF_TYPE}> <{TREE}Node> .",
        f'{stream} <http://rdfs.org/ns/void#entities> "{last_position}"^^<{XSD_INTEGER}> .',
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the stream, ready to serve."""

    number: int
    full: bool  # immutable from now on
    members: list[changes.Version]


async def read_page(db: Database, number: int) -> Page | None:
    """Page ``number``, or ``None`` when the log has not reached it yet (the page after a
    full one exists, empty, so a follower always has somewhere to wait)."""
    last, _ = await changes.log_end(db)
    first = number * PAGE_SIZE + 1
    if number < 0 or (number > 0 and first > last + 1):
        return None
    members = await changes.versions(db, first, first + PAGE_SIZE - 1)
    return Page(number, last >= first + PAGE_SIZE - 1, members)


def _default_graph(base: str, page: Page) -> Iterable[str]:
    stream, node = f"<{stream_iri(base)}>", f"<{page_iri(base, page.number)}>"
    yield f"{stream} <{RDF_TYPE}> <{LDES}EventStream> ."
    yield f"{stream} <{TREE}view> <{page_iri(base, 0)}> ."
    yield f"{node} <{RDF_TYPE}> <{TREE}Node> ."
    if page.full and page.members:
        relation = f"_:next{page.number + 1}"
        yield f"{node} <{TREE}relation> {relation} ."
        yield f"{relation} <{RDF_TYPE}> <{TREE}GreaterThanOrEqualToRelation> ."
        yield f"{relation} <{TREE}node> <{page_iri(base, page.number + 1)}> ."
        yield f"{relation} <{TREE}path> <{PROV_TIME}> ."
        yield f"{relation} <{TREE}value> {_time(page.members[-1].published_at)} ."
    for member in page.members:
        version = f"<{version_iri(base, member.position)}>"
        subject = f"<{thing_iri(base, member.segment, member.key)}>"
        yield f"{stream} <{TREE}member> {version} ."
        yield f"{version} <{RDF_TYPE}> <{ACTIVITY}{KINDS[member.kind]}> ."
        yield f"{version} <{IS_VERSION_OF}> {subject} ."
        yield f"{version} <{PROV_TIME}> {_time(member.published_at)} ."


def page_trig(base: str, page: Page) -> str:
    """A page as TriG: the stream's statements, then one named graph per member."""
    parts = [line + "\n" for line in _default_graph(base, page)]
    for member in page.members:
        if member.triples:
            triples = rebase(member.triples, base)
            parts.append(f"<{version_iri(base, member.position)}> {{\n{triples}}}\n")
    return "".join(parts)


def page_nquads(base: str, page: Page) -> str:
    """A page as N-Quads."""
    parts = [line + "\n" for line in _default_graph(base, page)]
    for member in page.members:
        graph = f"<{version_iri(base, member.position)}>"
        lines = rebase(member.triples, base).splitlines()
        parts.extend(f"{line[:-1]}{graph} .\n" for line in lines)
    return "".join(parts)
