"""The document-level concept measure and ``medkg eval linking``."""

from __future__ import annotations

import json

import pytest

from api.cli import main
from extractors.base import LinkedMention
from extractors.linking.evaluate import (
    evaluate,
    gold_concepts,
    gold_namespaces,
    predicted_concepts,
    score_documents,
)
from extractors.linking.kb import RANK_PREFERRED, KBData, KBRecord, KnowledgeBase
from extractors.linking.linker import DictionaryLinker
from kg.model import Document, Entity, EntityType, Mention
from kg.settings import REPO_ROOT

SAMPLE = REPO_ROOT / "tests" / "fixtures" / "linking" / "bc5cdr_train_sample.PubTator"
D, DIS = EntityType.DRUG, EntityType.DISEASE


def test_a_prediction_is_read_in_the_gold_vocabulary():
    v = EntityType.VARIANT
    doc = Document(
        "PMID:2",
        "text",
        "x",
        mentions=(
            Mention(0, 1, "a", D, ids=("MESH:D1",)),
            Mention(0, 1, "v", v, ids=("tmVar:p|SUB|V|600|E",)),
            Mention(0, 1, "w", v, ids=("dbSNP:rs1",)),
        ),
    )
    namespaces = gold_namespaces([doc])
    assert namespaces == {D: frozenset({"MESH"}), v: frozenset({"tmVar", "dbSNP"})}
    braf = Entity(
        "VAR:BRAF:p.V600E", v, "BRAF p.V600E", xrefs=("tmVar:p|SUB|V|600|E", "NCBIGene:673")
    )
    drug = Entity("DRUGBANK:DB1", D, "A", xrefs=("MESH:D1",))
    other = Entity("DRUGBANK:DB2", D, "B")  # nothing in MeSH: scored by its own id, a miss
    linked = [
        LinkedMention(Mention(0, 1, "v", v), braf, 1.0),
        LinkedMention(Mention(0, 1, "a", D), drug, 1.0),
        LinkedMention(Mention(0, 1, "b", D), other, 1.0),
    ]
    assert predicted_concepts(linked, None, namespaces) == {
        ("Variant", "tmVar:p|SUB|V|600|E"),
        ("Drug", "MESH:D1"),
        ("Drug", "DRUGBANK:DB2"),
    }
    assert ("Variant", "VAR:BRAF:p.V600E") in predicted_concepts(linked)  # no corpus: own ids


def test_concepts_are_sets_per_document():
    doc = Document(
        "PMID:1",
        "text",
        "x",
        mentions=(
            Mention(0, 1, "a", D, ids=("MESH:D1",)),
            Mention(0, 1, "a", D, ids=("MESH:D1",)),  # repeated: counted once
            Mention(0, 1, "b", DIS, ids=("MESH:D2", "MESH:D3")),  # composite: both ids
            Mention(0, 1, "c", DIS),  # unlinkable in gold: nothing
        ),
    )
    gold = gold_concepts(doc)
    assert gold == {("Drug", "MESH:D1"), ("Disease", "MESH:D2"), ("Disease", "MESH:D3")}
    linked = [
        LinkedMention(Mention(0, 1, "a", D), Entity("MESH:D1", D, "A"), 1.0),
        LinkedMention(Mention(0, 1, "b", DIS), Entity("MESH:D2", DIS, "B"), 1.0),
        LinkedMention(Mention(0, 1, "d", DIS), Entity("MESH:D9", DIS, "D"), 0.8),
        LinkedMention(Mention(0, 1, "e", DIS), None, 0.0),
    ]
    report = score_documents([("PMID:1", gold, predicted_concepts(linked))]).as_dict()
    assert report["per_type"]["Drug"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "tp": 1,
        "fp": 0,
        "fn": 0,
    }
    dis = report["per_type"]["Disease"]
    assert (dis["tp"], dis["fp"], dis["fn"]) == (1, 1, 1)
    assert report["micro"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["micro"]["recall"] == pytest.approx(2 / 3, abs=1e-4)


def test_gold_spans_are_linked_as_they_are():
    # the linker grows recognised disease spans to a longer KB name; gold spans are right
    kb = KnowledgeBase.from_data(
        KBData(
            [
                KBRecord("MESH:D006973", DIS, "Hypertension"),
                KBRecord("MESH:D000075222", DIS, "Essential Hypertension"),
            ],
            [
                (0, RANK_PREFERRED * 10, "Hypertension"),
                (1, RANK_PREFERRED * 10, "Essential Hypertension"),
            ],
        )
    )
    text = "Essential hypertension was treated."
    gold = Mention(10, 22, "hypertension", DIS, ids=("MESH:D006973",))
    doc = Document("PMID:1", "text", text, mentions=(gold,))
    linker = DictionaryLinker(kb=kb)
    assert linker.link(doc, [gold])[0].entity.id == "MESH:D000075222"  # as a recognised span
    report, linked = evaluate([doc], linker)
    assert [lm.entity.id for lm in linked[0]] == ["MESH:D006973"]
    assert report.as_dict()["micro"]["f1"] == 1.0


def test_precision_is_reported_for_each_way_of_linking():
    kb = KnowledgeBase.from_data(
        KBData(
            [
                KBRecord("MESH:D058186", DIS, "Acute Kidney Injury"),
                KBRecord("MESH:D001943", DIS, "Breast Neoplasms"),
                KBRecord("MESH:D006973", DIS, "Hypertension"),
            ],
            [
                (0, RANK_PREFERRED * 10, "acute renal failure"),
                (1, RANK_PREFERRED * 10, "breast tumor"),
                (2, RANK_PREFERRED * 10, "Hypertension"),
            ],
        )
    )
    text = "Acute renal failure (ARF) and brest tumor; hypertension."
    ms = [
        Mention(0, 19, "Acute renal failure", DIS, ids=("MESH:D058186",)),
        Mention(21, 24, "ARF", DIS, ids=("MESH:D058186",)),
        Mention(30, 41, "brest tumor", DIS, ids=("MESH:D001943",)),
        Mention(43, 55, "hypertension", DIS, ids=("MESH:D000075222",)),  # gold: another
    ]
    doc = Document("PMID:1", "text", text, mentions=tuple(ms))
    report, _ = evaluate([doc], DictionaryLinker(kb=kb))
    assert report.as_dict()["by_link"] == {
        "exact": {"mentions": 2, "precision": 0.5},
        "fuzzy": {"mentions": 1, "precision": 1.0},
        "long:exact": {"mentions": 1, "precision": 1.0},
    }


@pytest.mark.slow
@pytest.mark.timeout(300)  # a lazy-loading deadlock once hung here
def test_cli_eval_linking_on_gold_mentions(capsys):
    assert main(["eval", "linking", "--corpus", str(SAMPLE), "--mentions", "gold", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["per_type"]) == {"Drug", "Disease"}
    for scores in [*result["per_type"].values(), result["micro"]]:
        assert set(scores) >= {"precision", "recall", "f1"}
    assert result["documents"] == 4
    assert result["micro"]["f1"] > 0.5
