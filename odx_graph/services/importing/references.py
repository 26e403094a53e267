"""References a file gives with their allocating organisations (HACT ``AllocatedBy``),
sorted into the importing organisation's own and others', and kept with them.

The rule: a reference with no AllocatedBy, or naming the importing organisation (its name,
registration number or id, in any case), is the importing organisation's own; one naming
another organisation registered here is that organisation's; one naming no organisation
registered here is a problem, except the first of a record when the record has no other
reference of the importer's: that one is taken as the importer's own, as systems often put
their own name there (a note says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from odx_graph.services.importing.records import GivenReference
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairRecord
from odx_graph.store import imports as repo

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer


@dataclass(frozen=True, slots=True)
class Refs:
    """A record's references sorted out: the importer's own, and others' as
    ``(organisation id, value)``."""

    own: tuple[str, ...] = ()
    foreign: tuple[tuple[int, str], ...] = ()


_NONE = Refs()


class References:
    """The references of one import's records, sorted through its writer."""

    def __init__(
        self, writer: Writer, allocators: dict[str, repo.Organisation] | None = None
    ) -> None:
        self.w = writer
        self.given = allocators
        self.allocators: dict[str, repo.Organisation] = {}
        self.memo: dict[tuple[str, str | None, tuple[GivenReference, ...]], Refs | None] = {}

    async def find_allocators(self, records: Sequence[Record]) -> None:
        """Look up, once, every organisation the records' AllocatedBy name (those given
        when the import took its locks, if it did: an organisation registered since is
        one it holds no lock for, and is taken as not registered, as the locks were)."""
        if self.given is not None:
            self.allocators = self.given
            return
        names: set[str] = set()
        for record in records:
            for _, by in given_references(record):
                if by is not None:
                    names.add(by)
        self.allocators = await repo.organisations_named(self.w.conn, names)

    def sort(
        self, location: str, primary: str | None, given: Sequence[GivenReference]
    ) -> Refs | None:
        """``primary`` (presumed the importer's) and ``given`` references sorted into the
        importer's own and others'; ``None`` after reporting one that cannot be kept."""
        if not given:  # the usual case: nothing to sort, nothing to report
            return Refs((primary,)) if primary else _NONE
        memo = (location, primary, tuple(given))
        if memo in self.memo:
            return self.memo[memo]
        own: list[str] = [primary] if primary else []
        foreign: list[tuple[int, str]] = []
        ok = True
        for value, by in given:
            org = self.allocators.get(by.strip().lower()) if by is not None else self.w.org
            if org is not None and org.id == self.w.org.id:
                own.append(value)
            elif org is not None:
                foreign.append((org.id, value))
            elif not own and value == given[0][0]:
                own.append(value)
                self.w.note(
                    location,
                    "AllocatedBy",
                    by,
                    f"names no organisation registered here: reference {value!r} is taken as "
                    f"{self.w.org.name}'s own (register the organisation if it is another's)",
                )
            else:
                ok = False
                self.w.problem(
                    location,
                    "AllocatedBy",
                    by,
                    f"reference {value!r} is allocated by an organisation not registered here, "
                    "so it cannot be kept with it: register it (odx-graph organisation add) "
                    "and import again",
                )
        result = Refs(tuple(dict.fromkeys(own)), tuple(dict.fromkeys(foreign))) if ok else None
        self.memo[memo] = result
        return result

    async def attach(self, subject_type: str, items: Sequence[tuple[str, int, Refs]]) -> set[int]:
        """Give subjects their references, each with its allocating organisation, as
        ``(location, subject key, references)``; a reference that already names another
        subject is a problem. Returns the subjects that gained one."""
        wanted = [
            (location, key, org, value)
            for location, key, refs in items
            for org, value in [*((self.w.org.id, v) for v in refs.own), *refs.foreign]
        ]
        taken = await repo.keys_by_allocated_reference(
            self.w.conn, subject_type, [(org, value) for _, _, org, value in wanted]
        )
        clean: list[tuple[int, int, str]] = []
        for location, key, org, value in wanted:
            holder = taken.get((org, value), key)
            if holder == key:
                clean.append((key, org, value))
                continue
            self.w.problem(
                location,
                "Reference",
                value,
                f"this reference of organisation {org} already names another "
                f"{subject_type.replace('_', ' ')} ({holder})",
            )
        return await repo.add_allocated_references(self.w.conn, subject_type, clean)


def given_references(record: Record) -> list[GivenReference]:
    """Every reference a record gives with an allocating organisation."""
    if isinstance(record, HomeRecord):
        return list(record.allocated)
    if isinstance(record, RepairRecord):
        return [*record.home.allocated, *record.references]
    home = getattr(record, "home", None)
    return list(home.allocated) if isinstance(home, HomeLink) else []
