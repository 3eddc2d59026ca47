"""Whether a document studies another organism than man, read from its words.

The KB's genes are human (NCBI's human gene_info): in a study of mice or rats, "Ptgs2" or
"TNF-alpha" names the animal's gene, and linking it to the human gene would put a wrong id
in the graph. Such mentions stay unlinked. A document that names both an animal and a
human subject ("patients", "human cells") keeps its links: there the human gene is meant
at least as often as not (BioRED training split: 238 of the 474 gene concepts in such
documents are human, against 68 of 431 where only an animal is named).
"""

from __future__ import annotations

import re

_NON_HUMAN = re.compile(
    r"\b(?:mice|mouse|murine|rats?|zebrafish|drosophila|yeast|rabbits?|dogs?|canine|porcine|"
    r"pigs?|bovine|hamsters?|chicks?|chickens?|xenopus|c\. elegans|arabidopsis)\b",
    re.IGNORECASE,
)
# "family" and "cases" are left out: "the Wnt family" and "in some cases" name no one
_HUMAN = re.compile(
    r"\b(?:patients?|humans?|men|women|children|subjects|individuals|probands?|participants|"
    r"people|persons?|infants?|girls?|boys?|cohorts?)\b",
    re.IGNORECASE,
)


def non_human(text: str) -> bool:
    """True when the text names a non-human organism and no human subject."""
    return _NON_HUMAN.search(text) is not None and _HUMAN.search(text) is None
