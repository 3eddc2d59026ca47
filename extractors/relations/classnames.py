"""A gene named as a drug's class: "the EGFR inhibitor erlotinib", "olaparib, a PARP inhibitor".

Literature names a targeted drug by its target far more often than it states the target
("erlotinib inhibits EGFR"). Such a gene mention is the drug's description, not a gene the
text discusses: the relation model, which reads "EGFR mutations" in the same sentence as a
response cue, made it a gene that changes the response to erlotinib, and paired it across
sentences with other drugs ("Resistance to the ALK inhibitor crizotinib ... The PARP
inhibitor olaparib ..." gave crizotinib the target PARP1). So the extractor reads these
constructions by rule: each is a TARGETS statement of that drug with the action the class
word gives, and a gene that the document names only this way is an end of no other relation.

Pure functions over offsets; the extractor supplies the mentions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.model import TargetAction

NOTE = "class name"  # the note of the evidence this rule gives

# The class word and the action it states. A TKI is a tyrosine kinase inhibitor; an
# antibody against a protein binds it; "blockers" of channels, cytokines and receptors alike
# stop them, the sense ChemProt's inhibitor class (CPR:4) has; an inducer raises an enzyme's
# amount, ChemProt's up-regulator (CPR:3).
_ACTIONS: dict[str, TargetAction] = {
    "inhibitor": TargetAction.INHIBITOR,
    "tki": TargetAction.INHIBITOR,
    "blocker": TargetAction.INHIBITOR,
    "antagonist": TargetAction.ANTAGONIST,
    "agonist": TargetAction.AGONIST,
    "activator": TargetAction.ACTIVATOR,
    "inducer": TargetAction.ACTIVATOR,
    "antibody": TargetAction.BINDER,
    "antibodies": TargetAction.BINDER,
}
_WORD = (
    r"(?:(?:receptor\s+)?(?:tyrosine\s+|serine/threonine\s+)?kinases?\s+)?"
    r"(?P<word>inhibitor|TKI|blocker|antagonist|agonist|activator|inducer|"
    r"(?:monoclonal\s+)?antibod(?:y|ies))(?P<plural>s?)"
)
# An abbreviation of the class in brackets: "tyrosine kinase inhibitor (TKI) erlotinib".
_ABBR = r"(?:\s*\([A-Za-z-]{2,8}s?\))?"

# gene, then the class, then the drug: "EGFR inhibitor erlotinib", "EGFR-TKI gefitinib",
# "anti-HER2 monoclonal antibody trastuzumab"
_CLASS_THEN_DRUG = re.compile(r"^[\s-]*" + _WORD + _ABBR + r"\s*,?\s*$", re.I)
# drug, then "a/an ... gene ...": "olaparib, a PARP inhibitor", "erlotinib (an oral EGFR
# tyrosine kinase inhibitor)", "vemurafenib is a selective BRAF inhibitor"
_DRUG_IS_A = re.compile(
    r"^\s*(?:,|\(|\bis\b|\bwas\b|,\s*which\s+is\b)\s*(?:an?|the)\s+(?:[\w-]+,?\s+){0,3}"
    r"(?:anti-?)?$",
    re.I,
)
_AFTER_GENE = re.compile(r"^[\s-]*" + _WORD + r"\b", re.I)
# drug, then "an inhibitor of gene": "imatinib, an inhibitor of the BCR-ABL kinase"
_DRUG_WORD_OF = re.compile(
    r"^\s*(?:,|\(|\bis\b|\bwas\b)\s*(?:an?|the)\s+(?:[\w-]+\s+){0,2}"
    + _WORD
    + r"\s+of\s+(?:the\s+)?(?:human\s+)?$",
    re.I,
)
# the words an antibody's target follows: "anti-EGFR", "anti-PD-1"
_ANTI_BEFORE = re.compile(r"\banti-?$", re.I)
# more drugs of a plural class: "BRAF inhibitors vemurafenib and dabrafenib"; the same glue
# before a gene coordinates classes: "ERBB2 (HER2) and ERBB3 inhibitors"
_LIST_GLUE = re.compile(r"^\s*\)?\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|/\s*)$", re.I)


@dataclass(frozen=True, slots=True)
class ClassName:
    """Mention ``gene`` (an index into the caller's gene spans) names the class of mention
    ``drug`` (an index into its drug spans)."""

    drug: int
    gene: int
    action: TargetAction


def _action(match: re.Match) -> TargetAction | None:
    word = match.group("word").lower().split()[-1]
    return _ACTIONS.get(word)


def _is_antibody(action: TargetAction, text: str, gene_start: int) -> bool:
    """An antibody's target is written "anti-X"; "EGFR antibody" can be the reagent."""
    return action is not TargetAction.BINDER or bool(_ANTI_BEFORE.search(text[:gene_start]))


def class_names(
    text: str, drugs: Sequence[tuple[int, int]], genes: Sequence[tuple[int, int]]
) -> list[ClassName]:
    """Every (drug mention, gene mention) pair whose words make the gene the drug's class.

    ``drugs`` and ``genes`` are (start, end) offsets into ``text``. Only adjacent mentions
    count: no other mention may stand between the two."""
    marks = sorted(
        [(s, e, "d", i) for i, (s, e) in enumerate(drugs)]
        + [(s, e, "g", i) for i, (s, e) in enumerate(genes)]
    )
    out: dict[tuple[int, int], ClassName] = {}
    for k, (s, e, kind, i) in enumerate(marks):
        if kind == "g":
            # gene, class word, drug (and more drugs when the class is plural)
            nxt = k + 1
            if nxt >= len(marks) or marks[nxt][2] != "d":
                continue
            m = _CLASS_THEN_DRUG.match(text[e : marks[nxt][0]])
            if not m or not (action := _action(m)) or not _is_antibody(action, text, s):
                continue
            prev = marks[k - 1] if k else None
            if prev and prev[2] == "g" and _LIST_GLUE.match(text[prev[1] : s]):
                continue  # "BRAF and MEK inhibitors dabrafenib and trametinib": whose is which
            out.setdefault((marks[nxt][3], i), ClassName(marks[nxt][3], i, action))
            while m.group("plural") and nxt + 1 < len(marks) and marks[nxt + 1][2] == "d":
                if not _LIST_GLUE.match(text[marks[nxt][1] : marks[nxt + 1][0]]):
                    break
                nxt += 1
                out.setdefault((marks[nxt][3], i), ClassName(marks[nxt][3], i, action))
            continue
        # drug, then "a ... gene inhibitor" or "an inhibitor of gene"
        nxt = k + 1
        if nxt >= len(marks) or marks[nxt][2] != "g":
            continue
        gs, ge, _, g = marks[nxt]
        between = text[e:gs]
        m = None
        if _DRUG_IS_A.match(between):
            m = _AFTER_GENE.match(text[ge:])
        if m is None:
            m = _DRUG_WORD_OF.match(between)
        if m and (action := _action(m)) and _is_antibody(action, text, gs):
            out.setdefault((i, g), ClassName(i, g, action))
    return list(out.values())
