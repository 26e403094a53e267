"""The ``repairs`` template's grouping: one row per SOR line, rows joined by ``repair_ref``.

Rules (also in the template's description):

* The rows of a repair need not be next to each other; the repair's location names them
  all (``"rows 4-6"``, ``"rows 4-5, 9"``, or ``"row 4"``).
* The repair columns (``repair_ref`` to ``repair_cost``) must be written identically on
  every row of the repair: a row that differs is reported, naming the column.
* A row with any line column filled is a SOR line and needs both ``sor_code`` and
  ``quantity``. A repair without lines is one row with the line columns empty.
* Lines are ordered by ``line_number``; a line without one takes its position among the
  repair's rows. Numbers must be unique within the repair.
* A problem on any row rejects the whole repair (a repair is never imported with a line
  missing). A row that cannot be split into values rejects its repair when its
  ``repair_ref`` can still be seen, and the whole file when it cannot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from operator import itemgetter

from odx_graph.mapping.repairs import REPAIR
from odx_graph.services.importing import progress
from odx_graph.services.importing.columns import Cells
from odx_graph.services.importing.columns import Columns
from odx_graph.services.importing.columns import home_link
from odx_graph.services.importing.columns import rows_label
from odx_graph.services.importing.duplicates import report_duplicates
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.templates import TemplateSpec
from odx_graph.services.importing.textfile import Table
from odx_graph.services.importing.textfile import safe_echo

# The columns of a SOR line; the others are the repair's, repeated on each of its rows.
LINE_COLUMNS = ("line_number", "sor_code", "quantity", "unit_cost", "line_cost")

Row = tuple[int, dict[str, str]]  # a row of the file: its line and its values by column


@dataclass(slots=True)
class RepairRows:
    """What the grouping made: the repairs that passed and the locations refused."""

    records: list[RepairRecord] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    repairs_seen: int = 0


def read_repair_rows(table: Table, spec: TemplateSpec, problems: list[Problem]) -> RepairRows:
    """Group ``table``'s rows into repairs, appending every problem to ``problems``."""
    result = RepairRows()
    # Each repair's first row, and the rows after it: most repairs have one row, and a
    # list held per repair would be one more object for the garbage collector to walk.
    firsts: dict[str, Row] = {}
    others: dict[str, list[Row]] = defaultdict(list)
    for row in table.rows:
        line, values = row
        ref = values.get("repair_ref", "")
        if ref in firsts:
            others[ref].append(row)
        elif ref:
            firsts[ref] = row
        elif "repair_ref" in values:
            problems.append(Problem(f"row {line}", "repair_ref", "", "a value is required"))
            result.repairs_seen += 1
    # Rows the csv layer could not split: find their repair if the reference is visible.
    broken: dict[str, list[int]] = defaultdict(list)
    unknown: list[int] = []
    position = table.header.index("repair_ref") if "repair_ref" in table.header else -1
    for line, raw in table.unreadable:
        if 0 <= position < len(raw) and raw[position]:
            broken[raw[position]].append(line)
        else:
            unknown.append(line)
    if unknown:
        problems.append(
            Problem(
                table.source,
                "",
                "",
                f"{rows_label(unknown)} could not be read, so which repair they belong to "
                "is not known; no repair is imported until the file is fixed",
            )
        )
    result.repairs_seen += len(firsts) + len(unknown) + len(set(broken) - set(firsts))
    columns = spec.by_name
    repair_columns = [name for name in columns if name not in LINE_COLUMNS]
    step = progress.steps("checking repairs", len(firsts))
    for done, (ref, first) in enumerate(firsts.items(), start=1):
        step(done)
        rows = [first, *others.get(ref, ())]
        location = rows_label([n for n, _ in rows] + broken.get(ref, []))
        before = len(problems)
        record = _repair(location, rows, columns, repair_columns, problems)
        if ref in broken:
            problems.append(
                Problem(
                    location,
                    "",
                    "",
                    f"{rows_label(broken[ref])} of this repair could not be read",
                )
            )
        if len(problems) > before or record is None:
            result.rejected.add(location)
        else:
            result.records.append(record)
    return result


def _repair(
    location: str,
    rows: list[Row],
    columns: Columns,
    repair_columns: list[str],
    problems: list[Problem],
) -> RepairRecord | None:
    first_line, first = rows[0]
    cells = Cells(f"row {first_line}", first, columns, problems)
    link = home_link(cells, "home_ref", "home_uprn")
    reference, priority = cells.text("repair_ref"), cells.text("priority")
    status = cells.text("status")
    reported_at = cells.datetime("reported_at")
    record = RepairRecord(
        location=location,
        reference=reference or "",
        home=link or _NO_HOME,
        priority=priority or "",
        status=status or "",
        status_at=cells.datetime("status_at"),
        reported_at=reported_at or _NEVER,
        trade=cells.text("trade"),
        contractor_reference=cells.text("contractor_ref"),
        component_reference=cells.text("component_ref"),
        **cells.mapped(RepairRecord, REPAIR, "reported_at"),
    )
    for line, values in rows[1:]:
        for name in repair_columns:
            if values.get(name, "") != first.get(name, ""):
                problems.append(
                    Problem(
                        f"row {line}",
                        name,
                        safe_echo(values.get(name, "")),
                        f"differs from row {first_line}: every row of a repair repeats "
                        "its repair columns",
                    )
                )
    numbered: list[tuple[int, RepairLineRecord]] = []
    keys: list[tuple[object, str, str]] = []
    for position, (line, values) in enumerate(rows, start=1):
        line_cells = cells if position == 1 else Cells(f"row {line}", values, columns, problems)
        if not any(map(values.get, LINE_COLUMNS)):
            if len(rows) > 1:
                line_cells.report(
                    "sor_code",
                    "",
                    "each row of a repair with several rows is a SOR line and needs a sor_code",
                )
            continue
        number = line_cells.integer("line_number") or position
        if len(rows) > 1:  # a line number can only repeat in a repair of several rows
            keys.append((number, line_cells.location, values.get("line_number") or str(position)))
        code, quantity = line_cells.text("sor_code"), line_cells.quantity("quantity")
        unit_cost, cost = line_cells.money("unit_cost"), line_cells.money("line_cost")
        if not values.get("sor_code"):
            line_cells.report("sor_code", "", "a SOR line needs a sor_code")
        if not values.get("quantity"):
            line_cells.report("quantity", "", "a SOR line needs a quantity")
        if code and quantity is not None:
            numbered.append((number, RepairLineRecord(code, quantity, unit_cost, cost)))
    if len(keys) > 1:
        report_duplicates(problems, "line_number", keys, "line_number in this repair")
    numbered.sort(key=_NUMBER)
    record.lines = [line for _, line in numbered]
    complete = link and reference and priority and status and reported_at
    return record if complete else None


_NUMBER = itemgetter(0)  # a numbered line's number

# Placeholders for required values that failed; such a record is never returned.
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
_NO_HOME = HomeLink()
