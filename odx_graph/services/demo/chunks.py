"""One chunk of the housing stock: its homes, blocks and components, then their repairs,
certificates and damp and mould cases."""

from __future__ import annotations

import random
from datetime import timedelta
from math import exp
from typing import Any

from odx_graph.services.demo.catalogue import LANDLORDS
from odx_graph.services.demo.certificates import Dwelling
from odx_graph.services.demo.certificates import add_certificates
from odx_graph.services.demo.components import COMMUNAL_COMPONENTS
from odx_graph.services.demo.components import FLAT_EXTRAS
from odx_graph.services.demo.components import HOME_COMPONENTS
from odx_graph.services.demo.components import HOUSE_EXTRAS
from odx_graph.services.demo.components import MAKES
from odx_graph.services.demo.components import SERVICE_DAYS
from odx_graph.services.demo.components import VENTILATION_SHARE
from odx_graph.services.demo.damp import add_damp_cases
from odx_graph.services.demo.draws import pick
from odx_graph.services.demo.draws import poisson
from odx_graph.services.demo.draws import tenure_of
from odx_graph.services.demo.places import HomeSpec
from odx_graph.services.demo.plan import Plan
from odx_graph.services.demo.repairs import add_repairs
from odx_graph.services.demo.tables import TABLES
from odx_graph.services.demo.world import World


