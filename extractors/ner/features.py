"""Pure pieces shared by training and serving: words, casing classes, BIO schema, decoding.

Imports only the standard library and numpy, so the GPU training script (which has
torch but none of medkg's other dependencies) and the serving path use the very same
definitions. A change here changes what a trained model means: bump ``FEATURES_VERSION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

FEATURES_VERSION = "1"

# Alphanumeric runs and single other characters: the same cut BERT's pre-tokenizer makes
# (it splits every punctuation character off), so a word never straddles an entity edge
# like "5-FU-induced" or "BRAF(V600E)".
WORD_RE = re.compile(r"[^\W_]+|\S")


def word_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    return [(m.start() + offset, m.end() + offset) for m in WORD_RE.finditer(text)]


def split_words(text: str) -> list[str]:
    return WORD_RE.findall(text)


# The encoder is uncased; the word's shape goes back in through the token-type embedding
# (one row per class, all initialised from BERT's segment-0 row).
CASE_SPECIAL = 0
CASE_LOWER = 1  # insulin
CASE_TITLE = 2  # Insulin
CASE_UPPER = 3  # TNF
CASE_ONE_UPPER = 4  # A
CASE_UPPER_DIGIT = 5  # BRCA1, V600E
CASE_LOWER_DIGIT = 6  # p53, rs123
CASE_MIXED = 7  # mRNA, TNFalpha, IgG
CASE_DIGIT = 8  # 600
CASE_PUNCT = 9  # - ( /
CASE_OTHER = 10
NUM_CASE_CLASSES = 11


def case_class(word: str) -> int:
    if not word:
        return CASE_OTHER
    if len(word) == 1 and not word.isalnum():
        return CASE_PUNCT
    has_upper = any(c.isupper() for c in word)
    has_lower = any(c.islower() for c in word)
    has_digit = any(c.isdigit() for c in word)
    if has_digit and not (has_upper or has_lower):
        return CASE_DIGIT if word.isdigit() else CASE_OTHER
    if has_upper and has_lower:
        if word[0].isupper() and not any(c.isupper() for c in word[1:]) and not has_digit:
            return CASE_TITLE
        return CASE_MIXED
    if has_upper:
        if has_digit:
            return CASE_UPPER_DIGIT
        return CASE_ONE_UPPER if len(word) == 1 else CASE_UPPER
    if has_lower:
        return CASE_LOWER_DIGIT if has_digit else CASE_LOWER
    return CASE_OTHER


# ---------------------------------------------------------------- label schema


@dataclass(frozen=True, slots=True)
class Head:
    """One output head: the BIO labels of the types one corpus annotates."""

    name: str
    types: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        out = ["O"]
        for t in self.types:
            out += [f"B-{t}", f"I-{t}"]
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Schema:
    """All heads, laid side by side in one logits vector, and how types are read off them."""

    heads: tuple[Head, ...]
    # type -> heads whose distributions are averaged to decide that type
    routing: Mapping[str, tuple[str, ...]]

    def offsets(self) -> dict[str, tuple[int, int]]:
        out, pos = {}, 0
        for h in self.heads:
            out[h.name] = (pos, pos + len(h.labels))
            pos += len(h.labels)
        return out

    @property
    def width(self) -> int:
        return sum(len(h.labels) for h in self.heads)

    def head(self, name: str) -> Head:
        for h in self.heads:
            if h.name == name:
                return h
        raise KeyError(name)

    def to_json(self) -> dict:
        return {
            "heads": [{"name": h.name, "types": list(h.types), "labels": list(h.labels)} for h in self.heads],
            "routing": {t: list(hs) for t, hs in self.routing.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Schema:
        heads = tuple(Head(h["name"], tuple(h["types"])) for h in data["heads"])
        for h, raw in zip(heads, data["heads"], strict=True):
            if "labels" in raw and tuple(raw["labels"]) != h.labels:
                raise ValueError(f"head {h.name}: labels {raw['labels']} are not O + B/I per type")
        routing = {t: tuple(hs) for t, hs in data.get("routing", {}).items()}
        if not routing:  # default: each type from every head that has it
            for h in heads:
                for t in h.types:
                    routing.setdefault(t, ())
                    routing[t] += (h.name,)
        return cls(heads, routing)


def bio_tags(n_words: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """Word tags from (first word, end word, type) spans; longer spans win overlaps."""
    tags = ["O"] * n_words
    for start, end, etype in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if start >= end or any(t != "O" for t in tags[start:end]):
            continue
        tags[start] = f"B-{etype}"
        for i in range(start + 1, end):
            tags[i] = f"I-{etype}"
    return tags


def tag_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first word, end word, type) for every span in a BIO sequence (a stray I- opens one)."""
    spans: list[tuple[int, int, str]] = []
    start, etype = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, t = tag.partition("-")
        if start >= 0 and (prefix != "I" or t != etype):
            spans.append((start, i, etype))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, etype = i, t
    return spans


