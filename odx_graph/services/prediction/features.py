"""The features of each model, binned, with every bin in plain words, and the naive
baselines each model is measured against.

Categorical features (property type, built form, component type, condition) take their
categories from the training data (values seen at least :data:`MIN_CATEGORY` times), so
a landlord's own code lists need no change here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from odx_graph.services.prediction.scorecard import Feature

MIN_CATEGORY = 20  # rarer categories are pooled as "other"
MAX_CATEGORIES = 200  # and so are all but the commonest 200 (a bin is kept in a byte)


class ModelKind(StrEnum):
    """What a model predicts."""

    DAMP_MOULD = "damp-mould"  # a new damp and mould case in a home within 12 months
    COMPONENT_FAILURE = "component-failure"  # a repair of a component within 12 months


def _past_life(name: str, what: str, its: str = "their") -> Feature:
    return Feature(
        name,
        (
            f"no {what} recorded",
            f"{what} within {its} lifetime",
            f"{what} up to 5 years past {its} lifetime",
            f"{what} 5 to 10 years past {its} lifetime",
            f"{what} more than 10 years past {its} lifetime",
        ),
        edges=(0.0, 5.0, 10.0),
    )


AGE_BAND = Feature(
    "year_built",
    (
        "year built not recorded",
        "built before 1919",
        "built 1919-1944",
        "built 1945-1964",
        "built 1965-1980",
        "built 1981-2000",
        "built 2001 or later",
    ),
    edges=(1919, 1945, 1965, 1981, 2001),
)
EARLIER_CASES = Feature(
    "earlier",
    (
        "earlier cases not known",
        "no earlier damp and mould case",
        "one earlier case, closed without further works",
        "one earlier case that needed further works",
        "two or more earlier damp and mould cases",
    ),
    edges=(1, 2, 3),
)
_DAMP_FIXED = (
    AGE_BAND,
    Feature(
        "sap_score",
        (
            "no EPC lodged",
            "EPC band G (SAP under 21)",
            "EPC band F (SAP 21-38)",
            "EPC band E (SAP 39-54)",
            "EPC band D (SAP 55-68)",
            "EPC band C (SAP 69-80)",
            "EPC band A or B (SAP 81 or more)",
        ),
        edges=(21, 39, 55, 69, 81),
    ),
    _past_life("windows_over", "windows"),
    _past_life("roof_over", "roof", "its"),
    _past_life("heating_over", "heating", "its"),
    _past_life("walls_over", "wall finish and external doors"),
    _past_life("ventilation_over", "extractor fans or mechanical ventilation"),
    Feature(
        "leak_repairs",
        (
            "leak repairs not known",
            "no leak-related repairs in the last 12 months",
            "1 leak-related repair (plumbing or roofing) in the last 12 months",
            "2 leak-related repairs in the last 12 months",
            "3 or more leak-related repairs in the last 12 months",
        ),
        edges=(1, 2, 3),
    ),
    EARLIER_CASES,
)
LIFE_USED = Feature(
    "life_used",
    (
        "age or lifetime not recorded",
        "under half way through its lifetime",
        "half to nine tenths through its lifetime",
        "at the end of its lifetime (within a tenth either side)",
        "past its lifetime (by a tenth to a half)",
        "well past its lifetime (by more than half)",
    ),
    edges=(0.5, 0.9, 1.1, 1.5),
)
EARLIER_REPAIRS = Feature(
    "earlier_repairs",
    (
        "earlier repairs not known",
        "no repairs to it in the last 12 months",
        "1 repair to it in the last 12 months",
        "2 repairs to it in the last 12 months",
        "3 or more repairs to it in the last 12 months",
    ),
    edges=(1, 2, 3),
)
_COMPONENT_FIXED = (
    LIFE_USED,
    EARLIER_REPAIRS,
    Feature(
        "home_repairs",
        (
            "not in a home (communal)",
            "no other repairs to its home in the last 12 months",
            "1 or 2 repairs to its home in the last 12 months",
            "3 to 5 repairs to its home in the last 12 months",
            "6 to 10 repairs to its home in the last 12 months",
            "more than 10 repairs to its home in the last 12 months",
        ),
        edges=(1, 3, 6, 11),
    ),
)
# Categorical features: (column, how its bins read: missing, a value, another value).
_DAMP_CATEGORIES = (
    ("property_type_code", "property type not recorded", "a {}", "another property type"),
    ("built_form_code", "built form not recorded", "built form: {}", "another built form"),
)
_COMPONENT_CATEGORIES = (
    ("code", "type not recorded", "a {}", "another type of component"),
    ("condition_code", "condition not recorded", "condition {}", "another condition"),
)
# The naive baselines: the features each uses alone.
BASELINES: dict[ModelKind, dict[str, tuple[str, ...]]] = {
    ModelKind.DAMP_MOULD: {"age only": ("year_built",), "earlier case only": ("earlier",)},
    ModelKind.COMPONENT_FAILURE: {
        "age only": ("life_used",),
        "earlier repairs only": ("earlier_repairs",),
    },
}


def features_for(kind: ModelKind, rows: Sequence[Mapping[str, Any]]) -> tuple[Feature, ...]:
    """The features of a model of `kind`, their categories read from training `rows`."""
    fixed = _DAMP_FIXED if kind is ModelKind.DAMP_MOULD else _COMPONENT_FIXED
    categories = _DAMP_CATEGORIES if kind is ModelKind.DAMP_MOULD else _COMPONENT_CATEGORIES
    learned = []
    for column, missing, template, other in categories:
        seen = Counter(row[column] for row in rows if row[column] is not None)
        common = sorted(seen.items(), key=lambda vn: (-vn[1], vn[0]))[:MAX_CATEGORIES]
        values = tuple(sorted(v for v, n in common if n >= MIN_CATEGORY))
        words = (missing, *(template.format(v.replace("-", " ")) for v in values), other)
        learned.append(Feature(column, words, categories=values))
    return (*learned, *fixed)
