"""A resident's home (``/home``): signed in with the link their landlord sends, they see
their home's facts, components against their Decent Homes lifetimes, every repair with
its status changes and target date, damp and mould cases with their Awaab's Law clocks
in plain words, and certificates; and they report a repair or damp and mould with forms
that work without JavaScript, carry a CSRF token and are idempotent on double submit."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.access import Principal
from odx_graph.core.errors import OdxError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.mapping import MAPPING
from odx_graph.services.credentials import authenticate
from odx_graph.services.credentials import bearer
from odx_graph.services.insight.damp import CaseClocks
from odx_graph.services.insight.damp import Clock
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.forecast import ExplainedScore
from odx_graph.services.prediction.forecast import explained_scores
from odx_graph.services.refdata import labels_of
from odx_graph.services.resident_home import ResidentHome
from odx_graph.services.resident_home import resident_home
from odx_graph.services.writes.homes import PERCEPTION_MEASURES
from odx_graph.services.writes.homes import report_damp_mould
from odx_graph.services.writes.homes import submit_satisfaction
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.repairs import report_repair
from odx_graph.store import reads
from odx_graph.store.db import Record
from odx_graph.web.pages import codes_for
from odx_graph.web.pages import day
from odx_graph.web.pages import one_version
from odx_graph.web.pages import records_of
from odx_graph.web.pages import render
from odx_graph.web.session import COOKIE
from odx_graph.web.session import csrf_ok
from odx_graph.web.session import csrf_token
from odx_graph.web.session import end_session
from odx_graph.web.session import form_of
from odx_graph.web.session import resident_of
from odx_graph.web.session import set_session

MAX_DESCRIPTION = 2000
IDEMPOTENCY = re.compile(r"^[0-9a-f]{32}$")
SESSION_DAYS = 30
# What each Awaab's Law clock asks of the landlord, in plain words.
CLOCK_WORDS = {
    "investigation": "investigate",
    "written_summary": "send you a written summary of what they found",
    "make_safe": "make your home safe",
}


def clock_words(name: str, clock: Clock) -> str | None:
    """One Awaab's Law clock in plain words; ``None`` when it does not apply."""
    what = CLOCK_WORDS[name]
    if clock.status == "NOT_APPLICABLE" or clock.due_at is None:
        return None
    if clock.status == "ON_TIME":
        return (
            f"Your landlord had to {what} by {day(clock.due_at)}, and did on {day(clock.done_at)}."
        )
    if clock.status == "DUE":
        return f"Your landlord must {what} by {day(clock.due_at)}."
    if clock.done_at is not None:
        return (
            f"Your landlord had to {what} by {day(clock.due_at)}, but only did on "
            f"{day(clock.done_at)}: this was late."
        )
    return f"Your landlord had to {what} by {day(clock.due_at)}, and has not yet: this is late."


def _within(hours: int | None, days: int | None) -> str | None:
    if hours is not None:
        return f"{hours} hours"
    if days is not None:
        return f"{days} working days"
    return None


def timescale_words(level: Record) -> str:
    """What Awaab's Law asks of the landlord for one hazard level, in plain words."""
    parts = []
    investigate = _within(level["investigateWithinHours"], level["investigateWithinWorkingDays"])
    if investigate:
        parts.append(f"investigate within {investigate} of your report")
    if level["summaryWithinWorkingDays"] is not None:
        parts.append(
            f"send you a written summary within {level['summaryWithinWorkingDays']} working "
            "days of investigating"
        )
    safe = _within(level["makeSafeWithinHours"], level["makeSafeWithinWorkingDays"])
    if safe:
        parts.append(f"make your home safe within {safe} of investigating")
    what = ", ".join(parts) if parts else "act"
    return f"{level['label']}: your landlord must {what}."


def _clock_lines(clocks: CaseClocks | None) -> list[tuple[str, bool]]:
    if clocks is None:
        return []
    lines = []
    for name in CLOCK_WORDS:
        clock: Clock = getattr(clocks, name)
        words = clock_words(name, clock)
        if words is not None:
            lines.append((words, clock.status == "BREACHED"))
    return lines


