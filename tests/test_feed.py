"""The change feed (LDES): replayed into an independent store it is the dump, before and
after more writes, reading only the new pages the second time."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import AsyncIterator

import httpx
import pyoxigraph as ox
import pytest

from odx_graph.core.config import Settings
from odx_graph.services.linked_data import feed
from odx_graph.store import changes
from odx_graph.store.db import Database

TREE = "https://w3id.org/tree#"
LDES = "https://w3id.org/ldes#"
AS = "https://www.w3.org/ns/activitystreams#"
IS_VERSION_OF = ox.NamedNode("http://purl.org/dc/terms/isVersionOf")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BASE = "http://odx.test"
ODX = "https://w3id.org/odx/def#"


@pytest.fixture
async def http(fresh_db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from odx_graph.web.app import create_app

    app = create_app(settings, database=fresh_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


class Replica:
    """An independent follower: the latest version of every thing, one named graph each."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.seen: set[str] = set()
        self.page = f"{BASE}/feed/page/0"
        self.pages_read = 0

    async def follow(self, http: httpx.AsyncClient) -> None:
        """Read from the page it stopped at to the end, applying each new version."""
        while True:
            response = await http.get(self.page, headers={"Accept": "application/trig"})
            assert response.status_code == 200, response.text
            self.pages_read += 1
            quads = list(ox.parse(response.content, ox.RdfFormat.TRIG))
            self._apply(quads)
            following = [
                q.object.value
                for q in quads
                if q.predicate.value == f"{TREE}node" and q.graph_name == ox.DefaultGraph()
            ]
            if not following:
                return
            self.page = following[0]

    def _apply(self, quads: list[ox.Quad]) -> None:
        about: dict[ox.NamedNode, dict[str, ox.NamedNode]] = {}
        graphs: dict[ox.NamedNode, list[ox.Quad]] = {}
        for q in quads:
            if q.graph_name == ox.DefaultGraph():
                about.setdefault(q.subject, {})[q.predicate.value] = q.object
            else:
                graphs.setdefault(q.graph_name, []).append(q)
        members = sorted(
            (q.object for q in quads if q.predicate.value == f"{TREE}member"),
            key=lambda v: int(v.value.rsplit("/", 1)[1]),
        )
        for version in members:
            if version.value in self.seen:
                continue
            self.seen.add(version.value)
            graph = ox.NamedNode(about[version][IS_VERSION_OF.value].value)
            self.store.remove_graph(graph)
            if about[version][RDF_TYPE.value].value != f"{AS}Delete":
                self.store.extend(
                    ox.Quad(q.subject, q.predicate, q.object, graph) for q in graphs[version]
                )

    def triples(self) -> set[tuple[str, str, str]]:
        return {(str(q.subject), str(q.predicate), str(q.object)) for q in self.store}


async def dump(http: httpx.AsyncClient) -> set[tuple[str, str, str]]:
    """The dump's triples, read through a store like the replica's (Oxigraph keeps typed
    values in canonical form: ``2.000`` and ``2`` are one decimal)."""
    store = ox.Store()
    store.load(gzip.decompress((await http.get("/dump.nt.gz")).content), ox.RdfFormat.N_TRIPLES)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store}


async def _publish_everything(db: Database) -> None:
    while await feed.publish_all(db, rounds=50):
        pass
    assert await changes.pending_count(db) == 0


