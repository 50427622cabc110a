"""Domain errors are handled once (issue 13): services raise ``occ.errors.DomainError``s, the API's
exception handler and ``interfaces.errors`` render them, and no view catches one to re-word it.
Every message a person can read is in the Thai catalogue.

Read from the source with ``ast`` (as tests/test_layers.py does), except the last checks, which
import the modules that define domain errors and read each message in Thai and in English.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.utils import translation

from occ.errors import DomainError, FileRefused
from tests.test_layers import _module_name, _sources

ROOT = Path(__file__).resolve().parents[1]
# The one place on the HTML side that turns a domain error into a page.
RENDERERS = {"interfaces.errors"}
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}


def _is_view_module(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] == "interfaces" or "api" in parts or module == "channels_intake.web"
    ) and module not in RENDERERS


def _trees():
    for path in _sources():
        yield _module_name(path), path, ast.parse(path.read_text(encoding="utf-8"))


def _domain_error_names(root: str = "DomainError") -> set[str]:
    """Every class that derives from ``root``, by name, over all the apps (to a fixed point)."""
    bases: dict[str, set[str]] = {}
    for _module, _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                bases.setdefault(node.name, set()).update(names)
    found = {root}
    while True:
        more = {name for name, b in bases.items() if b & found} - found
        if not more:
            return found
        found |= more


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_literal_text(node: ast.expr | None) -> bool:
    """A plain string or f-string: text that no catalogue can translate."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _untranslated_api_errors(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "ApiError":
            for kw in node.keywords:
                if kw.arg == "message" and _is_literal_text(kw.value):
                    lines.append(node.lineno)
                if kw.arg == "fields" and isinstance(kw.value, ast.Dict):
                    for value in kw.value.values:
                        items = value.elts if isinstance(value, ast.List) else []
                        if any(_is_literal_text(item) for item in items):
                            lines.append(node.lineno)
    return lines


def _caught_domain_errors(tree: ast.AST, names: set[str]) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(_name(t) in names for t in types):
                lines.append(node.lineno)
    return lines


def test_no_view_raises_an_api_error_with_an_untranslated_literal():
    """clause: OCC-12 (the centre's text is published in Thai): an ApiError's message and its
    field messages go through gettext, so a Thai reader gets them in Thai."""
    found = {
        f"{module}:{line}"
        for module, _path, tree in _trees()
        if _is_view_module(module)
        for line in _untranslated_api_errors(tree)
    }
    assert found == set()


def test_no_view_catches_a_domain_error():
    """A view never catches a domain error to re-word it: the API's handler and interfaces.errors
    render each one, the same words for every caller."""
    names = _domain_error_names()
    assert {"TransitionRefused", "EvidenceRejected", "MediaRejected", "RequestRefused"} <= names
    found = {
        f"{module}:{line}"
        for module, _path, tree in _trees()
        if _is_view_module(module)
        for line in _caught_domain_errors(tree, names)
    }
    assert found == set()


def test_the_checks_see_what_they_forbid():
    """The two scans above find what they look for (so an empty answer means something)."""
    source = (
        "try:\n    pass\nexcept (ValueError, dsr.RequestRefused):\n"
        "    raise ApiError(status_code=409, code='x', message=f'No {x}.', fields={'a': ['b']})\n"
    )
    tree = ast.parse(source)
    assert _caught_domain_errors(tree, _domain_error_names()) == [3]
    assert _untranslated_api_errors(tree) == [4, 4]
    assert _untranslated_api_errors(ast.parse("ApiError(message=_('x'), fields={'a': [_('b')]})")) == []


# A refused file's ``reason`` (what the content check found: "is truncated", "its content is MP3
# audio") is a parameter of the translated message "The file '%(filename)s' %(reason)s." and is kept
# as the quarantined item's reason, as stored; the reasons themselves are not translated yet.
UNTRANSLATED_PARAMETERS = "FileRefused"


def _raise_sites():
    """(module, line, argument) for each prose literal handed to a domain error where it is raised."""
    names = _domain_error_names() - _domain_error_names(UNTRANSLATED_PARAMETERS)
    for module, _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                if _name(node.exc.func) not in names:
                    continue
                args = [*node.exc.args, *(kw.value for kw in node.exc.keywords)]
                for arg in args:
                    # codes are literals too ("upload_complete"); prose has a space
                    if isinstance(arg, ast.JoinedStr) or (
                        isinstance(arg, ast.Constant) and isinstance(arg.value, str) and " " in arg.value
                    ):
                        yield module, node.lineno, ast.unparse(arg)


def test_domain_errors_are_raised_with_translatable_messages():
    """clause: OCC-12: what a service says when it refuses is a msgid, never a literal."""
    assert list(_raise_sites()) == []


def _domain_error_classes() -> list[type[DomainError]]:
    names = _domain_error_names()
    for module, _path, tree in _trees():
        if any(isinstance(n, ast.ClassDef) and n.name in names for n in ast.walk(tree)):
            importlib.import_module(module)
    seen, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in seen if c.__module__.split(".")[0] != "tests"]


@pytest.mark.parametrize("language", ["th"])
def test_every_domain_error_message_has_a_thai_translation(language):
    """clause: OCC-12: each DomainError subclass's own message reads in Thai in a Thai request,
    in English in an English one; its code is the same in both."""
    classes = _domain_error_classes()
    assert len(classes) >= 12
    untranslated = []
    for cls in classes:
        with translation.override("en"):
            english = str(cls.message)
        with translation.override(language):
            thai = str(cls.message)
        if not thai or thai == english:
            untranslated.append(f"{cls.__module__}.{cls.__qualname__}: {english!r}")
    assert untranslated == []


def test_a_domain_error_reads_in_the_language_it_is_shown_in():
    """The message is put together when it is read, with its parameters, in the reader's language."""
    exc = FileRefused("scan.pdf", "is empty")
    with translation.override("en"):
        assert exc.text == "The file 'scan.pdf' is empty." and str(exc) == exc.text
    with translation.override("th"):
        assert exc.text.startswith("ไฟล์ 'scan.pdf'") and "is empty" in exc.text
    assert exc.code == "invalid_file" and exc.status_code == 400
    assert exc.api_fields() == {"file": ["scan.pdf: is empty"]}
