"""A contractor's own jobs (``/contractor``): signed in with its API key, it sees the open
jobs assigned to it in full and moves each along or completes it with forms that work
without JavaScript, carry a CSRF token and are idempotent on double submit."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from decimal import InvalidOperation

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.errors import OdxError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.services.credentials import authenticate
from odx_graph.services.credentials import bearer
from odx_graph.services.job_board import assigned_jobs
from odx_graph.services.refdata import labels_of
from odx_graph.services.writes.repairs import Line
from odx_graph.services.writes.repairs import complete_repair
from odx_graph.services.writes.repairs import update_repair_status
from odx_graph.web.pages import codes_for
from odx_graph.web.pages import day
from odx_graph.web.pages import macro
from odx_graph.web.pages import one_version
from odx_graph.web.pages import records_of
from odx_graph.web.pages import render
from odx_graph.web.session import csrf_ok
from odx_graph.web.session import csrf_token
from odx_graph.web.session import form_of
from odx_graph.web.session import keep_sign_in_nonce
from odx_graph.web.session import set_session
from odx_graph.web.session import sign_in_csrf_ok
from odx_graph.web.session import sign_in_nonce
from odx_graph.web.session import signed_in

IDEMPOTENCY = re.compile(r"^[0-9a-f]{32}$")
SESSION_SECONDS = 12 * 3600


async def contractor_page(
    request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    """``GET /contractor``: the signed-in contractor's open jobs, or the sign-in form."""
    principal, session = await signed_in(request, Tier.CONTRACTOR)
    if session is None:
        nonce = sign_in_nonce(request)
        response = render(
            request,
            "contractor_sign_in.html",
            {"title": "Your jobs", "errors": errors or {}, "csrf": csrf_token(nonce)},
            status_code=status_code,
        )
        keep_sign_in_nonce(response, request, nonce)
        return response
    state = request.app.state
    db, settings = state.db, state.settings
    lists = await codes_for(request, db, principal, "RepairStatus", "Trade", "Priority")
    labels = labels_of(lists["RepairStatus"])
    moves = [(str(r["_key"]), str(r["label"])) for r in lists["RepairStatus"] if r["isOpen"]]
    trades, priorities = labels_of(lists["Trade"]), labels_of(lists["Priority"])
    jobs = [
        {
            "key": j.key,
            "path": f"/id/repair/{j.key}",
            "description": j.description or "Repair",
            "address": j.address or "",
            "status": labels.get(j.status_code or "", j.status_code or ""),
            "status_code": j.status_code,
            "trade": trades.get(j.trade_code or "", j.trade_code or ""),
            "priority": priorities.get(j.priority_code or "", ""),
            "reported": day(j.reported_at),
            "target": day(j.target_at) or "None set",
            "planned": j.planned_replacement,
            "status_error": (errors or {}).get(f"status-{j.key}"),
            "complete_error": (errors or {}).get(f"complete-{j.key}"),
        }
        for j in await assigned_jobs(db, settings, principal, records_of(request))
    ]
    # The choice of next status, rendered once for each status the jobs are in.
    status_options = macro("macros.html", "status_options")
    options = {code: status_options(moves, code) for code in {j["status_code"] for j in jobs}}
    return render(
        request,
        "contractor.html",
        {
            "title": "Your jobs",
            "jobs": jobs,
            "options": options,
            "csrf": csrf_token(session),
            "idempotency": uuid.uuid4().hex,
            "errors": errors or {},
            "updated": request.query_params.get("updated", ""),
        },
        status_code=status_code,
    )


async def contractor_sign_in(request: Request) -> Response:
    """``POST /contractor/sign-in``: a contractor's API key kept in the session cookie."""
    form = await form_of(request)
    if not sign_in_csrf_ok(form, request):
        # Refused before the key is tried: another site cannot sign this browser in
        # (and so replace the session it has) with a key of its choosing.
        errors = {"key": "The form had expired: enter your key again"}
        return await contractor_page(request, errors=errors, status_code=403)
    key = form.get("key", "").strip()
    try:
        principal = await authenticate(request.app.state.db, bearer(key)) if key else None
    except UnauthenticatedError:
        principal = None
    if principal is None or principal.tier is not Tier.CONTRACTOR:
        errors = {"key": "Enter your organisation's contractor API key"}
        return await contractor_page(request, errors=errors, status_code=401)
    response = RedirectResponse("/contractor", status_code=303)
    set_session(response, request, key, SESSION_SECONDS)
    return response


async def _job_form(request: Request) -> tuple[Principal, dict[str, str], int] | Response:
    principal, session = await signed_in(request, Tier.CONTRACTOR)
    if session is None:
        return RedirectResponse("/contractor", status_code=303)
    form = await form_of(request)
    if not csrf_ok(form, session) or not IDEMPOTENCY.match(form.get("idempotency", "")):
        return render(request, "form_expired.html", {"title": "Please try again"}, status_code=403)
    return principal, form, int(request.path_params["repair"])


async def job_status(request: Request) -> Response:
    """``POST /contractor/jobs/{id}/status``: move a job along (with an optional note)."""
    checked = await _job_form(request)
    if isinstance(checked, Response):
        return checked
    principal, form, repair = checked
    try:
        await update_repair_status(
            request.app.state.db,
            principal,
            repair_id=repair,
            status=form.get("status", ""),
            note=" ".join(form.get("note", "").split()) or None,
            idempotency_key="page-status-" + form["idempotency"],
        )
    except OdxError as exc:
        return await contractor_page(
            request, errors={f"status-{repair}": exc.message}, status_code=400
        )
    return RedirectResponse(f"/contractor?updated={repair}#job-{repair}", status_code=303)


async def job_complete(request: Request) -> Response:
    """``POST /contractor/jobs/{id}/complete``: complete a job with one SOR line."""
    checked = await _job_form(request)
    if isinstance(checked, Response):
        return checked
    principal, form, repair = checked
    field = f"complete-{repair}"
    try:
        quantity = Decimal(form.get("quantity", "") or "1")
        cost = Decimal(form["cost"]) if form.get("cost") else None
    except InvalidOperation:
        return await contractor_page(
            request, errors={field: "Enter the quantity and cost as numbers"}, status_code=400
        )
    code = form.get("sor_code", "").strip()
    if not code:
        return await contractor_page(
            request, errors={field: "Enter the SOR code of the work done"}, status_code=400
        )
    try:
        await complete_repair(
            request.app.state.db,
            principal,
            repair_id=repair,
            completed_at=None,
            cost=cost,
            lines=[Line(code, quantity, None, cost)],
            note=None,
            idempotency_key="page-complete-" + form["idempotency"],
        )
    except OdxError as exc:
        return await contractor_page(request, errors={field: exc.message}, status_code=400)
    return RedirectResponse(f"/contractor?updated={repair}", status_code=303)


ROUTES = [
    Route("/contractor", one_version(contractor_page)),
    Route("/contractor/sign-in", contractor_sign_in, methods=["POST"]),
    Route("/contractor/jobs/{repair:int}/status", job_status, methods=["POST"]),
    Route("/contractor/jobs/{repair:int}/complete", job_complete, methods=["POST"]),
]
