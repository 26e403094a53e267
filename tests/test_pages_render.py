"""What the pages' rendering does faster gives what it gave before: dates in words,
attributes and items of the pages' dicts in templates, and a contractor's choice of
status rendered once for each status."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import Environment
from jinja2 import StrictUndefined
from jinja2 import UndefinedError

from odx_graph.web.pages import _environment
from odx_graph.web.pages import day
from odx_graph.web.pages import macro


def test_a_day_in_words_is_strftimes_for_every_day_and_kind() -> None:
    first = dt.date(2024, 1, 1)  # a leap year: 29 February too
    for n in range(366):
        date = first + dt.timedelta(days=n)
        assert day(date) == f"{date.day} {date:%B %Y}"
        moment = dt.datetime.combine(date, dt.time(23, 59), tzinfo=dt.UTC)
        assert day(moment) == f"{moment.day} {moment:%B %Y}"
    assert day(dt.date(999, 3, 7)) == "7 March 999" == f"7 {dt.date(999, 3, 7):%B %Y}"
    assert day(None) == ""


@pytest.mark.parametrize(
    "source",
    [
        "{{ row.name }}",
        "{{ row.items }}",  # a dict's method is an attribute, not its item "items"
        "{% for k, v in row.items() %}{{ k }}={{ v }};{% endfor %}",
        "{{ row.get('name') }}",
        "{{ row.number + 1 }}",
        "{{ row.nested.name }}",
        "{{ other.name }}",
    ],
)
def test_a_templates_reading_of_a_dict_is_jinjas(source: str) -> None:
    plain = Environment(autoescape=True, undefined=StrictUndefined)
    context = {
        "row": {"name": "<b>", "items": "an item", "number": 2, "nested": {"name": "n"}},
        "other": type("Thing", (), {"name": "thing"})(),
    }
    ours = _environment.from_string(source).render(context)
    assert ours == plain.from_string(source).render(context)


def test_a_missing_item_of_a_dict_is_still_an_error_in_a_template() -> None:
    with pytest.raises(UndefinedError):
        _environment.from_string("{{ row.missing }}").render({"row": {"name": "x"}})
    with pytest.raises(UndefinedError):
        _environment.from_string("{{ row.missing }}").render({"row": {}})


def test_the_status_choice_is_rendered_with_the_current_status_selected() -> None:
    options = macro("macros.html", "status_options")
    moves = [("in-progress", "In progress"), ("on-hold", "On hold <wait>")]
    assert str(options(moves, "on-hold")) == (
        '<option value="in-progress">In progress</option>\n'
        '<option value="on-hold" selected>On hold &lt;wait&gt;</option>\n'
    )
    assert "selected" not in str(options(moves, None))


def test_what_the_server_made_to_start_is_left_out_of_full_collections() -> None:
    """Started, the server freezes its objects (the ontology, the schema, the modules), so
    a full garbage collection no longer walks them all and stalls every request."""
    import gc

    from odx_graph.web.app import _freeze_startup_objects

    gc.unfreeze()  # a server started earlier in this process froze its objects
    assert gc.get_freeze_count() == 0
    try:
        _freeze_startup_objects()
        assert gc.get_freeze_count() > 10_000
        assert len(gc.get_objects(generation=2)) < 1_000
    finally:
        gc.unfreeze()
