"""Read queries on the test graph, on every store."""

from __future__ import annotations

from dataclasses import replace

from api.pagination import decode_cursor, encode_cursor
from tests.api import graph as g
from tests.api.conftest import codes


def test_search_ranks_exact_matches_first_and_filters_types(gql):
    body = gql('{ search(text: "erlotinib") { id name type } }')
    assert body["data"]["search"][0] == {"id": g.ERLOTINIB.id, "name": "erlotinib", "type": "DRUG"}
    body = gql('{ search(text: "EGFR", types: [VARIANT]) { id type } }')
    ids = {e["id"] for e in body["data"]["search"]}
    assert ids == {g.L858R.id, g.T790M.id}
    assert all(e["type"] == "VARIANT" for e in body["data"]["search"])


def test_entity_by_id_and_interface_fragments(gql):
    body = gql(
        "query($id: ID!) { entity(id: $id) { __typename id name synonyms "
        "... on Drug { treats { edges { node { name } } } } } }",
        {"id": g.GEFITINIB.id},
    )
    ent = body["data"]["entity"]
    assert ent["__typename"] == "Drug" and ent["synonyms"] == ["Iressa"]
    assert [e["node"]["name"] for e in ent["treats"]["edges"]] == [g.NSCLC.name]


def test_not_found_is_null_with_a_code(gql):
    body = gql('{ entity(id: "MESH:D999999") { id } drug(name: "notadrug") { id } }')
    assert body["data"] == {"entity": None, "drug": None}
    assert codes(body) == ["NOT_FOUND", "NOT_FOUND"]


def test_typed_lookup_by_name_brand_symbol_and_wrong_type(gql):
    body = gql(
        '{ a: drug(name: "Tarceva") { id } b: drug(name: "ERLOTINIB") { id } '
        'c: gene(symbol: "HER2") { id } d: disease(name: "non-small cell lung cancer") { id } '
        f'e: drug(id: "{g.EGFR.id}") {{ id }} f: variant(name: "BRAF V600E") {{ id gene {{ name }} }} }}'
    )
    d = body["data"]
    assert d["a"]["id"] == d["b"]["id"] == g.ERLOTINIB.id
    assert d["c"]["id"] == g.ERBB2.id
    assert d["d"]["id"] == g.NSCLC.id
    assert d["e"] is None and codes(body) == ["NOT_FOUND"]
    assert "is a gene, not a drug" in body["errors"][0]["message"]
    assert d["f"] == {"id": g.V600E.id, "gene": {"name": "BRAF"}}


def test_lookup_by_another_id_of_the_entity(gql):
    body = gql(
        '{ a: drug(id: "DRUGBANK:DB00530") { id } b: entity(id: "MESH:C055162") { id name } '
        'c: variant(id: "tmVar:p|SUB|V|600|E") { id } d: disease(id: "DRUGBANK:DB00530") { id } }'
    )
    d = body["data"]
    assert d["a"]["id"] == g.ERLOTINIB.id  # a DrugBank id finds the MeSH node it joined
    assert d["b"] == {"id": g.CLOPIDOGREL.id, "name": "clopidogrel"}  # an id merged into it
    assert d["c"]["id"] == g.V600E.id
    assert d["d"] is None and codes(body) == ["NOT_FOUND"]


def test_an_id_several_entities_claim_is_refused(egql, embedded_graph):
    from dataclasses import replace

    from kg.model import WriteBatch

    shared = "DOID:1324"  # Disease Ontology maps some terms onto more than one MeSH concept
    embedded_graph.apply(
        WriteBatch(entities=(replace(g.NSCLC, xrefs=(shared,)), replace(g.BREAST, xrefs=(shared,))))
    )
    body = egql(f'{{ disease(id: "{shared}") {{ id }} }}')
    assert body["data"]["disease"] is None and codes(body) == ["NOT_FOUND"]
    message = body["errors"][0]["message"]
    assert g.NSCLC.id in message and g.BREAST.id in message


def test_a_disease_mesh_lacks_shows_its_broader_heading(egql, embedded_graph):
    from kg.model import Entity, EntityType, WriteBatch

    lbbb = Entity("DOID:10272", EntityType.DISEASE, "left bundle branch block")
    embedded_graph.apply(WriteBatch(entities=(replace(lbbb, broader=("MESH:D002037",)),)))
    body = egql('{ a: disease(id: "DOID:10272") { broader } b: disease(name: "Pain") { broader } }')
    assert body["data"] == {"a": {"broader": ["MESH:D002037"]}, "b": {"broader": []}}


def test_lookup_needs_exactly_one_key(gql):
    body = gql("{ drug { id } }")
    assert codes(body) == ["BAD_USER_INPUT"]
    body = gql(f'{{ drug(id: "{g.ERLOTINIB.id}", name: "erlotinib") {{ id }} }}')
    assert codes(body) == ["BAD_USER_INPUT"]


def test_connection_pages_walk_the_whole_list(gql):
    q = """query($after: String) { disease(name: "Pain") { treatments(first: 2, after: $after) {
             totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
             edges { cursor confidence node { name } } } } }"""
    seen, after, pages = [], None, 0
    while True:
        conn = gql(q, {"after": after})["data"]["disease"]["treatments"]
        assert conn["totalCount"] == 5
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += conn["edges"]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 3
    names = [e["node"]["name"] for e in seen]
    assert sorted(names) == ["acetaminophen", "aspirin", "celecoxib", "ibuprofen", "naproxen"]
    confidences = [e["confidence"] for e in seen]
    assert confidences == sorted(confidences, reverse=True)


