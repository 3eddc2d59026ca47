"""Canonical ids for ``Variant`` mentions, anchored on the gene's KB entity.

The grammar lives in ``extractors.variants`` (the NER side): ``parse(text)`` gives a
``VariantKey`` (kind, change, gene as written). Here the gene is resolved through the KB,
so the id carries the HGNC symbol and the xrefs carry the gene's ``NCBIGene:``/``HGNC:`` ids:

- protein / DNA change: ``VAR:BRAF:p.V600E`` ("BRAF V600E", "V600E" next to "BRAF",
  "p.Val600Glu" near "B-raf"); no gene in reach -> unlinked ("V600E" alone names nothing).
  The xrefs add the change's gene-free tmVar key (``tmVar:p|SUB|V|600|E``), the id
  PubTator and BioRED give variants without an rsID
- gene event: ``VAR:ERBB2:amplification``, ``VAR:EGFR:exon19del``
- star / HLA allele: ``VAR:CYP2C19*2``, ``VAR:HLA-B*57:01``
- fusion: ``VAR:BCR::ABL1`` (each partner's HGNC symbol when the KB knows it)
- dbSNP: ``dbSNP:rs113488022`` (the PubTator loader's CURIE for gold variants)

Without ``extractors.variants`` (or where it lacks ``parse``), a small fallback parser
below handles protein/DNA changes and rs numbers.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from extractors.variants import tmvar_key
from kg.model import Entity, EntityType

_AA3 = {
    "ala": "A", "arg": "R", "asn": "N", "asp": "D", "cys": "C", "gln": "Q", "glu": "E",
    "gly": "G", "his": "H", "ile": "I", "leu": "L", "lys": "K", "met": "M", "phe": "F",
    "pro": "P", "ser": "S", "thr": "T", "trp": "W", "tyr": "Y", "val": "V", "ter": "*",
    "sec": "U",
}  # fmt: skip
_RS = re.compile(r"\brs\s?(\d{3,})\b", re.IGNORECASE)
_AA = r"(?:[ACDEFGHIKLMNPQRSTVWY]|Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Ter|Sec)"
_PROT_SUB = re.compile(
    rf"(?:\bp\.\s?)?\(?\b(?P<ref>{_AA})(?P<pos>\d{{1,5}})(?P<alt>{_AA}|\*|X|fs|del)\)?(?![A-Za-z0-9])"
)
_PROT_RANGE = re.compile(
    rf"(?:\bp\.\s?)?\b(?P<r1>{_AA})(?P<p1>\d{{1,5}})_(?P<r2>{_AA})(?P<p2>\d{{1,5}})(?P<kind>delins[A-Z]*|del|dup|ins[A-Z]*)"
)
_CDNA_SUB = re.compile(
    r"\bc\.\s?(?P<pos>[-*]?\d+(?:[+-]\d+)?)(?P<ref>[ACGT])\s?(?:>|->|→)\s?(?P<alt>[ACGT])\b"
)
_GENE_PREFIX = re.compile(r"^(?P<gene>[A-Za-z][A-Za-z0-9-]{1,9})[\s:-]+(?P<rest>\S.*)$")


@dataclass(frozen=True, slots=True)
class ParsedVariant:
    kind: str  # protein | dna | event | star | hla | fusion | dbsnp
    change: str
    gene: str | None = None  # as written in the mention, if it names one


def _aa(code: str) -> str:
    return code.upper() if len(code) == 1 else _AA3.get(code.lower(), code)


def normalize_change(text: str) -> str | None:
    """Fallback: 'V600E' / 'p.Val600Glu' / 'c.1799T>A' / 'E746_A750del' -> an HGVS-like change."""
    m = _CDNA_SUB.search(text)
    if m:
        return f"c.{m.group('pos')}{m.group('ref')}>{m.group('alt')}"
    m = _PROT_RANGE.search(text)
    if m:
        return f"p.{_aa(m.group('r1'))}{m.group('p1')}_{_aa(m.group('r2'))}{m.group('p2')}{m.group('kind')}"
    m = _PROT_SUB.search(text)
    if m:
        ref, alt = _aa(m.group("ref")), m.group("alt")
        alt = alt if alt in ("fs", "del") else _aa(alt)
        if ref == alt:
            return None  # synonymous or a typo: nothing canonical to say
        return f"p.{ref}{m.group('pos')}{alt}"
    return None


def _fallback_parse(text: str) -> ParsedVariant | None:
    m = _RS.search(text)
    if m:
        return ParsedVariant("dbsnp", f"rs{m.group(1)}")
    change = normalize_change(text)
    if change is None:
        return None
    g = _GENE_PREFIX.match(text.strip())
    gene = g.group("gene") if g and normalize_change(g.group("rest")) == change else None
    return ParsedVariant("dna" if change.startswith("c.") else "protein", change, gene)


def _plausible(parsed: ParsedVariant) -> bool:
    if parsed.kind != "protein":
        return True
    m = re.fullmatch(r"p\.([A-Z*])(\d+)([A-Z*])", parsed.change)
    # "C35322T": a nucleotide change in unknown coordinates, not a residue of a protein
    return not (m and m.group(1) in "ACGT" and m.group(3) in "ACGT" and int(m.group(2)) > 3000)


def default_parser() -> Callable[[str], ParsedVariant | None]:
    """``extractors.variants.parse`` when the NER side provides it, else the fallback."""
    try:
        module = importlib.import_module("extractors.variants")
    except ModuleNotFoundError:
        return _fallback_parse
    parse = getattr(module, "parse", None)
    if not callable(parse):
        return _fallback_parse

    def adapted(text: str) -> ParsedVariant | None:
        key = parse(text)
        if key is None:
            return _fallback_parse(text)
        return ParsedVariant(str(key.kind), str(key.change), getattr(key, "gene", None))

    return adapted


GeneLookup = Callable[[str], Entity | None]


class VariantResolver:
    """A variant mention + its gene context -> a variant ``Entity`` (or None)."""

    def __init__(self, parser: Callable[[str], ParsedVariant | None] | None = None) -> None:
        self._parse = parser or default_parser()

    def resolve(
        self, text: str, context_gene: Entity | None, gene_lookup: GeneLookup
    ) -> Entity | None:
        parsed = self._parse(text.strip())
        if parsed is None or not _plausible(parsed):
            return None
        synonyms = (text,)
        if parsed.kind == "dbsnp":
            rs = parsed.change
            return Entity(f"dbSNP:{rs}", EntityType.VARIANT, rs, synonyms if text != rs else ())
        if parsed.kind in ("star", "hla"):
            locus, sep, allele = parsed.change.partition("*")
            gene = gene_lookup(locus)
            symbol = gene.name if gene else locus
            canonical = f"{symbol}{sep}{allele}"
            return _entity(canonical, canonical, text, [gene] if gene else [])
        if parsed.kind == "fusion":
            parts = parsed.change.split("::")
            genes = [gene_lookup(p) for p in parts]
            symbols = [g.name if g else p for g, p in zip(genes, parts, strict=True)]
            canonical = "::".join(symbols)
            return _entity(canonical, canonical, text, [g for g in genes if g])
        if parsed.kind not in ("protein", "dna", "event"):
            return None  # words the grammar could not read: no canonical id to give
        gene = gene_lookup(parsed.gene) if parsed.gene else context_gene
        if gene is None:
            return None
        tmvar = tmvar_key(parsed.change)
        return _entity(
            f"{gene.name}:{parsed.change}",
            f"{gene.name} {parsed.change}",
            text,
            [gene],
            (f"tmVar:{tmvar}",) if tmvar else (),
        )


def _entity(
    canonical: str, name: str, text: str, genes: list[Entity], extra: tuple[str, ...] = ()
) -> Entity:
    xrefs: list[str] = list(extra)
    for g in genes:
        xrefs.append(g.id)
        xrefs.extend(x for x in g.xrefs if x.startswith("HGNC:"))
    return Entity(
        f"VAR:{canonical}",
        EntityType.VARIANT,
        name,
        (text,) if text != name else (),
        tuple(dict.fromkeys(xrefs)),
    )
