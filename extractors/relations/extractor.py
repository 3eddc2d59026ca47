"""``TransformerRelationExtractor``: linked mentions in, statements and evidence out.

Entities are the linked concepts of a document. Every pair of them whose types some head
models is classified at once, from one encoder pass per window (see ``windows``), so
pairs in different sentences are classified too (by the document-level heads only:
ChemProt annotates pairs within one sentence, so its head does not speak across). A
predicted relation gets one evidence per sentence where both ends occur (each with its own
negation/speculation cues), or, for
a pair that never shares a sentence, one evidence spanning the two nearest mentions'
sentences. Among one document's CAUSES, a disease broader than another caused disease of
the same drug is dropped (``specific``), where the KB ships MeSH's hierarchy. A gene
written as a drug's class ("the EGFR inhibitor erlotinib") gives that drug's TARGETS by
rule, and a gene the document names only so is an end of no relation the model reads
(``classnames``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extractors.base import LinkedMention
from extractors.cues import Cues, assess
from extractors.linking.hierarchy import Hierarchy
from extractors.relations.classnames import NOTE as CLASS_NAME_NOTE
from extractors.relations.classnames import ClassName, class_names
from extractors.relations.model import PairInput, RelationModel
from extractors.relations.schema import NONE, TASK_PAIRS, TYPE_INDEX, candidate_pair, to_predicates
from extractors.relations.specific import RULES_VERSION, redundant_causes
from extractors.relations.windows import Span, build_windows
from kg.model import (
    Document,
    Entity,
    EntityType,
    Evidence,
    Predicate,
    Sentence,
    SourceKind,
    Statement,
)

MAX_EVIDENCE_PER_PAIR = 5  # sentences kept per statement and document
# A class name states its target in the text's own words; what is left uncertain is the
# linking of its two ends, so a little less than certain.
CLASS_NAME_SCORE = 0.9
# a chemical's name as part of an enzyme's or an assay's ("tyrosine kinase inhibitors",
# "tyrosine phosphorylation", "thymidine incorporation"): no substance anyone was given
_PART_OF_A_NAME = re.compile(r"[\s-]+(?:kinases?|phosphorylation|incorporation)\b", re.I)


@dataclass(frozen=True, slots=True)
class PairPrediction:
    """Head probabilities for an ordered pair of a document's entities."""

    first: Entity
    second: Entity
    heads: Mapping[str, Mapping[str, float]]  # task -> label -> probability


@dataclass(frozen=True, slots=True)
class _Prepared:
    entities: tuple[Entity, ...]
    spans: tuple[Span, ...]
    entity_spans: tuple[tuple[int, ...], ...]
    pairs: tuple[tuple[int, int], ...]
    windows: tuple
    links: Mapping[Span, str]  # how each span's mention was linked (``LinkedMention.how``)


