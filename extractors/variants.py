"""Sequence-variant mentions by grammar, each normalised to a canonical string tied to its gene.

Covers what clinical and pharmacogenomic text uses: protein changes (``V600E``,
``p.Leu858Arg``, ``p.(Gly12Asp)``, ``R58fs``, ``Y65*``), coding/genomic DNA changes
(``c.35G>A``, ``c.2113_2114delGG``, ``g.3318-6T>A``), dbSNP ids (``rs113488022``), star
alleles (``CYP2C19*2``), HLA alleles (``HLA-B*57:01``, old ``HLA-B*5701``), fusions
(``BCR-ABL``, ``EML4-ALK fusion``, ``BCR::ABL1``) and gene-level events (``ERBB2
amplification``, ``EGFR exon 19 deletion``, ``MET exon 14 skipping``).

Canonical forms (``VariantKey.canonical``; the CURIE is ``VAR:`` + canonical, or
``dbSNP:rs…``, the same ids the linker and the PubTator loader use):

- protein: ``BRAF:p.V600E`` (one-letter amino acids, ``*`` for stop, ``=`` for silent)
- DNA: ``BRAF:c.1799T>A``
- dbSNP: ``rs113488022`` (gene-independent)
- star / HLA allele: ``CYP2C19*2``, ``HLA-B*57:01``
- fusion: ``BCR::ABL`` (HGVS fusion notation, symbols as written)
- gene event: ``ERBB2:amplification``, ``EGFR:exon19del``, ``MET:exon14skipping``

A protein or DNA change names no gene itself: the gene is the nearest gene mention in
the same sentence (before it first), as in "BRAF V600E" or "V600E in BRAF". Without
one, the canonical form has no gene part (``p.V600E``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.model import Entity, EntityType, Mention

VARIANT_PREFIX = "VAR"  # Mention.ids: "VAR:BRAF:p.V600E"; dbSNP ids as "dbSNP:rs…"

AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O",
}  # fmt: skip
_AA1 = "ACDEFGHIKLMNPQRSTVWY"
_AA = r"(?:" + "|".join(AA3) + r"|[" + _AA1 + r"])"
_B = r"(?<![\w*])"  # no word character (or star) right before
_E = r"(?![\w*])"

_PROTEIN = re.compile(
    _B
    + r"(?P<prefix>p\.\s?(?P<paren>\()?)?(?P<ref>" + _AA + r")(?P<pos>\d+)"
    + r"(?P<alt>fs(?:\*?\d+|X\d*|Ter\d*)?|del|dup|ins" + _AA + r"+|delins" + _AA + r"+|"
    + _AA + r"(?:fs(?:\*?\d+|X\d*|Ter\d*)?)?|X|\*|=)(?(paren)\))" + _E
)
_DNA_POS = r"[-*]?\d+(?:[+-]\d+)?(?:_[-*]?\d+(?:[+-]\d+)?)?"  # "35", "-12", "2554+1", "1811_1812"
# "855 +1" as well, and an en dash for the hyphen ("1129–5923")
_DNA_POS_SPACED = r"[-–*]?\d+(?:\s?[+\-–]\d+)?(?:_[-–*]?\d+(?:[+\-–]\d+)?)?"
_DNA = re.compile(
    _B
    # "c.[2846A>T]": one allele in HGVS's genotype brackets ("c.[2846A>T];[=]")
    + r"(?P<kind>[cgmnr])\.(?P<bracket>\[)?\s?(?P<pos>" + _DNA_POS_SPACED + r")\s?"
    + r"(?P<change>(?P<ref>[ACGTU]+)\s?(?:>|->|-->|/)\s?(?P<alt>[ACGTU]+)"
    + r"|delins[ACGTU]+|del(?:[ACGTU]+|\d+)?|dup[ACGTU]*|ins[ACGTU]+|inv)"
    + r"(?(bracket)\]?)" + _E
)
# legacy intron numbering: "IVS16+1G>A", "IVS8 -2A>G", "IVS3 + 18C > T"
_IVS = re.compile(
    r"(?<![\w.])IVS(?P<intron>\d+)\s?(?P<sign>[+-])\s?(?P<offset>\d+)\s?"
    r"(?P<ref>[ACGT])\s?(?:>|->|-->)\s?(?P<alt>[ACGT])" + _E
)
# a promoter position written before the start codon, reference first: "C-1228T"
_DNA_UPSTREAM = re.compile(r"(?<![\w-])(?P<ref>[ACGT])(?P<pos>-\d+)(?P<alt>[ACGT])" + _E)
_DNA_REF_FIRST = re.compile(  # "c.G1714A", an old way of writing c.1714G>A
    _B + r"(?P<kind>[cg])\.(?P<ref>[ACGT])(?P<pos>\d+)(?P<alt>[ACGT])" + _E
)
_DNA_BARE = re.compile(  # "643C>T", "3472delC", "899dupC", "657del5": older papers leave out "c."
    r"(?<![\w.+*/-])(?P<pos>\d+(?:[_-]\d+)?)"
    r"(?:(?P<ref>[ACGT])>(?P<alt>[ACGT])|(?P<op>del|dup|ins)(?P<bases>[ACGT]+)|(?P<count>del\d+))"
    + _E
)
_RS = re.compile(r"(?<![\w])rs\s?(?P<num>\d{3,})" + _E, re.IGNORECASE)
_HLA = re.compile(r"(?<![\w-])HLA-(?P<locus>[A-Z]{1,4}\d?)\*(?P<allele>\d{2,4}(?::\d{2,3}){0,3})" + _E)
_STAR = re.compile(r"(?<![\w-])(?P<gene>[A-Z][A-Z0-9]{1,9})\*(?P<allele>\d{1,3}[A-Z]?)(?![\w:])")
_SYMBOL = r"[A-Z][A-Z0-9]{1,9}"
_FUSION = re.compile(
    rf"(?<![\w-])(?P<a>{_SYMBOL})(?P<sep>::|-|–|/)(?P<b>{_SYMBOL})(?![\w-])"
    r"(?P<word>\s+(?:fusion|fusions|rearrangement|rearrangements|translocation|transcript))?"
)
_EVENT = re.compile(
    rf"(?<![\w-])(?P<gene>{_SYMBOL})\s+(?P<event>"
    r"amplification|amplifications|copy[- ]number (?:gain|loss)|(?:gene )?deletion|fusion|rearrangement|"
    r"exon\s?(?P<exon>\d+)\s(?:deletion|deletions|insertion|insertions|skipping|mutation|mutations|duplication))"
    + _E
)
# Fusions that are written without the word "fusion" often enough to trust them alone.
KNOWN_FUSIONS = frozenset(
    {
        ("BCR", "ABL"), ("BCR", "ABL1"), ("EML4", "ALK"), ("NPM1", "ALK"), ("NPM", "ALK"),
        ("PML", "RARA"), ("ETV6", "RUNX1"), ("TMPRSS2", "ERG"), ("KIF5B", "RET"),
        ("CCDC6", "RET"), ("CD74", "ROS1"), ("EWS", "FLI1"), ("EWSR1", "FLI1"),
        ("FIP1L1", "PDGFRA"), ("ETV6", "NTRK3"), ("TPM3", "NTRK1"), ("FGFR3", "TACC3"),
        ("KMT2A", "AFF1"), ("MLL", "AF4"), ("PAX3", "FOXO1"), ("SS18", "SSX1"), ("SS18", "SSX2"),
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class VariantKey:
    kind: str  # protein | dna | dbsnp | star | hla | fusion | event | other
    change: str  # "p.V600E", "c.35G>A", "amplification", "rs123", "CYP2C19*2", "BCR::ABL"
    gene: str | None = None

    @property
    def canonical(self) -> str:
        if self.gene and self.kind in ("protein", "dna", "event", "other"):
            return f"{self.gene}:{self.change}"
        return self.change

    @property
    def curie(self) -> str:
        if self.kind == "dbsnp":
            return f"dbSNP:{self.change}"
        return f"{VARIANT_PREFIX}:{self.canonical}"

    def with_gene(self, gene: str | None) -> VariantKey:
        return VariantKey(self.kind, self.change, gene) if gene and not self.gene else self


@dataclass(frozen=True, slots=True)
class VariantMatch:
    start: int
    end: int
    key: VariantKey


def _aa(token: str) -> str:
    return AA3.get(token, token)


def _protein_change(m: re.Match) -> str:
    ref, pos, alt = _aa(m.group("ref")), m.group("pos"), m.group("alt")
    if alt in ("X", "*") or alt.startswith("Ter"):
        alt = "*"
    elif alt.startswith(("fs",)):
        alt = "fs"
    elif alt.startswith(("delins", "ins")):
        head = "delins" if alt.startswith("delins") else "ins"
        alt = head + "".join(_aa(a) for a in re.findall(_AA, alt[len(head) :]))
    elif alt in ("del", "dup", "="):
        pass
    else:
        fs = "fs" if "fs" in alt else ""
        aa = _aa(alt[: alt.index("fs")] if fs else alt)
        alt = "fs" if fs else ("=" if aa == ref else aa)
    return f"p.{ref}{pos}{alt}"


def _dna_change(m: re.Match) -> str:
    change = m.group("change")
    if m.group("alt"):
        change = f"{m.group('ref')}>{m.group('alt')}"
    return f"{m.group('kind')}.{_dna_position(m.group('pos'), change)}{change}"


def _dna_position(pos: str, change: str) -> str:
    """Spaces dropped; "899-1142" before a deletion, duplication or insertion is the range
    899_1142 when the second number is the larger (a range written with a hyphen, as
    BioRED and tmVar read it), and otherwise an intronic offset ("463-6T>G")."""
    pos = re.sub(r"\s+", "", pos).replace("–", "-")
    m = re.fullmatch(r"(\d+)-(\d+)", pos)
    if m and change[:3] in ("del", "dup", "ins") and int(m.group(2)) > int(m.group(1)):
        return f"{m.group(1)}_{m.group(2)}"
    return pos


def _hla(m: re.Match) -> str:
    allele = m.group("allele")
    if ":" not in allele and len(allele) == 4:  # old "5701" -> "57:01"
        allele = f"{allele[:2]}:{allele[2:]}"
    return f"HLA-{m.group('locus')}*{allele}"


def find_variants(text: str, start: int = 0, end: int | None = None) -> list[VariantMatch]:
    """Variants the grammar finds in ``text[start:end]`` (offsets into ``text``), gene unset."""
    end = len(text) if end is None else end
    found: list[VariantMatch] = []
    for m in _HLA.finditer(text, start, end):
        found.append(VariantMatch(m.start(), m.end(), VariantKey("hla", _hla(m), "HLA-" + m.group("locus"))))
    for m in _STAR.finditer(text, start, end):
        gene = m.group("gene")
        if gene == "HLA":
            continue
        found.append(VariantMatch(m.start(), m.end(), VariantKey("star", f"{gene}*{m.group('allele')}", gene)))
    for m in _RS.finditer(text, start, end):
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dbsnp", f"rs{m.group('num')}")))
    for m in _DNA.finditer(text, start, end):
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dna", _dna_change(m))))
    found += _genotypes(text, start, end)
    for m in _DNA_REF_FIRST.finditer(text, start, end):
        change = f"{m.group('kind')}.{m.group('pos')}{m.group('ref')}>{m.group('alt')}"
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dna", change)))
    for m in _DNA_BARE.finditer(text, start, end):
        ref, alt = m.group("ref", "alt")
        change = f"{ref}>{alt}" if ref else m.group("count") or m.group("op") + m.group("bases")
        pos = _dna_position(m.group("pos"), change)
        if "-" in pos:
            continue  # "2-3delC": a range reading failed, no plain position
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dna", f"c.{pos}{change}")))
    for m in _IVS.finditer(text, start, end):
        pos = f"IVS{m.group('intron')}{m.group('sign')}{m.group('offset')}"
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dna", f"c.{pos}{m.group('ref')}>{m.group('alt')}")))
    for m in _DNA_UPSTREAM.finditer(text, start, end):
        change = f"c.{m.group('pos')}{m.group('ref')}>{m.group('alt')}"
        found.append(VariantMatch(m.start(), m.end(), VariantKey("dna", change)))
    for m in _PROTEIN.finditer(text, start, end):
        if not m.group("prefix") and not _plausible_bare_protein(m):
            continue
        found.append(VariantMatch(m.start(), m.end(), VariantKey("protein", _protein_change(m))))
    for m in _FUSION.finditer(text, start, end):
        a, b = m.group("a"), m.group("b")
        if a == b or not (m.group("sep") == "::" or m.group("word") or (a, b) in KNOWN_FUSIONS):
            continue
        stop = m.end("b") if not m.group("word") else m.end()
        found.append(VariantMatch(m.start(), stop, VariantKey("fusion", f"{a}::{b}", a)))
    for m in _EVENT.finditer(text, start, end):
        found.append(VariantMatch(m.start(), m.end(), VariantKey("event", _event(m), m.group("gene"))))
    return _longest_first(found)


_GENOTYPE = re.compile(r"(?P<kind>[cg])\.\[(?P<first>[^\]\[;]+)\];\s?\[(?P<second>[^\]\[;]+)\]")
_GENOTYPE_IN_TEXT = re.compile(_B + _GENOTYPE.pattern)


def _genotypes(text: str, start: int, end: int) -> list[VariantMatch]:
    """HGVS genotypes as CPIC tables write them: "c.[2846A>T];[=]" (or the same change
    twice) is one variant over the whole span; two changes ("c.[1905+1G>A];[2846A>T]")
    are two, the second bracket read with the first's prefix."""
    out = []
    for m in _GENOTYPE_IN_TEXT.finditer(text, start, end):
        kind, first, second = m.group("kind", "first", "second")
        key = parse(f"{kind}.{first}")
        if key is None or key.kind != "dna":
            continue
        if second in ("=", "?", first):
            out.append(VariantMatch(m.start(), m.end(), key))
            continue
        out.append(VariantMatch(m.start(), m.end("first") + 1, key))
        other = parse(f"{kind}.{second}")
        if other is not None and other.kind == "dna":
            out.append(VariantMatch(m.start("second") - 1, m.end(), other))
    return out


