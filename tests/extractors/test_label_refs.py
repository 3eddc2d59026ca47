"""``medkg eval label-refs``: label TARGETS, CAUSES and TREATS scored against binding, SIDER
and PharmacotherapyDB rows."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from extractors.base import Extraction
from extractors.relations.label_refs import drugbank_ids, half_of, read_references, score
from kg.errors import BadInputError
from kg.model import Document, Entity, EntityType, Evidence, Predicate, SourceKind, Statement

DRUG = Entity("MESH:D009288", EntityType.DRUG, "Naproxen", xrefs=("DRUGBANK:DB00788",))
PTGS2 = Entity("NCBIGene:5743", EntityType.GENE, "PTGS2")
MT_CO2 = Entity("NCBIGene:4513", EntityType.GENE, "MT-CO2")
NAUSEA = Entity("MESH:D009325", EntityType.DISEASE, "Nausea")
DEATH = Entity("MESH:D003643", EntityType.DISEASE, "Death")


# the reference files in their real formats: path -> rows (a header row first)
REFERENCES = {
    "hetionet/CbG-binding.tsv": [
        "drugbank_id\tentrez_gene_id\tsources\tpubmed_ids\tactions\taffinity_nM\tlicense\turls",
        "DB00788\t5743\tDrugBank (target)|ChEMBL\t\tinhibitor\t\t\t",
        "DB00788\t5742\tDrugBank (target)\t\tinhibitor\t\t\t",
        "DB00788\t1559\tDrugBank (enzyme)\t\t\t\t\t",
    ],
    "drugbank/pubchem-mapping.tsv": ["drugbank_id\tpubchem_cid", "DB00788\t156391"],
    "sider4/meddra_all_se.tsv.gz": [
        "CID100156391\tCID000156391\tC0027497\tPT\tC0027497\tNausea",
        "CID100156391\tCID000156391\tC0018681\tPT\tC0018681\tHeadache",
        "CID100000001\tCID000000001\tC0011991\tPT\tC0011991\tDiarrhoea",
    ],
    "pharmacotherapydb/indications.tsv": [
        "doid_id\tdrugbank_id\tdisease\tdrug\tcategory\tn_curators\tn_resources",
        "DOID:7148\tDB00788\trheumatoid arthritis\tNaproxen\tSYM\t1\t2",
        "DOID:9352\tDB00788\ttype 2 diabetes mellitus\tNaproxen\tNOT\t1\t1",
        "DOID:10763\tDB00999\thypertension\tHydrochlorothiazide\tDM\t1\t3",
    ],
    "disease_ontology/xrefs.tsv": [
        "doid_code\tdoid_name\tresource\tresource_id",
        "DOID:9352\ttype 2 diabetes mellitus\tMSH\tD003924",
        "DOID:10763\thypertension\tMSH\tD006973",
        "DOID:8398\tosteoarthritis\tMSH\tD010003",
    ],
}


def make_refs(root: Path) -> Path:
    for name, rows in REFERENCES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"{r}\n" for r in rows)
        if name.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def _evidence(
    st: Statement, doc: Document, *, negated=False, kind=SourceKind.LABEL, sentence="s."
) -> Evidence:
    return Evidence(
        st.key,
        doc.id,
        sentence,
        0,
        2,
        0,
        0,
        0,
        1,
        0.9,
        "label-rules",
        "1",
        source_kind=kind,
        negated=negated,
    )


def test_references_map_stitch_ids_to_drugbank_and_keep_target_rows_apart(tmp_path):
    refs = read_references(make_refs(tmp_path))
    assert refs.targets["DB00788"] == {"NCBIGene:5743", "NCBIGene:5742", "NCBIGene:1559"}
    assert refs.primary_targets["DB00788"] == {"NCBIGene:5743", "NCBIGene:5742"}
    assert refs.side_effects == {"DB00788": {"nausea", "headache"}}
    assert refs.actions == {
        ("DB00788", "NCBIGene:5743"): {"inhibitor"},
        ("DB00788", "NCBIGene:5742"): {"inhibitor"},
    }


def test_a_missing_reference_file_is_a_named_error(tmp_path):
    with pytest.raises(BadInputError, match="CbG-binding.tsv"):
        read_references(tmp_path)


def test_label_statements_are_scored_once_per_label_and_only_when_affirmed(tmp_path):
    refs = read_references(make_refs(tmp_path))
    doc = Document("SPL:x@1", "spl", "text", metadata={"set_id": "x"})
    right = Statement.make(DRUG.id, Predicate.TARGETS, PTGS2.id, action="inhibitor")
    wrong = Statement.make(DRUG.id, Predicate.TARGETS, MT_CO2.id, action="inhibitor")
    nausea = Statement.make(DRUG.id, Predicate.CAUSES, NAUSEA.id)
    death = Statement.make(DRUG.id, Predicate.CAUSES, DEATH.id)
    denied = Statement.make(DRUG.id, Predicate.CAUSES, "MESH:D006261")
    paper = Statement.make(DRUG.id, Predicate.CAUSES, "MESH:D003967")
    ex = Extraction(
        doc.id,
        entities=(DRUG, PTGS2, MT_CO2, NAUSEA, DEATH),
        statements=(right, wrong, nausea, death, denied, paper),
        evidence=(
            _evidence(right, doc),
            _evidence(wrong, doc),
            _evidence(nausea, doc),
            _evidence(death, doc),
            _evidence(denied, doc, negated=True),
            _evidence(paper, doc, kind=SourceKind.LITERATURE),
        ),
    )
    errors: list[dict] = []
    out = score([ex], [doc], refs, lambda db: {"MESH:D006261"}, errors=errors)
    # 2 targets predicted, 1 known; recall over DrugBank "target" rows: 1 of 2
    assert out["TARGETS"] == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "predicted": 2,
        "gold": 2,
        "unscored": 0,
        "action_agreement": 1.0,  # the right pair's "inhibitor" is the table's
        "actions_compared": 1,
    }
    # Nausea matches by name; Death is no side effect; the negated and literature ones
    # are not label statements
    assert (out["CAUSES"]["predicted"], out["CAUSES"]["precision"]) == (2, 0.5)
    assert {(e["relation"], e["object"].split()[0]) for e in errors} == {
        ("TARGETS", MT_CO2.id),
        ("CAUSES", DEATH.id),
    }


def test_each_spurious_statement_shows_the_sentence_of_its_own_relation(tmp_path):
    refs = read_references(make_refs(tmp_path))
    doc = Document("SPL:x@1", "spl", "text", metadata={"set_id": "x"})
    diabetes = Entity("MESH:D003924", EntityType.DISEASE, "Diabetes Mellitus, Type 2")
    treats = Statement.make(DRUG.id, Predicate.TREATS, diabetes.id)
    causes = Statement.make(DRUG.id, Predicate.CAUSES, diabetes.id)
    ex = Extraction(
        doc.id,
        entities=(DRUG, diabetes),
        statements=(treats, causes),
        evidence=(
            _evidence(treats, doc, sentence="Indicated for type 2 diabetes."),
            _evidence(causes, doc, sentence="Type 2 diabetes was reported."),
        ),
    )
    errors: list[dict] = []
    score([ex], [doc], refs, lambda db: set(), errors=errors)
    assert {e["relation"]: e["sentence"] for e in errors} == {
        "TREATS": "Indicated for type 2 diabetes.",
        "CAUSES": "Type 2 diabetes was reported.",
    }


def test_drugs_the_references_do_not_know_are_counted_apart(tmp_path):
    refs = read_references(make_refs(tmp_path))
    doc = Document("SPL:y@1", "spl", "text", metadata={"set_id": "y"})
    other = Entity("MESH:D000001", EntityType.DRUG, "Unknown drug")
    st = Statement.make(other.id, Predicate.TARGETS, PTGS2.id, action="inhibitor")
    ex = Extraction(doc.id, entities=(other,), statements=(st,), evidence=(_evidence(st, doc),))
    out = score([ex], [doc], refs, lambda db: set())
    assert (out["TARGETS"]["predicted"], out["TARGETS"]["unscored"]) == (0, 1)
    assert drugbank_ids(DRUG) == {"DB00788"} and drugbank_ids(other) == set()


def test_halves_are_fixed_by_set_id_and_select_labels(tmp_path):
    ids = [f"set-{i}" for i in range(40)]
    halves = [half_of(i) for i in ids]
    assert set(halves) == {"dev", "other"}
    assert half_of("SET-1") == half_of("set-1")
    refs = read_references(make_refs(tmp_path))
    docs = [Document(f"SPL:{i}@1", "spl", "t", metadata={"set_id": i}) for i in ids]
    exs = [Extraction(d.id) for d in docs]
    assert score(exs, docs, refs, lambda db: set(), half="dev")["labels"] == halves.count("dev")


def test_indications_are_scored_by_the_catalogue_where_it_covers_the_disease(tmp_path):
    refs = read_references(make_refs(tmp_path))
    assert refs.disease_keys["MESH:D003924"] == "DOID:9352"  # through DO's MeSH xref
    assert "MESH:D010003" not in refs.disease_keys  # a disease the catalogue does not cover
    doc = Document("SPL:z@1", "spl", "text", metadata={"set_id": "z"})
    ra = Entity("MESH:D001172", EntityType.DISEASE, "Arthritis, Rheumatoid", xrefs=("DOID:7148",))
    t2d = Entity("MESH:D003924", EntityType.DISEASE, "Diabetes Mellitus, Type 2")
    renal = Entity("MESH:D006978", EntityType.DISEASE, "Hypertension, Renal")
    pain = Entity("MESH:D010146", EntityType.DISEASE, "Pain")
    sts = [Statement.make(DRUG.id, Predicate.TREATS, e.id) for e in (ra, t2d, renal, pain)]
    ex = Extraction(
        doc.id,
        entities=(DRUG, ra, t2d, renal, pain),
        statements=tuple(sts),
        evidence=tuple(_evidence(st, doc) for st in sts),
    )
    errors: list[dict] = []
    ancestors = {"MESH:D006978": ["MESH:D006973", "MESH:D014652"]}.get
    out = score(
        [ex], [doc], refs, lambda db: set(), errors=errors, ancestors=lambda i: ancestors(i, [])
    )
    # RA is a listed symptomatic indication; type 2 diabetes a curated non-indication;
    # renal hypertension sits below hypertension, which the catalogue lists for another
    # drug only; pain is no catalogued disease
    assert out["TREATS"] == {
        "precision": round(1 / 3, 4),
        "recall": 1.0,
        "f1": 0.5,
        "predicted": 3,
        "gold": 1,
        "unscored": 1,
        "contradicted": 1,
    }
    # a label that states only indications adds nothing to the other relations' recall
    assert out["TARGETS"]["gold"] == 0 and out["CAUSES"]["gold"] == 0
    assert {(e["object"].split()[0], e["catalogue"]) for e in errors} == {
        (t2d.id, "NOT"),
        (renal.id, "unlisted"),
    }
