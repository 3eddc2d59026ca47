"""Whether a document studies another organism than man, read from its words.

The KB's genes are human (NCBI's human gene_info): in a study of mice or rats, "Ptgs2" or
"TNF-alpha" names the animal's gene, and linking it to the human gene would put a wrong id
in the graph. Such mentions stay unlinked. A document that names both an animal and a
human subject ("patients", "human cells") keeps its links: there the human gene is meant
at least as often as not (BioRED training split: 238 of the 474 gene concepts in such
documents are human, against 68 of 431 where only an animal is named). A xenograft is a
human tumour in an animal, so it counts as a human subject.

Evidence summaries and drug labels are human by their scope: CIViC and PharmGKB curate
human genes, whatever host a preclinical study used ("Ba/F3 cells with FLT3 D835V", "KIT
cDNA transfected into hamster ovary cells"), and a label's genes are its patients'.
"""

from __future__ import annotations

import re

from kg.model import Document

# sources whose genes are human whatever organism their text names
HUMAN_SCOPE = frozenset({"civic", "pharmgkb", "spl", "openfda"})

# not where the word is part of a human gene's name ("Kirsten rat sarcoma", "mouse double
# minute 2") or of an assay ("yeast two-hybrid")
_NON_HUMAN = re.compile(
    r"\b(?:mice|(?:mouse|murine)(?!\s+double\s+minute)|rats?(?!\s+sarcoma)|zebrafish|"
    r"drosophila|yeast(?![\s-]+(?:two|2|one|1|three)[\s-]hybrid)|rabbits?|dogs?|canine|"
    r"porcine|pigs?|bovine|hamsters?|chicks?|chickens?|xenopus|c\. elegans|arabidopsis)\b",
    re.IGNORECASE,
)
# "family" and "cases" are left out: "the Wnt family" and "in some cases" name no one
_HUMAN = re.compile(
    r"\b(?:patients?|humans?|men|women|children|subjects|individuals|probands?|participants|"
    r"people|persons?|infants?|girls?|boys?|cohorts?|xenograft\w*)\b",
    re.IGNORECASE,
)


def non_human(text: str) -> bool:
    """True when the text names a non-human organism and no human subject."""
    return _NON_HUMAN.search(text) is not None and _HUMAN.search(text) is None


def non_human_document(doc: Document) -> bool:
    """A document outside ``HUMAN_SCOPE`` whose text is about another organism only."""
    return doc.source not in HUMAN_SCOPE and non_human(doc.text)


# HIV's own genes and proteins, which human genes' aliases spell alike ("PR" is PGR's, "RT"
# POMT1's, "pol" ERVW-4's): in a text about HIV they are the virus's
_HIV = re.compile(r"\bHIV(?:-?[12])?\b")
HIV_GENES = frozenset(
    {
        "pol", "gag", "env", "nef", "tat", "rev", "vif", "vpr", "vpu", "rt", "pr", "in",
        "gp120", "gp41", "gp160", "p24", "p17", "reverse transcriptase", "protease",
        "integrase", "capsid", "rnase h", "rnase h domain",
    }
)  # fmt: skip
# and so for the other viruses of cancer and hepatitis papers: EBV's "LMP1" is PDLIM7's
# alias and "LMP2" PSMB9's, HPV's "E2" and "L1" are DBT's and CYRIB's, HCV's "NS3" KRAS's
VIRAL_GENES = (
    (_HIV, HIV_GENES),
    (
        re.compile(r"\b(?:EBV|Epstein[\s-]+Barr)\b", re.IGNORECASE),
        frozenset(
            {
                "lmp1", "lmp-1", "lmp2", "lmp-2", "lmp2a", "lmp2b", "ebna1", "ebna-1",
                "ebna2", "ebna-2", "ebna3", "bzlf1", "brlf1", "barf1",
            }
        ),
    ),
    (
        re.compile(r"\b(?:HPV(?:-?\d+)?|papilloma\s*virus(?:es)?)\b", re.IGNORECASE),
        frozenset({"e1", "e2", "e4", "e5", "e6", "e7", "l1", "l2"}),
    ),
    (
        re.compile(r"\b(?:HCV|hepatitis\s+C)\b", re.IGNORECASE),
        frozenset({"ns2", "ns3", "ns4a", "ns4b", "ns5a", "ns5b", "ns3/4a", "e1", "e2"}),
    ),
    (re.compile(r"\b(?:HBV|hepatitis\s+B)\b", re.IGNORECASE), frozenset({"hbx", "x protein"})),
)  # fmt: skip


# words after a gene's name that name its state or part ("RNase H mutations", "pol gene")
_TAIL = re.compile(r"(?:[\s-]+(?:mutations?|mutants?|genes?|domains?|regions?|sequences?))+$")


def viral_gene(doc: Document, name: str) -> bool:
    """Whether ``name`` is one of a virus's genes in a document that names the virus."""
    key = _TAIL.sub("", name.strip().lower())
    return any(key in genes and virus.search(doc.text) for virus, genes in VIRAL_GENES)
