"""Writes through the API: who may do what, idempotency, the audit trail.

Every operation is one call of :func:`perform`, whose :class:`Rule` in :data:`RULES`
says what it acts on and who may: the record is read (not found?), the caller checked
against its tier and its ties to the record (the first wall), the record locked where it
can change, the operation's own checks and statements run, and an audit event written,
all in one transaction as the ``odx_writer`` role, where row-level security checks again
(the second wall). With an idempotency key, a retried operation returns the first result
and changes nothing; the same key with a different request is a conflict.

The admin's organisation operations (:mod:`.organisations`) are the exception: they act
on no landlord's record, so they run as the owner, for an admin key, with their audit
event and no idempotency key.
"""

from odx_graph.services.writes.estates import create_estate
from odx_graph.services.writes.estates import update_estate
from odx_graph.services.writes.homes import add_component
from odx_graph.services.writes.homes import record_inspection
from odx_graph.services.writes.homes import replace_component
from odx_graph.services.writes.homes import report_damp_mould
from odx_graph.services.writes.homes import submit_satisfaction
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import check_codes
from odx_graph.services.writes.operation import perform
from odx_graph.services.writes.operation import run
from odx_graph.services.writes.organisations import add_organisation
from odx_graph.services.writes.organisations import merge_organisations
from odx_graph.services.writes.organisations import update_organisation
from odx_graph.services.writes.plan_these import PlanSource
from odx_graph.services.writes.plan_these import plan_these
from odx_graph.services.writes.planned_works import add_planned_work
from odx_graph.services.writes.planned_works import cancel_planned_work
from odx_graph.services.writes.planned_works import complete_planned_work
from odx_graph.services.writes.planned_works import create_programme
from odx_graph.services.writes.planned_works import update_planned_work
from odx_graph.services.writes.repairs import Line
from odx_graph.services.writes.repairs import assign_repair
from odx_graph.services.writes.repairs import complete_repair
from odx_graph.services.writes.repairs import correct_repair
from odx_graph.services.writes.repairs import priced_lines
from odx_graph.services.writes.repairs import repair_cost
from odx_graph.services.writes.repairs import report_repair
from odx_graph.services.writes.repairs import update_repair_status
from odx_graph.services.writes.residents import HomeRef
from odx_graph.services.writes.residents import TokenPolicy
from odx_graph.services.writes.residents import issue_resident_token
from odx_graph.services.writes.residents import revoke_resident_token
from odx_graph.services.writes.residents import token_expiry
from odx_graph.services.writes.rules import RULES
from odx_graph.services.writes.rules import Rule

__all__ = [
    "RULES",
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
