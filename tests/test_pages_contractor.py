"""A repair followed from both sides: a resident reports it on their page, the landlord
assigns it, the contractor signs in, moves it along and completes it on its page, and the
resident sees each change. Forms need their CSRF token; the page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.services.credentials import authenticate
from odx_graph.services.credentials import bearer
from odx_graph.services.credentials import create_key
from odx_graph.services.writes.repairs import assign_repair
from odx_graph.store.db import Database
from tests.browser import MOBILE
from tests.browser import axe_violations
from tests.browser import chromium
from tests.browser import offline_page
from tests.browser import screenshot
from tests.support import served_app


@pytest.fixture(scope="module")
async def world(module_db: Database) -> AsyncIterator[dict[str, Any]]:
    """Keys for a resident, their landlord and a contractor, and the served app."""
    home, landlord = await module_db.fetchrow(
        "SELECT id, landlord_id FROM home ORDER BY id DESC LIMIT 1"
    )
    contractor = await module_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'contractor' ORDER BY id LIMIT 1"
    )
    sor = await module_db.fetchval("SELECT sor_code FROM repair_line ORDER BY id LIMIT 1")
    keys = {}
    async with module_db.connection() as conn:
        for name, tier, org, home_id in (
            ("resident", Tier.RESIDENT, None, home),
            ("landlord", Tier.PROVIDER, landlord, None),
            ("contractor", Tier.CONTRACTOR, contractor, None),
        ):
            _, keys[name] = await create_key(
                conn, tier=tier, name=name, organisation_id=org, home_id=home_id
            )
    async with served_app(module_db) as (address, _app):
        yield {"site": f"http://{address}", "keys": keys, "contractor": contractor, "sor": sor}


async def test_a_repair_followed_from_both_sides(
    world: dict[str, Any], module_db: Database
) -> None:
    """Reported by the resident, assigned by the landlord, moved along and completed by
    the contractor on its page; the resident's page shows each step."""
    site, keys = world["site"], world["keys"]
    async with chromium() as browser:
        async with offline_page(browser, site) as home:
            await home.page.goto(f"{site}/home/sign-in?token={keys['resident']}")
            await home.page.fill("#description", "Boiler pressure keeps dropping")
            await home.page.click("#report-repair + form button")
            await home.page.wait_for_url(re.compile(r"/home/reported/repair/\d+$"))
            repair = int(home.page.url.rsplit("/", 1)[1])
            landlord = await authenticate(module_db, bearer(keys["landlord"]))
            await assign_repair(
                module_db,
                landlord,
                repair_id=repair,
                contractor_id=world["contractor"],
                priority=None,
                target_at=None,
                idempotency_key=None,
            )
            async with offline_page(browser, site) as firm:
                await firm.page.goto(f"{site}/contractor")
                await firm.page.fill("#key", keys["contractor"])
                await firm.page.click("form button")
                await firm.page.wait_for_url(f"{site}/contractor")
                job = firm.page.locator(f"#job-{repair}")
                assert "Boiler pressure keeps dropping" in await job.inner_text()
                assert await axe_violations(firm.page) == []
                await screenshot(firm.page, "contractor-jobs")
                await job.locator("summary").click()
                await job.locator("select").select_option("in-progress")
                await job.locator("input[name=note]").fill("Engineer booked for Tuesday")
                await job.get_by_role("button", name="Update status").click()
                await firm.page.wait_for_url(re.compile(rf"updated={repair}"))
                await home.page.goto(f"{site}/home")
                section = home.page.locator(f"#repair-{repair}").locator("..")
                assert "In progress" in await section.inner_text()
                job = firm.page.locator(f"#job-{repair}")
                await job.locator("summary").click()
                await job.locator("input[name=sor_code]").fill(world["sor"])
                await job.locator("input[name=cost]").fill("85.50")
                await job.get_by_role("button", name="Complete the job").click()
                await firm.page.wait_for_url(re.compile(rf"updated={repair}"))
                assert await firm.page.locator(f"#job-{repair}").count() == 0
                assert firm.blocked == [] and firm.errors == []
            await home.page.goto(f"{site}/home")
            section = home.page.locator(f"#repair-{repair}").locator("..")
            text = await section.inner_text()
            assert "Complete" in text and "Completed" in text
            await section.locator("summary").click()
            history = await section.locator("details").inner_text()
            assert "In progress" in history and "Complete" in history
            assert home.blocked == [] and home.errors == []
        async with offline_page(browser, site, MOBILE) as phone:
            await phone.page.goto(f"{site}/contractor")
            assert await axe_violations(phone.page) == []
            await screenshot(phone.page, "contractor-sign-in-mobile")
    status = await module_db.fetchval("SELECT status_code FROM repair WHERE id = $1", repair)
    assert status == "complete"


