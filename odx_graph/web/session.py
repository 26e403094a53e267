"""A session on the pages (a resident's, or a contractor's): the key kept in a cookie
(``HttpOnly``, ``SameSite=Lax``, ``Secure`` over TLS) and the CSRF token derived from it.

The cookie is read by the resident's pages only, never by ``/graphql`` (which takes keys in
the ``Authorization`` header), so no other site can make a browser write through it;
every form also carries a CSRF token that only a page of this server can know.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from typing import Literal
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.services.credentials import authenticate
from odx_graph.services.credentials import bearer

COOKIE = "odx_session"
SIGN_IN_COOKIE = "odx_sign_in"
SIGN_IN_SECONDS = 3600
MAX_FORM_BYTES = 16_384


def csrf_token(session: str) -> str:
    """The CSRF token of a session: a keyed hash of the session's secret."""
    return hmac.new(session.encode(), b"odx-graph form", hashlib.sha256).hexdigest()


def _cookie(request: Request, samesite: Literal["lax", "strict"]) -> dict[str, Any]:
    """How the pages' cookies are kept: for the whole site, out of scripts' reach, and
    ``Secure`` when the page came over TLS."""
    return {
        "path": "/",
        "httponly": True,
        "samesite": samesite,
        "secure": request.url.scheme == "https",
    }


def set_session(response: Response, request: Request, token: str, max_age: int) -> None:
    """Keep ``token`` in the session cookie."""
    response.set_cookie(COOKIE, token, max_age=max_age, **_cookie(request, "lax"))


def end_session(response: Response, request: Request) -> None:
    """Forget the session cookie."""
    response.delete_cookie(COOKIE, **_cookie(request, "lax"))


async def signed_in(request: Request, tier: Tier) -> tuple[Principal, str | None]:
    """The caller of ``tier`` signed in on this browser and their session, or the
    public (a session of another tier does not count)."""
    session = request.cookies.get(COOKIE)
    if not session:
        return PUBLIC, None
    try:
        principal = await authenticate(request.app.state.db, bearer(session))
    except UnauthenticatedError:
        return PUBLIC, None
    if principal.tier is not tier:
        return PUBLIC, None
    return principal, session


async def resident_of(request: Request) -> tuple[Principal, str | None]:
    """The resident signed in on this browser and their session, or the public."""
    return await signed_in(request, Tier.RESIDENT)


async def form_of(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields (the first value of each), bounded in size."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def csrf_ok(form: dict[str, str], session: str | None) -> bool:
    """Whether the form's CSRF token is the session's."""
    return session is not None and hmac.compare_digest(form.get("csrf", ""), csrf_token(session))


def sign_in_nonce(request: Request) -> str:
    """The browser's sign-in nonce (kept in its cookie), or a new one: a sign-in form has
    no session yet, so its CSRF token is derived from this instead."""
    nonce = request.cookies.get(SIGN_IN_COOKIE, "")
    return nonce if len(nonce) == 43 else secrets.token_urlsafe(32)


def keep_sign_in_nonce(response: Response, request: Request, nonce: str) -> None:
    """Keep ``nonce`` in the sign-in cookie, so the form's token can be checked on post."""
    response.set_cookie(
        SIGN_IN_COOKIE, nonce, max_age=SIGN_IN_SECONDS, **_cookie(request, "strict")
    )


def sign_in_csrf_ok(form: dict[str, str], request: Request) -> bool:
    """Whether a sign-in form's CSRF token is the one derived from this browser's nonce
    (a post from another site has neither the cookie nor the token)."""
    nonce = request.cookies.get(SIGN_IN_COOKIE, "")
    return len(nonce) == 43 and csrf_ok(form, nonce)
