"""Tenant Satisfaction Measures results: the statements counting respondents and the
satisfied per measure and group, from the answers held one by one (``satisfaction_response``)
and from landlords' aggregate returns (``tsm_return``), with the record-key sums the cell
key method perturbs the counts by. Definitions in docs/insight.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.mapping.insight import ESTATE_MEMBERS
from odx_graph.mapping.satisfaction import AFTER_A_REPAIR
from odx_graph.mapping.satisfaction import REPAIR_WINDOW_MONTHS
from odx_graph.mapping.satisfaction import TENURE_GROUPS
from odx_graph.mapping.satisfaction import WITH_COMMUNAL_AREAS
from odx_graph.mapping.satisfaction import SatisfactionDimension
from odx_graph.store.analytics import place_conditions
from odx_graph.store.analytics import postcode_condition
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.sql import Params

D = SatisfactionDimension
# Per dimension: its value over the answers ``v`` (as text) and its label over ``{k}``.
_ANSWER_GROUPS: dict[SatisfactionDimension, tuple[str, str]] = {
    D.LANDLORD: (
        "v.landlord_id::text",
        "(SELECT name FROM organisation o WHERE o.id = {k}::bigint)",
    ),
    D.POSTCODE_AREA: ("v.postcode_area", "{k}"),
    D.POSTCODE_DISTRICT: ("v.postcode_district", "{k}"),
    D.ESTATE: ("v.estate_id::text", "(SELECT name FROM estate e WHERE e.id = {k}::bigint)"),
    D.TENURE_GROUP: (
        "v.tenure_group",
        "CASE {k} "
        + " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in TENURE_GROUPS.items())
        + " END",
    ),
}
_RETURN_GROUPS: dict[SatisfactionDimension, tuple[str, str]] = {
    D.LANDLORD: _ANSWER_GROUPS[D.LANDLORD],
    D.ESTATE: _ANSWER_GROUPS[D.ESTATE],
}
_IN_LIST = "ARRAY[{}]::text[]"


@dataclass(frozen=True, slots=True)
class SatisfactionScope:
    """Which answers and returns a result covers: one financial year (``year`` 2024 is
    1 April 2024 to 31 March 2025), and optionally landlords, a postcode, estates and
    tenure groups (LCRA, LCHO)."""

    year: int
    landlord_ids: tuple[int, ...] = ()
    postcode_column: str = ""
    postcode_value: str = ""
    estate_ids: tuple[int, ...] = ()
    measures: tuple[str, ...] = ()
    tenure_groups: tuple[str, ...] = ()

    @property
    def first_day(self) -> dt.date:
        """1 April of the year."""
        return dt.date(self.year, 4, 1)

    @property
    def after_last_day(self) -> dt.date:
        """1 April of the next year."""
        return dt.date(self.year + 1, 4, 1)


def _codes(codes: Sequence[str]) -> str:
    return _IN_LIST.format(", ".join(f"'{c}'" for c in codes))


async def answer_results(
    db: Database, group_by: Sequence[SatisfactionDimension], scope: SatisfactionScope
) -> list[Record]:
    """One row per group and measure from the answers held: ``key_<dimension>``,
    ``label_<dimension>``, ``measure``, ``respondents`` (valid responses) and
    ``satisfied``, each with the sum of its respondents' homes' record keys (``_key``).

    A home's latest answer to a measure in the year is its response (one per household);
    don't know and not applicable are not valid responses; TP02 and TP03 count only homes
    with a repair completed in the 12 months up to the answer, TP10 only homes in a
    building. A home's tenure group is that of its tenure now (null when not recorded)."""
    bind = Params()
    conditions = [
        f"s.survey_date >= {bind(scope.first_day)}",
        f"s.survey_date < {bind(scope.after_last_day)}",
        *bind.any_of(
            ("s.landlord_id", scope.landlord_ids, "bigint"),
            ("s.measure_code", scope.measures, "text"),
        ),
    ]
    homes = ["true"]
    if scope.postcode_column:
        homes.append(postcode_condition("h", scope.postcode_column, bind(scope.postcode_value)))
    homes += place_conditions("h.id", scope.estate_ids, (), bind)
    homes += bind.any_of(("tg.tenure_group", scope.tenure_groups, "text"))
    estates = (
        f"LEFT JOIN {ESTATE_MEMBERS} em ON em.home_id = r.home_id" if D.ESTATE in group_by else ""
    )
    estate = "em.estate_id" if D.ESTATE in group_by else "NULL::bigint"
    window = f"interval '{REPAIR_WINDOW_MONTHS} months'"
    groups = [f"{_ANSWER_GROUPS[d][0]} AS g_{d.value}" for d in group_by]
    names = [f"g_{d.value}" for d in group_by]
    sql = f"""
        WITH r AS (
            SELECT DISTINCT ON (s.home_id, s.measure_code)
                   s.home_id, s.landlord_id, s.measure_code, s.answer_code, s.survey_date
            FROM satisfaction_response s
            WHERE {" AND ".join(conditions)}
            ORDER BY s.home_id, s.measure_code, s.survey_date DESC, s.id DESC
        ), v AS (
            SELECT r.landlord_id, r.measure_code, h.postcode_area, h.postcode_district,
                   {estate} AS estate_id, tg.tenure_group, a.counts_as_satisfied AS satisfied,
                   coalesce(hk.record_key, 0) AS record_key
            FROM r
            JOIN home h ON h.id = r.home_id
            JOIN tsm_answer a ON a.code = r.answer_code
            LEFT JOIN home_record_key hk ON hk.home_id = r.home_id
            LEFT JOIN tenure tg ON tg.code = h.tenure_code
            {estates}
            WHERE a.counts_as_satisfied IS NOT NULL
              AND {" AND ".join(homes)}
              AND (r.measure_code <> ALL ({_codes(AFTER_A_REPAIR)}) OR EXISTS (
                  SELECT 1 FROM repair p
                  WHERE p.home_id = r.home_id AND p.completed_at IS NOT NULL
                    AND (p.completed_at AT TIME ZONE 'Europe/London')::date
                        BETWEEN r.survey_date - {window} AND r.survey_date))
              AND (r.measure_code <> ALL ({_codes(WITH_COMMUNAL_AREAS)})
                   OR h.building_id IS NOT NULL)
        )
        SELECT {"".join(g + ", " for g in groups)}v.measure_code AS measure,
               count(*) AS respondents, sum(v.record_key) AS respondents_key,
               count(*) FILTER (WHERE v.satisfied) AS satisfied,
               coalesce(sum(v.record_key) FILTER (WHERE v.satisfied), 0) AS satisfied_key
        FROM v
        GROUP BY {"".join(str(i + 1) + ", " for i in range(len(group_by)))}{len(group_by) + 1}
    """
    return await _labelled(db, sql, group_by, names, _ANSWER_GROUPS, bind.values)


