from tests.web.conftest import case, desk  # noqa: F401 - the desk's fixtures, shared

__all__ = ["case", "desk"]
