"""Seeded random generators and the weighted and Poisson draws the generator shares."""

from __future__ import annotations

import random
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


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here stay small)."""
    limit, count, product = exp(-min(mean, 80.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