_EXON_KIND = {"deletion": "del", "insertion": "ins", "skipping": "skipping", "mutation": "mut", "duplication": "dup"}


def _event(m: re.Match) -> str:
    event = re.sub(r"[\s-]+", " ", m.group("event").lower())
    if m.group("exon"):
        kind = event.split()[-1].rstrip("s")
        return f"exon{m.group('exon')}{_EXON_KIND.get(kind, kind)}"
    return {"amplifications": "amplification", "gene deletion": "deletion"}.get(event, event.replace(" ", "_"))


# Names shaped like a one-letter change: cell lines, mostly.
NOT_VARIANTS = frozenset({"T98G", "H9C2", "S49A", "P19C"})


def _plausible_bare_protein(m: re.Match) -> bool:
    """A bare one-letter change ("V600E") needs 2+ position digits, so that "E2F" or "H2A"
    stay genes, and must not be a known look-alike ("T98G" cells); three-letter forms
    ("Val600Glu") are unambiguous."""
    ref = m.group("ref")
    return len(ref) == 3 or (len(m.group("pos")) >= 2 and m.group(0) not in NOT_VARIANTS)


def _longest_first(found: list[VariantMatch]) -> list[VariantMatch]:
    out: list[VariantMatch] = []
    for v in sorted(found, key=lambda v: (v.start - v.end, v.start)):
        if all(v.end <= o.start or v.start >= o.end for o in out):
            out.append(v)
    return sorted(out, key=lambda v: (v.start, v.end))


