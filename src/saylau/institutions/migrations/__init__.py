"""Alembic revisions of the institutions tables (branch "institutions")."""
