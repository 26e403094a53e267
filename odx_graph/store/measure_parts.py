"""What a repair measure is published from, as aggregates over the per-repair facts
``f`` (the ``repair_fact`` table): shared by the statements over every repair's facts
(:mod:`odx_graph.store.analytics`) and those that read the repair summaries and, for
the measures the summaries do not hold, the rows kept of repairs due for planned
replacement (:mod:`odx_graph.store.repair_summary`)."""

from __future__ import annotations

from odx_graph.core.disclosure import quantile_fractions
from odx_graph.mapping.insight import PLANNED_REPLACEMENT
from odx_graph.mapping.insight import Definition
from odx_graph.mapping.insight import Mean
from odx_graph.mapping.insight import Share
from odx_graph.mapping.insight import Total

# Each repair brings its home's record key to the cell keys of the disclosure rules
# (odx_graph/core/disclosure.py); ``_key`` columns are sums of them.
RECORD_KEY = "coalesce(f.record_key, 0)"

# A part: (column, aggregate over a group's repairs, how per-home values of it combine:
# ``sum``, ``max``, ``key:<count>`` or nothing).
Part = tuple[str, str, str]


def count_parts(column: str, condition: str) -> list[Part]:
    """A count and the sum of its repairs' record keys. Summed home by home, the keys
    need no work per repair: a home's repairs all bring its key, so its share of the sum
    is its key times its count (``key:<count>``)."""
    return [
        (column, f"count(*) FILTER (WHERE {condition})", "sum"),
        (f"{column}_key", f"sum({RECORD_KEY}) FILTER (WHERE {condition})", f"key:{column}"),
    ]


def measure_parts(name: str, measure: Definition) -> list[Part]:
    """What ``measure`` is published from (see :data:`Part`). Percentiles give their
    values at every fraction of :func:`odx_graph.core.disclosure.quantile_fractions` in
    one sort."""
    if isinstance(measure, Share):
        return count_parts(f"{name}_n", f"{measure.among} AND {measure.flag}") + count_parts(
            f"{name}_d", measure.among
        )
    among = valued(measure)
    if isinstance(measure, Mean | Total):
        return [
            (f"{name}_sum", f"sum({measure.value}) FILTER (WHERE {among})", "sum"),
            *count_parts(f"{name}_n", among),
            (f"{name}_max", f"max({measure.value}) FILTER (WHERE {among})", "max"),
        ]
    fractions = ", ".join(repr(f) for f in quantile_fractions(measure.fraction))
    return [
        (
            name,
            f"percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP "
            f"(ORDER BY {measure.value}) FILTER (WHERE {among})",
            "",
        ),
        (f"{name}_key", f"sum({RECORD_KEY}) FILTER (WHERE {among})", "sum"),
    ]


def valued(measure: Definition) -> str:
    """The repairs a mean, total or percentile is worked out over: those meeting its
    ``among`` with a value (said once, so that measures over the same repairs say it
    alike)."""
    assert not isinstance(measure, Share)
    clause = f"{measure.value} IS NOT NULL"
    if " OR " not in measure.among and clause in measure.among.split(" AND "):
        return measure.among
    return f"({measure.among}) AND {clause}"


# When a repair (a row of ``repair_planned_due``, migration 0043: the repairs with a
# planned item live on their report day) is due for planned replacement: its earliest
# live item is planned by the report day plus the connection's window.
PLANNED_DUE = "f.due_on <= f.reported_on + planned_replacement_window()"


def planned_replacement(restriction: str = "", *, over_facts: bool = True) -> str:
    """The ``WITH`` that defines ``PLANNED_REPLACEMENT`` (the repairs raised on a
    component due for planned replacement) once for a statement, from the rows of
    ``repair_planned_due`` (migration 0043) due within the window. With a
    ``restriction`` (SQL over ``f``), only for the repairs meeting it: over the facts
    (``repair_fact``, their keys looked up) when ``over_facts``, else over the due rows
    themselves (which name the facts' landlord, month, priority and cancellation as the
    facts do)."""
    where = PLANNED_DUE
    if restriction and over_facts:
        where += f" AND f.id IN (SELECT f.id FROM repair_fact f WHERE {restriction})"
    elif restriction:
        where += f" AND {restriction}"
    return (
        f"WITH {PLANNED_REPLACEMENT} AS MATERIALIZED (SELECT f.id AS repair_id "
        f"FROM repair_planned_due f WHERE {where}) "
    )
