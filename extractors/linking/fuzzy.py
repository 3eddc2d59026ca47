"""Character n-gram TF-IDF over KB names: the fallback when no dictionary key matches.

One index per entity type, built on first use (a second or two for drugs) and kept by
its owner. A query is a sparse row; its cosine with every name is one sparse product
against the transposed matrix, which touches only the names sharing an n-gram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from extractors.linking.normalize import norm

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