def _home_context(found: ResidentHome, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    home = found.home

    def label(kind: str, code: str | None) -> str:
        return labels[kind].get(code or "", code or "")

    return {
        "home": {
            "address": ", ".join(
                str(home[k]) for k in ("addressLine1", "addressLine2", "town") if home[k]
            ),
            "postcode": home["postcode"],
            "uprn": home["uprn"],
            "bedrooms": home["bedrooms"],
            "year_built": home["yearBuilt"],
            "iri": home["iri"],
            "path": f"/id/home/{home['_key']}",
        },
        "components": [
            {
                "type": label("ComponentType", c["_src_component_type_code"]),
                "installed": day(c["installDate"]),
                "age": c["ageInYears"],
                "lifetime": c["expectedLifetime"],
                "remaining": c["remainingLifetime"],
                "past": bool(c["isPastLifetime"]),
                "condition": label("Condition", c["_src_condition_code"]),
            }
            for c in found.components
        ],
        "repairs": [
            {
                "key": r["_key"],
                "description": r["description"] or "Repair",
                "reported": day(r["reportedAt"]),
                "target": day(r["targetAt"]),
                "completed": day(r["completedAt"]),
                "status": label("RepairStatus", r["_src_status_code"]),
                "priority": label("Priority", r["_src_priority_code"]),
                "history": [
                    (day(e["occurredAt"]), label("RepairStatus", e["_src_status_code"]))
                    for e in found.history.get(r["_key"], [])
                ],
            }
            for r in found.repairs
        ],
        "damp_cases": [
            {
                "aware": day(c["awareAt"]),
                "severity": label("DampMouldSeverity", c["_src_severity_code"]),
                "assessed": c["_src_hazard_level_code"] is not None,
                "clocks": _clock_lines(found.clocks.get(c["_key"])),
            }
            for c in found.damp_cases
        ],
        "certificates": [
            {
                "type": label("CertificateType", c["_src_certificate_type_code"]),
                "band": c["_src_epc_band_code"],
                "score": c["sapScore"],
                "lodged": day(c["lodgementDate"]),
                "expires": day(c["expiryDate"]),
            }
            for c in found.certificates
        ],
        "planned_works": [
            {
                "type": label("ComponentType", w["_src_component_type_code"]),
                "year": f"{w['financialYear']}/{(w['financialYear'] + 1) % 100:02d}",
                "date": day(w["plannedDate"]),
                "done": day(w["completionDate"]),
                "status": label("PlannedWorkStatus", w["_src_status_code"]),
            }
            for w in found.planned_works
        ],
    }


async def _labels(request: Request, principal: Principal) -> dict[str, dict[str, str]]:
    kinds = (
        "ComponentType",
        "Condition",
        "RepairStatus",
        "Priority",
        "DampMouldSeverity",
        "TsmMeasure",
        "TsmAnswer",
        "PlannedWorkStatus",
        "CertificateType",
    )
    lists = await codes_for(request, request.app.state.db, principal, *kinds)
    return {kind: labels_of(rows) for kind, rows in lists.items()}


# How many of a score's reasons the page lists, the largest first.
RISK_REASONS = 5


def risk_context(score: ExplainedScore | None) -> dict[str, Any] | None:
    """A home's damp and mould risk for the page: the chance in 100, the day it was worked
    out, and the reasons that move it most, each with its points (signed)."""
    if score is None:
        return None
    reasons = sorted(
        (c for c in score.contributions if round(c.points, 1) != 0),
        key=lambda c: (-abs(c.points), c.feature),
    )
    return {
        "chance": round(score.probability * 100),
        "as_of": day(score.as_of),
        "points": f"{score.points:.1f}",
        "baseline": f"{score.baseline:.1f}",
        "reasons": [(c.words, f"{c.points:+.1f}") for c in reasons[:RISK_REASONS]],
        "more": max(0, len(reasons) - RISK_REASONS),
    }


async def home_page(request: Request, *, errors: dict[str, str] | None = None) -> Response:
    """``GET /home``: the signed-in resident's home, or how to sign in."""
    principal, session = await resident_of(request)
    if session is None:
        return render(request, "signed_out.html", {"title": "Your home"})
    state = request.app.state
    found = await resident_home(state.db, state.settings, principal, records_of(request))
    if found is None:
        return render(request, "signed_out.html", {"title": "Your home"}, status_code=404)
    labels = await _labels(request, principal)
    context = _home_context(found, labels)
    home_id = principal.home_id or 0
    risks = await explained_scores(state.db, principal, ModelKind.DAMP_MOULD, [home_id])
    context.update(
        damp_risk=risk_context(risks.get(home_id)),
        title="Your home",
        csrf=csrf_token(session),
        idempotency=uuid.uuid4().hex,
        errors=errors or {},
        severities=sorted(labels["DampMouldSeverity"].items()),
        questions=[(c, labels["TsmMeasure"].get(c, c)) for c in PERCEPTION_MEASURES],
        answers=list(labels["TsmAnswer"].items()),
        thanks=request.query_params.get("thanks") == "1",
    )
    return render(request, "resident.html", context, status_code=400 if errors else 200)


async def sign_in(request: Request) -> Response:
    """``GET /home/sign-in?token=...``: the link a landlord sends its resident. A valid
    resident token is kept in the session cookie and the browser sent to ``/home``."""
    token = request.query_params.get("token", "").strip()
    try:
        principal = await authenticate(request.app.state.db, bearer(token)) if token else None
    except UnauthenticatedError:
        principal = None
    if principal is None or principal.home_id is None or principal.tier.value != "resident":
        return render(request, "sign_in_failed.html", {"title": "Sign in"}, status_code=401)
    response = RedirectResponse("/home", status_code=303)
    max_age = SESSION_DAYS * 86_400
    if principal.expires_at is not None:
        left = (principal.expires_at - dt.datetime.now(dt.UTC)).total_seconds()
        max_age = max(0, min(max_age, int(left)))
    set_session(response, request, token, max_age)
    return response


async def sign_out(request: Request) -> Response:
    """``POST /home/sign-out``: forget the session (a resident's or a contractor's)."""
    session = request.cookies.get(COOKIE)
    form = await form_of(request)
    if session is not None and not csrf_ok(form, session):
        return _forbidden(request)
    back = form.get("next") if form.get("next") in ("/home", "/contractor") else "/home"
    response = RedirectResponse(back or "/home", status_code=303)
    end_session(response, request)
    return response


def _forbidden(request: Request) -> Response:
    return render(request, "form_expired.html", {"title": "Please try again"}, status_code=403)


@dataclass(frozen=True, slots=True)
class Submitted:
    """A resident's form that passed its checks: who sent it, for which home, its fields
    and the idempotency key its writes go under."""

    principal: Principal
    home_id: int
    form: dict[str, str]
    idempotency_key: str

    async def write(
        self, request: Request, operation: Callable[..., Awaitable[Written]], **fields: Any
    ) -> Written:
        """``operation`` on the form's home by its sender, under the form's idempotency key."""
        return await operation(
            request.app.state.db,
            self.principal,
            home_id=self.home_id,
            idempotency_key=self.idempotency_key,
            **fields,
        )


async def _checked_form(request: Request) -> Submitted | Response:
    principal, session = await resident_of(request)
    if session is None or principal.home_id is None:
        return RedirectResponse("/home", status_code=303)
    form = await form_of(request)
    if not csrf_ok(form, session) or not IDEMPOTENCY.match(form.get("idempotency", "")):
        return _forbidden(request)
    return Submitted(principal, principal.home_id, form, "page-" + form["idempotency"])


async def report_repair_form(request: Request) -> Response:
    """``POST /home/repairs``: report a repair; the answer is a redirect to its
    confirmation (the same one when the form is sent twice)."""
    sent = await _checked_form(request)
    if isinstance(sent, Response):
        return sent
    description = " ".join(sent.form.get("description", "").split())
    if not description:
        return await home_page(request, errors={"description": "Describe what needs repairing"})
    if len(description) > MAX_DESCRIPTION:
        message = f"Describe the repair in {MAX_DESCRIPTION:,} characters or fewer"
        return await home_page(request, errors={"description": message})
    try:
        written = await sent.write(
            request, report_repair, description=description, priority=None, trade=None
        )
    except OdxError as exc:
        return await home_page(request, errors={"description": exc.message})
    return RedirectResponse(f"/home/reported/repair/{written.key}", status_code=303)


async def report_damp_form(request: Request) -> Response:
    """``POST /home/damp-mould``: report damp or mould; the Awaab's Law clocks start."""
    sent = await _checked_form(request)
    if isinstance(sent, Response):
        return sent
    try:
        written = await sent.write(
            request,
            report_damp_mould,
            hazard_level=None,
            severity=sent.form.get("severity") or None,
            aware_at=None,
        )
    except OdxError as exc:
        return await home_page(request, errors={"severity": exc.message})
    return RedirectResponse(f"/home/reported/damp-mould/{written.key}", status_code=303)


async def satisfaction_form(request: Request) -> Response:
    """``POST /home/satisfaction``: answer a Tenant Satisfaction Measures question about
    the landlord (answers are never published one by one)."""
    sent = await _checked_form(request)
    if isinstance(sent, Response):
        return sent
    try:
        await sent.write(
            request,
            submit_satisfaction,
            measure=sent.form.get("measure", ""),
            answer=sent.form.get("answer", ""),
            survey_date=None,
        )
    except OdxError as exc:
        field = "measure" if exc.field == "measure" else "answer"
        return await home_page(request, errors={field: exc.message})
    return RedirectResponse("/home?thanks=1#satisfaction", status_code=303)


async def reported(request: Request) -> Response:
    """``GET /home/reported/{kind}/{key}``: what was reported and what happens next."""
    principal, session = await resident_of(request)
    if session is None:
        return RedirectResponse("/home", status_code=303)
    kind, key = request.path_params["kind"], request.path_params["key"]
    if kind not in ("repair", "damp-mould"):
        return render(request, "not_found.html", {"title": "Page not found"}, status_code=404)
    entity = MAPPING["Repair" if kind == "repair" else "DampMouldCase"]
    state = request.app.state
    [row] = await reads.fetch_by_keys(state.db, entity, [key], principal, state.settings.base_iri)
    if row is None or row["_src_home_id"] != principal.home_id:
        return render(request, "not_found.html", {"title": "Page not found"}, status_code=404)
    clocks: list[tuple[str, bool]] = []
    timescales: list[str] = []
    if kind == "damp-mould":
        found = await resident_home(state.db, state.settings, principal, records_of(request))
        clocks = _clock_lines(found.clocks.get(key) if found else None)
        levels = (await codes_for(request, state.db, principal, "AwaabHazardLevel"))[
            "AwaabHazardLevel"
        ]
        timescales = [timescale_words(level) for level in levels]
    return render(
        request,
        "reported.html",
        {
            "title": "Repair reported" if kind == "repair" else "Damp or mould reported",
            "kind": kind,
            "reference": f"{'R' if kind == 'repair' else 'D'}{key}",
            "when": day(row["reportedAt"] if kind == "repair" else row["awareAt"]),
            "description": row["description"] if kind == "repair" else None,
            "clocks": clocks,
            "timescales": timescales,
        },
    )


ROUTES = [
    Route("/home", one_version(home_page)),
    Route("/home/sign-in", sign_in),
    Route("/home/sign-out", sign_out, methods=["POST"]),
    Route("/home/repairs", report_repair_form, methods=["POST"]),
    Route("/home/damp-mould", report_damp_form, methods=["POST"]),
    Route("/home/satisfaction", satisfaction_form, methods=["POST"]),
    Route("/home/reported/{kind:str}/{key:int}", reported),
]
