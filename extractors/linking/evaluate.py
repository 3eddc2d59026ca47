"""``medkg eval linking``: document-level concept P/R/F1 (the BioCreative V CDR DNER measure).

Per document, the set of (type, concept id) predicted is compared with the gold set; counts
are summed over documents (micro) and per type. Gold ids come from the corpus mentions
(composite mentions contribute every id; unlinkable "-1" mentions contribute none).
``mentions="gold"`` links the gold spans (the linker alone); ``"ner"`` runs the recogniser
first (the whole pipeline: NER + abbreviations + linking).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.base import LinkedMention, Recognizer
from extractors.linking.linker import DictionaryLinker
from kg.model import Document, EntityType

log = logging.getLogger(__name__)

Concept = tuple[str, str]  # (type, CURIE)


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def scores(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(slots=True)
class LinkingReport:
    per_type: dict[str, Counts] = field(default_factory=dict)
    # linked mentions by how they were linked (``LinkedMention.how``): tp when the mention's
    # concept is one of its document's gold concepts, else fp
    by_link: dict[str, Counts] = field(default_factory=dict)
    documents: int = 0
    mentions: int = 0
    seconds: float = 0.0
    errors: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        micro = Counts()
        for c in self.per_type.values():
            micro.tp, micro.fp, micro.fn = micro.tp + c.tp, micro.fp + c.fp, micro.fn + c.fn
        return {
            "per_type": {t: c.scores() for t, c in sorted(self.per_type.items())},
            "micro": micro.scores(),
            "by_link": {
                how: {"mentions": c.tp + c.fp, "precision": c.scores()["precision"]}
                for how, c in sorted(self.by_link.items(), key=lambda kv: -kv[1].tp - kv[1].fp)
            },
            "documents": self.documents,
            "mentions": self.mentions,
            "seconds": round(self.seconds, 2),
        }


def gold_concepts(doc: Document, types: Iterable[EntityType] | None = None) -> set[Concept]:
    wanted = set(types) if types else None
    return {
        (m.type.value, i) for m in doc.mentions for i in m.ids if wanted is None or m.type in wanted
    }


Namespaces = Mapping[EntityType, frozenset[str]]


def gold_namespaces(docs: Iterable[Document]) -> dict[EntityType, frozenset[str]]:
    """The id prefixes each type's gold mentions use ("MESH", "tmVar", "dbSNP" ...): a
    predicted entity is scored by its id in these (``Entity.id_in``), as a system
    reports its answers in the evaluation's vocabulary."""
    found: dict[EntityType, set[str]] = {}
    for d in docs:
        for m in d.mentions:
            found.setdefault(m.type, set()).update(i.partition(":")[0] for i in m.ids)
    return {t: frozenset(p) for t, p in found.items()}


def predicted_concepts(
    linked: Sequence[LinkedMention],
    types: Iterable[EntityType] | None = None,
    namespaces: Namespaces | None = None,
) -> set[Concept]:
    wanted = set(types) if types else None
    return {
        (
            lm.mention.type.value,
            lm.entity.id_in(namespaces.get(lm.mention.type, ())) if namespaces else lm.entity.id,
        )
        for lm in linked
        if lm.entity is not None and (wanted is None or lm.mention.type in wanted)
    }


def score_documents(
    pairs: Iterable[tuple[str, set[Concept], set[Concept]]], keep_errors: bool = False
) -> LinkingReport:
    """``pairs``: (document id, gold concepts, predicted concepts)."""
    report = LinkingReport()
    for doc_id, gold, pred in pairs:
        report.documents += 1
        for t in {c[0] for c in gold | pred}:
            g = {c for c in gold if c[0] == t}
            p = {c for c in pred if c[0] == t}
            counts = report.per_type.setdefault(t, Counts())
            counts.tp += len(g & p)
            counts.fp += len(p - g)
            counts.fn += len(g - p)
            if keep_errors and (p - g or g - p):
                report.errors.append(
                    {
                        "document": doc_id,
                        "type": t,
                        "missed": sorted(g - p),
                        "spurious": sorted(p - g),
                    }
                )
    return report


