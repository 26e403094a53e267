"""The disclosure rules themselves: the perturbation table, magnitudes, quantiles and the
publisher, pinned at their edges and checked against the ONS's own implementation of the
cell key method."""

from __future__ import annotations

import random
import statistics

import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import MAGNITUDE_MULTIPLIER
from odx_graph.core.disclosure import PTABLE_MAX_COUNT
from odx_graph.core.disclosure import RECORD_KEY_RANGE
from odx_graph.core.disclosure import RECORD_KEYS
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import cell_key
from odx_graph.core.disclosure import count_noise
from odx_graph.core.disclosure import magnitude_factor
from odx_graph.core.disclosure import ptable_rows
from odx_graph.core.disclosure import publisher_for
from odx_graph.core.disclosure import quantile_fraction
from odx_graph.core.disclosure import quantile_fractions

PUBLIC = Publisher(exact=False, threshold=10, base=5)
EXACT = Publisher(exact=True, threshold=10, base=5)


def test_cell_keys_wrap_at_256() -> None:
    assert [cell_key(k) for k in (0, 255, 256, 257, 512 + 3)] == [0, 255, 0, 1, 3]


def test_counts_are_rounded_at_random_to_a_multiple_of_5() -> None:
    for count in range(0, 40):
        for key in range(RECORD_KEYS):
            noise = count_noise(count, key, 5)
            assert (count + noise) % 5 == 0 and -4 <= noise <= 4
            if count % 5 == 0:
                assert noise == 0
            else:  # never published exact, and down or up to the next multiple only
                assert noise in (-(count % 5), 5 - count % 5)


def test_the_noise_averages_zero_for_every_remainder() -> None:
    for remainder in range(1, 5):
        noises = [count_noise(remainder, key, 5) for key in range(RECORD_KEYS)]
        assert abs(statistics.mean(noises)) < 0.02, remainder


@pytest.mark.parametrize(
    ("count", "last_down"),  # 256 * (5 - r) // 5 cell keys round down: 0 .. last_down
    [(1, 203), (2, 152), (3, 101), (4, 50), (6, 203), (754, 50)],
)
def test_where_the_table_switches_from_down_to_up(count: int, last_down: int) -> None:
    remainder = count % 5
    assert count_noise(count, last_down, 5) == -remainder
    assert count_noise(count, last_down + 1, 5) == 5 - remainder
    assert count_noise(count, 0, 5) == -remainder
    assert count_noise(count, 255, 5) == 5 - remainder
    assert count_noise(count, last_down + RECORD_KEYS, 5) == -remainder  # keys wrap


def test_zero_and_a_base_of_one_are_never_perturbed() -> None:
    assert {count_noise(0, k, 5) for k in range(RECORD_KEYS)} == {0}
    assert {count_noise(7, k, 1) for k in range(RECORD_KEYS)} == {0}


def test_the_published_table_has_the_ons_layout() -> None:
    rows = list(ptable_rows(5))
    assert PTABLE_MAX_COUNT == 750 and len(rows) == 750 * 256
    assert rows[0] == (1, 0, -1) and rows[-1] == (750, 255, 0)
    assert {(c, k) for c, k, _ in rows} == {(c, k) for c in range(1, 751) for k in range(256)}
    assert all(noise == count_noise(count, key, 5) for count, key, noise in rows)


def test_counts_match_the_ons_cell_key_package() -> None:
    """The same microdata, record keys and table through the ONS's package and through
    ours give the same perturbed counts, small and large (the package reuses the table's
    rows 501-750 for counts over 750)."""
    rng = random.Random(11)
    sizes = {"a": 3, "b": 9, "c": 10, "d": 37, "e": 250, "f": 751, "g": 1203, "h": 2}
    rows = [
        {"area": area, "record_key": rng.randrange(RECORD_KEY_RANGE)}
        for area, size in sizes.items()
        for _ in range(size)
    ]
    micro = pd.DataFrame(rows)
    ptable = pd.DataFrame(list(ptable_rows(5)), columns=["pcv", "ckey", "pvalue"])
    theirs = create_perturbed_table(
        data=micro, ptable=ptable, geog=[], tab_vars=["area"], record_key="record_key",
        threshold=0,
    )  # fmt: skip
    ours = {
        area: PUBLIC.count(size, sum(r["record_key"] for r in rows if r["area"] == area))
        for area, size in sizes.items()
    }
    assert {r.area: int(r.count) for r in theirs.itertuples()} == ours
    assert {r.area: int(r.ckey) for r in theirs.itertuples()} == {
        a: cell_key(sum(r["record_key"] for r in rows if r["area"] == a)) for a in sizes
    }


