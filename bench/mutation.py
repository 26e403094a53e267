"""A mutation run over the rule modules: postcodes, IDs and cursors, access, the
disclosure rules, bank holidays, and the Awaab's Law clocks (SQL).

Each mutant is one small change to one module (a comparison flipped or loosened, a
number moved by one, ``and`` for ``or``, ``True`` for ``False``, an arithmetic operator
swapped, a regular expression's bound moved, a ``not`` dropped; for the clocks' SQL, one
of a list of changes to ``awaab_clock_status`` and ``awaab_clocks``). The mutant is
written into a scratch copy of the project and that module's tests are run there; the
mutant is *killed* when they fail (or time out). Docstrings, messages and decorator
arguments are not mutated. The score is killed / all, per module and in total.

    python bench/mutation.py                 # everything (about half an hour here)
    python bench/mutation.py --only postcodes --list

Uses the PostgreSQL named by ``ODX_DATABASE_URL`` or the ``PG*`` variables, like the
tests.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the tests that state its rules
PYTHON_MODULES: dict[str, tuple[str, list[str]]] = {
    "postcodes": ("odx_graph/core/postcodes.py", ["tests/test_postcodes.py"]),
    "ids": ("odx_graph/core/ids.py", ["tests/test_ids.py", "-k", "not database_error"]),
    "access": (
        "odx_graph/core/access.py",
        ["tests/test_access.py", "tests/test_disclosure.py::test_who_gets_exact_values"],
    ),
    "disclosure": ("odx_graph/core/disclosure.py", ["tests/test_disclosure.py"]),
    "bank_holidays": ("odx_graph/services/bank_holidays.py", ["tests/test_bank_holidays.py"]),
}
CLOCK_TESTS = [
    "tests/test_insight_edges.py",
    "tests/test_insight_damp.py",
    "-k",
    "clock or deadline or awaab or breach",
]
# (file, text, replacement): one change each, the first occurrence of ``text``
CLOCK_MUTANTS: list[tuple[str, str, str]] = [
    ("0004_awaab_clocks.sql", "done <= due THEN 'ON_TIME'", "done < due THEN 'ON_TIME'"),
    (
        "0004_awaab_clocks.sql",
        "WHEN as_of > due THEN 'BREACHED'",
        "WHEN as_of >= due THEN 'BREACHED'",
    ),
    (
        "0004_awaab_clocks.sql",
        "WHEN due IS NULL THEN 'NOT_APPLICABLE'",
        "WHEN false THEN 'NOT_APPLICABLE'",
    ),
    (
        "0004_awaab_clocks.sql",
        "WHEN done IS NOT NULL THEN 'BREACHED'",
        "WHEN done IS NOT NULL THEN 'ON_TIME'",
    ),
    ("0004_awaab_clocks.sql", "ELSE 'DUE'", "ELSE 'BREACHED'"),
    (
        "0013_open_statistics.sql",
        "c.aware_at >= awaab_in_force_from()",
        "c.aware_at > awaab_in_force_from()",
    ),
    ("0013_open_statistics.sql", "AND c.aware_at >= awaab_in_force_from()", ""),
    ("0013_open_statistics.sql", "'2025-10-27 00:00:00+00'", "'2025-10-27 00:00:00+01'"),
    (
        "0013_open_statistics.sql",
        "ON aware_day.day = (c.aware_at AT TIME ZONE 'Europe/London')::date",
        "ON aware_day.day = (c.aware_at AT TIME ZONE 'UTC')::date",
    ),
    (
        "0013_open_statistics.sql",
        "(c.investigation_completed_at AT TIME ZONE 'Europe/London')::date",
        "(c.investigation_completed_at AT TIME ZONE 'UTC')::date",
    ),
    (
        "0013_open_statistics.sql",
        "ELSE (investigate_by.day + 1)::timestamp AT TIME ZONE 'Europe/London'",
        "ELSE (investigate_by.day + 1)::timestamp AT TIME ZONE 'UTC'",
    ),
    (
        "0013_open_statistics.sql",
        "ELSE (investigate_by.day + 1)::timestamp",
        "ELSE (investigate_by.day + 0)::timestamp",
    ),
    (
        "0013_open_statistics.sql",
        "(summary_by.day + 1)::timestamp",
        "(summary_by.day + 2)::timestamp",
    ),
    (
        "0013_open_statistics.sql",
        "ELSE (make_safe_by.day + 1)::timestamp",
        "ELSE (make_safe_by.day)::timestamp",
    ),
    (
        "0013_open_statistics.sql",
        "ON investigate_by.is_working_day\n",
        "ON true\n",
    ),
    (
        "0013_open_statistics.sql",
        "= aware_day.working_day_number + l.investigate_within_working_days",
        "= aware_day.working_day_number + l.investigate_within_working_days + 1",
    ),
    (
        "0013_open_statistics.sql",
        "= investigated_day.working_day_number + l.make_safe_within_working_days",
        "= investigated_day.working_day_number + l.summary_within_working_days",
    ),
    (
        "0013_open_statistics.sql",
        "THEN c.aware_at + make_interval(hours => l.make_safe_within_hours)",
        "THEN c.aware_at + make_interval(hours => l.investigate_within_hours + 1)",
    ),
    (
        "0013_open_statistics.sql",
        "awaab_clock_status(d.make_safe_due_at, c.made_safe_at, as_of)",
        "awaab_clock_status(d.make_safe_due_at, c.investigation_completed_at, as_of)",
    ),
    (
        "0013_open_statistics.sql",
        "awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, as_of)",
        "awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, now())",
    ),
]

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
_QUANTIFIER = re.compile(r"\{(\d+),(\d+)\}")


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change: where, what, and the changed source (or SQL file text)."""

    module: str
    path: str
    line: int
    change: str
    text: str


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _decorators(tree: ast.AST) -> set[int]:
    """Constants in decorators (``@dataclass(frozen=True, slots=True)``): changing them
    changes how a class is built, not a rule."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                found.update(id(v) for v in ast.walk(decorator))
    return found


def _messages(tree: ast.AST) -> set[int]:
    """String constants that are only words for people: error messages and f-strings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.update(id(v) for v in ast.walk(node))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "InputError",
            "ValueError",
        ):
            for arg in node.args:
                found.update(id(v) for v in ast.walk(arg))
    return found


