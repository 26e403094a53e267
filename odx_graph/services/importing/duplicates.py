"""Values that must be unique across a file's records, and the problems of those repeated."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable

from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.textfile import safe_echo


class Duplicates:
    """Finds the values of one field that are on more than one record, as records arrive.

    Only each value's first place is held (its location alone when the value is its own
    key), and every place of a repeated value, so a large file costs one small entry per
    distinct value. ``key`` turns the text into what must be unique (``None``: not
    checked); without it, an empty text is not checked.
    """

    def __init__(self, key: Callable[[str], object] | None = None) -> None:
        self.key = key
        self.first: dict[object, int | str | tuple[int | str, str]] = {}
        self.repeated: dict[object, list[tuple[int | str, str]]] = {}

    def add(self, text: str, location: int | str, key: object = None) -> None:
        """Note ``text`` at ``location`` (a row number or a record's name); ``key``, when
        given, is what must be unique instead of the converted text."""
        if key is None:
            key = self.key(text) if self.key is not None else (text or None)
        if key is None:
            return
        if key in self.repeated:
            self.repeated[key].append((location, text))
        elif key in self.first:
            first = self.first[key]
            place = first if isinstance(first, tuple) else (first, str(key))
            self.repeated[key] = [place, (location, text)]
        else:
            self.first[key] = location if key == text else (location, text)

    def report(self, problems: list[Problem], field_name: str, what: str) -> None:
        """Add a problem to each place of a repeated value, naming the other places, in
        the order the values first appeared."""
        for places in (self.repeated[k] for k in self.first if k in self.repeated):
            names = [_where(location) for location, _ in places]
            for (_, text), name in zip(places, names, strict=True):
                others = ", ".join(n for n in names if n != name)
                reason = f"the same {what} is also on {others}"
                problems.append(Problem(name, field_name, safe_echo(text), reason))


def _where(location: int | str) -> str:
    return f"row {location}" if isinstance(location, int) else location


def report_duplicates(
    problems: list[Problem], field_name: str, keyed: Iterable[tuple[object, str, str]], what: str
) -> None:
    """Report every value of ``field_name`` that is on more than one record.

    ``keyed`` yields ``(key, location, text as given)``; each record of a repeated key
    gets a problem naming the other locations.
    """
    found = Duplicates()
    for key, location, text in keyed:
        if key is not None:
            found.add(text, location, key)
    found.report(problems, field_name, what)