def test_magnitude_factors_hide_the_largest_contribution() -> None:
    assert RECORD_KEY_RANGE == 2**24
    factors = [magnitude_factor(k) for k in range(0, 2**24, 997)]
    assert all(0.5 <= abs(f) < 1.5 for f in factors)
    assert min(factors) < -1.49 and max(factors) > 1.49
    assert min(abs(f) for f in factors) < 0.51
    assert abs(statistics.mean(factors)) < 0.01
    assert abs(sum(f > 0 for f in factors) / len(factors) - 0.5) < 0.01
    # not tied to the count's rounding: keys that round a count down move totals both ways
    down = [magnitude_factor(k) for k in range(204)]
    assert any(f > 0 for f in down) and any(f < 0 for f in down)
    for key in (5, 77, 2**23 + 3):  # the whole key sum, modulo the keys' range, picks
        assert magnitude_factor(key) == magnitude_factor(key + 2**24)
        assert magnitude_factor(key) != magnitude_factor(key + 256)
        assert quantile_fraction(0.5, key) == quantile_fraction(0.5, key + 2**24)


def test_a_part_whose_keys_cancel_out_still_moves_its_whole() -> None:
    """Two cells with the same cell key (key sums 256 apart) and the same largest
    contribution: a total and its part must not get the same noise, or the difference
    would give the rest of the total exactly."""
    for key in range(0, 5000, 7):
        whole = PUBLIC.total(5000.0, 400.0, key + RECORD_KEYS)
        part = PUBLIC.total(3000.0, 400.0, key)
        assert whole is not None and part is not None
        assert abs((whole - part) - 2000.0) > 0.01


def test_totals_move_by_half_to_one_and_a_half_times_half_the_largest() -> None:
    assert MAGNITUDE_MULTIPLIER == 0.5
    moves = []
    for key in range(0, 2**24, 4099):
        published = PUBLIC.total(1000.0, 200.0, key)
        assert published is not None
        moves.append(published - 1000.0)
    # 0.5 x 200 x a factor of 0.5 to 1.5, either way
    assert all(50.0 <= abs(m) < 150.0 for m in moves)
    assert min(moves) < -149 and max(moves) > 149 and min(abs(m) for m in moves) < 51
    assert PUBLIC.total(10.0, 100.0, 0) == 0.0  # never below zero
    assert PUBLIC.total(None, None, 3) is None
    assert PUBLIC.total(0, None, 3) == 0.0
    assert EXACT.total(1234.5, 99.0, 7) == 1234.5


def test_quantiles_are_read_two_or_four_points_away() -> None:
    moves = {round(quantile_fraction(0.5, k) - 0.5, 6) for k in range(RECORD_KEYS)}
    assert quantile_fraction(0.5, 77) == quantile_fraction(0.5, 77 + RECORD_KEY_RANGE)
    assert moves == {-0.04, -0.02, 0.02, 0.04}
    assert quantile_fractions(0.9) == (0.9, 0.86, 0.88, 0.92, 0.94)
    assert quantile_fractions(0.99)[-1] == 1.0 and quantile_fractions(0.01)[1] == 0.0
    values = [50.0, 46.0, 48.0, 52.0, 54.0]  # the value at each fraction
    for key in range(RECORD_KEYS):
        chosen = PUBLIC.quantile(0.5, values, key)
        assert chosen == 50.0 + 100 * (quantile_fraction(0.5, key) - 0.5)
    assert EXACT.quantile(0.5, values, 9) == 50.0
    assert PUBLIC.quantile(0.5, None, 1) is None and PUBLIC.quantile(0.5, [], 1) is None
    assert PUBLIC.quantile(0.5, [None] * 5, 1) is None


