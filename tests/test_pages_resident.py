"""A resident's home in a real browser: signing in with the link, reading the repair
timeline, reporting a repair (it appears) and damp or mould (the Awaab's Law clocks are
stated), forms that need their CSRF token and are idempotent on double submit, and the
session cookie's flags."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.services.credentials import create_key
from odx_graph.services.insight.damp import Clock
from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.forecast import explained_scores
from odx_graph.store.db import Database
from odx_graph.web.resident import clock_words
from tests.browser import MOBILE
from tests.browser import axe_violations
from tests.browser import chromium
from tests.browser import offline_page
from tests.browser import screenshot
from tests.conftest import DEMO_AS_OF
from tests.support import served_app


@pytest.fixture(scope="module")
async def resident(module_db: Database) -> AsyncIterator[dict[str, Any]]:
    """A served app over a private database and a resident token for a home with
    repairs and a damp and mould case."""
    home = await module_db.fetchval(
        "SELECT h.id FROM home h WHERE EXISTS (SELECT 1 FROM damp_mould_case d "
        "WHERE d.home_id = h.id) AND (SELECT count(*) FROM repair r WHERE r.home_id = h.id) > 2 "
        "ORDER BY h.id LIMIT 1"
    )
    assert home is not None
    async with module_db.connection() as conn:
        _, token = await create_key(conn, tier=Tier.RESIDENT, name="pages", home_id=home)
        _, other = await create_key(conn, tier=Tier.RESIDENT, name="other", home_id=home + 1)
    async with served_app(module_db) as (address, app):
        yield {
            "site": f"http://{address}",
            "app": app,
            "token": token,
            "other": other,
            "home": home,
        }


def test_clocks_in_plain_words() -> None:
    """Each status of an Awaab's Law clock reads as a sentence, late ones saying so."""
    import datetime as dt

    due = dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)
    done = dt.datetime(2026, 6, 5, 12, tzinfo=dt.UTC)
    assert clock_words("investigation", Clock(due, None, "DUE", None, 10)) == (
        "Your landlord must investigate by 3 June 2026."
    )
    assert clock_words("make_safe", Clock(due, done, "BREACHED", None, 5)) == (
        "Your landlord had to make your home safe by 3 June 2026, but only did on "
        "5 June 2026: this was late."
    )
    assert "has not yet: this is late" in str(
        clock_words("investigation", Clock(due, None, "BREACHED", None, 10))
    )
    assert "and did on 5 June 2026" in str(
        clock_words("investigation", Clock(due, done, "ON_TIME", None, 10))
    )
    assert clock_words("investigation", Clock(None, None, "NOT_APPLICABLE", None, None)) is None


@asynccontextmanager
async def _signed_in(site: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site) as http:
        response = await http.get("/home/sign-in", params={"token": token})
        assert response.status_code == 303 and response.headers["location"] == "/home"
        yield http


def _form(page: str, action: str) -> dict[str, str]:
    form = page.split(f'action="{action}"')[1].split("</form>")[0]
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))


async def test_sign_in_sets_a_safe_cookie(resident: dict[str, Any]) -> None:
    """The link sets an HttpOnly, SameSite cookie (Secure only over TLS); a bad link
    does not; the cookie never authenticates /graphql."""
    async with httpx.AsyncClient(base_url=resident["site"]) as http:
        bad = await http.get("/home/sign-in", params={"token": "odx_nope"})
        assert bad.status_code == 401 and "set-cookie" not in bad.headers
        good = await http.get("/home/sign-in", params={"token": resident["token"]})
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie
        answer = await http.post("/graphql", json={"query": "{ viewer { tier } }"})
        assert answer.json()["data"]["viewer"]["tier"] == "PUBLIC"
    # Served over TLS (directly, or behind a proxy uvicorn trusts): the cookie is Secure.
    transport = httpx.ASGITransport(app=resident["app"])
    async with httpx.AsyncClient(transport=transport, base_url="https://odx.test") as secure:
        over_tls = await secure.get("/home/sign-in", params={"token": resident["token"]})
    assert "Secure" in over_tls.headers["set-cookie"]


async def test_forms_need_csrf_and_are_idempotent(
    resident: dict[str, Any], module_db: Database
) -> None:
    """Without the session's CSRF token nothing is written; the same form sent twice
    writes one repair and both answers lead to it."""
    async with _signed_in(resident["site"], resident["token"]) as http:
        page = (await http.get("/home")).text
        fields = _form(page, "/home/repairs")
        count = "SELECT count(*) FROM repair WHERE home_id = $1"
        before = await module_db.fetchval(count, resident["home"])
        forged = await http.post(
            "/home/repairs", data={**fields, "csrf": "0" * 64, "description": "Forged"}
        )
        assert forged.status_code == 403
        missing = await http.post("/home/repairs", data={"idempotency": fields["idempotency"],
                                                         "description": "No token"})  # fmt: skip
        assert missing.status_code == 403
        assert await module_db.fetchval(count, resident["home"]) == before
        form = {**fields, "description": "The bathroom light flickers"}
        first = await http.post("/home/repairs", data=form)
        second = await http.post("/home/repairs", data=form)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert await module_db.fetchval(count, resident["home"]) == before + 1
        empty = await http.post("/home/repairs", data={**_form(page, "/home/repairs"),
                                                       "description": "   "})  # fmt: skip
        assert empty.status_code == 400 and 'href="#description"' in empty.text
    async with _signed_in(resident["site"], resident["other"]) as other:
        key = first.headers["location"].rsplit("/", 1)[1]
        assert (await other.get(f"/home/reported/repair/{key}")).status_code == 404