async def test_contractor_forms_need_their_key_and_token(world: dict[str, Any]) -> None:
    """A wrong key does not sign in; a form without the session's CSRF token is refused;
    a resident's session is not a contractor's."""
    async with httpx.AsyncClient(base_url=world["site"]) as http:
        csrf = await _sign_in_token(http)
        wrong = await http.post(
            "/contractor/sign-in", data={"key": world["keys"]["resident"], "csrf": csrf}
        )
        assert wrong.status_code == 401 and "odx_session" not in wrong.headers.get("set-cookie", "")
        signed = await http.post(
            "/contractor/sign-in", data={"key": world["keys"]["contractor"], "csrf": csrf}
        )
        assert signed.status_code == 303 and "HttpOnly" in signed.headers["set-cookie"]
        forged = await http.post(
            "/contractor/jobs/1/status",
            data={"csrf": "0" * 64, "idempotency": "0" * 32, "status": "hold"},
        )
        assert forged.status_code == 403
    async with httpx.AsyncClient(base_url=world["site"]) as http:
        await http.get("/home/sign-in", params={"token": world["keys"]["resident"]})
        page = await http.get("/contractor")
        assert 'name="key"' in page.text  # asked to sign in as a contractor


async def _sign_in_token(http: httpx.AsyncClient) -> str:
    """The CSRF token of the sign-in form this client is shown (its cookie kept)."""
    page = await http.get("/contractor")
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert found is not None and "odx_sign_in" in http.cookies
    return found.group(1)


@pytest.mark.parametrize(
    "token",
    [None, "", "0" * 64, "token of another browser"],
    ids=["without", "empty", "wrong", "another-browser"],
)
async def test_contractor_sign_in_needs_its_token(world: dict[str, Any], token: str | None) -> None:
    """A sign-in post without the form's CSRF token (or with a wrong one, or another
    browser's) is refused with the form shown again and signs nobody in, even with a
    valid key; a resident already signed in on the browser stays signed in; the same
    browser's own form then signs in."""
    keys = world["keys"]
    async with httpx.AsyncClient(base_url=world["site"]) as other:
        foreign = await _sign_in_token(other)
    async with httpx.AsyncClient(base_url=world["site"]) as http:
        await http.get("/home/sign-in", params={"token": keys["resident"]})
        resident_cookie = http.cookies["odx_session"]
        own = await _sign_in_token(http)
        data = {"key": keys["contractor"]}
        if token is not None:
            data["csrf"] = foreign if token == "token of another browser" else token
        refused = await http.post("/contractor/sign-in", data=data)
        assert refused.status_code == 403
        assert "odx_session" not in refused.headers.get("set-cookie", "")
        assert 'name="key"' in refused.text and "enter your key again" in refused.text
        assert http.cookies["odx_session"] == resident_cookie
        home = await http.get("/home")
        assert home.status_code == 200 and "Report a repair" in home.text
        # The refused page carries a fresh form that works.
        again = re.search(r'name="csrf" value="([0-9a-f]{64})"', refused.text)
        assert again is not None and again.group(1) == own
        signed = await http.post("/contractor/sign-in", data={**data, "csrf": own})
        assert signed.status_code == 303
        assert http.cookies["odx_session"] == keys["contractor"]
