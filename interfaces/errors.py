"""Domain errors on the HTML pages, handled once.

A service refuses with an ``occ.errors.DomainError``; a page view never catches it. It declares
what the refusal looks like on its page instead:

- ``@refusals_back_to(url_of)`` for a form action that answers with a redirect (post/redirect/get):
  the refusal's message goes to the message framework and the browser is sent to ``url_of(request,
  *args, **kwargs)``, as after a success. ``ValidationError`` and ``PermissionError`` from the
  service are shown the same way, by default (``also=()`` to leave them to the view).
- ``@refusals_render(template, context_of)`` for a page that renders its own form again: the
  template is rendered with ``context_of(request, exc)`` (where the view left its context in
  ``request.page_context``) and the error's own HTTP status.

The message is the error's text in the reader's language (``exc.text``), the same words the API
answers with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render

from occ.errors import DomainError


def refusal_text(exc: Exception) -> str:
    """What a person reads for a refusal: a domain error's message, a validation error's messages."""
    if isinstance(exc, DomainError):
        return exc.text
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def refusals_back_to(
    url_of: Callable[..., str], *, also: tuple[type[Exception], ...] = (ValidationError, PermissionError)
):
    """A form action: a refusal becomes an error message on the page the action returns to."""

    caught = (DomainError, *also)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except caught as exc:
                messages.error(request, refusal_text(exc))
                return HttpResponseRedirect(url_of(request, *args, **kwargs))

        return wrapper

    return decorate


def refusals_render(template: str, context_of: Callable[..., dict]):
    """A page with its own form: a refusal renders the page again, with the error's status."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return render(request, template, context_of(request, exc), status=exc.status_code)

        return wrapper

    return decorate


def refusal_as_message(request, service: Callable, /, **kwargs):
    """Call ``service(**kwargs)`` where its refusal must not stop the page (e.g. a recording
    attached after the case was filed: the case stands). A DomainError becomes an error message
    on the next page; the service's result, or None when it refused."""
    try:
        return service(**kwargs)
    except DomainError as exc:
        messages.error(request, refusal_text(exc))
        return None
