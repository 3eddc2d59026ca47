"""``medkg kb build`` on a miniature data directory in the real file formats, and the KB files."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from api.cli import main
from extractors.linking.build import (
    PRIOR_SECONDARY,
    CorpusFile,
    _Builder,
    add_disease_ontology,
    build_kb,
    clean_brand,
    corpus_synonyms,
    strip_salt,
)
from extractors.linking.kb import (
    RANK_ALIAS,
    RANK_CORPUS,
    RANK_NAME,
    RANK_PREFERRED,
    RANK_SYNONYM,
    KnowledgeBase,
    write_kb,
)
from kg.errors import BadInputError, ModelNotFoundError
from kg.model import EntityType


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def make_data_dir(root: Path) -> Path:
    """A few rows of every source the build reads, in the shared data's formats."""
    _write(
        root / "mesh/terms.tsv",
        "mesh_id\tmesh_name\nD001241\tAspirin\nD000082\tAcetaminophen\n"
        "D003924\tDiabetes Mellitus, Type 2\nD011899\tRanitidine\nD000068877\tImatinib Mesylate\n",
    )
    _write(
        root / "mesh/tree-numbers.tsv.gz",
        "mesh_id\tmesh_name\tmesh_tree_number\n"
        "D001241\tAspirin\tD02.455.426.559.389.657.410.595.054\n"
        "D000082\tAcetaminophen\tD02.065.199.092.040\n"
        "D003924\tDiabetes Mellitus, Type 2\tC18.452.394.750.149\n"
        "D011899\tRanitidine\tD03.383.129.578.650\n"
        "D000068877\tImatinib Mesylate\tD03.383.742.680.245\n",
    )
    _write(
        root / "disease_ontology/xrefs.tsv",
        "doid_code\tdoid_name\tresource\tresource_id\n"
        "DOID:9352\ttype 2 diabetes mellitus\tMSH\tD003924\nDOID:9352\ttype 2 diabetes mellitus\tOMIM\t125853\n"
        "DOID:0050859\themorrhagic cystitis\tUMLS\tC0877354\n",
    )
    _write(
        root / "disease_ontology/term-names.tsv",
        "doid\tname\ttype\n"
        "DOID:9352\ttype 2 diabetes mellitus\tname\nDOID:9352\tNIDDM\texact-synonym\n"
        "DOID:0050859\themorrhagic cystitis\tname\n",
    )
    _write(
        root / "drugbank/drugbank_vocabulary.csv",
        "DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key\n"
        "DB00945,APRD00264,Acetylsalicylic acid,50-78-2,R16CO5Y76E,Aspirin | ASA | Acetylsalicylic acid,X\n"
        "DB00316,APRD00252,Acetaminophen,103-90-2,362O9ITL9D,Paracetamol | APAP,X\n"
        "DB00619,APRD01028,Imatinib,152459-95-5,BKJ8M8G5HI,Imatinib | Imatinibum,X\n"
        "DB99999,,Zorblaxine,,,Zorb-1,\n",
    )
    products = (
        "ApplNo\tProductNo\tForm\tStrength\tReferenceDrug\tDrugName\tActiveIngredient\tReferenceStandard\r\n"
        "017756\t001\tSUPPOSITORY;RECTAL\t650MG\t0\tTYLENOL\tACETAMINOPHEN\t0\r\n"
        "018703\t001\tTABLET;ORAL\t150MG\t1\tZANTAC 150\tRANITIDINE HYDROCHLORIDE\t0\r\n"
        "021335\t001\tTABLET;ORAL\t100MG\t1\tGLEEVEC\tIMATINIB MESYLATE\t0\r\n"
        "019771\t001\tTABLET;ORAL\t200MG;30MG\t1\tADVIL COLD\tIBUPROFEN; PSEUDOEPHEDRINE HYDROCHLORIDE\t1\r\n"
        "070001\t001\tTABLET;ORAL\t325MG\t0\tASPIRIN\tASPIRIN\t0\r\n"
    )
    (root / "drugsatfda").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(root / "drugsatfda/drugsatfda_2020.zip", "w") as zf:
        zf.writestr("Products.txt", products)
    _write(
        root / "civic/nightly-2021-02-25-DrugSummaries.tsv",
        "drug_name\tdrug_id\teids\nImatinib (STI571)\t633\t\n",
    )
    _write(
        root / "genes/hgnc_symbols_2021-02.tsv",
        "Approved symbol\tApproved name\tPrevious symbols\tAlias symbols\n"
        "TP53\ttumor protein p53\t\tp53, LFS1\nERBB2\terb-b2 receptor tyrosine kinase 2\tNGL\tHER-2, HER2, NEU\n"
        "MT-CO2\tmitochondrially encoded cytochrome c oxidase II\tMTCO2\tCOX2, CO2\n"
        "PTGS2\tprostaglandin-endoperoxide synthase 2\t\tCOX2\n",
    )
    _write(
        root / "genes/ncbi_Homo_sapiens.gene_info_2015-06.gz",
        "#Format: tax_id GeneID Symbol ...\n"
        "9606\t7157\tTP53\t-\tBCC7|LFS1|TRP53\tMIM:191170|HGNC:HGNC:11998\t17\t17p13.1\ttumor protein p53\tprotein-coding\tTP53\ttumor protein p53\tO\tcellular tumor antigen p53\t20150607\n"
        "9606\t2064\tERBB2\t-\tCD340|HER-2|HER2|NEU|NGL\tMIM:164870|HGNC:HGNC:3430\t17\t17q12\tv-erb-b2 avian erythroblastic leukemia viral oncogene homolog 2\tprotein-coding\tERBB2\tv-erb-b2\tO\treceptor tyrosine-protein kinase erbB-2\t20150607\n"
        "9606\t4513\tCOX2\t-\tCOII|MTCO2\tMIM:516040|HGNC:HGNC:7421\tMT\t-\tcytochrome c oxidase II\tprotein-coding\tMT-CO2\tmitochondrially encoded cytochrome c oxidase II\tO\tcytochrome c oxidase subunit 2\t20150607\n"
        "9606\t5743\tPTGS2\t-\tCOX-2|COX2|PGHS-2\tMIM:600262|HGNC:HGNC:9605\t1\t1q25.2-q25.3\tprostaglandin-endoperoxide synthase 2\tprotein-coding\tPTGS2\tprostaglandin-endoperoxide synthase 2\tO\tprostaglandin G/H synthase 2\t20150607\n",
    )
    # corpora: a train document teaches "ASA"; a test document must teach nothing
    _write(
        root / "bc5cdr/CDR_TrainingSet.PubTator.txt",
        "100|t|ASA and T2DM.\n100|a|Nothing else.\n100\t0\t3\tASA\tChemical\tD001241\n100\t8\t12\tT2DM\tDisease\tD003924\n\n",
    )
    _write(
        root / "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
        "200|t|Sorafenib helps.\n200|a|Really.\n200\t0\t9\tSorafenib\tChemical\tC471405\n\n",
    )
    _write(
        root / "bc5cdr/CDR_TestSet.PubTator.txt",
        "300|t|Secretdrug works.\n300|a|Yes.\n300\t0\t10\tSecretdrug\tChemical\tC999999\n\n",
    )
    return root


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def kb(data_dir, tmp_path_factory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb")
    write_kb(build_kb(data_dir), out)
    return KnowledgeBase.load(out)


def _best(kb: KnowledgeBase, text: str, etype: EntityType):
    hits = kb.lookup_exact(text, etype)
    return kb.entity(hits[0][1]) if hits else None


def test_brands_map_to_their_ingredient_through_salt_names(kb):
    assert _best(kb, "Tylenol", EntityType.DRUG).id == "MESH:D000082"
    assert _best(kb, "Zantac", EntityType.DRUG).id == "MESH:D011899"
    gleevec = _best(kb, "Gleevec", EntityType.DRUG)
    assert gleevec.id == "MESH:D000068877"
    assert _best(kb, "imatinib", EntityType.DRUG) == gleevec  # DrugBank name, salt-stripped match
    assert "DRUGBANK:DB00619" in gleevec.xrefs
    assert _best(kb, "STI571", EntityType.DRUG) == gleevec  # CIViC "Imatinib (STI571)"
    assert _best(kb, "Advil Cold", EntityType.DRUG) is None  # combination products name nothing


def test_drugbank_names_join_mesh_and_unmatched_drugs_get_drugbank_ids(kb):
    aspirin = _best(kb, "acetylsalicylic acid", EntityType.DRUG)
    assert aspirin.id == "MESH:D001241"
    assert {"DRUGBANK:DB00945", "UNII:R16CO5Y76E"} <= set(aspirin.xrefs)
    assert _best(kb, "Zorb-1", EntityType.DRUG).id == "DRUGBANK:DB99999"


def test_disease_ontology_synonyms_and_inverted_mesh_names(kb):
    t2d = _best(kb, "NIDDM", EntityType.DISEASE)
    assert t2d.id == "MESH:D003924"
    assert _best(kb, "type 2 diabetes mellitus", EntityType.DISEASE) == t2d
    assert {"DOID:9352", "OMIM:125853"} <= set(t2d.xrefs)
    # a DO disease without a MeSH xref is its own entity
    assert _best(kb, "hemorrhagic cystitis", EntityType.DISEASE).id == "DOID:0050859"


def test_genes_use_hgnc_symbol_and_aliases(kb):
    her2 = _best(kb, "HER2", EntityType.GENE)
    assert (her2.id, her2.name) == ("NCBIGene:2064", "ERBB2")
    assert "HGNC:3430" in her2.xrefs
    assert _best(kb, "p53", EntityType.GENE).id == "NCBIGene:7157"
    assert _best(kb, "tumor protein p53", EntityType.GENE).id == "NCBIGene:7157"


def test_genes_take_the_hgnc_symbol_where_ncbi_lags_and_shared_names_read_as_meant(kb):
    mito = kb.entity(kb.row_of("NCBIGene:4513"))
    assert mito.name == "MT-CO2"  # NCBI's 2015 symbol is "COX2"
    assert _best(kb, "MT-CO2", EntityType.GENE) == mito
    # "COX2" is an alias of both in HGNC; the literature and drug labels mean PTGS2
    for name in ("COX-2", "COX2", "Cox-2"):
        assert _best(kb, name, EntityType.GENE).id == "NCBIGene:5743", name
    # aliases that name lipoproteins or drug-target families are no gene's names
    assert kb.is_unlinkable("HDL", EntityType.GENE) and kb.is_unlinkable("LDL-C", EntityType.GENE)
    assert kb.is_unlinkable("PDE", EntityType.GENE) and not kb.is_unlinkable(
        "PDE5", EntityType.GENE
    )


def test_a_drugs_effect_is_no_disease_whatever_a_corpus_reads(kb):
    # BC5CDR's development split reads "analgesia" as Pain Insensitivity, Congenital
    assert kb.is_unlinkable("analgesia", EntityType.DISEASE)
    assert kb.is_unlinkable("Analgesia", EntityType.DISEASE)
    assert not kb.is_unlinkable("analgesia", EntityType.DRUG)


def test_corpus_synonyms_come_from_train_and_dev_never_test(kb):
    assert _best(kb, "T2DM", EntityType.DISEASE).id == "MESH:D003924"
    assert _best(kb, "Sorafenib", EntityType.DRUG).id == "MESH:C471405"
    assert _best(kb, "Secretdrug", EntityType.DRUG) is None
    assert kb.row_of("MESH:C999999") is None


def test_corpus_strings_vote_once_per_document_by_normalised_key(tmp_path):
    # one abstract repeating a minority reading (and in two casings) must not win
    lines = ["10|t|depressive depressive Depressive depressive.", "10|a|x"]
    lines += [
        f"10\t{s}\t{s + 10}\t{t}\tDisease\tD000275"
        for s, t in ((0, "depressive"), (11, "depressive"), (22, "Depressive"), (33, "depressive"))
    ]
    for pmid in (11, 12, 13):
        lines += [
            "",
            f"{pmid}|t|depressive.",
            f"{pmid}|a|x",
            f"{pmid}\t0\t10\tdepressive\tDisease\tD003866",
        ]
    corpus = tmp_path / "corpus.PubTator.txt"
    corpus.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    b = _Builder()
    adjustment = b.entity("MESH:D000275", EntityType.DISEASE, "Adjustment Disorders")
    depressive = b.entity("MESH:D003866", EntityType.DISEASE, "Depressive Disorder")
    corpus_synonyms(b, [CorpusFile(corpus)])
    assert b.find("Depressive", EntityType.DISEASE, RANK_CORPUS) == [depressive]
    assert b.find("depressive", EntityType.DISEASE, RANK_ALIAS) == [depressive, adjustment]


def test_do_terms_without_a_mesh_xref_join_the_mesh_concept_of_that_name(tmp_path):
    _write(
        tmp_path / "disease_ontology/xrefs.tsv",
        "doid_code\tdoid_name\tresource\tresource_id\nDOID:0060223\tagraphia\tUMLS\tC0001816\n",
    )
    _write(
        tmp_path / "disease_ontology/term-names.tsv",
        "doid\tname\ttype\nDOID:0060223\tagraphia\tname\nDOID:0060223\tdysgraphia\texact-synonym\n"
        "DOID:1\tzorblax syndrome\tname\n",
    )
    b = _Builder()
    mesh = b.entity("MESH:D000381", EntityType.DISEASE, "Agraphia")
    b.name(mesh, "Agraphia", RANK_PREFERRED)
    add_disease_ontology(b, tmp_path)
    assert "DOID:0060223" not in b.row_of  # one node, not a DOID twin
    assert "DOID:0060223" in b.xrefs[mesh]
    assert b.find("dysgraphia", EntityType.DISEASE, RANK_SYNONYM) == [mesh]
    assert "DOID:1" in b.row_of  # a DO disease MeSH does not name stays its own entity


def test_corpus_ids_of_one_named_concept_join_into_one_entity(tmp_path):
    # BC5CDR (MeSH 2015) and BioRED (MeSH 2021) name olanzapine by different ids, and
    # NCBI-disease gives a MeSH id to a disease DO knows only by its DOID
    lines = [
        "1|t|olanzapine and Becker muscular dystrophy",
        "1|a|x",
        "1	0	10	olanzapine	Chemical	C076029",
        "1	15	40	Becker muscular dystrophy	Disease	C537666",
        "",
        "2|t|olanzapine and zorblax",
        "2|a|x",
        "2	0	10	olanzapine	Chemical	D000077152",
        "2	15	22	zorblax	Chemical	C000001",
    ]
    corpus = tmp_path / "corpus.PubTator.txt"
    corpus.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    b = _Builder()
    doid = b.entity("DOID:9883", EntityType.DISEASE, "Becker muscular dystrophy")
    b.name(doid, "Becker muscular dystrophy", RANK_NAME, PRIOR_SECONDARY)
    stats = corpus_synonyms(b, [CorpusFile(corpus)])
    assert stats["twins_joined"] == 2 and stats["entities_added"] == 2
    drug = b.row_of["MESH:C076029"]
    assert b.row_of["MESH:D000077152"] == drug
    assert b.records[drug].id == "MESH:D000077152"  # the descriptor the concept became
    assert b.xrefs[drug] == ["MESH:C076029"]
    assert b.records[doid].id == "MESH:C537666" and b.xrefs[doid] == ["DOID:9883"]
    assert b.row_of["DOID:9883"] == b.row_of["MESH:C537666"] == doid
    assert b.find("olanzapine", EntityType.DRUG, RANK_CORPUS) == [drug]


def test_test_split_cannot_feed_the_kb(data_dir):
    with pytest.raises(BadInputError):
        build_kb(data_dir, ["train", "test"])


def test_write_is_deterministic_and_checksummed(data_dir, tmp_path):
    data = build_kb(data_dir)
    a, b = write_kb(data, tmp_path / "a"), write_kb(build_kb(data_dir), tmp_path / "b")
    assert a["sha256"] == b["sha256"]
    meta = json.loads((tmp_path / "a" / "kb.json").read_text())
    assert meta["counts"]["entities.Gene"] == 4


def test_cli_builds_a_kb(data_dir, tmp_path, capsys):
    assert (
        main(["kb", "build", "--data", str(data_dir), "--out", str(tmp_path / "kb"), "--json"]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["corpus_splits"] == ["train", "dev"]
    assert (tmp_path / "kb" / "entities.tsv.gz").is_file()


def test_missing_kb_is_a_named_error(tmp_path):
    with pytest.raises(ModelNotFoundError):
        KnowledgeBase.load(tmp_path)


def test_salt_and_brand_cleaning():
    assert strip_salt("IMATINIB MESYLATE") == "imatinib"
    assert strip_salt("Aspirin") == ""
    assert clean_brand("ZANTAC 150") == "ZANTAC"
    assert clean_brand("ZANTAC IN PLASTIC CONTAINER") == "ZANTAC"


def test_the_linkers_version_carries_the_kbs_checksum(data_dir, tmp_path):
    from extractors.linking.linker import DictionaryLinker

    meta = write_kb(build_kb(data_dir), tmp_path / "kb")
    digest = meta["sha256"]["names.tsv.gz"][:8]
    lazy = DictionaryLinker(tmp_path / "kb")
    assert lazy.tag == f"medkg-linker@{DictionaryLinker.rules_version}+{digest}"
    assert lazy._kb is None  # read from kb.json: the skip check of an ingest loads no KB
    assert DictionaryLinker(kb=KnowledgeBase.load(tmp_path / "kb")).version == lazy.version
    # another KB, another version: documents linked with the old one are linked again
    other = build_kb(data_dir)
    other.names.append((0, RANK_ALIAS, "Aspirin Extra"))
    write_kb(other, tmp_path / "kb2")
    assert DictionaryLinker(tmp_path / "kb2").version != lazy.version
