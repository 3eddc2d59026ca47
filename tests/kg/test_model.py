import pickle

import pytest

from kg.model import Document, Entity, EntityType, Predicate, Statement


def test_document_is_immutable_and_picklable():
    doc = Document.from_sections("PMID:1", "pubmed", [("title", "T", None), ("abstract", "A b.", None)],
                                 metadata={"journal": "J"})
    with pytest.raises(TypeError):
        doc.metadata["journal"] = "X"  # type: ignore[index]
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and again.content_hash == doc.content_hash
    assert doc.text == "T\nA b." and doc.sections[1].start == 2


def test_statement_key_is_stable_and_qualifiers_checked():
    a = Statement.make("MESH:D1", Predicate.TARGETS, "NCBIGene:1", action="inhibitor")
    b = Statement.make("MESH:D1", "TARGETS", "NCBIGene:1", action="inhibitor")
    assert a.key == b.key and a.qualifier("action") == "inhibitor"
    assert a.key != Statement.make("MESH:D1", Predicate.TARGETS, "NCBIGene:1", action="agonist").key
    with pytest.raises(ValueError):
        Statement.make("MESH:D1", Predicate.TREATS, "MESH:D2", action="inhibitor")


def test_entity_id_in_a_namespace():
    e = Entity(
        "DRUGBANK:DB00619", EntityType.DRUG, "imatinib", xrefs=("MESH:D000068877", "CHEBI:45783")
    )
    assert e.id_in({"MESH"}) == "MESH:D000068877"
    assert e.id_in({"DRUGBANK", "MESH"}) == "DRUGBANK:DB00619"  # its own id comes first
    assert e.id_in({"RXNORM"}) == e.id_in(()) == "DRUGBANK:DB00619"


def test_a_broader_heading_is_read_after_the_entitys_own_ids():
    e = Entity(
        "DOID:10272",
        EntityType.DISEASE,
        "left bundle branch block",
        xrefs=("OMIM:1",),
        broader=("MESH:D002037",),
    )
    assert e.id_in({"MESH"}) == "MESH:D002037"
    assert e.id_in({"OMIM", "MESH"}) == "OMIM:1"  # an id of the concept itself comes first
    assert e.aliases == ("OMIM:1",)  # a broader heading is no id of this entity
