from __future__ import annotations

import pytest

from kg.errors import MalformedRecordError
from loaders.label_sections import (
    BOXED_WARNING,
    CONTRAINDICATIONS,
    DRUG_INTERACTIONS,
    INDICATIONS,
    SECTION_NAMES,
    WARNINGS_AND_PRECAUTIONS,
)
from loaders.spl import read_spl, render_text
from tests.loaders.helpers import FIXTURES, SAMPLES, assert_sections_consistent, split

SPL = FIXTURES / "spl"
CLOPIDOGREL = SAMPLES / "spl" / "aspirin-clopidogrel__126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2.xml.gz"
CELECOXIB = SAMPLES / "spl" / "celecoxib__8d52185d-421f-4e34-8db7-f7676db2a226.xml.gz"


def _one(path):
    docs, errors = split(read_spl(path))
    assert errors == [] and len(docs) == 1
    assert_sections_consistent(docs[0])
    return docs[0]


def test_plr_label_sections_codes_and_metadata() -> None:
    doc = _one(CLOPIDOGREL)
    assert doc.id == "SPL:126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2@1" and doc.source == "spl"
    codes = {s.code for s in doc.sections}
    assert {
        BOXED_WARNING,
        INDICATIONS,
        CONTRAINDICATIONS,
        WARNINGS_AND_PRECAUTIONS,
        DRUG_INTERACTIONS,
    } <= codes
    for s in doc.sections:
        if s.code in SECTION_NAMES:
            assert s.name == SECTION_NAMES[s.code]
    boxed = " ".join(doc.section_text(s) for s in doc.sections if s.name == "boxed_warning")
    assert "CYP2C19" in boxed
    # unclassified sub-sections ("4.1 Active Bleeding") keep their parent's name
    contra = [doc.section_text(s) for s in doc.sections if s.name == "contraindications"]
    assert any(t.startswith("4.1 Active Bleeding") for t in contra)
    m = doc.metadata
    assert (m["set_id"], m["version"], m["effective_time"]) == (
        "126c5279-0ac1-4ed8-8c0f-b9084e3d7bb2",
        "1",
        "20170713",
    )
    assert m["active_ingredients"] == "CLOPIDOGREL BISULFATE|ASPIRIN"
    assert m["unii"] == "08I79HTP27|R16CO5Y76E"
    assert m["labeler"] == "Cambridge Therapeutics Technologies, LLC"
    assert doc.title.startswith("These highlights do not include")


def test_tables_and_pharmacogenomics_subsection() -> None:
    doc = _one(CELECOXIB)
    rows = [line for line in doc.text.split("\n") if line.startswith("Abdominal Pain |")]
    assert rows == ["Abdominal Pain | 4.1% | 2.8% | 7.7% | 9.0% | 9.0%"]
    pgx = [doc.section_text(s) for s in doc.sections if s.name == "pharmacogenomics"]
    assert pgx and "CYP2C9" in pgx[0] and pgx[0].startswith("12.5 Pharmacogenomics")


def test_otc_label() -> None:
    doc = _one(SPL / "chlorcyclizine__9220360a-67d3-4a14-ba21-304a06697cd4.xml")
    names = [s.name for s in doc.sections]
    assert {
        "active_ingredient",
        "indications_and_usage",
        "warnings",
        "do_not_use",
        "ask_doctor",
    } <= set(names)
    assert doc.metadata["document_type"] == "HUMAN OTC DRUG LABEL"


def test_label_without_title() -> None:
    doc = _one(SAMPLES / "spl" / "haloperidol__0027b8a3-73bf-4005-a7e3-b035f451a861.xml.gz")
    assert doc.title == "" and "title" not in doc.metadata
    assert doc.sections[0].name != "title"
    assert doc.metadata["active_ingredients"] == "HALOPERIDOL"


def test_versions_share_a_set_id_and_old_schema_ingredients() -> None:
    v1 = _one(SPL / "inomax_v01_20060329.xml")
    v14 = _one(SPL / "inomax_v14_20190225.xml")
    assert v1.id == "SPL:762b51be-1893-4cd1-9511-e645fc420d3a@1"  # setId upper-case in 2006
    assert v14.id == "SPL:762b51be-1893-4cd1-9511-e645fc420d3a@14"
    assert v1.metadata["unii"] == v14.metadata["unii"] == "31C4KY9ESH"
    assert v1.content_hash != v14.content_hash


def test_indexing_document() -> None:
    doc = _one(SPL / "methoxsalen__pharmacologic-class-indexing.xml")
    assert "Psoralen [EPC]" in doc.metadata["pharmacologic_classes"].split("|")
    assert doc.metadata["unii"] == "U4VJ29L7BQ"


def test_not_an_spl_document(tmp_path) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<document xmlns="urn:other"><title>x</title></document>')
    assert [type(e) for e in read_spl(path)] == [MalformedRecordError]


@pytest.mark.parametrize(
    "xml,expected",
    [
        ("<paragraph>a <content styleCode='bold'>b</content>\n c</paragraph>", "a b c"),
        ("<list><item><caption>1.</caption>one</item><item>two</item></list>", "1. one\ntwo"),
        ("<table><tr><td>a<br/>b</td><td><paragraph>c</paragraph></td></tr></table>", "a b | c"),
    ],
)
def test_render_text(xml: str, expected: str) -> None:
    from lxml import etree

    el = etree.fromstring(f'<text xmlns="urn:hl7-org:v3">{xml}</text>')
    assert render_text(el) == expected
