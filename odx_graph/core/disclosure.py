"""Disclosure control for open statistics: the threshold rule and the cell key method.

Every aggregate published below the regulator tier goes through a :class:`Publisher`:

- **threshold**: a group covering fewer than ``suppress_below_homes`` homes (exact
  count) is suppressed: every value null, ``suppressed`` true;
- **counts** are perturbed by the cell key method (ONS Census 2021, ABS TableBuilder):
  every home (and building) has a fixed random record key from 0 to 2^24 - 1, kept in
  the database and never published; a cell's key sum is the sum of the record keys of
  the units it counts (a repair, a case or a component brings its home's key), its cell
  key that sum modulo 256; the published perturbation table (:func:`ptable_rows`) maps
  (count, cell key) to noise.
  Here the table rounds at random to a multiple of ``round_counts_to`` (5): a count with
  remainder r goes down by r for (5 - r)/5 of the cell keys and up by 5 - r for the
  rest, so the noise averages zero, is never more than 4, and a count that is not a
  multiple of 5 is never published exact. The same cell (the same units) always gets
  the same noise, whatever the query, the page or the server process;
- **totals** (magnitudes) are perturbed as Giessing and Tent (2019) describe: the total
  plus ``MAGNITUDE_MULTIPLIER`` times the largest single contribution times a factor
  picked by the whole key sum (:func:`magnitude_factor`, between 0.5 and 1.5 either
  way), so the largest contributor is always hidden by noise of its own size. The whole
  sum (2^24 values, not 256) picks it so that a part whose keys happen to add up to a
  multiple of 256 does not give its whole the same noise as the rest of it;
- **means** are a perturbed total over a perturbed count, **percentages and rates** a
  perturbed count over a perturbed count: nothing published together with its count
  undoes the noise;
- **medians and percentiles** are the exact quantile of the group at a fraction moved by
  the cell key (:func:`quantile_fraction`: 2 or 4 points either side), so they are
  values of the group's own distribution that a difference cannot isolate.

Regulators and admins get exact values (``Disclosure.EXACT``); everyone else the
protected ones (``Disclosure.PERTURBED``), and every response says which.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings

RECORD_KEY_RANGE = 2**24  # record keys run from 0 to 2^24 - 1
RECORD_KEYS = 256  # cell keys (the perturbation table's) run from 0 to 255
PTABLE_MAX_COUNT = 750  # the published table lists counts 1-750, the ONS layout
MAGNITUDE_MULTIPLIER = 0.5
QUANTILE_STEP = 0.02  # fraction moved per step; two steps either side
QUANTILE_SHIFTS = (-2, -1, 1, 2)


class Disclosure(StrEnum):
    """Which values a caller gets."""

    EXACT = "exact"
    PERTURBED = "perturbed"


def cell_key(key_sum: int) -> int:
    """The cell key of a cell whose units' record keys add up to ``key_sum``."""
    return int(key_sum) % RECORD_KEYS


def _uniform(key_sum: int, salt: int) -> float:
    """A number in [0, 1) fixed by the whole key sum: a multiplicative hash of it (with
    ``salt``, so that the noise of a count, a total and a quantile of one cell are not
    tied to each other)."""
    mixed = ((int(key_sum) % RECORD_KEY_RANGE) * 2654435761 + salt) % 2**32
    return mixed / 2**32


def count_noise(count: int, key: int, base: int) -> int:
    """The perturbation table's noise for ``count`` (never negative) with cell key
    ``key``: random rounding to a multiple of ``base`` (zero and multiples stay)."""
    remainder = count % base
    if remainder == 0:
        return 0
    downs = RECORD_KEYS * (base - remainder) // base  # cell keys that round down
    return -remainder if cell_key(key) < downs else base - remainder


def ptable_rows(base: int) -> Iterator[tuple[int, int, int]]:
    """The published perturbation table: (count, cell key, noise) for counts 1-750 and
    every cell key, in the layout of the ONS ``cell-key-perturbation`` package. Larger
    counts get the noise of the listed count with the same remainder."""
    for count in range(1, PTABLE_MAX_COUNT + 1):
        for key in range(RECORD_KEYS):
            yield count, key, count_noise(count, key, base)