def attach_gene(key: VariantKey, start: int, end: int, genes: Sequence[Mention]) -> VariantKey:
    """Tie a protein/DNA change to the nearest gene mention (preceding ones first)."""
    if key.kind not in ("protein", "dna", "other") or key.gene:
        return key
    before = [g for g in genes if g.end <= start]
    after = [g for g in genes if g.start >= end]
    gene = None
    if before and start - before[-1].end <= 40:
        gene = before[-1]
    elif after and after[0].start - end <= 20:
        gene = after[0]
    elif before:
        gene = before[-1]
    elif after:
        gene = after[0]
    return key if gene is None else key.with_gene(gene.text.strip())


def parse(text: str) -> VariantKey | None:
    """The key of a string that is one whole variant, or None."""
    text = text.strip()
    for v in find_variants(text):
        if v.start == 0 and v.end == len(text):
            return v.key
    # a genotype of one change: "c.[2846A>T];[2846A>T]" (homozygous), "c.[1905+1G>A];[=]"
    m = _GENOTYPE.fullmatch(text)
    if m and m.group("second") in ("=", m.group("first")):
        return parse(f"{m.group('kind')}.{m.group('first')}")
    if text.startswith("[") and text.endswith("]"):  # a genotype's second allele
        return parse(text[1:-1])
    # "BRAF V600E", "EGFR p.L858R": a gene symbol, then the change
    m = re.match(rf"({_SYMBOL})\s+(\S.*)$", text)
    if m:
        rest = parse(m.group(2))
        if rest is not None and rest.kind in ("protein", "dna"):
            return rest.with_gene(m.group(1))
    return None


