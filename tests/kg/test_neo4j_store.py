"""Neo4j-specific behaviour of ``Neo4jStore`` on the real server the session starts.

The shared semantics are in test_store_conformance.py; here: the same random workload on
both adapters must give identical answers, atomicity of a failed batch, chunking, paging,
concurrent writers, schema and error mapping.
"""

from __future__ import annotations

import random
import socket
import threading

import pytest

from kg import cypher
from kg.biolink import DOMAIN_RANGE
from kg.embedded import EmbeddedStore
from kg.errors import StoreError, StoreUnavailableError
from kg.model import (
    KEY_QUALIFIERS,
    Entity,
    EntityType,
    LedgerEntry,
    Predicate,
    ResponseDirection,
    SourceKind,
    Statement,
    TargetAction,
    WriteBatch,
)
from kg.neo4j_store import Neo4jStore
from tests.kg.factories import ABL1, ALL, CML, IMATINIB, KIT, evidence, mention, targets, treats

pytestmark = pytest.mark.neo4j

WORDS = ("kinase", "alpha", "beta", "receptor", "tumor", "acid", "inhibitor", "syndrome", "ab")


def _random_entities(rng: random.Random) -> list[Entity]:
    prefix = {
        EntityType.DRUG: "MESH:D",
        EntityType.DISEASE: "MESH:C",
        EntityType.GENE: "NCBIGene:",
        EntityType.VARIANT: "dbSNP:rs",
    }
    out = []
    for etype in EntityType:
        for i in range(6):
            name = " ".join(rng.sample(WORDS, 2)) + f" {etype.value.lower()}{i}"
            syns = tuple(rng.sample(WORDS, rng.randint(0, 2)))
            out.append(Entity(f"{prefix[etype]}{i:03d}", etype, name, syns, (f"X:{i}",)))
    return out


def _random_statement(rng: random.Random, by_type: dict[EntityType, list[Entity]]) -> Statement:
    pred = rng.choice(list(Predicate))
    domain, range_ = DOMAIN_RANGE[pred]
    s = rng.choice(by_type[rng.choice(sorted(domain))])
    o = rng.choice(by_type[rng.choice(sorted(range_))])
    quals = {}
    if "action" in KEY_QUALIFIERS.get(pred, ()):
        quals["action"] = rng.choice(list(TargetAction)).value
    if "direction" in KEY_QUALIFIERS.get(pred, ()):
        quals["direction"] = rng.choice(list(ResponseDirection)).value
    return Statement.make(s.id, pred, o.id, **quals)


def _random_batches(seed: int) -> list[WriteBatch]:
    rng = random.Random(seed)
    ents = _random_entities(rng)
    by_type: dict[EntityType, list[Entity]] = {
        t: [e for e in ents if e.type is t] for t in EntityType
    }
    docs = [f"PMID:{i}" for i in range(12)]
    batches = [WriteBatch(entities=tuple(ents))]
    for b in range(8):
        sts = [_random_statement(rng, by_type) for _ in range(rng.randint(5, 25))]
        evs = []
        for st in sts:
            for _ in range(rng.randint(0, 3)):
                evs.append(
                    evidence(
                        st,
                        rng.choice(docs),
                        start=rng.randint(0, 3) * 50,
                        score=round(rng.uniform(0.3, 1.0), 3),
                        extractor=rng.choice(("re", "label-rules")),
                        kind=rng.choice(list(SourceKind)),
                        negated=rng.random() < 0.1,
                        section=rng.choice(("abstract", None)),
                    )
                )
        mentions = [
            mention(
                rng.choice(docs),
                f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                rng.choice(list(EntityType)),
                start=rng.randint(0, 5) * 20,
                extractor=rng.choice(("re", "ner")),
                score=round(rng.uniform(0.3, 1.0), 3),
                section=rng.choice(("abstract", None)),
            )
            for _ in range(rng.randint(0, 6))
        ]
        replace = tuple(rng.sample(docs, rng.randint(0, 2))) if b else ()
        batches.append(
            WriteBatch(
                # Re-sent entities with extra synonyms exercise the merge rules.
                entities=tuple(
                    Entity(e.id, e.type, rng.choice((e.name, "")), (f"syn{b}",))
                    for e in rng.sample(ents, 3)
                ),
                statements=tuple(sts),
                evidence=tuple(evs),
                mentions=tuple(mentions),
                ledger=tuple(
                    LedgerEntry(d, f"h{b}", ("re@1",), "2026-01-01T00:00:00Z", "pubmed")
                    for d in sorted({e.document_id for e in evs})
                ),
                replace_documents=replace,
                replace_extractors=("re",) if rng.random() < 0.5 else (),
            )
        )
    batches.append(batches[3])  # a repeated batch must change nothing
    return batches


