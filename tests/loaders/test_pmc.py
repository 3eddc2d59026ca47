from __future__ import annotations

from loaders.pmc import read_pmc
from tests.loaders.helpers import FIXTURES, assert_sections_consistent, split

PMC = FIXTURES / "pmc"


def test_jats_articles() -> None:
    docs, errors = split(read_pmc(PMC / "1472-6831-8-11.nxml"))
    assert errors == [] and len(docs) == 1
    (doc,) = docs
    assert doc.id == "PMC:PMC2329613" and doc.source == "pmc"
    assert doc.metadata["pmid"] == "18405359" and doc.metadata["doi"] == "10.1186/1472-6831-8-11"
    assert_sections_consistent(doc)
    abstract = [s for s in doc.sections if s.code == "abstract"]
    assert [s.name for s in abstract] == ["background", "methods", "results", "conclusion"]
    body = [s for s in doc.sections if s.code != "abstract" and s.name != "title"]
    assert len(body) >= 10  # nested body sections, flattened
    assert doc.sections[0].name == "title" and doc.title


def test_plos_article_with_titled_abstract_parts() -> None:
    (doc,) = split(read_pmc(PMC / "pone.0000217.nxml"))[0]
    assert doc.id == "PMC:PMC1790863"
    assert_sections_consistent(doc)
    assert "introduction" in [s.name for s in doc.sections]
    assert doc.metadata["year"] == "2007"


def test_pmid_when_no_pmc_id(tmp_path) -> None:
    path = tmp_path / "a.nxml"
    path.write_text(
        '<article><front><article-meta><article-id pub-id-type="pmid">123</article-id>'
        "<title-group><article-title>A title</article-title></title-group>"
        "<abstract><p>An abstract.</p></abstract></article-meta></front>"
        "<body><p>Loose paragraph.</p><sec><title>Methods</title><p>Did it.</p>"
        "<sec><title>Stats</title><p>Tested it.</p></sec></sec></body></article>"
    )
    (doc,) = split(read_pmc(path))[0]
    assert doc.id == "PMID:123"
    assert [(s.name, doc.section_text(s)) for s in doc.sections] == [
        ("title", "A title"),
        ("abstract", "An abstract."),
        ("body", "Loose paragraph."),
        ("methods", "Did it."),
        ("stats", "Tested it."),
    ]
