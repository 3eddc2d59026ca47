"""``medkg eval summaries``: the text pipeline measured against curated evidence summaries.

A CIViC evidence item or a PharmGKB guideline annotation is read like any text: its
statement (or summary and recommendation) goes through sentence splitting, NER, linking and
relation extraction, and none of its structured fields becomes an edge. Those fields are
the reference here. CIViC items that CIViC accepted, with evidence direction "Supports",
give:

* predictive items with drugs whose clinical significance is Sensitivity/Response,
  Resistance, Reduced Sensitivity or Adverse Response: one (gene, drug) AFFECTS_RESPONSE
  pair per drug, direction sensitivity / resistance / resistance / toxicity;
* predisposing, diagnostic and prognostic items that affirm an association: one
  (gene, disease) ASSOCIATED_WITH pair.

A PharmGKB guideline gives one (gene, drug) AFFECTS_RESPONSE pair per related drug, the gene
end being any of its related genes (no direction: a guideline covers several phenotypes).

A predicted statement's gene end matches when it is the item's gene (NCBI Gene id) or a
variant of it (``VAR:BRAF:p.V600E``); its other end matches a drug or disease when the
linker reads CIViC's name as the same entity, or a name, synonym or DOID cross-reference
is the same. Scores are pair precision / recall / F1 over the items that have such a pair, and for drugs the
share of found pairs whose direction is right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.relations.evaluate import prf_split
from kg.model import Document, Entity, EntityType, Predicate, ResponseDirection, Statement

DIRECTION = {
    "Sensitivity/Response": ResponseDirection.SENSITIVITY,
    "Resistance": ResponseDirection.RESISTANCE,
    "Reduced Sensitivity": ResponseDirection.RESISTANCE,
    "Adverse Response": ResponseDirection.TOXICITY,
}
ASSOCIATION_TYPES = {"Predisposing", "Diagnostic", "Prognostic"}
NOT_AN_ASSOCIATION = {"Negative", "Uncertain Significance", "Likely Benign", "Benign", "N/A"}
BATCH = 128


@dataclass(frozen=True, slots=True)
class GoldPair:
    task: str  # "drug_response" | "association"
    keys: frozenset[str]  # what the other end may be: entity ids, "name:<norm>", "DOID:n"
    direction: ResponseDirection | None = None


@dataclass(frozen=True, slots=True)
class Item:
    document: Document
    genes: frozenset[str]  # symbols, upper case
    gene_ids: frozenset[str]  # NCBIGene:<entrez> where the source gives them
    gold: tuple[GoldPair, ...]


@dataclass(frozen=True, slots=True)
class Predicted:
    task: str
    gene_match: bool  # the gene end is the item's gene or one of its variants
    keys: frozenset[str]  # the other end, as ``GoldPair.keys``
    direction: str | None = None


@dataclass
class Tally:
    gold: int = 0
    predicted: int = 0
    correct_predictions: int = 0
    found: int = 0
    right_direction: int = 0
    found_directed: int = 0  # found pairs whose reference has a direction
    examples: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | int]:
        out = prf_split(self.correct_predictions, self.found, self.predicted, self.gold)
        if self.found_directed:
            out["direction_accuracy"] = round(self.right_direction / self.found_directed, 4)
        return out


def norm_key(name: str) -> str:
    from extractors.linking.normalize import norm

    return "name:" + norm(name)


def genes_of(entity_id: str) -> set[str]:
    """Gene symbols a variant id names: ``VAR:BRAF:p.V600E`` -> {BRAF}, ``VAR:CYP2C19*2`` ->
    {CYP2C19}, ``VAR:BCR::ABL1`` -> {BCR, ABL1}; nothing for other ids."""
    if not entity_id.startswith("VAR:"):
        return set()
    body = entity_id[4:]
    parts = body.split("::") if "::" in body else [body]
    return {p.split(":")[0].split("*")[0].upper() for p in parts if p}


def entity_keys(entity: Entity) -> frozenset[str]:
    keys = {entity.id, *(x for x in entity.xrefs)}
    keys.update(norm_key(n) for n in (entity.name, *entity.synonyms))
    return frozenset(keys)


def _drug_pair(name: str, resolve, direction: ResponseDirection | None) -> GoldPair:
    keys = {norm_key(name)}
    if (found := resolve(name, EntityType.DRUG)) is not None:
        keys.add(found)
    return GoldPair("drug_response", frozenset(keys), direction)


def pharmgkb_items(docs: Iterable[Document], resolve) -> list[Item]:
    """Guidelines with related genes and drugs. ``resolve(name, type)`` -> entity id or None."""
    items = []
    for doc in docs:
        genes = frozenset(g.strip().upper() for g in doc.metadata.get("genes", "").split("|") if g.strip())
        drugs = [d.strip() for d in doc.metadata.get("drugs", "").split("|") if d.strip()]
        if genes and drugs:
            gold = tuple(_drug_pair(d, resolve, None) for d in drugs)
            items.append(Item(doc, genes, frozenset(), gold))
    return items


def gold_items(docs: Iterable[Document], resolve) -> list[Item]:
    """CIViC items with a reference pair. ``resolve(name, type)`` -> entity id or None."""
    items = []
    for doc in docs:
        meta = doc.metadata
        if meta.get("evidence_status") != "accepted" or meta.get("evidence_direction") != "Supports":
            continue
        gene = meta.get("gene", "").strip().upper()
        if not gene:
            continue
        significance = meta.get("clinical_significance", "")
        gold: list[GoldPair] = []
        if meta.get("evidence_type") == "Predictive" and significance in DIRECTION:
            for drug in filter(None, (d.strip() for d in meta.get("drugs", "").split("|"))):
                gold.append(_drug_pair(drug, resolve, DIRECTION[significance]))
        elif meta.get("evidence_type") in ASSOCIATION_TYPES and significance not in NOT_AN_ASSOCIATION:
            disease = meta.get("disease", "").strip()
            if disease:
                keys = {norm_key(disease)}
                if meta.get("doid"):
                    keys.add(f"DOID:{meta['doid']}")
                if (found := resolve(disease, EntityType.DISEASE)) is not None:
                    keys.add(found)
                gold.append(GoldPair("association", frozenset(keys)))
        if gold:
            entrez = meta.get("entrez_id", "").strip()
            ids = frozenset({f"NCBIGene:{entrez}"} if entrez else ())
            items.append(Item(doc, frozenset({gene}), ids, tuple(gold)))
    return items


def predictions(
    item: Item, statements: Sequence[Statement], entities: dict[str, Entity]
) -> list[Predicted]:
    """The item's AFFECTS_RESPONSE and gene/variant ASSOCIATED_WITH statements."""

    def is_item_gene(entity_id: str) -> bool:
        return entity_id in item.gene_ids or bool(item.genes & genes_of(entity_id)) or (
            entity_id in entities
            and entities[entity_id].type is EntityType.GENE
            and entities[entity_id].name.upper() in item.genes
        )

    out = []
    for st in statements:
        if st.predicate is Predicate.AFFECTS_RESPONSE:
            ends = [(st.subject, st.object)]
            task = "drug_response"
        elif st.predicate is Predicate.ASSOCIATED_WITH:
            ends = [(st.subject, st.object), (st.object, st.subject)]
            task = "association"
        else:
            continue
        for gene_end, other in ends:
            other_entity = entities.get(other)
            if other_entity is None or entities.get(gene_end) is None:
                continue
            want = EntityType.DRUG if task == "drug_response" else EntityType.DISEASE
            if other_entity.type is not want:
                continue
            out.append(
                Predicted(task, is_item_gene(gene_end), entity_keys(other_entity), st.qualifier("direction"))
            )
            break
    return out


