"""Damp and mould insight checked against independent computations: a fixed,
hand-checkable set of homes and cases (weekends, Easter, Christmas and New Year bank
holidays, British Summer Time, emergency cases made safe at 23 and 25 hours, open cases
before and after their deadlines), with every measure recomputed in plain Python from a
bank holiday list written out here, not from the database's calendar."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import count_noise
from odx_graph.core.ids import Cursor
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_cursor
from odx_graph.core.ids import encode_global_id
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.insight.damp import breach_rates
from odx_graph.services.insight.damp import case_clocks
from odx_graph.services.insight.damp import damp_rates
from odx_graph.services.insight.damp import modern_facility_ages
from odx_graph.services.insight.providers import Measure
from odx_graph.services.insight.providers import compare_providers
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.analytics import RepairScope
from odx_graph.store.damp import ClockFilter
from odx_graph.store.damp import DampDimension
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({})
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
AS_OF = dt.datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
# England and Wales bank holidays of the years the cases span (gov.uk), written out here so
# the expected deadlines do not come from the database's calendar.
HOLIDAYS = {
    dt.date(2025, 12, 25),
    dt.date(2025, 12, 26),
    dt.date(2026, 1, 1),
    dt.date(2026, 4, 3),
    dt.date(2026, 4, 6),
    dt.date(2026, 5, 4),
    dt.date(2026, 5, 25),
    dt.date(2026, 8, 31),
    dt.date(2026, 12, 25),
    dt.date(2026, 12, 28),
    dt.date(2027, 1, 1),
    dt.date(2027, 3, 26),
    dt.date(2027, 3, 29),
}


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# id: home, hazard level, aware, investigation completed, summary sent, made safe,
# further works required, further works completed (times in UTC)
CASES: dict[int, tuple[Any, ...]] = {
    # emergency, investigated and made safe 23 hours after awareness: on time
    1: (1, "emergency", "2026-03-02 10:00", "2026-03-02 20:00", None, "2026-03-03 09:00"),
    # emergency, investigated and made safe 25 hours after: both breached
    2: (2, "emergency", "2026-03-02 10:00", "2026-03-03 11:00", None, "2026-03-03 11:00"),
    # significant, aware Fri 18 Dec 2026: 10th working day after is Wed 6 Jan (25 and
    # 28 Dec and 1 Jan are holidays); summary due by Mon 11 Jan, sent Tue 12: breached;
    # make safe due by Wed 13 Jan, not done by the 20th: breached
    3: (3, "significant", "2026-12-18 15:00", "2027-01-06 23:30", "2027-01-12 09:00", None),
    # significant, aware on a Saturday, nothing done; due by Fri 22 Jan: DUE
    4: (4, "significant", "2027-01-09 10:00", None, None, None),
    # significant, aware Wed 30 Dec 2026, across the year end: due by Thu 14 Jan,
    # investigated at 23:59 that day: on time; summary on time; make safe due by Thu 21
    5: (5, "significant", "2026-12-30 09:00", "2027-01-14 23:59", "2027-01-19 10:00", None),
    # significant in British Summer Time: due by the end of Mon 20 Jul UK time (22:59:59
    # UTC); investigated 23:30 UTC, i.e. 00:30 on the 21st in the UK: breached
    6: (
        6,
        "significant",
        "2026-07-06 08:00",
        "2026-07-20 23:30",
        "2026-07-24 22:00",
        "2026-07-28 12:00",
        True,
        None,
    ),
    # no hazard level recorded: no clocks; still open
    7: (7, None, "2026-06-01 09:00", None, None, None),
    # investigated, no hazard found: no clocks; closed
    8: (8, "none", "2026-02-10 09:00", "2026-02-12 09:00", None, None),
    # significant over Easter 2026 (Good Friday 3 Apr, Easter Monday 6 Apr)
    9: (9, "significant", "2026-04-02 09:00", "2026-04-20 15:00", None, "2026-04-25 10:00"),
    # simple cases, all on time, made safe, further works done
    10: (
        10,
        "significant",
        "2026-02-02 09:00",
        "2026-02-04 09:00",
        "2026-02-05 09:00",
        "2026-02-06 09:00",
        True,
        "2026-03-01 09:00",
    ),
    11: (11, "significant", "2026-02-02 09:00", "2026-02-04 09:00", "2026-02-05 09:00", None),
    12: (12, None, "2026-11-15 09:00", None, None, None),
    # the second landlord's two cases: an emergency still within its 24 hours, and one
    # past them
    13: (13, "emergency", "2027-01-20 02:00", None, None, None),
    14: (14, "emergency", "2027-01-18 09:00", None, None, None),
}
TIMESCALES = {  # hours, or working days (investigate, summary, make safe)
    "emergency": {"investigate": ("h", 24), "make_safe": ("h", 24)},
    "significant": {"investigate": ("wd", 10), "summary": ("wd", 3), "make_safe": ("wd", 5)},
}
YEARS = [1900, 1930, 1950, 1970, 1990, 2010, None, 1918, 1919, 1944, 1945, 2001, 1965, 1980, 1981]
TYPES = ["house", "flat", "house", "flat", "bungalow", None, "house", "flat"] * 2
EPCS = [  # home, lodged, band
    (1, "2015-03-01", "E"),
    (1, "2024-05-01", "C"),
    (2, "2020-01-01", "D"),
    (3, "2021-01-01", None),
    (13, "2022-01-01", "B"),
]


def _landlord(home: int) -> int:
    return 1 if home <= 12 else 2


def _district(home: int) -> str:
    return "LS9" if home <= 8 or home > 12 else "M14"


@pytest.fixture
async def damp_db(empty_db: str) -> AsyncIterator[Database]:
    """Two landlords (12 homes and 3), the cases above, a few EPCs and components."""
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await conn.execute(
            "INSERT INTO organisation (id, kind_code, name) VALUES "
            "(1, 'landlord', 'Damp Homes'), (2, 'landlord', 'Small Homes')"
        )
        for home in range(1, 16):
            postcode = {"LS9": "LS9 8AB", "M14": "M14 5AA"}[_district(home)]
            await conn.execute(
                "INSERT INTO home (id, landlord_id, address_line_1, postcode, year_built, "
                "property_type_code) VALUES ($1, $2, $3, $4, $5, $6)",
                home,
                _landlord(home),
                f"{home} Damp Row",
                postcode if home <= 12 else "LS9 9ZZ",
                YEARS[home - 1],
                TYPES[home - 1],
            )
        for i, (home, lodged, band) in enumerate(EPCS):
            await conn.execute(
                "INSERT INTO energy_performance_certificate (home_id, lmk_key, "
                "lodgement_date, epc_band_code) VALUES ($1, $2, $3, $4)",
                home,
                f"lmk-{i}",
                dt.date.fromisoformat(lodged),
                band,
            )
        for case_id, (home, level, aware, *rest) in CASES.items():
            done = [_t(v) if isinstance(v, str) else v for v in (*rest, None, None, None)][:5]
            await conn.execute(
                "INSERT INTO damp_mould_case (id, landlord_id, home_id, hazard_level_code, "
                "aware_at, investigation_completed_at, written_summary_sent_at, made_safe_at, "
                "further_works_required, further_works_completed_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                case_id,
                _landlord(home),
                home,
                level,
                _t(aware),
                *done,
            )
    finally:
        await conn.close()
    db = await Database.connect(empty_db, max_size=2)
    try:
        yield db
    finally:
        await db.close()


# -- independent computations ----------------------------------------------------------


def same_day_years_before(today: dt.date, years: int) -> dt.date:
    """The date ``years`` years before ``today``; 28 February for a 29 February that the
    earlier year lacks (whole years of age are then exactly ``years``, as PostgreSQL's
    age() counts them)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


