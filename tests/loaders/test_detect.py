from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from kg.errors import (
    EmptyDocumentError,
    LoaderError,
    MalformedRecordError,
    UnknownFormatError,
    UnsafeXMLError,
)
from loaders import FORMATS, detect_format, iter_documents
from tests.loaders.helpers import FIXTURES, SAMPLES, split


@pytest.mark.parametrize(
    "path,fmt",
    [
        (FIXTURES / "pubmed" / "respiratory-misc_15.xml", "pubmed"),
        (FIXTURES / "pubmed" / "current-dtd-2024_1.xml.gz", "pubmed"),
        (FIXTURES / "pubmed" / "medline16n0902-first5-and-deletion.xml.gz", "pubmed"),
        (FIXTURES / "pmc" / "pone.0000217.nxml", "pmc"),
        (FIXTURES / "spl" / "inomax_v01_20060329.xml", "spl"),
        (SAMPLES / "spl" / "celecoxib__8d52185d-421f-4e34-8db7-f7676db2a226.xml.gz", "spl"),
        (FIXTURES / "bioc" / "pubtator_3docs.BioC.xml", "bioc"),
        (FIXTURES / "pubtator" / "bc5cdr_train_4.PubTator.txt", "pubtator"),
        (FIXTURES / "pubtator" / "ncbi_disease_3.txt", "pubtator"),
        (FIXTURES / "openfda" / "drug_label_3.json", "openfda"),
        (FIXTURES / "openfda" / "drug_label_3.jsonl", "openfda"),
        (FIXTURES / "civic" / "ClinicalEvidenceSummaries_5.tsv", "civic"),
        (
            SAMPLES / "pharmgkb" / "Annotation_of_CPIC_Guideline_for_fluorouracil_and_DPYD.json.gz",
            "pharmgkb",
        ),
        (FIXTURES / "malformed" / "good_note.txt", "text"),
    ],
)
def test_detect_format(path: Path, fmt: str) -> None:
    assert detect_format(path) == fmt
    assert fmt in FORMATS


@pytest.mark.parametrize(
    "name,content,error",
    [
        ("empty.xml", b"", EmptyDocumentError),
        ("blank.txt", b"  \n\n", EmptyDocumentError),
        ("binary.json", b"\x00\x01\x02{", MalformedRecordError),
        ("manual.pdf", b"%PDF-1.4\x00\x00binary", UnknownFormatError),
        ("notes.md", b"# Title\n", UnknownFormatError),
        ("table.csv", b"a,b\n1,2\n", UnknownFormatError),
        ("other.json", b'{"foo": [1, 2]}', UnknownFormatError),
        (
            "svg.xml",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            UnknownFormatError,
        ),
        ("bomb.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><collection/>', UnsafeXMLError),
    ],
)
def test_detect_format_errors(tmp_path: Path, name: str, content: bytes, error: type) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as info:
        detect_format(path)
    assert info.value.source == str(path)


def test_gzip_is_transparent(tmp_path: Path) -> None:
    path = tmp_path / "cdr.gz"
    path.write_bytes(
        gzip.compress((FIXTURES / "pubtator" / "bc5cdr_train_4.PubTator.txt").read_bytes())
    )
    assert detect_format(path) == "pubtator"
    docs, errors = split(iter_documents(path))
    assert len(docs) == 4 and errors == []


def test_walks_directories_sorted_and_recursively(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    shutil.copy(
        FIXTURES / "civic" / "ClinicalEvidenceSummaries_5.tsv",
        tmp_path / "b" / "deeper" / "civic.tsv",
    )
    shutil.copy(FIXTURES / "pubmed" / "pubmed-29768149.xml", tmp_path / "a.xml")
    shutil.copy(FIXTURES / "malformed" / "good_note.txt", tmp_path / "b" / "note.txt")
    (tmp_path / ".hidden.txt").write_text("skipped")
    (tmp_path / "README.md").write_text("# about this folder")
    (tmp_path / "b" / "junk.bin").write_bytes(b"\x00\xff" * 10)
    items = list(iter_documents(tmp_path))
    kinds = [(i.source if isinstance(i, LoaderError) else i.id) for i in items]
    assert kinds == [
        "PMID:29768149",
        str(tmp_path / "b" / "junk.bin"),
        "TEXT:note",
        "CIVIC:EID1",
        "CIVIC:EID2",
        "CIVIC:EID3",
        "CIVIC:EID4",
        "CIVIC:EID5",
    ]
    assert isinstance(items[1], UnknownFormatError)


def test_forced_format_missing_path_and_bad_format_name(tmp_path: Path) -> None:
    note = tmp_path / "x.dat"
    note.write_text("A plain note.")
    docs, errors = split(iter_documents([note, tmp_path / "missing.txt"], fmt="text"))
    assert [d.id for d in docs] == ["TEXT:x.dat"]
    assert len(errors) == 1 and errors[0].source == str(tmp_path / "missing.txt")
    with pytest.raises(UnknownFormatError):
        list(iter_documents(note, fmt="docx"))
    readme = tmp_path / "README.md"
    readme.write_text("# docs")
    (err,) = iter_documents(readme)  # named explicitly: reported, not skipped
    assert isinstance(err, UnknownFormatError)
