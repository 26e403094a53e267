"""A real headless Chromium (Debian's ``chromium``, driven by Playwright) for the pages'
tests: the network beyond the server under test blocked, axe-core injected from the
fixtures for accessibility checks, screenshots kept in a temporary directory."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser
from playwright.async_api import Page
from playwright.async_api import Route
from playwright.async_api import async_playwright

CHROMIUM = os.environ.get("ODX_TEST_CHROMIUM", "/usr/bin/chromium")
HAVE_CHROMIUM = Path(CHROMIUM).exists()
AXE_JS = gzip.decompress(
    (Path(__file__).parent / "fixtures" / "axe" / "axe.min.js.gz").read_bytes()
).decode()
SCREENSHOTS = Path(os.environ.get("ODX_TEST_SCREENSHOTS", tempfile.gettempdir())) / (
    "odx-graph-screenshots"
)
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium. Without one installed the browser tests are skipped, saying
    how to install it, unless ``ODX_REQUIRE_BROWSER`` is set (CI sets it), when they fail."""
    if not HAVE_CHROMIUM:
        message = (
            f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium) or "
            "name one in ODX_TEST_CHROMIUM to run the pages' browser tests"
        )
        if os.environ.get("ODX_REQUIRE_BROWSER"):
            raise RuntimeError(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


class Offline:
    """A page whose requests to anything but ``origin`` are aborted and remembered, with
    its console errors (CSP violations among them) collected."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    async def route(self, route: Route) -> None:
        """Let requests to the server through; abort the rest."""
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith("data:"):
            await route.continue_()
        else:
            self.blocked.append(url)
            await route.abort()


@asynccontextmanager
async def offline_page(
    browser: Browser, origin: str, viewport: dict[str, int] = DESKTOP, **options: Any
) -> AsyncIterator[Offline]:
    """A new page in its own context that can reach ``origin`` only."""
    context = await browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]
    page = await context.new_page()
    offline = Offline(page, origin)
    await context.route("**/*", offline.route)
    try:
        yield offline
    finally:
        await context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern
    # (a script tag would be refused, as it should be).
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE_JS + "\n;0")
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


async def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under the screenshots directory."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