async def test_years_before_a_29_february(seeded_db: Database) -> None:
    leap = dt.date(2028, 2, 29)
    assert same_day_years_before(leap, 25) == dt.date(2003, 2, 28)
    assert same_day_years_before(leap, 20) == dt.date(2008, 2, 29)
    for years in (20, 21, 25, 30, 31):
        age = await seeded_db.fetchval(
            "SELECT extract(year FROM age($1::date, $2::date))::integer",
            leap,
            same_day_years_before(leap, years),
        )
        assert age == years


def _nth_working_day_after(day: dt.date, n: int) -> dt.date:
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in HOLIDAYS:
            n -= 1
    return day


def _deadline(start: dt.datetime | None, unit: str, amount: int) -> dt.datetime | None:
    if start is None:
        return None
    if unit == "h":
        return start + dt.timedelta(hours=amount)
    last = _nth_working_day_after(start.astimezone(LONDON).date(), amount)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def _status(due: dt.datetime | None, done: dt.datetime | None, as_of: dt.datetime) -> str:
    if due is None:
        return "NOT_APPLICABLE"
    if done is not None:
        return "ON_TIME" if done <= due else "BREACHED"
    return "BREACHED" if as_of > due else "DUE"


def _case(case_id: int) -> dict[str, Any]:
    home, level, aware, *rest = CASES[case_id]
    investigated, summary, safe, further, further_done = (
        [_t(v) if isinstance(v, str) else v for v in rest] + [None] * 5
    )[:5]
    return {
        "home": home,
        "level": level,
        "aware": _t(aware),
        "investigated": investigated,
        "summary": summary,
        "safe": safe,
        "further": further,
        "further_done": further_done,
    }


