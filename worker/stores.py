"""Open the state store that --state / DELIVERY_SYNC_STATE names: a SQLite path (the default,
embedded) or a postgresql:// URL (shared by replicas, DESIGN §8)."""

from __future__ import annotations

from worker.state import StateStore, open_sqlite

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def is_postgres(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def open_state(location: str, *, read_only: bool = False) -> StateStore:
    """The store at `location`. `read_only`: an in-memory SQLite copy of it, for the commands
    whose writes must not last (`report`, `run --dry-run`)."""
    if is_postgres(location):
        from worker.state_pg import open_postgres  # psycopg is loaded only for PostgreSQL

        return open_postgres(location, read_only=read_only)
    return open_sqlite(location, read_only=read_only)