async def return_results(
    db: Database, group_by: Sequence[SatisfactionDimension], scope: SatisfactionScope
) -> list[Record]:
    """The same rows from landlords' aggregate returns for the year: grouped by landlord,
    the returns for a whole landlord; by estate, those for an estate; with neither, the
    returns for whole landlords together. ``_key`` sums are of the return rows' keys."""
    bind = Params()
    by_estate = D.ESTATE in group_by
    conditions = [
        f"t.financial_year = {bind(scope.year)}",
        "t.estate_id IS NOT NULL" if by_estate else "t.estate_id IS NULL",
        *bind.any_of(
            ("t.landlord_id", scope.landlord_ids, "bigint"),
            ("t.estate_id", scope.estate_ids, "bigint"),
            ("t.measure_code", scope.measures, "text"),
        ),
    ]
    groups = [f"{_RETURN_GROUPS[d][0]} AS g_{d.value}" for d in group_by]
    names = [f"g_{d.value}" for d in group_by]
    sql = f"""
        WITH v AS (
            SELECT t.landlord_id, t.estate_id, t.measure_code, t.respondents, t.record_key,
                   a.counts_as_satisfied AS satisfied
            FROM tsm_return t JOIN tsm_answer a ON a.code = t.answer_code
            WHERE {" AND ".join(conditions)} AND a.counts_as_satisfied IS NOT NULL
              AND t.respondents > 0
        )
        SELECT {"".join(g + ", " for g in groups)}v.measure_code AS measure,
               sum(v.respondents)::bigint AS respondents, sum(v.record_key) AS respondents_key,
               coalesce(sum(v.respondents) FILTER (WHERE v.satisfied), 0)::bigint AS satisfied,
               coalesce(sum(v.record_key) FILTER (WHERE v.satisfied), 0) AS satisfied_key
        FROM v
        GROUP BY {"".join(str(i + 1) + ", " for i in range(len(group_by)))}{len(group_by) + 1}
    """
    return await _labelled(db, sql, group_by, names, _RETURN_GROUPS, bind.values)