async def test_a_replay_is_the_dump_before_and_after_writes(
    http: httpx.AsyncClient, fresh_db: Database, settings: Settings
) -> None:
    await _publish_everything(fresh_db)
    replica = Replica()
    await replica.follow(http)
    # The dump has no blank nodes: isomorphic means the same set of triples.
    assert replica.triples() == await dump(http)
    first_pages = replica.pages_read
    last, _ = await changes.log_end(fresh_db)
    assert first_pages == last // feed.PAGE_SIZE + 1 > 3

    home = await fresh_db.fetchval("SELECT min(id) FROM home")
    healthy_home, healthy = await fresh_db.fetchrow(
        "SELECT c.home_id, c.id FROM component c "
        "JOIN component_type ct ON ct.code = c.component_type_code "
        "WHERE ct.is_key_component AND c.home_id IN (SELECT c.home_id FROM component c "
        "JOIN home h ON h.id = c.home_id AND h.building_id IS NULL AND h.id > 1 "
        "GROUP BY c.home_id HAVING bool_and(coalesce(condition_code NOT IN ('poor', 'failed'), "
        "true))) ORDER BY c.id LIMIT 1"
    )
    low_rise = await fresh_db.fetchval(
        "SELECT b.id FROM building b JOIN home h ON h.building_id = b.id "
        "JOIN component c ON c.home_id = h.id WHERE b.storeys < 6 ORDER BY b.id LIMIT 1"
    )
    line = await fresh_db.fetchrow("SELECT id, repair_id FROM repair_line ORDER BY id LIMIT 1")
    async with fresh_db.connection() as conn, conn.transaction():
        await conn.execute(
            "UPDATE home SET bedrooms = coalesce(bedrooms, 0) + 1 WHERE id = $1", home
        )
        await conn.execute("DELETE FROM repair_line WHERE id = $1", line["id"])
        await conn.execute(
            "INSERT INTO component (home_id, component_type_code, install_date) "
            "VALUES ($1, 'kitchen', '2001-02-03')",
            home,
        )
        # Derived facts: a key component past its life and poor makes its home fail
        # on disrepair; a taller building shortens its flats' components' lives.
        await conn.execute(
            "UPDATE component SET condition_code = 'poor', install_date = '1950-01-01' "
            "WHERE id = $1",
            healthy,
        )
        await conn.execute("UPDATE building SET storeys = 12 WHERE id = $1", low_rise)
    replica.pages_read = 0
    await replica.follow(http)  # from the page it stopped at: the new versions only
    assert replica.pages_read <= 2
    assert replica.triples() == await dump(http)
    triples = replica.triples()
    assert f"<{BASE}/id/repair-line/{line['id']}>" not in {s for s, _, _ in triples}
    # The component's new date is there; what it makes of the home as of today is not
    # (it would change at midnight with no write: docs/linked-data.md).
    installed = (f"<{BASE}/id/component/{healthy}>", f"<{ODX}installDate>")
    assert (*installed, '"1950-01-01"^^<http://www.w3.org/2001/XMLSchema#date>') in triples
    assert not any(p == f"<{ODX}failsDisrepairCriterion>" for _, p, _ in triples)
    assert healthy_home is not None


async def test_unchanged_rewrites_add_no_version_and_deletions_are_tombstones(
    fresh_db: Database, settings: Settings
) -> None:
    await _publish_everything(fresh_db)
    before, _ = await changes.log_end(fresh_db)
    await fresh_db.execute("UPDATE organisation SET name = name")
    await _publish_everything(fresh_db)
    assert (await changes.log_end(fresh_db))[0] == before
    line = await fresh_db.fetchval("SELECT max(id) FROM repair_line")
    await fresh_db.execute("DELETE FROM repair_line WHERE id = $1", line)
    await _publish_everything(fresh_db)
    [tombstone] = await changes.versions(fresh_db, before + 1, before + 10)
    assert (tombstone.segment, tombstone.key, tombstone.kind) == ("repair-line", line, "delete")
    assert tombstone.triples == ""
    # Publishing again finds nothing: a thing already gone gets no second tombstone.
    await fresh_db.execute(
        "INSERT INTO change_pending (segment, key) VALUES ('repair-line', $1)", line
    )
    await _publish_everything(fresh_db)
    assert (await changes.log_end(fresh_db))[0] == before + 1


async def test_a_thing_deleted_and_made_again_is_created_anew(
    fresh_db: Database, settings: Settings
) -> None:
    await _publish_everything(fresh_db)
    row = await fresh_db.fetchrow("SELECT * FROM repair_line ORDER BY id DESC LIMIT 1")
    await fresh_db.execute("DELETE FROM repair_line WHERE id = $1", row["id"])
    await _publish_everything(fresh_db)
    await fresh_db.execute(
        "INSERT INTO repair_line (id, repair_id, line_number, sor_code, quantity) "
        "VALUES ($1, $2, $3, $4, $5)",
        row["id"],
        row["repair_id"],
        row["line_number"],
        row["sor_code"],
        row["quantity"],
    )
    await _publish_everything(fresh_db)
    last, _ = await changes.log_end(fresh_db)
    kinds = [v.kind for v in await changes.versions(fresh_db, last - 1, last)]
    assert kinds == ["delete", "create"]


