"""Seeded random generators and the weighted and Poisson draws the generator shares."""

from __future__ import annotations

import random
import zlib
from bisect import bisect
from collections.abc import Iterable
from itertools import accumulate
from math import exp


def seeded_random(key: str) -> random.Random:
    """A generator seeded from a string (hashed with SHA-512, so stable across runs)."""
    return random.Random(key)  # noqa: S311 - reproducible demo data, not secrets


def cumulative(weights: Iterable[float]) -> list[float]:
    """Running totals of `weights`, for drawing an index with `pick` or `bisect`."""
    return list(accumulate(weights))


def pick(rng: random.Random, cum: list[float]) -> int:
    """An index drawn in proportion to the weights behind the running totals `cum`."""
    return bisect(cum, rng.random() * cum[-1])


# Tenures of the demo's homes, per thousand: mostly social rent, as in the English
# social housing stock (LCRA), with a share of shared ownership (LCHO).
TENURES = (
    ("social-rent", 640),
    ("affordable-rent", 150),
    ("supported-housing", 40),
    ("housing-for-older-people", 50),
    ("intermediate-rent", 20),
    ("shared-ownership", 85),
    ("leasehold", 15),
)
_TENURE_CUM = cumulative(w for _, w in TENURES)


def tenure_of(home_id: int) -> str:
    """The tenure code of demo home ``home_id``, drawn from its key alone (no generator's
    stream is used, so the rest of the demo stays as it was)."""
    at = zlib.crc32(f"tenure:{home_id}".encode()) % int(_TENURE_CUM[-1])
    return TENURES[bisect(_TENURE_CUM, at)][0]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here stay small)."""
    limit, count, product = exp(-min(mean, 80.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
