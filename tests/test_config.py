"""Settings: typed, validated, read from ODX_* only."""

from __future__ import annotations

from pathlib import Path

import pytest

from odx_graph.core.config import DemoMode
from odx_graph.core.config import LogFormat
from odx_graph.core.config import Settings
from odx_graph.core.config import default_data_dir
from odx_graph.core.config import setting_names
from odx_graph.core.errors import ConfigError


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None and settings.uses_embedded_database
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.base_iri == "http://localhost:8000"
    assert (settings.page_size_default, settings.page_size_max) == (20, 100)
    assert settings.demo is DemoMode.AUTO and settings.log_format is LogFormat.AUTO


def test_values_are_parsed_from_odx_variables() -> None:
    settings = Settings.from_env(
        {
            "ODX_DATABASE_URL": "postgresql://u@h/db",
            "ODX_PORT": "9000",
            "ODX_BASE_IRI": "https://data.example.org/",
            "ODX_DEMO": "NO",
            "ODX_DATA_DIR": "/srv/odx",
            "ODX_PAGE_SIZE_MAX": "50",
            "ODX_LOG_FORMAT": "text",
        }
    )
    assert settings.database_url == "postgresql://u@h/db" and not settings.uses_embedded_database
    assert settings.port == 9000 and settings.base_iri == "https://data.example.org"
    assert settings.demo is DemoMode.NO and settings.data_dir == Path("/srv/odx")
    assert settings.page_size_max == 50 and settings.log_format is LogFormat.TEXT


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ODX_PORT": "eighty"}, "ODX_PORT"),
        ({"ODX_PORT": "0"}, "ODX_PORT must be between"),
        ({"ODX_PAGE_SIZE_DEFAULT": "500"}, "ODX_PAGE_SIZE_DEFAULT"),
        ({"ODX_DEMO": "maybe"}, "ODX_DEMO"),
        ({"ODX_BASE_IRI": "ftp://x"}, "ODX_BASE_IRI"),
        ({"ODX_LOG_LEVEL": "LOUD"}, "ODX_LOG_LEVEL"),
    ],
)
def test_bad_values_fail_with_the_variable_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_data_dir_follows_xdg_for_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert default_data_dir({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share/odx-graph")


def test_data_dir_for_root_avoids_opening_up_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert default_data_dir({}) == Path("/var/lib/odx-graph")


def test_every_setting_has_an_odx_name() -> None:
    names = setting_names()
    assert "ODX_DATABASE_URL" in names and all(n.startswith("ODX_") for n in names)
