"""``medkg eval targets``: the drug targets the pipeline reads from text, against public
drug-target tables.

ChemProt scores the model on gold chemical-protein pairs (``eval relations --task
chemprot``); nothing scores the TARGETS statements the whole pipeline makes on other text,
which are what the API's ``drug { targets }`` serves. Here every (document, drug, gene)
TARGETS statement is looked up in two tables:

* Hetionet's compound-gene binding table (``hetionet/CbG-binding.tsv``: DrugBank targets,
  enzymes and transporters, ChEMBL, DrugCentral, BindingDB), by DrugBank id;
* DGIdb's 2013 interaction claims (``dgidb/dgidb-2013-02_interactions.tsv``: DrugBank, TTD,
  PharmGKB, TEND, TALC), by DrugBank id or drug name, and gene symbol.

A statement is right when either table pairs the drug with the gene, wrong when the tables
know the drug but not with that gene, and unscored when neither knows the drug. Both
tables predate many of the drugs text names and neither is complete, so precision is a
lower bound. Statements the class-name rule makes ("the EGFR inhibitor erlotinib",
``classnames``) are counted apart from the model's, and the documents are split into two
fixed halves (sha1 of the document id even: ``dev``) so that rules can be chosen on one.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.base import Extraction
from extractors.relations.classnames import NOTE as CLASS_NAME_NOTE
from extractors.relations.label_refs import drugbank_ids, half_of
from kg.errors import BadInputError
from kg.model import Document, Entity, Predicate

GROUPS = ("all", "class_name", "model")


@dataclass(frozen=True, slots=True)
class TargetTables:
    by_drugbank: Mapping[str, frozenset[str]]  # DrugBank id -> NCBIGene ids and gene symbols
    by_name: Mapping[str, frozenset[str]]  # drug name (lower case) -> gene symbols


@dataclass(frozen=True, slots=True)
class Found:
    """One TARGETS statement of one document."""

    document_id: str
    drug: Entity
    gene: Entity
    class_name: bool  # some evidence is the class-name rule's


def read_tables(data_dir: Path) -> TargetTables:
    cbg = data_dir / "hetionet" / "CbG-binding.tsv"
    dgidb = data_dir / "dgidb" / "dgidb-2013-02_interactions.tsv"
    for path in (cbg, dgidb):
        if not path.exists():
            raise BadInputError(f"{path}: reference file not found")
    by_db: dict[str, set[str]] = defaultdict(set)
    by_name: dict[str, set[str]] = defaultdict(set)
    with open(cbg, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            by_db[row["drugbank_id"]].add(f"NCBIGene:{row['entrez_gene_id']}")
    with open(dgidb, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gene = row["entrez_gene_symbol"].upper()
            if row["drug_name"].startswith("DB"):  # DrugBank claims name the drug by its id
                by_db[row["drug_name"]].add(gene)
            for name in (row["drug_name"], row["drug_primary_name"]):
                if name:
                    by_name[name.lower()].add(gene)
    return TargetTables(
        {k: frozenset(v) for k, v in by_db.items()}, {k: frozenset(v) for k, v in by_name.items()}
    )


def targets_found(extractions: Iterable[Extraction]) -> list[Found]:
    """Each document's TARGETS statements with their two ends."""
    out = []
    for ext in extractions:
        ents = {e.id: e for e in ext.entities}
        rule = {ev.statement_key for ev in ext.evidence if ev.note == CLASS_NAME_NOTE}
        for st in ext.statements:
            if st.predicate is not Predicate.TARGETS:
                continue
            drug, gene = ents.get(st.subject), ents.get(st.object)
            if drug is None or gene is None:
                continue
            out.append(Found(ext.document_id, drug, gene, st.key in rule))
    return out


def verdict(found: Found, tables: TargetTables) -> str:
    """``right``, ``wrong`` or ``unscored`` (neither table knows the drug)."""
    known: set[str] = set()
    for db in drugbank_ids(found.drug):
        known |= tables.by_drugbank.get(db, frozenset())
    known |= tables.by_name.get(found.drug.name.lower(), frozenset())
    if not known:
        return "unscored"
    return "right" if found.gene.id in known or found.gene.name.upper() in known else "wrong"


def _tally(verdicts: Sequence[str]) -> dict[str, float | int]:
    right, wrong = verdicts.count("right"), verdicts.count("wrong")
    return {
        "statements": len(verdicts),
        "scored": right + wrong,
        "right": right,
        "unscored": verdicts.count("unscored"),
        "precision": round(right / (right + wrong), 4) if right + wrong else 0.0,
    }


def score(found: Sequence[Found], tables: TargetTables) -> dict:
    """Precision per group (all, class-name rule, model) overall and per half."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for f in found:
        v = verdict(f, tables)
        group = "class_name" if f.class_name else "model"
        for half in ("all", half_of(f.document_id)):
            cells[half, "all"].append(v)
            cells[half, group].append(v)
    return {
        half: {group: _tally(cells[half, group]) for group in GROUPS}
        for half in ("all", "dev", "other")
    }


def eval_targets(corpora: Sequence[Path], data_dir: Path, batch: int = 64) -> dict:
    """Run the production pipeline over the documents of ``corpora`` (any format the
    loaders read) and score its TARGETS statements."""
    from extractors.pipeline import build
    from kg.settings import Settings
    from loaders import iter_documents

    tables = read_tables(data_dir)
    docs, bad = [], 0
    for item in iter_documents(corpora):
        if isinstance(item, Document):
            docs.append(item)
        else:
            bad += 1
    if not docs:
        raise BadInputError(f"{', '.join(map(str, corpora))}: no documents")
    pipeline = build(Settings.from_env())
    found: list[Found] = []
    failures = 0
    for start in range(0, len(docs), batch):
        extractions, failed = pipeline.process(docs[start : start + batch])
        failures += len(failed)
        found += targets_found(extractions)
    return {
        "documents": len(docs),
        "records_skipped": bad,
        "failures": failures,
        **score(found, tables),
        "extractors": list(pipeline.tags),
    }
