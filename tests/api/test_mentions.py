"""The `unlinkedMentions` query: provenance, filters, Relay paging, clamping, limits (both stores)."""

from __future__ import annotations

import pytest
from graphql import parse

from api.limits import query_cost
from api.schema import build_executable_schema
from kg.model import EntityType, SourceKind, WriteBatch
from kg.settings import Settings
from tests.api.conftest import codes, make_service
from tests.kg.factories import mention

GLORP = mention("PMID:1", "Glorpamab", start=10, score=0.61)
ZEBRA = mention("PMID:1", "Zebrafin syndrome", EntityType.DISEASE, start=40, section=None)
GLORP_LABEL = mention(
    "SPL:abc@2",
    "GLORPAMAB",
    start=5,
    extractor="ner",
    version="7",
    section="34084-4",
    kind=SourceKind.LABEL,
)
KRX = mention("PMID:2", "KRX-17", EntityType.GENE, start=30)

QUERY = """query($text: String, $type: EntityType, $doc: String, $first: Int, $after: String) {
  unlinkedMentions(text: $text, type: $type, document: $doc, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      document text type start end section sentence sentenceStart sentenceEnd
      score extractor extractorVersion sourceKind } }
  }
}"""


@pytest.fixture
def mgql(graph_store, api_settings):
    """The API test graph plus a few unlinked mentions, on every store."""
    graph_store.apply(WriteBatch(mentions=(GLORP, ZEBRA, GLORP_LABEL, KRX)))
    service = make_service(graph_store, api_settings)

    def run(variables: dict | None = None, query: str = QUERY) -> dict:
        return service.execute(query, variables).body

    return run


def _conn(body: dict) -> dict:
    assert "errors" not in body, body
    return body["data"]["unlinkedMentions"]


def _texts(body: dict) -> list[str]:
    return [e["node"]["text"] for e in _conn(body)["edges"]]


def test_mentions_come_back_with_their_provenance(mgql):
    conn = _conn(mgql())
    assert conn["totalCount"] == 4
    assert [e["node"]["document"] for e in conn["edges"]] == [
        "PMID:1",
        "PMID:1",
        "PMID:2",
        "SPL:abc@2",
    ]
    first = conn["edges"][0]["node"]
    assert first == {
        "document": "PMID:1",
        "text": "Glorpamab",
        "type": "DRUG",
        "start": 10,
        "end": 19,
        "section": "abstract",
        "sentence": GLORP.sentence,
        "sentenceStart": GLORP.sentence_start,
        "sentenceEnd": GLORP.sentence_end,
        "score": 0.61,
        "extractor": "ner",
        "extractorVersion": "1",
        "sourceKind": "LITERATURE",
    }
    label = conn["edges"][3]["node"]
    assert (label["section"], label["sourceKind"], label["extractorVersion"]) == (
        "34084-4",
        "LABEL",
        "7",
    )
    assert conn["edges"][1]["node"]["section"] is None


def test_filters_by_text_type_and_document(mgql):
    assert _texts(mgql({"text": "glorp"})) == ["Glorpamab", "GLORPAMAB"]
    assert _conn(mgql({"text": "glorp"}))["totalCount"] == 2
    assert _texts(mgql({"type": "DISEASE"})) == ["Zebrafin syndrome"]
    assert _texts(mgql({"doc": "PMID:1"})) == ["Glorpamab", "Zebrafin syndrome"]
    assert _texts(mgql({"text": "GLORP", "doc": "SPL:abc@2"})) == ["GLORPAMAB"]
    empty = _conn(mgql({"text": "no such thing"}))
    assert empty["totalCount"] == 0 and empty["edges"] == []
    assert empty["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


def test_pages_walk_the_whole_list(mgql):
    seen, after, pages = [], None, 0
    while True:
        conn = _conn(mgql({"first": 3, "after": after}))
        assert conn["totalCount"] == 4
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [e["node"]["text"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 2
    assert seen == ["Glorpamab", "Zebrafin syndrome", "KRX-17", "GLORPAMAB"]


def test_first_above_the_maximum_is_clamped_and_said_so(mgql):
    body = mgql({"first": 1000})
    assert len(_conn(body)["edges"]) == 4
    notice = body["extensions"]["notices"][0]
    assert notice["code"] == "PAGE_SIZE_CLAMPED" and notice["path"] == ["unlinkedMentions"]


def test_bad_arguments_are_bad_user_input(mgql):
    assert codes(mgql({"after": "not-a-cursor"})) == ["BAD_USER_INPUT"]
    assert codes(mgql({"first": -1})) == ["BAD_USER_INPUT"]
    assert codes(mgql({"text": "x" * 501})) == ["BAD_USER_INPUT"]


def test_mentions_are_not_entities_in_the_api(mgql):
    body = mgql(query='{ search(text: "glorpamab") { id } }')
    assert body["data"]["search"] == []


def test_cost_counts_the_page_and_the_limits_hold(mgql):
    schema = build_executable_schema()
    s = Settings(default_page_size=25, max_page_size=100)
    op = parse("{ unlinkedMentions(first: 40) { edges { node { text } } } }").definitions[0]
    # unlinkedMentions 5 + 40 * (edges 1 + node 1 + text 1)
    assert query_cost(schema, op, {}, {}, s) == 5 + 40 * 3
    many = " ".join(
        f"m{i}: unlinkedMentions(first: 50) {{ edges {{ node {{ text sentence document }} }} }}"
        for i in range(400)
    )
    assert codes(mgql(query="{" + many + "}")) == ["QUERY_TOO_COSTLY"]
