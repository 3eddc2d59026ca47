"""Personalised treatment and drug safety on the test graph (every store), including the
cases where the right answer is "no warning"."""

from __future__ import annotations

import pytest

from api.resolve import parse_variant
from tests.api.conftest import codes

PLAN = """query($p: PatientInput!, $first: Int) {
  personalizedTreatment(patient: $p, first: $first) {
    totalCandidates unresolved resolved { id name type }
    candidates { rank score drug { id name }
      reasons { kind message confidence documentCount evidence { document sentence } }
      warnings { kind message confidence sources involves { name } evidenceCount evidence { document } } }
  }
}"""

SAFETY = """query($d: String!, $p: PatientInput!) {
  drugSafety(drug: $d, patient: $p) {
    drug { name } unresolved warnings { kind message confidence sources evidence { document sentence } }
  }
}"""


def plan(gql, first=None, **patient):
    body = gql(PLAN, {"p": patient, "first": first})
    assert "errors" not in body, body
    return body["data"]["personalizedTreatment"]


def safety(gql, drug, **patient):
    body = gql(SAFETY, {"d": drug, "p": patient})
    assert "errors" not in body, body
    return body["data"]["drugSafety"]


def by_name(p):
    return {c["drug"]["name"]: c for c in p["candidates"]}


def kinds(candidate):
    return sorted(w["kind"] for w in candidate["warnings"])


def test_egfr_l858r_boosts_egfr_inhibitors(gql):
    base = plan(gql, diagnoses=["NSCLC"])
    p = plan(gql, diagnoses=["NSCLC"], variants=["EGFR L858R"])
    order = [c["drug"]["name"] for c in p["candidates"]]
    assert order[:2] == ["erlotinib", "gefitinib"]
    assert order.index("cisplatin") == 3  # cisplatin has as much TREATS evidence as erlotinib
    top = p["candidates"][0]
    assert [r["kind"] for r in top["reasons"]] == ["TREATS", "SENSITIVITY", "TARGETS_VARIANT_GENE"]
    target = top["reasons"][2]
    assert (
        target["message"]
        == "targets (inhibitor) EGFR, which carries L858R in this patient; 1 document"
    )
    assert top["reasons"][1]["documentCount"] == 2
    assert {e["document"] for e in top["reasons"][1]["evidence"]} == {"CIVIC:EID4", "PMID:15118073"}
    assert top["warnings"] == []
    # Without the variant the same drugs rank by TREATS evidence alone.
    base_scores = {c["drug"]["name"]: c["score"] for c in base["candidates"]}
    assert by_name(p)["erlotinib"]["score"] > base_scores["erlotinib"]
    assert by_name(p)["cisplatin"]["score"] == base_scores["cisplatin"]
    assert [c["rank"] for c in p["candidates"]] == [1, 2, 3, 4]
    assert {r["name"] for r in p["resolved"]} == {
        "Carcinoma, Non-Small-Cell Lung",
        "EGFR p.L858R",
        "EGFR",
    }


def test_t790m_resistance_demotes_first_generation_inhibitors(gql):
    p = plan(
        gql, diagnoses=["non-small cell lung cancer"], variants=["EGFR L858R", "EGFR p.Thr790Met"]
    )
    order = [c["drug"]["name"] for c in p["candidates"]]
    assert order[0] == "osimertinib"
    assert order.index("erlotinib") > order.index("cisplatin")
    erl = by_name(p)["erlotinib"]
    assert kinds(erl) == ["RESISTANCE"]
    assert erl["warnings"][0]["evidence"] == [{"document": "CIVIC:EID6"}]
    assert "T790M" in erl["warnings"][0]["message"]
    osi = by_name(p)["osimertinib"]
    assert osi["warnings"] == []
    target = [r for r in osi["reasons"] if r["kind"] == "TARGETS_VARIANT_GENE"]
    assert len(target) == 1 and "L858R and T790M" in target[0]["message"]


def test_gene_level_alteration_with_a_synonym(gql):
    p = plan(gql, diagnoses=["breast cancer"], variants=["HER2 amplification"])
    top = p["candidates"][0]
    assert top["drug"]["name"] == "trastuzumab"
    assert {r["kind"] for r in top["reasons"]} == {"TREATS", "SENSITIVITY", "TARGETS_VARIANT_GENE"}


def test_variants_alone_give_candidates_they_predict_sensitivity_to(gql):
    p = plan(gql, variants=["BRAF p.Val600Glu", "XYZ123 Q61K"])
    assert {c["drug"]["name"] for c in p["candidates"]} == {"vemurafenib", "dabrafenib"}
    assert p["unresolved"] == ["XYZ123 Q61K"]


