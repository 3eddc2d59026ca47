"""How a statement's confidence follows from its evidence.

    confidence = 1 - prod over documents d of (1 - w(d) * s(d))

* s(d) is the best score among the document's supporting evidence, so a paper
  that repeats a claim in ten sentences counts once (INDRA users' complaint).
* w(d) weighs the kind of source: an FDA label (0.95) or curated summary (0.9)
  is worth more than one literature sentence (0.8).
* speculative evidence ("may be associated") counts at half weight.
* negated evidence ("did not inhibit") supports nothing; it is kept and shown.

Independent documents therefore raise confidence towards 1, but never reach it.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.model import Evidence, SourceKind

SOURCE_WEIGHT = {
    SourceKind.LABEL: 0.95,
    SourceKind.SUMMARY: 0.9,
    SourceKind.LITERATURE: 0.8,
}
SPECULATIVE_FACTOR = 0.5


def evidence_weight(ev: Evidence) -> float:
    if ev.negated:
        return 0.0
    w = SOURCE_WEIGHT[SourceKind(ev.source_kind)] * max(0.0, min(1.0, ev.score))
    return w * SPECULATIVE_FACTOR if ev.speculative else w


def combine(evidence: Iterable[Evidence]) -> float:
    best: dict[str, float] = {}
    for ev in evidence:
        w = evidence_weight(ev)
        if w > best.get(ev.document_id, 0.0):
            best[ev.document_id] = w
    remaining = 1.0
    for w in best.values():
        remaining *= 1.0 - w
    return round(1.0 - remaining, 6)
