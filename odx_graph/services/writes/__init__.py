"""Writes through the API: who may do what, idempotency, the audit trail.

Every operation is one call of :func:`perform` with a :class:`Rule` saying what it acts
on and who may: the record is read (not found?), the caller checked against its tier
and its ties to the record (the first wall), the record locked where it can change, the
operation's own checks and statements run, and an audit event written, all in one
transaction as the ``odx_writer`` role, where row-level security checks again (the
second wall). With an idempotency key, a retried operation returns the first result and
changes nothing; the same key with a different request is a conflict.

The admin's organisation operations (:mod:`.organisations`) are the exception: they act
on no landlord's record, so they run as the owner, for an admin key, with their audit
event and no idempotency key.
"""

from odx_graph.services.writes.estates import create_estate, update_estate
from odx_graph.services.writes.homes import (
    add_component,
    record_inspection,
    replace_component,
    report_damp_mould,
    submit_satisfaction,
)
from odx_graph.services.writes.operation import Change, Rule, Written, check_codes, perform, run
from odx_graph.services.writes.organisations import (
    add_organisation,
    merge_organisations,
    update_organisation,
)
from odx_graph.services.writes.plan_these import PlanSource, plan_these
from odx_graph.services.writes.planned_works import (
    add_planned_work,
    cancel_planned_work,
    complete_planned_work,
    create_programme,
    update_planned_work,
)
from odx_graph.services.writes.repairs import (
    Line,
    assign_repair,
    complete_repair,
    correct_repair,
    priced_lines,
    repair_cost,
    report_repair,
    update_repair_status,
)
from odx_graph.services.writes.residents import (
    HomeRef,
    TokenPolicy,
    issue_resident_token,
    revoke_resident_token,
    token_expiry,
)

__all__ = [
    "Change",
    "HomeRef",
    "Line",
    "PlanSource",
    "Rule",
    "TokenPolicy",
    "Written",
    "add_component",
    "add_organisation",
    "add_planned_work",
    "assign_repair",
    "cancel_planned_work",
    "check_codes",
    "complete_planned_work",
    "complete_repair",
    "correct_repair",
    "create_estate",
    "create_programme",
    "issue_resident_token",
    "merge_organisations",
    "perform",
    "plan_these",
    "priced_lines",
    "record_inspection",
    "repair_cost",
    "replace_component",
    "report_damp_mould",
    "report_repair",
    "revoke_resident_token",
    "run",
    "submit_satisfaction",
    "token_expiry",
    "update_estate",
    "update_organisation",
    "update_planned_work",
    "update_repair_status",
]
