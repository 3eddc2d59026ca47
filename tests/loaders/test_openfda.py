from __future__ import annotations

import json
from pathlib import Path

from kg.errors import EmptyDocumentError, MalformedRecordError
from loaders.label_sections import PHARMACOGENOMICS, WARNINGS_AND_PRECAUTIONS
from loaders.openfda import read_openfda, section_code
from loaders.spl import read_spl
from tests.loaders.helpers import FIXTURES, SAMPLES, assert_sections_consistent, split

OPENFDA = FIXTURES / "openfda"


def test_results_file_and_json_lines_agree() -> None:
    a, errors_a = split(read_openfda(OPENFDA / "drug_label_3.json"))
    b, errors_b = split(read_openfda(OPENFDA / "drug_label_3.jsonl"))
    assert errors_a == errors_b == []
    assert len(a) == len(b) == 3
    assert [d.content_hash for d in a] == [d.content_hash for d in b]
    for doc in a:
        assert doc.source == "openfda"
        assert_sections_consistent(doc)


def test_fields_become_shared_label_sections() -> None:
    docs, _ = split(read_openfda(OPENFDA / "drug_label_3.json"))
    celebrex = docs[1]
    assert celebrex.id == "SPL:8d52185d-421f-4e34-8db7-f7676db2a226@23"
    by_name = {s.name: s for s in celebrex.sections}
    assert by_name["warnings_and_precautions"].code == WARNINGS_AND_PRECAUTIONS
    assert by_name["pharmacogenomics"].code == PHARMACOGENOMICS
    assert "CYP2C9" in celebrex.section_text(by_name["pharmacogenomics"])
    assert not any(s.name.endswith("_table") for s in celebrex.sections)
    m = celebrex.metadata
    assert (m["title"], m["generic_names"], m["unii"], m["set_id"], m["version"]) == (
        "Celebrex",
        "CELECOXIB",
        "JCX84Q7J1L",
        "8d52185d-421f-4e34-8db7-f7676db2a226",
        "23",
    )


def test_same_names_and_codes_as_the_spl_loader() -> None:
    # the fixture was built from this SPL: every openFDA section name/code pair is one
    # the SPL loader also produces for the same label
    (label,) = split(read_openfda(OPENFDA / "drug_label_3.json"))[0][:1]
    spl = split(
        read_spl(
            SAMPLES / "spl" / "aspirin-clopidogrel__126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2.xml.gz"
        )
    )[0][0]
    assert label.id == spl.id
    assert {(s.name, s.code) for s in label.sections} <= {(s.name, s.code) for s in spl.sections}


def test_section_code() -> None:
    assert section_code("warnings_and_cautions") == "43685-7"
    assert section_code("boxed_warning") == "34066-1"
    assert section_code("adverse_reactions_table") is None
    assert section_code("set_id") is None and section_code("openfda") is None


def test_bad_records_do_not_stop_the_file(tmp_path: Path) -> None:
    good = json.loads((OPENFDA / "drug_label_3.jsonl").read_text().splitlines()[0])
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "abc", "openfda": {}}),  # no section text
        json.dumps({"indications_and_usage": ["x"]}),  # no id at all
        json.dumps({**good, "set_id": "00000000-0000-0000-0000-000000000000"}),
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n")
    docs, errors = split(read_openfda(path))
    assert [d.id for d in docs] == [
        "SPL:126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2@1",
        "SPL:00000000-0000-0000-0000-000000000000@1",
    ]
    assert [type(e) for e in errors] == [
        MalformedRecordError,
        EmptyDocumentError,
        MalformedRecordError,
    ]
    assert errors[0].record == "line 2" and errors[1].record == "OPENFDA:abc"


def test_truncated_results_file(tmp_path: Path) -> None:
    raw = (OPENFDA / "drug_label_3.json").read_text()
    cut = raw[: raw.index('"set_id": "41a8bb80')]  # inside the third record
    path = tmp_path / "cut.json"
    path.write_text(cut)
    docs, errors = split(read_openfda(path))
    assert len(docs) == 2
    assert len(errors) == 1 and isinstance(errors[0], MalformedRecordError)
    assert "truncated" in errors[0].problem and errors[0].source == str(path)


def test_streams_small_chunks(tmp_path: Path, monkeypatch) -> None:
    import loaders._json as j

    monkeypatch.setattr(j, "CHUNK", 7)  # records straddle many reads
    docs, errors = split(read_openfda(OPENFDA / "drug_label_3.json"))
    assert errors == [] and len(docs) == 3


def test_json_lines_longer_than_the_probe(monkeypatch) -> None:
    import loaders._json as j

    monkeypatch.setattr(j, "PROBE_LINE_BYTES", 100)  # read as concatenated JSON values
    monkeypatch.setattr(j, "CHUNK", 512)
    docs, errors = split(read_openfda(OPENFDA / "drug_label_3.jsonl"))
    assert errors == [] and len(docs) == 3
