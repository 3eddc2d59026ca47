"""What the relation model predicts, and how that becomes our predicates.

The model has one head per training corpus, because the corpora annotate different
things (CDR marks only chemical-induced disease, so a treatment pair is a CDR negative
but a BioRED ``Negative_Correlation``). Heads share the encoder and the pair encoding;
``to_predicates`` decides which head speaks for which entity-type pair.

This module is stdlib-only: the training script reads the same names from labels.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kg.model import EntityType, Predicate, ResponseDirection, TargetAction

NONE = "none"

TASK_LABELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "biored": (
            NONE,
            "Association",
            "Positive_Correlation",
            "Negative_Correlation",
            "Bind",
            "Cotreatment",
            "Comparison",
            "Drug_Interaction",
            "Conversion",
        ),
        "cdr": (NONE, "CID"),
        "chemprot": (NONE, "CPR:3", "CPR:4", "CPR:5", "CPR:6", "CPR:9"),
    }
)
TASKS = tuple(TASK_LABELS)

# Entity type order: fixes which end of a pair comes first (chemical before gene before
# variant before disease), so heads see (chemical, gene) as ChemProt does and
# (chemical, disease) as CDR does.
TYPE_ORDER: tuple[EntityType, ...] = (
    EntityType.DRUG,
    EntityType.GENE,
    EntityType.VARIANT,
    EntityType.DISEASE,
)
TYPE_INDEX: Mapping[EntityType, int] = MappingProxyType({t: i for i, t in enumerate(TYPE_ORDER)})

# One punctuation character per type, put on both sides of every mention. Single
# pre-trained tokens, so short fine-tuning does not have to learn new embeddings.
MARKERS: Mapping[EntityType, str] = MappingProxyType(
    {
        EntityType.DRUG: "@",
        EntityType.GENE: "#",
        EntityType.VARIANT: "^",
        EntityType.DISEASE: "$",
    }
)

# Type pairs each head is trained on and applied to (ordered by TYPE_ORDER).
_D, _G, _V, _S = EntityType.DRUG, EntityType.GENE, EntityType.VARIANT, EntityType.DISEASE
TASK_PAIRS: Mapping[str, frozenset[tuple[EntityType, EntityType]]] = MappingProxyType(
    {
        "biored": frozenset(
            {
                (_D, _D),
                (_D, _G),
                (_D, _V),
                (_D, _S),
                (_G, _G),
                (_G, _V),
                (_G, _S),
                (_V, _V),
                (_V, _S),
            }
        ),
        "cdr": frozenset({(_D, _S)}),
        "chemprot": frozenset({(_D, _G)}),
    }
)

CPR_ACTION: Mapping[str, TargetAction] = MappingProxyType(
    {
        "CPR:3": TargetAction.ACTIVATOR,
        "CPR:4": TargetAction.INHIBITOR,
        "CPR:5": TargetAction.AGONIST,
        "CPR:6": TargetAction.ANTAGONIST,
        "CPR:9": TargetAction.SUBSTRATE,
    }
)


def ordered(a: EntityType, b: EntityType) -> bool:
    """True when (a, b) is already in head order."""
    return TYPE_INDEX[a] <= TYPE_INDEX[b]


def candidate_pair(a: EntityType, b: EntityType) -> bool:
    """Whether any head classifies this (ordered) type pair."""
    return any((a, b) in pairs for pairs in TASK_PAIRS.values())


@dataclass(frozen=True, slots=True)
class PairRelation:
    """One predicate read off the heads for an ordered pair (first, second)."""

    predicate: Predicate
    subject_is_first: bool
    score: float
    qualifiers: tuple[tuple[str, str], ...] = ()
    label: str = ""  # the head label that decided it, e.g. "CPR:4"


_PGX = re.compile(
    r"\b(metaboli[sz]er|genotype|polymorphism|allele|carrier|variant|mutation|mutant|"
    r"pharmacogen\w*|homozygo\w*|heterozygo\w*|snp)s?\b"
    # a tumour's alteration ("ALK-rearranged", "BRAF fusion", "HER2-positive", "wildtype KIT"),
    # or the response itself ("sensitive to", "resistance"): the gene's state changes how the
    # drug works, whatever else the drug does to the gene
    r"|\b(mutated|fusions?|rearrange\w*|amplifi\w*|alterations?|wild-?type|deletions?|"
    r"insertions?|translocations?|sensitiv\w*|resistan\w*|"
    r"[A-Za-z0-9]+-(positive|negative|rearranged|mutant))\b",
    re.IGNORECASE,
)
_TOXIC = re.compile(
    r"\b(toxicit\w*|adverse|side effect\w*|hypersensitivit\w*|myopathy|bleeding)\b", re.I
)
_DOSE = re.compile(r"\b(dose|dosage|dosing)s?\b", re.I)
# how much drug the body keeps, as labels' pharmacogenomics sections say it: "systemic levels
# 3- to 7-fold higher", "reduced enzyme activity" (a poor metaboliser's exposure, which the
# default, sensitivity, would have read as a reason to give the drug)
_METAB = re.compile(
    r"\b(metaboli\w*|clearance|exposure|pharmacokinetic\w*|bioavailability|half-li(fe|ves)|"
    r"auc|cmax|(enzyme|enzymatic) activity|"
    r"(plasma|serum|blood|systemic) (levels?|concentrations?))\b",
    re.I,
)
_RESIST = re.compile(
    r"\b(resistan\w*|refractory|non-?respon\w*|poor(er)? response|"
    r"(low(er)?|reduced|decreased|diminished) (response|sensitivity|efficacy|benefit)\w*|"
    # a label's "diminished antiplatelet effect" in poor metabolisers of a prodrug
    r"(reduced|decreased|diminished|attenuated|impaired) (?!side\b)([a-z]+ )?effect(s|iveness)?|"
    r"less sensitive|insensitiv\w*|ineffective|not sensitive|lack of (response|benefit|efficacy)|"
    r"no (response|benefit))\b",
    re.I,
)


def response_direction(text: str) -> ResponseDirection:
    """Direction of a genotype's effect on drug response, from the evidence's own words.

    Without such words it is sensitivity. BioRED's correlation sign is no guide: "trametinib
    inhibits ERK signalling of ARAF S214C cells" is a negative correlation and a response
    (on a fixed half of CIViC, reading negative correlations as resistance got 61 % of the
    directions right, this 72 %)."""
    if _RESIST.search(text):
        return ResponseDirection.RESISTANCE
    if _TOXIC.search(text):
        return ResponseDirection.TOXICITY
    if _DOSE.search(text):
        return ResponseDirection.DOSAGE
    if _METAB.search(text):
        return ResponseDirection.METABOLISM
    return ResponseDirection.SENSITIVITY


def _affects_response(text: str, bio: tuple[str, float]) -> PairRelation:
    """Variant or gene -> drug, the direction read from the evidence words; in the ordered
    (drug, gene or variant) pair the second, genetic end is the subject."""
    direction = response_direction(text)
    return PairRelation(
        Predicate.AFFECTS_RESPONSE, False, bio[1], (("direction", direction.value),), bio[0]
    )


def _best(probs: Mapping[str, float]) -> tuple[str, float]:
    label = max(probs, key=lambda k: probs[k])
    return label, probs[label]


def to_predicates(
    first: EntityType,
    second: EntityType,
    heads: Mapping[str, Mapping[str, float]],
    text: str = "",
    threshold: float = 0.5,
) -> list[PairRelation]:
    """Map head probabilities for an ordered pair to our predicates.

    ``heads`` maps task -> {label: probability} for the heads that apply to the pair.
    A head "fires" when its best label is not ``none`` and beats ``threshold``.
    Chemical-gene pairs prefer ChemProt's action; chemical-disease pairs prefer CDR's
    CID for CAUSES and BioRED's negative correlation for TREATS.
    """
    out: list[PairRelation] = []

    def fired(task: str) -> tuple[str, float] | None:
        probs = heads.get(task)
        if not probs:
            return None
        label, p = _best(probs)
        return (label, p) if label != NONE and p >= threshold else None

    bio = fired("biored")
    pair = (first, second)
    if pair == (_D, _G):
        cpr = fired("chemprot")
        pgx = bool(_PGX.search(text))
        if (
            pgx
            and bio
            and bio[0] in ("Association", "Positive_Correlation", "Negative_Correlation")
        ):
            out.append(_affects_response(text, bio))
        elif cpr:
            action = CPR_ACTION[cpr[0]]
            out.append(
                PairRelation(Predicate.TARGETS, True, cpr[1], (("action", action.value),), cpr[0])
            )
        elif bio and bio[0] == "Bind":
            out.append(
                PairRelation(
                    Predicate.TARGETS,
                    True,
                    bio[1],
                    (("action", TargetAction.BINDER.value),),
                    bio[0],
                )
            )
        elif bio and bio[0] in ("Positive_Correlation", "Negative_Correlation", "Association"):
            action = {
                "Positive_Correlation": TargetAction.ACTIVATOR,
                "Negative_Correlation": TargetAction.INHIBITOR,
            }.get(bio[0], TargetAction.UNKNOWN)
            out.append(
                PairRelation(Predicate.TARGETS, True, bio[1], (("action", action.value),), bio[0])
            )
    elif pair == (_D, _S):
        cid = fired("cdr")
        if bio and bio[0] == "Negative_Correlation" and not (cid and cid[1] > bio[1]):
            out.append(PairRelation(Predicate.TREATS, True, bio[1], (), bio[0]))
        elif cid:
            out.append(PairRelation(Predicate.CAUSES, True, cid[1], (), cid[0]))
        elif bio and bio[0] == "Positive_Correlation":
            out.append(PairRelation(Predicate.CAUSES, True, bio[1], (), bio[0]))
    elif pair == (_D, _D):
        if bio and bio[0] == "Drug_Interaction":
            out.append(PairRelation(Predicate.INTERACTS_WITH, True, bio[1], (), bio[0]))
    elif pair == (_D, _V):
        if bio and bio[0] not in ("Cotreatment", "Comparison", "Conversion", "Drug_Interaction"):
            out.append(_affects_response(text, bio))
    elif (
        pair in ((_G, _S), (_V, _S))
        and bio
        and bio[0] in ("Association", "Positive_Correlation", "Negative_Correlation")
    ):
        out.append(PairRelation(Predicate.ASSOCIATED_WITH, True, bio[1], (), bio[0]))
    return out