def test_quantiles_are_never_read_outside_the_values() -> None:
    for key in range(0, 5000, 13):
        assert 0.95 <= quantile_fraction(0.99, key) <= 1.0
        assert 0.0 <= quantile_fraction(0.01, key) <= 0.05
    assert {quantile_fraction(0.99, k) for k in range(RECORD_KEYS)} == {0.95, 0.97, 1.0}


def test_a_mean_is_a_total_over_a_count() -> None:
    assert EXACT.ratio(30.0, 12, 0) == 2.5
    assert PUBLIC.ratio(30.0, 12, 0) == 3.0  # 12 published as 10 with this key
    assert EXACT.ratio(7.0, 1, 0) == 7.0  # one unit: its own value
    assert EXACT.share(1, 0, 1, 0) == 100.0


def test_shares_come_from_published_counts_and_stay_within_100() -> None:
    assert EXACT.share(3, 0, 7, 0) == pytest.approx(300 / 7)
    assert EXACT.share(0, 0, 0, 0) is None
    # 11 of 12 with keys that round 11 up to 15 and 12 down to 10: capped at 100
    assert count_noise(11, 255, 5) == 4 and count_noise(12, 0, 5) == -2
    assert PUBLIC.share(11, 255, 12, 0) == 100.0
    assert PUBLIC.share(1, 0, 2, 0) is None  # 2 published as 0: no share
    assert PUBLIC.share(12, 0, 12, 0) == 100.0  # the same cell: the same noise
    assert PUBLIC.ratio(30, 12, 0, 1000.0) == 3000.0
    assert PUBLIC.ratio(None, 12, 0) is None


def test_the_threshold_is_on_the_exact_homes() -> None:
    assert PUBLIC.suppressed(9) and not PUBLIC.suppressed(10)
    assert not EXACT.suppressed(0)
    assert PUBLIC.count(12, 0) == 10 and EXACT.count(12, 0) == 12


@pytest.mark.parametrize(
    ("tier", "exact"),
    [
        (Tier.PUBLIC, False),
        (Tier.RESIDENT, False),
        (Tier.CONTRACTOR, False),
        (Tier.PROVIDER, False),
        (Tier.REGULATOR, True),
        (Tier.ADMIN, True),
    ],
)
def test_who_gets_exact_values(tier: Tier, exact: bool) -> None:
    settings = Settings.from_env({}, suppress_below_homes=7, round_counts_to=3)
    publish = publisher_for(Principal(tier, 1, 1, 1), settings)
    assert publish == Publisher(exact, 7, 3)
    assert publish.disclosure is (Disclosure.EXACT if exact else Disclosure.PERTURBED)


def test_a_protected_quantile_is_the_one_at_its_moved_fraction_where_fractions_repeat() -> None:
    # Near 0 and 1 two moved fractions are the same (0.99: 0.95, 0.97, 1.0, 1.0): the
    # value read is the first one at that fraction, as the database's array holds them.
    for fraction in (0.01, 0.03, 0.25, 0.5, 0.97, 0.99, 1.0):
        fractions = quantile_fractions(fraction)
        values = [float(i) for i in range(len(fractions))]
        for key in (*range(RECORD_KEYS), 2**24 + 5, RECORD_KEY_RANGE + 77):
            expected = values[fractions.index(quantile_fraction(fraction, key))]
            assert PUBLIC.quantile(fraction, values, key) == expected
    assert quantile_fractions(0.99) == (0.99, 0.95, 0.97, 1.0, 1.0)
    assert {PUBLIC.quantile(0.99, [0.0, 1.0, 2.0, 3.0, 4.0], k) for k in range(256)} == {
        1.0,
        2.0,
        3.0,
    }