async def test_pages_cache_and_start_from_a_time(
    http: httpx.AsyncClient, fresh_db: Database, settings: Settings
) -> None:
    await _publish_everything(fresh_db)
    last, at = await changes.log_end(fresh_db)
    assert at is not None
    full = await http.get("/feed/page/0")
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert full.headers["content-type"].startswith("application/trig")
    tail = await http.get(f"/feed/page/{feed.page_of(last)}")
    assert tail.headers["cache-control"] == "public, max-age=1"
    again = await http.get("/feed/page/0", headers={"If-None-Match": full.headers["etag"]})
    assert again.status_code == 304
    assert (await http.get("/feed/page/0", headers={"If-None-Match": "*"})).status_code == 304
    nquads = await http.get("/feed/page/0", headers={"Accept": "application/n-quads"})
    assert set(ox.parse(nquads.content, ox.RdfFormat.N_QUADS)) == set(
        ox.parse(full.content, ox.RdfFormat.TRIG)
    )
    # The page after the last full one exists (empty) so followers can wait on it; the
    # one after that does not.
    ahead = last // feed.PAGE_SIZE + 1
    assert (await http.get(f"/feed/page/{ahead}")).status_code == 404
    assert (await http.get("/feed/page/x")).status_code == 404

    # Following from a time: the page holding the first version at or after it.
    await fresh_db.execute("UPDATE home SET bedrooms = 9 WHERE id = (SELECT min(id) FROM home)")
    await _publish_everything(fresh_db)
    newest, newest_at = await changes.log_end(fresh_db)
    assert newest == last + 1 and newest_at is not None and newest_at > at
    since = await http.get("/feed", params={"since": newest_at.isoformat()})
    assert since.status_code == 303
    assert since.headers["location"] == f"/feed/page/{feed.page_of(newest)}"
    just_after = (newest_at + dt.timedelta(microseconds=1)).isoformat()
    since = await http.get("/feed", params={"since": just_after})
    assert since.headers["location"] == f"/feed/page/{feed.page_of(newest + 1)}"
    assert (await http.get("/feed", params={"since": "yesterday"})).status_code == 400


async def test_the_stream_describes_itself(http: httpx.AsyncClient) -> None:
    response = await http.get("/feed")
    quads = set(ox.parse(response.content, ox.RdfFormat.TRIG))
    stream = ox.NamedNode(f"{BASE}/feed")
    assert ox.Quad(stream, RDF_TYPE, ox.NamedNode(f"{LDES}EventStream")) in quads
    assert (
        ox.Quad(stream, ox.NamedNode(f"{TREE}view"), ox.NamedNode(f"{BASE}/feed/page/0")) in quads
    )
    assert (
        ox.Quad(
            stream,
            ox.NamedNode(f"{LDES}timestampPath"),
            ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime"),
        )
        in quads
    )


async def test_every_table_of_the_graph_notes_its_changes(seeded_db: Database) -> None:
    from odx_graph.mapping import MAPPING

    rows = await seeded_db.fetch(
        "SELECT c.relname, count(*) AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE 'changes_self_%' GROUP BY c.relname"
    )
    assert {r["relname"]: r["n"] for r in rows} == {e.table: 3 for e in MAPPING.nodes}


def test_rebase_touches_iris_never_literals() -> None:
    stored = '</id/home/1> <https://w3id.org/odx/def#make> "a </id/x> b" .\n' + (
        "</id/component/2> <https://w3id.org/odx/def#home> </id/home/1> .\n"
    )
    assert feed.rebase(stored, "https://x.example") == (
        '<https://x.example/id/home/1> <https://w3id.org/odx/def#make> "a </id/x> b" .\n'
        "<https://x.example/id/component/2> <https://w3id.org/odx/def#home> "
        "<https://x.example/id/home/1> .\n"
    )


async def test_dumps_carry_a_validator_that_moves_with_the_data(
    http: httpx.AsyncClient, fresh_db: Database
) -> None:
    first = await http.get("/dump.nt")
    etag = first.headers["etag"]
    assert first.headers["last-modified"].endswith(" GMT")
    # Streamed first (weak), then from the file it left (strong): the same version.
    assert (await http.get("/dump.nt")).headers["etag"] == etag.removeprefix("W/")
    assert (await http.get("/dump.ttl")).headers["etag"] != etag
    unchanged = await http.get("/dump.nt", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    await fresh_db.execute("UPDATE home SET bedrooms = 8 WHERE id = (SELECT min(id) FROM home)")
    changed = await http.get("/dump.nt", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