def test_first_above_the_maximum_is_clamped_and_said_so(gql):
    body = gql('{ disease(name: "Pain") { treatments(first: 1000) { edges { node { id } } } } }')
    assert len(body["data"]["disease"]["treatments"]["edges"]) == 5
    notices = body["extensions"]["notices"]
    assert notices[0]["code"] == "PAGE_SIZE_CLAMPED"
    assert notices[0]["path"] == ["disease", "treatments"]
    assert "first=1000" in notices[0]["message"]
    body = gql('{ search(text: "a", first: 51) { id } }')
    assert body["extensions"]["notices"][0]["code"] == "PAGE_SIZE_CLAMPED"


def test_bad_page_arguments(gql):
    body = gql('{ disease(name: "Pain") { treatments(first: -1) { totalCount } } }')
    assert codes(body) == ["BAD_USER_INPUT"]
    body = gql('{ disease(name: "Pain") { treatments(after: "not-a-cursor") { totalCount } } }')
    assert codes(body) == ["BAD_USER_INPUT"]
    assert decode_cursor(encode_cursor(41)) == 41


def test_edges_carry_actions_directions_and_evidence(gql):
    body = gql(
        '{ gene(symbol: "EGFR") { drugs { edges { action node { name } evidence(first: 1) '
        "{ document sentence start end score extractor negated speculative sourceKind } } } } "
        'variant(name: "EGFR T790M") { drugs { edges { direction node { name } } } } }'
    )
    edges = body["data"]["gene"]["drugs"]["edges"]
    assert {e["node"]["name"] for e in edges} == {"erlotinib", "gefitinib", "osimertinib"}
    assert all(e["action"] == "inhibitor" for e in edges)
    ev = edges[0]["evidence"][0]
    assert ev["document"].startswith("PMID:") and ev["end"] - ev["start"] == len(ev["sentence"])
    assert ev["sourceKind"] == "LITERATURE" and ev["negated"] is False
    directions = {
        e["node"]["name"]: e["direction"] for e in body["data"]["variant"]["drugs"]["edges"]
    }
    assert directions == {
        "erlotinib": "RESISTANCE",
        "gefitinib": "RESISTANCE",
        "osimertinib": "SENSITIVITY",
    }


def test_evidence_says_how_each_end_was_linked_and_what_a_label_says(gql):
    body = gql(
        '{ drug(name: "warfarin") { interactions { edges { node { name } evidence '
        "{ note subjectLink objectLink } } } } "
        'gene(symbol: "EGFR") { drugs { edges { evidence(first: 1) { subjectLink objectLink } } } } }'
    )
    edges = body["data"]["drug"]["interactions"]["edges"]
    assert {e["node"]["name"] for e in edges} == {"aspirin", "ibuprofen", "naproxen"}
    for e in edges:
        assert e["evidence"] == [
            {"note": "increased risk of bleeding", "subjectLink": "exact", "objectLink": "label"}
        ]
    # evidence that did not record it reads null, not an empty string
    for e in body["data"]["gene"]["drugs"]["edges"]:
        assert e["evidence"] == [{"subjectLink": None, "objectLink": None}]


def test_drug_pharmacogenomic_modifiers_are_genes_or_variants(gql):
    body = gql(
        '{ drug(name: "trastuzumab") { responseModifiers { edges { direction node { __typename name } } } } '
        'a: drug(name: "abacavir") { responseModifiers { edges { direction node { __typename name } } } } }'
    )
    assert body["data"]["drug"]["responseModifiers"]["edges"] == [
        {"direction": "SENSITIVITY", "node": {"__typename": "Gene", "name": "ERBB2"}}
    ]
    assert body["data"]["a"]["responseModifiers"]["edges"] == [
        {"direction": "TOXICITY", "node": {"__typename": "Variant", "name": "HLA-B*57:01"}}
    ]


def test_paths_between_a_variant_and_a_disease(gql):
    body = gql(
        f'{{ paths(from: "{g.L858R.id}", to: "{g.NSCLC.id}", maxLength: 2) '
        "{ length score nodes { name } steps { subject predicate object qualifier evidence(first: 1) { document } } } }"
    )
    paths = body["data"]["paths"]
    assert paths, body
    assert all(p["length"] == 2 for p in paths)
    names = {tuple(n["name"] for n in p["nodes"]) for p in paths}
    assert ("EGFR p.L858R", "erlotinib", "Carcinoma, Non-Small-Cell Lung") in names
    first = paths[0]
    assert first["steps"][0]["predicate"] == "AFFECTS_RESPONSE"
    assert first["steps"][0]["qualifier"] == "sensitivity"
    assert first["steps"][1] == {
        "subject": g.ERLOTINIB.id,
        "predicate": "TREATS",
        "object": g.NSCLC.id,
        "qualifier": None,
        "evidence": [{"document": first["steps"][1]["evidence"][0]["document"]}],
    }
    scores = [p["score"] for p in paths]
    assert scores == sorted(scores, reverse=True)


def test_paths_input_errors(gql):
    assert codes(gql(f'{{ paths(from: "{g.L858R.id}", to: "X:1") {{ length }} }}')) == ["NOT_FOUND"]
    assert codes(
        gql(f'{{ paths(from: "{g.L858R.id}", to: "{g.NSCLC.id}", maxLength: 9) {{ length }} }}')
    ) == ["BAD_USER_INPUT"]
    assert codes(gql(f'{{ paths(from: "{g.L858R.id}", to: "{g.L858R.id}") {{ length }} }}')) == [
        "BAD_USER_INPUT"
    ]


def test_bad_variable_types_are_bad_user_input(gql):
    body = gql('query($n: Int) { search(text: "a", first: $n) { id } }', {"n": "ten"})
    assert codes(body) == ["BAD_USER_INPUT"]