def _snapshot(store) -> dict:
    ents = sorted(store.iter_entities(), key=lambda e: e.id)
    ids = [e.id for e in ents]
    statements = sorted(store.iter_statements(), key=lambda row: row[0].key)
    keys = [st.key for st, _, _ in statements]
    return {
        "counts": store.counts().as_dict(),
        "entities": ents,
        "statements": statements,
        "evidence": store.evidence(keys),
        "evidence_top1": store.evidence(keys, limit=1),
        "ledger": sorted(store.iter_ledger(), key=lambda x: x.document_id),
        "neighbours": store.neighbours(ids),
        "page": store.neighbours(ids, direction="out", limit=2, offset=1),
        "typed": store.neighbours(
            ids, predicates=[Predicate.TARGETS], other_types=[EntityType.GENE]
        ),
        "counts_in": store.count_neighbours(ids, direction="in"),
        "mentions": store.unlinked_mentions(limit=1000),
        "mentions_page": store.unlinked_mentions(text="a", limit=3, offset=2),
        "mentions_filtered": {
            (t, d): store.unlinked_mentions(type=t, document_id=d)
            for t in EntityType
            for d in ("PMID:1", "PMID:2")
        },
        "mentions_count": {q: store.count_unlinked_mentions(text=q) for q in WORDS},
        "mentions_all": sorted(store.iter_mentions(), key=lambda m: m.key),
        "find": {q: store.find_entities(q, limit=4) for q in (*WORDS, "a", "gene", "mesh:d0")},
        # Typed look-ups where the exact/prefix hits of all types already fill the limit.
        "find_typed": {
            (q, t): store.find_entities(q, types=[t], limit=3) for q in WORDS for t in EntityType
        },
    }


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 2026])
def test_random_workload_matches_embedded_store(neo4j_store, tmp_path, seed):
    embedded = EmbeddedStore(tmp_path / "graph")
    neo4j_store.batch_size = 3  # force many UNWIND chunks per transaction
    for batch in _random_batches(seed):
        assert neo4j_store.apply(batch) == embedded.apply(batch)
    want, got = _snapshot(embedded), _snapshot(neo4j_store)
    assert want["statements"], "the workload should leave statements behind"
    assert want["mentions"] and want["mentions_page"], "and unlinked mentions"
    for part in want:
        assert got[part] == want[part], part


def test_failed_batch_leaves_no_trace(neo4j_store, monkeypatch):
    """A failure after entities and evidence were written rolls the whole batch back."""
    t1 = targets(IMATINIB, ABL1)
    ledger = (LedgerEntry("PMID:1", "h", ("re@1",), "2026-01-01T00:00:00Z"),)
    batch = WriteBatch(
        entities=ALL,
        statements=(t1,),
        evidence=(evidence(t1, "PMID:1"),),
        ledger=ledger,
        mentions=(mention("PMID:1", "Glorpamab"),),
    )
    monkeypatch.setattr(cypher, "UPSERT_LEDGER", "UNWIND $rows AS row RETURN 1/0")
    with pytest.raises(StoreError):
        neo4j_store.apply(batch)
    c = neo4j_store.counts()
    assert (c.nodes, c.edges, c.evidence, c.documents, c.unlinked_mentions) == ({}, {}, 0, 0, 0)
    monkeypatch.undo()
    assert neo4j_store.apply(batch).statements_added == 1
    assert neo4j_store.counts().documents == 1


