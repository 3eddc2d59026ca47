"""``medkg eval relations`` and ``medkg eval labels``: scores against gold corpora.

Relations (document level, as the corpora annotate them):

* ``biored``: (concept pair, relation type) per document, over BioRED's 8 types;
* ``cdr``: (chemical, disease) CID pairs per document;
* ``chemprot``: the CPR class of each annotated sentence-level pair (gold pairs; the
  few negatives come from the corpus structure, see ``prepare``).

``--entities gold`` feeds the corpus's own mentions and ids; ``predicted`` runs the
pipeline's sentence splitting, NER and linking on raw text, so concept ids must match
the gold ids to count (end-to-end).

Labels: indications (TREATS objects) of the label path against LabeledIn, compared at
concept level (UMLS CUIs of LabeledIn mapped to MeSH through Disease Ontology and MeSH
names, or the same normalised name).
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.base import LinkedMention
from extractors.linking.evaluate import gold_namespaces
from extractors.linking.hierarchy import Hierarchy
from extractors.relations.extractor import TransformerRelationExtractor
from extractors.relations.schema import NONE, TASK_LABELS
from extractors.relations.specific import redundant_causes
from kg.errors import BadInputError, ExtractionError
from kg.model import Document, Entity, EntityType, Mention, Predicate, Sentence

# ---------------------------------------------------------------- scoring


def prf_split(tp_pred: int, tp_gold: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    """P/R/F1 where right predictions (``tp_pred``) and found gold items (``tp_gold``) may
    differ: several predictions can meet one gold item, or one none."""
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "predicted": n_pred,
        "gold": n_gold,
    }


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    return {**prf_split(tp, tp, n_pred, n_gold), "tp": tp}


def score_sets(gold: set[tuple], pred: set[tuple], types: Iterable[str]) -> dict:
    """Per-type and micro P/R/F1 of (doc, pair, type) tuples (type is the last field)."""
    per_type = {}
    for t in types:
        g = {x for x in gold if x[-1] == t}
        p = {x for x in pred if x[-1] == t}
        per_type[t] = prf(len(g & p), len(p), len(g))
    return {"per_type": per_type, "micro": prf(len(gold & pred), len(pred), len(gold))}


# ---------------------------------------------------------------- mentions


def gold_linked(doc: Document) -> list[LinkedMention]:
    """The corpus's mentions, one linked mention per id (composites link to each)."""
    out = []
    for m in doc.mentions:
        for cid in m.ids:
            out.append(LinkedMention(m, Entity(cid, m.type, m.text), 1.0))
    return out


@dataclass(frozen=True, slots=True)
class Prepared:
    doc: Document
    sentences: tuple[Sentence, ...]
    mentions: tuple[LinkedMention, ...]


def with_gold(docs: Sequence[Document]) -> list[Prepared]:
    from extractors.sentences import RuleSentenceSplitter

    splitter = RuleSentenceSplitter()
    return [Prepared(d, tuple(splitter.split(d)), tuple(gold_linked(d))) for d in docs]


def with_pipeline(docs: Sequence[Document]) -> list[Prepared]:
    """Sentences and linked mentions from the project's pipeline (NER + linking).

    Uses ``extractors.pipeline`` when it exists; otherwise composes the rule splitter,
    ``NerRecognizer`` and ``DictionaryLinker`` from settings the same way.
    """
    from kg.settings import Settings

    # the raw corpus text only: gold annotations must not reach the pipeline
    bare = [Document(d.id, d.source, d.text, d.title, d.sections, d.metadata) for d in docs]
    settings = Settings.from_env()
    try:
        from extractors.pipeline import build  # the lead's composition of NER + linking
    except ImportError:
        return _compose_ner_linking(docs, bare, settings)
    extractions, _failures = build(settings).process(bare)
    by_id = {e.document_id: e for e in extractions}
    out = []
    for d in docs:
        e = by_id.get(d.id)
        out.append(Prepared(d, tuple(e.sentences) if e else (), tuple(e.mentions) if e else ()))
    return out


