"""CIViC evidence rows, PharmGKB guideline annotations, plain text."""

from __future__ import annotations

from pathlib import Path

from kg.errors import EmptyDocumentError, MalformedRecordError
from loaders._html import html_to_text
from loaders.civic import read_civic
from loaders.pharmgkb import read_pharmgkb
from loaders.text import read_text
from tests.loaders.helpers import FIXTURES, SAMPLES, split

CIVIC = FIXTURES / "civic" / "ClinicalEvidenceSummaries_5.tsv"


def test_civic_rows() -> None:
    docs, errors = split(read_civic(CIVIC))
    assert errors == [] and len(docs) == 5
    first = docs[0]
    assert first.id == "CIVIC:EID1" and first.source == "civic"
    assert first.text.startswith("JAK2 V617F is not associated with lymphoid leukemia")
    assert [s.name for s in first.sections] == ["evidence_statement"]
    m = first.metadata
    assert (m["gene"], m["variant"], m["disease"], m["doid"], m["pmid"]) == (
        "JAK2",
        "V617F",
        "Lymphoid Leukemia",
        "1037",
        "16081687",
    )
    assert (m["evidence_type"], m["evidence_direction"], m["clinical_significance"]) == (
        "Diagnostic",
        "Supports",
        "Negative",
    )


def test_civic_multi_drug_and_bad_rows(tmp_path: Path) -> None:
    lines = CIVIC.read_text().splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    multi = dict(zip(header, row, strict=True)) | {
        "evidence_id": "99",
        "drugs": "Dabrafenib,Trametinib",
    }
    empty = dict(zip(header, row, strict=True)) | {"evidence_id": "98", "evidence_statement": " "}
    path = tmp_path / "c.tsv"
    path.write_bytes(
        "\n".join(
            [
                lines[0],
                "\t".join(multi[h] for h in header),
                "only\ttwo",
                "\t".join(empty[h] for h in header),
            ]
        ).encode()
        + b"\nbad\xff\n"
        + lines[2].encode()
        + b"\n"
    )
    docs, errors = split(read_civic(path))
    assert [d.id for d in docs] == ["CIVIC:EID99", "CIVIC:EID2"]
    assert docs[0].metadata["drugs"] == "Dabrafenib|Trametinib"
    assert [type(e) for e in errors] == [
        MalformedRecordError,
        EmptyDocumentError,
        MalformedRecordError,
    ]
    assert errors[1].record == "CIVIC:EID98" and errors[2].record == "line 5"


def test_pharmgkb_guideline() -> None:
    path = SAMPLES / "pharmgkb" / "Annotation_of_DPWG_Guideline_for_clopidogrel_and_CYP2C19.json.gz"
    docs, errors = split(read_pharmgkb(path))
    assert errors == [] and len(docs) == 1
    (doc,) = docs
    assert doc.id.startswith("PHARMGKB:PA") and doc.source == "pharmgkb"
    assert [s.name for s in doc.sections][:2] == ["summary", "recommendation"]
    assert doc.metadata["genes"] == "CYP2C19" and doc.metadata["drugs"] == "clopidogrel"
    assert doc.metadata["guideline_source"] == "DPWG"
    assert "<p>" not in doc.text and "</" not in doc.text and "&amp;" not in doc.text


def test_pharmgkb_not_a_guideline(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"data": 1}')
    assert [type(e) for e in read_pharmgkb(path)] == [MalformedRecordError]


def test_html_to_text() -> None:
    html = (
        "<p>A &amp; B<br>c</p><table><tr><th>x<br>y</th><td><p>z</p></td></tr></table>"
        "<script>alert(1)</script><ul><li>one</li><li>two</li></ul>"
    )
    assert html_to_text(html) == "A & B\nc\nx y | z\none\ntwo"


def test_footnote_marks_are_dropped_and_other_superscripts_kept() -> None:
    # CPIC's DPYD table: a footnote letter glued to the allele would change the variant
    html = "<p>c.[1905+1G&gt;A<sup>g</sup>];[=] in 10<sup>9</sup>/L cells<sup>a, b</sup>.</p>"
    assert html_to_text(html) == "c.[1905+1G>A];[=] in 109/L cells."
    assert html_to_text("<p>left open<sup>g</p>") == "left openg"  # nothing lost
    assert html_to_text("<p>at the end<sup>*") == "at the end*"


def test_text_files(tmp_path: Path) -> None:
    ok = tmp_path / "note-1.txt"
    ok.write_text("\ufeffWarfarin interacts with aspirin.\r\n")
    weird = tmp_path / "a note?.txt"
    weird.write_text("Some text.")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    (doc,) = split(read_text(ok))[0]
    assert doc.id == "TEXT:note-1" and doc.text == "Warfarin interacts with aspirin."
    assert [s.name for s in doc.sections] == ["body"]
    (other,) = split(read_text(weird))[0]
    assert other.id.startswith("TEXT:sha1-")
    (err,) = split(read_text(bad))[1]
    assert (
        isinstance(err, MalformedRecordError) and err.source == str(bad) and "UTF-8" in err.problem
    )
