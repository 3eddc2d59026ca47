"""A document's claim about a disease makes its claim about a broader disease redundant.

BC5CDR annotates a chemical-induced disease at its most specific level: when an
abstract says that a drug causes "toxic hepatitis" and also mentions "liver diseases",
the drug–liver-disease pair is no relation. The corpus's training annotations bear this
out: of the pairs (chemical, broader disease) whose narrower disease is a gold CID of
the same chemical, 17 of 257 are gold CIDs themselves in the training split (12 of 210 in
development). So among one document's predicted CAUSES, a disease that is a MeSH
ancestor of another caused disease of the same drug is dropped.

The same holds for a drug class and its member: of the (class, disease) pairs whose
disease is a gold CID of a drug below the class in MeSH's tree ("anthracyclines" beside
doxorubicin's cardiomyopathy), none is a gold CID (0 of 41 in training, 0 of 47 in
development). So a class's CAUSES is dropped where a member drug of the same document
causes the same disease. Only classes: MeSH names them in the plural ("Anthracyclines",
"Sulfonylurea Compounds"); a drug filed below another drug (doxorubicin below
daunorubicin) is a drug of its own, and both can cause one disease (2 of 17 such pairs in
development are gold CIDs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

RULES_VERSION = "s10"  # the extractor's rules here and in classnames: a change re-extracts


def broader_pairs(
    pairs: Iterable[tuple[str, str]], is_broader: Callable[[str, str], bool]
) -> set[tuple[str, str]]:
    """The (subject, object) pairs whose object is broader than another object of the subject."""
    objects: dict[str, set[str]] = defaultdict(set)
    for s, o in pairs:
        objects[s].add(o)
    return {
        (s, g) for s, objs in objects.items() for g in objs if any(is_broader(g, x) for x in objs)
    }


_PLURAL = re.compile(r"(?<![su])s$")  # "Penicillins", "Steroids"; not "Lupus", "Abscess"


def is_drug_class(name: str) -> bool:
    """A MeSH chemical descriptor named in the plural ("Anthracyclines", "Contraceptives,
    Oral"): a class of drugs, not one drug."""
    return _PLURAL.search(name.split(",")[0].strip()) is not None


def broader_classes(
    pairs: Iterable[tuple[str, str]],
    is_broader: Callable[[str, str], bool],
    names: Mapping[str, str],
) -> set[tuple[str, str]]:
    """The (subject, object) pairs whose subject is a drug class broader than another
    subject of the same object; ``names``: subject id -> its name."""
    subjects: dict[str, set[str]] = defaultdict(set)
    for s, o in pairs:
        subjects[o].add(s)
    return {
        (c, o)
        for o, subs in subjects.items()
        for c in subs
        if is_drug_class(names.get(c, "")) and any(is_broader(c, x) for x in subs)
    }


def redundant_causes(
    pairs: Iterable[tuple[str, str]],
    is_broader: Callable[[str, str], bool],
    names: Mapping[str, str],
) -> set[tuple[str, str]]:
    """Caused pairs another pair of the same document states more specifically: a broader
    disease of the same drug, or a drug class of the same disease."""
    pairs = list(pairs)
    return broader_pairs(pairs, is_broader) | broader_classes(pairs, is_broader, names)