def test_cyp2c19_poor_metaboliser_and_clopidogrel(gql):
    p = plan(gql, diagnoses=["Acute Coronary Syndrome"], variants=["CYP2C19*2"])
    assert [c["drug"]["name"] for c in p["candidates"]] == ["prasugrel", "clopidogrel"]
    clo = by_name(p)["clopidogrel"]
    assert kinds(clo) == ["PHARMACOGENOMIC"]
    assert clo["warnings"][0]["evidence"] == [{"document": "PharmGKB:PA166104948"}]
    assert by_name(p)["prasugrel"]["warnings"] == []


def test_reference_allele_gives_no_pharmacogenomic_warning(gql):
    p = plan(gql, diagnoses=["Acute Coronary Syndrome"], variants=["CYP2C19*1/*1"])
    assert all(c["warnings"] == [] for c in p["candidates"])
    s = safety(gql, "clopidogrel", variants=["CYP2C19 *1/*1"])
    assert s["warnings"] == []


def test_hla_b5701_and_abacavir(gql):
    s = safety(gql, "Ziagen", variants=["HLA-B*5701"])
    assert s["drug"] == {"name": "abacavir"}
    assert [w["kind"] for w in s["warnings"]] == ["PHARMACOGENOMIC"]
    assert "toxicity" in s["warnings"][0]["message"]
    assert "HLA-B*5701" in s["warnings"][0]["evidence"][0]["sentence"]
    # Another HLA-B allele is not the risk allele: no warning.
    assert safety(gql, "abacavir", variants=["HLA-B*58:01"])["warnings"] == []
    assert safety(gql, "dolutegravir", variants=["HLA-B*57:01"])["warnings"] == []


def test_allergy_cross_reactivity_interactions_and_adverse_effects(gql):
    p = plan(
        gql, diagnoses=["Pain", "GI bleeding"], allergies=["aspirin"], medications=["Coumadin"]
    )
    c = by_name(p)
    assert p["candidates"][0]["drug"]["name"] == "acetaminophen"
    # acetaminophen's only CAUSES statement is negated: it supports nothing, so no warning.
    assert c["acetaminophen"]["warnings"] == []
    assert kinds(c["aspirin"]) == ["ALLERGY", "INTERACTION"]
    assert c["aspirin"]["score"] == 0.0
    assert kinds(c["ibuprofen"]) == ["ADVERSE_EFFECT", "ALLERGY", "INTERACTION"]
    allergy = next(w for w in c["naproxen"]["warnings"] if w["kind"] == "ALLERGY")
    assert "cross-reactivity" in allergy["message"] and allergy["sources"]
    assert "SPL:8d52185d-421f-4e34-8db7-f7676db2a226" in allergy["sources"][0]
    assert [i["name"] for i in allergy["involves"]] == ["aspirin"]
    interaction = next(w for w in c["ibuprofen"]["warnings"] if w["kind"] == "INTERACTION")
    assert interaction["involves"] == [{"name": "warfarin"}] and interaction["evidenceCount"] == 1
    assert kinds(c["celecoxib"]) == ["ALLERGY"]


def test_no_allergy_no_interaction_when_there_is_none(gql):
    p = plan(gql, diagnoses=["Pain"], allergies=["penicillin"], medications=["metformin"])
    assert all(c["warnings"] == [] for c in p["candidates"])
    assert p["unresolved"] == []  # penicillin resolves as a drug class


def test_sulfonamide_allergy_and_celecoxib(gql):
    s = safety(gql, "Celebrex", allergies=["sulfa"])
    assert [w["kind"] for w in s["warnings"]] == ["ALLERGY"]
    assert safety(gql, "ibuprofen", allergies=["sulfa"])["warnings"] == []


def test_contraindication_only_for_the_patients_condition(gql):
    s = safety(gql, "metformin", diagnoses=["renal impairment", "type 2 diabetes"])
    assert [w["kind"] for w in s["warnings"]] == ["CONTRAINDICATION"]
    assert s["warnings"][0]["evidence"][0]["document"] == "SPL:metformin@9"
    assert safety(gql, "metformin", diagnoses=["type 2 diabetes"])["warnings"] == []


