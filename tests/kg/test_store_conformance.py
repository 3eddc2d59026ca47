"""One conformance suite, run against every store adapter (see the ``store`` fixture)."""

from __future__ import annotations

from dataclasses import replace

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
    mention,
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


def test_broader_headings_round_trip_and_merge(store):
    lbbb = Entity("DOID:10272", EntityType.DISEASE, "left bundle branch block")
    store.apply(WriteBatch(entities=(lbbb,)))
    assert store.get_entities([lbbb.id])[lbbb.id].broader == ()
    store.apply(WriteBatch(entities=(replace(lbbb, broader=("MESH:D002037",)),)))
    got = store.get_entities([lbbb.id])[lbbb.id]
    assert got.broader == ("MESH:D002037",)
    assert store.find_entities("left bundle branch block")[0].broader == ("MESH:D002037",)
    assert next(e for e in store.iter_entities() if e.id == lbbb.id).broader == ("MESH:D002037",)


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


def test_find_entities_by_another_id_of_the_entity(store):
    merged = replace(IMATINIB, xrefs=("DRUGBANK:DB00619", "MESH:C097613"))
    t315i = Entity(
        "VAR:ABL1:p.T315I", EntityType.VARIANT, "ABL1 p.T315I", (), ("tmVar:p|SUB|T|315|I", ABL1.id)
    )
    store.apply(WriteBatch(entities=(merged, ABL1, t315i)))
    assert [e.id for e in store.find_entities("drugbank:db00619")] == [IMATINIB.id]
    assert [e.id for e in store.find_entities("MESH:C097613")] == [IMATINIB.id]
    assert [e.id for e in store.find_entities("tmVar:p|SUB|T|315|I")] == [t315i.id]
    # a variant's gene id names its gene, not the variant
    assert [e.id for e in store.find_entities(ABL1.id, limit=5)] == [ABL1.id]


def test_find_entities_filters_types_and_limits(store):
    store.apply(WriteBatch(entities=ALL))
    assert [e.id for e in store.find_entities("imat", types=[EntityType.GENE], limit=5)] == []
    genes = store.find_entities("K", types=[EntityType.GENE])
    assert [g.id for g in genes] == [KIT.id]
    assert len(store.find_entities("a", limit=2)) == 2


def test_find_entities_inside_names_and_no_match(store):
    store.apply(WriteBatch(entities=ALL))
    # "tinib" starts no name: found inside one; nothing anywhere: empty
    assert [e.id for e in store.find_entities("tinib")] == [IMATINIB.id]
    assert [e.id for e in store.find_entities("571")] == [IMATINIB.id]
    assert store.find_entities("zzqx") == []
    store.apply(WriteBatch(entities=(replace(KIT, synonyms=(*KIT.synonyms, "mast cell growth factor receptor")),)))
    assert KIT.id in [e.id for e in store.find_entities("cell growth")]  # new names searchable


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
    ev = replace(ev, note="increases bleeding", subject_link="label", object_link="long:fuzzy")
    store.apply(WriteBatch(entities=(WARFARIN, ASPIRIN), statements=(st,), evidence=(ev,)))
    assert store.evidence([st.key]) == {st.key: [ev]}
    assert store.evidence(["nope"]) == {"nope": []}


def test_document_evidence_in_text_order_with_its_statements(store):
    t1, t2, tr = _base(store)
    later = evidence(t1, "PMID:1", start=90, score=0.2)
    label = evidence(t2, "PMID:1", start=40, extractor="label-rules")  # same place, other extractor
    store.apply(WriteBatch(statements=(t1, t2), evidence=(later, label)))
    got = store.document_evidence("PMID:1")
    assert [(st, ev.sentence_start) for st, ev in got] == [(t1, 0), (t2, 40), (t2, 40), (t1, 90)]
    assert got[-1][1] == later and label in [ev for _, ev in got]
    assert got[0][0].qualifier("action") == "inhibitor"  # qualifiers come back with the statement
    assert store.count_document_evidence("PMID:1") == 4
    assert store.document_evidence("PMID:1", limit=2, offset=1) == got[1:3]
    assert store.document_evidence("PMID:1", limit=0) == [] and store.document_evidence("PMID:1", offset=9) == []
    assert store.document_evidence("PMID:3") == [(tr, evidence(tr, "PMID:3"))]
    assert store.document_evidence("PMID:404") == [] and store.count_document_evidence("PMID:404") == 0
    store.apply(WriteBatch(replace_documents=("PMID:1",), replace_extractors=("test-re",)))
    assert store.document_evidence("PMID:1") == [(t2, label)]


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


# -- unlinked mentions ----------------------------------------------------------------------

GLORP = mention("PMID:1", "Glorpamab", start=10)
GLORP_LATER = mention("PMID:1", "glorpamab", start=90)
ZEBRA = mention("PMID:1", "Zebrafin  Syndrome", EntityType.DISEASE, start=40, section=None)
GLORP_2 = mention("PMID:2", "GLORPAMAB", start=5, extractor="label-rules", kind=SourceKind.LABEL)
KRX = mention("PMID:2", "KRX-17 kinase", EntityType.GENE, start=30, score=0.55)
MENTIONS = (GLORP, GLORP_LATER, ZEBRA, GLORP_2, KRX)


def _with_mentions(store):
    t1, t2, tr = _base(store)
    result = store.apply(WriteBatch(mentions=MENTIONS))
    assert (result.mentions_added, result.mentions_removed) == (5, 0)
    return t1, t2, tr


def _keys(mentions) -> list[str]:
    return [m.key for m in mentions]


