"""England and Wales bank holidays, generated for any year.

The regular holidays (New Year's Day, Easter, the May, spring and summer bank holidays,
Christmas and Boxing Day, with their substitute days) come from the ``holidays`` library.
One-off changes announced by the government (an extra day for a jubilee, a coronation or
a state funeral; a holiday moved) are listed here once announced, so that the calendar
never waits for a library release. Only weekdays are kept: a holiday falling on a
weekend is replaced by its substitute day, which is what stops work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays

# The calendar covers this many years after the current one (the server extends it at
# start, so it never runs out while running for years).
YEARS_AHEAD = 10
FIRST_YEAR = 2015  # the working calendar's first day is 1 January of this year


@dataclass(frozen=True, slots=True)
class OneOff:
    """An announced one-off change: ``day`` becomes a bank holiday, replacing the regular
    holiday on ``replaces`` (a move) when given."""

    day: dt.date
    name: str
    replaces: dt.date | None = None


ANNOUNCED: tuple[OneOff, ...] = (
    OneOff(dt.date(2020, 5, 8), "Early May bank holiday (VE day)", dt.date(2020, 5, 4)),
    OneOff(dt.date(2022, 6, 2), "Spring bank holiday", dt.date(2022, 5, 30)),
    OneOff(dt.date(2022, 6, 3), "Platinum Jubilee bank holiday"),
    OneOff(dt.date(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"),
    OneOff(dt.date(2023, 5, 8), "Bank holiday for the coronation of King Charles III"),
)


def bank_holidays(first_year: int, last_year: int) -> dict[dt.date, str]:
    """Every England and Wales bank holiday on a weekday from 1 January ``first_year`` to
    31 December ``last_year``, with its name."""
    if last_year < first_year:
        return {}
    years = range(first_year, last_year + 1)
    regular = holidays.country_holidays("GB", subdiv="ENG", years=years)
    days = {day: str(name) for day, name in regular.items()}
    for change in ANNOUNCED:
        if change.day.year not in years:
            continue
        if change.replaces is not None:
            days.pop(change.replaces, None)
        days[change.day] = change.name
    return {day: name for day, name in sorted(days.items()) if day.weekday() < 5}


def years_to_cover(today: dt.date) -> tuple[int, int]:
    """The first and last year the working calendar must hold on ``today``."""
    return FIRST_YEAR, today.year + YEARS_AHEAD
