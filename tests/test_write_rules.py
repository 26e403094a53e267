"""The rules writes check before they touch the database, pinned at their edges: line
costs, a repair's cost against its lines, resident token expiry, and when a key stops
working."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from graphql import build_schema

from odx_graph.core.access import is_expired
from odx_graph.core.errors import InputError
from odx_graph.mapping import MAPPING
from odx_graph.services.writes import Line
from odx_graph.services.writes import TokenPolicy
from odx_graph.services.writes import priced_lines
from odx_graph.services.writes import repair_cost
from odx_graph.services.writes import token_expiry
from odx_graph.services.writes.rules import RULES
from odx_graph.store.live import seconds_left

D = Decimal
NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the night the clocks go forward


def test_a_line_cost_is_quantity_times_unit_cost_rounded_half_up_to_the_penny() -> None:
    [line] = priced_lines([Line("601101", D("1"), D("27.23"))])
    assert line.cost == D("27.23")
    [half] = priced_lines([Line("601101", D("1.5"), D("10.01"))])  # 15.015
    assert half.cost == D("15.02")
    [below] = priced_lines([Line("601101", D("1.5"), D("10.00999"))])  # 15.014985
    assert below.cost == D("15.01")
    [unpriced] = priced_lines([Line("601101", D("2"))])
    assert unpriced.cost is None


def test_a_given_line_cost_must_be_the_product_to_the_penny() -> None:
    assert priced_lines([Line("601101", D("2"), D("10.00"), D("20"))])[0].cost == D("20")
    with pytest.raises(InputError) as error:
        priced_lines([Line("601101", D("2"), D("10.00"), D("20.01"))])
    assert error.value.field == "lines[0].cost"
    with pytest.raises(InputError):
        priced_lines([Line("601101", D("2"), D("10.00"), D("19.99"))])


def test_negative_quantities_and_costs_are_refused_but_zero_is_not() -> None:
    assert priced_lines([Line("601101", D("0"), D("0"), D("0"))])[0].cost == D("0")
    for line in (
        Line("601101", D("-1")),
        Line("601101", D("1"), D("-0.01")),
        Line("601101", D("1"), None, D("-0.01")),
    ):
        with pytest.raises(InputError) as error:
            priced_lines([Line("X", D("1")), line])
        assert error.value.field == "lines[1]"


def test_the_repair_cost_is_the_sum_of_its_lines_when_all_have_costs() -> None:
    lines = [Line("A", D("1"), cost=D("27.23")), Line("B", D("1"), cost=D("10.00"))]
    assert repair_cost(None, lines) == D("37.23")
    assert repair_cost(D("37.23"), lines) == D("37.23")
    for wrong in (D("999"), D("37.24"), D("37.22")):
        with pytest.raises(InputError) as error:
            repair_cost(wrong, lines)
        assert error.value.field == "cost"


def test_with_some_line_unpriced_the_cost_may_not_be_below_the_known_costs() -> None:
    lines = [Line("A", D("1"), cost=D("27.23")), Line("B", D("1"))]
    assert repair_cost(None, lines) is None
    assert repair_cost(D("27.23"), lines) == D("27.23")
    assert repair_cost(D("999"), lines) == D("999")
    with pytest.raises(InputError):
        repair_cost(D("27.22"), lines)
    assert repair_cost(D("60"), []) == D("60")  # no lines: nothing to check against
    with pytest.raises(InputError):
        repair_cost(D("-0.01"), [])


POLICY = TokenPolicy(default_days=90, max_days=365)


def test_a_resident_token_lasts_the_default_unless_told_and_never_past_the_maximum() -> None:
    assert token_expiry(POLICY, NOW, None, None) == NOW + dt.timedelta(days=90)
    assert token_expiry(POLICY, NOW, None, 1) == NOW + dt.timedelta(days=1)
    assert token_expiry(POLICY, NOW, None, 365) == NOW + dt.timedelta(days=365)
    with pytest.raises(InputError):
        token_expiry(POLICY, NOW, None, 366)
    with pytest.raises(InputError):
        token_expiry(POLICY, NOW, None, 0)
    at_most = NOW + dt.timedelta(days=365)
    assert token_expiry(POLICY, NOW, at_most, None) == at_most
    with pytest.raises(InputError) as error:
        token_expiry(POLICY, NOW, at_most + dt.timedelta(microseconds=1), None)
    assert error.value.field == "expiresAt"
    with pytest.raises(InputError):
        token_expiry(POLICY, NOW, NOW, None)  # expiring now is not in the future
    assert token_expiry(POLICY, NOW, NOW + dt.timedelta(seconds=1), None) > NOW
    with pytest.raises(InputError):
        token_expiry(POLICY, NOW, at_most, 3)


def test_a_key_stops_working_at_its_expiry_moment_in_any_time_zone() -> None:
    expiry = dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)  # 02:00 BST, 01:00 GMT
    just_before = expiry - dt.timedelta(microseconds=1)
    assert not is_expired(expiry, just_before)
    assert is_expired(expiry, expiry)
    london = dt.timezone(dt.timedelta(hours=1))
    assert is_expired(expiry, dt.datetime(2026, 3, 29, 2, 0, tzinfo=london))
    assert not is_expired(None, expiry)
    assert seconds_left(expiry, just_before) == pytest.approx(1e-6)
    assert seconds_left(expiry, expiry + dt.timedelta(hours=1)) == 0.0
    assert seconds_left(None, expiry) is None


def test_code_lists_name_their_enum_values_from_the_codes() -> None:
    assert MAPPING["RepairStatus"].enum_name("in-progress") == "IN_PROGRESS"
    assert MAPPING["RepairStatus"].enum_name("pending-approval") == "PENDING_APPROVAL"
    assert MAPPING["Priority"].enum_name("1") == "P1"


def test_a_key_in_connection_init_is_found_or_refused_never_ignored() -> None:
    from odx_graph.api.websocket import key_in
    from odx_graph.core.errors import UnauthenticatedError

    assert key_in({}) is None
    assert key_in({"locale": "en-GB", "client": {"name": "app"}}) is None
    assert key_in({"Authorization": "Bearer odx_a"}) == "Bearer odx_a"
    assert key_in({"token": "odx_b"}) == "odx_b"
    assert key_in({"authToken": "odx_c"}) == "odx_c"
    assert key_in({"headers": {"Authorization": "Bearer odx_d"}}) == "Bearer odx_d"
    for stray in ({"apiKey": "odx_e"}, {"auth": {"key": "Bearer odx_f"}}, {"token": ""}):
        with pytest.raises(UnauthenticatedError):
            key_in(stray)


def test_every_rule_is_for_a_mutation_the_schema_has() -> None:
    schema = build_schema((Path(__file__).parent.parent / "schema.graphql").read_text())
    mutation = schema.mutation_type
    assert mutation is not None
    assert set(RULES) <= set(mutation.fields), set(RULES) - set(mutation.fields)
    # Every field a rule names is an argument of its mutation's input.
    for name, rule in RULES.items():
        args = mutation.fields[name].args
        inputs = {f for a in args.values() for f in getattr(a.type.of_type, "fields", {})}
        assert rule.field in inputs | set(args), (name, rule.field)
