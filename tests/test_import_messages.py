"""Messages about one repair, in any order: the latest state and every known value stay.

The four messages of a repair's life (a repairs CSV row, a HACT RaiseRepair, a
JobStatusUpdate and a WorkOrderComplete) are imported in every pair, in both orders, and
the repair must end the same either way: the status of the latest event, every value any
of them stated, its status history holding each message's event once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

import pytest

from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import imports as repo
from odx_graph.store.db import Database

UTC = dt.UTC
LANDLORD = "Pairwise Homes"
REPORTED = "2024-03-04T09:15:00Z"
# The event times: raised < CSV row (in progress) < update (on hold) < completion.
T_CSV, T_HOLD, T_DONE = "2024-03-05T08:00:00Z", "2024-03-05T12:00:00Z", "2024-03-06T11:40:00Z"
REPAIRS_HEADER = (
    "repair_ref,home_uprn,priority,status,status_at,trade,description,reported_at,"
    "completed_at,repair_cost,line_number,sor_code,quantity,unit_cost,line_cost"
)


def csv_row(ref: str, uprn: int, *, status: str = "in-progress", status_at: str = T_CSV) -> str:
    return (
        f"{REPAIRS_HEADER}\n{ref},{uprn},3,{status},{status_at},PL,Trap leaking under sink,"
        f"{REPORTED},,95.00,1,601101,1,95.00,95.00\n"
    )


def raise_repair(ref: str, uprn: int, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "Reference": [{"ID": ref}],
        "DescriptionOfWork": "Trap leaking under sink",
        "Priority": {"PriorityCode": "3", "RequiredCompletionDateTime": "2024-03-11T17:00:00Z"},
        "WorkClass": {"WorkClassCode": "0"},
        "DateReported": REPORTED,
        "SitePropertyUnit": [{"Reference": [{"ID": str(uprn), "AllocatedBy": "UPRN"}]}],
        "WorkElement": [
            {
                "RateScheduleItem": [
                    {"M3NHFSORCode": "Responsive-601101", "Quantity": {"Amount": [1]}}
                ]
            }
        ],
    }
    document.update(changes)
    return document


def hold_update(ref: str, when: str = T_HOLD) -> dict[str, Any]:
    return {
        "RelatedWorkOrderReference": {"ID": ref},
        "EventTime": when,
        "TypeCode": "0",
        "OtherType": "hold",
    }


def completion(ref: str, when: str = T_DONE) -> dict[str, Any]:
    return {
        "WorkOrderReference": {"ID": ref},
        "CompletedWorkElements": [
            {
                "RateScheduleItem": [
                    {"M3NHFSORCode": "Responsive-601101", "Quantity": {"Amount": [1]}}
                ]
            }
        ],
        "JobStatusUpdates": [{"EventTime": when, "TypeCode": "0", "OtherType": "completed"}],
    }


@pytest.fixture(scope="module")
async def db(module_db: Database) -> Database:
    """The module's database, with the landlord every case imports as: each case has its
    own home and repair, so the cases cannot see one another."""
    async with module_db.connection() as conn:
        await repo.create_organisation(conn, LANDLORD, "landlord", None)
    return module_db


async def send(db: Database, fmt: str, payload: object, name: str = "message") -> ImportReport:
    data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
    report = await run_import(db, data, fmt=fmt, file_name=name, organisation=LANDLORD)
    assert report.written, report.as_text()
    return report


_homes = itertools.count(1)


async def a_home(db: Database) -> int:
    uprn = 990_000_770_000 + next(_homes)
    homes = f"home_ref,uprn,address_line_1,postcode\nPW-{uprn},{uprn},1 Pair Row,LS9 8AB\n"
    await send(db, "homes", homes)
    return uprn


async def state(db: Database, ref: str) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT r.id, r.status_code, r.priority_code, r.trade_code, r.description, r.cost, "
        "r.completed_at, r.target_at FROM repair r JOIN reference x ON x.subject_type = 'repair' "
        "AND x.subject_id = r.id JOIN organisation o ON o.id = x.allocated_by_id "
        "WHERE x.value = $1 AND o.name = $2",
        ref,
        LANDLORD,
    )
    assert row is not None, ref
    lines = await db.fetch(
        "SELECT line_number, sor_code, quantity, unit_cost, cost FROM repair_line "
        "WHERE repair_id = $1 ORDER BY line_number",
        row["id"],
    )
    events = await db.fetch(
        "SELECT status_code, occurred_at FROM repair_status_event WHERE repair_id = $1 "
        "ORDER BY occurred_at, id",
        row["id"],
    )
    return {
        **{k: v for k, v in dict(row).items() if k != "id"},
        "lines": [tuple(r) for r in lines],
        "events": [(r["status_code"], r["occurred_at"]) for r in events],
    }


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# Each message: how to send it, the event it adds, and the values only it states.
MESSAGES = {
    "csv": ("repairs", ("in-progress", at(T_CSV)), {"cost": Decimal("95.00")}),
    "raise": ("hact", ("scheduled", at(REPORTED)), {"target_at": at("2024-03-11T17:00:00Z")}),
    "update": ("hact", ("hold", at(T_HOLD)), {}),
    "complete": ("hact", ("complete", at(T_DONE)), {"completed_at": at(T_DONE)}),
}
CREATES = ("csv", "raise")  # the messages that can bring a repair into being


def payload(kind: str, ref: str, uprn: int) -> object:
    if kind == "csv":
        return csv_row(ref, uprn)
    if kind == "raise":
        return raise_repair(ref, uprn)
    if kind == "update":
        return hold_update(ref)
    return completion(ref)


ORDERS = list(itertools.permutations(MESSAGES, 2))


@pytest.mark.parametrize(("first", "second"), ORDERS, ids=[f"{a}-then-{b}" for a, b in ORDERS])
async def test_every_pair_of_messages_in_either_order_leaves_the_latest_state(
    db: Database, first: str, second: str
) -> None:
    uprn = await a_home(db)
    ref = f"PAIR-{first}-{second}"
    sent = [first, second]
    if first not in CREATES and second not in CREATES:
        sent = ["raise", *sent]  # updates need a repair to update: raised before both
    for kind in sent:
        await send(db, MESSAGES[kind][0], payload(kind, ref, uprn))
    got = await state(db, ref)
    # A RaiseRepair has no status of its own: it gives one only to a repair it brings
    # into being (so not after a repairs row has).
    stated = [k for k in sent if not (k == "raise" and "csv" in sent[: sent.index("raise")])]
    events = sorted({MESSAGES[kind][1] for kind in stated}, key=lambda e: e[1])
    assert got["events"] == events
    assert got["status_code"] == events[-1][0]  # the latest event's, whatever came last
    for kind in sent:  # every value any of them stated is still there
        for name, value in MESSAGES[kind][2].items():
            assert got[name] == value, (name, got)
    assert (got["priority_code"], got["description"]) == ("3", "Trap leaking under sink")
    if "csv" in sent:
        assert got["trade_code"] == "PL"
        # The line's costs come only from the CSV row; no other message erases them.
        assert got["lines"] == [(1, "601101", Decimal("1.000"), Decimal("95.00"), Decimal("95.00"))]
    else:
        assert got["lines"] == [(1, "601101", Decimal("1.000"), None, None)]
    # Sending everything again, in either order, changes nothing.
    before = await state(db, ref)
    for kind in reversed(sent):
        report = await send(db, MESSAGES[kind][0], payload(kind, ref, uprn))
        assert report.created == report.updated == 0, report.as_text()
    assert await state(db, ref) == before


async def test_a_raise_repair_after_a_csv_row_at_the_same_moment_keeps_progress_and_costs(
    db: Database,
) -> None:
    # The defect as reported: a repairs row without a status time (in progress, with a
    # unit cost), then a RaiseRepair of the same work order. The row's status holds from
    # when the repair was raised, the moment the RaiseRepair gives too; of two statuses at
    # one moment the later stage (in progress) is the repair's.
    uprn = await a_home(db)
    header = REPAIRS_HEADER.replace("status,status_at,", "status,")
    for order in (("csv", "raise"), ("raise", "csv")):
        ref = f"TIE-{order[0]}"
        row = csv_row(ref, uprn).replace(f"in-progress,{T_CSV},", "in-progress,")
        row = row.replace(REPAIRS_HEADER, header)
        for kind in order:
            await send(
                db, *(("repairs", row) if kind == "csv" else ("hact", raise_repair(ref, uprn)))
            )
        got = await state(db, ref)
        assert got["status_code"] == "in-progress", order
        assert got["lines"][0][3:] == (Decimal("95.00"), Decimal("95.00")), order
        raised_first = [("scheduled", at(REPORTED))] if order[0] == "raise" else []
        assert sorted(got["events"]) == [("in-progress", at(REPORTED)), *raised_first]


async def test_event_times_compare_as_moments_across_offsets_and_uk_local_time(
    db: Database,
) -> None:
    uprn = await a_home(db)
    ref = "TZ-1"
    await send(db, "hact", raise_repair(ref, uprn))
    await send(db, "hact", completion(ref, "2024-07-01T09:30:00Z"))
    # 10:00 UK local time in July is 09:00 UTC: earlier than the completion, though its
    # text sorts after it.
    report = await send(db, "hact", hold_update(ref, "2024-07-01T10:00:00"))
    got = await state(db, ref)
    assert got["status_code"] == "complete"
    assert ("hold", at("2024-07-01T09:00:00Z")) in got["events"]
    assert report.updated == 1  # the history gained the event
    # One minute after the completion, a hold is the latest word.
    await send(db, "hact", hold_update(ref, "2024-07-01T10:31:00+01:00"))
    assert (await state(db, ref))["status_code"] == "hold"


async def test_an_older_message_fills_gaps_but_never_overwrites_and_says_so(
    db: Database,
) -> None:
    uprn = await a_home(db)
    ref = "OLD-1"
    await send(db, "repairs", csv_row(ref, uprn))  # in progress as of T_CSV, priority 3
    older = raise_repair(ref, uprn)
    older["Priority"]["PriorityCode"] = "2"  # stated as of REPORTED, before T_CSV
    report = await send(db, "hact", older)
    got = await state(db, ref)
    assert got["priority_code"] == "3"
    assert got["target_at"] == at("2024-03-11T17:00:00Z")  # a gap it may fill
    assert [(n.field, n.value) for n in report.notes] == [("priority_code", "2")]
    assert "later event time" in report.notes[0].reason


async def test_a_message_at_the_same_event_time_states_its_values(db: Database) -> None:
    # A corrected file sent again (same status, same time) is applied: equal is not older.
    uprn = await a_home(db)
    ref = "SAME-1"
    await send(db, "repairs", csv_row(ref, uprn))
    corrected = csv_row(ref, uprn).replace(",3,in-progress,", ",2,in-progress,")
    report = await send(db, "repairs", corrected)
    assert report.updated == 1 and report.notes == []
    assert (await state(db, ref))["priority_code"] == "2"


async def test_job_status_updates_are_imported_with_their_own_time(db: Database) -> None:
    uprn = await a_home(db)
    ref = "JSU-1"
    await send(db, "hact", raise_repair(ref, uprn))
    updates = [
        hold_update(ref, "2024-03-05T12:00:00Z"),
        {**hold_update(ref, "2024-03-05T15:00:00Z"), "OtherType": "resume"},
        {
            "RelatedWorkOrderReference": {"ID": ref},
            "EventTime": "2024-03-05T16:00:00Z",
            "TypeCode": "80",
            "MoreSpecificSORCode": {
                "RateScheduleItem": [
                    {"M3NHFSORCode": "Responsive-601103", "Quantity": {"Amount": [2]}}
                ]
            },
        },
    ]
    report = await send(db, "hact", {"JobStatusUpdate": updates})
    assert report.problems == []
    got = await state(db, ref)
    assert got["status_code"] == "in-progress"
    assert got["events"][1:] == [
        ("hold", at("2024-03-05T12:00:00Z")),
        ("in-progress", at("2024-03-05T15:00:00Z")),
    ]
    assert got["lines"] == [(1, "601103", Decimal("2.000"), None, None)]  # the variation
    (note,) = [n for n in report.notes if n.record == "JobStatusUpdate[2]"]
    assert "no status" in note.reason and "SOR lines are imported" in note.reason


async def test_an_update_sent_before_its_repair_is_kept_until_the_repair_arrives(
    db: Database,
) -> None:
    uprn = await a_home(db)
    ref = "EARLY-1"
    early = await send(db, "hact", {"JobStatusUpdate": [hold_update(ref)]})
    assert (early.created, early.problems) == (1, [])
    assert "kept" in early.notes[0].reason
    again = await send(db, "hact", {"JobStatusUpdate": [hold_update(ref)]})
    assert (again.created, again.unchanged) == (0, 1)  # held once
    await send(db, "hact", raise_repair(ref, uprn))
    got = await state(db, ref)
    assert got["status_code"] == "hold"
    assert got["events"] == [("scheduled", at(REPORTED)), ("hold", at(T_HOLD))]
    assert await db.fetchval("SELECT count(*) FROM pending_repair_update") == 0
