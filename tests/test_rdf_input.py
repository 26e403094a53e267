"""Untrusted RDF: no JSON-LD context is ever fetched, whatever its nesting (a listener on
loopback must hear nothing, over the readers, HTTP and the command line), statements are
capped while read, each SHACL violation is reported once, and the reading happens in a
worker process whose memory and time are bounded."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph

from odx_graph.services import workers
from odx_graph.services.importing.rdf_format import read_jsonld
from odx_graph.services.importing.rdf_format import read_turtle
from odx_graph.services.linked_data import rdf_input
from odx_graph.services.linked_data import shacl
from odx_graph.services.linked_data.rdf_import import RdfImportError
from odx_graph.services.linked_data.rdf_import import read_document
from odx_graph.services.refdata import load_ontology
from odx_graph.services.refdata import load_shapes
from odx_graph.store import imports as repo
from odx_graph.store.db import Database
from tests.support import clean_environment
from tests.support import served_app
from tests.test_import import TURTLE

ODX = "https://w3id.org/odx/def#"
TOKEN = "t" * 40


class Listener:
    """A TCP server on loopback that answers every request with a JSON-LD context (so
    code that fetches goes on, and is caught) and counts what it was asked."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "ctx.jsonld") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _serve(self) -> None:
        body = json.dumps({"@context": {"odx": ODX, "evil": "https://evil.example/#"}}).encode()
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(4096))
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A listener that must hear nothing."""
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def _home(context: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "@id": "https://data.example.org/home/7",
        "@type": "odx:Home",
        "odx:uprn": "990000000077",
        "odx:addressLine1": "7 Mill Lane",
        "odx:postcode": "LS9 8AB",
        **extra,
    }


def _forms(url: str) -> dict[str, dict[str, Any]]:
    """One document per way JSON-LD has of naming a context."""
    odx = {"odx": ODX, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    linked = {"@id": "https://data.example.org/elsewhere"}
    return {
        "string": _home(url),
        "array": _home([odx, url]),
        "import": _home({"@version": 1.1, "@import": url, **odx}),
        "import-propagate": _home({"@version": 1.1, "@propagate": False, "@import": url, **odx}),
        "property-scoped": _home(
            {**odx, "see": {"@id": "rdfs:seeAlso", "@context": url}}, see=linked
        ),
        "type-scoped": {
            **_home({**odx, "Home": {"@id": "odx:Home", "@context": url}}),
            "@type": "Home",
        },
        "nested-node": _home(odx, **{"rdfs:seeAlso": {"@context": url, **linked}}),
        "in-graph": {"@context": odx, "@graph": [_home(url)]},
        "nested-import": _home(odx, **{"rdfs:seeAlso": {"@context": {"@import": url}, **linked}}),
    }


FORMS = list(_forms("x"))


@pytest.mark.parametrize("form", FORMS)
def test_no_context_is_fetched_whatever_its_nesting(listener: Listener, form: str) -> None:
    url = listener.url()
    parsed = read_jsonld(json.dumps(_forms(url)[form]).encode(), "test.jsonld")
    assert listener.requests == []
    assert not parsed.records
    [problem] = parsed.problems
    assert problem.record == "file" and "never fetched" in problem.reason
    assert problem.value == url


@pytest.mark.parametrize("form", ["import", "type-scoped", "nested-import"])
def test_the_mapping_driven_reader_fetches_nothing_either(listener: Listener, form: str) -> None:
    url = listener.url()
    with pytest.raises(RdfImportError) as raised:
        read_document(json.dumps(_forms(url)[form]).encode(), "json-ld", "http://odx.test")
    assert listener.requests == []
    [problem] = raised.value.problems
    assert problem.record == "file" and problem.value == url
    assert "never fetched" in problem.reason


def test_a_local_file_is_never_read_as_a_context(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonld"
    secret.write_text(json.dumps({"@context": {"odx": ODX, "Home": "odx:Home"}}))
    for context in (secret.as_uri(), {"@import": secret.as_uri()}, [secret.as_uri()]):
        document = {**_home(context), "@type": "Home"}
        parsed = read_jsonld(json.dumps(document).encode(), "test.jsonld")
        assert not parsed.records, context
        assert parsed.problems[0].value == secret.as_uri()
        assert "never fetched" in parsed.problems[0].reason


def test_an_odx_context_by_iri_is_ours_from_memory(listener: Listener) -> None:
    # Even at the listener's own address: the packaged context is used, nothing is asked.
    for url in (listener.url("context.jsonld"), "https://data.example.org/context.jsonld"):
        document = {
            "@context": url,
            "iri": "https://data.example.org/home/7",
            "__typename": "Home",
            "uprn": "990000000077",
            "addressLine1": "7 Mill Lane",
            "postcode": "LS9 8AB",
        }
        parsed = read_jsonld(json.dumps(document).encode(), "test.jsonld")
        assert parsed.problems == [] and len(parsed.records) == 1, parsed.problems
    assert listener.requests == []


def test_the_loader_refuses_every_other_iri() -> None:
    for iri in (
        "http://127.0.0.1:9/x",
        "https://example.org/ctx",
        "file:///etc/passwd",
        "ftp://example.org/context.jsonld",
        "file:///tmp/context.jsonld",
        "data:application/json,{}",
        "context.jsonld",
    ):
        with pytest.raises(rdf_input.ContextRefused):
            rdf_input.load_context(iri)
    assert "@context" in rdf_input.load_context("https://odx.example/context.jsonld")


def _statements(count: int) -> bytes:
    lines = ["@prefix odx: <https://w3id.org/odx/def#> ."]
    lines += [f'<https://x.example/n{i}> odx:name "n{i}" .' for i in range(count)]
    return "\n".join(lines).encode()


def test_statements_are_capped_while_read() -> None:
    # Statements past the cap are never parsed: the syntax error after them goes unseen.
    broken_tail = _statements(11) + b"\n<https://x.example/z> odx:name ."
    with pytest.raises(rdf_input.TooManyStatements, match="more than 10 statements"):
        rdf_input.parse_graph(broken_tail, "turtle", limit=10)
    assert len(rdf_input.parse_graph(_statements(10), "turtle", limit=10)) == 10
    with pytest.raises(rdf_input.RdfInputError, match="not valid turtle"):
        rdf_input.parse_graph(broken_tail, "turtle", limit=12)


def test_the_statement_cap_reaches_the_readers_worker() -> None:
    token = rdf_input.set_statement_limit(10)
    try:
        parsed = read_turtle(_statements(11), "big.ttl")
        assert [p.reason for p in parsed.problems] == [
            "has more than 10 statements; split it into smaller files"
        ]
    finally:
        rdf_input._statement_limit.reset(token)


def _allocate(megabytes: int, hold: float = 0.0) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    for page in range(0, len(block), 4096):
        block[page] = 1  # resident, not just reserved
    time.sleep(hold)
    return len(block)


def test_readings_run_in_a_worker_process_with_bounded_memory_and_time() -> None:
    assert rdf_input.isolated(os.getpid) != os.getpid()
    small = workers.Limits(seconds=30, memory_bytes=200 * 1024 * 1024)
    assert workers.run(_allocate, 50, limits=small) == 50 * 1024 * 1024
    with pytest.raises(workers.WorkerOutOfMemory, match="more than 200 MB"):
        workers.run(_allocate, 250, 5.0, limits=small)  # watched: killed
    with pytest.raises(workers.WorkerOutOfMemory):
        workers.run(_allocate, 500, limits=small)  # the backstop: MemoryError inside
    with pytest.raises(workers.WorkerTimeout):
        workers.run(time.sleep, 30, limits=workers.Limits(0.5, 200 * 1024 * 1024))
    with pytest.raises(ValueError, match="invalid literal"):
        workers.run(int, "nope", limits=small)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('odx:quantity "1"^^xsd:decimal', 'odx:quantity "x"', "odx:quantity"),
        ("odx:lineNumber 1", 'odx:lineNumber "one"', "odx:lineNumber"),
        ('"LS9 8AB"', '"not a postcode"', "odx:postcode"),
    ],
)
def test_each_shacl_problem_is_reported_once(old: str, new: str, field: str) -> None:
    assert old in TURTLE
    parsed = read_turtle(TURTLE.replace(old, new, 1).encode(), "bad.ttl")
    assert [p.field for p in parsed.problems] == [field], parsed.problems
    assert read_turtle(TURTLE.encode(), "good.ttl").problems == []


@pytest.mark.parametrize(
    "types", ["odx:Home", "odx:Home, odx:Repair", "odx:EnergyPerformanceCertificate, odx:Home"]
)
def test_one_kind_of_thing_is_checked_as_pyshacl_would(types: str) -> None:
    from pyshacl import validate

    data = Graph().parse(
        data=TURTLE.replace(
            "<https://data.example.org/home/7> a odx:Home",
            f"<https://data.example.org/home/7> a {types}",
        ),
        format="turtle",
    )
    ontology = load_ontology()
    ours = {
        (str(v.focus), str(v.path), str(v.value), v.message)
        for v in shacl.validate(data, load_shapes(), ontology)
    }
    _, results, _ = validate(
        data,
        shacl_graph=load_shapes(),
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    sh = "http://www.w3.org/ns/shacl#"
    theirs = set()
    assert isinstance(results, Graph)
    from rdflib import RDF
    from rdflib import URIRef

    for result in results.subjects(RDF.type, URIRef(sh + "ValidationResult")):
        if results.value(result, URIRef(sh + "resultSeverity")) != URIRef(sh + "Violation"):
            continue
        theirs.add(
            tuple(
                str(results.value(result, URIRef(sh + name)))
                for name in ("focusNode", "resultPath", "value", "resultMessage")
            )
        )
    assert ours == theirs
    assert any("exactly one odx: type" in v[3] for v in ours) == ("," in types)


# -- over HTTP and the command line --------------------------------------------------------


async def _landlord(db: Database) -> str:
    async with db.connection() as conn:
        await repo.create_organisation(conn, "Northgate Homes", "landlord", "L9001")
    return "L9001"


async def test_no_context_is_fetched_for_an_upload(fresh_db: Database, listener: Listener) -> None:
    org = await _landlord(fresh_db)
    documents = _forms(listener.url())
    async with (
        served_app(fresh_db, import_token=TOKEN) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http,
    ):
        for form, document in documents.items():
            response = await http.post(
                "/import",
                params={"format": "jsonld", "as": org},
                content=json.dumps(document),
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Content-Type": "application/ld+json",
                },
            )
            assert response.status_code == 422, (form, response.text)
            [problem] = response.json()["problems"]
            assert "never fetched" in problem["reason"], form
    assert listener.requests == []
    assert await fresh_db.fetchval("SELECT count(*) FROM home WHERE uprn = 990000000077") == 0


async def test_no_context_is_fetched_by_the_import_command(
    fresh_db: Database, listener: Listener, tmp_path: Path
) -> None:
    org = await _landlord(fresh_db)
    path = tmp_path / "home.jsonld"
    for form in ("import", "type-scoped"):
        path.write_text(json.dumps(_forms(listener.url())[form]))
        done = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "odx_graph",
                "import",
                str(path),
                "--format",
                "jsonld",
                "--as",
                org,
            ],
            env=clean_environment(ODX_DATABASE_URL=fresh_db.dsn, ODX_LOG_LEVEL="WARNING"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert "never fetched" in done.stdout and listener.url() in done.stdout
    assert listener.requests == []
