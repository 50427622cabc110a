"""DRF permission classes. Who may do what is decided in ``complaints.access`` (the capability
map); these only let an authenticated account with a role through to the view, which then asks
the access layer about the object."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .access import is_staff_member


class IsStaff(BasePermission):
    """Any authenticated account with a role. Which objects it reaches is the access layer's job."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)
