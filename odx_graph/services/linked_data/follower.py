"""Keeping a local Oxigraph store equal to a server's open graph by following its change
feed (``/feed``, a Linked Data Event Stream): the client side of ``feed``.

The store holds one named graph per thing (its IRI), with the triples of the thing's
latest version; a tombstone removes the graph. A page is applied as a whole: of the
versions it holds past the last position applied, only each thing's latest counts, its
graph replaced in one write, so a replay costs a parse and a bulk insert a page rather
than a write a version. Applying a page again changes nothing (versions at or before the
position are skipped), so the position is saved after the page's writes: a follower that
stops between the two reads the page again and ends up the same.

The position is kept beside the store, in ``odx-follow.json``: the feed followed, the
page to read next and the last position applied. Pages are read from the server named,
whatever address its links give (a server behind a proxy, or reached inside a network,
names its public base IRI in them): the next page is what follows ``/feed/`` in its link,
under the feed followed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from odx_graph.core.errors import InputError
from odx_graph.services.linked_data.feed import ACTIVITY
from odx_graph.services.linked_data.feed import IS_VERSION_OF
from odx_graph.services.linked_data.feed import RDF_TYPE
from odx_graph.services.linked_data.feed import TREE

STATE_FILE = "odx-follow.json"
_NODE = f"{TREE}node"
_DELETE = f"{ACTIVITY}Delete"
_FORMATS = {
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying one page did: how many versions past the position it read and how
    many things' graphs it wrote or removed, the position it reached, and the next page
    (``None`` on the last page, which grows: poll it)."""

    versions: int
    things: int
    position: int
    next_page: str | None


@dataclass(slots=True)
class _Page:
    """What a page says: each version's thing, the tombstones, the next page, and each
    version's triples, as N-Triples lines (read from this server's TriG without parsing
    them, the last line's break left off) or as parsed triples."""

    thing_of: dict[str, str]
    deleted: set[str]
    next_page: str | None
    lines: dict[str, bytes]
    triples: dict[str, list[ox.Triple]]


def _position(version: str) -> int:
    try:
        return int(version.rsplit("/", 1)[1])
    except (IndexError, ValueError):
        raise InputError(f"not a version of the feed: {version}") from None


_OPEN, _CLOSE = ord("<"), ord(">")
# A prefix or base directive, which would give names within a block a meaning from outside.
_DIRECTIVE = re.compile(rb"\n[ \t]*(?:@prefix|@base|(?i:prefix|base)[ \t<])")


def _statements(text: bytes, predicate: str, obj: str | None = None) -> Iterator[tuple[str, str]]:
    """Subject and object of each line ``<s> <predicate> <o> .`` (or ``_:s``) in
    ``text``, found by the predicate (and the object, when given: the few lines of a
    common predicate that name it), not by reading every line."""
    needle = f" <{predicate}> ".encode()
    stated = len(needle)
    if obj is not None:
        needle += f"<{obj}>".encode()
    at = text.find(needle)
    while at >= 0:
        start = text.rfind(b"\n", 0, at) + 1
        end = text.find(b"\n", at)
        subject = text[start:at].strip()
        found = text[at + stated : end if end >= 0 else len(text)].strip()
        if found.endswith(b" .") and found.startswith(b"<"):
            found = found[:-2].rstrip()
            if found.endswith(b">"):
                yield subject.strip(b"<>").decode(), found[1:-1].decode()
        at = text.find(needle, at + len(needle))


def _read_trig_blocks(body: bytes) -> _Page | None:
    """A page as this server writes TriG (``feed.page_trig``): the stream's statements a
    line each, then a block ``<version> {`` ... ``}`` of N-Triples lines per version, each
    on lines of its own. The blocks are cut out as they are, not parsed: Oxigraph parses
    them once, as it loads them. ``None`` when the page is laid out in any other way (a
    prefix, a block on one line, other line ends, a version with triples but no block of
    its own): such a page is parsed instead."""
    if b"\r" in body or _DIRECTIVE.search(body) or _DIRECTIVE.match(b"\n" + body[:200]):
        return None
    first = body.find(b"> {\n")
    start = 0 if first < 0 else body.rfind(b"\n", 0, first) + 1
    page = _Page({}, set(), None, {}, {})
    statements = body[:start] if first >= 0 else body
    thing_of = page.thing_of
    for version, thing in _statements(statements, IS_VERSION_OF):
        thing_of[version] = thing
    for version, _ in _statements(statements, RDF_TYPE, _DELETE):
        page.deleted.add(version)
    for _, node in _statements(statements, _NODE):
        page.next_page = node
    if first >= 0:
        rest = body[start:]
        # N-Triples lines hold no raw line break, so " {" and "}" end lines only here.
        if not rest.endswith(b"\n}\n") or rest.count(b" {\n") != rest.count(b"\n}\n"):
            return None
        lines = page.lines
        for block in rest[: -len(b"\n}\n")].split(b"\n}\n"):
            opened = block.find(b" {\n")
            # ``<version>``: a version is named in the stream's statements by an IRI.
            if opened < 0 or block[0] != _OPEN or block[opened - 1] != _CLOSE:
                return None
            version = block[1 : opened - 1].decode()
            if version not in thing_of or version in lines:
                return None
            lines[version] = block[opened + 3 :]  # its lines, less the last line break
    if not thing_of and body.strip():
        return None  # no statement of the stream in the form expected
    if any(v not in page.lines for v in page.thing_of if v not in page.deleted):
        return None
    return page