def _compose_ner_linking(
    docs: Sequence[Document], bare: Sequence[Document], settings
) -> list[Prepared]:
    try:
        from extractors.linking.linker import DictionaryLinker
        from extractors.ner.recognizer import NerRecognizer
    except ImportError as exc:
        raise ExtractionError(f"predicted entities need NER and linking: {exc}") from exc
    from extractors.sentences import RuleSentenceSplitter

    splitter = RuleSentenceSplitter()
    recognizer = NerRecognizer.from_settings(settings)
    linker = DictionaryLinker(settings.kb_path or None)
    out = []
    for chunk, chunk_bare in zip(_batched(docs, 64), _batched(bare, 64), strict=True):
        sentences = [splitter.split(d) for d in chunk_bare]
        mentions = recognizer.recognize_sentences(chunk_bare, sentences)
        for d, b, sents, ms in zip(chunk, chunk_bare, sentences, mentions, strict=True):
            out.append(Prepared(d, tuple(sents), tuple(linker.link(b, ms))))
    return out


def _batched(items: Sequence, n: int) -> Iterator[Sequence]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# ---------------------------------------------------------------- relations


def _read_documents(corpus: Path) -> list[Document]:
    from loaders.pubtator import read_gold_documents

    return read_gold_documents(corpus)


def _expand(arg: str, known: set[str]) -> list[str]:
    return [arg] if arg in known or "|" not in arg else arg.split("|")


def eval_documents(
    extractor: TransformerRelationExtractor, corpus: Path, task: str, entities: str
) -> dict:
    docs = _read_documents(corpus)
    prepared = with_gold(docs) if entities == "gold" else with_pipeline(docs)
    types = [t for t in TASK_LABELS[task] if t != NONE]
    namespaces = gold_namespaces(docs)
    gold: set[tuple] = set()
    pred: set[tuple] = set()
    for p in prepared:
        known = {i for m in p.doc.mentions for i in m.ids}
        for rel in p.doc.relations:
            if rel.type not in types:
                continue
            for a in _expand(rel.arg1, known):
                for b in _expand(rel.arg2, known):
                    gold.add((p.doc.id, frozenset((a, b)), rel.type))
    # One document per model call, as the product's pipeline runs it: dynamic int8
    # quantisation scales activations per batch, so documents batched together would move
    # each other's scores, and a rule that changes one document would move figures in others.
    for p in prepared:
        (preds,) = extractor.classify_many([(p.doc, p.sentences, p.mentions)])
        found: list[tuple[tuple[str, str], str]] = []
        names: dict[str, str] = {}
        for pr in preds:
            head = pr.heads.get(task)
            if not head:
                continue
            label = max(head, key=lambda k: head[k])
            if label != NONE:
                # ordered drug first, so the CID rule below knows which end is the disease
                a, b = sorted((pr.first, pr.second), key=lambda e: e.type != EntityType.DRUG)
                ends = tuple(e.id_in(namespaces.get(e.type, ())) for e in (a, b))
                names[ends[0]] = a.name
                found.append((ends, label))
        if task == "cdr" and extractor.hierarchy:
            # CDR's own convention, and the product's rule for CAUSES (``specific``)
            drop = redundant_causes(
                (e for e, _ in found), extractor.hierarchy.is_broader, names
            )
            found = [(e, label) for e, label in found if e not in drop]
        pred.update((p.doc.id, frozenset(e), label) for e, label in found)
    out = score_sets(gold, pred, types)
    out.update(task=task, entities=entities, documents=len(docs), model_version=extractor.version)
    return out


def eval_chemprot(extractor: TransformerRelationExtractor, corpus: Path) -> dict:
    from extractors.relations.prepare import chemprot_sentences

    with open(corpus, encoding="utf-8") as fh:
        sentences = list(chemprot_sentences(fh))
    types = [t for t in TASK_LABELS["chemprot"] if t != NONE]
    gold: set[tuple] = set()
    pred: set[tuple] = set()
    n_pairs = 0
    for n, cs in enumerate(sentences):
        doc = Document(f"chemprot:{n}", "chemprot", cs.text)
        lms = []
        for i, (s, e, etype) in enumerate(cs.entities):
            m = Mention(s, e, cs.text[s:e], etype, extractor="gold")
            lms.append(LinkedMention(m, Entity(f"CP:{i}", etype, cs.text[s:e]), 1.0))
        pairs = {frozenset((f"CP:{i}", f"CP:{j}")): label for (i, j), label in cs.pairs.items()}
        for key, label in pairs.items():
            if label != NONE:
                gold.add((doc.id, key, label))
        n_pairs += len(pairs)
        # one sentence per model call, as ``eval_documents`` reads one document
        (preds,) = extractor.classify_many([(doc, [Sentence(0, len(cs.text), cs.text)], lms)])
        for pr in preds:
            key = frozenset((pr.first.id, pr.second.id))
            head = pr.heads.get("chemprot")
            if key not in pairs or not head:
                continue  # gold pairs only
            label = max(head, key=lambda k: head[k])
            if label != NONE:
                pred.add((doc.id, key, label))
    out = score_sets(gold, pred, types)
    out.update(
        task="chemprot",
        entities="gold",
        sentences=len(sentences),
        pairs=n_pairs,
        model_version=extractor.version,
    )
    return out