def test_large_batch_is_chunked_in_one_transaction(neo4j_store):
    neo4j_store.batch_size = 7
    genes = tuple(Entity(f"NCBIGene:{i}", EntityType.GENE, f"gene {i}") for i in range(1, 61))
    sts = tuple(targets(IMATINIB, g) for g in genes)
    evs = tuple(evidence(st, f"PMID:{i % 9}") for i, st in enumerate(sts))
    result = neo4j_store.apply(
        WriteBatch(entities=(IMATINIB, *genes), statements=sts, evidence=evs)
    )
    assert (result.entities_added, result.statements_added, result.evidence_added) == (61, 60, 60)
    assert neo4j_store.count_neighbours([IMATINIB.id]) == {IMATINIB.id: 60}
    page = neo4j_store.neighbours([IMATINIB.id], limit=10, offset=55)[IMATINIB.id]
    assert len(page) == 5


def test_iterators_page_through_everything(neo4j_store):
    neo4j_store.page_rows = 3
    ms = tuple(mention(f"PMID:{i}", f"glorp {i}") for i in range(7))
    neo4j_store.apply(WriteBatch(mentions=ms))
    assert sorted(m.key for m in neo4j_store.iter_mentions()) == sorted(m.key for m in ms)
    t1, t2, tr = targets(IMATINIB, ABL1), targets(IMATINIB, KIT), treats(IMATINIB, CML)
    evs = tuple(evidence(st, f"PMID:{i}") for i, st in enumerate((t1, t2, tr, t1, t2)))
    ledger = tuple(
        LedgerEntry(f"PMID:{i}", "h", ("re@1",), "2026-01-01T00:00:00Z") for i in range(7)
    )
    neo4j_store.apply(
        WriteBatch(entities=ALL, statements=(t1, t2, tr), evidence=evs, ledger=ledger)
    )
    assert sorted(e.id for e in neo4j_store.iter_entities()) == sorted(e.id for e in ALL)
    assert len(list(neo4j_store.iter_ledger())) == 7
    assert len(list(neo4j_store.iter_evidence())) == 5
    assert {st.key for st, _, _ in neo4j_store.iter_statements()} == {t1.key, t2.key, tr.key}


def test_concurrent_writers_do_not_lose_support(neo4j_server, neo4j_store):
    """Writers queue on the lock node, so evidence counts never race."""
    t1 = targets(IMATINIB, ABL1)
    neo4j_store.apply(WriteBatch(entities=(IMATINIB, ABL1)))
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        store = Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
        try:
            for i in range(5):
                ev = evidence(t1, f"PMID:{worker}-{i}")
                store.apply(WriteBatch(statements=(t1,), evidence=(ev,)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    edge = neo4j_store.neighbours([IMATINIB.id])[IMATINIB.id][0]
    assert (edge.evidence_count, edge.document_count) == (15, 15)


def test_schema_is_created_once_and_idempotently(neo4j_server, neo4j_store):
    neo4j_store.ping()
    again = Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
    try:
        again.counts()  # runs every CREATE ... IF NOT EXISTS a second time
        with again._driver.session() as s:
            names = {r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name")}
    finally:
        again.close()
    assert {"entity_id", "evidence_id", "document_id", "statement_key_targets", "mention_key"} <= names


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_store_unavailable():
    store = Neo4jStore(f"bolt://127.0.0.1:{_closed_port()}", password="x", connection_timeout=2)
    try:  # constructing connected to nothing; the first call does
        with pytest.raises(StoreUnavailableError):
            store.ping()
        with pytest.raises(StoreUnavailableError):
            store.get_entities(["MESH:D000068877"])
    finally:
        store.close()


def test_wrong_password_is_a_store_error_not_unavailable(neo4j_server):
    store = Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password="wrong-password")
    try:
        with pytest.raises(StoreError) as info:
            store.counts()
        assert not isinstance(info.value, StoreUnavailableError)
    finally:
        store.close()
