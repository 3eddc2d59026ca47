"""One conformance suite, run against every store adapter (see the ``store`` fixture)."""

from __future__ import annotations

import pytest

from kg.confidence import combine
from kg.errors import StoreError
from kg.model import (
    Entity,
    EntityType,
    LedgerEntry,
    Predicate,
    SourceKind,
    Statement,
    WriteBatch,
)
from tests.kg.factories import (
    ABL1,
    ALL,
    ASPIRIN,
    BLEEDING,
    CML,
    GIST,
    IMATINIB,
    KIT,
    WARFARIN,
    evidence,
    targets,
    treats,
)


def _base(store) -> tuple[Statement, Statement, Statement]:
    t1, t2, tr = targets(IMATINIB, ABL1), targets(IMATINIB, KIT), treats(IMATINIB, CML)
    store.apply(
        WriteBatch(
            entities=ALL,
            statements=(t1, t2, tr),
            evidence=(
                evidence(t1, "PMID:1"),
                evidence(t1, "PMID:2", score=0.7),
                evidence(t2, "PMID:1", start=40),
                evidence(tr, "PMID:3"),
            ),
            ledger=tuple(
                LedgerEntry(d, "h" + d, ("test-re@1",), "2026-01-01T00:00:00Z", "pubmed")
                for d in ("PMID:1", "PMID:2", "PMID:3")
            ),
        )
    )
    return t1, t2, tr


def test_counts_after_first_write(store):
    _base(store)
    c = store.counts()
    assert c.nodes == {"Drug": 3, "Gene": 2, "Disease": 3}
    assert c.edges == {"TARGETS": 2, "TREATS": 1}
    assert c.documents == 3
    assert c.evidence == 4


def test_same_batch_twice_changes_nothing(store):
    t1, _, _ = _base(store)
    before = store.counts()
    again = WriteBatch(entities=ALL, statements=(t1,), evidence=(evidence(t1, "PMID:1"),))
    result = store.apply(again)
    assert result.statements_added == 0 and result.evidence_added == 0
    assert result.entities_added == 0
    assert store.counts() == before


def test_new_evidence_accumulates_on_existing_statement(store):
    t1, _, _ = _base(store)
    result = store.apply(WriteBatch(statements=(t1,), evidence=(evidence(t1, "PMID:9"),)))
    assert result.statements_added == 0 and result.evidence_added == 1
    evs = store.evidence([t1.key])[t1.key]
    assert sorted(e.document_id for e in evs) == ["PMID:1", "PMID:2", "PMID:9"]


def test_entity_upsert_merges_synonyms(store):
    store.apply(WriteBatch(entities=(IMATINIB,)))
    store.apply(
        WriteBatch(entities=(Entity(IMATINIB.id, EntityType.DRUG, "imatinib", ("CGP 57148",)),))
    )
    got = store.get_entities([IMATINIB.id])[IMATINIB.id]
    assert got.name == "imatinib"
    assert set(got.synonyms) == {"Gleevec", "STI-571", "CGP 57148"}


def test_get_entities_skips_unknown_ids(store):
    store.apply(WriteBatch(entities=(IMATINIB, ABL1)))
    got = store.get_entities([IMATINIB.id, "MESH:D999999", ABL1.id])
    assert set(got) == {IMATINIB.id, ABL1.id}
    assert got[ABL1.id] == ABL1


@pytest.mark.parametrize(
    "query, expected",
    [("imatinib", IMATINIB.id), ("GLEEVEC", IMATINIB.id), ("sti-571", IMATINIB.id), ("NCBIGene:25", ABL1.id)],
)
def test_find_entities_by_name_synonym_and_id(store, query, expected):
    store.apply(WriteBatch(entities=ALL))
    assert store.find_entities(query)[0].id == expected


def test_find_entities_filters_types_and_limits(store):
    store.apply(WriteBatch(entities=ALL))
    assert [e.id for e in store.find_entities("imat", types=[EntityType.GENE], limit=5)] == []
    genes = store.find_entities("K", types=[EntityType.GENE])
    assert [g.id for g in genes] == [KIT.id]
    assert len(store.find_entities("a", limit=2)) == 2


def test_neighbours_direction_predicate_and_order(store):
    t1, t2, tr = _base(store)
    out = store.neighbours([IMATINIB.id], predicates=[Predicate.TARGETS], direction="out")[IMATINIB.id]
    # ABL1 has two documents of support, KIT one: ABL1 first.
    assert [e.other.id for e in out] == [ABL1.id, KIT.id]
    assert out[0].statement == t1 and out[0].statement.qualifier("action") == "inhibitor"
    assert out[0].evidence_count == 2 and out[0].document_count == 2
    assert out[0].direction == "out"
    inbound = store.neighbours([ABL1.id], direction="in")[ABL1.id]
    assert [(e.other.id, e.direction) for e in inbound] == [(IMATINIB.id, "in")]
    assert store.neighbours([ABL1.id], direction="out")[ABL1.id] == []


def test_neighbours_batch_pagination_and_counts(store):
    _base(store)
    got = store.neighbours([IMATINIB.id, CML.id, "MESH:nope"], limit=1, offset=1)
    assert len(got[IMATINIB.id]) == 1 and got[CML.id] == [] and got["MESH:nope"] == []
    full = store.neighbours([IMATINIB.id])[IMATINIB.id]
    assert got[IMATINIB.id][0] == full[1]
    counts = store.count_neighbours([IMATINIB.id, CML.id], other_types=[EntityType.GENE])
    assert counts == {IMATINIB.id: 2, CML.id: 0}