def test_unlinked_mentions_round_trip_in_a_stable_order(store):
    _with_mentions(store)
    got = store.unlinked_mentions()
    assert got == [GLORP, ZEBRA, GLORP_LATER, GLORP_2, KRX]  # document, then start
    assert got[1].section is None and got[3].source_kind is SourceKind.LABEL
    assert store.count_unlinked_mentions() == 5
    assert store.counts().unlinked_mentions == 5
    assert sorted(_keys(store.iter_mentions())) == sorted(_keys(MENTIONS))
    assert store.unlinked_mentions(limit=2, offset=1) == [ZEBRA, GLORP_LATER]
    assert store.unlinked_mentions(limit=0) == [] and store.unlinked_mentions(offset=9) == []


def test_unlinked_mentions_filter_by_text_type_and_document(store):
    _with_mentions(store)
    # Text: case-insensitive substring of the normalised (whitespace-collapsed) text.
    assert store.unlinked_mentions(text="glorp") == [GLORP, GLORP_LATER, GLORP_2]
    assert store.unlinked_mentions(text="zebrafin syndrome") == [ZEBRA]
    assert store.unlinked_mentions(text="  ") == store.unlinked_mentions()
    assert store.unlinked_mentions(type=EntityType.GENE) == [KRX]
    assert store.unlinked_mentions(document_id="PMID:2") == [GLORP_2, KRX]
    assert store.unlinked_mentions(text="glorp", document_id="PMID:1", limit=1, offset=1) == [
        GLORP_LATER
    ]
    assert store.unlinked_mentions(text="glorp", type=EntityType.DISEASE) == []
    assert store.unlinked_mentions(document_id="PMID:404") == []
    assert store.count_unlinked_mentions(text="GLORP", document_id="PMID:1") == 2
    assert store.count_unlinked_mentions(type=EntityType.DISEASE) == 1


def test_unlinked_mentions_are_never_entities(store):
    t1, t2, tr = _with_mentions(store)
    assert store.counts().nodes == {"Drug": 3, "Gene": 2, "Disease": 3}
    assert store.find_entities("glorpamab") == [] and store.find_entities("krx") == []
    assert {e.id for e in store.iter_entities()} == {e.id for e in ALL}
    assert store.get_entities([m.key for m in MENTIONS]) == {}
    edges = store.neighbours([e.id for e in ALL])
    assert {edge.other.id for es in edges.values() for edge in es} <= {e.id for e in ALL}
    assert {st.key for st, _, _ in store.iter_statements()} == {t1.key, t2.key, tr.key}
    assert store.counts().edges == {"TARGETS": 2, "TREATS": 1}


def test_same_mentions_twice_add_nothing(store):
    _with_mentions(store)
    before = store.counts()
    again = store.apply(WriteBatch(mentions=MENTIONS))
    assert (again.mentions_added, again.mentions_removed) == (0, 0)
    assert store.counts() == before
    # A document rewritten with the same mentions ends exactly where it was.
    redo = store.apply(WriteBatch(mentions=(GLORP, GLORP_LATER, ZEBRA), replace_documents=("PMID:1",)))
    assert (redo.mentions_removed, redo.mentions_added) == (3, 3)
    assert store.counts().unlinked_mentions == before.unlinked_mentions
    assert store.unlinked_mentions() == [GLORP, ZEBRA, GLORP_LATER, GLORP_2, KRX]


def test_replace_documents_removes_their_mentions_only(store):
    t1, _, _ = _with_mentions(store)
    result = store.apply(WriteBatch(replace_documents=("PMID:1",)))
    assert result.mentions_removed == 3
    assert store.unlinked_mentions() == [GLORP_2, KRX]
    # A changed document: its new mentions replace the old ones.
    changed = mention("PMID:2", "Krx-18", EntityType.GENE, start=30)
    result = store.apply(
        WriteBatch(
            statements=(t1,),
            evidence=(evidence(t1, "PMID:2"),),
            mentions=(changed,),
            replace_documents=("PMID:2",),
        )
    )
    assert (result.mentions_added, result.mentions_removed) == (1, 2)
    assert store.unlinked_mentions() == [changed]
    assert store.counts().unlinked_mentions == 1


def test_replace_extractors_keeps_other_extractors_mentions(store):
    _with_mentions(store)
    newer = mention("PMID:2", "KRX-17 kinase", EntityType.GENE, start=30, version="2")
    result = store.apply(
        WriteBatch(mentions=(newer,), replace_documents=("PMID:2",), replace_extractors=("ner",))
    )
    assert (result.mentions_removed, result.mentions_added) == (1, 1)
    got = store.unlinked_mentions(document_id="PMID:2")
    assert [(m.text, m.extractor, m.extractor_version) for m in got] == [
        ("GLORPAMAB", "label-rules", "1"),
        ("KRX-17 kinase", "ner", "2"),
    ]
    # Another extractor's replacement leaves "ner" mentions alone.
    store.apply(WriteBatch(replace_documents=("PMID:1",), replace_extractors=("label-rules",)))
    assert store.count_unlinked_mentions(document_id="PMID:1") == 3


def test_mention_text_with_quotes_and_unicode_survives(store):
    odd = mention("PMID:7", "5'-O-(β)-\"x\" \\ ; MATCH (n) DETACH DELETE n", start=3)
    store.apply(WriteBatch(mentions=(odd,)))
    assert store.unlinked_mentions(text="(β)-\"x") == [odd]
    assert store.counts().unlinked_mentions == 1


def test_clear_removes_mentions(store):
    _with_mentions(store)
    store.clear()
    assert store.counts().unlinked_mentions == 0 and store.unlinked_mentions() == []
