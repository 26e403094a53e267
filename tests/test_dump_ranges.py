"""Dumps resume: once a data version's dump is complete it is served from a file with a
strong ETag, in byte ranges (206), refusing ranges past its end (416), and If-Range
giving the range only for that very version."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

from odx_graph.core.config import Settings
from odx_graph.store.db import Database


@pytest.fixture
async def http(fresh_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    from odx_graph.web.app import create_app

    app = create_app(
        Settings.from_env({}, base_iri="http://odx.test", rate_limit_per_minute=0), fresh_db
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as client:
        yield client
    app.state.dump_files.close()


async def test_a_dump_resumes_by_ranges(http: httpx.AsyncClient, fresh_db: Database) -> None:
    first = await http.get("/dump.nt.gz")
    assert first.status_code == 200 and first.headers["etag"].startswith("W/")
    assert first.headers["accept-ranges"] == "none"
    whole = first.content
    size = len(whole)
    assert gzip.decompress(whole).count(b"\n") > 10_000

    again = await http.get("/dump.nt.gz")
    etag = again.headers["etag"]
    assert again.status_code == 200 and again.content == whole
    assert not etag.startswith("W/") and etag.strip('"') == first.headers["etag"][3:-1]
    assert again.headers["accept-ranges"] == "bytes"
    assert int(again.headers["content-length"]) == size

    # The first 100 bytes, the rest, and exactly the last byte.
    head = await http.get("/dump.nt.gz", headers={"Range": "bytes=0-99"})
    assert head.status_code == 206 and head.content == whole[:100]
    assert head.headers["content-range"] == f"bytes 0-99/{size}"
    rest = await http.get("/dump.nt.gz", headers={"Range": "bytes=100-", "If-Range": etag})
    assert rest.status_code == 206 and head.content + rest.content == whole
    last = await http.get("/dump.nt.gz", headers={"Range": f"bytes={size - 1}-{size - 1}"})
    assert last.status_code == 206 and last.content == whole[-1:]
    past = await http.get("/dump.nt.gz", headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"

    # If-Range with another version's tag, or a weak one, gets the whole dump.
    for other in ('"0-0-nt.gz"', first.headers["etag"]):
        full = await http.get("/dump.nt.gz", headers={"Range": "bytes=0-99", "If-Range": other})
        assert full.status_code == 200 and full.content == whole
    assert (await http.get("/dump.nt.gz", headers={"If-None-Match": etag})).status_code == 304

    # A write makes a new data version: its dump is streamed (and kept) anew, and the old
    # tag no longer gives a range.
    await fresh_db.execute(
        "UPDATE home SET town = 'Elsewhere' WHERE id = (SELECT min(id) FROM home)"
    )
    changed = await http.get("/dump.nt.gz", headers={"Range": "bytes=0-99", "If-Range": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.headers["etag"].startswith("W/")
    kept = await http.get("/dump.nt.gz", headers={"Range": "bytes=0-99"})
    assert kept.status_code == 206 and kept.content == changed.content[:100]