# ---------------------------------------------------------------- decoding

_NEG = -1e9
# 3 states per type: 0 = outside, 1 = begin, 2 = inside; inside only after begin/inside.
_ALLOWED = np.array([[0.0, 0.0, _NEG], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def type_distribution(head_probs: np.ndarray, head: Head, etype: str) -> np.ndarray:
    """[n_words, 3] (outside, begin, inside) for one type from one head's label probabilities."""
    i = head.types.index(etype)
    b = head_probs[:, 1 + 2 * i]
    inside = head_probs[:, 2 + 2 * i]
    out = np.clip(1.0 - b - inside, 0.0, 1.0)
    return np.stack([out, b, inside], axis=1)


def decode_type(dist: np.ndarray) -> list[tuple[int, int, float, float]]:
    """Best BIO path for one type; returns (first word, end word, mean prob, min prob).

    The unconstrained argmax is the answer whenever it is a valid BIO sequence (it already
    maximises the product of probabilities); only otherwise run Viterbi, which repairs
    stray inside tags instead of inventing or dropping spans.
    """
    n = dist.shape[0]
    if n == 0:
        return []
    path = dist.argmax(axis=1)
    prev = np.concatenate([[0], path[:-1]])
    if np.any((path == 2) & (prev == 0)):
        path = _viterbi(np.log(np.maximum(dist, 1e-12)))
    spans = []
    i = 0
    while i < n:
        if path[i] == 0:
            i += 1
            continue
        j = i + 1
        while j < n and path[j] == 2:
            j += 1
        p = dist[np.arange(i, j), path[i:j]]
        spans.append((i, j, float(p.mean()), float(p.min())))
        i = j
    return spans


def _viterbi(logp: np.ndarray) -> np.ndarray:
    n = logp.shape[0]
    score = logp[0] + np.array([0.0, 0.0, _NEG])
    back = np.zeros((n, 3), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + _ALLOWED  # from x to
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + logp[t]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(score.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def head_probabilities(logits: np.ndarray, schema: Schema) -> dict[str, np.ndarray]:
    """Per-head softmax of [n_words, width] logits."""
    return {name: softmax(logits[:, a:b]) for name, (a, b) in schema.offsets().items()}


def decode_words(
    probs: Mapping[str, np.ndarray], schema: Schema, types: Iterable[str] | None = None
) -> list[tuple[int, int, str, float, float]]:
    """Spans (first word, end word, type, mean prob, min prob) for each routed type."""
    spans = []
    for etype in types if types is not None else schema.routing:
        heads = [h for h in schema.routing.get(etype, ()) if h in probs]
        if not heads:
            continue
        dist = sum(type_distribution(probs[h], schema.head(h), etype) for h in heads) / len(heads)
        spans += [(a, b, etype, mean, low) for a, b, mean, low in decode_type(dist)]
    return spans


# ---------------------------------------------------------------- scoring


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set, pred: set) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    def as_dict(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def score_spans(
    gold: Iterable[tuple], pred: Iterable[tuple], types: Iterable[str]
) -> dict[str, dict]:
    """Strict match of (key..., type) tuples whose last element is the type."""
    types = list(types)
    per = {t: Counts() for t in types}
    micro = Counts()
    g_all = {g for g in gold if g[-1] in per}
    p_all = {p for p in pred if p[-1] in per}
    for t in types:
        g = {x for x in g_all if x[-1] == t}
        p = {x for x in p_all if x[-1] == t}
        per[t].add(g, p)
    micro.add(g_all, p_all)
    return {"per_type": {t: c.as_dict() for t, c in per.items()}, "micro": micro.as_dict()}
