"""Composition helper: build the configured store adapter from settings."""

from __future__ import annotations

from kg.settings import Settings
from kg.store import GraphStore


def open_store(settings: Settings) -> GraphStore:
    if settings.store_kind == "embedded":
        from kg.embedded import EmbeddedStore

        return EmbeddedStore(settings.embedded_path)
    from kg.neo4j_store import Neo4jStore  # imported lazily: the driver is only needed here

    return Neo4jStore(
        settings.store,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        database=settings.neo4j_database,
        batch_size=settings.store_batch_size,
    )
