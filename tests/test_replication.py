"""Replication arithmetic (core/replication.py) and the replica settings, at their edges."""

from __future__ import annotations

import pytest

from odx_graph.core.config import Settings
from odx_graph.core.errors import ConfigError
from odx_graph.core.replication import LagClock
from odx_graph.core.replication import format_lsn
from odx_graph.core.replication import in_rotation
from odx_graph.core.replication import parse_lsn


def test_positions_read_and_write_as_postgresql_does() -> None:
    assert parse_lsn("0/0") == 0
    assert parse_lsn("0/3000148") == 0x3000148
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn("FFFFFFFF/FFFFFFFF") == 2**64 - 1
    for value in (0, 0x3000148, (0x16 << 32) | 0xB374D848, 2**64 - 1):
        assert parse_lsn(format_lsn(value)) == value
    assert format_lsn((0x16 << 32) | 0xB374D848) == "16/B374D848"
    for bad in (None, "", "3000148", "0/", "/1", "1/2/3", "G/1", "123456789/0", "0x1/2"):
        assert parse_lsn(bad) is None


def test_lag_is_how_long_ago_the_primary_first_held_what_the_replica_lacks() -> None:
    clock = LagClock(window=60)
    clock.record(100.0, 1000)
    clock.record(101.0, 1000)  # unchanged: the first sighting stands
    clock.record(102.0, 2000)
    clock.record(103.0, 3000)
    assert clock.lag(104.0, 3000) == 0.0  # everything replayed
    assert clock.lag(104.0, 4000) == 0.0
    assert clock.lag(104.0, 2999) == 1.0  # lacks what was first seen at 103
    assert clock.lag(104.0, 2000) == 1.0
    assert clock.lag(104.0, 1999) == 2.0  # lacks what was first seen at 102
    assert clock.lag(104.0, 999) == 4.0  # lacks even the first sample
    assert clock.primary == 3000


def test_an_idle_primary_leaves_a_caught_up_replica_at_no_lag() -> None:
    clock = LagClock(window=60)
    for second in range(0, 600, 10):
        clock.record(float(second), 5000)
    assert clock.lag(600.0, 5000) == 0.0


def test_samples_older_than_the_window_go_but_the_lag_stays_a_lower_bound() -> None:
    clock = LagClock(window=10)
    for second in range(0, 30):
        clock.record(float(second), 1000 + second)
    # Samples before second 19 are dropped: a replica behind them all is at least 10 s behind.
    assert clock.lag(29.0, 0) == 10.0
    assert clock.lag(29.0, 1028) == 0.0


def test_a_replica_serves_while_at_most_the_set_lag_behind() -> None:
    assert in_rotation(True, True, 5.0, 5.0)  # exactly at the bound
    assert not in_rotation(True, True, 5.000001, 5.0)
    assert in_rotation(True, True, 0.0, 0.0)
    assert not in_rotation(False, True, 0.0, 5.0)  # gone
    assert not in_rotation(True, False, 0.0, 5.0)  # promoted: a second primary


def test_read_replica_urls_are_a_list_and_need_a_primary() -> None:
    primary = "postgresql://odx@db/odx"
    settings = Settings.from_env(
        {
            "ODX_DATABASE_URL": primary,
            "ODX_READ_DATABASE_URLS": "postgresql://odx@r1/odx, postgresql://odx@r2,r3/odx",
        }
    )
    assert settings.read_database_url_list == [
        "postgresql://odx@r1/odx",
        "postgresql://odx@r2,r3/odx",  # a multi-host URL keeps its comma
    ]
    assert Settings.from_env({"ODX_DATABASE_URL": primary}).read_database_url_list == []
    with pytest.raises(ConfigError, match="ODX_READ_DATABASE_URLS needs ODX_DATABASE_URL"):
        Settings.from_env({"ODX_READ_DATABASE_URLS": "postgresql://odx@r1/odx"})
    with pytest.raises(ConfigError, match="must be postgresql:// URLs") as refused:
        Settings.from_env(
            {"ODX_DATABASE_URL": primary, "ODX_READ_DATABASE_URLS": "mysql://u:secret@r1/odx"}
        )
    assert "secret" not in str(refused.value)
    with pytest.raises(ConfigError, match="ODX_REPLICA_CHECK_INTERVAL_MS"):
        Settings.from_env({"ODX_REPLICA_CHECK_INTERVAL_MS": "49"})
    fastest = Settings.from_env({"ODX_REPLICA_CHECK_INTERVAL_MS": "50"})
    assert fastest.replica_check_interval_ms == 50