def _expected_clocks(case_id: int, as_of: dt.datetime) -> dict[str, tuple[Any, Any, str]]:
    c = _case(case_id)
    scales = TIMESCALES.get(c["level"] or "", {})
    done = {"investigate": c["investigated"], "summary": c["summary"], "make_safe": c["safe"]}
    out = {}
    for clock in ("investigate", "summary", "make_safe"):
        due = None
        if clock in scales:
            unit, amount = scales[clock]
            start = c["aware"] if unit == "h" or clock == "investigate" else c["investigated"]
            due = _deadline(start, unit, amount)
        out[clock] = (due, done[clock], _status(due, done[clock], as_of))
    return out


def _is_open(c: dict[str, Any]) -> bool:
    closed = (c["level"] == "none" and c["investigated"] is not None) or (
        c["safe"] is not None and (c["further"] is not True or c["further_done"] is not None)
    )
    return not closed


def _age_band(year: int | None) -> str:
    if year is None:
        return "unknown"
    for band, end in (
        ("pre-1919", 1919),
        ("1919-1944", 1945),
        ("1945-1964", 1965),
        ("1965-1980", 1981),
        ("1981-2000", 2001),
    ):
        if year < end:
            return band
    return "2001+"


def _latest_band(home: int) -> str:
    mine = sorted((e for e in EPCS if e[0] == home), key=lambda e: e[1])
    return (mine[-1][2] or "none") if mine else "none"


def _home_key(home: int, dim: DampDimension) -> Any:
    return {
        DampDimension.LANDLORD: str(_landlord(home)),
        DampDimension.POSTCODE_DISTRICT: _district(home),
        DampDimension.AGE_BAND: _age_band(YEARS[home - 1]),
        DampDimension.PROPERTY_TYPE: TYPES[home - 1],
        DampDimension.EPC_BAND: _latest_band(home),
    }[dim]


def _case_key(case_id: int, dim: DampDimension) -> Any:
    aware = _case(case_id)["aware"].astimezone(LONDON)
    if dim is DampDimension.MONTH:
        return f"{aware:%Y-%m}"
    if dim is DampDimension.MONTH_OF_YEAR:
        return str(aware.month)
    return _home_key(CASES[case_id][0], dim)


