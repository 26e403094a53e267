"""The pages for people in a real browser: the shared layout, accessibility (axe-core,
WCAG 2.2 AA, desktop and a 375-pixel phone) and the security headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from odx_graph.web.pages import CONTENT_SECURITY_POLICY
from tests.browser import DESKTOP
from tests.browser import MOBILE
from tests.browser import SCREENSHOTS
from tests.browser import axe_violations
from tests.browser import offline_page
from tests.browser import screenshot

# Every page for people, public ones first, with what must be visible on it.
PAGES = {
    "home": "/",
    "landlords": "/landlords",
    "scorecard": "/landlords/1",
    "jobs": "/jobs",
    "jobs-district": "/jobs?postcode=M14",
    "jobs-error": "/jobs?postcode=NOT+A+PLACE",
    "resident-signed-out": "/home",
    "areas": "/areas",
    "area": "/areas?postcode=M14",
}
VISIBLE = {
    "home": ("h1", 1),
    "landlords": ("main li a", 3),
    "scorecard": ("figure.chart svg[role=img]", 3),
    "jobs": ("form button", 1),
    "jobs-district": ("figure.chart svg[role=img]", 1),
    "jobs-error": (".error-summary", 1),
    "resident-signed-out": ("main p", 2),
    "areas": ("form button", 1),
    "area": ("#measures tbody tr", 6),
}
STATUS = {"jobs-error": 400}


@pytest.mark.parametrize("name", sorted(PAGES))
async def test_pages_have_no_accessibility_violations(
    pages_site: str, pages_browser: Any, name: str
) -> None:
    """axe-core finds nothing at WCAG 2.2 AA, on a desktop and on a 375-pixel phone, and
    the page loads nothing from anywhere else and breaks no CSP rule."""
    async with offline_page(pages_browser, pages_site, DESKTOP) as tab:
        response = await tab.page.goto(pages_site + PAGES[name])
        assert response is not None and response.status == STATUS.get(name, 200)
        selector, count = VISIBLE[name]
        shown = tab.page.locator(selector)
        assert await shown.count() == count
        for index in range(count):
            assert await shown.nth(index).is_visible()
        for label, viewport in (("desktop", DESKTOP), ("mobile", MOBILE)):
            # The same page reflowed for the phone: its media queries apply as on a phone.
            await tab.page.set_viewport_size(viewport)  # type: ignore[arg-type]
            assert await axe_violations(tab.page) == [], label
            await screenshot(tab.page, f"{name}-{label}")
        if selector.endswith("svg[role=img]"):
            await shown.first.screenshot(path=str(SCREENSHOTS / f"{name}-chart.png"))
        assert tab.blocked == []
        # The page's own status, when it is an error by design, is not a fault.
        own = f"the server responded with a status of {STATUS.get(name, 200)}"
        assert [e for e in tab.errors if own not in e] == []


async def test_axe_reports_what_it_should(pages_site: str, pages_browser: Any) -> None:
    """The accessibility check can fail: an image without a text alternative is found."""
    async with offline_page(pages_browser, pages_site) as tab:
        await tab.page.goto(pages_site + "/")
        await tab.page.evaluate(
            "document.querySelector('main').appendChild(document.createElement('img'))"
        )
        assert [v["id"] for v in await axe_violations(tab.page)] == ["image-alt"]


async def test_pages_carry_security_headers(client: httpx.AsyncClient) -> None:
    """Every page has the strict CSP, and none has inline script or style."""
    for path in PAGES.values():
        response = await client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-frame-options"] == "DENY"
        assert "<style" not in response.text
        assert "style=" not in response.text
        assert "<script>" not in response.text
