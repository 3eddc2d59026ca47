"""Build the linking KB from the open vocabularies (``medkg kb build``).

Targets: diseases and chemicals get MeSH ids (``MESH:D…``, ``MESH:C…`` for supplementary
concepts known from the corpora), genes NCBI Gene ids with the HGNC symbol as name.
Other vocabularies only add names and xrefs to those targets; an entry that maps to no
MeSH concept becomes its own entity (``DOID:…``, ``DRUGBANK:…``) with a worse rank, so a
MeSH reading always wins a tie.

Sources, in build order (each reads one folder of ``--data``):
  mesh/                 descriptors: C tree and F03 = Disease, D tree = Drug; "X, Y" also as "Y X"
  disease_ontology/     DO names and exact synonyms onto the MeSH ids DO cross-references
  corpora (optional)    train/dev mention strings -> gold ids (BC5CDR, NCBI-disease, BioRED),
                        minus every PMID that occurs in any test split
  drugbank/             the CC0 vocabulary: names + synonyms, DRUGBANK:/UNII: xrefs
  drugsatfda/           single-ingredient brand names onto their ingredient
  civic/                "Name (CODE)" drug aliases (CC0)
  genes/                NCBI gene_info (ids, HGNC ids) + HGNC 2021 symbols, previous symbols, aliases
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from extractors.linking.hierarchy import mesh_parents
from extractors.linking.kb import (
    RANK_ALIAS,
    RANK_CORPUS,
    RANK_NAME,
    RANK_PREFERRED,
    RANK_SYNONYM,
    KBData,
    KBRecord,
)
from extractors.linking.normalize import norm, strip_salt
from kg.errors import BadInputError
from kg.model import EntityType

log = logging.getLogger(__name__)

D, DIS, GENE = EntityType.DRUG, EntityType.DISEASE, EntityType.GENE
# rank = base * RANK_SCALE + prior; the prior orders entities that share a name and a base
RANK_SCALE = 10
PRIOR_SECONDARY = 5  # a DOID/DRUGBANK-only entity, or a non-protein-coding gene
MIN_CORPUS_COUNT = 1  # annotations of a string -> id before the corpus outranks the vocabularies (2 cost 0.004 F1 on dev)

_BRAND_TAIL = re.compile(
    r"(\b(in plastic container|preservative free|in dextrose.*|in sodium chloride.*|kit|"
    r"xr|er|sr|cr|la|xl|odt|hct|pfs|forte|junior strength|children's|infants')\b|\b\d[\d.,/% ]*\w*)+$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CorpusFile:
    path: Path
    pmids_excluded: frozenset[str] = frozenset()


class _Builder:
    """Accumulates entities and names; ``rows`` keep insertion order (= on-disk order)."""

    def __init__(self) -> None:
        self.records: list[KBRecord] = []
        self.xrefs: list[list[str]] = []
        self.row_of: dict[str, int] = {}
        self.names: dict[tuple[int, str], int] = {}  # (row, surface) -> best rank
        self.by_norm: dict[tuple[EntityType, str], dict[int, int]] = defaultdict(dict)
        self.stops: set[tuple[EntityType, str]] = set()
        self.named_from_corpus: set[int] = set()  # entities whose name is just a mention string
        self.broader: dict[str, tuple[str, ...]] = {}  # MeSH descriptor -> its parents

    def entity(self, id_: str, etype: EntityType, name: str, xrefs: Iterable[str] = ()) -> int:
        row = self.row_of.get(id_)
        if row is None:
            row = len(self.records)
            self.row_of[id_] = row
            self.records.append(KBRecord(id_, etype, name.strip()))
            self.xrefs.append([])
        for x in xrefs:
            self.xref(row, x)
        return row

    def rename(self, row: int, name: str) -> None:
        r = self.records[row]
        self.records[row] = KBRecord(r.id, r.type, name.strip(), r.xrefs)
        self.named_from_corpus.discard(row)

    def reid(self, row: int, id_: str) -> None:
        """Give ``row`` the id ``id_``; its old id stays an xref and keeps reaching it."""
        r = self.records[row]
        self.records[row] = KBRecord(id_, r.type, r.name, r.xrefs)
        self.row_of[id_] = row
        self.xrefs[row] = [x for x in self.xrefs[row] if x != id_]
        self.xref(row, r.id)

    def xref(self, row: int, curie: str) -> None:
        if curie and curie not in self.xrefs[row] and curie != self.records[row].id:
            self.xrefs[row].append(curie)

    def name(self, row: int, surface: str, base: int, prior: int = 0) -> None:
        surface = " ".join(surface.split())
        if not surface or len(surface) > 120:
            return
        rank = base * RANK_SCALE + prior
        key = (row, surface)
        if rank < self.names.get(key, 1 << 30):
            self.names[key] = rank
            slot = self.by_norm[(self.records[row].type, norm(surface))]
            if rank < slot.get(row, 1 << 30):
                slot[row] = rank

    def find(self, surface: str, etype: EntityType, max_rank: int) -> list[int]:
        """Rows whose name normalises like ``surface``, best rank first, within ``max_rank``."""
        slot = self.by_norm.get((etype, norm(surface)), {})
        return [
            r
            for r, k in sorted(slot.items(), key=lambda kv: kv[1])
            if k <= max_rank * RANK_SCALE + 9
        ]

    def data(self, meta: dict[str, object]) -> KBData:
        records = [
            KBRecord(r.id, r.type, r.name, tuple(self.xrefs[i])) for i, r in enumerate(self.records)
        ]
        names = [(row, rank, surface) for (row, surface), rank in self.names.items()]
        return KBData(records, names, sorted(self.stops), meta, dict(self.broader))


def clean_brand(name: str) -> str:
    return _BRAND_TAIL.sub("", name.strip()).strip(" ,-")


def _title(name: str) -> str:
    return name.title() if name.isupper() else name


# -- MeSH --------------------------------------------------------------------------------
def add_mesh(b: _Builder, data: Path) -> None:
    trees: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    with gzip.open(data / "mesh" / "tree-numbers.tsv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            trees[row["mesh_id"]].add(row["mesh_tree_number"])
            names[row["mesh_id"]] = row["mesh_name"]
    with open(data / "mesh" / "terms.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            names.setdefault(row["mesh_id"], row["mesh_name"])
    for mesh_id, name in sorted(names.items()):
        t = trees.get(mesh_id, set())
        if any(x.startswith("C") or x.startswith("F03") for x in t):
            etype = DIS
        elif any(x.startswith("D") for x in t):
            etype = D
        else:
            continue  # anatomy, organisms, procedures...: not our entity types
        row = b.entity(f"MESH:{mesh_id}", etype, name)
        b.name(row, name, RANK_PREFERRED)
        for alt in _mesh_permutations(name):
            b.name(row, alt, RANK_NAME)
    parents = mesh_parents({f"MESH:{k}": v for k, v in trees.items()})
    b.broader = {k: v for k, v in parents.items() if k in b.row_of}


def _mesh_permutations(name: str) -> list[str]:
    """'Diabetes Mellitus, Type 2' -> 'Type 2 Diabetes Mellitus'; 'Carcinoma, Hepatocellular' likewise."""
    parts = [p.strip() for p in name.split(", ")]
    if len(parts) == 2 and all(parts):
        return [f"{parts[1]} {parts[0]}"]
    if len(parts) == 3 and all(parts):
        return [f"{parts[2]} {parts[1]} {parts[0]}", f"{parts[1]} {parts[0]}, {parts[2]}"]
    return []


# -- Disease Ontology ----------------------------------------------------------------------
def add_disease_ontology(b: _Builder, data: Path) -> None:
    folder = data / "disease_ontology"
    mesh_of: dict[str, list[str]] = defaultdict(list)
    other: dict[str, list[str]] = defaultdict(list)
    with open(folder / "xrefs.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["resource"] == "MSH":
                mesh_of[row["doid_code"]].append(f"MESH:{row['resource_id']}")
            elif row["resource"] == "OMIM":
                other[row["doid_code"]].append(f"OMIM:{row['resource_id']}")
    terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(folder / "term-names.tsv", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[0].startswith("DOID:"):
                terms[parts[0]].append((parts[1], parts[2]))
    base = {"name": RANK_NAME, "exact-synonym": RANK_SYNONYM, "related-synonym": RANK_ALIAS}
    for doid in sorted(terms):
        entries = [(n, base[k]) for n, k in terms[doid] if k in base]
        targets = [
            b.row_of[m]
            for m in mesh_of.get(doid, [])
            if m in b.row_of and b.records[b.row_of[m]].type is DIS
        ]
        main = next((n for n, k in terms[doid] if k == "name"), entries[0][0] if entries else "")
        if not targets and main:
            # DO without a MeSH xref for a concept MeSH names the same ("agraphia"): one node
            targets = [
                r for r in b.find(main, DIS, RANK_PREFERRED) if b.records[r].id.startswith("MESH:")
            ]
        prior = 0 if len(targets) <= 1 else 1
        if not targets:
            if not main:
                continue
            targets = [b.entity(doid, DIS, main)]
            prior = PRIOR_SECONDARY
        for row in targets:
            b.xref(row, doid)
            for x in other.get(doid, []):
                b.xref(row, x)
            for surface, rank in entries:
                b.name(row, surface, rank, prior)


# -- corpora (train/dev only) -------------------------------------------------------------
def display_name(surfaces: Counter[str]) -> str:
    """The name of an id only the corpora know: its most frequent written form, full words
    before abbreviations ("atorvastatin", not "Ato")."""

    def abbreviation_like(s: str) -> bool:
        return len(s) <= 4 or (s.isupper() and " " not in s)

    return max(surfaces.items(), key=lambda kv: (not abbreviation_like(kv[0]), kv[1], kv[0]))[0]


# Gene names two genes share, read as the gene the literature means. HGNC lists "COX1" and
# "COX2" as aliases of both the prostaglandin-endoperoxide synthases and the mitochondrial
# cytochrome c oxidase subunits (MT-CO1, MT-CO2); drug labels and pharmacology papers mean
# the synthases. BioRED itself links "COX-2" in "the cyclooxygenase-2 specific inhibitor
# valdecoxib" to MT-CO2 (12 of its 13 annotations), so these readings replace its votes too.
GENE_READINGS: Mapping[str, str] = MappingProxyType(
    {
        "COX-1": "NCBIGene:5742",
        "COX1": "NCBIGene:5742",
        "COX-2": "NCBIGene:5743",
        "COX2": "NCBIGene:5743",
        # the gastric proton pump that PPIs inhibit (ATP4A with its beta subunit ATP4B);
        # "H-K-ATPase" is an alias of the non-gastric ATP12A, and the two read alike
        "H+/K+-ATPase": "NCBIGene:495",
        "H+,K+-ATPase": "NCBIGene:495",
        "gastric H+/K+-ATPase": "NCBIGene:495",
        # the MEK of "MEK inhibitor" (trametinib, cobimetinib) is MAP2K1/2, not MAP2K7, whose
        # NCBI alias it is; the family's first member, as BioRED reads "ERK" and "MAPK" (MAPK1)
        "MEK": "NCBIGene:5604",
        # "RAF inhibitor vemurafenib": the kinase family whose member the drugs target, BRAF
        # (BioRED links its one "Raf" to Braf), not ZHX2 ("regulator of AFP"), whose alias it is;
        # "B-Raf" is BRAF's own old name, not SNRPE, whose alias it also is
        "RAF": "NCBIGene:673",
        "B-Raf": "NCBIGene:673",
        # "SYT-SSX fusion": SS18's old symbol, not synaptotagmin 1's alias
        "SYT": "NCBIGene:6760",
        # MAP kinases by their family names, as BioRED links them (ERK: MAPK1 in 6 of its 7
        # human annotations; p38: Mapk14 in all 4, rat and mouse), not the EPHB2 ("ERK") and
        # CRK ("p38") of old aliases
        "ERK": "NCBIGene:5594",
        "p38": "NCBIGene:1432",
        # hormone receptors as oncology writes them ("ER-positive, PR-negative"): ESR1 and PGR,
        # not epiregulin (EREG, alias "ER") and the PR@ locus
        "ER": "NCBIGene:2099",
        "PR": "NCBIGene:5241",
        # "BET inhibitor birabresib": the bromodomain proteins, BRD4 foremost, not DNER ("BET")
        "BET": "NCBIGene:23476",
    }
)
# Class names the corpora read as one member: the training splits of BC5CDR and BioRED link
# "statin" and "statins" to simvastatin in all 15 of their annotations. A statin is any
# HMG-CoA reductase inhibitor, and a label's "other statins" or "taking statins" names the
# class (MeSH D019161), whose members the API's drug classes list; these readings replace
# the votes, at the price of disagreeing with the corpora's convention.
DRUG_READINGS: Mapping[str, str] = MappingProxyType(
    {
        "statin": "MESH:D019161",
        "statins": "MESH:D019161",
        "HMG-CoA reductase inhibitor": "MESH:D019161",
        "HMG-CoA reductase inhibitors": "MESH:D019161",
        # MeSH writes the class "Antidepressive Agents, Tricyclic"; guidelines and labels
        # write it this way, and define "TCAs" by it
        "tricyclic antidepressant": "MESH:D000929",
        "tricyclic antidepressants": "MESH:D000929",
    }
)
# "Hemophilia" alone is read as its common form, hemophilia A (about four cases in five), so
# a label contraindicating aspirin in "hemophilia" warns a patient with hemophilia A.
# NCBI-disease annotates the word as A and B together, which one id cannot be.
DISEASE_READINGS: Mapping[str, str] = MappingProxyType(
    {"hemophilia": "MESH:D006467", "haemophilia": "MESH:D006467"}
)
_READINGS = MappingProxyType(
    {(GENE, name): id_ for name, id_ in GENE_READINGS.items()}
    | {(D, name): id_ for name, id_ in DRUG_READINGS.items()}
    | {(DIS, name): id_ for name, id_ in DISEASE_READINGS.items()}
)
_READING_KEYS = MappingProxyType({(t, norm(name)): id_ for (t, name), id_ in _READINGS.items()})
# Gene aliases that name something else where drug labels and pharmacology papers write
# them: lipoprotein fractions (HSD11B1's alias "HDL", COG2's "LDLC"), the phosphodiesterase
# and cyclooxygenase families ("PDE" is ALDH7A1's alias, for pyridoxine-dependent epilepsy;
# "COX" is COX8A's), endothelium-derived relaxing factor (nitric oxide; "EDRF" is AHSP's
# alias) and a disease activity index ("CDAI", CDAN1's); methotrexate's "MTX" (MTX1's
# alias; no corpus annotates it as a gene, BC5CDR and BioRED 15 times as the drug) and the
# "HD" of high-dose regimens ("HD-MTX"; HTT's alias). Tagged as genes, they stay unlinked
# mentions.
GENE_NOT_NAMES = (
    "HDL",
    "HDL-C",
    "LDL",
    "LDL-C",
    "LDLC",
    "VLDL",
    "VLDL-C",
    "PDE",
    "COX",
    "EDRF",
    "CDAI",
    "MTX",
    "HD",
)
# Corpus readings of words that name a drug's effect, not a disease: BC5CDR's development
# split links "analgesia" to Pain Insensitivity, Congenital (MeSH D000699), which made a
# label's "for analgesia" an indication for that congenital disease. They stay unlinked.
DISEASE_NOT_NAMES = ("analgesia",)


def corpus_synonyms(b: _Builder, corpora: Iterable[CorpusFile]) -> dict[str, int]:
    """Mention string -> majority gold id (rank CORPUS); strings mostly left unlinked -> stop list.

    A document votes once for each (string, id) it annotates, and strings vote by their
    normalised key: one abstract that writes "depressive" four times (BioRED, Adjustment
    Disorders) no longer outvotes three that link it to Depressive Disorder, and
    "Depressive" and "depressive" can no longer end as two rank-0 readings of one key.
    """
    from loaders.pubtator import read_pubtator  # the loader is the one reader of PubTator

    votes: dict[tuple[EntityType, str], Counter[str]] = defaultdict(Counter)
    surfaces: dict[tuple[EntityType, str], Counter[str]] = defaultdict(Counter)
    id_names: dict[str, Counter[str]] = defaultdict(Counter)
    stats = Counter()
    for cf in corpora:
        for doc in read_pubtator(cf.path):
            if isinstance(doc, Exception):
                continue
            if doc.id.removeprefix("PMID:") in cf.pmids_excluded:
                stats["documents_excluded"] += 1
                continue
            stats["documents"] += 1
            seen: set[tuple[EntityType, str, str]] = set()
            for m in doc.mentions:
                if m.type not in (D, DIS, GENE):
                    continue
                surface = " ".join(m.text.split())
                if len(m.ids) > 1:
                    continue  # composite mentions ("renal and hepatic failure") teach no name
                id_ = m.ids[0] if m.ids else ""
                if id_:
                    id_ = _READING_KEYS.get((m.type, norm(surface)), id_)
                if id_ and not id_.startswith(("MESH:", "NCBIGene:")):
                    continue  # OMIM ids: not a target namespace
                key = (m.type, norm(surface))
                surfaces[key][surface] += 1
                if id_:
                    id_names[id_][surface] += 1
                if (*key, id_) not in seen:
                    seen.add((*key, id_))
                    votes[key][id_] += 1
    for key, ids in sorted(votes.items()):
        etype = key[0]
        linked = {k: v for k, v in ids.items() if k}
        unlinked = ids.get("", 0)
        if unlinked >= 2 and unlinked > sum(linked.values()):
            b.stops.add((etype, surfaces[key].most_common(1)[0][0]))
            stats["unlinkable_strings"] += 1
            continue
        ranked = sorted(linked.items(), key=lambda kv: (-kv[1], kv[0]))
        for i, (id_, n) in enumerate(ranked):
            row = b.row_of.get(id_)
            if row is None:
                if not id_.startswith("MESH:"):
                    continue  # a non-human gene, say
                name = display_name(id_names[id_])
                row = _join_twin(b, id_, etype, name)
                if row is not None:
                    stats["twins_joined"] += 1
                else:
                    row = b.entity(id_, etype, name)
                    b.named_from_corpus.add(row)
                    stats["entities_added"] += 1
            if b.records[row].type is not etype:
                stats["type_conflicts"] += 1
                continue
            # one annotation may be a slip: it ranks as a synonym, not above the vocabularies
            base = RANK_ALIAS if i > 0 else RANK_CORPUS if n >= MIN_CORPUS_COUNT else RANK_SYNONYM
            for surface in surfaces[key]:
                b.name(row, surface, base)
            stats["names"] += 1
    return dict(stats)


def _join_twin(b: _Builder, id_: str, etype: EntityType, name: str) -> int | None:
    """The entity a new corpus MeSH id is another id of, or None.

    Corpora annotate in different MeSH years: BC5CDR's olanzapine is the supplementary
    concept C076029, BioRED's the descriptor D000077152 it became; a rare disease DO knows
    without a MeSH xref (DOID:9883) is C537666 in NCBI-disease. One entity of the same type
    whose name is the same, and that only a corpus or DO knows, takes the id in: MeSH before
    DOID, a descriptor before a supplementary concept; the other id stays an xref.
    """
    key = norm(name)
    rows = [
        r
        for r in b.find(name, etype, RANK_SYNONYM)
        if norm(b.records[r].name) == key
        and (b.records[r].id.startswith("DOID:") or r in b.named_from_corpus)
    ]
    if len(rows) != 1:
        return None
    row = rows[0]
    old = b.records[row].id
    if old.startswith("DOID:") or (old.startswith("MESH:C") and id_.startswith("MESH:D")):
        b.reid(row, id_)
    else:
        b.row_of[id_] = row
        b.xref(row, id_)
    return row


# -- PharmGKB (opt-in: CC BY-SA 4.0 with a no-resale clause) ---------------------------
_PGKB_XREF = re.compile(r'"?(?P<db>[^:",]+):(?P<id>[^(",]+)(?:\((?P<label>[^"]*)\))?"?')


def _pgkb_list(raw: str) -> list[str]:
    return [
        x.strip().strip('"')
        for x in re.findall(r'"[^"]*"|[^,]+', raw or "")
        if x.strip().strip('"')
    ]


def _tsv_records(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a gzipped TSV as dicts (csv's field-size limit trips on PharmGKB's SMILES)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            yield dict(zip(header, line.rstrip("\n").split("\t"), strict=False))


def add_pharmgkb(b: _Builder, data: Path) -> dict[str, int]:
    """MeSH ids (incl. supplementary C… concepts) with names for drugs and phenotypes."""
    folder = data / "pharmgkb"
    stats = Counter()
    for rec in _tsv_records(folder / "drugs.tsv.gz"):
        refs = {
            m.group("db"): (m.group("id"), m.group("label"))
            for m in map(_PGKB_XREF.match, _pgkb_list(rec["External Vocabulary"]))
            if m
        }
        mesh = refs.get("MeSH")
        if not mesh:
            continue
        mesh_id = f"MESH:{mesh[0].strip()}"
        row = b.row_of.get(mesh_id)
        if row is None:
            row = b.entity(mesh_id, D, mesh[1] or rec["Name"])
            b.name(row, mesh[1] or rec["Name"], RANK_PREFERRED)
            stats["drugs_added"] += 1
        elif b.records[row].type is not D:
            continue
        for x in _pgkb_list(rec["Cross-references"]):
            if x.startswith("DrugBank:"):
                b.xref(row, "DRUGBANK:" + x.split(":", 1)[1])
        b.name(row, rec["Name"], RANK_NAME)
        for n in _pgkb_list(rec["Generic Names"]) + _pgkb_list(rec["Trade Names"]):
            b.name(row, n, RANK_SYNONYM)
        stats["drugs"] += 1
    for rec in _tsv_records(folder / "phenotypes.tsv.gz"):
        refs = [m for m in map(_PGKB_XREF.match, _pgkb_list(rec["External Vocabulary"])) if m]
        mesh_ids = {f"MESH:{m.group('id').strip()}" for m in refs if m.group("db") == "MeSH"}
        if len(mesh_ids) != 1:
            continue
        row = b.row_of.get(mesh_ids.pop())
        if row is None or b.records[row].type is not DIS:
            continue
        b.name(row, rec["Name"], RANK_NAME)
        for n in _pgkb_list(rec["Alternate Names"]):
            b.name(row, n, RANK_SYNONYM)
        stats["phenotypes"] += 1
    return dict(stats)


# -- DrugBank vocabulary (CC0) --------------------------------------------------------------
def add_drugbank(b: _Builder, data: Path) -> None:
    salt_index: dict[str, list[int]] = defaultdict(list)
    for row, rec in enumerate(b.records):
        if rec.type is D:
            stripped = strip_salt(rec.name)
            if stripped:
                salt_index[stripped].append(row)
    xref_row = {x: row for row, xs in enumerate(b.xrefs) for x in xs if x.startswith("DRUGBANK:")}
    with open(data / "drugbank" / "drugbank_vocabulary.csv", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            db_id = rec["DrugBank ID"].strip()
            common = rec["Common name"].strip()
            synonyms = [s.strip() for s in rec["Synonyms"].split(" | ") if s.strip()]
            if not db_id or not common:
                continue
            xrefs = [f"DRUGBANK:{db_id}"] + (
                [f"UNII:{rec['UNII'].strip()}"] if rec["UNII"].strip() else []
            )
            target = xref_row.get(f"DRUGBANK:{db_id}")
            if target is None:
                target = _match_mesh_drug(b, common, synonyms, salt_index)
            prior = 0
            if target is None:
                target = b.entity(f"DRUGBANK:{db_id}", D, common)
                prior = PRIOR_SECONDARY
                b.name(target, common, RANK_PREFERRED, prior)
            else:
                b.name(target, common, RANK_NAME)
                if target in b.named_from_corpus:  # "imatinib" (a mention) -> "Imatinib"
                    b.rename(target, common)
            for x in xrefs:
                b.xref(target, x)
            for s in synonyms:
                b.name(target, s, RANK_SYNONYM, prior)


def _match_mesh_drug(
    b: _Builder, common: str, synonyms: list[str], salt_index: dict[str, list[int]]
) -> int | None:
    """The MeSH (or corpus MeSH) drug this DrugBank entry names, when exactly one fits."""
    for names, max_rank in (([common], RANK_NAME), (synonyms, RANK_PREFERRED)):
        rows = {
            r for n in names for r in b.find(n, D, max_rank) if b.records[r].id.startswith("MESH:")
        }
        if len(rows) == 1:
            return rows.pop()
        if len(rows) > 1:
            return None  # ambiguous: better a separate node than a wrong merge
    rows = {r for r in salt_index.get(norm(common), [])}
    return rows.pop() if len(rows) == 1 else None


# -- Drugs@FDA brands ------------------------------------------------------------------------
def add_drugsatfda(b: _Builder, data: Path) -> dict[str, int]:
    brands: dict[str, Counter[str]] = defaultdict(Counter)
    with (
        zipfile.ZipFile(data / "drugsatfda" / "drugsatfda_2020.zip") as zf,
        zf.open("Products.txt") as raw,
    ):
        text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
        for rec in csv.DictReader(text, delimiter="\t", quoting=csv.QUOTE_NONE):
            ingredient = (rec.get("ActiveIngredient") or "").strip()
            brand = clean_brand(rec.get("DrugName") or "")
            if not ingredient or not brand or ";" in ingredient:
                continue  # combination products name no single entity
            brands[brand][ingredient] += 1
    stats = Counter()
    for brand, ingredients in sorted(brands.items()):
        if len(ingredients) > 1:
            stats["ambiguous"] += 1
            continue
        ingredient = next(iter(ingredients))
        if norm(brand) == norm(ingredient) or norm(brand) == strip_salt(ingredient):
            continue  # a generic product, not a brand
        rows = _resolve_drug(b, ingredient)
        if len(rows) != 1:
            stats["unresolved"] += 1
            continue
        row = rows[0]
        if any(r != row for r in b.find(brand, D, RANK_SYNONYM)):
            stats["collides"] += 1  # the brand is another drug's name
            continue
        b.name(row, _title(brand), RANK_SYNONYM)
        stats["brands"] += 1
    return dict(stats)


def _resolve_drug(b: _Builder, name: str) -> list[int]:
    """The one drug row ``name`` (or its salt-free form) names; [] when none or a tie."""
    for candidate in (name, strip_salt(name)):
        if not candidate:
            continue
        rows = b.find(candidate, D, RANK_SYNONYM)
        if len(rows) == 1 or (len(rows) > 1 and _rank_gap(b, candidate, rows)):
            return rows[:1]
        if rows:
            return []
    return []


def _rank_gap(b: _Builder, surface: str, rows: list[int]) -> bool:
    slot = b.by_norm[(D, norm(surface))]
    return slot[rows[0]] // RANK_SCALE < slot[rows[1]] // RANK_SCALE


# -- CIViC drug aliases -----------------------------------------------------------------------
_PAREN_ALIAS = re.compile(r"^(?P<a>[^()]+?)\s*\((?P<b>[^()]+)\)$")


def add_civic_aliases(b: _Builder, data: Path) -> int:
    path = data / "civic" / "nightly-2021-02-25-DrugSummaries.tsv"
    if not path.is_file():
        return 0
    added = 0
    with open(path, encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            m = _PAREN_ALIAS.match((rec.get("drug_name") or "").strip())
            if not m:
                continue
            a, c = m.group("a").strip(), m.group("b").strip()
            for known, alias in ((a, c), (c, a)):
                rows = _resolve_drug(b, known)
                if len(rows) == 1 and not b.find(alias, D, RANK_ALIAS):
                    b.name(rows[0], alias, RANK_SYNONYM)
                    added += 1
                    break
    return added


# -- genes -------------------------------------------------------------------------------------
def add_genes(b: _Builder, data: Path) -> None:
    hgnc: dict[str, tuple[str, list[str], list[str]]] = {}
    previous_of: dict[str, list[str]] = defaultdict(list)
    with open(data / "genes" / "hgnc_symbols_2021-02.tsv", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            sym = rec["Approved symbol"].strip()
            prev = _split_list(rec["Previous symbols"])
            alias = _split_list(rec["Alias symbols"])
            hgnc[sym] = (rec["Approved name"].strip(), prev, alias)
            for p in prev:
                previous_of[p].append(sym)
    rows = []
    with gzip.open(
        data / "genes" / "ncbi_Homo_sapiens.gene_info_2015-06.gz", "rt", encoding="utf-8"
    ) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < 14 or f[0] != "9606":
                continue
            hgnc_ids = [x.removeprefix("HGNC:") for x in f[5].split("|") if x.startswith("HGNC:")]
            if not hgnc_ids:
                continue
            rows.append(f)
    # protein-coding genes first: they win ties on shared aliases
    rows.sort(key=lambda f: (f[9] != "protein-coding", int(f[1])))
    for f in rows:
        gene_id, symbol, synonyms, xrefs, desc, gtype = f[1], f[2], f[4], f[5], f[8], f[9]
        hgnc_id = next(x.removeprefix("HGNC:") for x in xrefs.split("|") if x.startswith("HGNC:"))
        # NCBI's own symbol can lag HGNC's (mitochondrial "COX2" is MT-CO2)
        approved = next((x for x in (f[10], symbol) if x in hgnc), None) or _unique(
            previous_of.get(symbol, [])
        )
        name_full, prev, alias = hgnc.get(approved or "", ("", [], []))
        prior = 0 if gtype == "protein-coding" else 1
        row = b.entity(f"NCBIGene:{gene_id}", GENE, approved or symbol, [hgnc_id])
        b.name(row, approved or symbol, RANK_PREFERRED, prior)
        if symbol != approved:
            # HGNC's previous symbol, or only NCBI's and as weak as an alias
            b.name(row, symbol, RANK_SYNONYM if symbol in prev else RANK_ALIAS, prior)
        for full in {name_full, f[11] if f[11] != "-" else "", desc if desc != "-" else ""}:
            if full:
                b.name(row, full, RANK_NAME, prior)
        for p in prev:
            b.name(row, p, RANK_SYNONYM, prior)
        for a in alias + [s for s in synonyms.split("|") if s and s != "-"]:
            b.name(row, a, RANK_ALIAS, prior)
    b.stops.update((GENE, name) for name in GENE_NOT_NAMES)


def _split_list(raw: str) -> list[str]:
    return [x.strip() for x in (raw or "").split(",") if x.strip()]


def _unique(values: list[str]) -> str | None:
    return values[0] if len(set(values)) == 1 else None


# -- the whole build ---------------------------------------------------------------------------
CORPUS_SPLITS = {
    # name -> {split: path relative to --data}
    "bc5cdr": {
        "train": "bc5cdr/CDR_TrainingSet.PubTator.txt",
        "dev": "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
        "test": "bc5cdr/CDR_TestSet.PubTator.txt",
    },
    "ncbi_disease": {
        "train": "ncbi_disease/NCBItrainset_corpus.txt",
        "dev": "ncbi_disease/NCBIdevelopset_corpus.txt",
        "test": "ncbi_disease/NCBItestset_corpus.txt",
    },
    "biored": {
        "train": "biored/Train.PubTator",
        "dev": "biored/Dev.PubTator",
        "test": "biored/Test.PubTator",
    },
}


def _pmids(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            head = line.split("|", 1)
            if (
                len(head) == 2
                and head[0].isdigit()
                and line[len(head[0]) + 1 : len(head[0]) + 3] == "t|"
            ):
                yield head[0]


def corpus_files(data: Path, splits: Iterable[str]) -> list[CorpusFile]:
    """The train/dev files to learn names from; PMIDs of every test split are excluded."""
    splits = list(splits)
    if "test" in splits:
        raise BadInputError("test splits never feed the KB")
    test_pmids: set[str] = set()
    for parts in CORPUS_SPLITS.values():
        p = data / parts["test"]
        if p.is_file():
            test_pmids.update(_pmids(p))
    out = []
    for parts in CORPUS_SPLITS.values():
        for split in splits:
            p = data / parts[split]
            if p.is_file():
                out.append(CorpusFile(p, frozenset(test_pmids)))
    return out


OPTIONAL_SOURCES = ("pharmgkb",)


def build_kb(
    data: Path, corpus_splits: Iterable[str] = ("train", "dev"), extra_sources: Iterable[str] = ()
) -> KBData:
    data = Path(data)
    for folder in ("mesh", "disease_ontology", "drugbank", "drugsatfda", "genes"):
        if not (data / folder).is_dir():
            raise BadInputError(f"{data} has no {folder}/ folder: is --data the shared data dir?")
    b = _Builder()
    add_mesh(b, data)
    add_disease_ontology(b, data)
    add_genes(b, data)
    splits = [s for s in corpus_splits if s]
    # before DrugBank: corpus MeSH ids absent from MeSH 2015 (imatinib) become match targets
    corpus_stats = corpus_synonyms(b, corpus_files(data, splits)) if splits else {}
    b.stops.update((DIS, name) for name in DISEASE_NOT_NAMES)
    # one place for every type's readings: rank CORPUS, above each vocabulary name
    for (_, name), id_ in _READINGS.items():
        if id_ in b.row_of:
            b.name(b.row_of[id_], name, RANK_CORPUS)
    extra = sorted(set(extra_sources))
    unknown = set(extra) - set(OPTIONAL_SOURCES)
    if unknown:
        raise BadInputError(
            f"unknown KB sources {sorted(unknown)}; optional ones: {OPTIONAL_SOURCES}"
        )
    pharmgkb_stats = add_pharmgkb(b, data) if "pharmgkb" in extra else {}
    add_drugbank(b, data)
    brand_stats = add_drugsatfda(b, data)
    civic = add_civic_aliases(b, data)
    meta: dict[str, object] = {
        "corpus_splits": splits,
        "extra_sources": extra,
        "pharmgkb_stats": pharmgkb_stats,
        "corpus_stats": corpus_stats,
        "brand_stats": brand_stats,
        "civic_aliases": civic,
        "sources": {
            "mesh": "MeSH 2015 descriptors (NLM)",
            "disease_ontology": "Human Disease Ontology 2015-05 (CC BY 3.0)",
            "drugbank": "DrugBank open vocabulary (CC0)",
            "drugsatfda": "Drugs@FDA 2020 (public domain)",
            "civic": "CIViC drug names 2021 (CC0)",
            "genes": "NCBI gene_info 2015-06 (public domain), HGNC symbols 2021-02",
            "corpora": "BC5CDR, NCBI-disease, BioRED train/dev mention strings (public domain)",
        },
    }
    if "pharmgkb" in extra:
        meta["sources"]["pharmgkb"] = (
            "PharmGKB 2022-07 drugs/phenotypes (CC BY-SA 4.0): this KB is CC BY-SA"  # type: ignore[index]
        )
    log.info("kb built: %d entities, %d names", len(b.records), len(b.names))
    return b.data(meta)
