"""Stop the real Neo4j in the middle of an ingestion run, start it again: the run retries,
resumes and ends with the same graph as an uninterrupted run."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.api.test_crash_safety import ROOT, _clean_run, _corpus, _env, _graph, _ingest_cmd

SCRIPT = ROOT / "scripts" / "neo4j.py"


def _neo4j(*args: str) -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.neo4j
def test_neo4j_outage_mid_run_is_survived(neo4j_server, neo4j_store, tmp_path):
    if neo4j_server.data_dir is None:
        pytest.skip("needs the server this session started (it is stopped and restarted)")
    from kg.embedded import EmbeddedStore

    corpus = _corpus(tmp_path / "corpus", 40)
    ref = tmp_path / "reference"
    _clean_run(corpus, _env(f"embedded:{ref}"))
    reference = _graph(EmbeddedStore(ref))

    env = _env(
        neo4j_server.uri,
        {
            "MEDKG_NEO4J_PASSWORD": neo4j_server.password,
            "MEDKG_STORE_RETRY_SECONDS": "240",
        },
    )
    proc = subprocess.Popen(
        [*_ingest_cmd(corpus), "--batch-size", "2"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    port = neo4j_server.uri.rsplit(":", 1)[1]
    try:
        deadline = time.time() + 180
        while time.time() < deadline and neo4j_store.counts().documents < 4:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            time.sleep(0.2)
        assert neo4j_store.counts().documents >= 4, "ingestion never got going"
        _neo4j("stop", "--data", str(neo4j_server.data_dir))
        time.sleep(3)
        assert proc.poll() is None, "ingestion gave up instead of retrying"
        _neo4j("start", "--data", str(neo4j_server.data_dir), "--port", port,
               "--password", neo4j_server.password)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    # It saw the outage: our backoff ("retrying") or the driver's own ("will be retried").
    assert "retrying" in err or "will be retried" in err
    assert _graph(neo4j_store)[:3] == reference[:3]
    assert _graph(neo4j_store)[3] == reference[3]
