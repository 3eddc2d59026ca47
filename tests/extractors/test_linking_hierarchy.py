"""MeSH's broader-than relation: parents from tree numbers, the KB file, and the rule
that drops a caused disease broader than another (``extractors/relations/specific``)."""

from __future__ import annotations

import gzip
import json

import pytest

from extractors.linking.build import build_kb
from extractors.linking.hierarchy import BROADER_FILE, Hierarchy, mesh_parents, write_broader
from extractors.linking.kb import write_kb
from extractors.relations.specific import (
    broader_classes,
    broader_pairs,
    is_drug_class,
    redundant_causes,
)
from tests.extractors.test_linking_kb import make_data_dir

TREES = {
    "MESH:D008107": ["C06.552"],  # Liver Diseases
    "MESH:D006505": ["C06.552.380"],  # Hepatitis
    "MESH:D056486": ["C06.552.380.350", "C25.100.468.380"],  # Drug-Induced Liver Injury
    "MESH:D064420": ["C25.100"],  # Drug-Related Side Effects ...
    "MESH:D004066": ["C06"],  # Digestive System Diseases
}


def test_parents_are_the_descriptors_one_level_up_each_tree_number():
    parents = mesh_parents(TREES)
    assert parents["MESH:D056486"] == ("MESH:D006505",)  # C25.100.468 has no descriptor here
    assert parents["MESH:D006505"] == ("MESH:D008107",)
    assert parents["MESH:D008107"] == ("MESH:D004066",)
    assert "MESH:D004066" not in parents  # a top-level number has no parent


def test_is_broader_follows_the_tree_up_and_never_down_or_sideways(tmp_path):
    write_broader(mesh_parents(TREES), tmp_path)
    h = Hierarchy.in_kb(tmp_path)
    assert h.is_broader("MESH:D008107", "MESH:D056486")
    assert h.is_broader("MESH:D004066", "MESH:D056486")
    assert not h.is_broader("MESH:D056486", "MESH:D008107")
    assert not h.is_broader("MESH:D056486", "MESH:D056486")
    assert not h.is_broader("MESH:D064420", "MESH:D056486")
    assert h.ancestors("MESH:D999999") == frozenset()


def test_a_kb_without_the_file_has_an_empty_hierarchy(tmp_path):
    h = Hierarchy.in_kb(tmp_path)
    assert not h
    assert not h.is_broader("MESH:D008107", "MESH:D056486")


def test_the_kb_build_writes_parents_with_their_checksum(tmp_path):
    data = make_data_dir(tmp_path / "data")
    with gzip.open(data / "mesh/tree-numbers.tsv.gz", "at", encoding="utf-8") as fh:
        fh.write("D003920\tDiabetes Mellitus\tC18.452.394.750\n")
    write_kb(build_kb(data), tmp_path / "kb")
    h = Hierarchy.in_kb(tmp_path / "kb")
    assert h.is_broader("MESH:D003920", "MESH:D003924")  # diabetes over type 2 diabetes
    meta = json.loads((tmp_path / "kb" / "kb.json").read_text())
    assert BROADER_FILE in meta["sha256"]


def test_broader_pairs_drop_only_the_broader_object_of_the_same_subject():
    h = Hierarchy(mesh_parents(TREES))
    pairs = [
        ("MESH:D007538", "MESH:D056486"),  # isoniazid -> drug-induced liver injury
        ("MESH:D007538", "MESH:D008107"),  # isoniazid -> liver diseases: broader, dropped
        ("MESH:D000082", "MESH:D008107"),  # acetaminophen -> liver diseases: its only one
        ("MESH:D007538", "MESH:D064420"),  # unrelated branch: kept
    ]
    assert broader_pairs(pairs, h.is_broader) == {("MESH:D007538", "MESH:D008107")}


DRUG_TREES = {
    "MESH:D018943": ["D02.455.849.131"],  # Anthracyclines
    "MESH:D003630": ["D02.455.849.131.330"],  # Daunorubicin
    "MESH:D004317": ["D02.455.849.131.330.300"],  # Doxorubicin
}
DRUG_NAMES = {
    "MESH:D018943": "Anthracyclines",
    "MESH:D003630": "Daunorubicin",
    "MESH:D004317": "Doxorubicin",
}
CARDIOMYOPATHY = "MESH:D009202"


def test_a_drug_class_gives_way_to_its_member_for_the_same_disease():
    h = Hierarchy(mesh_parents(DRUG_TREES))
    pairs = [
        ("MESH:D018943", CARDIOMYOPATHY),  # anthracyclines: a class above doxorubicin
        ("MESH:D004317", CARDIOMYOPATHY),
        ("MESH:D018943", "MESH:D006333"),  # the class alone for another disease: kept
    ]
    assert broader_classes(pairs, h.is_broader, DRUG_NAMES) == {("MESH:D018943", CARDIOMYOPATHY)}
    # daunorubicin is filed above doxorubicin but is a drug of its own: both stay
    both = [("MESH:D003630", CARDIOMYOPATHY), ("MESH:D004317", CARDIOMYOPATHY)]
    assert broader_classes(both, h.is_broader, DRUG_NAMES) == set()
    assert redundant_causes(pairs + both, h.is_broader, DRUG_NAMES) == {
        ("MESH:D018943", CARDIOMYOPATHY)
    }


@pytest.mark.parametrize(
    ("name", "is_class"),
    [
        ("Anthracyclines", True),
        ("Sulfonylurea Compounds", True),
        ("Contraceptives, Oral", True),
        ("Doxorubicin", False),
        ("Heparin, Low-Molecular-Weight", False),
        ("Cyclic AMP", False),
        ("", False),
    ],
)
def test_drug_classes_are_the_descriptors_named_in_the_plural(name, is_class):
    assert is_drug_class(name) is is_class


def test_an_unreadable_file_is_a_named_error_every_time(tmp_path):
    import pytest

    from kg.errors import ExtractionError

    (tmp_path / BROADER_FILE).write_bytes(b"\x1f\x8b\x08\x00 truncated")
    h = Hierarchy.in_kb(tmp_path)
    for _ in range(2):  # not cached as an empty hierarchy
        with pytest.raises(ExtractionError, match="unreadable MeSH hierarchy"):
            h.is_broader("MESH:D008107", "MESH:D056486")
