"""Which seed clause each test proves: a docstring line ``clause: OCC-7, DD-2 (...)`` or the
marker ``@pytest.mark.clause("OCC-7")``. Shared by the terminal summary (tests/conftest.py) and
the test that every clause of MISSION.md is cited (tests/test_clauses.py)."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

CLAUSE_ID = re.compile(r"\b(?:OCC|DD|SSO|MOST|KC)-\d+\b")
MISSION_ID = re.compile(r"\*\*((?:OCC|DD|SSO|MOST|KC)-\d+)\*\*")
_LINE = re.compile(r"^\s*clauses?\s*:", re.IGNORECASE)


def ids_in_docstring(doc: str | None) -> list[str]:
    """The clause ids on the docstring's ``clause:`` lines (not those merely mentioned)."""
    found: list[str] = []
    for line in (doc or "").splitlines():
        if _LINE.match(line):
            found += [i for i in CLAUSE_ID.findall(line) if i not in found]
    return found


def mission_clauses(mission: Path) -> list[str]:
    return list(dict.fromkeys(MISSION_ID.findall(mission.read_text(encoding="utf-8"))))


def _marker_ids(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    out: list[str] = []
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "clause":
            out += [a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return out


def cited_in(tests_root: Path) -> Counter:
    """Per clause id, how many test functions cite it, read from the source (nothing imported)."""
    counts: Counter = Counter()
    for path in sorted(tests_root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                ids = dict.fromkeys(ids_in_docstring(ast.get_docstring(node)) + _marker_ids(node))
                counts.update(list(ids))
    return counts
