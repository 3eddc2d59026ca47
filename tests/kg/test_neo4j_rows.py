"""Fast tier for the Neo4j adapter: row mapping and query catalogue, no server needed."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kg import cypher
from kg.model import (
    KEY_QUALIFIERS,
    Entity,
    EntityType,
    LedgerEntry,
    Predicate,
    SourceKind,
    Statement,
)
from kg.neo4j_store import (
    Neo4jStore,
    entity_from,
    entity_row,
    evidence_from,
    evidence_row,
    ledger_from,
    ledger_row,
    search_names,
    statement_from,
)
from tests.kg.factories import ABL1, IMATINIB, evidence, targets


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"section": None},
        {
            "negated": True,
            "speculative": True,
            "note": "increases INR",
            "source_kind": SourceKind.LABEL,
        },
        {"subject_link": "exact", "object_link": "long:fuzzy"},
        {"object_link": "label"},
    ],
)
def test_evidence_row_round_trips_and_omits_defaults(changes):
    ev = replace(evidence(targets(IMATINIB, ABL1), "PMID:1", start=12), **changes)
    row = evidence_row(ev, Predicate.TARGETS)
    assert row["id"] == ev.id and row["predicate"] == "TARGETS"
    assert row["offsets"] == [12, ev.sentence_end, 12, 15, 17, 20]
    for name, default in (
        ("section", None),
        ("note", ""),
        ("negated", False),
        ("speculative", False),
    ):
        assert (name in row) == (getattr(ev, name) != default)
    # both ends' link methods travel as one list, stored only when one is known
    links = [ev.subject_link, ev.object_link]
    assert row.get("links") == (links if any(links) else None)
    assert evidence_from(row) == ev


def test_entity_row_round_trips_with_search_names():
    e = Entity(
        "MESH:D000068877", EntityType.DRUG, "Imatinib  Mesylate", ("Gleevec",), ("CHEBI:45783",)
    )
    row = entity_row(e)
    assert row["names"] == ["chebi:45783", "gleevec", "imatinib mesylate", "mesh:d000068877"]
    assert entity_from(row) == e
    assert search_names(Entity("X:1", EntityType.GENE, "")) == ["", "x:1"]


def test_statement_from_restores_key_qualifiers_in_order():
    st = Statement.make("PHARMGKB:PA1", Predicate.AFFECTS_RESPONSE, "MESH:D1", direction="toxicity")
    got = statement_from("PHARMGKB:PA1", "AFFECTS_RESPONSE", "MESH:D1", {"direction": "toxicity"})
    assert got == st and got.key == st.key
    plain = statement_from("MESH:D1", "TREATS", "MESH:D2", {"key": "k", "confidence": 0.5})
    assert plain.qualifiers == ()


def test_ledger_row_round_trips():
    entry = LedgerEntry(
        "PMID:1", "abc", ("ner@1", "re@2"), "2026-01-01T00:00:00Z", "pubmed", "retracted"
    )
    assert ledger_from(ledger_row(entry)) == entry


def test_query_catalogue_covers_every_predicate_and_type():
    for p in Predicate:
        q = cypher.CREATE_STATEMENTS[p]
        assert f":{p.value} " in q
        for qual in KEY_QUALIFIERS.get(p, ()):
            assert f"{qual}: row.{qual}" in q
        for table in (cypher.UPDATE_SUPPORT, cypher.DELETE_STATEMENTS, cypher.EXISTING_STATEMENTS):
            assert f":{p.value} " in table[p]
    for t in EntityType:
        assert f"n:{t.value}," in cypher.UPSERT_ENTITIES[t]


def test_constructor_does_not_connect():
    t0 = time.monotonic()
    store = Neo4jStore("bolt://192.0.2.1:7687", password="never-used")  # TEST-NET: unroutable
    store.close()
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(ValueError):
        Neo4jStore("bolt://127.0.0.1:7687", batch_size=0)
