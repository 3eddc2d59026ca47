"""Safe XML: entity bombs and external entities refused, external DTDs never loaded,
truncation and bad bytes reported with the records before them kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import MalformedRecordError, UnsafeXMLError
from loaders import iter_documents
from loaders.pubmed import read_pubmed
from loaders.xmlsafe import check_prolog, iter_records, localname
from tests.loaders.helpers import FIXTURES, split

BAD = FIXTURES / "malformed"


def test_billion_laughs_is_refused_before_parsing() -> None:
    docs, errors = split(read_pubmed(BAD / "billion_laughs.xml"))
    assert docs == []
    assert len(errors) == 1 and isinstance(errors[0], UnsafeXMLError)
    assert errors[0].source == str(BAD / "billion_laughs.xml")
    assert "entity" in errors[0].problem


def test_external_entity_is_refused_and_nothing_is_read() -> None:
    docs, errors = split(read_pubmed(BAD / "external_entity.xml"))
    assert docs == [] and [type(e) for e in errors] == [UnsafeXMLError]
    assert "external entity" in errors[0].problem
    assert "root:" not in str(errors[0])


def test_internal_dtd_check_catches_entities_past_the_prolog_scan(tmp_path: Path) -> None:
    # the parser-level check still refuses when entity declarations are present
    path = tmp_path / "e.xml"
    path.write_text('<!DOCTYPE r [<!ENTITY a "b">]><r><x>&a;</x></r>')
    items = list(iter_records(path, ("x",)))
    assert [type(i) for i in items] == [UnsafeXMLError]
    with pytest.raises(UnsafeXMLError):
        check_prolog(path, str(path))


def test_parameter_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    path.write_text('<!DOCTYPE r [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]><r/>')
    assert [type(i) for i in iter_records(path, ("r",), max_depth=0)] == [UnsafeXMLError]


def test_external_dtd_is_never_loaded(tmp_path: Path) -> None:
    (tmp_path / "evil.dtd").write_text('<!ENTITY secret "FROM-DTD">\n')
    path = tmp_path / "a.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "evil.dtd">\n'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID><Article>"
        "<ArticleTitle>Title &secret; end</ArticleTitle></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>\n"
    )
    docs, errors = split(read_pubmed(path))
    assert errors == [] and [d.id for d in docs] == ["PMID:5"]
    assert "FROM-DTD" not in docs[0].text


def test_truncated_file_keeps_records_before_the_break() -> None:
    path = BAD / "truncated_pubmed.xml"
    docs, errors = split(read_pubmed(path))
    assert [d.id for d in docs] == ["PMID:22441635", "PMID:21908266", "PMID:23064571"]
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError)
    assert errors[0].source == str(path)
    assert "line" in errors[0].problem and "after record PMID:23064571" in errors[0].problem


def test_invalid_utf8_names_the_file_and_position() -> None:
    path = BAD / "latin1_in_utf8_pubmed.xml"
    docs, errors = split(read_pubmed(path))
    assert [d.id for d in docs] == ["PMID:22441635", "PMID:21908266"]
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError)
    assert errors[0].source == str(path) and "line 527" in errors[0].problem


def test_truncated_gzip(tmp_path: Path) -> None:
    import gzip

    raw = (FIXTURES / "pubmed" / "respiratory-misc_15.xml").read_bytes()
    packed = gzip.compress(raw)
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(packed[: len(packed) // 2])
    docs, errors = split(read_pubmed(path))
    assert 0 < len(docs) < 15
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError)
    assert errors[0].source == str(path)


def test_records_are_freed_while_streaming() -> None:
    # each record handed over is cleared once the consumer moves on
    seen = []
    for el in iter_records(FIXTURES / "pubmed" / "respiratory-misc_15.xml", ("PubmedArticle",)):
        assert not isinstance(el, Exception)
        seen.append(el)
        previous = el.getprevious()  # only the last record (cleared) is left behind
        assert previous is None or (previous.getprevious() is None and len(previous) == 0)
    assert len(seen) == 15
    assert all(len(el) == 0 for el in seen[:-1])
    assert {localname(el) for el in seen} == {"PubmedArticle"}


def test_malformed_batch_yields_named_errors_and_every_good_record() -> None:
    by_file: dict[str, list[str]] = {}
    for item in iter_documents(BAD):
        name = Path(item.source if isinstance(item, Exception) else "").name
        if isinstance(item, Exception):
            by_file.setdefault(name, []).append(type(item).__name__)
    docs, errors = split(iter_documents(BAD))
    assert by_file == {
        "billion_laughs.xml": ["UnsafeXMLError"],
        "binary.xml": ["MalformedRecordError"],
        "empty.txt": ["EmptyDocumentError"],
        "empty_abstract_pubmed.xml": ["EmptyDocumentError"],
        "external_entity.xml": ["UnsafeXMLError"],
        "latin1_in_utf8_pubmed.xml": ["MalformedRecordError"],
        "truncated_pubmed.xml": ["MalformedRecordError"],
    }
    assert all(e.source.startswith(str(BAD)) for e in errors)
    ids = [d.id for d in docs]
    # title-only record, its good neighbour, the text file, the records before the breaks,
    # and the retracted paper
    assert ids == [
        "PMID:22441635",
        "PMID:22451472",
        "TEXT:good_note",
        "PMID:22441635",
        "PMID:21908266",
        "PMID:29768149",
        "PMID:22441635",
        "PMID:21908266",
        "PMID:23064571",
    ]
    assert not any("root:" in d.text for d in docs)
