from __future__ import annotations

from loaders.bioc import read_bioc
from loaders.pubtator import read_pubtator
from tests.loaders.helpers import FIXTURES, split


def test_bioc_matches_the_same_documents_in_pubtator() -> None:
    bioc, errors = split(read_bioc(FIXTURES / "bioc" / "pubtator_3docs.BioC.xml"))
    assert errors == [] and len(bioc) == 3
    pubtator = (
        split(read_pubtator(FIXTURES / "pubtator" / "bc5cdr_train_4.PubTator.txt"))[0][:2]
        + split(read_pubtator(FIXTURES / "pubtator" / "biored_train_4.PubTator"))[0][:1]
    )
    for b, p in zip(bioc, pubtator, strict=True):
        assert b.source == "bioc"
        assert (b.id, b.text, b.title, b.sections) == (p.id, p.text, p.title, p.sections)
        assert b.mentions == p.mentions and b.relations == p.relations
        for m in b.mentions:
            assert m.text == b.text[m.start : m.end]
    assert bioc[2].metadata["skipped_types"] == "OrganismTaxon:3"
    assert bioc[2].relations[0].novel == "No"


def test_node_relations_and_overlapping_passages(tmp_path) -> None:
    path = tmp_path / "c.xml"
    path.write_text(
        "<collection><document><id>doc-1</id>"
        '<passage><infon key="type">title</infon><offset>0</offset><text>Aspirin and bleeding</text>'
        '<annotation id="A"><infon key="type">Chemical</infon><infon key="MESH">D001241</infon>'
        '<location offset="0" length="7"/><text>Aspirin</text></annotation></passage>'
        '<passage><infon key="type">abstract</infon><offset>0</offset><text>Bleeding occurs.</text>'
        '<annotation id="B"><infon key="type">Disease</infon><infon key="MESH">D006470</infon>'
        '<location offset="0" length="8"/><text>Bleeding</text></annotation></passage>'
        '<relation id="R"><infon key="type">CID</infon><node refid="A" role="Chemical"/>'
        '<node refid="B" role="Disease"/></relation></document></collection>'
    )
    (doc,) = split(read_bioc(path))[0]
    assert doc.id == "BIOC:doc-1"
    assert doc.text == "Aspirin and bleeding Bleeding occurs."
    assert [(m.text, m.ids) for m in doc.mentions] == [
        ("Aspirin", ("MESH:D001241",)),
        ("Bleeding", ("MESH:D006470",)),
    ]
    assert [(r.type, r.arg1, r.arg2) for r in doc.relations] == [
        ("CID", "MESH:D001241", "MESH:D006470")
    ]
