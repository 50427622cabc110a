"""Every clause of MISSION.md is cited by at least one test (docstring ``clause:`` line or marker)."""

from tests.clauses import cited_in, ids_in_docstring, mission_clauses
from tests.conftest import ROOT, shared_dir


def test_the_clause_reader_takes_only_clause_lines():
    doc = "Something about OCC-2.\n\n    clause: OCC-7(a), SSO-2, OCC-13 (consent first)\n  clauses: KC-4"
    assert ids_in_docstring(doc) == ["OCC-7", "SSO-2", "OCC-13", "KC-4"]
    assert ids_in_docstring("Mentions OCC-2 but proves nothing.") == []


def test_every_mission_clause_is_cited_by_a_test():
    mission = shared_dir() / "MISSION.md"
    assert mission.exists(), (
        f"{mission} is missing: ../shared/MISSION.md beside the repository (or OCC_SHARED_DIR)"
    )
    clauses = mission_clauses(mission)
    assert len(clauses) >= 32
    cited = cited_in(ROOT / "tests")
    missing = [c for c in clauses if cited[c] == 0]
    assert not missing, f"clauses of MISSION.md no test cites: {', '.join(missing)}"
