"""Documentation that must stay true: every setting documented, the README's commands."""

from __future__ import annotations

import re
from pathlib import Path

from odx_graph.core.config import setting_names

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `(ODX_[A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert documented == set(setting_names())


def test_readme_gives_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "odx-graph serve" in readme
    test_line = re.search(r"^(pip install .*pytest.*)$", readme, flags=re.MULTILINE)
    assert test_line is not None, "the README names no test command"
    install, run = (part.strip() for part in test_line.group(1).split("&&"))
    assert install.replace("pip install", "pip install --quiet") in ci
    assert f"\n  {run}\n" in ci or f" {run}\n" in ci


def test_docs_links_resolve() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_data_formats_guide_has_every_template_as_the_code_describes_it() -> None:
    from odx_graph.services.importing.templates import template_markdown

    guide = (ROOT / "docs" / "data-formats.md").read_text()
    # Descriptions and rules; the columns come from the mapping and are printed on demand,
    # so adding a field never makes the guide stale.
    assert template_markdown(columns=False).strip() in guide
    assert "python -m odx_graph.services.importing.templates" in guide
    assert "| column | type |" not in guide


def test_the_template_tables_are_printed_from_the_command_line() -> None:
    import subprocess
    import sys

    from odx_graph.services.importing.templates import template_markdown

    module = "odx_graph.services.importing.templates"
    done = subprocess.run(
        [sys.executable, "-m", module, "homes"], capture_output=True, text=True, check=True
    )
    assert done.stdout == template_markdown("homes")
    assert "| `address_line_1` | text | yes |" in done.stdout


def _documented_modules(text: str) -> set[str]:
    """Module paths named in development.md's map: a row's first cell names a package or
    module (``store/db.py``); later names in the row (``migrations.py``) are in the same
    package."""
    found: set[str] = set()
    for row in re.findall(r"^\| (`[^|]*) \|[^|]*\|([^|]*)\|$", text, flags=re.MULTILINE):
        names = re.findall(r"`([^`]+)`", row[0]) + re.findall(r"`([\w/]+\.py)`", row[1])
        first = names[0].removeprefix("odx_graph/")
        package = first if first.endswith("/") else first.rpartition("/")[0] + "/"
        for name in names:
            name = name.removeprefix("odx_graph/")
            found.add(name if "/" in name else package.lstrip("/") + name)
    return found


def test_the_map_of_the_house_names_every_module() -> None:
    text = (ROOT / "docs" / "development.md").read_text()
    package = ROOT / "odx_graph"
    modules = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "__init__.py"
    }
    missing = modules - _documented_modules(text)
    assert not missing, f"docs/development.md's layout table does not name {sorted(missing)}"
