"""CIViC's curated fields as the reference for the text pipeline (``medkg eval summaries``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.relations.summaries import (
    genes_of,
    gold_items,
    norm_key,
    predictions,
    score,
)
from kg.model import Document, Entity, EntityType, Predicate, ResponseDirection, Statement

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "civic" / "ClinicalEvidenceSummaries_30.tsv"


def civic(eid: str, **meta: str) -> Document:
    base = {"evidence_status": "accepted", "evidence_direction": "Supports", "gene": "BRAF",
            "entrez_id": "673"}  # fmt: skip
    return Document(f"CIVIC:EID{eid}", "civic", "text", metadata={**base, **meta})


def resolve(name: str, etype: EntityType) -> str | None:
    return {"vemurafenib": "MESH:C551177", "melanoma": "MESH:D008545"}.get(name.lower())


def test_variant_ids_name_their_genes():
    assert genes_of("VAR:BRAF:p.V600E") == {"BRAF"}
    assert genes_of("VAR:CYP2C19*2") == {"CYP2C19"}
    assert genes_of("VAR:BCR::ABL1") == {"BCR", "ABL1"}
    assert genes_of("NCBIGene:673") == set() and genes_of("dbSNP:rs1") == set()


def test_only_accepted_supporting_items_with_a_reading_are_reference():
    docs = [
        civic("1", evidence_type="Predictive", clinical_significance="Sensitivity/Response",
              drugs="Vemurafenib|Cobimetinib"),
        civic("2", evidence_type="Predictive", clinical_significance="Resistance", drugs="Vemurafenib",
              evidence_status="submitted"),
        civic("3", evidence_type="Prognostic", clinical_significance="Poor Outcome", disease="Melanoma",
              doid="1909"),
        civic("4", evidence_type="Diagnostic", clinical_significance="Negative", disease="Melanoma"),
        civic("5", evidence_type="Predictive", clinical_significance="Resistance", drugs="Vemurafenib",
              evidence_direction="Does Not Support"),
    ]  # fmt: skip
    items = gold_items(docs, resolve)
    assert [it.document.id for it in items] == ["CIVIC:EID1", "CIVIC:EID3"]
    first, second = items[0].gold
    assert first.keys == {"MESH:C551177", norm_key("Vemurafenib")}
    assert first.direction is ResponseDirection.SENSITIVITY and first.task == "drug_response"
    assert second.keys == {norm_key("Cobimetinib")}  # unknown to the linker: its name still counts
    (assoc,) = items[1].gold
    assert assoc.task == "association" and assoc.keys >= {"MESH:D008545", "DOID:1909"}


def test_predictions_and_scores():
    doc = civic("1", evidence_type="Predictive", clinical_significance="Resistance",
                drugs="Vemurafenib|Cobimetinib")  # fmt: skip
    (item,) = gold_items([doc], resolve)
    ents = {
        e.id: e
        for e in (
            Entity("VAR:BRAF:p.V600E", EntityType.VARIANT, "V600E"),
            Entity("VAR:NRAS:p.Q61K", EntityType.VARIANT, "Q61K"),
            Entity("MESH:C551177", EntityType.DRUG, "vemurafenib"),
            Entity("MESH:D000001", EntityType.DRUG, "cobimetinib"),
            Entity("MESH:D008545", EntityType.DISEASE, "Melanoma"),
        )
    }
    sts = [
        Statement.make("VAR:BRAF:p.V600E", Predicate.AFFECTS_RESPONSE, "MESH:C551177", direction="resistance"),
        Statement.make("VAR:BRAF:p.V600E", Predicate.AFFECTS_RESPONSE, "MESH:D000001", direction="sensitivity"),
        Statement.make("VAR:NRAS:p.Q61K", Predicate.AFFECTS_RESPONSE, "MESH:C551177", direction="resistance"),
        Statement.make("MESH:C551177", Predicate.TREATS, "MESH:D008545"),
    ]  # fmt: skip
    preds = predictions(item, sts, ents)
    assert [(p.gene_match, p.direction) for p in preds] == [
        (True, "resistance"), (True, "sensitivity"), (False, "resistance")
    ]  # fmt: skip
    tally = score([item], {item.document.id: preds})["drug_response"].as_dict()
    # both drugs found (cobimetinib by name), NRAS is another gene: 2 of 3 predictions right
    assert tally["recall"] == 1.0 and tally["precision"] == round(2 / 3, 4)
    assert tally["direction_accuracy"] == 0.5
    empty = score([item], {})["drug_response"].as_dict()
    assert empty["recall"] == 0.0 and empty["gold"] == 2


@pytest.mark.slow
def test_the_command_on_the_shipped_sample(capsys):
    from api.cli import main

    assert main(["eval", "summaries", "--corpus", str(SAMPLE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["items"] > 0 and out["failures"] == 0
    assert out["drug_response"]["gold"] > 0 and 0 <= out["drug_response"]["f1"] <= 1


def test_a_pharmgkb_guideline_pairs_its_genes_with_its_drugs():
    from extractors.relations.summaries import pharmgkb_items

    doc = Document("PHARMGKB:PA1", "pharmgkb", "text",
                   metadata={"genes": "CYP2C19|CYP2C9", "drugs": "Vemurafenib|warfarin"})  # fmt: skip
    no_drug = Document("PHARMGKB:PA2", "pharmgkb", "text", metadata={"genes": "DPYD"})
    (item,) = pharmgkb_items([doc, no_drug], resolve)
    assert item.genes == {"CYP2C19", "CYP2C9"} and [g.direction for g in item.gold] == [None, None]
    ents = {
        "VAR:CYP2C9*3": Entity("VAR:CYP2C9*3", EntityType.VARIANT, "CYP2C9*3"),
        "MESH:D014859": Entity("MESH:D014859", EntityType.DRUG, "Warfarin"),
    }
    st = Statement.make("VAR:CYP2C9*3", Predicate.AFFECTS_RESPONSE, "MESH:D014859", direction="dosage")
    tally = score([item], {item.document.id: predictions(item, [st], ents)})["drug_response"].as_dict()
    assert (tally["recall"], tally["precision"]) == (0.5, 1.0)
    assert "direction_accuracy" not in tally  # guidelines give no direction to check


@pytest.mark.slow
def test_the_command_on_the_shipped_pharmgkb_sample(capsys):
    from api.cli import main

    sample = SAMPLE.parents[1] / "pharmgkb"
    assert main(["eval", "summaries", "--corpus", str(sample), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "pharmgkb" and out["items"] == 2 and out["drug_response"]["gold"] >= 2
