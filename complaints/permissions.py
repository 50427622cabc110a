"""Who may do what. Reads are scoped in selectors; these gate the API endpoints by role."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import Role

CASE_READERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER})
CASE_WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR})


def can_read_cases(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) in CASE_READERS)


def can_work_cases(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) in CASE_WORKERS)


class IsStaff(BasePermission):
    """Any authenticated staff account with a role. Which objects it sees is the selector's job."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and getattr(request.user, "role", None))