async def _labelled(
    db: Database,
    sql: str,
    group_by: Sequence[SatisfactionDimension],
    names: list[str],
    groups: dict[SatisfactionDimension, tuple[str, str]],
    args: list[Any],
) -> list[Record]:
    keys = [
        f"g.{n} AS key_{d.value}, {groups[d][1].format(k=f'g.{n}')} AS label_{d.value}"
        for d, n in zip(group_by, names, strict=True)
    ]
    order = ", ".join([*(f"g.{n} NULLS LAST" for n in names), "g.measure"])
    statement = f"SELECT {', '.join([*keys, 'g.*'])} FROM ({sql}) AS g ORDER BY {order}"
    return await db.fetch(statement, *args)


async def write_returns(
    conn: Connection,
    landlord_id: int,
    rows: Sequence[tuple[int | None, int, str, str, int]],
    import_id: int,
) -> list[str]:
    """Each count ``(estate id, year, measure, answer, respondents)`` of a landlord's
    return, inserted or replacing the one held: its fate, ``created``, ``updated`` or
    ``unchanged``, in order."""
    fates = []
    for estate, year, measure, answer, respondents in rows:
        held = await conn.fetchrow(
            "SELECT id, respondents FROM tsm_return WHERE landlord_id = $1 "
            "AND estate_id IS NOT DISTINCT FROM $2 AND financial_year = $3 "
            "AND measure_code = $4 AND answer_code = $5",
            landlord_id,
            estate,
            year,
            measure,
            answer,
        )
        if held is None:
            await conn.execute(
                "INSERT INTO tsm_return (landlord_id, estate_id, financial_year, measure_code, "
                "answer_code, respondents, import_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                landlord_id,
                estate,
                year,
                measure,
                answer,
                respondents,
                import_id,
            )
            fates.append("created")
        elif held["respondents"] != respondents:
            await conn.execute(
                "UPDATE tsm_return SET respondents = $2, import_id = $3, updated_at = now() "
                "WHERE id = $1",
                held["id"],
                respondents,
                import_id,
            )
            fates.append("updated")
        else:
            fates.append("unchanged")
    return fates


def _draw(text: str) -> str:
    """A number from 0 to 2^28 - 1 drawn from ``text`` (SQL), the same on every server."""
    return f"('x' || substr(md5({text}), 1, 7))::bit(28)::integer"


async def demo_answers(conn: Connection, first_day: dt.date) -> int:
    """The demo's survey: three homes in five answer every perception measure on a day
    of the year from ``first_day`` (most satisfied, some not, a few don't know; most
    tenants did not complain, so answer TP09 not applicable); how many answers."""
    answer = _draw("h.id || ':' || m.code")
    status = await conn.execute(
        f"""
        INSERT INTO satisfaction_response
            (home_id, landlord_id, measure_code, answer_code, survey_date)
        SELECT h.id, h.landlord_id, m.code,
               CASE WHEN m.code = 'TP09' AND a % 10 < 7 THEN 'not-applicable'
                    WHEN a % 100 < 38 THEN 'very-satisfied'
                    WHEN a % 100 < 70 THEN 'fairly-satisfied'
                    WHEN a % 100 < 80 THEN 'neither'
                    WHEN a % 100 < 88 THEN 'fairly-dissatisfied'
                    WHEN a % 100 < 96 THEN 'very-dissatisfied'
                    ELSE 'dont-know' END,
               $1::date + {_draw("'day:' || h.id")} % 365
        FROM home h
        CROSS JOIN tsm_measure m
        CROSS JOIN LATERAL (SELECT {answer} AS a) AS d
        WHERE h.landlord_id IS NOT NULL AND m.code ~ '^TP'
          AND {_draw("'respond:' || h.id")} % 5 < 3
        ORDER BY h.id, m.code
        """,
        first_day,
    )
    return int(status.split()[-1])
