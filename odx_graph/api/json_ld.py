"""GraphQL responses as JSON-LD: ``Accept: application/ld+json`` on ``/graphql``.

The query runs as it would for ``application/json``; its ``data`` is then read with the
operation (so aliases, fragments and skipped fields are understood) and the mapping, and
turned into the statements it makes about the things it names, made by the same functions
as the dump: every triple of the answer is a triple of the dump, with the same lexical
form, whatever the query selects (``__typename`` or not, aliases or not).

What becomes a statement: a node object's type (from its ``iri``, or its global ``id``),
each selected mapped field (``odx:postcode``...) and each selected link to one thing
(``odx:forHome``); a short list the dump writes from the child (``odx:hasLine``). Lists
the dump leaves to the rows pointing back (a home's ``repairs``) are not statements, as
in every served graph; their nodes are still read. Anything unmapped (``pageInfo``,
``totalCount``, insight figures) says nothing. A response with errors, or any status
but 200, is sent as the JSON it is.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

from graphql import FieldNode
from graphql import FragmentDefinitionNode
from graphql import FragmentSpreadNode
from graphql import GraphQLError
from graphql import InlineFragmentNode
from graphql import OperationDefinitionNode
from graphql import SelectionSetNode
from graphql import parse
from rdflib import RDF
from rdflib import Graph
from rdflib import URIRef
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from odx_graph.api.limits import MAX_BODY_BYTES
from odx_graph.core.errors import InputError
from odx_graph.core.ids import KEY
from odx_graph.core.ids import decode_global_id
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.dataset import pointing_back
from odx_graph.services.linked_data.rdf import linked_fields
from odx_graph.services.linked_data.rdf import literal
from odx_graph.services.linked_data.rdf import node_iri
from odx_graph.services.linked_data.rdf import parse_node_iri
from odx_graph.services.linked_data.rdf import target_iri
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.rdf_formats import accept_entries
from odx_graph.services.linked_data.rdf_formats import bind_prefixes
from odx_graph.services.linked_data.rdf_formats import json_ld

MEDIA_TYPE = "application/ld+json"
_JSON_TYPES = ("application/json", "application/graphql-response+json")

# A response key of an object: the field it is and the selection sets below it.
Selected = dict[str, tuple[str, list[SelectionSetNode]]]


def wants_json_ld(accept: str) -> bool:
    """Whether ``Accept`` prefers JSON-LD to GraphQL's JSON (a tie goes to JSON)."""
    weights: dict[str, float] = {}
    for media, weight in accept_entries(accept):
        weights[media] = max(weight, weights.get(media, 0.0))
    ld = weights.get(MEDIA_TYPE, 0.0)
    return ld > 0 and all(ld > weights.get(media, 0.0) for media in _JSON_TYPES)


def _value(field: Field, value: Any) -> Any:
    """A JSON value of ``field`` as the database gives it (so ``literal`` writes it as
    the dump does)."""
    if field.type is Scalar.DATE:
        return dt.date.fromisoformat(value)
    if field.type is Scalar.DATETIME:
        return dt.datetime.fromisoformat(value)
    if field.type is Scalar.DECIMAL:
        return decimal.Decimal(str(value))
    if field.type is Scalar.FLOAT:
        return float(value)
    return value