def test_confidence_matches_documented_formula(store):
    t1, _, _ = _base(store)
    edge = store.neighbours([IMATINIB.id], predicates=[Predicate.TARGETS])[IMATINIB.id][0]
    assert edge.confidence == pytest.approx(combine(store.evidence([t1.key])[t1.key]))
    assert edge.confidence == pytest.approx(1 - (1 - 0.8 * 0.9) * (1 - 0.8 * 0.7))


def test_replace_document_evidence_prunes_orphan_statements(store):
    t1, t2, tr = _base(store)
    result = store.apply(WriteBatch(replace_documents=("PMID:1",)))
    assert result.evidence_removed == 2
    assert result.statements_removed == 1  # t2 had evidence only from PMID:1
    assert store.evidence([t1.key])[t1.key][0].document_id == "PMID:2"
    assert store.counts().edges == {"TARGETS": 1, "TREATS": 1}
    assert store.neighbours([KIT.id])[KIT.id] == []


def test_replace_only_one_extractors_evidence(store):
    t1, _, _ = _base(store)
    store.apply(
        WriteBatch(statements=(t1,), evidence=(evidence(t1, "PMID:1", extractor="label-rules"),))
    )
    new = evidence(t1, "PMID:1", extractor="test-re", version="2", score=0.5)
    store.apply(
        WriteBatch(
            statements=(t1,),
            evidence=(new,),
            replace_documents=("PMID:1",),
            replace_extractors=("test-re",),
        )
    )
    evs = store.evidence([t1.key])[t1.key]
    pmid1 = sorted((e.extractor, e.extractor_version) for e in evs if e.document_id == "PMID:1")
    assert pmid1 == [("label-rules", "1"), ("test-re", "2")]


def test_evidence_round_trips_every_field(store):
    st = Statement.make(WARFARIN.id, Predicate.INTERACTS_WITH, ASPIRIN.id)
    ev = evidence(st, "SPL:abc@3", kind=SourceKind.LABEL, negated=True, section="34073-7")
    store.apply(WriteBatch(entities=(WARFARIN, ASPIRIN), statements=(st,), evidence=(ev,)))
    assert store.evidence([st.key]) == {st.key: [ev]}
    assert store.evidence(["nope"]) == {"nope": []}


def test_interactions_are_symmetric(store):
    a = Statement.make(WARFARIN.id, Predicate.INTERACTS_WITH, ASPIRIN.id)
    b = Statement.make(ASPIRIN.id, Predicate.INTERACTS_WITH, WARFARIN.id)
    assert a.key == b.key
    store.apply(
        WriteBatch(
            entities=(WARFARIN, ASPIRIN),
            statements=(a, b),
            evidence=(evidence(a, "PMID:1"), evidence(b, "PMID:2")),
        )
    )
    assert store.counts().edges == {"INTERACTS_WITH": 1}
    both = store.neighbours([WARFARIN.id, ASPIRIN.id], direction="both")
    assert both[WARFARIN.id][0].other.id == ASPIRIN.id
    assert both[ASPIRIN.id][0].other.id == WARFARIN.id


def test_refuses_dangling_and_ill_typed_statements_without_writing(store):
    store.apply(WriteBatch(entities=(IMATINIB, CML)))
    dangling = treats(IMATINIB, GIST)
    with pytest.raises(StoreError, match="unknown object"):
        store.apply(WriteBatch(statements=(dangling,), evidence=(evidence(dangling, "PMID:1"),)))
    wrong = Statement.make(CML.id, Predicate.TREATS, IMATINIB.id)
    with pytest.raises(StoreError, match="cannot link"):
        store.apply(WriteBatch(statements=(wrong,), evidence=(evidence(wrong, "PMID:1"),)))
    assert store.counts().edges == {}


def test_ledger_round_trip_and_overwrite(store):
    entry = LedgerEntry("PMID:1", "abc", ("ner@1", "re@1"), "2026-01-01T00:00:00Z", "pubmed")
    store.apply(WriteBatch(ledger=(entry,)))
    assert store.ledger(["PMID:1", "PMID:2"]) == {"PMID:1": entry}
    newer = LedgerEntry("PMID:1", "def", ("ner@2",), "2026-02-01T00:00:00Z", "pubmed", "retracted")
    store.apply(WriteBatch(ledger=(newer,)))
    assert store.ledger(["PMID:1"])["PMID:1"] == newer
    assert list(store.iter_ledger()) == [newer]
    assert store.counts().documents == 0  # retracted documents are not counted


def test_iterators_export_everything(store):
    t1, t2, tr = _base(store)
    assert {e.id for e in store.iter_entities()} == {e.id for e in ALL}
    rows = {st.key: (conf, n) for st, conf, n in store.iter_statements()}
    assert set(rows) == {t1.key, t2.key, tr.key}
    assert rows[t1.key][1] == 2
    assert len(list(store.iter_evidence())) == 4


def test_clear_empties_the_store(store):
    _base(store)
    store.clear()
    c = store.counts()
    assert (dict(c.nodes), dict(c.edges), c.documents) == ({}, {}, 0)


def test_unicode_and_quotes_survive(store):
    odd = Entity("MESH:C000001", EntityType.DRUG, "5'-O-(β)-\"drug\" \\ ; MATCH (n) DETACH DELETE n")
    store.apply(WriteBatch(entities=(odd, BLEEDING)))
    assert store.get_entities([odd.id])[odd.id].name == odd.name
    assert store.counts().nodes["Disease"] == 1