def read_corpus(path: str | Path) -> list[Document]:
    from loaders.pubtator import read_gold_documents

    return read_gold_documents(path)


def evaluate(
    docs: Sequence[Document],
    linker: DictionaryLinker,
    *,
    recognizer: Recognizer | None = None,
    types: Iterable[EntityType] | None = None,
    keep_errors: bool = False,
    batch_size: int = 32,
) -> tuple[LinkingReport, list[list[LinkedMention]]]:
    """Link every document (gold spans, or the recogniser's) and score concept sets."""
    corpus_types = {m.type for d in docs for m in d.mentions if m.ids}
    wanted = set(types) if types else corpus_types
    if recognizer is None and (
        linker.config.extend_types or linker.config.split_types or linker.config.retype
    ):
        # gold spans and types are right by definition: growing or retyping a mention
        # (repairs of the recogniser's output) would score another concept
        linker = DictionaryLinker(
            kb=linker.kb,
            config=dataclasses.replace(
                linker.config, extend_types=frozenset(), split_types=frozenset(), retype=False
            ),
            abbreviations=linker.abbreviation_finder,
        )
    linker.warm_up(
        wanted & {EntityType.DRUG, EntityType.DISEASE, EntityType.GENE}
    )  # time linking, not loading
    started = time.perf_counter()
    all_linked: list[list[LinkedMention]] = []
    for i in range(0, len(docs), batch_size):
        batch = docs[i : i + batch_size]
        if recognizer is None:
            mentions = [list(d.mentions) for d in batch]
        else:
            mentions = recognizer.recognize(batch)
        linked, failures = linker.link_many(batch, mentions)
        for f in failures:
            log.warning("%s: %s", f.document_id, f.error)
        all_linked.extend(linked)
    seconds = time.perf_counter() - started
    namespaces = gold_namespaces(docs)
    golds = [gold_concepts(d, wanted) for d in docs]
    report = score_documents(
        (
            (d.id, gold, predicted_concepts(lk, wanted, namespaces))
            for d, gold, lk in zip(docs, golds, all_linked, strict=True)
        ),
        keep_errors=keep_errors,
    )
    report.seconds = seconds
    report.mentions = sum(len(lk) for lk in all_linked)
    report.by_link = link_precision(golds, all_linked, wanted, namespaces)
    return report, all_linked


def link_precision(
    golds: Sequence[set[Concept]],
    linked: Sequence[Sequence[LinkedMention]],
    types: Iterable[EntityType],
    namespaces: Namespaces,
) -> dict[str, Counts]:
    """Mention-level precision of each way of linking, against each document's ``golds``:
    how far a ``fuzzy`` or ``trimmed`` link can be trusted beside an ``exact`` one (the
    evidence keeps which it was)."""
    wanted = set(types)
    out: dict[str, Counts] = {}
    for gold, lms in zip(golds, linked, strict=True):
        for lm in lms:
            if lm.entity is None or lm.mention.type not in wanted:
                continue
            counts = out.setdefault(lm.how or "unknown", Counts())
            if predicted_concepts([lm], wanted, namespaces) <= gold:
                counts.tp += 1
            else:
                counts.fp += 1
    return out


def mention_errors(
    docs: Sequence[Document], linked: Sequence[Sequence[LinkedMention]]
) -> list[Mapping[str, object]]:
    """Gold-span runs only: each mention whose linked id is not among its gold ids."""
    out = []
    for doc, lms in zip(docs, linked, strict=True):
        for gold, lm in zip(doc.mentions, lms, strict=False):
            got = lm.entity.id if lm.entity else None
            if not gold.ids and got is None:
                continue
            if got not in gold.ids:
                out.append(
                    {
                        "document": doc.id,
                        "text": gold.text,
                        "type": gold.type.value,
                        "gold": list(gold.ids),
                        "got": got,
                        "got_name": lm.entity.name if lm.entity else None,
                        "score": lm.score,
                    }
                )
    return out
