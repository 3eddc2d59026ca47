"""``medkg eval label-refs``: label TARGETS, CAUSES, TREATS and AFFECTS_RESPONSE scored
against binding, SIDER, PharmacotherapyDB and PharmGKB rows."""

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
    "pharmgkb/drugLabels.tsv": [
        "PharmGKB ID\tName\tSource\tBiomarker Flag\tTesting Level\tHas Prescribing Info\tHas Dosing Info\t"
        "Has Alternate Drug\tCancer Genome\tPrescribing\tChemicals\tGenes\tVariants/Haplotypes\t"
        "Latest History Date (YYYY-MM-DD)",
        "PA1\tAnnotation of FDA Label for clopidogrel and CYP2C19\tFDA\t\t\t\t\t\t\t\tclopidogrel\tCYP2C19\t\t",
        "PA2\tAnnotation of EMA Label for naproxen and CYP2C9\tEMA\t\t\t\t\t\t\t\tnaproxen\tCYP2C9\t\t",
        "PA3\tAnnotation of FDA Label for aspirin and dipyridamole\tFDA\t\t\t\t\t\t\t\taspirin and dipyridamole\tG6PD\t\t",
    ],
    "pharmgkb/clinical_annotations.tsv": [
        "Clinical Annotation ID\tVariant/Haplotypes\tGene\tLevel of Evidence\tLevel Override\tLevel Modifiers\t"
        "Score\tPhenotype Category\tPMID Count\tEvidence Count\tDrug(s)\tPhenotype(s)\t"
        "Latest History Date (YYYY-MM-DD)\tURL\tSpecialty Population",
        "1\trs1057910\tCYP2C9\t1A\t\t\t\tMetabolism/PK\t\t\tcelecoxib;naproxen\t\t\t\t",
        "2\tHLA-B*57:01\tHLA-B\t1A\t\t\t\tToxicity\t\t\tabacavir\t\t\t\t",
    ],
    "pharmgkb/drugs.tsv.gz": [
        "PharmGKB Accession Id\tName\tGeneric Names\tTrade Names",
        "PA449053\tnaproxen\tNaproxen Sodium\tAleve",
        "PA448497\taspirin\tacetylsalicylic acid\t",
        "PA449015\tmetformin\t\tGlucophage",
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


def test_response_modifiers_are_scored_by_pharmgkbs_gene_drug_pairs(tmp_path):
    from extractors.relations.label_refs import read_pgx

    pgx, fda, drugs = read_pgx(make_refs(tmp_path))
    assert pgx["naproxen"] == {"CYP2C9"} and fda == {"clopidogrel": {"CYP2C19"}, "aspirin and dipyridamole": {"G6PD"}, "aspirin": {"G6PD"}, "dipyridamole": {"G6PD"}}
    assert {"naproxen sodium", "metformin", "abacavir"} <= drugs  # the vocabulary, and every annotated drug
    refs = read_references(tmp_path)
    doc = Document("SPL:g@1", "spl", "text", metadata={"set_id": "g"})
    cyp2c9 = Entity("NCBIGene:1559", EntityType.GENE, "CYP2C9")
    star = Entity("VAR:CYP2C9*3", EntityType.VARIANT, "CYP2C9*3")
    hla = Entity("VAR:HLA-B*57:01", EntityType.VARIANT, "HLA-B*57:01")
    rsid = Entity("dbSNP:rs1057910", EntityType.VARIANT, "rs1057910")
    metformin = Entity("MESH:D008687", EntityType.DRUG, "Metformin")
    sts = [
        Statement.make(cyp2c9.id, Predicate.AFFECTS_RESPONSE, DRUG.id, direction="metabolism"),
        Statement.make(star.id, Predicate.AFFECTS_RESPONSE, DRUG.id, direction="dosage"),  # the same gene
        Statement.make(hla.id, Predicate.AFFECTS_RESPONSE, DRUG.id, direction="toxicity"),
        Statement.make(rsid.id, Predicate.AFFECTS_RESPONSE, DRUG.id, direction="metabolism"),  # no gene: unscored
        Statement.make(cyp2c9.id, Predicate.AFFECTS_RESPONSE, metformin.id, direction="metabolism"),
    ]
    ex = Extraction(
        doc.id,
        entities=(DRUG, cyp2c9, star, hla, rsid, metformin),
        statements=tuple(sts),
        evidence=tuple(_evidence(st, doc, sentence=f"s{i}.") for i, st in enumerate(sts)),
    )
    errors: list[dict] = []
    out = score([ex], [doc], refs, lambda db: set(), errors=errors)["AFFECTS_RESPONSE"]
    # naproxen: CYP2C9 right (its clinical annotation), HLA-B wrong; metformin: CYP2C9 wrong;
    # no FDA label annotation for either drug, so no recall to count
    assert (out["predicted"], out["precision"], out["gold"], out["unscored"]) == (3, 0.3333, 0, 1)
    assert sorted((e["drug"], e["object"], e["sentence"]) for e in errors) == [
        (metformin.id, "CYP2C9", "s4."),
        (DRUG.id, "HLA-B", "s2."),
    ]


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
