"""England and Wales bank holidays generated for any year, and a working calendar that
never runs out while the server runs."""

from __future__ import annotations

import datetime as dt
import re

from odx_graph.core.vocab import migrations_dir
from odx_graph.services.bank_holidays import ANNOUNCED
from odx_graph.services.bank_holidays import YEARS_AHEAD
from odx_graph.services.bank_holidays import bank_holidays
from odx_graph.services.bank_holidays import years_to_cover
from odx_graph.services.refdata import sync_calendar
from odx_graph.store.db import Database


def _announced_2019_to_2028() -> set[dt.date]:
    """The gov.uk list as migration 0002 recorded it (with the one-off days of 2020,
    2022 and 2023)."""
    sql = (migrations_dir() / "0002_working_days.sql").read_text()
    return {dt.date.fromisoformat(d) for d in re.findall(r"\('(\d{4}-\d\d-\d\d)', '", sql)}


def test_generated_holidays_are_the_announced_ones() -> None:
    generated = bank_holidays(2019, 2028)
    assert set(generated) == _announced_2019_to_2028()
    assert len(generated) == 83
    assert all(day.weekday() < 5 for day in generated)  # substitute days, not weekends
    assert generated[dt.date(2022, 9, 19)].startswith("Bank Holiday for the State Funeral")
    assert dt.date(2020, 5, 4) not in generated  # moved to VE day, 8 May
    assert dt.date(2022, 5, 30) not in generated  # moved to 2 June


def test_one_off_changes_apply_only_to_their_years() -> None:
    for change in ANNOUNCED:
        around = bank_holidays(change.day.year - 1, change.day.year + 1)
        assert change.day in around
        if change.replaces is not None:
            assert change.replaces not in around
        assert change.day not in bank_holidays(change.day.year + 1, change.day.year + 2)
    assert bank_holidays(2030, 2029) == {}


def test_every_year_has_its_eight_regular_holidays() -> None:
    days = bank_holidays(2029, 2060)
    for year in range(2029, 2061):
        in_year = [d for d in days if d.year == year]
        assert len(in_year) == 8, year
        assert any(d.month == 12 and d.day in (25, 26, 27, 28) for d in in_year)


def test_the_calendar_covers_years_ahead_of_any_day() -> None:
    assert YEARS_AHEAD == 10
    assert years_to_cover(dt.date(2026, 12, 4)) == (2015, 2036)
    assert years_to_cover(dt.date(2040, 1, 1)) == (2015, 2050)


def test_a_single_year() -> None:
    assert list(bank_holidays(2026, 2026)) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 3),
        dt.date(2026, 4, 6),
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 25),
        dt.date(2026, 8, 31),
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 28),  # Boxing Day falls on a Saturday
    ]


async def test_the_working_calendar_covers_the_next_two_years(seeded_db: Database) -> None:
    """Fails as soon as the calendar (or its bank holidays) stops short of two years
    from today: clocks and working days would silently stop being worked out."""
    today = dt.date.today()
    horizon = today.replace(year=today.year + 2, day=28 if today.day == 29 else today.day)
    last = await seeded_db.fetchval("SELECT max(day) FROM working_calendar")
    assert last >= horizon
    counts = dict(
        await seeded_db.fetch(
            "SELECT extract(year FROM day)::integer, count(*) FROM bank_holiday GROUP BY 1"
        )
    )
    for year in range(2015, horizon.year + 1):
        assert counts.get(year, 0) >= 8, year


async def test_starting_in_a_later_year_extends_the_calendar(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn:
        loaded = await conn.fetchval(
            "SELECT max(extract(year FROM day))::integer FROM bank_holiday"
        )
        changed = await sync_calendar(conn, dt.date(2040, 6, 1))
        assert changed == len(bank_holidays(loaded + 1, 2050))  # only the years added
        assert await conn.fetchval("SELECT max(day) FROM working_calendar") == dt.date(2050, 12, 31)
        # Fri 17 Dec 2049 + 10 working days: Christmas and Boxing Day fall on the
        # weekend (substitutes Mon 27 and Tue 28), New Year's Day too (Mon 3 Jan 2050)
        tenth = await conn.fetchval(
            "SELECT c.day FROM working_calendar s JOIN working_calendar c "
            "ON c.is_working_day AND c.working_day_number = s.working_day_number + 10 "
            "WHERE s.day = '2049-12-17'"
        )
        assert tenth == dt.date(2050, 1, 5)
        assert await sync_calendar(conn, dt.date(2040, 6, 1)) == 0  # nothing more to do


def _mondays_of_may(year: int) -> list[dt.date]:
    days = [dt.date(year, 5, d) for d in range(1, 32)]
    return [d for d in days if d.weekday() == 0]


def test_each_move_replaces_the_regular_day_of_its_holiday() -> None:
    """A moved holiday takes the place of the regular one by rule: the early May bank
    holiday is the first Monday of May, the spring bank holiday the last."""
    moves = [c for c in ANNOUNCED if c.replaces is not None]
    assert len(moves) == 2
    for change in moves:
        assert change.replaces is not None
        mondays = _mondays_of_may(change.replaces.year)
        if change.name.startswith("Early May"):
            assert change.replaces == mondays[0]
        else:
            assert change.name.startswith("Spring") and change.replaces == mondays[-1]
        assert change.day.year == change.replaces.year


def test_each_one_off_is_the_announced_day_by_its_announced_name() -> None:
    sql = (migrations_dir() / "0002_working_days.sql").read_text()
    official = {
        dt.date.fromisoformat(day): name.replace("''", "'")
        for day, name in re.findall(r"\('(\d{4}-\d\d-\d\d)', '((?:[^']|'')*)'\)", sql)
    }
    for change in ANNOUNCED:
        assert official[change.day] == change.name
        assert change.replaces is None or change.replaces not in official