def _read_parsed(body: bytes, rdf_format: ox.RdfFormat) -> _Page:
    """A page in any layout of TriG or N-Quads, parsed a quad at a time."""
    page = _Page({}, set(), None, {}, {})
    try:
        for quad in ox.parse(body, rdf_format):
            graph = quad.graph_name
            if not isinstance(graph, ox.DefaultGraph):
                page.triples.setdefault(str(graph.value), []).append(quad.triple)
                continue
            predicate, obj = quad.predicate.value, quad.object
            if not isinstance(obj, ox.NamedNode):
                continue
            if predicate == IS_VERSION_OF:
                page.thing_of[str(quad.subject.value)] = obj.value
            elif predicate == _NODE:
                page.next_page = obj.value
            elif predicate == RDF_TYPE and obj.value == _DELETE:
                page.deleted.add(str(quad.subject.value))
    except SyntaxError as exc:
        raise InputError(f"the feed page does not parse: {exc}") from None
    return page


def apply_page(store: ox.Store, body: bytes, rdf_format: ox.RdfFormat, after: int) -> Applied:
    """Apply the versions of one feed page (TriG or N-Quads) published after position
    ``after`` to ``store``. Raises ``InputError`` for a page that does not parse."""
    page = None
    if rdf_format == ox.RdfFormat.TRIG:
        page = _read_trig_blocks(body)
    if page is None:
        page = _read_parsed(body, rdf_format)
    latest: dict[str, str] = {}
    position, versions = after, 0
    for at, version in sorted((_position(v), v) for v in page.thing_of):
        if at > after:
            latest[page.thing_of[version]] = version  # a later version replaces it
            position, versions = at, versions + 1
    # Each thing's graph is replaced; what it held is kept until the new triples are in,
    # so that a page that does not load leaves the store as it was.
    earlier: list[ox.Quad] = []
    for thing in latest:
        node = ox.NamedNode(thing)
        if store.contains_named_graph(node):
            earlier.extend(store.quads_for_pattern(None, None, None, node))
            store.remove_graph(node)
    kept = {t: v for t, v in latest.items() if v not in page.deleted}
    try:
        if page.lines:
            blocks = (b"<%s> {\n%s\n}\n" % (t.encode(), page.lines[v]) for t, v in kept.items())
            store.load(b"".join(blocks), ox.RdfFormat.TRIG)  # all or nothing
        else:
            store.extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(thing))
                for thing, version in kept.items()
                for t in page.triples.get(version, ())
            )
    except SyntaxError as exc:
        store.extend(earlier)
        raise InputError(f"the feed page does not parse: {exc}") from None
    return Applied(versions, len(latest), position, page.next_page)


def _on_server(link: str, feed: str) -> str:
    """The page ``link`` names, read from the feed followed: what follows the feed's path
    in the link (``page/7``) under ``feed``, whatever base the server's links give."""
    marker = "/feed/"
    path = urlsplit(link).path
    if marker not in path:
        return link
    query = urlsplit(link).query
    return f"{feed}/{path.rsplit(marker, 1)[1]}" + (f"?{query}" if query else "")


@dataclass(slots=True)
class FollowState:
    """Where a follower is: the feed it follows, the page to read next and the last
    position applied."""

    feed: str
    page: str
    position: int

    @classmethod
    def load(cls, directory: Path, feed: str) -> FollowState:
        """The state kept in ``directory``, or the start of ``feed`` for a new store.
        Raises ``InputError`` when the store follows another feed."""
        path = directory / STATE_FILE
        if not path.exists():
            return cls(feed, f"{feed}/page/0", 0)
        saved = json.loads(path.read_text())
        if saved["feed"] != feed:
            raise InputError(
                f"{directory} follows {saved['feed']}, not {feed}: use another directory"
            )
        return cls(saved["feed"], saved["page"], int(saved["position"]))

    def save(self, directory: Path) -> None:
        """Write the state beside the store (a new file renamed over the old one)."""
        path = directory / STATE_FILE
        draft = path.with_suffix(".tmp")
        draft.write_text(
            json.dumps({"feed": self.feed, "page": self.page, "position": self.position})
        )
        draft.replace(path)


def follow(
    client: httpx.Client,
    base: str,
    directory: Path,
    *,
    forever: bool = False,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Applied]:
    """Follow the feed of the server at ``base`` into the Oxigraph store in
    ``directory`` (made if new), from where it last stopped, yielding each page applied.
    Stops at the last page unless ``forever``, then polls it every ``poll_seconds``
    (and, then, waits out a server that does not answer or answers 5xx or 429). Raises
    ``InputError`` when the server answers a page with an error, ``httpx.TransportError``
    when it cannot be reached (unless ``forever``)."""
    directory.mkdir(parents=True, exist_ok=True)
    server = base.rstrip("/")
    feed = f"{server}/feed"
    state = FollowState.load(directory, feed)
    store = ox.Store(str(directory / "store"))
    try:
        while True:
            try:
                response = client.get(state.page, headers={"Accept": "application/trig"})
            except httpx.TransportError:
                if not forever:
                    raise
                sleep(poll_seconds)  # the server restarting, or the network: try again
                continue
            if response.status_code != 200:
                if forever and (response.status_code >= 500 or response.status_code == 429):
                    sleep(poll_seconds)
                    continue
                raise InputError(
                    f"{state.page} answered {response.status_code}: {response.text[:200]}"
                )
            kind = response.headers.get("content-type", "").split(";")[0].strip()
            applied = apply_page(
                store, response.content, _FORMATS.get(kind, ox.RdfFormat.TRIG), state.position
            )
            state.position = applied.position
            if applied.next_page is not None:
                state.page = _on_server(applied.next_page, feed)
            store.flush()
            state.save(directory)
            yield applied
            if applied.next_page is None:
                if not forever:
                    return
                sleep(poll_seconds)
    finally:
        del store
