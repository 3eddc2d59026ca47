from __future__ import annotations

import pytest

from kg.errors import EmptyDocumentError
from loaders.pubmed import read_pubmed, snake
from tests.loaders.helpers import FIXTURES, assert_sections_consistent, split

PUBMED = FIXTURES / "pubmed"


@pytest.mark.parametrize(
    "name,docs,with_abstract",
    [
        ("pubmed-29768149.xml", 1, 1),  # DTD 2019
        ("current-dtd-2024_1.xml.gz", 4, 3),  # DTD 2024, gzipped
        ("respiratory-misc_15.xml", 15, 14),  # DTD 2012
        ("medline16n0902-first5-and-deletion.xml.gz", 6, 5),  # legacy MedlineCitationSet
    ],
)
def test_counts_per_file(name: str, docs: int, with_abstract: int) -> None:
    loaded, errors = split(read_pubmed(PUBMED / name))
    assert errors == []
    assert len(loaded) == docs
    assert sum(1 for d in loaded if len(d.sections) > 1) == with_abstract
    for doc in loaded:
        assert doc.id == f"PMID:{doc.metadata['pmid']}" and doc.source == "pubmed"
        assert_sections_consistent(doc)
        if doc.text:
            assert (
                doc.sections[0].name == "title" and doc.section_text(doc.sections[0]) == doc.title
            )


def test_structured_abstract_sections() -> None:
    (doc,) = split(read_pubmed(PUBMED / "pubmed-29768149.xml"))[0]
    names = [s.name for s in doc.sections]
    assert names == ["title", "background", "methods", "results", "conclusions"]
    assert [s.code for s in doc.sections[1:]] == [None] * 4  # no NlmCategory in this file
    background = doc.section_text(doc.sections[1])
    assert background and background in doc.text
    # MeSH, keywords, chemicals and ids land in metadata
    assert doc.metadata["mesh_ids"].startswith("D") and "|" in doc.metadata["mesh_headings"]
    assert doc.metadata["status"] == "active"
    assert doc.metadata["year"] == "2018"
    assert doc.metadata.get("doi")


def test_title_only_record_is_a_document() -> None:
    docs, _ = split(read_pubmed(PUBMED / "current-dtd-2024_1.xml.gz"))
    title_only = [d for d in docs if len(d.sections) == 1]
    assert len(title_only) == 1
    (doc,) = title_only
    assert doc.text == doc.title and doc.sections[0].name == "title"


def test_legacy_root_and_delete_citation() -> None:
    docs, _ = split(read_pubmed(PUBMED / "medline16n0902-first5-and-deletion.xml.gz"))
    deleted = [d for d in docs if d.metadata["status"] == "deleted"]
    assert [d.id for d in deleted] == ["PMID:26432306"]
    assert deleted[0].text == "" and deleted[0].sections == ()
    assert docs[0].id == "PMID:17942999"
    assert sum(1 for d in docs if d.metadata["status"] == "active") == 5


def test_retraction_is_surfaced() -> None:
    (doc,) = split(read_pubmed(FIXTURES / "malformed" / "retracted_pubmed_derived.xml"))[0]
    assert doc.metadata["status"] == "retracted"
    assert doc.metadata["retracted_in"] == "99999999"
    assert "Retracted Publication" in doc.metadata["publication_types"]


def test_empty_record_is_named(tmp_path) -> None:
    path = tmp_path / "e.xml"
    path.write_text(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID><Article>"
        "<ArticleTitle/><Abstract><AbstractText/></Abstract></Article></MedlineCitation>"
        "</PubmedArticle><PubmedArticle><MedlineCitation><PMID>8</PMID><Article>"
        "<ArticleTitle>Kept</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        "</PubmedArticleSet>"
    )
    docs, errors = split(read_pubmed(path))
    assert [d.id for d in docs] == ["PMID:8"]
    assert [type(e) for e in errors] == [EmptyDocumentError] and errors[0].record == "PMID:7"


def test_nlm_category_is_the_section_code(tmp_path) -> None:
    path = tmp_path / "c.xml"
    path.write_text(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>9</PMID><Article>"
        "<ArticleTitle>T</ArticleTitle><Abstract>"
        '<AbstractText Label="AIMS" NlmCategory="OBJECTIVE">Aim.</AbstractText>'
        '<AbstractText Label="MATERIALS AND METHODS" NlmCategory="METHODS">How.</AbstractText>'
        "</Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    (doc,) = split(read_pubmed(path))[0]
    assert [(s.name, s.code) for s in doc.sections] == [
        ("title", None),
        ("aims", "OBJECTIVE"),
        ("materials_and_methods", "METHODS"),
    ]
    assert doc.text == "T\nAim.\nHow."


def test_snake() -> None:
    assert snake("MATERIALS AND METHODS") == "materials_and_methods"
    assert snake("Conclusions/Significance") == "conclusions_significance"
    assert snake("  ") == "abstract"
