"""``medkg eval label-refs``: the label path's TARGETS, CAUSES, TREATS and AFFECTS_RESPONSE
against public references.

LabeledIn measures indications only. The targets read from Mechanism of Action sections
and the adverse effects read from Adverse Reactions and Boxed Warning sections are
compared here with references keyed by DrugBank id:

* TARGETS: Hetionet's compiled compound-gene binding table (``hetionet/CbG-binding.tsv``:
  DrugBank targets, enzymes and transporters, ChEMBL, DrugCentral, BindingDB, ...). A
  predicted (drug, gene) pair is right when the table has it from any source.
* CAUSES: SIDER 4.1 side effects (``sider4/meddra_all_se.tsv.gz``, STITCH ids mapped to
  DrugBank through ``drugbank/pubchem-mapping.tsv``). A predicted condition is right when
  the drug's side-effect names, read by the same dictionary linker, give its id, or one of
  its names is one of them.

* TREATS: PharmacotherapyDB 1.0 (``pharmacotherapydb/indications.tsv``), physicians'
  verdicts on drug-disease pairs for 97 diseases: disease-modifying (DM) or symptomatic
  (SYM) indications, and curated non-indications (NOT). An indication read from a label is
  scored when its disease is one of the 97 (by Disease Ontology id, MeSH id through Disease
  Ontology's cross-references, or name), or sits below one in MeSH's tree ("Hypertension,
  Renal" under hypertension): right when the pair is DM or SYM, wrong when it is NOT or
  the catalogue does not list it for that drug. Other indications are left unscored.

* AFFECTS_RESPONSE: PharmGKB (2022-07): its annotations of drug labels (``drugLabels.tsv``,
  every agency) and its clinical annotations (``clinical_annotations.tsv``) pair genes with
  drugs. A predicted (gene or variant, drug) pair is right when either pairs the drug with
  the gene (a variant counts as the gene it is written on: "CYP2C19*2" is CYP2C19); it is
  unscored when PharmGKB's drug vocabulary (``drugs.tsv.gz``) does not name the drug. Recall
  is over the genes PharmGKB's annotations of the drug's FDA label list.

The references are older than some labels and none is complete, so precision here is
a lower bound: rule choices are made on its changes, on one half of the labels (``dev``:
sha1 of the set id even), and the other half is reported beside it. Recall is reported
against what the label's sections could state: CbG's DrugBank "target" genes, and SIDER's
side effects.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.base import Extraction
from extractors.relations.evaluate import _norm, entity_keys, prf_split
from extractors.variants import modifier_gene
from kg.errors import BadInputError
from kg.model import Document, Entity, EntityType, SourceKind

HALVES = ("all", "dev", "other")
STITCH_OFFSET = 100_000_000  # STITCH flat ids are CID1 + the PubChem CID, zero-padded


@dataclass(frozen=True, slots=True)
class References:
    targets: dict[str, set[str]]  # DrugBank id -> NCBIGene ids, any source
    primary_targets: dict[str, set[str]]  # DrugBank id -> NCBIGene ids, DrugBank "target" rows
    side_effects: dict[str, set[str]]  # DrugBank id -> side-effect names (normalised)
    actions: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (drug, gene) -> ours
    # PharmacotherapyDB: disease key (DOID, MeSH id or name:) -> its DOID, and
    # DrugBank id -> DOID -> category (DM, SYM or NOT)
    disease_keys: dict[str, str] = field(default_factory=dict)
    indications: dict[str, dict[str, str]] = field(default_factory=dict)
    # PharmGKB: drug name (normalised) -> gene symbols, from any annotation / FDA labels only
    pgx: dict[str, set[str]] = field(default_factory=dict)
    pgx_fda: dict[str, set[str]] = field(default_factory=dict)
    pgx_drugs: frozenset[str] = frozenset()  # every drug name PharmGKB's vocabulary has


# the table's action words in our TargetAction vocabulary
_ACTION_WORDS = {
    "blocker": "antagonist",
    "potentiator": "activator",
    "positive allosteric modulator": "activator",
    "inducer": "activator",
}


def half_of(set_id: str) -> str:
    """The fixed half a label (or any document, by its id) belongs to: ``dev`` (sha1 of the
    id even) or ``other``."""
    return "dev" if int(hashlib.sha1(set_id.lower().encode()).hexdigest(), 16) % 2 == 0 else "other"


def _require(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            raise BadInputError(f"{path}: reference file not found")


def read_references(data_dir: Path) -> References:
    cbg = data_dir / "hetionet" / "CbG-binding.tsv"
    se = data_dir / "sider4" / "meddra_all_se.tsv.gz"
    pubchem = data_dir / "drugbank" / "pubchem-mapping.tsv"
    _require(cbg, se, pubchem)
    targets: dict[str, set[str]] = defaultdict(set)
    primary: dict[str, set[str]] = defaultdict(set)
    actions: dict[tuple[str, str], set[str]] = defaultdict(set)
    with open(cbg, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gene = f"NCBIGene:{row['entrez_gene_id']}"
            targets[row["drugbank_id"]].add(gene)
            if "DrugBank (target)" in row["sources"].split("|"):
                primary[row["drugbank_id"]].add(gene)
            for word in filter(None, row["actions"].split("|")):
                actions[row["drugbank_id"], gene].add(_ACTION_WORDS.get(word, word))
    by_cid: dict[int, set[str]] = defaultdict(set)
    with open(pubchem, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["pubchem_cid"].isdigit():
                by_cid[int(row["pubchem_cid"])].add(row["drugbank_id"])
    side: dict[str, set[str]] = defaultdict(set)
    with gzip.open(se, "rt", encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 6 or not f[0].startswith("CID"):
                continue
            for db in by_cid.get(int(f[0][3:]) - STITCH_OFFSET, ()):
                side[db].add(_norm(f[5]))
    keys, indications = read_indications(data_dir)
    pgx, pgx_fda, pgx_drugs = read_pgx(data_dir)
    return References(
        dict(targets), dict(primary), dict(side), dict(actions), keys, indications,
        pgx, pgx_fda, pgx_drugs,
    )  # fmt: skip


def _split(cell: str) -> list[str]:
    """A PharmGKB list cell ("a; b", "a;b"); a combination's name also stands for its
    parts ("oxymetazoline and tetracaine")."""
    out = []
    for part in filter(None, (x.strip() for x in cell.split(";"))):
        out.append(part)
        if " and " in part:
            out += [x.strip() for x in part.split(" and ") if x.strip()]
    return out


def read_pgx(data_dir: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], frozenset[str]]:
    labels = data_dir / "pharmgkb" / "drugLabels.tsv"
    clinical = data_dir / "pharmgkb" / "clinical_annotations.tsv"
    drugs = data_dir / "pharmgkb" / "drugs.tsv.gz"
    _require(labels, clinical, drugs)
    pgx: dict[str, set[str]] = defaultdict(set)
    fda: dict[str, set[str]] = defaultdict(set)
    with open(labels, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            genes = {g.upper() for g in _split(row["Genes"])}
            for chem in map(_norm, _split(row["Chemicals"])):
                pgx[chem] |= genes
                if row["Source"] == "FDA":
                    fda[chem] |= genes
    with open(clinical, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            genes = {g.upper() for g in _split(row["Gene"])}
            for chem in map(_norm, _split(row["Drug(s)"])):
                pgx[chem] |= genes
    names: set[str] = set()
    with gzip.open(drugs, "rt", encoding="utf-8") as fh:  # fields beyond csv's size limit
        header = fh.readline().rstrip("\n").split("\t")
        name, generic = header.index("Name"), header.index("Generic Names")
        for line in fh:
            row = line.rstrip("\n").split("\t")
            names.add(_norm(row[name]))
            if len(row) > generic:
                names.update(_norm(n) for n in row[generic].split(",") if n.strip())
    return dict(pgx), dict(fda), frozenset(names | set(pgx))


def read_indications(data_dir: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    path = data_dir / "pharmacotherapydb" / "indications.tsv"
    xrefs = data_dir / "disease_ontology" / "xrefs.tsv"
    _require(path)
    keys: dict[str, str] = {}
    indications: dict[str, dict[str, str]] = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            keys[row["doid_id"]] = row["doid_id"]
            keys[f"name:{_norm(row['disease'])}"] = row["doid_id"]
            indications[row["drugbank_id"]][row["doid_id"]] = row["category"]
    covered = set(keys.values())
    if xrefs.exists():
        with open(xrefs, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row["doid_code"] in covered and row["resource"] == "MSH":
                    keys.setdefault(f"MESH:{row['resource_id']}", row["doid_code"])
    return keys, dict(indications)


def drugbank_ids(ent: Entity) -> set[str]:
    ids = {ent.id, *ent.xrefs}
    return {i.split(":", 1)[1] for i in ids if i.upper().startswith("DRUGBANK:")}


@dataclass(slots=True)
class _Tally:
    right: int = 0
    predicted: int = 0
    found: int = 0
    gold: int = 0
    unscored: int = 0  # statements whose drug the reference does not know
    comparable: int = 0  # right targets whose action both sides state
    agreeing: int = 0  # ... and agree on
    contradicted: int | None = None  # wrong by a curated verdict (TREATS: NOT), not a gap

    def report(self) -> dict[str, float | int]:
        out = prf_split(self.right, self.found, self.predicted, self.gold)
        out["unscored"] = self.unscored
        if self.contradicted is not None:
            out["contradicted"] = self.contradicted
        if self.comparable:
            out["action_agreement"] = round(self.agreeing / self.comparable, 4)
            out["actions_compared"] = self.comparable
        return out


def score(
    extractions: Sequence[Extraction],
    docs: Sequence[Document],
    refs: References,
    side_effect_ids,
    half: str = "all",
    errors: list[dict] | None = None,
    ancestors: Callable[[str], Iterable[str]] | None = None,
) -> dict:
    """TARGETS, CAUSES, TREATS and AFFECTS_RESPONSE precision/recall of label statements against ``refs``.

    ``side_effect_ids(drugbank_id) -> set[str]``: the entity ids the linker gives the drug's
    side-effect names (cached by the caller). ``ancestors(id)``: MeSH's broader concepts, so
    that an indication below a catalogued disease is scored as that disease. A statement
    counts once per label: several sentences stating it are one prediction.
    """
    by_id = {d.id: d for d in docs}
    tallies = {
        "TARGETS": _Tally(),
        "CAUSES": _Tally(),
        "TREATS": _Tally(contradicted=0),
        "AFFECTS_RESPONSE": _Tally(),
    }
    labels = 0
    for ex in extractions:
        doc = by_id.get(ex.document_id)
        if doc is None or (half != "all" and half_of(doc.metadata.get("set_id", "")) != half):
            continue
        labels += 1
        ents = {e.id: e for e in ex.entities} | {
            lm.entity.id: lm.entity for lm in ex.mentions if lm.entity is not None
        }
        affirmed = {
            ev.statement_key
            for ev in ex.evidence
            if ev.source_kind is SourceKind.LABEL and not ev.negated
        }
        pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        actions: dict[tuple[str, str], set[str]] = defaultdict(set)
        for st in ex.statements:
            if st.key in affirmed and st.predicate.value in tallies:
                pairs[st.predicate.value].add((st.subject, st.object))
                if st.qualifier("action") not in (None, "unknown"):
                    actions[st.subject, st.object].add(st.qualifier("action"))
        mark = len(errors) if errors is not None else 0
        subjects = {s for k, ps in pairs.items() if k != "AFFECTS_RESPONSE" for s, _ in ps}
        drugbank = {d: drugbank_ids(ents[d]) if d in ents else set() for d in subjects}
        # each relation's recall counts the drugs the label states that relation of
        for drug_id in sorted({s for s, _ in pairs["TREATS"]}):
            dbs = drugbank[drug_id]
            _score_treats(
                tallies["TREATS"], pairs["TREATS"], drug_id, dbs, refs, ents, ancestors, doc, errors
            )
        for drug_id in sorted({s for k in ("TARGETS", "CAUSES") for s, _ in pairs[k]}):
            dbs = drugbank[drug_id]
            _score_targets(
                tallies["TARGETS"], pairs["TARGETS"], actions, drug_id, dbs, refs, doc, errors
            )
            _score_causes(
                tallies["CAUSES"],
                pairs["CAUSES"],
                drug_id,
                dbs,
                refs,
                ents,
                side_effect_ids,
                doc,
                errors,
            )
        # the label's drugs: recall counts the FDA-annotated genes of those it states nothing of
        for drug_id in sorted(subjects | {o for _, o in pairs["AFFECTS_RESPONSE"]}):
            _score_pgx(tallies["AFFECTS_RESPONSE"], pairs["AFFECTS_RESPONSE"], drug_id, refs, ents, doc, errors)
        if errors is not None:  # each spurious statement with a sentence that states it
            said = {ev.statement_key: ev.sentence for ev in reversed(ex.evidence)}
            where = {_error_key(st, ents): said.get(st.key, "") for st in ex.statements}
            for e in errors[mark:]:
                key = (e["relation"], e["drug"], e["object"].split()[0])
                e["sentence"] = where.get(key, "")
    return {"half": half, "labels": labels} | {k: t.report() for k, t in tallies.items()}


def _error_key(st, ents: dict[str, Entity]) -> tuple[str, str, str]:
    """(relation, drug, the object's id) as error records name them; a response modifier
    is named by its gene symbol."""
    if st.predicate.value == "AFFECTS_RESPONSE":
        return st.predicate.value, st.object, modifier_gene(ents.get(st.subject)) or st.subject
    return st.predicate.value, st.subject, st.object


def _score_pgx(tally, pairs, drug_id, refs, ents, doc, errors) -> None:
    drug = ents.get(drug_id)
    names = {_norm(n) for n in ((drug.name, *drug.synonyms) if drug else ())}
    genes = {modifier_gene(ents.get(m)) for m, d in pairs if d == drug_id}
    unknown = None in genes
    genes.discard(None)
    tally.unscored += unknown
    if not names & refs.pgx_drugs:
        tally.unscored += len(genes)
        return
    known = set().union(*(refs.pgx.get(n, set()) for n in names))
    fda = set().union(*(refs.pgx_fda.get(n, set()) for n in names))
    tally.right += len(genes & known)
    tally.predicted += len(genes)
    tally.found += len(genes & fda)
    tally.gold += len(fda)
    if errors is not None:
        errors.extend(_spurious(doc, "AFFECTS_RESPONSE", drug_id, g) for g in sorted(genes - known))


def _spurious(doc: Document, relation: str, drug_id: str, obj: str) -> dict:
    """An error record: a statement the label path made that the reference lacks."""
    return {
        "label": doc.id,
        "relation": relation,
        "drug": drug_id,
        "object": obj,
        "kind": "spurious",
    }


def _named(entity_id: str, ents: dict[str, Entity]) -> str:
    return f"{entity_id} {ents[entity_id].name if entity_id in ents else entity_id}"


def _score_targets(tally, pairs, actions, drug_id, dbs, refs, doc, errors) -> None:
    genes = {o for s, o in pairs if s == drug_id}
    known = set().union(*(refs.targets.get(d, set()) for d in dbs)) if dbs else set()
    if not known:
        tally.unscored += len(genes)
        return
    primary = set().union(*(refs.primary_targets.get(d, set()) for d in dbs))
    right = genes & known
    tally.right += len(right)
    tally.predicted += len(genes)
    tally.found += len(genes & primary)
    tally.gold += len(primary)
    for g in right:  # the action, where the label states one and the table has one
        theirs = set().union(*(refs.actions.get((d, g), set()) for d in dbs))
        ours = actions.get((drug_id, g), set())
        if theirs and ours:
            tally.comparable += 1
            tally.agreeing += bool(theirs & ours)
    if errors is not None:
        errors.extend(_spurious(doc, "TARGETS", drug_id, g) for g in sorted(genes - known))


def _score_causes(tally, pairs, drug_id, dbs, refs, ents, side_effect_ids, doc, errors) -> None:
    objects = sorted({o for s, o in pairs if s == drug_id})
    names = set().union(*(refs.side_effects.get(d, set()) for d in dbs)) if dbs else set()
    if not names:
        tally.unscored += len(objects)
        return
    gold_ids = set().union(*(side_effect_ids(d) for d in dbs))
    gold_keys = gold_ids | {f"name:{n}" for n in names}
    found: set[str] = set()
    for o in objects:
        keys = entity_keys(ents[o]) if o in ents else {o}
        hit = keys & gold_keys
        if hit:
            tally.right += 1
            found |= hit
        elif errors is not None:
            errors.append(_spurious(doc, "CAUSES", drug_id, _named(o, ents)))
    tally.predicted += len(objects)
    # recall over the linked side effects: names the linker reads as no entity are left out
    tally.found += len(found & gold_ids)
    tally.gold += len(gold_ids)


def _catalogued(ent: Entity | None, oid: str, refs: References, ancestors) -> set[str]:
    """The catalogue's diseases an indication is, or sits below in MeSH's tree."""
    keys = entity_keys(ent) if ent is not None else {oid}
    direct = {refs.disease_keys[k] for k in keys if k in refs.disease_keys}
    if direct or ancestors is None:
        return direct
    above = {a for k in keys if k.startswith("MESH:") for a in ancestors(k)}
    return {refs.disease_keys[a] for a in above if a in refs.disease_keys}


def _score_treats(tally, pairs, drug_id, dbs, refs, ents, ancestors, doc, errors) -> None:
    objects = sorted(o for s, o in pairs if s == drug_id)
    listed: dict[str, set[str]] = defaultdict(set)  # DOID -> the drug's categories there
    for d in dbs:
        for doid, category in refs.indications.get(d, {}).items():
            listed[doid].add(category)
    if not listed:
        tally.unscored += len(objects)
        return
    positives = {doid for doid, cs in listed.items() if cs & {"DM", "SYM"}}
    found: set[str] = set()
    for o in objects:
        doids = _catalogued(ents.get(o), o, refs, ancestors)
        if not doids:
            tally.unscored += 1
            continue
        tally.predicted += 1
        if doids & positives:
            tally.right += 1
            found |= doids & positives
            continue
        verdicts = set().union(*(listed.get(doid, set()) for doid in doids))
        if "NOT" in verdicts:
            tally.contradicted += 1
        if errors is not None:
            errors.append(
                _spurious(doc, "TREATS", drug_id, _named(o, ents))
                | {"catalogue": "/".join(sorted(verdicts)) or "unlisted"}
            )
    tally.found += len(found)
    tally.gold += len(positives)


def eval_label_refs(
    spl_dir: Path, data_dir: Path, half: str = "all", errors_path: Path | None = None
) -> dict:
    """Run the production pipeline over every SPL label under ``spl_dir`` and score it."""
    from extractors.linking.hierarchy import Hierarchy
    from extractors.linking.linker import DictionaryLinker, default_kb_path
    from extractors.pipeline import build
    from kg.settings import Settings
    from loaders.spl import read_spl

    if half not in HALVES:
        raise BadInputError(f"half must be one of {', '.join(HALVES)}, not {half!r}")
    docs = [
        d
        for path in sorted(spl_dir.rglob("*.xml"))
        for d in read_spl(path)
        if isinstance(d, Document) and d.metadata.get("set_id")
    ]
    if not docs:
        raise BadInputError(f"{spl_dir}: no SPL labels")
    refs = read_references(data_dir)
    extractions, failures = build(Settings.from_env()).process(docs)
    linker = DictionaryLinker()
    cache: dict[str, set[str]] = {}

    def side_effect_ids(db: str) -> set[str]:
        if db not in cache:
            cache[db] = _linked(linker, refs.side_effects.get(db, ()))
        return cache[db]

    errors: list[dict] | None = [] if errors_path else None
    hierarchy = Hierarchy.in_kb(default_kb_path())
    result = score(
        extractions, docs, refs, side_effect_ids, half, errors, ancestors=hierarchy.ancestors
    )
    result["failed"] = len(failures)
    if errors_path and errors is not None:
        import json

        errors_path.write_text("\n".join(json.dumps(e) for e in errors) + "\n", encoding="utf-8")
    return result


def _linked(linker, names: Iterable[str]) -> set[str]:
    """Ids of the disease entities the linker reads each name as: exact or spelling-loose
    matches only, so that a side effect is never scored through a guessed link."""
    from extractors.linking.linker import SCORE_LOOSE

    out: set[str] = set()
    for name in names:
        for ent, s in linker.lookup(name, [EntityType.DISEASE], k=1):
            if s >= SCORE_LOOSE:
                out.add(ent.id)
    return out
