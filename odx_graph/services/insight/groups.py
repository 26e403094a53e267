"""The rows of the insight statements, read the one way: a group's coordinates (each
dimension grouped by, with its value and a readable label) and a count with the sum of
its record keys (what the cell key method perturbs it by)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

D = TypeVar("D", bound=enum.Enum, covariant=True)
E = TypeVar("E", bound=enum.Enum)


@dataclass(frozen=True, slots=True)
class GroupKey(Generic[D]):
    """One coordinate of a group: the dimension, its value and a readable label."""

    dimension: D
    value: str | None
    label: str | None


def group_key(row: Mapping[str, Any], dims: Sequence[E]) -> tuple[GroupKey[E], ...]:
    """The coordinates of the group a row is, from its ``key_`` and ``label_`` columns."""
    return tuple(GroupKey(d, row[f"key_{d.value}"], row[f"label_{d.value}"]) for d in dims)


def counted(row: Mapping[str, Any], column: str) -> tuple[int, int]:
    """A count and the sum of its record keys."""
    key = row[f"{column}_key"]
    return int(row[column]), 0 if key is None else int(key)
