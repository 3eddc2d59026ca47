"""Other ways of writing a disease name, for the linker's second dictionary look-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from extractors.linking.normalize import norm, singular

# words that clinical writing and MeSH use interchangeably in disease names (the "synonym
# replacement" and "affixation" sieves of D'Souza & Ng 2015): "uterine bleeding" is MeSH's
# Uterine Hemorrhage, "liver tumors" Liver Neoplasms, "renal impairment" Renal Insufficiency
_WORD_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "bleeding": ("hemorrhage", "hemorrhagic"),
        "hemorrhage": ("bleeding",),
        "kidney": ("renal",),
        "renal": ("kidney",),
        "liver": ("hepatic",),
        "hepatic": ("liver",),
        "heart": ("cardiac",),
        "cardiac": ("heart",),
        "lung": ("pulmonary",),
        "pulmonary": ("lung",),
        "brain": ("cerebral",),
        "cerebral": ("brain",),
        "stomach": ("gastric",),
        "gastric": ("stomach",),
        "skin": ("cutaneous",),
        "cutaneous": ("skin",),
        "colon": ("colonic",),
        "colonic": ("colon",),
        "cancer": ("neoplasms", "carcinoma"),
        "carcinoma": ("cancer",),
        "tumor": ("neoplasms",),
        "bowel": ("intestinal",),
        "muscular": ("muscle",),
        "muscle": ("muscular",),
        "ocular": ("eye",),
        "eye": ("ocular",),
        "mouth": ("oral",),
        "dermatologic": ("skin",),
        "dermatological": ("skin",),
        "impairment": ("insufficiency", "dysfunction"),
        "failure": ("insufficiency",),
        "disorder": ("disease",),
        "disease": ("disorder",),
        "seizure": ("convulsion",),
        "convulsion": ("seizure",),
        "infection": ("diseases infectious",),  # "skin infections": Skin Diseases, Infectious
        "versus": ("vs",),  # MeSH's "Graft vs Host Disease"
        "dysrhythmia": ("arrhythmia",),
        "bladder": ("urinary bladder",),  # MeSH names the organ in full
        "marrow": ("bone marrow",),
        # patient labelling's plain words: "kidney problems", "breathing problems"
        "problem": ("disease", "disorder"),
        "breathing": ("respiration",),
        # adverse-reaction terms that are MeSH entry terms of another heading (the shipped
        # MeSH table has headings only): "pyrexia" is Fever, "dysphagia" Deglutition Disorders
        "pyrexia": ("fever",),
        "dysphagia": ("deglutition disorders",),
        "hypertonia": ("muscle hypertonia",),
        "coagulation": ("blood coagulation",),
    }
)
# whole names that are MeSH entry terms of another heading, as drug labels write them
_ENTRY_TERMS: Mapping[str, str] = MappingProxyType(
    {
        "withdrawal syndrome": "substance withdrawal syndrome",
        "opioid withdrawal syndrome": "substance withdrawal syndrome",
        "neonatal opioid withdrawal syndrome": "neonatal abstinence syndrome",
        "toxic epidermal necrolysis": "stevens johnson syndrome",
        "abnormal vision": "vision disorders",
        # conditions labels name as indications that are entry terms of a MeSH heading
        "dysbetalipoproteinemia": "hyperlipoproteinemia type iii",
        "dermatoses": "skin diseases",
        "dermatosis": "skin diseases",
        "cretinism": "congenital hypothyroidism",
        "respiratory diseases": "respiratory tract diseases",
        "obstructive airway disease": "obstructive lung diseases",
        "tuberculous meningitis": "meningeal tuberculosis",
        "excessive sleepiness": "disorders of excessive somnolence",
        "complex partial seizures": "complex partial epilepsy",
        "menstrual cramps": "dysmenorrhea",  # NSAID labels' plain word for it
    }
)
# the abbreviations by which papers and labels name a virus, spelled as MeSH names its
# infection or the disease it causes ("HSV infection" is Herpes Simplex, "HPV infection"
# Papillomavirus Infections); VZV is left out: its infection is chickenpox or shingles
_VIRUSES: Mapping[str, str] = MappingProxyType(
    {
        "hpv": "papillomavirus",
        "hbv": "hepatitis b virus",
        "hcv": "hepatitis c virus",
        "hsv": "herpes simplex virus",
        "ebv": "epstein-barr virus",
        "cmv": "cytomegalovirus",
        "rsv": "respiratory syncytial virus",
    }
)
_VIRUS_INFECTION = re.compile(r"^(.+?)( ?)virus infections?$")
# phrases read as a shorter one before the word swaps: drug labels' "skin and skin structure
# infections" are skin infections
_PHRASES = (("skin and skin structure", "skin"), ("skin structure", "skin"))
# a disease adjective's noun ("psychotic" -> "psychosis", "hypertensive" -> "hypertension",
# "edematous" -> "edema", "migraineurs" -> "migraine": the affixation sieve of the same paper)
_ADJECTIVE_ENDINGS = (
    ("otic", "osis"), ("etic", "etes"), ("ptic", "psy"), ("ic", "ia"), ("ive", "ion"),
    ("atous", "a"), ("eurs", "e"), ("eur", "e"),
)  # fmt: skip


def name_rewrites(text: str) -> list[str]:
    """Other ways to write a disease name, most literal first: the heading a whole name is
    an entry term of (``_ENTRY_TERMS``), a label phrase read short
    (``_PHRASES``; the rest then work on the short form), the noun for a closing adjective
    ("cataleptic" -> "catalepsy"), then the name with one word, then two, swapped for a
    synonym (``_WORD_SYNONYMS``; plurals are read as their singular)."""
    key = norm(text)
    out: list[str] = [_ENTRY_TERMS[key]] if key in _ENTRY_TERMS else []
    for phrase, short in _PHRASES:
        if f" {phrase} " in f" {key} ":
            key = f" {key} ".replace(f" {phrase} ", f" {short} ").strip()
            out.append(key)
            break
    out.extend(_virus_infections(key))
    words = key.split()
    if not words:
        return out
    last = words[-1]
    for suffix, noun in _ADJECTIVE_ENDINGS:
        if last.endswith(suffix) and len(last) > len(suffix) + 3:
            out.append(" ".join([*words[:-1], last[: -len(suffix)] + noun]))
    options = [(i, alt) for i, w in enumerate(words) for alt in _WORD_SYNONYMS.get(singular(w), ())]
    for i, alt in options:
        out.append(" ".join(words[:i] + [alt] + words[i + 1 :]))
    for a in range(len(options)):
        for b in range(a + 1, len(options)):
            (i, x), (j, y) = options[a], options[b]
            if i != j:
                w = list(words)
                w[i], w[j] = x, y
                out.append(" ".join(w))
    return out


def _virus_infections(key: str) -> list[str]:
    """An infection named by its virus, as MeSH names it: the virus's infections
    ("Epstein-Barr Virus Infections"), or the disease a virus written apart is named after
    ("hepatitis B virus infection" is Hepatitis B); a virus's abbreviation is read first
    ("HSV infection")."""
    words = [_VIRUSES.get(w, w) for w in key.split()]
    found = _VIRUS_INFECTION.match(" ".join(words))
    if found is None:
        return []
    virus, apart = found.group(1), found.group(2)
    joined = f"{virus}virus infections"
    return [f"{virus} virus infections", joined, virus] if apart else [joined]