class _Reader:
    """Reads one response's ``data`` with its operation into a graph."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], base: str) -> None:
        self.fragments = fragments
        self.base = base
        self.graph = bind_prefixes(Graph())

    def selected(self, sets: Iterable[SelectionSetNode], type_name: str | None) -> Selected:
        """The response keys of an object of ``type_name`` (``None``: not known)."""
        out: Selected = {}
        for selection_set in sets:
            for node in selection_set.selections:
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    entry = out.setdefault(key, (node.name.value, []))
                    if node.selection_set is not None:
                        entry[1].append(node.selection_set)
                    continue
                if isinstance(node, InlineFragmentNode):
                    condition, below = node.type_condition, node.selection_set
                elif isinstance(node, FragmentSpreadNode):
                    fragment = self.fragments.get(node.name.value)
                    if fragment is None:
                        continue
                    condition, below = fragment.type_condition, fragment.selection_set
                else:
                    continue
                name = condition.name.value if condition is not None else None
                # A fragment on another mapped type does not apply; on an interface it does.
                if name is None or type_name is None or name == type_name:
                    applies = True
                else:
                    applies = name not in MAPPING.by_name
                if applies:
                    for key, (field, sets_below) in self.selected([below], type_name).items():
                        out.setdefault(key, (field, []))[1].extend(sets_below)
        return out

    def _entity(
        self, value: dict[str, Any], keys: Selected, hint: Entity | None
    ) -> tuple[Entity | None, str | None]:
        """The mapped type of an object and its IRI, from ``__typename``, ``iri`` or
        ``id``, whichever were selected, else from the link it was reached by (``hint``)
        and, for a code, its ``code``."""
        entity: Entity | None = hint
        iri: str | None = None
        for key, (field, _) in keys.items():
            item = value.get(key)
            if not isinstance(item, str):
                continue
            if field == "__typename":
                entity = MAPPING.by_name.get(item, entity)
            elif field == "iri":
                iri = item
                found = parse_node_iri(self.base, item)
                if found is not None:
                    entity = found[0]
            elif field == "id" and iri is None:
                try:
                    type_name, key_text = decode_global_id(item)
                except InputError:
                    continue
                owner = MAPPING.by_name.get(type_name)
                if owner is not None and owner.is_node and KEY.match(key_text):
                    entity, iri = owner, node_iri(self.base, owner, key_text)
        if entity is not None and not entity.is_node and iri is None:
            code = next((value.get(k) for k, (f, _) in keys.items() if f == "code"), None)
            if isinstance(code, str):
                iri = target_iri(self.base, entity, code)
        return entity, iri

    def read(
        self, sets: list[SelectionSetNode], value: Any, hint: Entity | None = None
    ) -> str | None:
        """Add the statements of ``value`` (an object, a list or a leaf) reached by a
        link to ``hint``; the IRI of the thing it is, if it is one."""
        if isinstance(value, list):
            for item in value:
                self.read(sets, item, hint)
            return None
        if not isinstance(value, dict):
            return None
        entity, iri = self._entity(value, self.selected(sets, None), hint)
        keys = self.selected(sets, entity.name if entity else None)
        subject = URIRef(iri) if iri and entity is not None and entity.is_node else None
        if subject is not None and entity is not None:
            self.graph.add((subject, RDF.type, term(entity.curie)))
        for key, (name, below) in keys.items():
            if key not in value:
                continue  # skipped
            item = value[key]
            if subject is None or entity is None:
                self.read(below, item)
                continue
            field = next((f for f in linked_fields(entity) if f.name == name), None)
            if field is not None:
                for one in (item if field.many else [item]) if item is not None else []:
                    self.graph.add((subject, term(field.curie), literal(field, _value(field, one))))
                continue
            if any(f.name == name for f in entity.fields):
                continue  # an age: no statement (see linked_fields)
            relation = next((r for r in entity.relations if r.name == name), None)
            targets = item if isinstance(item, list) else [item]
            if relation is None:
                self.read(below, item)
                continue
            stated = (
                relation.cardinality is Cardinality.ONE
                or relation.source_is_array
                or (relation.cardinality is Cardinality.LIST and pointing_back(relation) is None)
            )
            for target in targets:
                found = self.read(below, target, MAPPING[relation.target])
                if stated and found is not None:
                    self.graph.add((subject, term(relation.curie), URIRef(found)))
        return iri


def response_graph(query: str, operation_name: str | None, data: Any, base: str) -> Graph:
    """The statements a GraphQL response's ``data`` makes, as the dump makes them."""
    document = parse(query, no_location=True)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    reader = _Reader(fragments, base)
    if chosen is not None:
        reader.read([chosen.selection_set], data)
    return reader.graph


def _operation(method: str, query_string: bytes, body: bytes) -> tuple[str, str | None] | None:
    """``(query, operationName)`` of a GET or JSON POST request, else ``None``."""
    if method == "GET":
        params = parse_qs(query_string.decode("latin-1"))
        query = params.get("query", [None])[0]
        name = params.get("operationName", [None])[0]
        return (query, name) if query else None
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    name = payload.get("operationName")
    return payload["query"], name if isinstance(name, str) else None


class JsonLdGraphQL:
    """Answers ``/graphql`` requests that prefer ``application/ld+json`` with the
    response as JSON-LD; passes every other request to ``app`` untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        headers = dict(scope.get("headers", []))
        accept = headers.get(b"accept", b"").decode("latin-1")
        if scope["type"] != "http" or not wants_json_ld(accept):
            await self.app(scope, receive, send)
            return
        body = b""
        if scope["method"] == "POST":
            declared = headers.get(b"content-length", b"")
            if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
                await self.app(scope, receive, send)  # the endpoint bounds and refuses it
                return
            body = await _read_body(receive)
        as_json = [(k, v) for k, v in scope["headers"] if k != b"accept"]
        inner = {**scope, "headers": [*as_json, (b"accept", b"application/json")]}
        sent: list[Message] = []

        async def collect(message: Message) -> None:
            sent.append(message)

        await self.app(inner, replayed(body, receive), collect)
        response = _as_json_ld(scope, body, sent, self._base(scope))
        for message in response or sent:
            await send(message)

    @staticmethod
    def _base(scope: Scope) -> str:
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        return str(getattr(settings, "base_iri", ""))


def _as_json_ld(scope: Scope, body: bytes, sent: list[Message], base: str) -> list[Message] | None:
    """The messages of the JSON-LD response, or ``None`` to send the JSON one as it is."""
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    if start is None or start["status"] != 200:
        return None
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    try:
        answer = json.loads(payload)
    except ValueError:
        return None
    operation = _operation(scope["method"], scope.get("query_string", b""), body)
    if not isinstance(answer, dict) or answer.get("errors") or operation is None:
        return None
    try:
        graph = response_graph(*operation, answer.get("data"), base)
    except GraphQLError:
        return None
    text = json_ld(graph).encode("utf-8")
    kept = [
        (k, v)
        for k, v in start.get("headers", [])
        if k.lower() not in (b"content-type", b"content-length")
    ]
    headers = [
        *kept,
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-length", str(len(text)).encode()),
        (b"vary", b"Accept"),
    ]
    return [
        {"type": "http.response.start", "status": 200, "headers": headers},
        {"type": "http.response.body", "body": text, "more_body": False},
    ]


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replayed(body: bytes, receive: Receive) -> Receive:
    """``receive`` with the request's ``body``, already read, given back first."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
