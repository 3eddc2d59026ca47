"""Kill -9 at random points during real ingestion; the restarted run must end in the
graph an uninterrupted run produces. Also the re-ingest contract, on both stores.

Runs the real CLI and the real model pipeline (the tiny committed NER and RE models, so
that a run takes seconds) on BC5CDR training abstracts plus shipped drug labels.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CDR = ROOT / "tests" / "fixtures" / "ingest" / "cdr_train_200.PubTator.txt"
LABELS = sorted((ROOT / "samples").glob("spl/*"))[:2]
KILLS = int(os.environ.get("MEDKG_KILL_POINTS", "20"))


def _corpus(dst: Path, n_abstracts: int) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    blocks = CDR.read_text().strip().split("\n\n")[:n_abstracts]
    (dst / "cdr.PubTator.txt").write_text("\n\n".join(blocks) + "\n")
    for label in LABELS:
        shutil.copy(label, dst / label.name)
    return dst


def _env(store_uri: str, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(
        MEDKG_STORE=store_uri,
        MEDKG_NER_MODEL=str(ROOT / "tests" / "assets" / "tiny-ner"),
        MEDKG_RE_MODEL=str(ROOT / "tests" / "assets" / "tiny-re" / "model"),
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS="1",
    )
    env.update(extra or {})
    return env


def _ingest_cmd(corpus: Path) -> list[str]:
    return [sys.executable, "-m", "api.cli", "ingest", str(corpus), "--batch-size", "4", "--json"]


def _graph(store) -> tuple:
    """Node, edge, evidence and unlinked-mention sets, compared exactly (scores to 4
    decimals); the ledger last."""
    entities = sorted((e.id, e.type.value, e.name) for e in store.iter_entities())
    statements = sorted((st.key, round(c, 4), n) for st, c, n in store.iter_statements())
    evidence = sorted((e.id, round(e.score, 4), e.negated, e.speculative) for e in store.iter_evidence())
    mentions = sorted(
        (m.key, m.text, m.sentence_start, m.extractor_version, round(m.score, 4))
        for m in store.iter_mentions()
    )
    ledger = sorted((x.document_id, x.content_hash, x.extractors, x.status) for x in store.iter_ledger())
    return entities, statements, evidence, mentions, ledger


def _clean_run(corpus: Path, env: dict) -> dict:
    out = subprocess.run(_ingest_cmd(corpus), env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def _store_pair(request, tmp_path, name: str):
    """(store object, MEDKG_STORE uri) for the parametrised kind."""
    if request.param == "embedded":
        from kg.embedded import EmbeddedStore

        path = tmp_path / name
        return EmbeddedStore(path), f"embedded:{path}", {}
    store = request.getfixturevalue("neo4j_store")
    server = request.getfixturevalue("neo4j_server")
    return store, server.uri, {"MEDKG_NEO4J_PASSWORD": server.password, "MEDKG_NEO4J_USER": server.user}


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def kind(request):
    return request


@pytest.mark.slow
def test_kill_minus_nine_at_random_points_gives_the_clean_graph(kind, tmp_path):
    corpus = _corpus(tmp_path / "corpus", 60)
    from kg.embedded import EmbeddedStore

    # Reference: an uninterrupted run into a fresh embedded store.
    ref_path = tmp_path / "reference"
    ref_report = _clean_run(corpus, _env(f"embedded:{ref_path}"))
    assert ref_report["documents"]["new"] == 62 and ref_report["statements"]["added"] > 0
    reference = _graph(EmbeddedStore(ref_path))
    assert reference[3], "the tiny NER model leaves some mentions unlinked in this corpus"

    store, uri, extra = _store_pair(kind, tmp_path, "killed")
    env = _env(uri, extra)
    rng = random.Random(20261126)
    total = ref_report["documents"]["new"]
    # Kill points spread over the run's progress (documents committed), not wall time:
    # restarted runs have less left to do, so a time-based kill would mostly miss them.
    targets = sorted(rng.randrange(0, total) for _ in range(KILLS))
    kills = 0
    for target in targets:
        proc = subprocess.Popen(_ingest_cmd(corpus), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 600
        while proc.poll() is None and time.time() < deadline and store.counts().documents < target:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.4))  # anywhere inside the next batch, or model loading
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=120)
    final = subprocess.run(_ingest_cmd(corpus), env=env, capture_output=True, text=True, timeout=900)
    assert final.returncode == 0, final.stderr[-3000:]
    assert kills >= min(5, KILLS), f"only {kills} runs were still going when killed"
    assert _graph(store)[:4] == reference[:4]
    # Same documents, hashes and extractor versions in the ledger (timestamps differ).
    assert _graph(store)[4] == reference[4]


@pytest.mark.slow
def test_reingest_adds_nothing_and_a_change_touches_only_its_document(kind, tmp_path):
    corpus = _corpus(tmp_path / "corpus", 12)
    store, uri, extra = _store_pair(kind, tmp_path, "g")
    env = _env(uri, extra)
    first = _clean_run(corpus, env)
    before = _graph(store)
    second = _clean_run(corpus, env)
    assert second["documents"]["unchanged"] == first["documents"]["new"] == 14
    assert second["statements"] == {"added": 0, "removed": 0}
    assert second["evidence"] == {"added": 0, "removed": 0}
    assert second["unlinked_mentions"] == {"added": 0, "removed": 0}
    assert _graph(store) == before

    # Revise one abstract: only that document's evidence may change.
    before_ev = {e.id: e.document_id for e in store.iter_evidence()}
    before_m = {m.key: m.document_id for m in store.iter_mentions()}
    path = corpus / "cdr.PubTator.txt"
    blocks = path.read_text().strip().split("\n\n")
    pmid = blocks[3].split("|", 1)[0]
    lines = blocks[3].split("\n")
    lines[1] = lines[1] + " Revised: aspirin was associated with bleeding in this cohort."
    blocks[3] = "\n".join(lines)
    path.write_text("\n\n".join(blocks) + "\n")
    third = _clean_run(corpus, env)
    assert third["documents"]["changed"] == 1 and third["documents"]["unchanged"] == 13
    after_ev = {e.id: e.document_id for e in store.iter_evidence()}
    changed = set(after_ev) ^ set(before_ev)
    untouched = {i: d for i, d in before_ev.items() if d != f"PMID:{pmid}"}
    assert all(after_ev.get(i) == d for i, d in untouched.items())
    assert all((after_ev.get(i) or before_ev.get(i)) == f"PMID:{pmid}" for i in changed)
    after_m = {m.key: m.document_id for m in store.iter_mentions()}
    assert {k: d for k, d in after_m.items() if d != f"PMID:{pmid}"} == {
        k: d for k, d in before_m.items() if d != f"PMID:{pmid}"
    }


@pytest.mark.slow
def test_two_workers_build_the_same_graph_as_one(tmp_path):
    from kg.embedded import EmbeddedStore

    corpus = _corpus(tmp_path / "corpus", 16)
    one, two = tmp_path / "one", tmp_path / "two"
    _clean_run(corpus, _env(f"embedded:{one}"))
    out = subprocess.run([*_ingest_cmd(corpus), "--workers", "2"], env=_env(f"embedded:{two}"),
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert _graph(EmbeddedStore(two))[:4] == _graph(EmbeddedStore(one))[:4]