async def test_resident_reports_a_repair_in_a_browser(resident: dict[str, Any]) -> None:
    """Sign in with the link, read the timeline, report a repair and see it appear;
    report damp and mould and see the landlord's deadlines; no accessibility violations
    on the home page, desktop or phone."""
    site = resident["site"]
    async with chromium() as browser:
        async with offline_page(browser, site) as tab:
            await tab.page.goto(f"{site}/home/sign-in?token={resident['token']}")
            assert tab.page.url == f"{site}/home"
            repairs_before = await tab.page.locator("section.repair").count()
            assert repairs_before > 2
            assert await tab.page.get_by_text("Every change").count() >= 1
            assert await axe_violations(tab.page) == []
            await screenshot(tab.page, "resident-home-desktop")
            await tab.page.fill("#description", "The front door lock sticks")
            await tab.page.click("#report-repair + form button")
            await tab.page.wait_for_url(re.compile(r"/home/reported/repair/\d+$"))
            assert await tab.page.locator(".panel h1").inner_text() == "Repair reported"
            assert await axe_violations(tab.page) == []
            await screenshot(tab.page, "resident-reported-repair")
            await tab.page.click("text=Back to your home")
            first = tab.page.locator("section.repair h3").first
            assert await first.inner_text() == "The front door lock sticks"
            assert await tab.page.locator("section.repair").count() == repairs_before + 1
            await tab.page.click("#report-damp + form button")
            await tab.page.wait_for_url(re.compile(r"/home/reported/damp-mould/\d+$"))
            text = await tab.page.locator("main").inner_text()
            assert "your landlord must investigate within" in text
            await screenshot(tab.page, "resident-reported-damp")
            await tab.page.goto(f"{site}/home")
            await tab.page.click("text=Sign out")
            assert "use the sign-in link" in await tab.page.locator("main").inner_text()
            assert tab.blocked == [] and tab.errors == []
        async with offline_page(browser, site, MOBILE) as phone:
            await phone.page.goto(f"{site}/home/sign-in?token={resident['token']}")
            assert await axe_violations(phone.page) == []
            await screenshot(phone.page, "resident-home-mobile")


async def test_satisfaction_answer_is_recorded_once(
    resident: dict[str, Any], module_db: Database
) -> None:
    """A Tenant Satisfaction Measures answer is written once however often the form is
    sent, thanked for, and an unknown answer is a form error."""
    count = "SELECT count(*) FROM satisfaction_response WHERE home_id = $1"
    before = await module_db.fetchval(count, resident["home"])
    async with _signed_in(resident["site"], resident["token"]) as http:
        page = (await http.get("/home")).text
        fields = _form(page, "/home/satisfaction")
        answer = re.findall(r'name="answer" value="([^"]+)"', page)[0]
        form = {**fields, "measure": "TP01", "answer": answer}
        first = await http.post("/home/satisfaction", data=form)
        second = await http.post("/home/satisfaction", data=form)
        assert first.status_code == second.status_code == 303
        assert await module_db.fetchval(count, resident["home"]) == before + 1
        thanked = await http.get(first.headers["location"])
        assert "your answer was recorded" in thanked.text
        fresh = _form(thanked.text, "/home/satisfaction")
        bad = await http.post(
            "/home/satisfaction", data={**fresh, "measure": "TP01", "answer": "nonsense"}
        )
        assert bad.status_code == 400 and 'href="#answer"' in bad.text
        forged = await http.post("/home/satisfaction", data={**form, "csrf": "0" * 64})
        assert forged.status_code == 403
    assert await module_db.fetchval(count, resident["home"]) == before + 1


async def test_the_home_page_shows_the_damp_risk_with_its_reasons_once_scored(
    resident: dict[str, Any], module_db: Database
) -> None:
    """Before any model is scored the page has no estimate; after, the resident sees its
    chance in 100 and the reasons that move it, as the GraphQL field gives them."""
    async with _signed_in(resident["site"], resident["token"]) as http:
        before = (await http.get("/home")).text
    assert "The chance of damp or mould" not in before
    await models.train(module_db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    await models.score(module_db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    scores = await explained_scores(
        module_db,
        Principal(Tier.RESIDENT, home_id=resident["home"]),
        ModelKind.DAMP_MOULD,
        [resident["home"]],
    )
    score = scores[resident["home"]]
    async with _signed_in(resident["site"], resident["token"]) as http:
        page = (await http.get("/home")).text
    assert f"a {round(score.probability * 100)} in 100 chance" in page
    assert "It is not a decision about you or your home" in page
    shown = re.findall(r"<li>([^<]+): ([+-][0-9.]+) points</li>", page)
    assert shown, page
    by_words = {c.words: f"{c.points:+.1f}" for c in score.contributions}
    assert all(by_words[html.unescape(words)] == points for words, points in shown)
    sizes = [abs(float(points)) for _, points in shown]
    assert sizes == sorted(sizes, reverse=True)  # the largest first
