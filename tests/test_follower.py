"""Following the change feed into a local store (``odx-graph follow``): over real HTTP a
new store becomes the dump, then after writes and a deletion it reads only the new pages
and is the dump again; pages applied twice change nothing; a store kept for one feed
refuses another; a page that does not parse leaves the store and its position as they
were."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from odx_graph.cli import main
from odx_graph.core.errors import InputError
from odx_graph.services.linked_data import feed
from odx_graph.services.linked_data.follower import STATE_FILE
from odx_graph.services.linked_data.follower import Applied
from odx_graph.services.linked_data.follower import FollowState
from odx_graph.services.linked_data.follower import _on_server
from odx_graph.services.linked_data.follower import _read_trig_blocks
from odx_graph.services.linked_data.follower import apply_page
from odx_graph.services.linked_data.follower import follow
from odx_graph.store import changes
from odx_graph.store.db import Database
from tests.support import served_app

BASE = "http://odx.test"


def _triples(store: ox.Store) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store}


def _graphs(store: ox.Store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in store:
        counts[str(q.graph_name)] = counts.get(str(q.graph_name), 0) + 1
    return counts


async def _dump(url: str) -> set[tuple[str, str, str]]:
    async with httpx.AsyncClient() as client:
        body = gzip.decompress((await client.get(f"{url}/dump.nt.gz")).content)
    store = ox.Store()
    store.load(body, ox.RdfFormat.N_TRIPLES)
    return _triples(store)


def _follow(url: str, directory: Path) -> list[Applied]:
    with httpx.Client(timeout=60) as client:
        return list(follow(client, url, directory))


def _store(directory: Path) -> ox.Store:
    return ox.Store.read_only(str(directory / "store"))


async def _publish_everything(db: Database) -> None:
    while await feed.publish_all(db, rounds=50):
        pass


async def test_a_followed_store_is_the_dump_before_and_after_writes(
    fresh_db: Database, tmp_path: Path
) -> None:
    db = fresh_db
    await _publish_everything(db)
    last, _ = await changes.log_end(db)
    async with served_app(db) as (address, _app):
        url = f"http://{address}"
        first = await asyncio.to_thread(_follow, url, tmp_path)
        assert len(first) == feed.page_of(last) + 1 > 3  # every page once, the last polled
        assert sum(a.versions for a in first) == last
        assert first[-1].next_page is None and first[-1].position == last
        store = _store(tmp_path)
        assert _triples(store) == await _dump(url)
        # one named graph per thing, named by the thing
        home = await db.fetchval("SELECT min(id) FROM home")
        assert f"<{BASE}/id/home/{home}>" in _graphs(store)
        del store

        line = await db.fetchrow("SELECT id, repair_id FROM repair_line ORDER BY id LIMIT 1")
        async with db.connection() as conn, conn.transaction():
            await conn.execute(
                "UPDATE home SET bedrooms = coalesce(bedrooms, 0) + 1 WHERE id = $1", home
            )
            await conn.execute("DELETE FROM repair_line WHERE id = $1", line["id"])
        await _publish_everything(db)
        again = await asyncio.to_thread(_follow, url, tmp_path)
        assert len(again) <= 2  # from the page it stopped at
        now, _ = await changes.log_end(db)
        assert sum(a.versions for a in again) == now - last >= 2  # the home, the tombstone
        store = _store(tmp_path)
        assert _triples(store) == await _dump(url)
        assert f"<{BASE}/id/repair-line/{line['id']}>" not in _graphs(store)
        saved = json.loads((tmp_path / STATE_FILE).read_text())
        assert saved["feed"] == f"{url}/feed"
        assert saved["position"] == now
        del store

        # Nothing new: the last page is read once and nothing is written.
        idle = await asyncio.to_thread(_follow, url, tmp_path)
        assert [(a.versions, a.things) for a in idle] == [(0, 0)]

        # The command line does the same and says where it is.
        other = tmp_path / "cli"
        status = await asyncio.to_thread(main, ["follow", url, str(other)])
        assert status == 0
        assert _triples(_store(other)) == await _dump(url)


async def test_a_page_applied_twice_changes_nothing_and_later_versions_win(
    fresh_db: Database,
) -> None:
    db = fresh_db
    await _publish_everything(db)
    home = await db.fetchval("SELECT min(id) FROM home")
    for bedrooms in (7, 8):  # two versions of one thing, on one page
        await db.execute("UPDATE home SET bedrooms = $1 WHERE id = $2", bedrooms, home)
    await _publish_everything(db)
    last, _ = await changes.log_end(db)
    page = await feed.read_page(db, feed.page_of(last))
    assert page is not None
    start = page.members[0].position - 1
    trig = feed.page_trig(BASE, page).encode()
    # The same page as another writer lays TriG out (prefixes, one graph's triples
    # grouped by subject): read by parsing, not by cutting blocks, with the same result.
    relaid = ox.serialize(
        ox.parse(trig, ox.RdfFormat.TRIG),
        format=ox.RdfFormat.TRIG,
        prefixes={"v": f"{BASE}/feed/version/", "id": f"{BASE}/id/"},
    )
    assert relaid is not None and b"@prefix" in relaid
    assert _read_trig_blocks(trig) is not None  # this server's layout: cut, not parsed
    assert _read_trig_blocks(relaid) is None
    results = []
    for body, fmt in (
        (feed.page_nquads(BASE, page).encode(), ox.RdfFormat.N_QUADS),
        (trig, ox.RdfFormat.TRIG),
        (relaid, ox.RdfFormat.TRIG),
    ):
        store = ox.Store()
        applied = apply_page(store, body, fmt, start)
        assert applied.position == last and applied.versions == len(page.members)
        before = _triples(store)
        bedrooms = [o for s, p, o in before if s == f"<{BASE}/id/home/{home}>" and "bedrooms" in p]
        assert bedrooms == ['"8"^^<http://www.w3.org/2001/XMLSchema#integer>']
        again = apply_page(store, body, fmt, applied.position)
        assert (again.versions, again.things, again.position) == (0, 0, last)
        assert _triples(store) == before
        results.append(_graphs(store))
    assert results[0] == results[1] == results[2]
    # A block that does not parse, over a store holding the things already: refused,
    # and the store is as it was.
    broken = trig.replace(b" .\n}", b" . <\n}", 1)
    assert _read_trig_blocks(broken) is not None  # cut as usual; Oxigraph refuses it
    earlier = ox.Store()
    apply_page(earlier, trig, ox.RdfFormat.TRIG, start)
    kept = _triples(earlier)
    assert kept
    with pytest.raises(InputError, match="does not parse"):
        apply_page(earlier, broken, ox.RdfFormat.TRIG, start)
    assert _triples(earlier) == kept
    # The same page with other line ends: parsed, not cut, with the same result.
    crlf = trig.replace(b"\n", b"\r\n")
    assert _read_trig_blocks(crlf) is None
    store = ox.Store()
    apply_page(store, crlf, ox.RdfFormat.TRIG, start)
    assert _graphs(store) == results[1]
    # From a position inside the page: only what follows it is applied.
    fresh = ox.Store()
    inside = apply_page(
        fresh, feed.page_nquads(BASE, page).encode(), ox.RdfFormat.N_QUADS, last - 1
    )
    assert inside.versions == 1 and inside.position == last


def test_a_block_on_one_line_is_parsed_not_lost() -> None:
    """A valid TriG page whose block is on one line (or has no space before its brace)
    is not this server's layout: read by parsing, it replaces the thing's graph."""
    head = (
        f"<{BASE}/feed> <https://w3id.org/tree#member> <{BASE}/feed/version/2> .\n"
        f"<{BASE}/feed/version/2> <http://purl.org/dc/terms/isVersionOf> <{BASE}/id/home/1> .\n"
    )
    home = ox.NamedNode(f"{BASE}/id/home/1")
    store = ox.Store()
    store.add(ox.Quad(home, ox.NamedNode(f"{BASE}/p"), ox.Literal("old"), home))
    for block in (
        f'<{BASE}/feed/version/2> {{ <{BASE}/id/home/1> <{BASE}/p> "new" . }}\n',
        f'<{BASE}/feed/version/2>{{\n<{BASE}/id/home/1> <{BASE}/p> "new" .\n}}\n',
    ):
        body = (head + block).encode()
        assert _read_trig_blocks(body) is None
        applied = apply_page(store, body, ox.RdfFormat.TRIG, 1)
        assert (applied.versions, applied.position) == (1, 2)
        assert _triples(store) == {(f"<{BASE}/id/home/1>", f"<{BASE}/p>", '"new"')}


@pytest.mark.parametrize("gap", [" ", "  ", " \t"])
def test_a_tombstone_is_never_lost_whatever_its_spacing(gap: str) -> None:
    """A deletion is found by its whole statement; written with other spacing it is not
    this server's layout and the page is parsed: either way the thing's graph goes, and
    the other thing on the page is written."""
    delete = "https://www.w3.org/ns/activitystreams#Delete"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    body = (
        f"<{BASE}/feed/version/2> <http://purl.org/dc/terms/isVersionOf> <{BASE}/id/home/1> .\n"
        f"<{BASE}/feed/version/2> <{rdf_type}>{gap}<{delete}> .\n"
        f"<{BASE}/feed/version/3> <http://purl.org/dc/terms/isVersionOf> <{BASE}/id/home/2> .\n"
        f'<{BASE}/feed/version/3> {{\n<{BASE}/id/home/2> <{BASE}/p> "new" .\n}}\n'
    ).encode()
    page = _read_trig_blocks(body)
    assert (page is not None) is (gap == " ")
    assert page is None or page.deleted == {f"{BASE}/feed/version/2"}
    store = ox.Store()
    for n in (1, 2):
        home = ox.NamedNode(f"{BASE}/id/home/{n}")
        store.add(ox.Quad(home, ox.NamedNode(f"{BASE}/p"), ox.Literal("old"), home))
    applied = apply_page(store, body, ox.RdfFormat.TRIG, 1)
    assert (applied.versions, applied.things, applied.position) == (2, 2, 3)
    assert _triples(store) == {(f"<{BASE}/id/home/2>", f"<{BASE}/p>", '"new"')}


def test_the_next_page_is_read_from_the_server_named() -> None:
    public = "https://housing.example/odx/feed/page/7"
    assert _on_server(public, "http://10.0.0.5:8000/feed") == "http://10.0.0.5:8000/feed/page/7"
    assert _on_server(public, "https://housing.example/odx/feed") == public
    assert _on_server("https://a.test/other", "http://b.test/feed") == "https://a.test/other"


def test_following_forever_waits_out_a_server_that_is_down(tmp_path: Path) -> None:
    page = (
        f"<{BASE}/feed> <https://w3id.org/tree#member> <{BASE}/feed/version/1> .\n"
        f"<{BASE}/feed/version/1> <http://purl.org/dc/terms/isVersionOf> <{BASE}/id/home/1> .\n"
        f'<{BASE}/feed/version/1> {{\n<{BASE}/id/home/1> <{BASE}/p> "1" .\n}}\n'
    )
    statuses: list[object] = [503, "down", 429, 200]
    waits: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0)
        if status == "down":
            raise httpx.ConnectError("refused", request=request)
        assert isinstance(status, int)
        return httpx.Response(status, text=page, headers={"content-type": "application/trig"})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        steps = follow(
            client, "http://odx.test", tmp_path, forever=True, poll_seconds=3, sleep=waits.append
        )
        applied = next(steps)
        steps.close()
        assert (applied.versions, applied.position) == (1, 1)
        assert waits == [3, 3, 3]
        # Not forever: the first error ends it.
        statuses.append(503)
        with pytest.raises(InputError, match="answered 503"):
            next(follow(client, "http://odx.test", tmp_path / "once"))


def test_a_store_kept_for_one_feed_refuses_another(tmp_path: Path) -> None:
    FollowState("http://one.test/feed", "http://one.test/feed/page/3", 1500).save(tmp_path)
    assert FollowState.load(tmp_path, "http://one.test/feed").position == 1500
    with pytest.raises(InputError, match=r"follows http://one\.test/feed"):
        FollowState.load(tmp_path, "http://two.test/feed")
    fresh = FollowState.load(tmp_path / "new", "http://two.test/feed")
    assert (fresh.page, fresh.position) == ("http://two.test/feed/page/0", 0)


def test_a_page_that_does_not_parse_changes_nothing(tmp_path: Path) -> None:
    pages = {
        "/feed/page/0": (
            f"<{BASE}/feed> <https://w3id.org/tree#member> <{BASE}/feed/version/1> .\n"
            f"<{BASE}/feed/version/1> <http://purl.org/dc/terms/isVersionOf> "
            f"<{BASE}/id/home/1> .\n"
            f'<{BASE}/id/home/1> <{BASE}/p> "1" <{BASE}/feed/version/1> .\n'
            f"<{BASE}/feed/page/0> <https://w3id.org/tree#relation> _:r .\n"
            f"_:r <https://w3id.org/tree#node> <{BASE}/feed/page/1> .\n"
        ),
        "/feed/page/1": "<not a page",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text=pages[request.url.path], headers={"content-type": "application/n-quads"}
        )

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        steps = follow(client, "http://mirror.test", tmp_path)
        applied = [next(steps)]
        with pytest.raises(InputError, match="does not parse"):
            next(steps)
    assert [(a.versions, a.position) for a in applied] == [(1, 1)]
    # The link named odx.test; the page was read from the server named.
    saved = json.loads((tmp_path / STATE_FILE).read_text())
    assert saved == {
        "feed": "http://mirror.test/feed",
        "page": "http://mirror.test/feed/page/1",
        "position": 1,
    }
    assert len(_triples(_store(tmp_path))) == 1


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_the_http_clients_line_per_request_shows_only_when_debugging(
    level: str, shown: bool
) -> None:
    # `odx-graph follow` reads a feed page a request: httpx's line for each drowned out
    # what the command says at INFO.
    import io
    import logging

    from odx_graph.core.logs import LogFormat
    from odx_graph.core.logs import configure_logging

    root = logging.getLogger()
    kept = (root.handlers[:], root.level, logging.getLogger("httpx").level)
    out = io.StringIO()
    try:
        configure_logging(level, LogFormat.TEXT, stream=out)
        logging.getLogger("httpx").info("HTTP Request: GET http://odx.test/feed/page/1")
        logging.getLogger("odx_graph.cli").warning("a warning still shows")
    finally:
        root.handlers[:], root.level = kept[0], kept[1]
        logging.getLogger("httpx").setLevel(kept[2])
        logging.getLogger("httpcore").setLevel(logging.NOTSET)
    assert ("HTTP Request" in out.getvalue()) is shown
    assert "a warning still shows" in out.getvalue()
