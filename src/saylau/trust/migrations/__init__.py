"""Alembic revisions of the ``trust`` branch (found by the store's migration runner)."""
