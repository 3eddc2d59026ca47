"""The shipped KB (models/kb): the names users type resolve to the nodes the graph uses."""

from __future__ import annotations

import hashlib
import json

import pytest

from extractors.linking.kb import ENTITIES_FILE, META_FILE, NAMES_FILE
from extractors.linking.linker import DictionaryLinker
from kg.model import Document, EntityType, Mention
from kg.settings import REPO_ROOT

KB_DIR = REPO_ROOT / "models" / "kb"
pytestmark = pytest.mark.slow  # loads the 2 MB KB once (a few seconds)

D, DIS, G = EntityType.DRUG, EntityType.DISEASE, EntityType.GENE


@pytest.fixture(scope="module")
def linker() -> DictionaryLinker:
    return DictionaryLinker(KB_DIR)


def top(linker: DictionaryLinker, text: str, *types: EntityType):
    found = linker.lookup(text, list(types) or None)
    assert found, f"nothing found for {text!r}"
    return found[0][0]


def test_files_match_their_checksums():
    meta = json.loads((KB_DIR / META_FILE).read_text())
    for name in (ENTITIES_FILE, NAMES_FILE):
        assert hashlib.sha256((KB_DIR / name).read_bytes()).hexdigest() == meta["sha256"][name]
    assert meta["corpus_splits"] == ["train", "dev"]
    assert meta["extra_sources"] == []
    size = sum((KB_DIR / n).stat().st_size for n in (ENTITIES_FILE, NAMES_FILE))
    assert size < 8 * 1024 * 1024


def test_imatinib_gleevec_sti571_are_one_node(linker):
    ids = {top(linker, t, D).id for t in ("imatinib", "Gleevec", "STI-571", "STI571")}
    assert len(ids) == 1
    entity = top(linker, "Gleevec", D)
    assert entity.id.startswith("MESH:")
    assert "DRUGBANK:DB00619" in entity.xrefs


def test_brand_names_resolve_to_ingredients(linker):
    assert top(linker, "Tylenol", D).id == top(linker, "acetaminophen", D).id == "MESH:D000082"
    assert top(linker, "Coumadin", D).id == top(linker, "warfarin", D).id


def test_salt_forms_link_to_their_active_moiety(linker):
    text = "Clopidogrel bisulfate, imatinib mesylate and sodium chloride; clopidogrel; imatinib."
    names = ["Clopidogrel bisulfate", "imatinib mesylate", "sodium chloride", "clopidogrel;", "imatinib."]
    mentions = []
    for n in names:
        n = n.rstrip(";.")
        start = text.index(n, mentions[-1].end if mentions else 0)
        mentions.append(Mention(start, start + len(n), n, D, extractor="t"))
    ids = [lm.entity.id if lm.entity else None for lm in linker.link(Document("t", "text", text), mentions)]
    assert ids[0] == ids[3] and ids[1] == ids[4] and None not in ids
    assert ids[2] == top(linker, "sodium chloride", D).id != ids[0]  # a named salt keeps its entry


def test_gene_symbols_and_aliases(linker):
    egfr = top(linker, "EGFR", G)
    assert (egfr.id, egfr.name) == ("NCBIGene:1956", "EGFR")
    assert any(x.startswith("HGNC:") for x in egfr.xrefs)
    assert top(linker, "p53", G).name == "TP53"
    assert top(linker, "HER2", G).name == "ERBB2"
    # names two genes share: the cyclooxygenases NSAID labels mean, not MT-CO1/MT-CO2
    assert top(linker, "COX-2", G).name == "PTGS2"
    assert top(linker, "COX-1", G).name == "PTGS1"
    assert top(linker, "MT-CO2", G).id == "NCBIGene:4513"
    # the gastric proton pump, not the non-gastric ATP12A whose alias reads alike
    assert top(linker, "H+/K+-ATPase", G).name == top(linker, "H+,K+-ATPase", G).name == "ATP4A"
    # the MEK of MEK inhibitors, not MAP2K7 whose NCBI alias it is
    assert top(linker, "MEK", G).name == "MAP2K1"
    # family and old names oncology writes, not the genes whose old aliases they are
    assert top(linker, "RAF", G).name == top(linker, "B-Raf", G).name == "BRAF"  # ZHX2, SNRPE
    assert top(linker, "ERK", G).name == "MAPK1" and top(linker, "p38", G).name == "MAPK14"
    assert top(linker, "BET", G).name == "BRD4"  # not DNER
    assert top(linker, "ER", G).name == "ESR1" and top(linker, "PR", G).name == "PGR"
    assert top(linker, "SYT", G).name == "SS18"  # of "SYT-SSX fusion", not SYT1
    assert linker.lookup("HDL", [G]) == [] and linker.lookup("PDE", [G]) == []
    # nitric oxide and a disease activity index, not AHSP and CDAN1 whose aliases they are
    assert linker.lookup("EDRF", [G]) == [] and linker.lookup("CDAI", [G]) == []
    assert top(linker, "EDRF", D).name == "Nitric Oxide"
    # methotrexate and the high dose of "HD-MTX", not metaxin 1 and huntingtin
    assert linker.lookup("MTX", [G]) == [] and linker.lookup("HD", [G]) == []
    assert top(linker, "MTX", D).name == "Methotrexate"


def test_a_class_name_is_the_class_not_one_member(linker):
    # BC5CDR reads "statins" as simvastatin; the class is MeSH's HMG-CoA reductase inhibitors
    for name in ("statins", "statin", "HMG-CoA reductase inhibitors"):
        assert top(linker, name, D).id == "MESH:D019161"
    assert top(linker, "simvastatin", D).id == "MESH:D019821"
    # MeSH's "Antidepressive Agents, Tricyclic", as guidelines write it
    assert top(linker, "tricyclic antidepressants", D).id == "MESH:D000929"


def test_a_disease_without_its_letter_reads_as_its_common_form_or_its_class(linker):
    # "hemophilia" is read as hemophilia A; "vitamin" is the class, not vitamin A
    assert top(linker, "hemophilia", DIS).id == top(linker, "haemophilia", DIS).id == "MESH:D006467"
    assert top(linker, "hemophilia B", DIS).id == "MESH:D002836"
    assert top(linker, "vitamin", D).id == "MESH:D014815"


def test_patient_inputs(linker):
    assert top(linker, "type 2 diabetes", DIS).id == "MESH:D003924"
    found = {e.id for e, _ in linker.lookup("aspirin allergy")}
    assert "MESH:D001241" in found  # aspirin, the drug the allergy is to


def test_type_constraints_and_unlinkable_text(linker):
    assert all(e.type is D for e, _ in linker.lookup("EGFR", [D]))
    assert linker.lookup("qzxv wrrpt") == []
    text = "Flurbozamine qzx was given."
    linked = linker.link(Document("PMID:1", "text", text), [Mention(0, 16, "Flurbozamine qzx", D)])
    assert linked[0].entity is None


def test_abbreviations_in_a_real_abstract(linker):
    text = (
        "Puromycin aminonucleoside (PAN) induces nephrosis in rats. "
        "Rats given PAN developed proteinuria."
    )
    doc = Document("PMID:2", "text", text)
    first = text.index("PAN")
    second = text.index("PAN", first + 1)
    ms = [
        Mention(0, 25, "Puromycin aminonucleoside", D),
        Mention(first, first + 3, "PAN", D),
        Mention(second, second + 3, "PAN", D),
    ]
    linked = linker.link(doc, ms)
    assert linked[0].entity is not None
    assert {lm.entity.id for lm in linked} == {linked[0].entity.id}
