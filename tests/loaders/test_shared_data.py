"""Every file of the shared PubMed and SPL data loads, with the counts its README gives.

Reads ``../shared/data`` (next to the repository); skipped where that is absent."""

from __future__ import annotations

import pytest

from loaders import iter_documents
from tests.loaders.helpers import SHARED_DATA, assert_sections_consistent, split

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not present"),
]

# (documents, documents with an abstract or body beyond the title) per file; from
# ../shared/data/pubmed/README.md. The legacy file also has one DeleteCitation.
PUBMED = {
    "pubmed_xml/oncology-pharmacogenomics_106.xml": (106, 106),
    "pubmed_xml/cancer-biology_93.xml": (93, 92),
    "pubmed_xml/pulmonary-fibrosis-emphysema_111.xml": (111, 108),
    "pubmed_xml/respiratory-misc_15.xml": (15, 14),
    "pubmed_xml/air-embolism_121.xml": (121, 102),
    "pubmed_xml/dabrafenib-trametinib-review_1.xml": (1, 1),
    "pubmed_xml/pubmed-29768149.xml": (1, 1),
    "pubmed_xml/current-dtd-2024_1.xml.gz": (4, 3),
    "medline_legacy/medline16n0902-subset.xml.gz": (604 + 1, 526),
    "pmc_oa_jats/1471-2180-11-174.nxml": (1, 1),
    "pmc_oa_jats/1472-6831-8-11.nxml": (1, 1),
    "pmc_oa_jats/6605965a.nxml": (1, 1),
    "pmc_oa_jats/ehp-116-1694.nxml": (1, 1),
    "pmc_oa_jats/mds526.nxml": (1, 1),
    "pmc_oa_jats/pntd.0002065.nxml": (1, 1),
    "pmc_oa_jats/pone.0000217.nxml": (1, 1),
    "pmc_oa_jats/pone.0046493.nxml": (1, 1),
}


def test_pubmed_files() -> None:
    root = SHARED_DATA / "pubmed"
    found = {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert found == set(PUBMED)
    all_ids: list[str] = []
    for name, (count, with_text) in sorted(PUBMED.items()):
        docs, errors = split(iter_documents(root / name))
        assert errors == [], name
        assert len(docs) == count, name
        assert sum(1 for d in docs if len(d.sections) > 1) == with_text, name
        for doc in docs:
            assert_sections_consistent(doc)
        all_ids += [
            d.id for d in docs if d.source == "pubmed" and d.metadata["status"] != "deleted"
        ]
    # 1,056 citations, 1,055 distinct PMIDs (23117106 is in both respiratory files)
    assert len(all_ids) == 1056 and len(set(all_ids)) == 1055


def test_spl_files() -> None:
    root = SHARED_DATA / "spl_labels"
    manifest = (root / "manifest.tsv").read_text().splitlines()
    header = manifest[0].split("\t")
    rows = [
        dict(zip(header, line.split("\t"), strict=False)) for line in manifest[1:] if line.strip()
    ]
    assert len(rows) == 60
    for row in rows:
        docs, errors = split(iter_documents(root / row["file"]))
        assert errors == [], row["file"]
        assert len(docs) == 1, row["file"]
        (doc,) = docs
        assert doc.id == f"SPL:{row['setid'].lower()}@{row['version']}"
        assert doc.metadata["effective_time"] == row["effective_time"]
        assert_sections_consistent(doc)
        codes = {s.code for s in doc.sections}
        assert ("34067-9" in codes) == (row["has_indications"] == "True"), row["file"]
        assert ("34070-3" in codes) == (row["has_contraindications"] == "True"), row["file"]
        assert ("34073-7" in codes) == (row["has_drug_interactions"] == "True"), row["file"]
    # the INOMAX set: ten versions of one set id
    versions = split(iter_documents(root / "versions"))[0]
    assert len(versions) == 10 and len({d.metadata["set_id"] for d in versions}) == 1