def _variants(node: ast.AST, skip: set[int]) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement node) for each mutation of ``node`` itself."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is not None:
                new = copy.deepcopy(node)
                new.ops[i] = swap()
                yield f"{type(op).__name__} -> {swap.__name__}", new
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        new = copy.deepcopy(node)
        swap = _BINOP_SWAPS[type(node.op)]
        new.op = swap()
        yield f"{type(node.op).__name__} -> {swap.__name__}", new
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"{type(node.op).__name__} -> {type(new.op).__name__}", new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not dropped", copy.deepcopy(node.operand)
    elif isinstance(node, ast.Constant) and id(node) not in skip:
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", ast.Constant(not value)
        elif isinstance(value, int):
            yield f"{value} -> {value + 1}", ast.Constant(value + 1)
            yield f"{value} -> {value - 1}", ast.Constant(value - 1)
        elif isinstance(value, float) and value != 0.0:
            yield f"{value} -> {value * 1.1}", ast.Constant(value * 1.1)
        elif isinstance(value, str):
            for match in _QUANTIFIER.finditer(value):
                low, high = int(match.group(1)), int(match.group(2))
                for bound in (high + 1, high - 1):
                    if bound >= low:
                        text = value[: match.start()] + f"{{{low},{bound}}}" + value[match.end() :]
                        yield f"regex {{{low},{high}}} -> {{{low},{bound}}}", ast.Constant(text)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: int, replacement: ast.AST) -> None:
        self.target = target
        self.replacement = replacement
        self.counter = -1

    def generic_visit(self, node: ast.AST) -> ast.AST:
        self.counter += 1
        if self.counter == self.target:
            return ast.copy_location(self.replacement, node)
        return super().generic_visit(node)


def python_mutants(module: str, path: str) -> Iterator[Mutant]:
    """Every mutant of one Python module."""
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    skip = _docstrings(tree) | _messages(tree) | _decorators(tree)
    nodes = []

    class _Count(ast.NodeVisitor):
        def generic_visit(self, node: ast.AST) -> None:
            nodes.append(node)
            super().generic_visit(node)

    _Count().visit(tree)
    for index, node in enumerate(nodes):
        for change, replacement in _variants(node, skip):
            mutated = _Replace(index, replacement).visit(ast.parse(source))
            text = ast.unparse(ast.fix_missing_locations(mutated))
            yield Mutant(module, path, getattr(node, "lineno", 0), change, text)


def clock_mutants() -> Iterator[Mutant]:
    """The listed changes to the clocks' SQL."""
    for name, old, new in CLOCK_MUTANTS:
        path = f"migrations/{name}"
        text = (ROOT / path).read_text()
        assert old in text, (name, old)
        line = text[: text.index(old)].count("\n") + 1
        yield Mutant(
            "clocks", path, line, f"{old.strip()} -> {new.strip()}", text.replace(old, new, 1)
        )


def run(mutant: Mutant, tests: list[str], scratch: Path, timeout: float) -> bool:
    """Whether ``tests`` fail on ``mutant`` (killed)."""
    target = scratch / mutant.path
    original = target.read_text()
    target.write_text(mutant.text)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=scratch,
            env={**os.environ, "PYTHONPATH": str(scratch)},
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True
    finally:
        target.write_text(original)
    return result.returncode != 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="module names (postcodes, ids, ..., clocks)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--scratch", help="an empty directory to copy the project into")
    args = parser.parse_args()
    chosen = set(args.only or [*PYTHON_MODULES, "clocks"])
    plan: list[tuple[Mutant, list[str]]] = []
    for module, (path, tests) in PYTHON_MODULES.items():
        if module in chosen:
            plan += [(m, tests) for m in python_mutants(module, path)]
    if "clocks" in chosen:
        plan += [(m, CLOCK_TESTS) for m in clock_mutants()]
    if args.list:
        for mutant, _ in plan:
            print(f"{mutant.module}:{mutant.line}: {mutant.change}")
        print(f"{len(plan)} mutants")
        return
    with tempfile.TemporaryDirectory(prefix="odx-mutants-", dir=args.scratch) as tmp:
        scratch = Path(tmp) / "odx"
        shutil.copytree(
            ROOT,
            scratch,
            ignore=shutil.ignore_patterns(".git", "__pycache__", ".mypy_cache", ".ruff_cache"),
        )
        score: dict[str, list[int]] = {}
        started = time.monotonic()
        for mutant, tests in plan:
            killed = run(mutant, tests, scratch, args.timeout)
            tally = score.setdefault(mutant.module, [0, 0])
            tally[0] += killed
            tally[1] += 1
            mark = "killed" if killed else "SURVIVED"
            print(f"{mark:8} {mutant.module}:{mutant.line}: {mutant.change}", flush=True)
        print("\n| module | killed | mutants | score |")
        print("| --- | ---: | ---: | ---: |")
        for module, (killed, total) in score.items():
            print(f"| {module} | {killed} | {total} | {100 * killed / total:.0f}% |")
        killed = sum(k for k, _ in score.values())
        total = sum(t for _, t in score.values())
        print(f"| all | {killed} | {total} | {100 * killed / total:.1f}% |")
        print(f"\n{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
