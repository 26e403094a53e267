"""State the generator carries from chunk to chunk."""

from __future__ import annotations

from odx_graph.services.demo.places import Places
from odx_graph.services.demo.plan import Plan
from odx_graph.services.demo.tables import TABLES


class World:
    """State carried from chunk to chunk: ids, places handed out, reference counters."""

    def __init__(self, plan: Plan) -> None:
        self.next_id = dict.fromkeys(TABLES, 1)
        self.next_id["organisation"] = len(plan.organisation_rows) + 1
        self.places = Places(plan.districts, plan.today.year)
        self.home_ref = [1000] * len(plan.landlord_ids)
        self.job_ref = [0] * len(plan.landlord_ids)
        self.case_ref = [0] * len(plan.landlord_ids)
        self.landlord_homes = [0] * len(plan.landlord_ids)
        self.landlord_flats = [0] * len(plan.landlord_ids)
