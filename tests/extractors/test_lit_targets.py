"""``medkg eval targets``: literature TARGETS scored against drug-target tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.base import Extraction
from extractors.relations.lit_targets import (
    Found,
    half_of,
    read_tables,
    score,
    targets_found,
    verdict,
)
from kg.errors import BadInputError
from kg.model import Entity, EntityType, Evidence, Predicate, Statement

REPO = Path(__file__).resolve().parents[2]
ERLOTINIB = Entity("MESH:D000069347", EntityType.DRUG, "Erlotinib", xrefs=("DRUGBANK:DB00530",))
NEWDRUG = Entity("MESH:C999999", EntityType.DRUG, "Newtinib")
EGFR = Entity("NCBIGene:1956", EntityType.GENE, "EGFR")
KRAS = Entity("NCBIGene:3845", EntityType.GENE, "KRAS")
ERBB2 = Entity("NCBIGene:2064", EntityType.GENE, "ERBB2")


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    (tmp_path / "hetionet").mkdir()
    (tmp_path / "dgidb").mkdir()
    (tmp_path / "hetionet" / "CbG-binding.tsv").write_text(
        "drugbank_id\tentrez_gene_id\tsources\tpubmed_ids\tactions\taffinity_nM\tlicense\turls\n"
        "DB00530\t1956\tDrugBank (target)\t\tinhibitor\t\t\t\n"
    )
    (tmp_path / "dgidb" / "dgidb-2013-02_interactions.tsv").write_text(
        "entrez_gene_symbol\tgene_long_name\tinteraction_claim_source\tinteraction_types\t"
        "drug_name\tdrug_primary_name\n"
        "ERBB2\terb-b2\tTTD\tinhibitor\tERLOTINIB\tERLOTINIB\n"
    )
    return tmp_path


@pytest.fixture()
def tables(data_dir):
    return read_tables(data_dir)


def test_a_pair_is_right_in_either_table_wrong_beside_them_unscored_for_unknown_drugs(tables):
    assert verdict(Found("PMID:1", ERLOTINIB, EGFR, False), tables) == "right"  # Hetionet, by id
    assert verdict(Found("PMID:1", ERLOTINIB, ERBB2, False), tables) == "right"  # DGIdb, by name
    assert verdict(Found("PMID:1", ERLOTINIB, KRAS, False), tables) == "wrong"
    assert verdict(Found("PMID:1", NEWDRUG, EGFR, False), tables) == "unscored"


def test_statements_of_the_class_name_rule_are_counted_apart(tables):
    st_rule = Statement.make(ERLOTINIB.id, Predicate.TARGETS, EGFR.id, action="inhibitor")
    st_model = Statement.make(ERLOTINIB.id, Predicate.TARGETS, KRAS.id, action="inhibitor")
    treats = Statement.make(ERLOTINIB.id, Predicate.TREATS, "MESH:D002289")

    def ev(st: Statement, note: str) -> Evidence:
        return Evidence(st.key, "PMID:2", "s", 0, 1, 0, 1, 0, 1, 0.9, "re-minilm", "v", note=note)

    ext = Extraction(
        "PMID:2",
        entities=(ERLOTINIB, EGFR, KRAS),
        statements=(st_rule, st_model, treats),
        evidence=(ev(st_rule, "class name"), ev(st_model, "CPR:4"), ev(treats, "")),
    )
    found = targets_found([ext])
    assert {(f.gene.name, f.class_name) for f in found} == {("EGFR", True), ("KRAS", False)}
    result = score(found, tables)
    half = half_of("PMID:2")
    for key in ("all", half):
        assert result[key]["all"] == {
            "statements": 2, "scored": 2, "right": 1, "unscored": 0, "precision": 0.5
        }  # fmt: skip
        assert result[key]["class_name"]["precision"] == 1.0
        assert result[key]["model"]["precision"] == 0.0
    other = "other" if half == "dev" else "dev"
    assert result[other]["all"]["statements"] == 0


def test_a_missing_table_is_a_named_error(tmp_path):
    with pytest.raises(BadInputError, match="CbG-binding.tsv"):
        read_tables(tmp_path)


@pytest.mark.slow
def test_the_command_on_the_shipped_sample(capsys, data_dir):
    from api.cli import main

    corpus = str(REPO / "samples" / "civic")
    assert main(["eval", "targets", "--corpus", corpus, "--data", str(data_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"] == 30 and out["failures"] == 0
    assert out["all"]["all"]["statements"] == (
        out["all"]["class_name"]["statements"] + out["all"]["model"]["statements"]
    )
    assert 0 <= out["all"]["all"]["precision"] <= 1
