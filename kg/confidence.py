"""How a statement's confidence follows from its evidence.

    confidence = 1 - prod over documents d of (1 - w(d) * s(d))

* s(d) is the best score among the document's supporting evidence, so a paper
  that repeats a claim in ten sentences counts once (INDRA users' complaint).
* w(d) weighs the kind of source: an FDA label (0.95) or curated summary (0.9)
  is worth more than one literature sentence (0.8).
* speculative evidence ("may be associated") counts at half weight.
* negated evidence ("did not inhibit") supports nothing; it is kept and shown.
* an end linked without a name of its entity as written (a near spelling, leading words
  dropped: ``Evidence.subject_link`` / ``object_link``) counts at that way's precision
  relative to an exact name's (``LINK_FACTOR``): a statement resting on "brest tumor" read as
  breast neoplasms is less sure than one on "breast tumor".

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
# Mention-level precision of each way of linking, over the BC5CDR, NCBI-disease and BioRED
# dev splits pooled (train-only KB; ``medkg eval linking --json``, its "by_link"): exact 0.94,
# rewritten 0.87, fuzzy 0.72, loose 0.72, trimmed 0.59. Each factor is its precision over
# exact's; a way not listed (exact, an abbreviation's long form, the label's own drug, a
# variant on its gene ...) counts in full. A way is looked up whole, then by its last step
# ("elided:fuzzy" is fuzzy). An abbreviation's long form is written in full: matched by a
# near spelling it was right as often as an exact name (long:fuzzy 55 of 59, 0.93), and
# loosely more often than a loose match (long:loose 34 of 39, 0.87).
LINK_FACTOR = {
    "rewritten": 0.93,
    "fuzzy": 0.77,
    "loose": 0.77,
    "trimmed": 0.63,
    "long:fuzzy": 1.0,
    "long:loose": 0.93,
}


def link_factor(how: str) -> float:
    return LINK_FACTOR.get(how, LINK_FACTOR.get(how.rpartition(":")[2], 1.0))


def evidence_weight(ev: Evidence) -> float:
    if ev.negated:
        return 0.0
    w = SOURCE_WEIGHT[SourceKind(ev.source_kind)] * max(0.0, min(1.0, ev.score))
    w *= link_factor(ev.subject_link) * link_factor(ev.object_link)
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
