"""Shared fixtures. The ``store`` fixture runs each conformance test on every adapter."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.neo4j_fixture"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    if request.param == "embedded":
        from kg.embedded import EmbeddedStore

        s = EmbeddedStore(tmp_path / "graph")
        yield s
        s.close()
        return
    neo4j_store = request.getfixturevalue("neo4j_store")
    yield neo4j_store
