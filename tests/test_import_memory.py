"""An import's memory follows what it keeps, not the size of a file of bad rows.

The one-row-per-record templates turn each row into its record as it is read (the rows are
never all held as text), and an import keeps its first problems in full and counts the
rest (:class:`ProblemLog`), so a file whose every row is wrong cannot grow the worker
without bound. Memory is measured with tracemalloc, which counts the same allocations on
every run of the same code, so the bounds below are not timings.
"""

from __future__ import annotations

import copy
import pickle
import tracemalloc

import pytest

from odx_graph.services.importing import records
from odx_graph.services.importing.csv_templates import read_template
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import ProblemLog
from odx_graph.services.importing.service import run_import
from odx_graph.services.importing.textfile import read_table
from odx_graph.services.importing.worker import report_body
from odx_graph.store import imports as imports_repo
from odx_graph.store.db import Database

HEADER = "home_ref,uprn,address_line_1,postcode\n"


def _homes(rows: int, postcode: str) -> bytes:
    body = "".join(f"H-{n},{100000000 + n},{n} Long Row,{postcode}\n" for n in range(1, rows + 1))
    return (HEADER + body).encode()


def _problem(n: int) -> Problem:
    return Problem(f"row {n}", "postcode", "X", "not a postcode")


def test_a_problem_log_keeps_the_first_problems_and_counts_every_one() -> None:
    log = ProblemLog(limit=3)
    for n in range(1, 6):
        log.append(_problem(n))
    assert [p.record for p in log] == ["row 1", "row 2", "row 3"]
    assert (len(log), log.kept, log.not_kept) == (5, 3, 2)
    assert log.records == {f"row {n}" for n in range(1, 6)}  # kept or not
    log += [_problem(6)]
    assert (len(log), log.kept, log.not_kept) == (6, 3, 3)
    assert bool(ProblemLog(limit=0, problems=[_problem(1)]))  # counted, so not empty


def test_a_log_exactly_at_its_limit_keeps_all_and_one_more_is_counted() -> None:
    log = ProblemLog([_problem(n) for n in range(1, 4)], limit=3)
    assert (log.kept, log.not_kept) == (3, 0)
    log.append(_problem(4))
    assert (log.kept, log.not_kept) == (3, 1)


def test_extending_a_log_with_another_carries_its_uncounted_problems() -> None:
    first = ProblemLog([_problem(n) for n in range(1, 5)], limit=2)
    merged = ProblemLog(first, limit=10)
    merged.extend([_problem(9)])
    assert (len(merged), merged.kept, merged.not_kept) == (5, 3, 2)
    assert merged.records == {"row 1", "row 2", "row 3", "row 4", "row 9"}


def test_a_log_survives_pickle_and_copy_with_its_counts() -> None:
    log = ProblemLog([_problem(n) for n in range(1, 5)], limit=2)
    for again in (pickle.loads(pickle.dumps(log)), copy.copy(log), copy.deepcopy(log)):
        assert isinstance(again, ProblemLog)
        assert (list(again), len(again), again.limit, again.records) == (
            list(log),
            4,
            2,
            log.records,
        )


def test_rows_whose_problems_are_not_kept_are_still_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(records, "PROBLEMS_KEPT", 5, raising=False)
    good = "H-0,99999,1 Short Row,LS9 8AB\n"
    data = _homes(40, "NOT A POSTCODE") + good.encode()
    parsed = read_template("homes", data, "homes.csv")
    assert len(parsed.problems) == 40
    assert len(list(parsed.problems)) == 5
    assert [r.location for r in parsed.records] == ["row 42"]  # only the good row
    assert len(parsed.rejected) == 40


def test_duplicates_are_found_while_streaming_in_the_order_they_first_appear() -> None:
    data = (
        HEADER + "A,1,1 Row,LS9 8AB\nB,2,2 Row,LS9 8AB\nB,3,3 Row,LS9 8AB\nA,4,4 Row,LS9 8AB\n"
        "C,0002,5 Row,LS9 8AB\n"
    ).encode()
    parsed = read_template("homes", data, "homes.csv")
    assert [(p.record, p.field, p.value, p.reason) for p in parsed.problems] == [
        ("row 2", "home_ref", "A", "the same home_ref is also on row 5"),
        ("row 5", "home_ref", "A", "the same home_ref is also on row 2"),
        ("row 3", "home_ref", "B", "the same home_ref is also on row 4"),
        ("row 4", "home_ref", "B", "the same home_ref is also on row 3"),
        ("row 3", "uprn", "2", "the same UPRN is also on row 6"),
        ("row 6", "uprn", "0002", "the same UPRN is also on row 3"),
    ]
    assert parsed.records == []


def test_a_streamed_table_holds_no_rows() -> None:
    seen: list[int] = []
    table = read_table(
        HEADER + "A,1,1 Row,LS9 8AB\nB,2\n",
        expected=None,
        required=(),
        source="f.csv",
        on_row=lambda line, _: seen.append(line),
    )
    assert seen == [2]
    assert (table.rows, table.unreadable, table.rows_seen) == ([], [], 2)


def test_a_file_of_bad_rows_costs_a_bounded_multiple_of_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every row wrong: before, each row was held as text, then as a problem (over 20 times
    # the file's size at the peak); now rows pass through and 100 problems are kept
    # (10.5 times, most of it each row's key values kept to find duplicates).
    monkeypatch.setattr(records, "PROBLEMS_KEPT", 100, raising=False)
    data = _homes(8000, "NOT A POSTCODE")
    tracemalloc.start()
    try:
        parsed = read_template("homes", data, "homes.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(parsed.problems) == 8000
    assert peak < 13 * len(data), f"peak {peak / len(data):.1f} times the file"


async def test_an_import_of_many_bad_rows_lists_the_first_and_counts_them_all(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "PROBLEMS_KEPT", 5, raising=False)
    async with fresh_db.connection() as conn:
        await imports_repo.create_organisation(conn, "Northgate Homes", "landlord", "L9001")
    data = _homes(12, "NOT A POSTCODE") + b"H-0,99999,1 Short Row,LS9 8AB\n"
    report = await run_import(
        fresh_db,
        data,
        fmt="homes",
        file_name="homes.csv",
        organisation="L9001",
        skip_invalid=True,
    )
    assert report.written and (report.created, report.rejected) == (1, 12)
    assert len(report.problems) == 12 and len(list(report.problems)) == 5
    text = report.as_text()
    assert "... and 7 more problems, not listed" in text
    assert "12 problems" in report.summary()
    body = report_body(report, max_problems=3)
    assert (body["problemCount"], body["problemsNotListed"], len(body["problems"])) == (12, 9, 3)
    async with fresh_db.connection() as conn:
        stored = await conn.fetchrow(
            "SELECT problem_count, jsonb_array_length(problems) AS listed FROM data_import"
            " WHERE id = $1",
            report.import_id,
        )
    assert (stored["problem_count"], stored["listed"]) == (12, 5)
