"""The `document` query: a document's ledger entry, its evidence with the statements it
supports in text order, and its unlinked mentions (both stores)."""

from __future__ import annotations

import pytest

from kg.model import EntityType, LedgerEntry, SourceKind, WriteBatch
from tests.api.conftest import codes, make_service
from tests.api.graph import ABACAVIR, HIV, HLA_B_5701
from tests.kg.factories import mention

ZIAGEN = "SPL:ziagen@1"
LEDGER = LedgerEntry(ZIAGEN, "sha256:ab12", ("label-rules@5", "ner@x"), "2026-11-27T10:00:00Z", "spl:labels/ziagen.xml")
UNLINKED = mention(ZIAGEN, "Ziagenavir", EntityType.DRUG, start=12, kind=SourceKind.LABEL)

QUERY = """query($id: ID!, $first: Int, $after: String) {
  document(id: $id) {
    id source contentHash ingestedAt status extractors
    evidence(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor subject { id name } predicate object { id type } action direction
              node { document sentence start sourceKind } }
    }
    unlinkedMentions { totalCount edges { node { text type start } } }
  }
}"""


@pytest.fixture
def dgql(graph_store, api_settings):
    """The API test graph with a ledger entry and an unlinked mention for one label."""
    graph_store.apply(WriteBatch(ledger=(LEDGER,), mentions=(UNLINKED,)))
    service = make_service(graph_store, api_settings)
    return lambda variables: service.execute(QUERY, variables).body


def test_a_document_lists_its_ledger_entry_statements_and_mentions(dgql):
    body = dgql({"id": ZIAGEN})
    assert "errors" not in body, body
    doc = body["data"]["document"]
    assert {k: doc[k] for k in ("id", "source", "contentHash", "ingestedAt", "status", "extractors")} == {
        "id": ZIAGEN,
        "source": "spl:labels/ziagen.xml",
        "contentHash": "sha256:ab12",
        "ingestedAt": "2026-11-27T10:00:00Z",
        "status": "active",
        "extractors": ["label-rules@5", "ner@x"],
    }
    ev = doc["evidence"]
    assert ev["totalCount"] == 2 and not ev["pageInfo"]["hasNextPage"]
    # text order: the indication sentence comes before the HLA-B*57:01 warning
    treats, pgx = ev["edges"]
    assert (treats["subject"]["id"], treats["predicate"], treats["object"]["id"]) == (ABACAVIR.id, "TREATS", HIV.id)
    assert treats["action"] is None and treats["direction"] is None
    assert (pgx["subject"]["id"], pgx["predicate"], pgx["object"]) == (HLA_B_5701.id, "AFFECTS_RESPONSE", {"id": ABACAVIR.id, "type": "DRUG"})
    assert pgx["direction"] == "TOXICITY" and "HLA-B*5701" in pgx["node"]["sentence"]
    assert treats["node"]["start"] < pgx["node"]["start"]
    assert {e["node"]["document"] for e in ev["edges"]} == {ZIAGEN}
    assert {e["node"]["sourceKind"] for e in ev["edges"]} == {"LABEL"}
    assert doc["unlinkedMentions"] == {"totalCount": 1, "edges": [{"node": {"text": "Ziagenavir", "type": "DRUG", "start": 12}}]}


def test_a_documents_evidence_pages_with_cursors(dgql):
    first = dgql({"id": ZIAGEN, "first": 1})["data"]["document"]["evidence"]
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    assert first["edges"][0]["predicate"] == "TREATS"
    rest = dgql({"id": ZIAGEN, "first": 1, "after": first["pageInfo"]["endCursor"]})["data"]["document"]["evidence"]
    assert [e["predicate"] for e in rest["edges"]] == ["AFFECTS_RESPONSE"]
    assert rest["pageInfo"]["hasPreviousPage"] and not rest["pageInfo"]["hasNextPage"]


def test_an_unknown_document_is_not_found_and_a_bad_id_is_refused(dgql):
    body = dgql({"id": "PMID:404"})
    assert body["data"] == {"document": None} and codes(body) == ["NOT_FOUND"]
    assert "PMID:404" in body["errors"][0]["message"]
    assert codes(dgql({"id": "x" * 501})) == ["BAD_USER_INPUT"]


def test_a_documents_statement_ends_load_in_one_store_call(embedded_graph, api_settings):
    embedded_graph.apply(WriteBatch(ledger=(LEDGER,)))
    calls = []
    real = embedded_graph.get_entities

    def counting(ids):
        calls.append(list(ids))
        return real(ids)

    embedded_graph.get_entities = counting
    service = make_service(embedded_graph, api_settings)
    body = service.execute(QUERY, {"id": ZIAGEN}).body
    assert "errors" not in body, body
    assert len(calls) == 1 and set(calls[0]) == {ABACAVIR.id, HIV.id, HLA_B_5701.id}
