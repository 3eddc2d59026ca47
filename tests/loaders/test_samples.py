"""The shipped demo sample loads completely, with these exact document counts."""

from __future__ import annotations

import pytest

from loaders import detect_format, iter_documents
from tests.loaders.helpers import SAMPLES, assert_sections_consistent, split

EXPECTED = {
    "civic/ClinicalEvidenceSummaries_30.tsv": 30,
    "pharmgkb/Annotation_of_CPIC_Guideline_for_fluorouracil_and_DPYD.json.gz": 1,
    "pharmgkb/Annotation_of_DPWG_Guideline_for_clopidogrel_and_CYP2C19.json.gz": 1,
    "pubmed/dabrafenib-trametinib-review_1.xml": 1,
    "pubmed/oncology-pharmacogenomics_39.xml.gz": 39,
    "spl/aspirin-clopidogrel__126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2.xml.gz": 1,
    "spl/atorvastatin__c6e131fe-e7df-4876-83f7-9156fc4e8228.xml.gz": 1,
    "spl/celecoxib__8d52185d-421f-4e34-8db7-f7676db2a226.xml.gz": 1,
    "spl/haloperidol__0027b8a3-73bf-4005-a7e3-b035f451a861.xml.gz": 1,
    "spl/ibuprofen__a3fcd34a-6aa9-477c-bbfb-2f6b36e06b65.xml.gz": 1,
    "spl/metformin__41a8bb80-7b0b-476c-8134-5d161c3239c8.xml.gz": 1,
    "spl/naproxen__46dbdb95-a0d0-4410-8d64-b22763b12af7.xml.gz": 1,
    "spl/sildenafil__0b0be196-0c62-461c-94f4-9a35339b4501.xml.gz": 1,
}


def test_every_sample_file_is_listed() -> None:
    shipped = {
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert shipped == set(EXPECTED)


@pytest.mark.parametrize("name,count", sorted(EXPECTED.items()))
def test_sample_counts(name: str, count: int) -> None:
    docs, errors = split(iter_documents(SAMPLES / name))
    assert errors == []
    assert len(docs) == count
    assert len({d.id for d in docs}) == count
    expected_source = {"civic": "civic", "pharmgkb": "pharmgkb", "pubmed": "pubmed", "spl": "spl"}
    assert {d.source for d in docs} == {expected_source[name.split("/")[0]]}
    assert detect_format(SAMPLES / name) == expected_source[name.split("/")[0]]
    for doc in docs:
        assert_sections_consistent(doc)


def test_sample_abstracts_and_label_sections() -> None:
    docs, _ = split(iter_documents(SAMPLES))
    pubmed = [d for d in docs if d.source == "pubmed"]
    assert all(len(d.sections) > 1 for d in pubmed)  # all picked with an abstract
    labels = [d for d in docs if d.source == "spl"]
    assert all(any(s.name == "indications_and_usage" for s in d.sections) for d in labels)
    assert sum(len(d.text) for d in docs) > 500_000
