"""The apps depend one way (docs/architecture.md), read from the source with ``ast``; no import runs.

Lowest first: ``occ`` <- ``privacy`` (rules that know no case) <- ``complaints`` <- ``routing``,
``privacy.ops``, ``channels_intake``, ``indicators`` (peers) <- ``interfaces``. A module may import
its own layer and the layers below it, never one above. Excepted: the composition root
(``occ/urls.py``), the settings, the Celery app, and an app's own ``AppConfig.ready()``, where a
higher app fills in the hooks a lower one offers (e.g. ``complaints.hooks``).

A function-local import of a project module hides a dependency (and usually a cycle) from the
reader; outside ``ready()`` none may be added. The baselines below list what today's code still
does, each as ``module -> module``: a new entry fails the test, and an entry that no longer occurs
fails it too, so the lists only shrink.

No seed clause covers the code's shape; this is issue 13's rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The layer of a module is that of its longest matching prefix.
RANK = {
    "occ": 0,
    "privacy": 1,
    "complaints": 2,
    "routing": 3,
    "privacy.ops": 3,
    "channels_intake": 3,
    "indicators": 3,
    "interfaces": 4,
}
APPS = ("occ", "privacy", "complaints", "routing", "channels_intake", "indicators", "interfaces")

# May import anything: they put the apps together.
COMPOSITION_ROOTS = ("occ.urls", "occ.settings", "occ.celery")

# Known upward imports that remain (each `importer -> imported`). Fixed ones are removed; add none.
UPWARD_BASELINE: set[str] = set()

# Known function-local imports of project modules (each `importer -> imported`), most of them
# breaking an import cycle. Fixed ones are removed; add none.
LOCAL_BASELINE = {
    # Not a cycle: occ.outbox is itself the Django app (INSTALLED_APPS), so its __init__ runs
    # while the app registry loads, before models may be imported; its enqueue/publish functions
    # load the model and the relay on first call.
    "occ.outbox -> occ.outbox.models",
    "occ.outbox -> occ.outbox.relay",
}


def layer_of(module: str) -> str | None:
    best = None
    for prefix in RANK:
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return best


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports_of(path: Path, source: str | None = None):
    """Yield (imported module, enclosing function name or None) for each project import in a file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source_module = ".".join(base + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            targets = [
                f"{source_module}.{alias.name}"
                if _is_module(f"{source_module}.{alias.name}")
                else source_module
                for alias in node.names
            ]
        else:
            continue
        function, parent = None, parents.get(node)
        while parent is not None and function is None:
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                function = parent.name
            parent = parents.get(parent)
        for target in targets:
            if layer_of(target) is not None:
                yield target, function


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def violations(paths=None):
    upward, local = set(), set()
    for path in paths if paths is not None else _sources():
        module = _module_name(path)
        if module.startswith(COMPOSITION_ROOTS):
            continue
        for target, function in imports_of(path):
            in_ready = path.name == "apps.py" and function == "ready"
            if in_ready:
                continue
            if RANK[layer_of(target)] > RANK[layer_of(module)]:
                upward.add(f"{module} -> {target}")
            if function is not None:
                local.add(f"{module} -> {target}")
    return upward, local


def test_no_lower_app_imports_a_higher_one():
    upward, _ = violations()
    assert sorted(upward - UPWARD_BASELINE) == [], "a lower layer imports a higher one"
    assert sorted(UPWARD_BASELINE - upward) == [], "fixed: remove it from UPWARD_BASELINE"


def test_no_new_function_local_import_of_a_project_module():
    _, local = violations()
    assert sorted(local - LOCAL_BASELINE) == [], "import at module level (or break the cycle with a hook)"
    assert sorted(LOCAL_BASELINE - local) == [], "fixed: remove it from LOCAL_BASELINE"


def test_the_checker_sees_an_upward_and_a_hidden_import(monkeypatch):
    """The rules bite: a privacy module importing complaints, a complaints module importing
    privacy.ops or interfaces, and a function-local import are each reported; ready() is not."""
    fake = ROOT / "privacy" / "_layers_probe.py"
    source = (
        "from complaints.models import Complaint\n"
        "from . import minimum_data\n"
        "def f():\n"
        "    from privacy import redaction\n"
    )
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    upward, local = violations([fake])
    assert upward == {"privacy._layers_probe -> complaints.models"}
    assert local == {"privacy._layers_probe -> privacy.redaction"}

    fake = ROOT / "complaints" / "_layers_probe.py"
    source = "from privacy.ops.services.policy import policy_record_for_complaint\nimport interfaces.portal\n"
    upward, _ = violations([fake])
    assert upward == {
        "complaints._layers_probe -> privacy.ops.services.policy",
        "complaints._layers_probe -> interfaces.portal",
    }

    fake = ROOT / "complaints" / "apps.py"
    source = "def ready():\n    from privacy.ops.services import policy\n"
    assert violations([fake]) == (set(), set())


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def test_the_timeline_has_one_writer():
    """Only complaints/services/events.py creates TimelineEvent rows; everything else calls timeline_add."""
    writers = []
    for path in _sources():
        for node, func in _calls(path):
            if func in ("TimelineEvent.objects.create", "TimelineEvent.objects.bulk_create", "TimelineEvent"):
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert {w.partition(":")[0] for w in writers} == {"complaints/services/events.py"}, writers


def test_status_has_one_writer():
    """A status change and its timeline entry are written together by lifecycle.status_set only: no
    other module writes a status entry of the timeline."""
    writers = []
    for path in _sources():
        for node, func in _calls(path):
            if func.endswith("timeline_add") and any(
                k.arg == "kind" and ast.unparse(k.value).endswith("Kind.STATUS") for k in node.keywords
            ):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == ["complaints/services/lifecycle.py"]


def _model_aliases(path: Path, model: str, module: str = "complaints.models") -> set[str]:
    """The names a file binds to ``model`` imported from ``module`` (``Attachment as Evidence``)."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = node.module or ""
        if node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        if source == module or source.startswith(module + "."):
            names |= {alias.asname or alias.name for alias in node.names if alias.name == model}
    return names


def test_attachments_have_one_creator():
    """Only complaints/services/evidence.py's attachment_add creates Attachment rows; web intake,
    e-mail, phone and fax all call it (directly or through complaint_register)."""
    creators = []
    for path in _sources():
        names = _model_aliases(path, "Attachment")
        for node, func in _calls(path):
            receiver, _, method = func.rpartition(".")
            if (
                func in names
                or (
                    receiver.rpartition(".")[0] in names
                    and receiver.endswith(".objects")
                    and method in _CREATES
                )
                or (receiver.endswith("attachments") and method in _CREATES)
            ):
                creators.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert {c.partition(":")[0] for c in creators} == {"complaints/services/evidence.py"}, creators


_CREATES = ("create", "bulk_create", "get_or_create", "update_or_create")


_IDENTITY_ATTRS = {"name", "phone", "email", "address", "national_id", "is_anonymous", "anonymised_at"}


def _is_person(expr: ast.expr) -> bool:
    text = ast.unparse(expr).lower()
    return "person" in text or "complainant" in text


def test_a_complainants_identity_has_one_writer():
    """After intake creates the complainant, only complaints/services/identity.py writes their
    identity (fax transcription, data-subject rectification and erasure call it): no assignment,
    setattr or queryset write of an identity field anywhere else."""
    writers = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            hit = False
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for el in target.elts if isinstance(target, ast.Tuple) else [target]:
                        hit |= (
                            isinstance(el, ast.Attribute)
                            and el.attr in _IDENTITY_ATTRS
                            and _is_person(el.value)
                        )
            elif isinstance(node, ast.Call):
                func = ast.unparse(node.func)
                hit = (func == "setattr" and bool(node.args) and _is_person(node.args[0])) or (
                    func.startswith("Complainant.objects") and func.endswith(_CREATES + ("update",))
                )
            if hit:
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    files = {w.partition(":")[0] for w in writers}
    assert "complaints/services/identity.py" in files, writers
    # besides the rule itself, only the complainant's creation in complaint_register (which may
    # insert the row through occ.rows, out of this scan's sight)
    assert files <= {"complaints/services/identity.py", "complaints/services/intake.py"}, writers