def magnitude_factor(key_sum: int) -> float:
    """The factor of the largest contribution added to a total: from -1.5 to -0.5 or
    from 0.5 to 1.5 (uniformly), never zero, picked by the cell's whole key sum."""
    u = _uniform(key_sum, 0x2545F491)
    size = 0.5 + (2 * u) % 1.0
    return size if u >= 0.5 else -size


def _shift_pick(key_sum: int) -> int:
    """Which of ``QUANTILE_SHIFTS`` moves the quantile of a cell with this key sum."""
    return int(_uniform(key_sum, 0x68E31DA4) * len(QUANTILE_SHIFTS))


def _moved(fraction: float, shift: int) -> float:
    return min(1.0, max(0.0, round(fraction + shift * QUANTILE_STEP, 6)))


def quantile_fraction(fraction: float, key_sum: int) -> float:
    """The fraction at which a protected quantile is read: ``fraction`` moved by one or
    two steps either way, picked by the cell's whole key sum, kept within 0 and 1."""
    return _moved(fraction, QUANTILE_SHIFTS[_shift_pick(key_sum)])


@functools.lru_cache(maxsize=64)
def quantile_fractions(fraction: float) -> tuple[float, ...]:
    """Every fraction a quantile may be read at: the exact one first, then the moved
    ones (what the database computes in one sort)."""
    return (fraction, *(_moved(fraction, s) for s in QUANTILE_SHIFTS))


@functools.lru_cache(maxsize=64)
def _read_at(fraction: float) -> tuple[int, ...]:
    """For each pick of a shift, where in :func:`quantile_fractions` the quantile at the
    moved fraction is (the first place holding that fraction)."""
    fractions = quantile_fractions(fraction)
    return tuple(fractions.index(_moved(fraction, s)) for s in QUANTILE_SHIFTS)


@dataclass(frozen=True, slots=True)
class Publisher:
    """The rules one caller's aggregates are published under."""

    exact: bool
    threshold: int
    base: int

    @property
    def disclosure(self) -> Disclosure:
        """What the caller gets."""
        return Disclosure.EXACT if self.exact else Disclosure.PERTURBED

    def suppressed(self, homes: int) -> bool:
        """Whether a group covering ``homes`` homes is withheld."""
        return not self.exact and homes < self.threshold

    def count(self, count: int, key: int) -> int:
        """A count as published."""
        if self.exact:
            return count
        return count + count_noise(count, key, self.base)

    def total(self, total: float | None, largest: float | None, key: int) -> float | None:
        """A total of non-negative contributions as published (never below zero)."""
        if total is None or self.exact:
            return total
        noise = MAGNITUDE_MULTIPLIER * float(largest or 0.0) * magnitude_factor(key)
        return max(0.0, float(total) + noise)

    def ratio(
        self, numerator: float | None, count: int, key: int, scale: float = 1.0
    ) -> float | None:
        """``scale × numerator / count``: ``numerator`` already as published (a perturbed
        count or total), the count perturbed here; null when it is (published as) 0."""
        if numerator is None:
            return None
        published = self.count(count, key)
        if published <= 0:
            return None
        return scale * float(numerator) / published

    def share(self, part: int, part_key: int, whole: int, whole_key: int) -> float | None:
        """The percentage ``part`` is of ``whole`` (both counts), at most 100."""
        value = self.ratio(self.count(part, part_key), whole, whole_key, 100.0)
        return None if value is None else min(100.0, value)

    def quantile(
        self, fraction: float, values: Sequence[float | None] | None, key: int
    ) -> float | None:
        """The quantile at ``fraction`` from ``values`` (one per fraction of
        :func:`quantile_fractions`): the exact one, or the one at the moved fraction."""
        if not values:
            return None
        # Moved: values[quantile_fractions(fraction).index(quantile_fraction(fraction, key))],
        # without working the fractions out again for every cell.
        chosen = values[0] if self.exact else values[_read_at(fraction)[_shift_pick(key)]]
        return None if chosen is None else float(chosen)


def publisher_for(principal: Principal, settings: Settings) -> Publisher:
    """Exact values for regulators and admins, protected ones for everyone else (a
    provider's key must not unlock other landlords' small groups)."""
    return Publisher(
        exact=principal.sees_small_numbers,
        threshold=settings.suppress_below_homes,
        base=settings.round_counts_to,
    )
