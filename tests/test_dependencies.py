"""`pip install .` installs everything the package imports: every third-party module
imported under odx_graph/ belongs to a distribution named in pyproject's
[project] dependencies (the dev and example extras are for tests and examples only)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_module_the_package_imports_is_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(d) for d in project["dependencies"]}
    owners = packages_distributions()
    missing: dict[str, set[str]] = {}
    for path in sorted((ROOT / "odx_graph").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "odx_graph" or top in sys.stdlib_module_names:
                    continue
                if not {_name(d) for d in owners.get(top, [])} & declared:
                    missing.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    assert not missing, f"imported but not a dependency of the package: {missing}"
