"""Tenant Satisfaction Measures results (TP01-TP12) by landlord, postcode area or
district and estate for a financial year, from the answers held one by one and from
landlords' aggregate returns, published under the disclosure rules of
:mod:`odx_graph.core.disclosure` and kept per data version."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.mapping.satisfaction import RETURN_GROUPINGS
from odx_graph.mapping.satisfaction import SatisfactionDimension
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.groups import GroupKey
from odx_graph.services.insight.groups import counted
from odx_graph.services.insight.groups import group_key
from odx_graph.services.insight.repairs import keyed
from odx_graph.store.db import Database
from odx_graph.store.satisfaction import SatisfactionScope
from odx_graph.store.satisfaction import answer_results
from odx_graph.store.satisfaction import return_results


class Source(enum.StrEnum):
    """Where a result comes from."""

    ANSWERS = "answers"  # the answers held one by one (submitSatisfaction)
    RETURN = "return"  # a landlord's aggregate return (the tsm-returns template)


# One coordinate of a group.
SatisfactionKey = GroupKey[SatisfactionDimension]


@dataclass(frozen=True, slots=True)
class SatisfactionResult:
    """One measure of one group: valid responses, those satisfied (or agreeing) and the
    percentage, from the published counts; all null when ``suppressed``."""

    key: tuple[SatisfactionKey, ...]
    measure: str
    source: Source
    respondents: int | None
    satisfied: int | None
    percent_satisfied: float | None
    suppressed: bool
    disclosure: Disclosure


async def tenant_satisfaction(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[SatisfactionDimension],
    scope: SatisfactionScope,
    cache: InsightCache | None = None,
) -> list[SatisfactionResult]:
    """Each perception measure of each group, from the answers and, where the grouping
    is one a return is made at (landlord, estate or none) and no postcode or tenure group
    narrows the scope, from the returns too (each result says which). A group with fewer respondents
    than the threshold is suppressed below the regulator tier."""
    publish = publisher_for(principal, settings)
    dims = tuple(group_by)

    async def compute() -> list[SatisfactionResult]:
        sources = [(Source.ANSWERS, await answer_results(keyed(db), dims, scope))]
        by_home = scope.postcode_column or scope.tenure_groups  # returns are neither
        if set(dims) <= RETURN_GROUPINGS and not by_home:
            sources.append((Source.RETURN, await return_results(keyed(db), dims, scope)))
        out = []
        for source, rows in sources:
            for row in rows:
                key = group_key(row, dims)
                respondents, respondents_key = counted(row, "respondents")
                if publish.suppressed(respondents):
                    out.append(
                        SatisfactionResult(
                            key, row["measure"], source, None, None, None, True, publish.disclosure
                        )
                    )
                    continue
                satisfied, satisfied_key = counted(row, "satisfied")
                out.append(
                    SatisfactionResult(
                        key,
                        row["measure"],
                        source,
                        publish.count(respondents, respondents_key),
                        publish.count(satisfied, satisfied_key),
                        publish.share(satisfied, satisfied_key, respondents, respondents_key),
                        False,
                        publish.disclosure,
                    )
                )
        return out

    return await cached(db, cache, ("tenant_satisfaction", dims, scope, publish), compute)