def test_a_contraindication_in_a_broader_disease_warns_for_the_narrower_diagnosis(gql, graph_store):
    from kg.model import Entity, EntityType, WriteBatch

    # chronic kidney disease sits under Renal Insufficiency in MeSH (the shipped KB's
    # broader.tsv.gz); the label says metformin is contraindicated in renal impairment
    ckd = Entity("MESH:D051436", EntityType.DISEASE, "Renal Insufficiency, Chronic", ("CKD",))
    graph_store.apply(WriteBatch(entities=(ckd,)))
    s = safety(gql, "metformin", diagnoses=["Renal Insufficiency, Chronic", "type 2 diabetes"])
    assert [w["kind"] for w in s["warnings"]] == ["CONTRAINDICATION"]
    w = s["warnings"][0]
    assert w["message"] == (
        "metformin is contraindicated in Renal Insufficiency, which includes "
        "Renal Insufficiency, Chronic (a diagnosis of this patient); 1 document"
    )
    assert w["evidence"][0]["document"] == "SPL:metformin@9"
    # named directly, the diagnosis gets the direct warning only, not both
    both = safety(gql, "metformin", diagnoses=["renal impairment", "CKD"])
    assert [w["message"].split(" (")[0] for w in both["warnings"]] == [
        "metformin is contraindicated in Renal Insufficiency"
    ]
    # and the ranking penalises the drug for it
    ranked = by_name(plan(gql, diagnoses=["type 2 diabetes", "CKD"]))
    assert kinds(ranked["metformin"]) == ["CONTRAINDICATION"]
    # a concept MeSH lacks reaches the tree through its nearest MeSH heading
    do = Entity("DOID:784", EntityType.DISEASE, "chronic kidney failure", broader=("MESH:D051436",))
    graph_store.apply(WriteBatch(entities=(do,)))
    s = safety(gql, "metformin", diagnoses=["DOID:784"])
    assert [w["message"].split(",")[0] for w in s["warnings"]] == [
        "metformin is contraindicated in Renal Insufficiency"
    ]


def test_broader_diseases_never_make_candidates(gql, graph_store):
    from kg.model import Entity, EntityType, WriteBatch

    # Lung Neoplasms is broader than NSCLC: treatments of the narrower disease are no
    # candidates for the broader diagnosis (nor, the other way round, for the narrower)
    lung = Entity("MESH:D008175", EntityType.DISEASE, "Lung Neoplasms")
    graph_store.apply(WriteBatch(entities=(lung,)))
    assert plan(gql, diagnoses=["Lung Neoplasms"])["candidates"] == []


def test_unresolved_inputs_are_listed_not_guessed(gql):
    s = safety(gql, "notadrug", diagnoses=["Pain", "made-up syndrome"])
    assert s["drug"] is None
    assert s["unresolved"] == ["notadrug", "made-up syndrome"]
    p = plan(gql, diagnoses=["lung"], medications=["aspirin 81 mg"])
    assert p["candidates"] == [] and p["unresolved"] == ["lung", "aspirin 81 mg"]


def test_first_limits_candidates_and_total_is_reported(gql):
    p = plan(gql, first=2, diagnoses=["Pain"])
    assert len(p["candidates"]) == 2 and p["totalCandidates"] == 5


def test_patient_input_limits(gql):
    body = gql(PLAN, {"p": {"diagnoses": ["x"] * 51}})
    assert codes(body) == ["BAD_USER_INPUT"]
    body = gql(PLAN, {"p": {"diagnoses": ["x" * 201]}})
    assert codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("text", "gene", "names", "kind", "reference"),
    [
        (
            "EGFR L858R",
            "EGFR",
            ("VAR:EGFR:p.L858R", "EGFR p.L858R", "EGFR L858R"),
            "protein_change",
            False,
        ),
        (
            "BRAF p.Val600Glu",
            "BRAF",
            ("VAR:BRAF:p.V600E", "BRAF p.V600E", "BRAF V600E"),
            "protein_change",
            False,
        ),
        ("HLA-B*57:01", "HLA-B", ("HLA-B*57:01", "HLA-B*5701", "HLA-B 57:01"), "hla_allele", False),
        ("HLA-B*5701", "HLA-B", ("HLA-B*57:01", "HLA-B*5701", "HLA-B 57:01"), "hla_allele", False),
        ("CYP2C19*2", "CYP2C19", ("CYP2C19*2", "CYP2C19 *2"), "star_allele", False),
        ("CYP2C19*1", "CYP2C19", ("CYP2C19*1",), "star_allele", True),
        ("ERBB2 amplification", "ERBB2", ("ERBB2 amplification",), "gene_alteration", False),
        ("EGFR exon 19 deletion", "EGFR", ("EGFR exon 19 deletion",), "gene_alteration", False),
        ("rs4244285", None, ("dbSNP:rs4244285", "rs4244285"), "rsid", False),
    ],
)
def test_parse_variant(text, gene, names, kind, reference):
    (q,) = parse_variant(text)
    assert (q.gene_symbol, q.kind, q.reference) == (gene, kind, reference)
    assert q.names[: len(names)] == names


def test_parse_diplotype_gives_one_query_per_non_reference_allele():
    qs = parse_variant("CYP2D6*4/*10")
    assert [q.names[0] for q in qs] == ["CYP2D6*4", "CYP2D6*10"]
    (q,) = parse_variant("CYP2D6*1/*4")
    assert q.names[0] == "CYP2D6*4"


