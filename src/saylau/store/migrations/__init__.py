"""Alembic migrations of the saylau store (run programmatically by ``Store.open``)."""
