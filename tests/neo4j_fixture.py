"""pytest plugin: a real Neo4j for the test session (loaded from tests/conftest.py).

``neo4j_server`` (session) starts Neo4j through ``scripts/neo4j.py`` on a free port with a
throw-away data dir, and stops it when the session ends. With ``MEDKG_TEST_NEO4J_URI`` set
it uses that server instead (``MEDKG_TEST_NEO4J_PASSWORD``, ``MEDKG_TEST_NEO4J_USER``).

``neo4j_store`` (function) is a ``Neo4jStore`` on it, wiped before each test.

A Neo4j that cannot start fails the tests that need it (in CI and locally);
``MEDKG_SKIP_NEO4J=1`` turns that into a skip, never in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "neo4j.py"
TEST_PASSWORD = "medkg-test-password"
START_TIMEOUT_S = 180  # first start on 2 busy cores, plus a Maven build on a fresh machine


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str
    started_in_s: float | None  # None when an external server was reused
    data_dir: Path | None = None  # what scripts/neo4j.py was given; None for an external one


def _unavailable(reason: str) -> None:
    if os.environ.get("MEDKG_SKIP_NEO4J") == "1" and not os.environ.get("CI"):
        pytest.skip(f"Neo4j unavailable ({reason}); skipped because MEDKG_SKIP_NEO4J=1")
    pytest.fail(
        f"Neo4j unavailable: {reason}\n"
        "Set MEDKG_TEST_NEO4J_URI to use a running server, or MEDKG_SKIP_NEO4J=1 to skip "
        "(never honoured in CI).",
        pytrace=False,
    )


def _script(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


STARTED_IN = pytest.StashKey[float]()


@pytest.fixture(scope="session")
def neo4j_server(pytestconfig):
    external = os.environ.get("MEDKG_TEST_NEO4J_URI")
    if external:
        yield Neo4jServer(
            external,
            os.environ.get("MEDKG_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("MEDKG_TEST_NEO4J_PASSWORD", TEST_PASSWORD),
            None,
        )
        return

    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="medkg-neo4j-"))
    common = ["--data", str(data), "--port", str(port), "--password", TEST_PASSWORD]
    t0 = time.monotonic()
    try:
        proc = _script(
            "start", *common, "--timeout", str(START_TIMEOUT_S), timeout=START_TIMEOUT_S + 600
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _script("stop", "--data", str(data), timeout=120)
        shutil.rmtree(data, ignore_errors=True)
        _unavailable(f"scripts/neo4j.py start did not finish: {exc}")
    if proc.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        _unavailable(f"scripts/neo4j.py start exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    server = Neo4jServer(
        proc.stdout.strip().splitlines()[-1], "neo4j", TEST_PASSWORD, time.monotonic() - t0, data
    )
    pytestconfig.stash[STARTED_IN] = server.started_in_s
    try:
        yield server
    finally:
        _script("stop", "--data", str(data), timeout=180)
        shutil.rmtree(data, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def neo4j_store(neo4j_server):
    from kg.errors import StoreError
    from kg.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
    try:
        store.clear()
    except StoreError as exc:
        store.close()
        _unavailable(f"cannot clear the test graph at {neo4j_server.uri}: {exc}")
    yield store
    store.close()


def pytest_report_header(config):
    if os.environ.get("MEDKG_TEST_NEO4J_URI"):
        return f"neo4j: external server {os.environ['MEDKG_TEST_NEO4J_URI']}"
    return "neo4j: started by the session via scripts/neo4j.py (when a test needs it)"


def pytest_terminal_summary(terminalreporter, config):
    started = config.stash.get(STARTED_IN, None)
    if started is not None:
        terminalreporter.write_line(f"neo4j: test server ready in {started:.1f}s")