class Chunk:
    """Rows for one chunk of homes with their blocks, components and repairs."""

    def __init__(
        self, plan: Plan, world: World, rng: random.Random, side: random.Random | None = None
    ) -> None:
        self.plan, self.world, self.rng = plan, world, rng
        self.side = side  # ventilation's own stream (none: no ventilation drawn)
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        self.dwellings: list[Dwelling] = []

    def _id(self, table: str) -> int:
        value = self.world.next_id[table]
        self.world.next_id[table] = value + 1
        return value

    def build(self, homes: int) -> None:
        """Place `homes` homes (houses one by one, flats a block at a time), then add their
        EPCs and damp and mould cases."""
        plan, world = self.plan, self.world
        placed = 0
        while placed < homes:
            li = pick(self.rng, plan.landlord_step_cum)
            spec = LANDLORDS[li]
            district = plan.landlord_districts[li][pick(self.rng, plan.landlord_district_cum[li])]
            if world.landlord_flats[li] < spec.flat_share * world.landlord_homes[li]:
                made = self._block(li, district, homes - placed)
                world.landlord_flats[li] += made
            else:
                self._house(li, district)
                made = 1
            world.landlord_homes[li] += made
            placed += made
        self._ventilation()
        # Drawn after every home and repair, so those rows do not depend on these models.
        sap = add_certificates(plan, world, self.rng, self.rows, self.dwellings)
        add_damp_cases(plan, world, self.rng, self.rows, self.dwellings, sap, self.side)

    def _ventilation(self) -> None:
        """Extractor fans or mechanical ventilation in a share of the chunk's homes, on
        the chunk's side stream (the main stream's draws are left as they were)."""
        if self.side is None:
            return
        main, self.rng = self.rng, self.side
        try:
            for home in self.dwellings:
                if self.side.random() < VENTILATION_SHARE[home.form]:
                    self._component(home.home_id, None, "ventilation", home.form, home.year_built)
        finally:
            self.rng = main

    def _house(self, li: int, district: int) -> None:
        self._home(li, district, None, self.world.places.house(self.rng, district), 0, {})

    def _block(self, li: int, district: int, most_flats: int) -> int:
        block = self.world.places.block(self.rng, district, most_flats)
        building_id = self._id("building")
        self.rows["building"].append(
            (
                building_id,
                block.uprn,
                block.toid,
                block.name,
                self.plan.landlord_ids[li],
                block.storeys,
                block.construction_type,
                block.year_built,
                block.postcode,
            )
        )
        form = 1 if block.storeys < 6 else 2
        communal: dict[str, int] = {}
        lifts = 0 if block.storeys < 6 else 1 if block.storeys < 12 else 2
        for role in (*COMMUNAL_COMPONENTS, *("lift",) * lifts):
            comp = self._component(None, building_id, role, form, block.year_built)
            if comp is not None:
                communal.setdefault(role, comp)
        for flat in block.flats:
            self._home(li, district, building_id, flat, form, communal)
        return len(block.flats)

    # -- homes and components -------------------------------------------------------------
    def _home(
        self,
        li: int,
        district: int,
        building_id: int | None,
        spec: HomeSpec,
        form: int,
        communal: dict[str, int],
    ) -> None:
        plan, world, rnd = self.plan, self.world, self.rng.random
        home_id = self._id("home")
        landlord_id = plan.landlord_ids[li]
        d = plan.districts[district]
        year = spec.year_built
        self.dwellings.append(Dwelling(home_id, li, spec.kind, spec.built_form, form, year))
        self.rows["home"].append(
            (
                home_id,
                spec.uprn,
                landlord_id,
                building_id,
                spec.address_line_1,
                spec.address_line_2,
                d.town,
                spec.postcode,
                d.local_authority_code,
                spec.latitude,
                spec.longitude,
                plan.property_type.get(spec.kind),
                plan.built_form.get(spec.built_form) if spec.built_form else None,
                spec.bedrooms,
                spec.floor_level,
                year,
                tenure_of(home_id),
            )
        )
        world.home_ref[li] += 1 if rnd() < 0.8 else 2
        refs = self.rows["reference"]
        refs.append(
            (
                self._id("reference"),
                "home",
                home_id,
                f"{LANDLORDS[li].reference_prefix}-{world.home_ref[li]:06d}",
                landlord_id,
                None,
            )
        )
        if rnd() < 0.05 and len(plan.landlord_ids) > 1:
            other = (li + 1 + int(rnd() * (len(plan.landlord_ids) - 1))) % len(plan.landlord_ids)
            world.home_ref[other] += 1
            refs.append(
                (
                    self._id("reference"),
                    "home",
                    home_id,
                    f"{LANDLORDS[other].reference_prefix}-{world.home_ref[other]:06d}",
                    plan.landlord_ids[other],
                    "managing agent" if rnd() < 0.6 else "previous owner",
                )
            )
        owned = dict(communal)
        heating = "gas-boiler" if rnd() < (0.55 if form == 2 else 0.87) else "other-heating"
        for role in (*HOME_COMPONENTS, heating):
            comp = self._component(home_id, None, role, form, year)
            if comp is not None:
                owned[role] = comp
        for role, share in HOUSE_EXTRAS if form == 0 else FLAT_EXTRAS:
            if rnd() < share and (comp := self._component(home_id, None, role, form, year)):
                owned[role] = comp
        if form == 0 and year < 1950 and rnd() < 0.7:
            self._component(home_id, None, "chimney", form, year)
        damp_share = (
            0.2 + (0.12 if form else 0.0) + (0.1 if year < 1945 else 0.05 if year < 1980 else 0.0)
        )
        add_repairs(
            self.plan,
            self.world,
            self.rng,
            self.rows,
            home_id,
            li,
            district,
            owned,
            routine=poisson(self.rng, 11.6 * exp(self.rng.gauss(0.0, 0.55)) / 1.163),
            damp=poisson(self.rng, 1.5) if rnd() < damp_share else 0,
        )

    def _component(
        self, home_id: int | None, building_id: int | None, role: str, form: int, year: int
    ) -> int | None:
        plan, rnd = self.plan, self.rng.random
        code = plan.component.get(role)
        if code is None:
            return None
        lifetime_days = plan.lifetime[role][form] * 365.25
        share = 0.03 + 0.97 * rnd() if rnd() < 0.84 else 1.0 + 0.6 * rnd()
        age = min(int(share * lifetime_days), max(30, (plan.today.year - year) * 365 + 180))
        ratio, x = age / lifetime_days, rnd()
        if ratio < 0.5:
            grade = 0 if x < 0.8 else 1
        elif ratio < 0.9:
            grade = 0 if x < 0.3 else 1 if x < 0.85 else 2
        elif ratio < 1.1:
            grade = 1 if x < 0.45 else 2 if x < 0.9 else 3
        else:
            grade = 1 if x < 0.2 else 2 if x < 0.75 else 3
        make = model = serviced = None
        if role in MAKES:
            options = MAKES[role]
            make, model = options[int(rnd() * len(options))]
        if role in SERVICE_DAYS:
            period = SERVICE_DAYS[role]
            days = int(rnd() * period) if rnd() < 0.97 else period + int(rnd() * 60)
            serviced = plan.today - timedelta(days=min(days, age))
        comp_id = self._id("component")
        self.rows["component"].append(
            (
                comp_id,
                home_id,
                building_id,
                code,
                plan.today - timedelta(days=age),
                plan.conditions[grade],
                make,
                model,
                serviced,
            )
        )
        return comp_id
