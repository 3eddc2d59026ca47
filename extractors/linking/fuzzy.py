"""Character n-gram TF-IDF over KB names: the fallback when no dictionary key matches.

One index per entity type, built on first use (a second or two for drugs) and kept by
its owner. A query is a sparse row; its cosine with every name is one sparse product
against the transposed matrix, which touches only the names sharing an n-gram.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from extractors.linking.normalize import norm, tokens

NGRAMS = (3, 3)


@dataclass(frozen=True, slots=True)
class FuzzyHit:
    row: int
    score: float
    surface: str


class FuzzyIndex:
    def __init__(self, surfaces: Sequence[str], rows: Sequence[int]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: only when needed

        keyed: dict[str, int] = {}
        for surface, row in zip(surfaces, rows, strict=True):
            key = norm(surface)
            if key and key not in keyed:  # first = best ranked (callers sort)
                keyed[key] = row
        self._keys = list(keyed)
        self._rows = np.fromiter(keyed.values(), dtype=np.int64, count=len(keyed))
        self._vec = TfidfVectorizer(
            analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, dtype=np.float32
        )
        matrix = self._vec.fit_transform(self._keys)  # rows L2-normalised
        self._mt = matrix.T.tocsr()

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, texts: Sequence[str], k: int = 1) -> list[list[FuzzyHit]]:
        """Best ``k`` names for each text, by cosine similarity."""
        if not texts:
            return []
        q = self._vec.transform([norm(t) for t in texts])
        sims = (q @ self._mt).tocsr()
        out: list[list[FuzzyHit]] = []
        for i in range(sims.shape[0]):
            lo, hi = sims.indptr[i], sims.indptr[i + 1]
            if lo == hi:
                out.append([])
                continue
            data, cols = sims.data[lo:hi], sims.indices[lo:hi]
            top = np.argsort(-data, kind="stable")[:k] if k > 1 else [int(np.argmax(data))]
            out.append(
                [
                    FuzzyHit(int(self._rows[cols[j]]), float(data[j]), self._keys[cols[j]])
                    for j in top
                ]
            )
        return out


_OPPOSITE_PREFIXES = (("hypo", "hyper"), ("hyper", "hypo"), ("brady", "tachy"), ("tachy", "brady"))
# a chemical group swapped for another names another compound ("ethyl" is not "methyl",
# "ethanol" not "methanol"), however few letters apart
_GROUP = re.compile(r"(meth|eth|prop|but|pent|hex|hept|oct|phen|benz|chlor|fluor|brom|iod)(\w*)")


def _group_swap(a: str, b: str) -> bool:
    x, y = _GROUP.fullmatch(a), _GROUP.fullmatch(b)
    return bool(x and y and x.group(1) != y.group(1) and x.group(2) == y.group(2))


def _same_word(a: str, b: str) -> bool:
    """Two words a spelling slip apart ("tumours", "tumor"; "brest", "breast"), never a
    prefix's opposite ("hypocoagulability" is not "hypercoagulability")."""
    if a == b:
        return True
    if any(a.startswith(x) and b.startswith(y) for x, y in _OPPOSITE_PREFIXES):
        return False
    if _group_swap(a, b):
        return False
    n = min(len(a), len(b), 5)
    return n >= 4 and (a[:n] == b[:n] or _one_edit(a, b))


def _one_edit(a: str, b: str) -> bool:
    """One letter added, dropped or changed ("brest", "breast")."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def adds_no_word(query: str, surface: str) -> bool:
    """Whether every word of a fuzzy match's name is a word of the query: a near-miss may
    differ in spelling, not add what the text did not say ("perforation" is not "retinal
    perforation", "impaired liver function" not "impaired renal function")."""
    words = tokens(query)
    return all(any(_same_word(w, q) for q in words) for w in tokens(surface))
