"""scripts/neo4j.py: idempotent start, status, stop, and a clean restart that keeps data."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kg.model import WriteBatch
from kg.neo4j_store import Neo4jStore
from tests.kg.factories import IMATINIB
from tests.neo4j_fixture import SCRIPT, TEST_PASSWORD

pytestmark = pytest.mark.neo4j


def neo4j_py(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def own_server(neo4j_server):
    if neo4j_server.data_dir is None:
        pytest.skip("MEDKG_TEST_NEO4J_URI points at a server this session did not start")
    return neo4j_server


def test_start_is_idempotent_and_status_reports_running(own_server):
    data = str(own_server.data_dir)
    port = own_server.uri.rsplit(":", 1)[1]
    pid = json.loads((own_server.data_dir / "neo4j.json").read_text())["pid"]
    again = neo4j_py("start", "--data", data, "--port", port, "--password", TEST_PASSWORD)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == own_server.uri
    assert "already running" in again.stderr
    assert json.loads((own_server.data_dir / "neo4j.json").read_text())["pid"] == pid
    status = neo4j_py("status", "--data", data, "--password", TEST_PASSWORD)
    assert status.returncode == 0 and f"pid {pid}" in status.stdout


def test_start_refuses_a_port_in_use(own_server, tmp_path):
    port = own_server.uri.rsplit(":", 1)[1]
    proc = neo4j_py("start", "--data", str(tmp_path), "--port", port, "--password", TEST_PASSWORD)
    assert proc.returncode == 1
    assert "already in use" in proc.stderr
    assert not (tmp_path / "neo4j.pid").exists()


def test_status_and_stop_of_a_stopped_dir_and_a_stale_pid_file(tmp_path):
    assert neo4j_py("status", "--data", str(tmp_path)).returncode == 3
    # A pid file naming a live process that is not Neo4j (this test run) is stale.
    (tmp_path / "neo4j.pid").write_text(f"{os.getpid()}\n")
    status = neo4j_py("status", "--data", str(tmp_path))
    assert status.returncode == 3 and "stopped" in status.stdout
    assert not (tmp_path / "neo4j.pid").exists()
    stop = neo4j_py("stop", "--data", str(tmp_path))
    assert stop.returncode == 0 and "not running" in stop.stderr


def test_short_password_is_refused_before_starting(tmp_path):
    proc = neo4j_py("start", "--data", str(tmp_path), "--password", "short")
    assert proc.returncode == 2 and "at least 8" in proc.stderr


@pytest.mark.slow
def test_stop_is_clean_and_a_restart_keeps_the_data(own_server, tmp_path):
    """A second server: SIGTERM runs the shutdown hook; the data survives a restart."""
    from tests.neo4j_fixture import _free_port

    args = ["--data", str(tmp_path), "--port", str(_free_port()), "--password", TEST_PASSWORD]
    started = neo4j_py("start", *args)
    assert started.returncode == 0, started.stderr
    uri = started.stdout.strip()
    try:
        store = Neo4jStore(uri, password=TEST_PASSWORD)
        store.apply(WriteBatch(entities=(IMATINIB,)))
        store.close()
        stopped = neo4j_py("stop", "--data", str(tmp_path))
        assert stopped.returncode == 0 and "(killed)" not in stopped.stderr
        assert "STOPPING" in (tmp_path / "neo4j.log").read_text()
        assert neo4j_py("status", "--data", str(tmp_path)).returncode == 3

        assert neo4j_py("start", *args).returncode == 0
        store = Neo4jStore(uri, password=TEST_PASSWORD)
        assert store.get_entities([IMATINIB.id]) == {IMATINIB.id: IMATINIB}
        store.close()
    finally:
        neo4j_py("stop", "--data", str(tmp_path))
