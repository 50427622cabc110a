"""Domain errors: what a service refuses, said once.

A service raises a ``DomainError`` (or a subclass) carrying a stable ``code`` (the API's
``error.code``, never translated), an HTTP ``status_code``, and a translatable ``message``
(``gettext_lazy`` with named ``%(param)s`` placeholders) with its parameters. Nobody catches it to
re-word it: the API's exception handler (``occ.api.errors``) renders it in the one error format,
and the HTML pages render it once (``interfaces.errors``) as a message on the page. The message is
put together in the reader's language only when it is shown (``exc.text``).

A subclass sets ``code``, ``status_code``, ``message`` and, when the error is about one field of
the request, ``field``; it overrides ``api_fields()`` or ``api_headers()`` when the API's answer
needs more (e.g. the offset to resume an upload at).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal by the domain: code, HTTP status, translatable message and its parameters."""

    code: str = "refused"
    status_code: int = 400
    message: str | Promise = _("This cannot be done.")
    field: str | None = None

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        field: str | None = None,
        **params: Any,
    ):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        if field is not None:
            self.field = field
        self.params = params
        Exception.__init__(self, self.code)  # not super(): a subclass may also be a ValidationError

    @property
    def text(self) -> str:
        """The message in the active language, with its parameters filled in."""
        text = str(self.message)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.text

    def api_fields(self) -> dict[str, list[str]]:
        """The API answer's ``fields``: the message under ``field``, or nothing."""
        return {self.field: [self.text]} if self.field else {}

    def api_headers(self) -> dict[str, str]:
        """Headers the API answer carries besides the body (none by default)."""
        return {}


class FileRefused(DomainError):
    """A file the centre does not take: ``reason`` names what is wrong with it. The API answers
    ``The file '<name>' <reason>.`` with ``{field: ["<name>: <reason>"]}``."""

    code = "invalid_file"
    status_code = 400
    field = "file"
    message = _("The file '%(filename)s' %(reason)s.")

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
        super().__init__(filename=filename, reason=reason)

    def api_fields(self) -> dict[str, list[str]]:
        return {self.field or "file": [f"{self.filename}: {self.reason}"]}
