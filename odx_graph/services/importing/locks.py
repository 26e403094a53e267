"""What an import locks, so that imports by different organisations run at the same time
and still match as if they had run one after the other.

An import matches records to what is held by keys of three kinds, and locks each kind
differently (taken at the start of its transaction, held to its end):

- **Its own references, and those of the organisations its file names as allocating
  them** (HACT ``AllocatedBy``): the importer and those organisations are locked, so two
  imports by one organisation run one after the other, and an import that writes another
  organisation's references waits for that organisation's imports (and they for it).
- **Keys shared by every organisation**, that the file may create or change: the UPRN of
  a home not held yet, or held with no landlord (whoever imports it first creates or
  claims it); a contractor's name and registration number, and the name an ``AllocatedBy``
  gives of an organisation not registered yet; an EPC's register key (any organisation's
  file may create or correct a certificate). An import locks each such key (a 32-bit hash
  of it: two keys sharing a hash only make their imports wait for each other), after
  holding the key's kind shared. A file with more than :data:`MOST_KEYS` keys of a kind
  holds the kind alone instead, one lock however large the file: PostgreSQL's lock table
  holds ``max_locks_per_transaction`` × (``max_connections`` +
  ``max_prepared_transactions``) locks in all (6,400 with the default settings), so a file
  of a million new homes must not take a million. Such a file waits for, and holds up,
  only the imports that create or claim keys of that kind; a home held with a landlord is
  only matched by another organisation's file, never created or changed, so matching it
  takes no lock.
- Everything else an import writes is the importer's own (its repairs, components, damp
  and mould cases, planned works, estates, SOR codes, returns), under its own lock.

A merge of organisations changes who allocated what, so it locks out every import
(:func:`odx_graph.store.imports.lock_out_imports`); imports hold that lock shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.references import given_references
from odx_graph.store import imports as repo
from odx_graph.store.db import Connection

# The most keys of a kind an import locks one by one; a file with more locks their kind
# alone. Three kinds at most, so an import takes at most about 3,100 locks: half of
# PostgreSQL's lock table with the default settings, and that only for a file just under
# the bound in every kind.
MOST_KEYS = 1024
KINDS = ("home", "organisation", "epc")


def key_hash(kind: str, key: str) -> int:
    """A shared key's lock: a signed 32-bit hash of its kind and text, the same on every
    server process and Python version."""
    digest = hashlib.blake2b(f"{kind}:{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _organisation(text: str) -> tuple[str, str]:
    """An organisation's name, registration number or id as a shared key (as organisations
    are looked up: stripped and lower-cased)."""
    return "organisation", text.strip().lower()


@dataclass(frozen=True, slots=True)
class Locked:
    """What an import locked: the organisations its records' AllocatedBy name, found
    before locking them (the writer uses these, not a later look-up), and how many shared
    keys it locked one by one."""

    allocators: dict[str, repo.Organisation]
    keys: int


async def lock_for_import(
    conn: Connection, organisation_id: int, records: Sequence[Record]
) -> Locked:
    """Take the locks an import of ``records`` by ``organisation_id`` needs, in the one
    order every import takes them (imports shared, organisations, kinds of shared key, shared
    keys; each in ascending order)."""
    await repo.lock_imports_shared(conn)
    names: set[str] = set()
    for record in records:
        names.update(by for _, by in given_references(record) if by is not None)
    allocators = await repo.organisations_named(conn, names)
    await repo.lock_organisations(conn, [organisation_id, *(o.id for o in allocators.values())])
    keys = [_organisation(n) for n in names if n.strip().lower() not in allocators]
    keys += await _shared_keys(conn, records)
    by_kind: dict[str, set[str]] = {}
    for kind, key in keys:
        by_kind.setdefault(kind, set()).add(key)
    alone = {KINDS.index(k): len(v) > MOST_KEYS for k, v in by_kind.items()}
    hashes = {
        key_hash(kind, key)
        for kind, wanted in by_kind.items()
        if len(wanted) <= MOST_KEYS
        for key in wanted
    }
    await repo.lock_shared_keys(conn, alone, hashes)
    return Locked(allocators, len(hashes))


async def _shared_keys(conn: Connection, records: Iterable[Record]) -> list[tuple[str, str]]:
    """The shared keys, as ``(kind, key)``, that the records may create or change."""
    uprns: set[int] = set()
    keys: list[tuple[str, str]] = []
    for record in records:
        if isinstance(record, HomeRecord) and record.uprn is not None:
            uprns.add(record.uprn)
        elif isinstance(record, ContractorRecord):
            keys.append(_organisation(record.name))
            if record.registration_number:
                keys.append(_organisation(record.registration_number))
        elif isinstance(record, EpcRecord):
            keys.append(("epc", record.lmk_key))
    settled = await repo.homes_with_landlord(conn, uprns)
    keys += [("home", str(u)) for u in sorted(uprns - settled)]
    return keys
