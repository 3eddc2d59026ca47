"""Dev scoring of the NER trainer: each corpus's own head, and the routing serving uses."""

from __future__ import annotations

import numpy as np

from extractors.ner.features import Head, Schema
from extractors.ner.train import score_head, score_served, selection_score

BC5CDR = Head("bc5cdr", ("Chemical", "Disease"))
NCBI = Head("ncbi", ("Disease",))
# serving reads diseases from the BC5CDR head alone
SCHEMA = Schema((BC5CDR, NCBI), {"Chemical": ("bc5cdr",), "Disease": ("bc5cdr",)})


def _logits(bc5cdr_labels: list[int], ncbi_labels: list[int]) -> np.ndarray:
    """[n_words, 8] logits, each head confident in the given label per word."""
    out = np.zeros((len(bc5cdr_labels), SCHEMA.width), np.float32)
    for i, (a, b) in enumerate(zip(bc5cdr_labels, ncbi_labels, strict=True)):
        out[i, a] = 10.0
        out[i, 5 + b] = 10.0
    return out


def test_served_scores_read_a_corpus_through_the_routed_head_not_its_own():
    record = {"words": ["Severe", "asthma", "attacks"], "tags": ["O", "B-Disease", "O"]}
    # the NCBI head finds "Severe asthma"; the BC5CDR head, which serves, finds "asthma"
    logits = _logits([0, 3, 0], [1, 2, 0])
    own = score_head(NCBI, [logits[:, 5:8]], [record])
    served = score_served(SCHEMA, NCBI, [logits], [record])
    assert own["Disease"]["f1"] == 0.0 and own["Disease"]["fp"] == 1
    assert served["Disease"]["f1"] == 1.0
    assert selection_score({"ncbi": served}) == 1.0


def test_a_type_routed_to_several_heads_averages_them():
    schema = Schema((BC5CDR, NCBI), {"Disease": ("bc5cdr", "ncbi")})
    record = {"words": ["asthma"], "tags": ["B-Disease"]}
    logits = np.zeros((1, schema.width), np.float32)
    logits[0, 3] = 2.0  # BC5CDR: begin, p ~ 0.64
    logits[0, 5] = 4.0  # NCBI: outside, p ~ 0.96 -> the average says outside
    served = score_served(schema, NCBI, [logits], [record])
    assert served["Disease"]["fn"] == 1 and served["Disease"]["tp"] == 0
