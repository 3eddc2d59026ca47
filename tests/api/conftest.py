"""API fixtures: the test graph in a store (both adapters via ``store``) and ways to query it."""

from __future__ import annotations

from typing import Any

import pytest

from kg.settings import Settings
from tests.api import graph

API_KEY = "test-key-0123456789"


@pytest.fixture
def api_settings() -> Settings:
    return Settings(api_key=API_KEY, max_page_size=50, default_page_size=10)


@pytest.fixture
def graph_store(store):
    """The shared ``store`` fixture (embedded, and Neo4j when it runs) holding tests/api/graph.py."""
    store.apply(graph.build())
    return store


@pytest.fixture
def embedded_graph(tmp_path):
    """The test graph in an embedded store only: for tests about the API layer itself."""
    from kg.embedded import EmbeddedStore

    s = EmbeddedStore(tmp_path / "graph")
    s.apply(graph.build())
    yield s
    s.close()


def make_service(store, settings: Settings, **kw: Any):
    from api.execution import QueryService

    return QueryService(settings, lambda: store, **kw)


@pytest.fixture
def gql(graph_store, api_settings):
    """Run a query against the graph on every store; returns the response body."""
    service = make_service(graph_store, api_settings)

    def run(query: str, variables: dict | None = None, **kw: Any) -> dict:
        return service.execute(query, variables, **kw).body

    run.service = service  # type: ignore[attr-defined]
    return run


@pytest.fixture
def egql(embedded_graph, api_settings):
    """Like ``gql``, on the embedded store only."""
    service = make_service(embedded_graph, api_settings)

    def run(query: str, variables: dict | None = None, **kw: Any) -> dict:
        return service.execute(query, variables, **kw).body

    run.service = service  # type: ignore[attr-defined]
    return run


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
