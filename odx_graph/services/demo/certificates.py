"""Energy Performance Certificates: an energy efficiency (SAP) score for every home, and a
certificate, sometimes two, for most of them."""

from __future__ import annotations

import hashlib
import random
from datetime import date
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

from odx_graph.services.demo.codes import CERTIFICATE_ROLES
from odx_graph.services.demo.codes import CodeLists
from odx_graph.services.demo.codes import match_roles

if TYPE_CHECKING:
    from odx_graph.services.demo.plan import Plan
    from odx_graph.services.demo.world import World

# Typical SAP score of social homes by construction era, before their form and any
# improvements: (built before, score). Social housing's median sits near the C/D boundary.
_ERA_SAP = ((1919, 55), (1945, 60), (1965, 65), (1981, 68), (2001, 72), (2012, 78), (9999, 81))
# Exposed walls and roofs lose heat: detached houses and bungalows score lower, flats higher.
_FORM_SAP = {"detached": -5, "semi-detached": -2, "end-terrace": -1, "mid-terrace": 1}
_KIND_SAP = {"flat": 4, "maisonette": 2, "bungalow": -4}
_YEAR = 365
_LAST_YEARS = 12  # certificates lodged in the last 12 years (valid for 10)


class Dwelling(NamedTuple):
    """What the EPC and damp models need to know about a home."""

    home_id: int
    li: int  # landlord index
    kind: str  # house, bungalow, maisonette or flat
    built_form: str | None
    form: int  # 0 house, 1 flat in a block under 6 storeys, 2 in a higher block
    year_built: int


class CertificatePlan:
    """The EPC codes for a run: the band of every SAP score and the certificate type."""

    def __init__(self, codes: CodeLists, seed: int, as_of: date) -> None:
        self.seed, self.today = seed, as_of
        self.type_code = match_roles(
            ((c.code, c.label) for c in codes.certificate_types), CERTIFICATE_ROLES
        ).get("epc")
        # The band of each score 0..200 (None where no band covers it), looked up by index.
        self.band: list[str | None] = [None] * 201
        for b in codes.epc_bands:
            low = 1 if b.sap_score_min is None else b.sap_score_min
            high = 200 if b.sap_score_max is None else b.sap_score_max
            for score in range(max(low, 0), min(high, 200) + 1):
                self.band[score] = b.code

    def sap(self, rng: random.Random, home: Dwelling) -> int:
        """The home's SAP score today: by era and form, spread by improvements made or not."""
        base = next(score for before, score in _ERA_SAP if home.year_built < before)
        base += _KIND_SAP.get(home.kind, 0) + _FORM_SAP.get(home.built_form or "", 0)
        if home.form == 2:
            base += 2  # flats in big blocks have few exposed walls
        # newer homes were built to one standard; older ones were improved more or less
        spread = 4.0 if home.year_built >= 2001 else 7.0
        return max(5, min(100, int(base + rng.gauss(0.0, spread))))

    def keys(self, certificate_id: int) -> tuple[str, str]:
        """A certificate's LMK key (32 hex digits) and its 20-digit number, from seed and id."""
        digest = hashlib.sha256(f"{self.seed}:epc:{certificate_id}".encode()).hexdigest()
        digits = f"{int(digest[32:], 16) % 10**20:020d}"
        return digest[:32], "-".join(digits[i : i + 4] for i in range(0, 20, 4))


def add_certificates(
    plan: Plan,
    world: World,
    rng: random.Random,
    rows: dict[str, list[tuple[Any, ...]]],
    homes: list[Dwelling],
) -> list[int]:
    """Append EPCs for about two thirds of `homes` to `rows`; return every home's SAP score.

    New homes almost always have a certificate (one is needed on completion), older ones when
    they were last let or surveyed; a quarter of those also have an older, lower-scoring one.
    The scores are returned whether or not a home has a certificate: the damp model uses them.
    """
    epc = plan.certificates
    rnd, out = rng.random, rows["energy_performance_certificate"]
    today = epc.today
    scores: list[int] = []
    for home in homes:
        sap = epc.sap(rng, home)
        scores.append(sap)
        if epc.type_code is None:
            continue
        new_build = home.year_built >= today.year - 17
        if rnd() >= (0.95 if new_build else 0.62):
            continue
        # days since the home was finished (mid-year), the earliest a certificate can be
        standing = max(14, (today - date(home.year_built, 7, 1)).days)
        span = min(_LAST_YEARS * _YEAR, standing)
        ages: list[int] = []
        if span > 6 * _YEAR and rnd() < 0.25:
            older = 5 * _YEAR + int(rnd() * (span - 5 * _YEAR))
            ages = [older, 1 + int(rnd() * (older - 3 * _YEAR))]
        else:
            ages = [1 + int(rnd() * (span - 1))]
        for n, age in enumerate(ages):
            # an older certificate predates some of the improvements since
            score = sap if n == len(ages) - 1 else max(1, sap - int(rng.gauss(7.0, 4.0)))
            score = max(1, score - int(rnd() * age / _YEAR * 0.4))
            gap = max(2.0, (88 - score) * 0.6)
            potential = min(110, score + max(0, int(rng.gauss(gap, 5.0))))
            lodged = today - timedelta(days=age)
            certificate_id = world.next_id["energy_performance_certificate"]
            world.next_id["energy_performance_certificate"] = certificate_id + 1
            lmk_key, number = epc.keys(certificate_id)
            out.append(
                (
                    certificate_id,
                    home.home_id,
                    epc.type_code,
                    lmk_key,
                    number,
                    lodged,
                    lodged - timedelta(days=1 + min(20, int(rng.expovariate(0.25)))),
                    score,
                    potential,
                    epc.band[score],
                    epc.band[potential],
                )
            )
    return scores
