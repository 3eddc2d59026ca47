"""Corpora -> compact JSONL for ``extractors.relations.train`` (``medkg train re --prepare``).

One line per training example (a BioRED/CDR document or a ChemProt sentence)::

    {"id": ..., "task": "biored"|"cdr"|"chemprot",
     "windows": [marked text, ...],
     "mentions": [[window, char offset of the opening marker], ...],
     "entities": [[type index, [mention, ...]], ...],
     "pairs": [[entity, entity, biored label, cdr label, chemprot label], ...]}

Pairs are ordered by ``schema.TYPE_ORDER``; label 0 is "none", -1 "not annotated for
this head" (see ``head_labels``). ``labels.json`` holds
the label names, the marker scheme and the type order, so the training script needs
nothing from this package.

ChemProt here has positives only. Negatives come from the corpus's own structure:
each sentence is repeated once per annotated pair, so collecting the repeats gives
every annotated entity of the sentence; a chemical-protein pair among them with no
label is a negative (ChemProt annotators marked every CPR relation of a sentence,
and the official evaluation also counts non-evaluated groups as negatives). Which end
is the chemical is read off the pairs themselves: annotated pairs always join a
chemical to a protein, so the entities of a sentence 2-colour, and a name heuristic
picks which colour is the protein. Pairs whose sides cannot be told apart are left out.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extractors.relations.schema import (
    MARKERS,
    TASK_LABELS,
    TASK_PAIRS,
    TASKS,
    TYPE_INDEX,
    TYPE_ORDER,
)
from extractors.relations.windows import Span, build_windows, split_sentences
from kg.model import Document, EntityType

CPR_GROUP = {
    "UPREGULATOR": "CPR:3",
    "ACTIVATOR": "CPR:3",
    "INDIRECT-UPREGULATOR": "CPR:3",
    "DOWNREGULATOR": "CPR:4",
    "INHIBITOR": "CPR:4",
    "INDIRECT-DOWNREGULATOR": "CPR:4",
    "AGONIST": "CPR:5",
    "AGONIST-ACTIVATOR": "CPR:5",
    "AGONIST-INHIBITOR": "CPR:5",
    "ANTAGONIST": "CPR:6",
    "SUBSTRATE": "CPR:9",
    "PRODUCT-OF": "CPR:9",
    "SUBSTRATE_PRODUCT-OF": "CPR:9",
}

CORPORA = {
    "biored": ("biored/Train.PubTator", "biored/Dev.PubTator", "biored/Test.PubTator"),
    "cdr": (
        "bc5cdr/CDR_TrainingSet.PubTator.txt",
        "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
        "bc5cdr/CDR_TestSet.PubTator.txt",
    ),
    "chemprot": ("chemprot/train.jsonl", "chemprot/dev.jsonl", "chemprot/test.jsonl"),
}
SPLITS = ("train", "dev", "test")

CountTokens = Callable[[list[str]], list[int]]


def tokenizer_counter(tokenizer_json: str | Path) -> CountTokens:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.no_truncation()
    tok.no_padding()

    def count(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]

    return count


def doc_sentences(doc: Document) -> list[tuple[int, int]]:
    """Sentences per section (title apart from abstract), by the plain splitter."""
    if not doc.sections:
        return split_sentences(doc.text)
    out: list[tuple[int, int]] = []
    for sec in doc.sections:
        out.extend(split_sentences(doc.text, sec.start, sec.end))
    return out


def document_example(
    doc: Document, task: str, count_tokens: CountTokens, max_tokens: int
) -> tuple[dict, Counter[str]]:
    """A PubTator document (with gold mentions and relations) as one example."""
    stats: Counter[str] = Counter()
    labels = TASK_LABELS[task]
    allowed = TASK_PAIRS[task]
    # entity = concept id; a composite mention belongs to each of its ids
    ent_of: dict[str, int] = {}
    ent_types: list[Counter[EntityType]] = []
    ent_mentions: list[list[int]] = []
    spans: list[Span] = []
    for m in doc.mentions:
        if not m.ids:
            continue
        spans.append(Span(m.start, m.end, m.type))
        for cid in m.ids:
            if cid not in ent_of:
                ent_of[cid] = len(ent_mentions)
                ent_mentions.append([])
                ent_types.append(Counter())
            ent_mentions[ent_of[cid]].append(len(spans) - 1)
            ent_types[ent_of[cid]][m.type] += 1
    windows = build_windows(doc.text, doc_sentences(doc), spans, count_tokens, max_tokens)
    span_slot: dict[int, int] = {}
    mentions: list[list[int]] = []
    for w_i, w in enumerate(windows):
        for idx, off in zip(w.spans, w.markers, strict=True):
            span_slot[idx] = len(mentions)
            mentions.append([w_i, off])
    etypes = [c.most_common(1)[0][0] for c in ent_types]
    entities = []
    keep: dict[int, int] = {}
    for e, ms in enumerate(ent_mentions):
        slots = sorted({span_slot[i] for i in ms if i in span_slot})
        if slots:
            keep[e] = len(entities)
            entities.append([TYPE_INDEX[etypes[e]], slots])
    gold: dict[frozenset[str], str] = {}

    def parts(arg: str) -> list[str]:  # tmVar keys contain "|" themselves
        return [arg] if arg in ent_of else arg.split("|")

    for rel in doc.relations:
        for a in parts(rel.arg1):
            for b in parts(rel.arg2):
                if a in ent_of and b in ent_of:
                    gold[frozenset((a, b))] = rel.type
                else:
                    stats["relation_arg_missing"] += 1
    ids = list(ent_of)
    first_pos = {e: min(spans[i].start for i in ms) for e, ms in enumerate(ent_mentions)}
    pairs = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            a, b = ent_of[ids[i]], ent_of[ids[j]]
            ta, tb = etypes[a], etypes[b]
            if (TYPE_INDEX[ta], first_pos[a]) > (TYPE_INDEX[tb], first_pos[b]):
                a, b, ta, tb = b, a, tb, ta
            key = frozenset((ids[i], ids[j]))
            if (ta, tb) not in allowed:
                if key in gold:
                    stats["relation_type_pair_unmodelled"] += 1
                continue
            if a not in keep or b not in keep:
                stats["pair_lost_to_truncation"] += 1
                continue
            label = gold.get(key, "none")
            if label not in labels:
                stats[f"unknown_label:{label}"] += 1
                label = "none"
            pairs.append([keep[a], keep[b], *head_labels(task, labels.index(label), (ta, tb))])
    stats["pairs"] += len(pairs)
    stats["positives"] += sum(1 for p in pairs if p[2 + TASKS.index(task)] > 0)
    stats["gold_relations"] += len(gold)
    stats["windows"] += len(windows)
    example = {
        "id": doc.id,
        "task": task,
        "windows": [w.text for w in windows],
        "mentions": mentions,
        "entities": entities,
        "pairs": pairs,
    }
    return example, stats


def head_labels(task: str, label: int, types: tuple[EntityType, EntityType]) -> list[int]:
    """One label per head (``schema.TASKS`` order); -1 where the corpus does not say.

    A BioRED pair with no relation of any kind is also a CDR and ChemProt negative,
    which gives the ChemProt head the negatives its own corpus lacks.
    """
    out = [-1] * len(TASKS)
    out[TASKS.index(task)] = label
    if task == "biored" and label == 0:
        for other in ("cdr", "chemprot"):
            if types in TASK_PAIRS[other]:
                out[TASKS.index(other)] = 0
    return out


_PROTEIN = re.compile(
    r"(ase|ases|receptors?|transporters?|channels?|factors?|proteins?|enzymes?|kinases?|"
    r"cytochromes?|synthases?|globulin|ins)$|\b(CYP\w*|COX-?\d|MAO-?[AB]|P-?gp|Abcb1|"
    r"[A-Z]{2,}\d+[A-Z]?\d*|\w*-?[Rr]eceptors?|\w+ase\b)",
)
_CHEMICAL = re.compile(
    r"(ine|ide|ol|one|ate|ane|ene|yl|acid|ium|in|ins|an|am|il|ib|mab|azole|ids)$", re.IGNORECASE
)


def protein_score(name: str) -> float:
    """How protein-like a name looks (positive) versus chemical-like (negative)."""
    s = 0.0
    if _PROTEIN.search(name):
        s += 1.0
    if re.search(r"\b[A-Z][A-Z0-9]{1,}[0-9]\b", name) or re.fullmatch(r"[A-Z0-9-]{2,8}", name):
        s += 0.5
    last = name.split()[-1] if name.split() else name
    if _CHEMICAL.search(last) and not _PROTEIN.search(name):
        s -= 0.7
    if re.search(r"\d+[,-]\d+|\(\w+\)-|-yl|oxy|hydro|methyl|ethyl|chlor|fluor", name):
        s -= 1.0
    return s


_CP = re.compile(r"<< (.+?) >>|\[\[ (.+?) \]\]")


def _strip_markers(marked: str) -> tuple[str, tuple[int, int], tuple[int, int]] | None:
    out: list[str] = []
    pos = 0
    length = 0
    found: dict[str, tuple[int, int]] = {}
    for m in _CP.finditer(marked):
        chunk = marked[pos : m.start()]
        out.append(chunk)
        length += len(chunk)
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        found["a" if m.group(1) is not None else "b"] = (length, length + len(inner))
        out.append(inner)
        length += len(inner)
        pos = m.end()
    out.append(marked[pos:])
    if set(found) != {"a", "b"}:
        return None
    return "".join(out), found["a"], found["b"]


@dataclass(frozen=True, slots=True)
class ChemprotSentence:
    text: str
    entities: tuple[tuple[int, int, EntityType], ...]  # (start, end, inferred type)
    pairs: dict[tuple[int, int], str]  # (chemical, protein) entity indices -> CPR group or "none"
    skipped: int = 0  # chemical-protein-looking pairs whose sides could not be told


def chemprot_sentences(lines: Iterable[str]) -> Iterator[ChemprotSentence]:
    """Group ChemProt's one-pair-per-line records into sentences, with typed entities and
    the negatives the grouping reveals (see the module docstring)."""
    groups: dict[str, dict[tuple[tuple[int, int], tuple[int, int]], str]] = defaultdict(dict)
    order: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        parsed = _strip_markers(rec["text"])
        group = CPR_GROUP.get(rec["label"])
        if parsed is None or group is None:
            continue
        text, a, b = parsed
        if text not in groups:
            order.append(text)
        groups[text].setdefault((a, b), group)
    for text in order:
        rels = groups[text]
        ents = sorted({s for pair in rels for s in pair})
        index = {s: i for i, s in enumerate(ents)}
        adj: dict[int, set[int]] = defaultdict(set)
        for a, b in rels:
            adj[index[a]].add(index[b])
            adj[index[b]].add(index[a])
        colour: dict[int, int] = {}
        comp: dict[int, int] = {}
        conflict: set[int] = set()
        for start in range(len(ents)):
            if start in colour:
                continue
            colour[start], comp[start] = 0, start
            stack = [start]
            while stack:
                u = stack.pop()
                for v in adj[u]:
                    if v not in colour:
                        colour[v], comp[v] = 1 - colour[u], start
                        stack.append(v)
                    elif colour[v] == colour[u]:
                        conflict.add(start)
        # which colour of each component is the protein side
        score: dict[tuple[int, int], float] = defaultdict(float)
        for i, (s, e) in enumerate(ents):
            score[(comp[i], colour[i])] += protein_score(text[s:e])
        protein_colour = {c: 0 if score[(c, 0)] >= score[(c, 1)] else 1 for c in set(comp.values())}
        etype = {
            i: EntityType.GENE if colour[i] == protein_colour[comp[i]] else EntityType.DRUG
            for i in range(len(ents))
        }
        pairs: dict[tuple[int, int], str] = {}
        skipped = 0
        for i in range(len(ents)):
            for j in range(len(ents)):
                if etype[i] is not EntityType.DRUG or etype[j] is not EntityType.GENE:
                    continue
                if comp[i] != comp[j] or comp[i] in conflict:
                    skipped += 1
                    continue
                pairs[(i, j)] = (
                    rels.get((ents[i], ents[j])) or rels.get((ents[j], ents[i])) or "none"
                )
        yield ChemprotSentence(
            text, tuple((s, e, etype[i]) for i, (s, e) in enumerate(ents)), pairs, skipped
        )


def chemprot_examples(
    lines: Iterable[str], count_tokens: CountTokens, max_tokens: int
) -> Iterator[tuple[dict, Counter[str]]]:
    labels = TASK_LABELS["chemprot"]
    for n, cs in enumerate(chemprot_sentences(lines)):
        stats: Counter[str] = Counter()
        spans = [Span(s, e, t) for s, e, t in cs.entities]
        w = build_windows(cs.text, [(0, len(cs.text))], spans, count_tokens, max_tokens)[0]
        slot = {idx: k for k, idx in enumerate(w.spans)}
        mentions = [[0, off] for off in w.markers]
        entities = [[TYPE_INDEX[spans[idx].type], [k]] for k, idx in enumerate(w.spans)]
        pairs = [
            [
                slot[i],
                slot[j],
                *head_labels("chemprot", labels.index(label), (EntityType.DRUG, EntityType.GENE)),
            ]
            for (i, j), label in cs.pairs.items()
            if i in slot and j in slot
        ]
        stats["pairs"] += len(pairs)
        stats["positives"] += sum(1 for p in pairs if p[2 + TASKS.index("chemprot")] > 0)
        stats["pairs_skipped_unknown_sides"] += cs.skipped
        stats["windows"] += 1
        yield (
            {
                "id": f"chemprot:{n}",
                "task": "chemprot",
                "windows": [w.text],
                "mentions": mentions,
                "entities": entities,
                "pairs": pairs,
            },
            stats,
        )


def labels_json(max_tokens: int) -> dict:
    return {
        "tasks": {t: list(TASK_LABELS[t]) for t in TASKS},  # head order = pair label order
        "types": [t.value for t in TYPE_ORDER],
        "markers": {t.value: m for t, m in MARKERS.items()},
        "max_tokens": max_tokens,
    }


def prepare(
    data_dir: Path,
    out_dir: Path,
    tokenizer_json: Path,
    tasks: Iterable[str] = ("biored", "cdr", "chemprot"),
    splits: Iterable[str] = ("train", "dev"),
    max_tokens: int = 510,
    limit: int | None = None,
) -> dict[str, dict[str, int]]:
    """Write ``{split}.jsonl`` and ``labels.json`` into ``out_dir``; returns counts."""
    from loaders.pubtator import read_pubtator

    count = tokenizer_counter(tokenizer_json)
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, dict[str, int]] = {}
    for split in splits:
        with open(out_dir / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for task in tasks:
                path = data_dir / CORPORA[task][SPLITS.index(split)]
                stats: Counter[str] = Counter()
                n = 0
                if task == "chemprot":
                    with open(path, encoding="utf-8") as src:
                        items: Iterable[tuple[dict, Counter[str]]] = chemprot_examples(
                            src, count, max_tokens
                        )
                        for ex, st in items:
                            if limit is not None and n >= limit:
                                break
                            fh.write(json.dumps(ex, separators=(",", ":")) + "\n")
                            stats.update(st)
                            n += 1
                else:
                    for doc in read_pubtator(path):
                        if isinstance(doc, Exception):
                            stats["bad_documents"] += 1
                            continue
                        if limit is not None and n >= limit:
                            break
                        ex, st = document_example(doc, task, count, max_tokens)
                        fh.write(json.dumps(ex, separators=(",", ":")) + "\n")
                        stats.update(st)
                        n += 1
                stats["examples"] = n
                report[f"{split}/{task}"] = dict(stats)
    (out_dir / "labels.json").write_text(json.dumps(labels_json(max_tokens), indent=1))
    (out_dir / "prepare_stats.json").write_text(json.dumps(report, indent=1, sort_keys=True))
    return report
