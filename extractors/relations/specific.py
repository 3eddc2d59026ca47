"""A document's claim about a disease makes its claim about a broader disease redundant.

BC5CDR annotates a chemical-induced disease at its most specific level: when an
abstract says that a drug causes "toxic hepatitis" and also mentions "liver diseases",
the drug–liver-disease pair is no relation. The corpus's training annotations bear this
out: of the pairs (chemical, broader disease) whose narrower disease is a gold CID of
the same chemical, 17 of 257 are gold CIDs themselves in the training split (12 of 210 in
development). So among one document's predicted CAUSES, a disease that is a MeSH
ancestor of another caused disease of the same drug is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

RULES_VERSION = "s1"  # part of the relation extractor's version: a change re-extracts


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