def normalise(text: str, gene: str | None = None) -> VariantKey:
    """Canonical key of one variant string, tied to ``gene`` if it names none itself;
    strings the grammar cannot read keep their words (kind ``other``)."""
    key = parse(text) or VariantKey("other", re.sub(r"\s+", " ", text.strip()))
    return key.with_gene(gene)


def normalize_change(text: str) -> str | None:
    """The gene-free change of a protein/DNA/gene-event variant ("p.V600E", "c.35G>A",
    "exon19del"), or None: the hook ``extractors.linking.variants`` looks for."""
    key = parse(text) or parse(f"GENE {text}")  # "exon 19 deletion" names no gene
    if key is None or key.kind not in ("protein", "dna", "event"):
        return None
    return key.change


_TMVAR_PROTEIN = re.compile(r"p\.(?P<ref>[A-Z*])(?P<pos>\d+)(?P<alt>[A-Z*]|fs|del)")
_TMVAR_DNA = re.compile(
    r"(?P<kind>[cg])\.(?P<pos>IVS\d+[+-]\d+|" + _DNA_POS + r")"
    r"(?:(?P<ref>[ACGT])>(?P<alt>[ACGT])|(?P<op>del|dup|ins)(?P<bases>[ACGT]*|(?<=del)\d+))"
)