def _expected_rates(dims: list[DampDimension]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    home_dims = [d for d in dims if d not in (DampDimension.MONTH, DampDimension.MONTH_OF_YEAR)]
    homes: dict[tuple[Any, ...], int] = defaultdict(int)
    for home in range(1, 16):
        homes[tuple(_home_key(home, d) for d in home_dims)] += 1
    months = {tuple(_case_key(c, d) for d in dims if d not in home_dims) for c in CASES} or {()}
    out = {}
    for home_key, count in homes.items():
        for month_key in months:
            it_home, it_month = iter(home_key), iter(month_key)
            key = tuple(next(it_home) if d in home_dims else next(it_month) for d in dims)
            members = [c for c in CASES if tuple(_case_key(c, d) for d in dims) == key]
            out[key] = (
                count,
                len(members),
                sum(_is_open(_case(c)) for c in members),
                sum(CASES[c][1] == "emergency" for c in members),
            )
    return out


# -- Awaab's Law clocks ----------------------------------------------------------------


async def test_hand_worked_deadlines(damp_db: Database) -> None:
    clocks = {
        c.case_id: c for c in await case_clocks(damp_db, SETTINGS, ClockFilter(limit=100), AS_OF)
    }
    # the independent computation agrees with the working out in the comments above
    assert _expected_clocks(3, AS_OF)["investigate"][0] == _t("2027-01-07 00:00")
    assert _expected_clocks(6, AS_OF)["investigate"][0] == _t("2026-07-20 23:00")
    three, six, one, two = clocks[3], clocks[6], clocks[1], clocks[2]
    assert three.investigation.due_at == _t("2027-01-07 00:00")
    assert three.written_summary.due_at == _t("2027-01-12 00:00")
    assert three.make_safe.due_at == _t("2027-01-14 00:00")
    assert [three.investigation.status, three.written_summary.status, three.make_safe.status] == [
        "ON_TIME",
        "BREACHED",
        "BREACHED",
    ]
    assert six.investigation.status == "BREACHED"  # 00:30 on the day after, UK time
    assert (one.make_safe.status, two.make_safe.status) == ("ON_TIME", "BREACHED")
    assert one.written_summary.status == "NOT_APPLICABLE"
    assert clocks[4].investigation.status == "DUE" and clocks[4].make_safe.status == (
        "NOT_APPLICABLE"
    )
    assert (clocks[13].make_safe.status, clocks[14].make_safe.status) == ("DUE", "BREACHED")


async def test_every_clock_matches_a_recomputation(damp_db: Database) -> None:
    for as_of in (AS_OF, _t("2026-12-31 12:00"), _t("2027-03-01 00:00")):
        got = await case_clocks(damp_db, SETTINGS, ClockFilter(limit=100), as_of)
        assert [c.case_id for c in got] == sorted(CASES)
        for case in got:
            want = _expected_clocks(case.case_id, as_of)
            for name, clock in (
                ("investigate", case.investigation),
                ("summary", case.written_summary),
                ("make_safe", case.make_safe),
            ):
                assert (clock.due_at, clock.done_at, clock.status) == want[name], (
                    case.case_id,
                    name,
                    as_of,
                )


async def test_clock_filters_and_pages(damp_db: Database) -> None:
    breached = await case_clocks(
        damp_db, SETTINGS, ClockFilter(statuses=("BREACHED",), limit=100), AS_OF
    )
    assert {c.case_id for c in breached} == {
        i for i in CASES if any(s == "BREACHED" for _, _, s in _expected_clocks(i, AS_OF).values())
    }
    first = await case_clocks(damp_db, SETTINGS, ClockFilter(limit=5), AS_OF)
    rest = await case_clocks(
        damp_db, SETTINGS, ClockFilter(after_case_id=first[-1].case_id, limit=100)
    )
    assert [c.case_id for c in first + rest] == sorted(CASES)
    emergency = await case_clocks(
        damp_db, SETTINGS, ClockFilter(hazard_levels=("emergency",)), AS_OF
    )
    assert {c.case_id for c in emergency} == {i for i in CASES if CASES[i][1] == "emergency"}
    local = await case_clocks(
        damp_db,
        SETTINGS,
        ClockFilter(DampScope(postcode_column="postcode_district", postcode_value="M14")),
    )
    assert {c.home_id for c in local} == {9, 10, 11, 12}


async def test_breach_rates_match_a_recomputation(damp_db: Database) -> None:
    rates = {
        r.landlord_id: r for r in await breach_rates(damp_db, SETTINGS, ADMIN, DampScope(), AS_OF)
    }
    assert set(rates) == {1, 2}
    for landlord, rate in rates.items():
        mine = [i for i in CASES if _landlord(CASES[i][0]) == landlord]
        clocks = {i: _expected_clocks(i, AS_OF) for i in mine}

        def pct(flags: list[bool]) -> float | None:
            return 100.0 * sum(flags) / len(flags) if flags else None

        decided = ("ON_TIME", "BREACHED")
        assert rate.cases == len(mine) and rate.homes == len({CASES[i][0] for i in mine})
        breached = [i for i in mine if any(s == "BREACHED" for *_, s in clocks[i].values())]
        assert rate.cases_with_breach == len(breached)
        assert rate.breach_pct == pytest.approx(
            pct([i in breached for i in mine if any(s in decided for *_, s in clocks[i].values())])
        )
        for name, got in (
            ("investigate", rate.investigation_breach_pct),
            ("summary", rate.written_summary_breach_pct),
            ("make_safe", rate.make_safe_breach_pct),
        ):
            want = pct(
                [clocks[i][name][2] == "BREACHED" for i in mine if clocks[i][name][2] in decided]
            )
            assert got == (None if want is None else pytest.approx(want)), (landlord, name)
    # the awareness window selects cases
    window = DampScope(aware_from=_t("2026-12-01 00:00"), aware_to=_t("2027-01-01 00:00"))
    [only] = await breach_rates(damp_db, SETTINGS, ADMIN, window, AS_OF)
    assert only.cases == 2  # cases 3 and 5


# -- damp and mould rates --------------------------------------------------------------


@pytest.mark.parametrize(
    "dims",
    [
        [],
        [DampDimension.LANDLORD],
        [DampDimension.POSTCODE_DISTRICT],
        [DampDimension.AGE_BAND],
        [DampDimension.PROPERTY_TYPE],
        [DampDimension.EPC_BAND],
        [DampDimension.MONTH],
        [DampDimension.MONTH_OF_YEAR],
        [DampDimension.LANDLORD, DampDimension.MONTH_OF_YEAR],
        [DampDimension.AGE_BAND, DampDimension.EPC_BAND, DampDimension.MONTH],
    ],
)
async def test_rates_match_a_recomputation(damp_db: Database, dims: list[DampDimension]) -> None:
    groups = await damp_rates(damp_db, SETTINGS, ADMIN, dims, DampScope())
    got = {
        tuple(k.value for k in g.key): (g.homes, g.cases, g.open_cases, g.emergency_cases)
        for g in groups
    }
    assert got == _expected_rates(dims)
    for g in groups:
        assert g.per_1000_homes == pytest.approx(1000.0 * (g.cases or 0) / (g.homes or 1))


async def test_rates_scope_and_labels(damp_db: Database) -> None:
    winter = DampScope(aware_from=_t("2026-12-01 00:00"), aware_to=_t("2027-02-01 00:00"))
    groups = await damp_rates(damp_db, SETTINGS, ADMIN, [DampDimension.MONTH_OF_YEAR], winter)
    assert [(g.key[0].value, g.key[0].label, g.homes, g.cases) for g in groups] == [
        ("1", "January", 15, 3),  # 4, 13 and 14 (the 2027 New Year cases)
        ("12", "December", 15, 2),  # 3 and 5
    ]
    [ls9] = await damp_rates(
        damp_db,
        SETTINGS,
        ADMIN,
        [],
        DampScope(landlord_ids=(1,), postcode_column="postcode_district", postcode_value="LS9"),
    )
    assert (ls9.homes, ls9.cases) == (8, 8)
    bands = await damp_rates(damp_db, SETTINGS, ADMIN, [DampDimension.EPC_BAND], DampScope())
    assert {g.key[0].value: g.key[0].label for g in bands}["none"] == "none"


# -- privacy -------------------------------------------------------------------------


async def test_public_rates_suppress_small_groups_and_round(damp_db: Database) -> None:
    groups = await damp_rates(damp_db, SETTINGS, PUBLIC, [DampDimension.LANDLORD], DampScope())
    by_landlord = {g.key[0].value: g for g in groups}
    small = by_landlord["2"]  # 3 homes
    assert small.suppressed and small.cases is None and small.per_1000_homes is None
    big = by_landlord["1"]  # 12 homes, one case each: the same keys, the same noise
    assert not big.suppressed
    keys = await _key_sum(damp_db, "SELECT home_id FROM damp_mould_case WHERE landlord_id = 1")
    assert big.homes == big.cases == 12 + count_noise(12, keys, 5)
    assert big.per_1000_homes == pytest.approx(1000.0)  # from the published counts
    assert all(v is not None and v % 5 == 0 for v in (big.open_cases, big.emergency_cases))


async def test_public_breach_rates_suppress_small_landlords(damp_db: Database) -> None:
    rates = {
        r.landlord_id: r for r in await breach_rates(damp_db, SETTINGS, PUBLIC, DampScope(), AS_OF)
    }
    assert rates[2].suppressed and rates[2].breach_pct is None and rates[2].cases is None
    keys = await _key_sum(damp_db, "SELECT home_id FROM damp_mould_case WHERE landlord_id = 1")
    assert not rates[1].suppressed and rates[1].breach_pct is not None
    assert rates[1].cases == 12 + count_noise(12, keys, 5)


async def _key_sum(db: Database, homes: str) -> int:
    """The sum of the record keys of the homes ``homes`` selects (with repeats)."""
    return int(
        await db.fetchval(
            f"SELECT sum(k.record_key) FROM ({homes}) AS h "
            "JOIN home_record_key k ON k.home_id = h.home_id"
        )
    )


async def test_provider_comparison_has_the_damp_measures(damp_db: Database) -> None:
    result = await compare_providers(
        damp_db, SETTINGS, ADMIN, Measure.DAMP_MOULD_PER_1000_HOMES, RepairScope()
    )
    assert {p.landlord_id: p.value for p in result.providers} == {
        1: pytest.approx(1000.0),
        2: pytest.approx(1000.0 * 2 / 3),
    }
    result = await compare_providers(
        damp_db, SETTINGS, ADMIN, Measure.AWAAB_BREACH_PCT, RepairScope()
    )
    now = await breach_rates(damp_db, SETTINGS, ADMIN, DampScope())
    assert [p.value for p in result.providers] == [r.breach_pct for r in now]
    public = await compare_providers(
        damp_db, SETTINGS, PUBLIC, Measure.AWAAB_BREACH_PCT, RepairScope()
    )
    assert [(p.landlord_id, p.suppressed, p.value is None) for p in public.providers] == [
        (1, False, False),
        (2, True, True),
    ]


# -- Decent Homes criterion C ----------------------------------------------------------


async def test_kitchen_and_bathroom_age_tests(damp_db: Database) -> None:
    today: dt.date = await damp_db.fetchval("SELECT current_date")

    def years_ago(years: int, days: int = 0) -> dt.date:
        return same_day_years_before(today, years) - dt.timedelta(days=days)

    components = [  # home, type, installed
        (1, "kitchen", years_ago(25)),
        (1, "kitchen", years_ago(20)),  # the newest kitchen counts: 20, not over 20
        (1, "bathroom", years_ago(31)),
        (2, "kitchen", years_ago(21)),
        (2, "bathroom", years_ago(30)),
        (2, "bathroom", None),  # undated: ignored
        (3, "gas-boiler", years_ago(40)),
    ]
    for home, kind, installed in components:
        await damp_db.execute(
            "INSERT INTO component (home_id, component_type_code, install_date) "
            "VALUES ($1, $2, $3)",
            home,
            kind,
            installed,
        )
    rows = {
        r.home_id: r
        for r in await modern_facility_ages(damp_db, SETTINGS, DampScope(), (1, 2, 3), 0, 10)
    }
    assert set(rows) == {1, 2, 3}
    assert (rows[1].kitchen_age, rows[1].kitchen_too_old) == (20, False)
    assert (rows[1].bathroom_age, rows[1].bathroom_too_old) == (31, True)
    assert (rows[2].kitchen_age, rows[2].kitchen_too_old) == (21, True)
    assert (rows[2].bathroom_age, rows[2].bathroom_too_old) == (30, False)
    assert rows[2].kitchen_installed == years_ago(21)
    assert (rows[3].kitchen_too_old, rows[3].bathroom_too_old) == (None, None)
    page = await modern_facility_ages(damp_db, SETTINGS, DampScope(landlord_ids=(2,)), (), 13, 10)
    assert [r.home_id for r in page] == [14, 15]


# -- GraphQL -------------------------------------------------------------------------


class _PublicGraphQL:
    """Runs operations through the schema as the public (the HTTP layer is tested
    elsewhere), returning the body the HTTP endpoint would."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        expect_errors: bool = False,
        principal: Principal = PUBLIC,
    ) -> dict[str, Any]:
        from odx_graph.api.context import make_context
        from odx_graph.api.schema import build_schema

        result = await build_schema().execute(
            query,
            variable_values=variables,
            context_value=make_context(SETTINGS, self.db, principal),
        )
        errors = [{"message": e.message, "extensions": e.extensions} for e in result.errors or []]
        if not expect_errors:
            assert not errors, errors
        return {"data": result.data, "errors": errors}


@pytest.fixture
def damp_gql(damp_db: Database) -> _PublicGraphQL:
    """GraphQL as the public over the damp and mould dataset."""
    return _PublicGraphQL(damp_db)


async def test_graphql_queries(damp_gql: _PublicGraphQL) -> None:
    body = await damp_gql("""{
      dampMouldRates(groupBy: [LANDLORD]) {
        key { dimension value label } suppressed homes cases casesPer1000Homes openCases }
      awaabBreachRates(asOf: "2027-01-20T12:00:00Z") {
        landlordId name suppressed cases breachPct investigationBreachPct }
      awaabClocks(first: 2, asOf: "2027-01-20T12:00:00Z",
                  filter: {hazardLevel: ["emergency"]}) {
        caseId homeId hazardLevel awareAt
        investigation { dueAt doneAt status withinHours }
        writtenSummary { status } makeSafe { status withinWorkingDays } }
      modernFacilityAges(first: 1) { homeId kitchenOver20Years bathroomOver30Years }
    }""")
    data = body["data"]
    rates = data["dampMouldRates"]
    assert [r["suppressed"] for r in rates] == [False, True]
    assert rates[0]["key"][0]["label"] == "Damp Homes"
    # 12 cases, published as the perturbation table says for their homes' keys
    keys = await _key_sum(damp_gql.db, "SELECT home_id FROM damp_mould_case WHERE landlord_id = 1")
    assert rates[0]["cases"] == 12 + count_noise(12, keys, 5) and rates[0]["cases"] in (10, 15)
    assert rates[1]["homes"] is None and rates[1]["casesPer1000Homes"] is None
    assert [r["suppressed"] for r in data["awaabBreachRates"]] == [False, True]
    clocks = data["awaabClocks"]
    assert [c["investigation"]["status"] for c in clocks] == ["ON_TIME", "BREACHED"]
    assert clocks[0]["investigation"]["dueAt"] == "2026-03-03T10:00:00+00:00"
    assert clocks[0]["writtenSummary"]["status"] == "NOT_APPLICABLE"
    assert clocks[0]["investigation"]["withinHours"] == 24
    next_page = await damp_gql(
        """query($after: ID) { awaabClocks(after: $after, filter: {hazardLevel: ["emergency"]})
        { caseId } }""",
        {"after": clocks[-1]["caseId"]},
    )
    assert len(next_page["data"]["awaabClocks"]) == 2  # cases 13 and 14
    bad = await damp_gql(
        "{ dampMouldRates(groupBy: [MONTH, MONTH]) { cases } }", expect_errors=True
    )
    assert bad["errors"][0]["extensions"]["field"] == "groupBy"
    bad = await damp_gql("{ awaabClocks(first: 0) { caseId } }", expect_errors=True)
    assert bad["errors"][0]["extensions"]["field"] == "first"


# -- awaabCaseClocks: the clocks as a connection ----------------------------------------

_CONNECTION = """query($first: Int, $after: String, $last: Int, $before: String,
                      $filter: AwaabClockFilter) {
  awaabCaseClocks(first: $first, after: $after, last: $last, before: $before,
                  filter: $filter, asOf: "2027-01-20T12:00:00Z") {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { caseId investigation { status } } }
    nodes { caseId } } }"""


async def _page(
    gql: _PublicGraphQL, principal: Principal = PUBLIC, **variables: Any
) -> dict[str, Any]:
    body = await gql(_CONNECTION, variables, principal=principal)
    page: dict[str, Any] = body["data"]["awaabCaseClocks"]
    cursors = [e["cursor"] for e in page["edges"]]
    assert [e["node"]["caseId"] for e in page["edges"]] == [n["caseId"] for n in page["nodes"]]
    assert page["pageInfo"]["startCursor"] == (cursors[0] if cursors else None)
    assert page["pageInfo"]["endCursor"] == (cursors[-1] if cursors else None)
    page["ids"] = [decode_int_id(n["caseId"], "DampMouldCase") for n in page["nodes"]]
    return page


async def _walk(
    gql: _PublicGraphQL, size: int, *, backward: bool = False, **variables: Any
) -> list[tuple[list[int], bool, bool]]:
    """Every page of ``size``, following the cursors: (cases, hasPrevious, hasNext)."""
    pages, cursor = [], None
    while len(pages) <= len(CASES):
        given = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        page = await _page(gql, **given, **variables)
        info = page["pageInfo"]
        pages.append((page["ids"], info["hasPreviousPage"], info["hasNextPage"]))
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return pages
        cursor = info["startCursor"] if backward else info["endCursor"]
    raise AssertionError("the pages never end")


async def test_clock_connection_pages_forward_to_the_edge(damp_gql: _PublicGraphQL) -> None:
    # 14 cases: pages of 5 end with a short one; pages of 7 end exactly on the last case
    assert await _walk(damp_gql, 5) == [
        ([1, 2, 3, 4, 5], False, True),
        ([6, 7, 8, 9, 10], True, True),
        ([11, 12, 13, 14], True, False),
    ]
    assert await _walk(damp_gql, 7) == [
        ([1, 2, 3, 4, 5, 6, 7], False, True),
        ([8, 9, 10, 11, 12, 13, 14], True, False),
    ]
    assert await _walk(damp_gql, 14) == [(sorted(CASES), False, False)]
    assert await _walk(damp_gql, 13) == [(sorted(CASES)[:13], False, True), ([14], True, False)]
    whole = await _page(damp_gql, first=1)
    assert whole["totalCount"] == len(CASES)
    end = await _page(
        damp_gql, first=3, after=(await _page(damp_gql, last=1))["edges"][0]["cursor"]
    )
    assert (end["ids"], end["pageInfo"]["hasPreviousPage"], end["pageInfo"]["hasNextPage"]) == (
        [],
        True,
        False,
    )


async def test_clock_connection_pages_backward_to_the_edge(damp_gql: _PublicGraphQL) -> None:
    assert await _walk(damp_gql, 5, backward=True) == [
        ([10, 11, 12, 13, 14], True, False),
        ([5, 6, 7, 8, 9], True, True),
        ([1, 2, 3, 4], False, True),
    ]
    assert await _walk(damp_gql, 7, backward=True) == [
        ([8, 9, 10, 11, 12, 13, 14], True, False),
        ([1, 2, 3, 4, 5, 6, 7], False, True),
    ]
    assert await _walk(damp_gql, 14, backward=True) == [(sorted(CASES), False, False)]
    # forward to a page, then back from its start: the cases just before it
    middle = await _page(
        damp_gql, first=5, after=(await _page(damp_gql, first=5))["pageInfo"]["endCursor"]
    )
    assert middle["ids"] == [6, 7, 8, 9, 10]
    before = await _page(damp_gql, last=3, before=middle["pageInfo"]["startCursor"])
    assert before["ids"] == [3, 4, 5]
    assert (before["pageInfo"]["hasPreviousPage"], before["pageInfo"]["hasNextPage"]) == (
        True,
        True,
    )


async def test_clock_connection_filters_and_counts(damp_gql: _PublicGraphQL) -> None:
    breached = sorted(
        i for i in CASES if any(s == "BREACHED" for _, _, s in _expected_clocks(i, AS_OF).values())
    )
    assert 3 < len(breached) < len(CASES)
    status = {"status": ["BREACHED"]}
    pages = await _walk(damp_gql, 2, filter=status)
    assert [i for ids, _, _ in pages for i in ids] == breached
    assert (await _page(damp_gql, first=1, filter=status))["totalCount"] == len(breached)
    back = await _walk(damp_gql, 3, backward=True, filter=status)
    assert [i for ids, _, _ in reversed(back) for i in ids] == breached
    emergency = await _page(damp_gql, first=2, filter={"hazardLevel": ["emergency"]})
    assert emergency["totalCount"] == sum(CASES[i][1] == "emergency" for i in CASES)
    assert [e["node"]["investigation"]["status"] for e in emergency["edges"]] == [
        _expected_clocks(i, AS_OF)["investigate"][2] for i in emergency["ids"]
    ]


async def test_clock_connection_is_the_same_for_every_tier(damp_gql: _PublicGraphQL) -> None:
    # a case's dates are facts about the home's condition, public like a repair's dates
    public = await _page(damp_gql, first=4, filter={"status": ["DUE", "BREACHED"]})
    for principal in (
        Principal(Tier.RESIDENT, home_id=4),
        Principal(Tier.PROVIDER, organisation_id=2),
        ADMIN,
    ):
        assert await _page(
            damp_gql, principal, first=4, filter={"status": ["DUE", "BREACHED"]}
        ) == (public)


async def test_clock_connection_refuses_bad_paging(damp_gql: _PublicGraphQL) -> None:
    async def refused(**variables: Any) -> dict[str, Any]:
        body = await damp_gql(_CONNECTION, variables, expect_errors=True)
        assert body["data"] is None
        extensions: dict[str, Any] = body["errors"][0]["extensions"]
        return extensions

    biggest = SETTINGS.page_size_max
    assert len((await _page(damp_gql, first=biggest))["ids"]) == len(CASES)
    assert (await refused(first=biggest + 1))["field"] == "first"
    assert (await refused(last=biggest + 1))["field"] == "last"
    assert (await refused(first=-1))["field"] == "first"
    assert (await _page(damp_gql, first=0))["ids"] == []
    assert (await refused(first=2, last=2))["field"] == "last"
    one = (await _page(damp_gql, first=1))["pageInfo"]["endCursor"]
    assert (await refused(first=2, before=one))["field"] == "before"
    for alien in (
        encode_cursor(Cursor("NEWEST", True, 3, 3)),  # an audit event's or a token's
        encode_cursor(Cursor("CASE", True, 3, 3)),
        encode_cursor(Cursor("CASE", False, True, True)),
        encode_global_id("DampMouldCase", 3),  # what awaabClocks took
    ):
        error = await refused(first=2, after=alien)
        assert (error["code"], error["field"]) == ("INVALID_CURSOR", "after"), alien
    assert (await refused(last=2, before=encode_cursor(Cursor("CASE", False, True, True))))[
        "field"
    ] == "before"


async def test_deprecated_clock_list_still_answers(damp_gql: _PublicGraphQL) -> None:
    body = await damp_gql(
        '{ awaabClocks(first: 20, asOf: "2027-01-20T12:00:00Z") { caseId } '
        'awaabCaseClocks(first: 20, asOf: "2027-01-20T12:00:00Z") { nodes { caseId } } }'
    )
    assert body["data"]["awaabClocks"] == body["data"]["awaabCaseClocks"]["nodes"]