def score(items: Sequence[Item], predicted: dict[str, list[Predicted]]) -> dict[str, Tally]:
    tallies = {"drug_response": Tally(), "association": Tally()}
    for item in items:
        preds = predicted.get(item.document.id, [])
        for task, tally in tallies.items():
            gold = [g for g in item.gold if g.task == task]
            if not gold:
                continue  # a predictive item's disease links are not what CIViC curated there
            mine = [p for p in preds if p.task == task]
            tally.gold += len(gold)
            tally.predicted += len(mine)
            tally.correct_predictions += sum(
                1 for p in mine if p.gene_match and any(p.keys & g.keys for g in gold)
            )
            for g in gold:
                hits = [p for p in mine if p.gene_match and p.keys & g.keys]
                if hits:
                    tally.found += 1
                    if g.direction is not None:
                        tally.found_directed += 1
                        tally.right_direction += any(p.direction == g.direction for p in hits)
                elif len(tally.examples) < 20:
                    tally.examples.append(
                        {"item": item.document.id, "genes": "|".join(sorted(item.genes)), "missed": sorted(g.keys)[0]}
                    )
    return tallies


def eval_summaries(corpus: Path, limit: int | None = None) -> dict:
    """``corpus``: a CIViC ClinicalEvidenceSummaries TSV, or PharmGKB guideline JSON files
    (one file or a directory of them)."""
    from extractors.pipeline import build
    from kg.settings import Settings
    from loaders import iter_documents

    pharmgkb = corpus.is_dir() or ".json" in corpus.name
    docs, bad = [], 0
    for item in iter_documents([corpus], fmt="pharmgkb" if pharmgkb else "civic"):
        if isinstance(item, Document):
            docs.append(item)
        else:
            bad += 1
    pipeline = build(Settings.from_env())
    linker = pipeline.linker

    def resolve(name: str, etype: EntityType) -> str | None:
        found = linker.lookup(name, [etype], k=1)
        return found[0][0].id if found else None

    items = (pharmgkb_items if pharmgkb else gold_items)(docs, resolve)[: limit or None]
    predicted: dict[str, list[Predicted]] = {}
    failures = []
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        extractions, failed = pipeline.process([it.document for it in chunk])
        failures += failed
        by_id = {e.document_id: e for e in extractions}
        for it in chunk:
            ext = by_id.get(it.document.id)
            if ext is not None:
                predicted[it.document.id] = predictions(
                    it, ext.statements, {e.id: e for e in ext.entities}
                )
    tallies = score(items, predicted)
    return {
        "corpus": str(corpus),
        "source": "pharmgkb" if pharmgkb else "civic",
        "items": len(items),
        "records_skipped": bad,
        "failures": len(failures),
        "drug_response": tallies["drug_response"].as_dict(),
        "association": tallies["association"].as_dict(),
        "missed_examples": {t: v.examples for t, v in tallies.items()},
        "extractors": list(pipeline.tags),
    }