def tmvar_key(change: str) -> str | None:
    """The gene-free tmVar key of a protein/DNA change, as PubTator and BioRED identify
    variants that have no rsID ("p.V600E" -> "p|SUB|V|600|E", "c.35delG" -> "c|DEL|35|G"),
    or None for changes tmVar writes some other way."""
    m = _TMVAR_PROTEIN.fullmatch(change)
    if m:
        ref, pos, alt = m.group("ref", "pos", "alt")
        if alt == "fs":
            return f"p|FS|{ref}|{pos}||"
        if alt == "del":
            return f"p|DEL|{pos}|{ref}"
        return f"p|SUB|{ref}|{pos}|{'X' if alt == '*' else alt}"
    m = _TMVAR_DNA.fullmatch(change)
    if m is None:
        return None
    kind, pos = m.group("kind", "pos")
    if m.group("ref"):
        return f"{kind}|SUB|{m.group('ref')}|{pos}|{m.group('alt')}"
    op, bases = m.group("op").upper(), m.group("bases")
    return f"{kind}|{op}|{pos}|{bases}" + ("|" if op == "DUP" else "")


def variant_mentions(
    text: str,
    spans: Iterable[tuple[int, int]],
    genes: Sequence[Mention],
    extractor: str,
) -> list[Mention]:
    """Grammar variants in each (start, end) region (sentences), genes from ``genes``.

    Gene-level events ("ERBB2 amplification") count only when ``genes`` has the symbol.
    """
    genes = sorted(genes, key=lambda g: g.start)
    gene_starts = {(g.start, g.text) for g in genes}
    out = []
    for a, b in spans:
        local = [g for g in genes if g.start >= a and g.end <= b]
        for v in find_variants(text, a, b):
            if v.key.kind == "event" and (v.start, v.key.gene) not in gene_starts:
                continue  # "PCR amplification": an event needs a recognised gene
            key = attach_gene(v.key, v.start, v.end, [g for g in local if g.end <= v.start or g.start >= v.end])
            out.append(
                Mention(v.start, v.end, text[v.start : v.end], EntityType.VARIANT, label=key.kind,
                        ids=(key.curie,), score=1.0, extractor=extractor)
            )  # fmt: skip
    return out


def modifier_gene(ent: Entity | None) -> str | None:
    """The gene a response modifier is, by symbol: a gene's own, or the one a variant is
    written on ("CYP2C19*2", "HLA-B*57:01", "EGFR L858R"); None for an rsID or nothing."""
    if ent is None:
        return None
    if ent.type is EntityType.GENE:
        return ent.name.upper()
    key = parse(ent.name)
    return key.gene.upper() if key is not None and key.gene else None