def eval_relations(model_dir: str | Path, corpus: Path, task: str, entities: str = "gold") -> dict:
    if task not in TASK_LABELS:
        raise BadInputError(f"--task must be one of {sorted(TASK_LABELS)}")
    from extractors.linking.linker import default_kb_path

    extractor = TransformerRelationExtractor(
        model_dir, hierarchy=Hierarchy.in_kb(default_kb_path())
    )
    if task == "chemprot":
        if entities != "gold":
            raise BadInputError("ChemProt here has no raw abstracts: only --entities gold")
        return eval_chemprot(extractor, corpus)
    return eval_documents(extractor, corpus, task, entities)


# ---------------------------------------------------------------- labels

# one annotation may carry several CUIs ("moderate to severe pain": C0278140;C0278139)
_TAG = re.compile(r'<annotation cui="(C\d+(?:;C\d+)*);?">(.*?)</annotation>', re.S)
_HTML = re.compile(r"<[^>]+>")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class LabeledInLabel:
    set_id: str
    text: str  # the Indications section, tags removed
    mentions: tuple[tuple[int, int, str], ...]  # (start, end, CUI) in ``text``
    cuis: frozenset[str]
    rxcui: str


def read_labeledin(corpus: Path) -> dict[str, LabeledInLabel]:
    structured: dict[str, tuple[frozenset[str], str]] = {}
    with open(
        corpus / "LabeledIn_Structured_Results.txt", encoding="utf-8", errors="replace"
    ) as fh:
        for line in fh:
            f = line.rstrip("\n").split("|")
            if len(f) >= 4:
                cuis = frozenset(c.strip() for c in f[2].split(";") if c.strip())
                structured[f[1].strip().lower()] = (cuis, f[3].strip())
    out: dict[str, LabeledInLabel] = {}
    similar: list[tuple[str, str]] = []  # field iv: set ids of labels with the same text
    with open(corpus / "LabeledIn_annotated_XML.txt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            f = line.rstrip("\n").split("|")
            if len(f) < 3:
                continue
            set_id = f[1].strip().lower()
            raw = f[2]
            pieces: list[str] = []
            mentions: list[tuple[int, int, str]] = []
            pos = length = 0
            for m in _TAG.finditer(raw):
                plain = _HTML.sub(" ", raw[pos : m.start()])
                pieces.append(plain)
                length += len(plain)
                inner = _HTML.sub(" ", m.group(2))
                mentions.extend((length, length + len(inner), c) for c in m.group(1).split(";"))
                pieces.append(inner)
                length += len(inner)
                pos = m.end()
            pieces.append(_HTML.sub(" ", raw[pos:]))
            cuis, rxcui = structured.get(set_id, (frozenset(c for _, _, c in mentions), ""))
            out[set_id] = LabeledInLabel(set_id, "".join(pieces), tuple(mentions), cuis, rxcui)
            if len(f) > 3:
                similar.extend((o.strip().lower(), set_id) for o in f[3].split(";") if o.strip())
    for other, set_id in similar:
        out.setdefault(other, out[set_id])
    return out


@dataclass(frozen=True, slots=True)
class ConceptMap:
    """CUI -> MeSH ids and names, to compare our MeSH/DO-linked diseases with UMLS CUIs."""

    mesh: dict[str, set[str]]
    names: dict[str, set[str]]

    def keys(self, cui: str) -> set[str]:
        return {f"MESH:{m}" for m in self.mesh.get(cui, ())} | {
            f"name:{n}" for n in self.names.get(cui, ())
        }


def concept_map(data_dir: Path, labels: Iterable[LabeledInLabel]) -> ConceptMap:
    mesh: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for lab in labels:
        for s, e, cui in lab.mentions:
            names[cui].add(_norm(lab.text[s:e]))
    mesh_by_name: dict[str, str] = {}
    terms = data_dir / "mesh" / "terms.tsv"
    if terms.exists():
        with open(terms, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                mesh_by_name[_norm(row["mesh_name"])] = row["mesh_id"]
    mapped = data_dir / "labeledin" / "indications-mapped.tsv"
    if mapped.exists():
        with open(mapped, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                n = _norm(row.get("disease_mesh_name", ""))
                if n:
                    names[row["disease_cui"]].add(n)
                    if n in mesh_by_name:
                        mesh[row["disease_cui"]].add(mesh_by_name[n])
    xrefs = data_dir / "disease_ontology" / "xrefs.tsv"
    if xrefs.exists():
        by_doid: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        opener = gzip.open if xrefs.suffix == ".gz" else open
        with opener(xrefs, "rt", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                by_doid[row["doid_code"]][row["resource"]].add(row["resource_id"])
        for refs in by_doid.values():
            for cui in refs.get("UMLS", ()):
                mesh[cui] |= refs.get("MSH", set())
    return ConceptMap(dict(mesh), dict(names))


def entity_keys(ent: Entity) -> set[str]:
    keys = {ent.id} | set(ent.xrefs)
    keys |= {
        f"MESH:{x.split(':', 1)[1]}" for x in ent.xrefs if x.upper().startswith(("MESH:", "MSH:"))
    }
    keys |= {f"name:{_norm(n)}" for n in (ent.name, *ent.synonyms) if n}
    keys |= {x for x in keys if x.startswith("UMLS:")} | {
        x.split(":", 1)[1] for x in keys if x.startswith("UMLS:")
    }
    return keys


def _treats(statements, evidence, subject_ids: set[str]) -> set[str]:
    support = {ev.statement_key for ev in evidence if not ev.negated}
    return {
        st.object
        for st in statements
        if st.predicate is Predicate.TREATS and st.subject in subject_ids and st.key in support
    }


def eval_labels(corpus: Path, spl_dir: Path | None, entities: str = "predicted") -> dict:
    """Indication P/R/F1 of the label path against LabeledIn, at concept level."""
    from extractors.labels import INDICATIONS, LabelRelationExtractor
    from extractors.linking.linker import DictionaryLinker

    labels = read_labeledin(corpus)
    if not labels:
        raise BadInputError(f"{corpus}: no LabeledIn labels")
    cmap = concept_map(corpus.parent, {lab.set_id: lab for lab in labels.values()}.values())
    linker = DictionaryLinker()
    extractor = LabelRelationExtractor(linker)
    report: dict[str, object] = {"entities": entities}

    # 1. the SPL labels that LabeledIn also annotated (other versions: concept level)
    docs: list[Document] = []
    if spl_dir is not None and spl_dir.exists():
        from loaders.spl import read_spl

        for path in sorted(spl_dir.rglob("*.xml")):
            for d in read_spl(path):
                if isinstance(d, Document) and d.metadata.get("set_id", "").lower() in labels:
                    docs.append(d)
    if docs:
        if entities == "gold":
            prepared = [
                _project_gold(d, labels[d.metadata["set_id"].lower()], INDICATIONS) for d in docs
            ]
        else:
            prepared = with_pipeline(docs)
        report["spl_overlap"] = _score_labels(prepared, labels, cmap, extractor, linker)
        report["spl_overlap"]["set_ids"] = sorted({d.metadata["set_id"].lower() for d in docs})
    # 2. every LabeledIn label, on LabeledIn's own copy of the Indications text
    rx_names = _rxnorm_names(corpus)
    own = []
    for lab in {lab.set_id: lab for lab in labels.values()}.values():
        name = rx_names.get(lab.rxcui, "")
        if not name:
            continue
        doc = Document.from_sections(
            f"SPL:{lab.set_id}@labeledin",
            "labeledin",
            [("indications_and_usage", lab.text, INDICATIONS)],
            metadata={"set_id": lab.set_id, "active_moieties": name},
        )
        own.append(doc)
    if entities == "gold":
        prepared = [_gold_from_tags(d, labels[d.metadata["set_id"]]) for d in own]
    else:
        prepared = with_pipeline(own)
    report["labeledin_text"] = _score_labels(prepared, labels, cmap, extractor, linker)
    return report


def _rxnorm_names(corpus: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    mapped = corpus / "indications-mapped.tsv"
    if mapped.exists():
        with open(mapped, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                out.setdefault(row["rxnorm_id"], row["rxnorm_name"])
    return out


def _gold_from_tags(doc: Document, lab: LabeledInLabel) -> Prepared:
    from extractors.sentences import RuleSentenceSplitter

    lms = []
    for s, e, cui in lab.mentions:
        text = doc.text[s:e]
        lms.append(
            LinkedMention(
                Mention(s, e, text, EntityType.DISEASE, extractor="gold"),
                Entity(f"UMLS:{cui}", EntityType.DISEASE, text, xrefs=(f"UMLS:{cui}",)),
                1.0,
            )
        )
    return Prepared(doc, tuple(RuleSentenceSplitter().split(doc)), tuple(lms))


def _project_gold(doc: Document, lab: LabeledInLabel, code: str) -> Prepared:
    """LabeledIn's annotated strings found again in another version's Indications text."""
    from extractors.sentences import RuleSentenceSplitter

    lms = []
    strings = {(lab.text[s:e].strip(), cui) for s, e, cui in lab.mentions if lab.text[s:e].strip()}
    for sec in doc.sections:
        if sec.code != code:
            continue
        body = doc.text[sec.start : sec.end]
        for text, cui in strings:
            for m in re.finditer(r"(?<!\w)" + re.escape(text) + r"(?!\w)", body, re.I):
                s, e = sec.start + m.start(), sec.start + m.end()
                lms.append(
                    LinkedMention(
                        Mention(s, e, doc.text[s:e], EntityType.DISEASE, extractor="gold"),
                        Entity(f"UMLS:{cui}", EntityType.DISEASE, text, xrefs=(f"UMLS:{cui}",)),
                        1.0,
                    )
                )
    return Prepared(doc, tuple(RuleSentenceSplitter().split(doc)), tuple(lms))


def _score_labels(prepared: list[Prepared], labels, cmap: ConceptMap, extractor, linker) -> dict:
    """Concept-level TREATS scores; ``TREATS_surface`` also accepts a predicted indication
    whose words equal an annotated mention of the gold concept (a coarser or finer link
    of the same phrase, e.g. "scalp psoriasis" linked to Psoriasis)."""
    strict = [0, 0, 0, 0]
    loose = [0, 0, 0, 0]
    per_label = {}
    for p in prepared:
        lab = labels[p.doc.metadata["set_id"].lower()]
        subjects = {e.id for e in extractor.subjects(p.doc)}
        sts, evs = extractor.extract(p.doc, p.sentences, p.mentions)
        ents = {lm.entity.id: lm.entity for lm in p.mentions if lm.entity is not None}
        predicted = _treats(sts, evs, subjects)
        objects = {st.key: st.object for st in sts}
        surface: dict[str, set[str]] = defaultdict(set)
        for ev in evs:
            if not ev.negated and objects.get(ev.statement_key) in predicted:
                surface[objects[ev.statement_key]].add(
                    f"name:{_norm(p.doc.text[ev.object_start : ev.object_end])}"
                )
        gold_keys = {cui: cmap.keys(cui) | {f"UMLS:{cui}", cui} for cui in lab.cuis}
        for counts, extra in ((strict, False), (loose, True)):
            pred_keys = {
                i: (entity_keys(ents[i]) if i in ents else {i}) | (surface[i] if extra else set())
                for i in predicted
            }
            hit_pred = {i for i, ks in pred_keys.items() if any(ks & g for g in gold_keys.values())}
            hit_gold = {c for c, g in gold_keys.items() if any(g & ks for ks in pred_keys.values())}
            counts[0] += len(hit_pred)
            counts[1] += len(hit_gold)
            counts[2] += len(predicted)
            counts[3] += len(gold_keys)
            if not extra:
                per_label[p.doc.id] = {
                    "gold": len(gold_keys),
                    "predicted": len(predicted),
                    "matched": len(hit_gold),
                    "subject": sorted(subjects),
                }
    return {
        "labels": len(prepared),
        "TREATS": prf_split(*strict),
        "TREATS_surface": prf_split(*loose),
        "per_label": per_label if len(per_label) <= 20 else {},
    }