def test_an_unreadable_hierarchy_costs_only_the_broader_warnings(
    graph_store, api_settings, tmp_path
):
    from extractors.linking.hierarchy import BROADER_FILE, Hierarchy
    from tests.api.conftest import make_service

    (tmp_path / BROADER_FILE).write_bytes(b"\x1f\x8b\x08\x00 truncated")
    service = make_service(graph_store, api_settings, ancestors=Hierarchy.in_kb(tmp_path).ancestors)
    body = service.execute(
        SAFETY, {"d": "metformin", "p": {"diagnoses": ["renal impairment"]}}
    ).body
    assert "errors" not in body, body
    assert [w["kind"] for w in body["data"]["drugSafety"]["warnings"]] == ["CONTRAINDICATION"]


def test_a_diagnosis_the_graph_lacks_resolves_through_the_vocabulary(graph_store, api_settings):
    from kg.model import Entity, EntityType
    from tests.api.conftest import make_service

    # neither diagnosis is a node of the test graph; the vocabulary knows both. Acute kidney
    # injury sits under Renal Insufficiency in MeSH, polycystic kidney disease does not.
    vocabulary = {
        "polycystic kidney disease": Entity(
            "MESH:D007690", EntityType.DISEASE, "Polycystic Kidney Diseases"
        ),
        "acute kidney injury": Entity("MESH:D058186", EntityType.DISEASE, "Acute Kidney Injury"),
    }
    service = make_service(
        graph_store, api_settings, linker=lambda t, e: [vocabulary[t]] if t in vocabulary else []
    )

    def run(diagnosis: str) -> dict:
        body = service.execute(SAFETY, {"d": "metformin", "p": {"diagnoses": [diagnosis]}}).body
        assert "errors" not in body, body
        return body["data"]["drugSafety"]

    aki = run("acute kidney injury")
    assert aki["unresolved"] == []
    assert [w["message"].split(" (")[0] for w in aki["warnings"]] == [
        "metformin is contraindicated in Renal Insufficiency, which includes Acute Kidney Injury"
    ]
    pkd = run("polycystic kidney disease")
    assert pkd["unresolved"] == [] and pkd["warnings"] == []
    # a drug or a text the vocabulary does not know stays unresolved
    assert run("made-up syndrome")["unresolved"] == ["made-up syndrome"]


def test_an_interaction_a_label_states_for_a_class_warns_for_its_members(gql, graph_store):
    from kg.model import Entity, EntityType, Predicate, Statement, WriteBatch
    from tests.api.graph import CLOPIDOGREL, LABEL, GraphBuilder

    # "NSAIDs: coadministration of clopidogrel and NSAIDs increases the risk of GI bleeding"
    nsaids = Entity(
        "MESH:D000894", EntityType.DRUG, "Anti-Inflammatory Agents, Non-Steroidal", ("NSAIDs",)
    )
    sentence = "Coadministration of clopidogrel and NSAIDs increases the risk of GI bleeding."
    g = GraphBuilder()
    g.add(
        Statement.make(CLOPIDOGREL.id, Predicate.INTERACTS_WITH, nsaids.id),
        ("SPL:clopidogrel@1", sentence),
        kind=LABEL,
    )
    graph_store.apply(
        WriteBatch(entities=(nsaids,), statements=tuple(g.statements), evidence=tuple(g.evidence))
    )
    s = safety(gql, "clopidogrel", medications=["ibuprofen", "Aleve"])
    assert [w["kind"] for w in s["warnings"]] == ["INTERACTION"]
    assert s["warnings"][0]["message"] == (
        "clopidogrel interacts with Anti-Inflammatory Agents, Non-Steroidal, the class of "
        "ibuprofen and naproxen, which the patient takes; 1 document"
    )
    assert s["warnings"][0]["evidence"][0]["sentence"] == sentence
    # a medication of no such class, or an allergy, is another matter: no interaction
    assert safety(gql, "clopidogrel", medications=["acetaminophen"])["warnings"] == []
    assert safety(gql, "clopidogrel", allergies=["ibuprofen"])["warnings"] == []
    # the ranking sees it too
    ranked = by_name(plan(gql, diagnoses=["ACS"], medications=["ibuprofen"]))
    assert "INTERACTION" in kinds(ranked["clopidogrel"])


def test_an_allergy_named_by_a_class_without_a_rule_covers_its_members(gql):
    # no cross-reactivity rule covers warfarin's class: the class named is the allergy
    s = safety(gql, "Coumadin", allergies=["anticoagulants"])
    assert [(w["kind"], w["message"], w["confidence"]) for w in s["warnings"]] == [
        ("ALLERGY", "the patient reports an allergy to anticoagulants, the class of warfarin", 1.0)
    ]
    assert safety(gql, "ibuprofen", allergies=["anticoagulants"])["warnings"] == []
    # a class a rule covers keeps the rule's weight
    assert [
        w["confidence"] for w in safety(gql, "ibuprofen", allergies=["NSAIDs"])["warnings"]
    ] == [0.8]
