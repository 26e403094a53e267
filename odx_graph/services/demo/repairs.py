"""The repair model: a home's repairs with their status history, SOR lines and costs."""

from __future__ import annotations

import random
from bisect import bisect
from datetime import timedelta
from decimal import Decimal
from typing import Any

from odx_graph.services.demo.catalogue import LANDLORDS
from odx_graph.services.demo.plan import Plan
from odx_graph.services.demo.works import DAMP_WORK
from odx_graph.services.demo.works import NOTES
from odx_graph.services.demo.works import QUALIFIERS
from odx_graph.services.demo.world import World

_LINES_CUM = [0.55, 0.83, 0.95]  # 1 to 4 lines per repair
# Quantities drawn for a repair line, as (thousandths, Decimal) so costs are worked in whole
# pence: mostly one of the item, sometimes several or a fractional quantity.
_QUANTITIES = [
    (m, Decimal(m) / 1000)
    for m in (*[1000] * 14, 2000, 2000, 3000, 4000, 500, 1500, 2500, 3250, 4800, 6000)
]


def add_repairs(
    plan: Plan,
    world: World,
    rng: random.Random,
    rows: dict[str, list[tuple[Any, ...]]],
    home_id: int,
    li: int,
    district: int,
    owned: dict[str, int],
    *,
    routine: int,
    damp: int,
) -> None:
    """Append a home's repairs, their status events, lines and job references to `rows`.

    `routine` repairs are drawn from the kinds the home can have, `damp` from the seasonal damp
    and mould reports; `owned` maps component roles to the ids of the home's components (its
    block's included). Ids come straight from `world.next_id`.
    """
    rnd, expo = rng.random, rng.expovariate
    origin, td, now_s = plan.origin, timedelta, plan.now_s
    status, priorities, works = plan.status, plan.priorities, plan.works
    notes, qualifiers = NOTES, QUALIFIERS
    repairs, lines, events, refs = (
        rows["repair"],
        rows["repair_line"],
        rows["repair_status_event"],
        rows["reference"],
    )
    eligible = plan.eligible(frozenset(owned))
    landlord_id = plan.landlord_ids[li]
    spec = LANDLORDS[li]
    next_id = world.next_id
    district_code, open_statuses = plan.districts[district].code, plan.open_statuses
    for k in range(routine + damp):
        if k < routine:
            pi = bisect(plan.priority_cum, rnd() * plan.priority_cum[-1])
            cum, idx = eligible[plan.priority_slot[pi]]
            wi = idx[bisect(cum, rnd() * cum[-1])]
            work = works[wi]
            comp_id = next((owned[r] for r in work.component_roles if r in owned), None)
            day = bisect(plan.day_cum, rnd() * plan.day_cum[-1])
        else:
            pi = plan.slot_priority[bisect(plan.damp_slot_cum, rnd() * 100.0)]
            wi, work = len(works), DAMP_WORK
            comp_id = owned.get("wall-finish" if rnd() < 0.65 else "windows")
            day = bisect(plan.damp_day_cum, rnd() * plan.damp_day_cum[-1])
        priority = priorities[pi]
        urgent = plan.urgent[pi]
        reported = day * 86400 + (int(rnd() * 86400) if urgent else 25200 + int(rnd() * 46800))
        raised = reported + (60 + int(rnd() * 1800) if urgent else 120 + int(rnd() ** 3 * 86400))
        raised = min(raised, max(reported, now_s - 1))
        if priority.response_hours:
            target: int | None = reported + priority.response_hours * 3600
        elif priority.response_working_days:
            target = (
                reported
                + 86400 * plan.working_day_offset[plan.weekday[day]][priority.response_working_days]
            )
        else:
            target = None
        found = plan.contractors_for(district, work.trade_role)
        contractor, late_rate, factor = (
            found[int(rnd() * len(found))] if found else (None, 0.12, 1.0)
        )
        late = rnd() < late_rate * spec.late_factor * (0.7 if urgent else 1.0)
        if target is not None:
            span = target - reported
            duration = span * (1.0 + expo(1.6)) if late else span * (0.05 + 0.95 * rnd() ** 1.6)
        else:
            duration = 86400 * (2 + expo(0.1))
        done = reported + int(duration)
        visit = 1800 + int(rnd() * 7200)
        if not urgent:  # routine visits start in working hours
            done = done - done % 86400 + 28800 + int(rnd() * 28800) + visit
        done = max(done, raised + 600)
        repair_id = next_id["repair"]
        next_id["repair"] = repair_id + 1
        r = rnd()
        cancel_at = raised + int(rnd() * 432000)
        if plan.can_cancel and r < 0.03 and cancel_at < now_s:
            state = "cancelled"
        elif done < now_s and not (r > 0.996 and now_s - reported < 120 * 86400):
            state = "complete"
        else:
            state = "open"
            if now_s - reported < 3 * 86400 and rnd() < 0.5:
                contractor = None

        # status history, in time order
        history = [(status["reported"], reported)]
        if state == "cancelled":
            if rnd() < 0.5:
                history.append((status["scheduled"], min(raised, cancel_at)))
            history.append((status["cancelled"], cancel_at))
            code = status["cancelled"]
        elif state == "complete":
            scheduled = raised + int(rnd() * min(14400, (done - raised) // 3))
            history.append((status["scheduled"], scheduled))
            last = scheduled
            if rnd() < 0.06:
                last = scheduled + (done - scheduled) // 3
                history.append((status["hold"], last))
            start = max(last, done - visit)
            history.append((status["in-progress"], start))
            history.append((status["complete"], done))
            code = status["complete"]
        elif contractor is None:
            code = status["reported"]
        else:
            scheduled = raised + int(rnd() * min(14400, now_s - raised))
            history.append((status["scheduled"], scheduled))
            x = rnd()
            code = status["scheduled"]
            if x < 0.4:
                started = scheduled + int(rnd() * (now_s - scheduled))
                history.append((status["in-progress"], started))
                code = status["in-progress"]
                if x < 0.12:
                    history.append((status["hold"], started + int(rnd() * (now_s - started))))
                    code = status["hold"]
        event_id = next_id["repair_status_event"]
        for event_code, at in history:
            note = notes[int(rnd() * len(notes))] if rnd() < 0.04 else None
            events.append((event_id, repair_id, event_code, origin + td(0, at), note))
            event_id += 1
        next_id["repair_status_event"] = event_id

        # lines: the SOR items ordered, priced at the contractor's rates
        total = 0
        if state != "cancelled":
            pool, pool_cum = plan.pools[wi]
            line_id = next_id["repair_line"]
            used: list[str] = []
            for number in range(1, 2 + bisect(_LINES_CUM, rnd())):
                sor = pool[bisect(pool_cum, rnd() * pool_cum[-1])]
                for _ in range(3):  # a job seldom lists the same item twice
                    if sor not in used:
                        break
                    sor = pool[bisect(pool_cum, rnd() * pool_cum[-1])]
                used.append(sor)
                unit = 0 if rnd() < 0.04 else int(plan.price[sor] * factor + 0.5)
                milli, quantity = _QUANTITIES[int(rnd() * len(_QUANTITIES))]
                cost = (milli * unit + 500) // 1000
                total += cost
                unit_cost = Decimal(unit) / 100
                lines.append(
                    (
                        line_id,
                        repair_id,
                        number,
                        sor,
                        quantity,
                        unit_cost,
                        unit_cost if milli == 1000 else Decimal(cost) / 100,
                    )
                )
                line_id += 1
            next_id["repair_line"] = line_id
        world.job_ref[li] += 1
        refs.append(
            (
                next_id["reference"],
                "repair",
                repair_id,
                f"{spec.reference_prefix}-J{world.job_ref[li]:07d}",
                landlord_id,
                None,
            )
        )
        next_id["reference"] += 1
        repairs.append(
            (
                repair_id,
                landlord_id,
                home_id,
                comp_id,
                contractor,
                priority.code,
                code,
                plan.work_trade[wi],
                work.texts[int(rnd() * len(work.texts))] + qualifiers[int(rnd() * len(qualifiers))],
                origin + td(0, reported),
                origin + td(0, raised),
                None if target is None else origin + td(0, target),
                origin + td(0, done) if state == "complete" else None,
                Decimal(total) / 100 if state == "complete" else None,
                district_code,
                code in open_statuses,
            )
        )
