"""What else happens to a home through the API: components added and replaced, damp and
mould reported and investigated (the Awaab's Law clocks), satisfaction answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.errors import InputError
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import check_codes
from odx_graph.services.writes.operation import landlord_of
from odx_graph.services.writes.operation import perform
from odx_graph.store import writes as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

PERCEPTION_MEASURES = tuple(f"TP{n:02d}" for n in range(1, 13))


# -- components -------------------------------------------------------------------------


def _audited(facts: repo.ComponentFacts) -> dict[str, Any]:
    """A component's facts as a write's request and audit event name them."""
    return {
        "installed": facts.install_date,
        "condition": facts.condition,
        "make": facts.make,
        "model": facts.model,
    }


async def add_component(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    component_type: str,
    install_date: dt.date | None,
    condition: str | None,
    make: str | None,
    model: str | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord records a new component of a home."""
    facts = repo.ComponentFacts(install_date, condition, make, model)
    request = {"home": home_id, "type": component_type, **_audited(facts)}

    async def act(conn: Connection, home: Record) -> Change:
        await check_codes(
            conn,
            ("component_type", component_type, "componentType"),
            ("condition", condition, "condition"),
        )
        key = await repo.insert_component(conn, home_id, component_type, facts)
        return Change("Component", "component", key, home["landlord_id"], request)

    return await perform(db, principal, "addComponent", home_id, request, idempotency_key, act)


async def replace_component(
    db: Database,
    principal: Principal,
    *,
    component_id: int,
    install_date: dt.date,
    condition: str | None,
    make: str | None,
    model: str | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord records that a component was replaced by a new one of its type."""
    facts = repo.ComponentFacts(install_date, condition, make, model)
    request = {"component": component_id, **_audited(facts)}

    async def act(conn: Connection, component: Record) -> Change:
        await check_codes(conn, ("condition", condition, "condition"))
        await repo.replace_component(conn, component_id, facts)
        return Change("Component", "component", component_id, component["landlord_id"], request)

    return await perform(
        db, principal, "replaceComponent", component_id, request, idempotency_key, act
    )


# -- damp and mould ---------------------------------------------------------------------


async def report_damp_mould(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    hazard_level: str | None,
    severity: str | None,
    aware_at: dt.datetime | None,
    idempotency_key: str | None,
) -> Written:
    """A resident or the landlord reports damp and mould: the Awaab's Law clocks start."""
    request = {"home": home_id, "level": hazard_level, "severity": severity, "aware": aware_at}

    async def act(conn: Connection, home: Record) -> Change:
        landlord = landlord_of(home, "homeId")
        if principal.tier is Tier.RESIDENT and (aware_at is not None or hazard_level is not None):
            raise InputError(
                "the clock starts when you report; the landlord assesses the hazard level",
                field="awareAt" if aware_at is not None else "hazardLevel",
            )
        if aware_at is not None and aware_at > dt.datetime.now(dt.UTC):
            raise InputError("awareAt is in the future", field="awareAt")
        await check_codes(
            conn,
            ("awaab_hazard_level", hazard_level, "hazardLevel"),
            ("damp_mould_severity", severity, "severity"),
        )
        key = await repo.insert_damp_mould_case(
            conn, landlord, home_id, hazard_level, severity, aware_at
        )
        return Change("DampMouldCase", "damp_mould_case", key, landlord, request)

    return await perform(db, principal, "reportDampMould", home_id, request, idempotency_key, act)


async def record_inspection(
    db: Database,
    principal: Principal,
    *,
    case_id: int,
    investigation_started_at: dt.datetime | None = None,
    investigation_completed_at: dt.datetime | None = None,
    written_summary_sent_at: dt.datetime | None = None,
    made_safe_at: dt.datetime | None = None,
    hazard_level: str | None = None,
    hhsrs_category: str | None = None,
    severity: str | None = None,
    further_works_required: bool | None = None,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord records an investigation's dates and findings on a case (only the
    values given are set)."""
    given = {
        "investigation_started_at": investigation_started_at,
        "investigation_completed_at": investigation_completed_at,
        "written_summary_sent_at": written_summary_sent_at,
        "made_safe_at": made_safe_at,
        "hazard_level_code": hazard_level,
        "hhsrs_category_code": hhsrs_category,
        "severity_code": severity,
        "further_works_required": further_works_required,
    }
    values = {k: v for k, v in given.items() if v is not None}

    async def act(conn: Connection, case: Record) -> Change:
        await check_codes(
            conn,
            ("hhsrs_category", hhsrs_category, "hhsrs_category_code"),
            ("damp_mould_severity", severity, "severity_code"),
            ("awaab_hazard_level", hazard_level, "hazard_level_code"),
        )
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        for column, value in values.items():
            if isinstance(value, dt.datetime) and not case["aware_at"] <= value <= now:
                raise InputError("must fall between awareness and now", field=column)
        await repo.record_inspection(conn, case_id, values)
        return Change("DampMouldCase", "damp_mould_case", case_id, case["landlord_id"], values)

    return await perform(db, principal, "recordInspection", case_id, values, idempotency_key, act)


# -- satisfaction -----------------------------------------------------------------------


async def submit_satisfaction(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    measure: str,
    answer: str,
    survey_date: dt.date | None,
    idempotency_key: str | None,
) -> Written:
    """A resident (or their landlord, entering a survey) answers a TSM perception question
    (TP01-TP12) about the home's landlord. Answers are not published one by one."""
    request = {"home": home_id, "measure": measure, "answer": answer, "date": survey_date}

    async def act(conn: Connection, home: Record) -> Change:
        landlord = landlord_of(home, "homeId")
        if measure not in PERCEPTION_MEASURES:
            raise InputError("a perception measure is TP01 to TP12", field="measure")
        await check_codes(conn, ("tsm_answer", answer, "answer"))
        day = survey_date or dt.datetime.now(dt.UTC).date()
        if day > dt.datetime.now(dt.UTC).date():
            raise InputError("surveyDate is in the future", field="surveyDate")
        key = await repo.insert_satisfaction(conn, home_id, landlord, measure, answer, day)
        return Change(
            "SatisfactionResponse", "satisfaction_response", key, landlord, {"measure": measure}
        )

    return await perform(
        db, principal, "submitSatisfaction", home_id, request, idempotency_key, act
    )
