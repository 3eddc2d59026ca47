"""Negation and speculation around a relation's two arguments (NegEx-style rules).

"X did not inhibit Y" and "X may be associated with Y" still become evidence; they are
marked ``negated`` / ``speculative`` so that confidence weighs them (kg/confidence.py)
and users can see them, never dropped silently.

A cue counts when it lies in the stretch of the sentence that states the relation: from
the clause boundary before the first argument to the clause boundary after the second
(boundaries: ``;``, ``:``, "but", "whereas", "while", "although", "however", "except",
", which"). So in "A inhibited B but not C" the pair (A, B) is affirmed and (A, C)
negated. Pure functions over strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEG = re.compile(
    r"\b(?:"
    r"not|no|none|never|neither|nor|without|cannot|absence of|absent|lack(?:s|ed|ing)? of|"
    r"fail(?:s|ed|ing)? to|unable to|did not|does not|do not|was not|were not|is not|are not|"
    r"has not|have not|had not|rather than|instead of|ruled out|rule out|independent(?:ly)? of|"
    r"unrelated to|non-?significant(?:ly)?|insignificant(?:ly)?|unaffected|unchanged|"
    r"(?:did|does|do|was|were|is|are|has|have|had|could|would|can)n't"
    r")\b",
    re.IGNORECASE,
)
# phrases that contain a negation word but negate nothing (or only hedge)
_PSEUDO_NEG = re.compile(
    r"\b(?:not only|not just|not necessarily|whether or not|no doubt|no longer than|"
    r"not been (?:fully |well |clearly )?(?:established|elucidated|understood|studied|investigated|determined|clarified)|"
    r"with or without|(?:has |have |had |did |do |does )?not (?:adequately |satisfactorily |sufficiently )?"
    r"(?:responded|respond|responsive|controlled|tolerated|tolerate)|not candidates? for|"
    r"(?:cannot|can not|could not|unable to) (?:use|take|tolerate|receive)|"
    r"(?:cannot|can not|could not) be (?:excluded|ruled out)|not (?:clear|known|yet known|understood)|"
    r"remains? (?:unclear|unknown))\b",
    re.IGNORECASE,
)
# Advice against a drug ("does not recommend the use of capecitabine in DPYD*2A carriers")
# states that a genotype changes the response: for AFFECTS_RESPONSE it negates nothing.
_ADVICE_AGAINST = re.compile(
    r"\b(?:(?:is|are|was|were|does|do|did) )?not (?:be )?recommend(?:s|ed)?|"
    r"(?:should|must|may|can) not be (?:used|given|administered|prescribed|started)|"
    r"do not (?:use|give|administer|prescribe)\b",
    re.IGNORECASE,
)
_SPEC = re.compile(
    r"\b(?:"
    r"may|might|could|possibl[ey]|potential(?:ly)?|suggest(?:s|ed|ing|ive)?|likely|unlikely|"
    r"appear(?:s|ed)? to|seem(?:s|ed)? to|putative(?:ly)?|hypothes[ie][sz](?:e|ed|es|is)?|"
    r"presumabl[ey]|probabl[ey]|perhaps|whether|indicat(?:e|es|ing) that|speculat\w*|"
    r"unclear|uncertain|cannot be (?:excluded|ruled out)|not (?:clear|known)|"
    r"remains? to be|to be (?:determined|elucidated|established)|propose[ds]?"
    r")\b",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(
    r"[;:]|\b(?:but|whereas|while|although|though|however|except|unlike)\b|,\s*which\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Cues:
    negated: bool = False
    speculative: bool = False
    negation_cue: str = ""
    speculation_cue: str = ""


def relation_scope(text: str, first: tuple[int, int], second: tuple[int, int]) -> tuple[int, int]:
    """The clause(s) of ``text`` that join two argument spans (offsets into ``text``)."""
    a = min(first[0], second[0])
    b = max(first[1], second[1])
    start, end = 0, len(text)
    for m in _BOUNDARY.finditer(text):
        if m.end() <= a:
            start = m.end()
        elif m.start() >= b:
            end = m.start()
            break
    return start, end


def _spans(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text, lo, hi)]


def _found(
    pattern: re.Pattern[str], text: str, lo: int, hi: int, skip: list[tuple[int, int]]
) -> str:
    """The first cue in [lo, hi) that starts outside every ``skip`` span (the arguments,
    "non-small cell lung cancer"; phrases that negate nothing, "not only")."""
    for m in pattern.finditer(text, lo, hi):
        if not any(s <= m.start() < e for s, e in skip):
            return m.group(0)
    return ""


_WORD = re.compile(r"\S+")
NEGATION_WINDOW = (8, 6)  # words before the first / after the last argument
SPECULATION_WINDOW = (15, 10)


def _window(
    text: str, lo: int, hi: int, a: int, b: int, before: int, after: int
) -> tuple[int, int]:
    """Narrow [lo, hi) to ``before`` words ahead of ``a`` and ``after`` words past ``b``."""
    ahead = [m.start() for m in _WORD.finditer(text, lo, a)]
    past = [m.end() for m in _WORD.finditer(text, b, hi)]
    start = ahead[-before] if before and len(ahead) >= before else (lo if before else a)
    end = past[after - 1] if after and len(past) >= after else (hi if after else b)
    return max(lo, start), min(hi, end)


def assess(
    text: str,
    first: tuple[int, int],
    second: tuple[int, int],
    *,
    negation_window: tuple[int, int] = NEGATION_WINDOW,
    speculation_window: tuple[int, int] = SPECULATION_WINDOW,
    advice: bool = False,
) -> Cues:
    """Cues for the relation between two spans of ``text`` (offsets into ``text``).

    A cue must lie in the relation's clause(s) and near it: between the arguments or
    within the window's words before the first / after the last (NegEx-style).
    ``advice``: advice against the drug ("not recommended", "should not be used") is no
    negation, as for a genotype's effect on a drug response.
    """
    lo, hi = relation_scope(text, first, second)
    a, b = min(first[0], second[0]), max(first[1], second[1])
    spans = [first, second]
    nlo, nhi = _window(text, lo, hi, a, b, *negation_window)
    pseudo = _spans(_PSEUDO_NEG, text, nlo, nhi)
    if advice:
        pseudo += _spans(_ADVICE_AGAINST, text, nlo, nhi)
    neg = _found(_NEG, text, nlo, nhi, spans + pseudo)
    slo, shi = _window(text, lo, hi, a, b, *speculation_window)
    spec = _found(_SPEC, text, slo, shi, spans)
    if not spec:
        # pseudo-negations that hedge ("cannot be excluded") are speculation
        for m in _PSEUDO_NEG.finditer(text, slo, shi):
            if re.search(r"excluded|ruled out|clear|known|unclear|unknown", m.group(0), re.I):
                spec = m.group(0)
                break
    return Cues(bool(neg), bool(spec), neg, spec)
