"""Turn the gold corpora into compact training files (step 1 of ``medkg train ner``).

One gzipped JSONL file per corpus and split, one sentence per line: ``{"id", "words",
"tags"}``. Words come from the same sentence splitter and word pattern the recognizer
uses at run time, so training sees exactly the units serving will. ``manifest.json``
names the heads (corpus -> types) and counts what could not be aligned.

Auxiliary corpora (``corpora.AUXILIARY``, JNLPBA) are held to the rule the MLM text
follows: a document whose PubMed id belongs to a test split, and a sentence that matches
a test sentence, are left out (``extractors.mlm.corpus.held_out``).
"""

from __future__ import annotations

import gzip
import json
import logging
from bisect import bisect_left, bisect_right
from collections import Counter
from pathlib import Path

from extractors.mlm.corpus import MIN_KEY, HeldOut, held_out, muid_pmids, sentence_key
from extractors.ner.corpora import (
    AUXILIARY,
    CORPORA,
    EVAL_NAME,
    CorpusSpec,
    corpus_spec,
    read_corpus,
)
from extractors.ner.features import FEATURES_VERSION, bio_tags, word_spans
from extractors.sentences import RuleSentenceSplitter
from kg.model import Document, Sentence

log = logging.getLogger(__name__)

DEFAULT_DATA_ROOT = Path("/work/shared/data")


def doc_examples(
    doc: Document,
    types: tuple[str, ...],
    splitter: RuleSentenceSplitter,
    stats: Counter,
    forbidden: HeldOut | None = None,
) -> list[dict]:
    """Sentence records of one document, BIO-tagged with its gold mentions of ``types``;
    sentences ``forbidden`` holds (test sentences) are left out."""
    gold = [m for m in doc.mentions if EVAL_NAME.get(m.type) in types]
    out = []
    used = set()
    # a CoNLL document is one sentence already (cut the way its annotators cut it)
    sentences = [Sentence(0, len(doc.text), doc.text)] if doc.source == "conll" else splitter.split(doc)
    for k, sent in enumerate(sentences):
        if forbidden is not None and _is_test_sentence(sent.text, forbidden):
            stats["dropped_test_sentences"] += 1
            used.update(i for i, m in enumerate(gold) if m.start < sent.end and m.end > sent.start)
            continue
        spans = word_spans(sent.text, sent.start)
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        word_labels = []
        for idx, m in enumerate(gold):
            if m.end <= sent.start or m.start >= sent.end:
                continue
            if m.start < sent.start or m.end > sent.end:
                stats["crosses_sentence"] += 1
                used.add(idx)
                continue
            used.add(idx)
            a = bisect_right(ends, m.start)  # first word ending after the mention starts
            b = bisect_left(starts, m.end)  # words starting before the mention ends
            if a >= b:
                stats["no_words"] += 1
                continue
            if starts[a] != m.start or ends[b - 1] != m.end:
                stats["misaligned"] += 1
            stats[f"mentions_{EVAL_NAME[m.type]}"] += 1
            word_labels.append((a, b, EVAL_NAME[m.type]))
        words = [doc.text[s:e] for s, e in spans]
        tags = bio_tags(len(words), word_labels)
        stats["overlap_dropped"] += len(word_labels) - sum(t.startswith("B-") for t in tags)
        if words:
            out.append({"id": f"{doc.id}#{k}", "words": words, "tags": tags})
    stats["outside_sentences"] += len(gold) - len(used)
    return out


def _is_test_sentence(text: str, forbidden: HeldOut) -> bool:
    key = sentence_key(text)
    return len(key) >= MIN_KEY and key in forbidden.sentences


def prepare_corpus(
    spec: CorpusSpec,
    split: str,
    data_root: Path,
    out_dir: Path,
    limit: int | None = None,
    forbidden: HeldOut | None = None,
    pmids: dict[str, str] | None = None,
) -> dict:
    """One split of one corpus; with ``forbidden``, test documents (by PubMed id, through
    ``pmids`` where document ids are not PubMed ids) and test sentences are left out."""
    docs = read_corpus(data_root / spec.splits[split], spec.format)
    if limit is not None:
        docs = docs[:limit]
    splitter = RuleSentenceSplitter()
    stats: Counter = Counter()
    path = out_dir / f"{spec.name}.{split}.jsonl.gz"
    n = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        for doc in docs:
            if forbidden is not None and (pmids or {}).get(doc.id, doc.id) in forbidden.pmids:
                stats["dropped_test_documents"] += 1
                continue
            for rec in doc_examples(doc, spec.types, splitter, stats, forbidden):
                fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
                n += 1
    stats["documents"] = len(docs)
    stats["sentences"] = n
    log.info("%s %s: %s", spec.name, split, dict(stats))
    return {"file": path.name, **dict(sorted(stats.items()))}


def prepare(
    out_dir: str | Path,
    data_root: str | Path = DEFAULT_DATA_ROOT,
    corpora: list[str] | None = None,
    splits: tuple[str, ...] = ("train", "dev"),
    limit: int | None = None,
) -> dict:
    """Write the training files and ``manifest.json`` into ``out_dir``; returns the manifest.

    Heads keep the order of ``corpora`` (the default: every corpus of ``CORPORA``); a split
    an auxiliary corpus lacks (JNLPBA has no dev) is skipped."""
    out_dir, data_root = Path(out_dir), Path(data_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = corpora or list(CORPORA)
    specs = [corpus_spec(n) for n in names]
    manifest: dict = {
        "features_version": FEATURES_VERSION,
        "data_root": str(data_root),
        "heads": [{"name": s.name, "types": list(s.types)} for s in specs],
        "files": {},
    }
    forbidden = held_out(data_root) if any(s.name in AUXILIARY for s in specs) else None
    for spec in specs:
        auxiliary = spec.name in AUXILIARY
        pmids = muid_pmids(data_root / spec.pmid_map) if auxiliary and spec.pmid_map else None
        for split in splits:
            if split not in spec.splits:
                continue
            manifest["files"][f"{spec.name}.{split}"] = prepare_corpus(
                spec, split, data_root, out_dir, limit, forbidden if auxiliary else None, pmids
            )
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
