"""Reference data the intake reads on every complaint, kept per process (occ.refcache)."""

from __future__ import annotations

from occ.refcache import ProcessCopy

from .models import Category


def _load_categories() -> dict[str, Category]:
    return {c.code: c for c in Category.objects.filter(is_active=True)}


active_categories: ProcessCopy[dict[str, Category]] = ProcessCopy(
    _load_categories, models=("complaints.Category",)
)


def category_active(code: str) -> Category | None:
    """The active category with this code, without a query (None when there is none)."""
    return active_categories.get().get(code)
