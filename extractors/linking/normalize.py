"""String keys for dictionary look-up: the same function runs on KB names and on mentions.

Two levels: ``norm`` keeps word boundaries (lower case, ASCII, US spelling, punctuation
as spaces); ``loose`` also drops plural endings, stop words and the spaces themselves,
so "STI-571" = "STI571", "tumours" = "tumor" and "cancer of the lung" ≈ "lung cancer" is
left to the fuzzy step.
"""

from __future__ import annotations

import re
import unicodedata

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ω": "omega", "τ": "tau", "σ": "sigma", "θ": "theta",
    "ζ": "zeta", "η": "eta", "ι": "iota", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "φ": "phi", "χ": "chi", "ψ": "psi",
}  # fmt: skip
# British -> US spellings that matter in disease and drug names.
_SPELLING = (
    ("tumour", "tumor"), ("oedema", "edema"), ("anaem", "anem"), ("haem", "hem"),
    ("aemia", "emia"), ("oesophag", "esophag"), ("paediatr", "pediatr"), ("leukaem", "leukem"),
    ("foetal", "fetal"), ("diarrhoea", "diarrhea"), ("ischaem", "ischem"), ("sulph", "sulf"),
    ("oestr", "estr"), ("caesar", "cesar"), ("haemorrh", "hemorrh"), ("coeliac", "celiac"),
    ("pnoea", "pnea"), ("anaesth", "anesth"), ("leucop", "leukop"), ("leucocyt", "leukocyt"),
    ("faec", "fec"), ("behaviour", "behavior"), ("aluminium", "aluminum"), ("gynaecol", "gynecol"),
    ("orthopaed", "orthoped"), ("foetus", "fetus"),
)  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9]+")
_STOP = frozenset({"of", "the", "and", "in", "with", "a", "an", "to", "for", "by", "on", "or"})
# Plural endings worth folding; short words and Latin "-us/-is" are left alone.
_PLURAL = (
    ("ies", "y"), ("xes", "x"), ("aches", "ache"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"),
    ("oses", "osis"), ("s", ""),
)  # fmt: skip
_IRREGULAR = {"metastases": "metastasis", "diagnoses": "diagnosis", "women": "woman", "men": "man"}


_GREEK_TABLE = str.maketrans(
    {**{k: f" {v} " for k, v in _GREEK.items()}, **{k.upper(): f" {v} " for k, v in _GREEK.items()}}
)


def ascii_fold(text: str) -> str:
    if text.isascii():
        return text  # the common case, and the hot path when a KB loads
    decomposed = unicodedata.normalize("NFKD", text.translate(_GREEK_TABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def norm(text: str) -> str:
    """Lower-cased words, ASCII, US spelling, single spaces: the exact-match key."""
    t = ascii_fold(text).lower()
    for gb, us in _SPELLING:
        if gb in t:
            t = t.replace(gb, us)
    return _NON_WORD.sub(" ", t).strip()


def is_stop_word(word: str) -> bool:
    """A word the loose key ignores ("of", "the", "and", ...)."""
    return word.lower() in _STOP


def singular(word: str) -> str:
    """The word's singular ("tumors" -> "tumor"); short words and "-us/-is" words as given."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 4 or word.endswith(("ss", "us", "is", "ous", "sis")):
        return word
    for suffix, repl in _PLURAL:
        if word.endswith(suffix):
            return word[: -len(suffix)] + repl
    return word


def loose(text: str) -> str:
    """Singular, stop words dropped, no spaces: the second-chance key."""
    return loose_from_norm(norm(text))


def loose_from_norm(normed: str) -> str:
    words = normed.split()
    # a last "a" is a letter, not the article: "vitamin A" is not "vitamin"
    last = len(words) - 1 if len(words) > 1 and words[-1] == "a" else -1
    return "".join([singular(w) for i, w in enumerate(words) if w not in _STOP or i == last])


def tokens(text: str) -> list[str]:
    return [w for w in norm(text).split() if w not in _STOP]


# Salt and hydrate words: "Imatinib Mesylate" is imatinib to a reader.
SALT_WORDS = frozenset(
    [
        "hydrochloride",
        "dihydrochloride",
        "hcl",
        "mesylate",
        "mesilate",
        "dimesylate",
        "besylate",
        "besilate",
        "sodium",
        "disodium",
        "potassium",
        "calcium",
        "magnesium",
        "sulfate",
        "sulphate",
        "bisulfate",
        "maleate",
        "tartrate",
        "bitartrate",
        "citrate",
        "acetate",
        "diacetate",
        "phosphate",
        "diphosphate",
        "succinate",
        "fumarate",
        "hemifumarate",
        "bromide",
        "hydrobromide",
        "methylbromide",
        "iodide",
        "chloride",
        "nitrate",
        "lactate",
        "gluconate",
        "tosylate",
        "monohydrate",
        "dihydrate",
        "trihydrate",
        "sesquihydrate",
        "hemihydrate",
        "anhydrous",
        "hyclate",
        "dipropionate",
        "propionate",
        "valerate",
        "decanoate",
        "enanthate",
        "cypionate",
        "pamoate",
        "palmitate",
        "stearate",
        "trometamol",
        "tromethamine",
        "meglumine",
        "mononitrate",
        "hydrate",
        "salt",
    ]
)


def strip_salt(name: str) -> str:
    """``norm`` of the name without its salt and hydrate words ("Clopidogrel Bisulfate" ->
    "clopidogrel"); "" when it has none, or nothing else."""
    words = norm(name).split()
    kept = [w for w in words if w not in SALT_WORDS]
    return " ".join(kept) if kept and len(kept) < len(words) else ""