def _sentence_ranges(doc: Document, sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    if sentences:
        return [(s.start, s.end) for s in sentences]
    from extractors.sentences import RuleSentenceSplitter

    return [(s.start, s.end) for s in RuleSentenceSplitter().split(doc)]


class TransformerRelationExtractor:
    """The ``RelationExtractor`` for literature (extractors/base.py)."""

    name = "re-minilm"

    def __init__(
        self,
        model: RelationModel | str | Path,
        *,
        cross_sentence: bool = True,
        max_entities: int = 60,
        threshold: float = 0.0,
        hierarchy: Hierarchy | None = None,
    ) -> None:
        self.model = model if isinstance(model, RelationModel) else RelationModel(model)
        self.cross_sentence = cross_sentence
        self.max_entities = max_entities  # pairs grow quadratically: keep the most mentioned
        self.threshold = threshold
        self.hierarchy = hierarchy

    @classmethod
    def from_settings(cls, settings, **options) -> TransformerRelationExtractor:
        """The shipped model (``MEDKG_RE_MODEL`` or ``models/re``); loads nothing yet."""
        from extractors.relations.model import resolve_model_dir

        path = resolve_model_dir(settings.re_model or None, settings.models_dir)
        options.setdefault("hierarchy", Hierarchy.in_kb(settings.kb_dir))
        return cls(RelationModel(path), **options)

    @property
    def version(self) -> str:
        return f"{self.model.version}+{RULES_VERSION}"

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    # -- candidates -----------------------------------------------------------------------
    def _prepare(
        self, doc: Document, sents: list[tuple[int, int]], mentions: Sequence[LinkedMention]
    ) -> _Prepared | None:
        by_id: dict[str, Entity] = {}
        span_index: dict[tuple[int, int, EntityType], int] = {}
        spans: list[Span] = []
        members: dict[str, list[int]] = defaultdict(list)
        links: dict[Span, str] = {}
        for lm in mentions:
            ent = lm.entity
            if ent is None or ent.type not in TYPE_INDEX:
                continue
            key = (lm.mention.start, lm.mention.end, ent.type)
            if key not in span_index:
                span_index[key] = len(spans)
                spans.append(Span(*key))
                links[spans[-1]] = lm.how
            by_id.setdefault(ent.id, ent)
            if span_index[key] not in members[ent.id]:
                members[ent.id].append(span_index[key])
        if len(by_id) < 2:
            return None
        ids = sorted(
            by_id, key=lambda i: (-len(members[i]), min(spans[s].start for s in members[i]))
        )
        ids = ids[: self.max_entities]
        ents = [by_id[i] for i in ids]
        first_pos = [min(spans[s].start for s in members[i]) for i in ids]
        sent_of = _sentence_lookup(sents)
        ent_sents = [{sent_of(spans[s].start) for s in members[i]} for i in ids]
        pairs: list[tuple[int, int]] = []
        for a in range(len(ents)):
            for b in range(a + 1, len(ents)):
                x, y = a, b
                if (TYPE_INDEX[ents[x].type], first_pos[x]) > (
                    TYPE_INDEX[ents[y].type],
                    first_pos[y],
                ):
                    x, y = y, x
                if not candidate_pair(ents[x].type, ents[y].type):
                    continue
                if not self.cross_sentence and not (ent_sents[x] & ent_sents[y]):
                    continue
                pairs.append((x, y))
        if not pairs:
            return None
        windows = build_windows(
            doc.text, sents, spans, self.model.count_tokens, self.model.max_tokens
        )
        return _Prepared(
            tuple(ents),
            tuple(spans),
            tuple(tuple(members[i]) for i in ids),
            tuple(pairs),
            tuple(windows),
            links,
        )

    # -- classification -------------------------------------------------------------------
    def classify_many(
        self, items: Sequence[tuple[Document, Sequence[Sentence], Sequence[LinkedMention]]]
    ) -> list[list[PairPrediction]]:
        """Head probabilities for every candidate pair of each document (batched)."""
        return [preds for _, _, preds in self._classify(items)]

    def _classify(
        self, items: Sequence[tuple[Document, Sequence[Sentence], Sequence[LinkedMention]]]
    ) -> list[tuple[_Prepared | None, list[tuple[int, int]], list[PairPrediction]]]:
        prepared = []
        for doc, sentences, mentions in items:
            sents = _sentence_ranges(doc, sentences)
            prepared.append((self._prepare(doc, sents, mentions), sents))
        inputs = [
            PairInput(
                p.windows,
                tuple((p.entities[e].type, p.entity_spans[e]) for e in range(len(p.entities))),
                p.pairs,
            )
            for p, _ in prepared
            if p is not None
        ]
        outputs = iter(self.model.predict(inputs)) if inputs else iter(())
        labels = self.model.labels
        result = []
        for p, sents in prepared:
            if p is None:
                result.append((None, sents, []))
                continue
            probs = next(outputs)
            preds = []
            for k, (a, b) in enumerate(p.pairs):
                pair_types = (p.entities[a].type, p.entities[b].type)
                heads = {
                    task: dict(zip(labels[task], map(float, probs[task][k]), strict=True))
                    for task in probs
                    if pair_types in TASK_PAIRS.get(task, ()) and float(np.sum(probs[task][k])) > 0
                }
                preds.append(PairPrediction(p.entities[a], p.entities[b], heads))
            result.append((p, sents, preds))
        return result

    def extract(
        self, doc: Document, sentences: Sequence[Sentence], mentions: Sequence[LinkedMention]
    ) -> tuple[list[Statement], list[Evidence]]:
        return self.extract_many([(doc, sentences, mentions)])[0]

    def extract_many(
        self, items: Sequence[tuple[Document, Sequence[Sentence], Sequence[LinkedMention]]]
    ) -> list[tuple[list[Statement], list[Evidence]]]:
        out = []
        for (doc, _, _), (prep, sents, preds) in zip(items, self._classify(items), strict=True):
            if prep is None:
                out.append(([], []))
                continue
            out.append(self._statements(doc, sents, prep, preds))
        return out

    # -- statements -----------------------------------------------------------------------
    def _statements(
        self,
        doc: Document,
        sents: list[tuple[int, int]],
        prep: _Prepared,
        preds: list[PairPrediction],
    ) -> tuple[list[Statement], list[Evidence]]:
        statements: dict[str, Statement] = {}
        evidence: list[Evidence] = []
        sent_of = _sentence_lookup(sents)
        index = {e.id: i for i, e in enumerate(prep.entities)}
        owner = {s: i for i, spans in enumerate(prep.entity_spans) for s in spans}
        classes = _class_names(doc, prep, owner)
        name_parts = _name_parts(doc, prep)
        class_only = _class_only(prep, classes, owner)
        class_pairs = {(owner[c.drug], owner[c.gene]) for c in classes}
        for pred in preds:
            if not any(_best(h) != NONE for h in pred.heads.values()):
                continue
            a, b = index[pred.first.id], index[pred.second.id]
            if a in class_only or b in class_only:
                continue  # a gene named only as some drug's class: that drug's target alone
            places = _places(prep, a, b, sents, sent_of, name_parts)
            if not places:
                continue
            # the predicate may read the evidence's words (response direction, PGx cues)
            text_all = " ".join(doc.text[s:e] for s, e, _, _ in places)
            heads = pred.heads
            if sent_of(places[0][2].start) != sent_of(places[0][3].start):
                # ChemProt annotates pairs within a sentence: its head does not speak across
                heads = {task: probs for task, probs in heads.items() if task != "chemprot"}
            relations = to_predicates(
                pred.first.type, pred.second.type, heads, text_all, self.threshold
            )
            if (a, b) in class_pairs or (b, a) in class_pairs:
                # the class word states the action; the model's reading of it does not stand
                relations = [r for r in relations if r.predicate is not Predicate.TARGETS]
            for rel in relations:
                subj, obj = (
                    (pred.first, pred.second) if rel.subject_is_first else (pred.second, pred.first)
                )
                st = Statement.make(subj.id, rel.predicate, obj.id, **dict(rel.qualifiers))
                statements.setdefault(st.key, st)
                for s, e, sa, sb in places:
                    span_s, span_o = (sa, sb) if rel.subject_is_first else (sb, sa)
                    # Statement.make may swap a symmetric pair: keep offsets with their entity
                    if st.subject != subj.id:
                        span_s, span_o = span_o, span_s
                    cues = assess(
                        doc.text[s:e],
                        (span_s.start - s, span_s.end - s),
                        (span_o.start - s, span_o.end - s),
                        advice=rel.predicate is Predicate.AFFECTS_RESPONSE,
                    )
                    evidence.append(
                        self._evidence(
                            doc, prep, st.key, (s, e), span_s, span_o, rel.score, rel.label, cues
                        )
                    )
        for c, s, e, ds, gs in _class_places(prep, classes, owner, sents, sent_of):
            drug, gene = prep.entities[owner[c.drug]], prep.entities[owner[c.gene]]
            st = Statement.make(drug.id, Predicate.TARGETS, gene.id, action=c.action.value)
            statements.setdefault(st.key, st)
            evidence.append(
                self._evidence(doc, prep, st.key, (s, e), ds, gs, CLASS_NAME_SCORE, CLASS_NAME_NOTE)
            )
        names = {e.id: e.name for e in prep.entities}
        return self._most_specific(list(statements.values()), evidence, names)

    def _evidence(
        self,
        doc: Document,
        prep: _Prepared,
        key: str,
        sentence: tuple[int, int],
        subject: Span,
        object_: Span,
        score: float,
        note: str,
        cues: Cues | None = None,
    ) -> Evidence:
        """One place's evidence; without ``cues`` (a rule's own words) it is affirmed."""
        s, e = sentence
        section = doc.section_at(s)
        return Evidence(
            statement_key=key,
            document_id=doc.id,
            sentence=doc.text[s:e],
            sentence_start=s,
            sentence_end=e,
            subject_start=subject.start,
            subject_end=subject.end,
            object_start=object_.start,
            object_end=object_.end,
            score=round(score, 4),
            extractor=self.name,
            extractor_version=self.version,
            section=section.name if section else None,
            source_kind=SourceKind.LITERATURE,
            negated=bool(cues and cues.negated),
            speculative=bool(cues and cues.speculative),
            note=note,
            subject_link=prep.links.get(subject, ""),
            object_link=prep.links.get(object_, ""),
        )

    def _most_specific(
        self, statements: list[Statement], evidence: list[Evidence], names: dict[str, str]
    ) -> tuple[list[Statement], list[Evidence]]:
        if not self.hierarchy:
            return statements, evidence
        causes = [(st.subject, st.object) for st in statements if st.predicate is Predicate.CAUSES]
        drop = redundant_causes(causes, self.hierarchy.is_broader, names)
        if not drop:
            return statements, evidence
        gone = {
            st.key
            for st in statements
            if st.predicate is Predicate.CAUSES and (st.subject, st.object) in drop
        }
        return (
            [st for st in statements if st.key not in gone],
            [ev for ev in evidence if ev.statement_key not in gone],
        )


def _class_names(doc: Document, prep: _Prepared, owner: Mapping[int, int]) -> list[ClassName]:
    """Class names between the prepared entities' mentions; ``drug`` and ``gene`` of each
    index ``prep.spans``, ``owner`` maps a span to its entity."""
    drugs = [k for k in owner if prep.spans[k].type is EntityType.DRUG]
    genes = [k for k in owner if prep.spans[k].type is EntityType.GENE]
    if not drugs or not genes:
        return []
    found = class_names(
        doc.text,
        [(prep.spans[k].start, prep.spans[k].end) for k in drugs],
        [(prep.spans[k].start, prep.spans[k].end) for k in genes],
    )
    return [ClassName(drugs[c.drug], genes[c.gene], c.action) for c in found]


def _class_only(
    prep: _Prepared, classes: Sequence[ClassName], owner: Mapping[int, int]
) -> set[int]:
    """Entities (indices) every mention of which is a drug's class name."""
    class_spans = {c.gene for c in classes}
    touched = {owner[s] for s in class_spans}
    return {i for i in touched if all(s in class_spans for s in prep.entity_spans[i])}


def _class_places(
    prep: _Prepared,
    classes: Sequence[ClassName],
    owner: Mapping[int, int],
    sents: list[tuple[int, int]],
    sent_of,
) -> list[tuple[ClassName, int, int, Span, Span]]:
    """Each class name with its place: (class name, sentence start, end, drug span, gene
    span), at most ``MAX_EVIDENCE_PER_PAIR`` places per statement."""
    out = []
    per_statement: dict[tuple[int, int, str], int] = defaultdict(int)
    for c in sorted(classes, key=lambda c: prep.spans[c.drug].start):
        ds, gs = prep.spans[c.drug], prep.spans[c.gene]
        key = (owner[c.drug], owner[c.gene], c.action.value)
        ka, kb = sent_of(min(ds.start, gs.start)), sent_of(max(ds.start, gs.start))
        if ka < 0 or kb < 0 or per_statement[key] >= MAX_EVIDENCE_PER_PAIR:
            continue
        per_statement[key] += 1
        out.append((c, sents[ka][0], sents[kb][1], ds, gs))
    return out


def _best(probs: Mapping[str, float]) -> str:
    return max(probs, key=lambda k: probs[k]) if probs else NONE


def _sentence_lookup(sents: list[tuple[int, int]]):
    starts = [s for s, _ in sents]

    def sent_of(offset: int) -> int:
        import bisect

        i = bisect.bisect_right(starts, offset) - 1
        return i if i >= 0 and offset < sents[i][1] else -1

    return sent_of


def _name_parts(doc: Document, prep: _Prepared) -> frozenset[int]:
    """Spans of a chemical named as part of an enzyme's or an assay's name: followed by
    "kinase" or "phosphorylation", or inside a gene's mention ("glutathione" of
    "glutathione S-transferase P1", which BC5CDR tags as a chemical and the gene tagger
    as part of the gene)."""
    genes = [sp for sp in prep.spans if sp.type is EntityType.GENE]
    return frozenset(
        i
        for i, sp in enumerate(prep.spans)
        if sp.type is EntityType.DRUG
        and (
            _PART_OF_A_NAME.match(doc.text, sp.end)
            or any(_within(sp, g) for g in genes)
        )
    )


def _within(inner: Span, outer: Span) -> bool:
    nested = outer.start <= inner.start and inner.end <= outer.end
    return nested and (inner.start, inner.end) != (outer.start, outer.end)


def _places(
    prep: _Prepared,
    a: int,
    b: int,
    sents: list[tuple[int, int]],
    sent_of,
    skip: frozenset[int] = frozenset(),
) -> list[tuple[int, int, Span, Span]]:
    """(start, end, span of a, span of b) of each place that states the pair. One span
    read as two types ("MTX" as methotrexate and as the gene MTX1) states nothing about
    itself; a name nested in another ("halothane" in "halothane hepatitis") may. Spans in
    ``skip`` (a chemical's name inside an enzyme's, ``_name_parts``) state nothing."""

    def by_sentence(entity: int) -> dict[int, list[Span]]:
        out: dict[int, list[Span]] = defaultdict(list)
        for s in prep.entity_spans[entity]:
            if s not in skip:
                out[sent_of(prep.spans[s].start)].append(prep.spans[s])
        return out

    by_sent_a, by_sent_b = by_sentence(a), by_sentence(b)
    shared = sorted(k for k in by_sent_a if k in by_sent_b and k >= 0)
    out = []
    for k in shared[:MAX_EVIDENCE_PER_PAIR]:
        sa, sb = min(
            ((x, y) for x in by_sent_a[k] for y in by_sent_b[k] if _apart(x, y)),
            key=lambda xy: abs(xy[0].start - xy[1].start),
            default=(None, None),
        )
        if sa is not None:
            out.append((sents[k][0], sents[k][1], sa, sb))
    if out:
        return out
    # never in one sentence: the two nearest mentions and the sentences between them
    cands = [
        (prep.spans[x], prep.spans[y])
        for x in prep.entity_spans[a]
        for y in prep.entity_spans[b]
        if x not in skip and y not in skip and _apart(prep.spans[x], prep.spans[y])
    ]
    if not cands:
        return []
    sa, sb = min(cands, key=lambda xy: abs(xy[0].start - xy[1].start))
    ka, kb = sent_of(sa.start), sent_of(sb.start)
    if ka < 0 or kb < 0:
        return []
    lo, hi = min(ka, kb), max(ka, kb)
    return [(sents[lo][0], sents[hi][1], sa, sb)]


def _apart(x: Span, y: Span) -> bool:
    return (x.start, x.end) != (y.start, y.end)
