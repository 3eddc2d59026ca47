"""Unlabelled biomedical text for domain-adaptive pretraining (step 1 of ``medkg train mlm``).

The packaged encoder learnt its language from general web text; a few minutes of masked
language modelling on biomedical abstracts adapts it before fine-tuning (Gururangan et al.
2020, "Don't stop pretraining"). Only text the task models may learn from goes in: the
train and dev splits of the annotated corpora, JNLPBA's training abstracts and the PubMed /
PMC sample. Every test split is held out twice over: its PubMed ids drop whole documents
and its sentences (compared without case, spaces or punctuation) drop single sentences, so
a test abstract that reached another source by another route is still not seen.
Non-commercial corpora (DDI, PGxCorpus) and evaluation-only texts (drug labels, CIViC,
PharmGKB) are not read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extractors.ner.corpora import CORPORA, read_corpus
from extractors.sentences import split_text
from kg.errors import BadInputError

log = logging.getLogger(__name__)

TEXT_FILE = "text.jsonl.gz"
MANIFEST = "manifest.json"
DEV_EVERY = 50  # every 50th document is the held-out slice for the MLM loss
_CONLL_GROUP = 10  # BC2GM sentences per pseudo-document, so sequences pack across them
MIN_KEY = 20  # shorter sentences ("Results.", "Methods:") recur everywhere: never matched
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PMID = re.compile(r"(?:PMID:)?(\d+)")
_CHEMPROT_MARKS = re.compile(r"<< | >>|\[\[ | \]\]|<<|>>|\[\[|\]\]")


@dataclass(frozen=True, slots=True)
class Text:
    source: str  # e.g. "bc5cdr:train"
    id: str
    text: str


def sentence_key(text: str) -> str:
    """A sentence as compared against the test splits: lower case, letters and digits only."""
    return _NOT_ALNUM.sub("", text.lower())


def pmid_of(doc_id: str) -> str | None:
    """The PubMed id a document id names ("PMID:123" or "123"); None for any other id."""
    m = _PMID.fullmatch(doc_id)
    return m.group(1) if m else None


@dataclass
class HeldOut:
    """What the test splits forbid: their PubMed ids and their sentences."""

    pmids: set[str]
    sentences: set[str]

    def keep(self, item: Text, stats: Counter) -> Text | None:
        """``item`` without test sentences; None when it is a test document or nothing is left."""
        pmid = pmid_of(item.id)
        if pmid and pmid in self.pmids:
            stats["dropped_test_documents"] += 1
            return None
        kept = []
        for a, b in split_text(item.text):
            sentence = item.text[a:b]
            key = sentence_key(sentence)
            if len(key) >= MIN_KEY and key in self.sentences:
                stats["dropped_test_sentences"] += 1
                continue
            kept.append(sentence)
        if not kept:
            return None
        return Text(item.source, item.id, " ".join(kept))


def held_out(root: Path) -> HeldOut:
    pmids: set[str] = set()
    sentences: set[str] = set()
    for spec in CORPORA.values():
        for doc in read_corpus(root / spec.splits["test"], spec.format):
            if spec.format == "pubtator" and (p := pmid_of(doc.id)):
                pmids.add(p)
            sentences.update(_keys(doc.text))
    for row in _jsonl(root / "chemprot" / "test.jsonl"):
        sentences.update(_keys(_CHEMPROT_MARKS.sub("", row["text"])))
    jnlpba = root / "jnlpba"
    muid_to_pmid = muid_pmids(jnlpba / "MUID-PMID-map.txt")
    for path in sorted((jnlpba / "standoff" / "test").glob("*.txt")):
        pmids.add(muid_to_pmid.get(path.stem, path.stem))
        sentences.update(_keys(path.read_text(encoding="utf-8")))
    return HeldOut(pmids, sentences)


def _keys(text: str) -> Iterator[str]:
    for a, b in split_text(text):
        key = sentence_key(text[a:b])
        if len(key) >= MIN_KEY:
            yield key


def _jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def muid_pmids(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


def sources(root: Path, stats: Counter) -> Iterator[Text]:
    """Every trainable text, source by source, before the test filter; records the
    loaders refuse are logged and counted in ``stats``."""
    for spec in CORPORA.values():
        for split in ("train", "dev"):
            docs = read_corpus(root / spec.splits[split], spec.format)
            name = f"{spec.name}:{split}"
            if spec.format == "conll":
                yield from _grouped(name, [d.text for d in docs])
            else:
                yield from (Text(name, d.id, d.text) for d in docs)
    for split in ("train", "dev"):
        seen: set[str] = set()
        texts = []
        for row in _jsonl(root / "chemprot" / f"{split}.jsonl"):
            text = _CHEMPROT_MARKS.sub("", row["text"])
            if text not in seen:  # one sentence per marked pair: read each once
                seen.add(text)
                texts.append(text)
        yield from _grouped(f"chemprot:{split}", texts)
    jnlpba = root / "jnlpba"
    muid_to_pmid = muid_pmids(jnlpba / "MUID-PMID-map.txt")
    for path in sorted((jnlpba / "standoff" / "train").glob("*.txt")):
        pmid = muid_to_pmid.get(path.stem, path.stem)
        yield Text("jnlpba:train", f"PMID:{pmid}", path.read_text(encoding="utf-8"))
    yield from _literature(root / "pubmed", stats)


def _grouped(source: str, sentences: list[str]) -> Iterator[Text]:
    for k in range(0, len(sentences), _CONLL_GROUP):
        yield Text(source, f"{source}:{k}", " ".join(sentences[k : k + _CONLL_GROUP]))


def _literature(directory: Path, stats: Counter) -> Iterator[Text]:
    from kg.model import Document
    from loaders import iter_documents

    for item in iter_documents(directory):
        if isinstance(item, Document):
            if item.text.strip():
                yield Text("pubmed", item.id, item.text)
        else:
            stats["unreadable_records"] += 1
            log.warning("skipping %s", item)


def prepare(out_dir: str | Path, data_root: str | Path) -> dict:
    """Write ``text.jsonl.gz`` (``{"source", "id", "split", "text"}`` per document) and
    ``manifest.json`` (counts per source, what the test filter dropped, the text's sha256)."""
    root = Path(data_root)
    if not root.is_dir():
        raise BadInputError(f"{root}: no such data directory")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    forbidden = held_out(root)
    stats: Counter = Counter()
    per_source: dict[str, Counter] = {}
    seen_pmids: set[str] = set()
    path = out / TEXT_FILE
    digest = hashlib.sha256()  # of the text, not the gzip bytes: reruns give the same value
    with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        for n, item in enumerate(_unique(sources(root, stats), seen_pmids, stats)):
            kept = forbidden.keep(item, stats)
            if kept is None:
                continue
            split = "dev" if n % DEV_EVERY == DEV_EVERY - 1 else "train"
            counts = per_source.setdefault(kept.source, Counter())
            counts["documents"] += 1
            counts["characters"] += len(kept.text)
            record = {"source": kept.source, "id": kept.id, "split": split, "text": kept.text}
            line = json.dumps(record) + "\n"
            digest.update(line.encode("utf-8"))
            fh.write(line)
    manifest = {
        "file": TEXT_FILE,
        "text_sha256": digest.hexdigest(),
        "sources": {k: dict(v) for k, v in sorted(per_source.items())},
        "held_out": {
            "test_pmids": len(forbidden.pmids),
            "test_sentences": len(forbidden.sentences),
            **stats,
        },
        "dev_every": DEV_EVERY,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _unique(items: Iterable[Text], seen: set[str], stats: Counter) -> Iterator[Text]:
    """A PubMed id read once across sources (BioRED and BC5CDR share abstracts)."""
    for item in items:
        if pmid := pmid_of(item.id):
            if pmid in seen:
                stats["duplicate_documents"] += 1
                continue
            seen.add(pmid)
        yield item


def read_texts(data_dir: str | Path, split: str) -> list[str]:
    path = Path(data_dir) / TEXT_FILE
    if not path.is_file():
        raise BadInputError(f"{path}: missing; run `medkg train mlm --prepare {data_dir}`")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [r["text"] for line in fh if (r := json.loads(line))["split"] == split]
