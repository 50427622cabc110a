"""Writes of privacy operations, one module per area."""
