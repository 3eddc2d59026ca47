"""Free-text patient input -> graph entities.

Diagnoses, medications and allergies are matched by CURIE, or by exact name or
synonym (case, punctuation and word order aside) through ``store.find_entities``;
an optional linker (``extractors.linking``) is asked when that fails. Variants
are parsed the way clinicians write them::

    EGFR L858R, BRAF p.Val600Glu      protein change  -> variant "EGFR L858R", gene EGFR
    CYP2C19*2, CYP2D6 *4/*4           star allele(s)  -> variant "CYP2C19*2", gene CYP2C19
    HLA-B*57:01, HLA-B*5701           HLA allele      -> variant "HLA-B*57:01", gene HLA-B
    ERBB2 amplification, ALK fusion   gene alteration -> gene ERBB2 (a variant if the graph has one)
    rs4244285                         dbSNP id        -> variant dbSNP:rs4244285

A ``*1`` allele is the reference (normal-function) allele: it resolves, but it
never triggers a pharmacogenomic warning. Each diagnosis also carries its broader
diseases (MeSH ancestors, from the KB's hierarchy when installed): a drug contraindicated
in liver diseases is contraindicated for a patient with toxic hepatitis. Nothing here logs
its input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import drug_classes
from kg.errors import BadInputError, KGError, NotFoundError
from kg.model import GENE_ID_PREFIXES, Entity, EntityType
from kg.store import GraphStore

log = logging.getLogger(__name__)

MAX_ITEMS = 50  # per list in a patient input
MAX_CHARS = 200  # per string

# (text, type) -> CURIEs, or the vocabulary's entities; e.g. built from extractors.linking
# when it is installed. A disease the vocabulary knows and the graph lacks still resolves
# as a diagnosis: what the graph says of its broader diseases applies to it.
Linker = Callable[[str, EntityType], Sequence[str | Entity]]
# text -> an HGVS-like change ("p.V600E", "exon19del"), e.g. extractors.linking.variants.
VariantNormaliser = Callable[[str], str | None]
# entity id -> the ids of every broader concept (MeSH ancestors), e.g. extractors.linking.hierarchy.
Ancestors = Callable[[str], Iterable[str]]

_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:[^\s*]+$")
_AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
}  # fmt: skip
_AA = r"(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Ter|[ACDEFGHIKLMNPQRSTVWY])"
_GENE = r"[A-Z][A-Z0-9-]{0,15}"
_PROTEIN = re.compile(
    rf"^(?P<gene>{_GENE})[\s:]+(?:p\.)?\(?(?P<ref>{_AA})(?P<pos>\d{{1,5}})"
    rf"(?P<alt>{_AA}|\*|fs\*?\d*|del|dup|ins[A-Z]*)\)?(?:\s+mutation)?$"
)
_STAR = re.compile(rf"^(?P<gene>{_GENE}?)\s*(?P<alleles>\*\d+[A-Z]?(?:\s*/\s*\*\d+[A-Z]?)?)$")
_HLA = re.compile(
    r"^(?P<gene>HLA-[A-Z]+[0-9]?)\s*\*?\s*(?P<allele>\d{2,3}(?::?\d{2,3}){0,3})$", re.I
)
_RSID = re.compile(r"^(?:dbSNP:)?(rs\d+)$", re.I)
_GENE_LEVEL = re.compile(
    rf"^(?P<gene>{_GENE})\s+(?P<what>amplification|amplified|overexpression|over-expression|"
    r"deletion|loss|fusion|rearrangement|mutation|mutant|mutated|positive|"
    r"exon\s+\d+\s+(?:deletion|insertion|skipping|del|ins|mutation))$",
    re.I,
)


def normalise_key(text: str) -> str:
    """Case, punctuation and word order aside: 'Carcinoma, Non-Small-Cell Lung' ~ 'non small cell lung carcinoma'."""
    return " ".join(sorted(re.sub(r"[^0-9a-z*:]+", " ", text.casefold()).split()))


@dataclass(frozen=True, slots=True)
class VariantQuery:
    text: str
    gene_symbol: str | None
    names: tuple[str, ...]  # spellings to look up as a Variant entity
    kind: str  # protein_change | star_allele | hla_allele | gene_alteration | rsid | other
    reference: bool = False  # the *1 (normal function) allele


@dataclass(frozen=True, slots=True)
class ResolvedVariant:
    text: str  # as the clinician wrote it
    variant: Entity | None
    gene: Entity | None
    kind: str
    reference: bool = False

    @property
    def label(self) -> str:
        if self.variant is not None:
            return self.variant.name
        return self.text.strip()


@dataclass(frozen=True, slots=True)
class Allergen:
    text: str
    drug: Entity | None
    groups: tuple[str, ...]  # drug_classes group names the allergen belongs to or names


@dataclass(frozen=True, slots=True)
class ResolvedPatient:
    diagnoses: tuple[Entity, ...] = ()
    variants: tuple[ResolvedVariant, ...] = ()
    medications: tuple[Entity, ...] = ()
    allergies: tuple[Allergen, ...] = ()
    unresolved: tuple[str, ...] = ()
    broader: tuple[tuple[str, tuple[str, ...]], ...] = ()  # diagnosis id -> broader ids
    # the graph's drug-class entities the medications belong to ("NSAIDs" for ibuprofen),
    # each with its members among the medications: labels state interactions by class
    medication_classes: tuple[tuple[Entity, tuple[Entity, ...]], ...] = ()

    @property
    def entities(self) -> tuple[Entity, ...]:
        out: dict[str, Entity] = {}
        for e in self.diagnoses:
            out.setdefault(e.id, e)
        for v in self.variants:
            for e in (v.variant, v.gene):
                if e is not None:
                    out.setdefault(e.id, e)
        for e in self.medications:
            out.setdefault(e.id, e)
        for a in self.allergies:
            if a.drug is not None:
                out.setdefault(a.drug.id, a.drug)
        return tuple(out.values())


def _protein_name(m: re.Match[str]) -> str:
    ref = _AA3.get(m["ref"], m["ref"])
    alt = _AA3.get(m["alt"], m["alt"])
    return f"{ref}{m['pos']}{alt}"


def parse_variant(text: str) -> list[VariantQuery]:
    """Spellings to look for; a diplotype (``CYP2D6*1/*4``) gives one query per allele."""
    t = " ".join(text.split())
    if m := _RSID.match(t):
        rs = m[1].lower()
        return [VariantQuery(t, None, (f"dbSNP:{rs}", rs), "rsid")]
    if m := _HLA.match(t):
        gene = m["gene"].upper()
        digits = m["allele"].replace(":", "")
        fields = (
            m["allele"]
            if ":" in m["allele"]
            else ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
        )
        names = (f"{gene}*{fields}", f"{gene}*{digits}", f"{gene} {fields}")
        return [VariantQuery(t, gene, names, "hla_allele")]
    if (m := _STAR.match(t)) and m["gene"]:
        gene = m["gene"]
        alleles = [a.strip() for a in m["alleles"].split("/")]
        distinct = list(dict.fromkeys(alleles))
        if all(a == "*1" for a in distinct):
            return [VariantQuery(t, gene, (f"{gene}*1",), "star_allele", reference=True)]
        return [
            VariantQuery(t, gene, (f"{gene}{a}", f"{gene} {a}"), "star_allele")
            for a in distinct
            if a != "*1"
        ]
    if m := _PROTEIN.match(t):
        gene = m["gene"]
        change = _protein_name(m)
        # VAR:<symbol>:p.<change> is the id extractors.linking.variants gives variants.
        names = (f"VAR:{gene}:p.{change}", f"{gene} p.{change}", f"{gene} {change}", t)
        return [VariantQuery(t, gene, tuple(dict.fromkeys(names)), "protein_change")]
    if m := _GENE_LEVEL.match(t):
        return [VariantQuery(t, m["gene"].upper(), (t,), "gene_alteration")]
    first = t.split(" ", 1)[0]
    gene = first if re.fullmatch(_GENE, first) and first != t else None
    return [VariantQuery(t, gene, (t,), "other")]


def variant_gene_symbol(variant: Entity) -> str | None:
    """The gene symbol a variant's name starts with (``EGFR L858R`` -> ``EGFR``)."""
    for parsed in parse_variant(variant.name):
        if parsed.gene_symbol:
            return parsed.gene_symbol
    return None


def _check_list(name: str, values: Sequence[str]) -> list[str]:
    if len(values) > MAX_ITEMS:
        raise BadInputError(f"patient.{name} has {len(values)} entries; at most {MAX_ITEMS}")
    out = []
    for v in values:
        if len(v) > MAX_CHARS:
            raise BadInputError(f"an entry of patient.{name} is longer than {MAX_CHARS} characters")
        if v.strip():
            out.append(v)
    return out


class Resolver:
    """Matches patient strings to entities for one request (memoised per request)."""

    def __init__(
        self,
        store: GraphStore,
        *,
        linker: Linker | None = None,
        variant_normaliser: VariantNormaliser | None = None,
        ancestors: Ancestors | None = None,
    ) -> None:
        self.store = store
        self.linker = linker
        self.variant_normaliser = variant_normaliser
        self.ancestors = ancestors
        self._memo: dict[tuple[str, EntityType], Entity | None] = {}

    def exact(self, text: str, etype: EntityType) -> Entity | None:
        """The entity whose id, name or synonym is ``text`` (case, punctuation, word order aside)."""
        key = (text, etype)
        if key not in self._memo:
            self._memo[key] = self._exact(text, etype)
        return self._memo[key]

    def alias(self, curie: str, etype: EntityType | None = None) -> Entity | None:
        """The entity that ``curie`` is another id of (a DrugBank, DOID or HGNC id, or an id
        merged into another entity), for a CURIE no entity has as its own id; an id that
        several entities claim is refused, not guessed."""
        key = curie.strip().casefold()
        types = [etype] if etype else None
        hits = [
            e
            for e in self.store.find_entities(curie, types=types, limit=5)
            if key in (a.casefold() for a in e.aliases)
        ]
        if len(hits) > 1:
            names = ", ".join(f"{e.id} ({e.name})" for e in hits)
            raise NotFoundError(
                f"{curie!r} is an id of several entities: {names}; ask by one of theirs"
            )
        return hits[0] if hits else None

    def _exact(self, text: str, etype: EntityType) -> Entity | None:
        t = text.strip()
        if not t:
            return None
        if _CURIE.match(t):
            got = self.store.get_entities([t]).get(t) or self.alias(t, etype)
            if got is not None and got.type is etype:
                return got
        want = normalise_key(t)

        def same(ent: Entity) -> bool:
            return any(normalise_key(n) == want for n in (ent.id, ent.name, *ent.synonyms))

        # Exact matches rank first (store contract), so one hit is enough to decide, and
        # asking for one spares the embedded store its substring scan.
        first = self.store.find_entities(t, types=[etype], limit=1)
        if first and same(first[0]):
            return first[0]
        if self.linker is not None:
            hits = [h for h in self.linker(t, etype) if isinstance(h, str | Entity)]
            ids = [h if isinstance(h, str) else h.id for h in hits]
            found = self.store.get_entities(ids) if ids else {}
            for i in ids:
                ent = found.get(i)
                if ent is not None and ent.type is etype:
                    return ent
            if etype is EntityType.DISEASE:  # known to the vocabulary, not to the graph
                for h in hits:
                    if isinstance(h, Entity) and h.type is etype:
                        return h
        return None

    def suggestions(self, text: str, etype: EntityType, limit: int = 5) -> list[Entity]:
        return (
            self.store.find_entities(text.strip(), types=[etype], limit=limit)
            if text.strip()
            else []
        )

    def gene(self, symbol: str) -> Entity | None:
        return self.exact(symbol, EntityType.GENE)

    def variant(self, text: str) -> list[ResolvedVariant]:
        out = []
        for q in parse_variant(text):
            names = list(q.names)
            if (
                self.variant_normaliser is not None
                and q.gene_symbol
                and q.kind in ("protein_change", "gene_alteration", "other")
            ):
                change = self.variant_normaliser(text)
                if change:
                    names += [f"VAR:{q.gene_symbol}:{change}", f"{q.gene_symbol} {change}"]
            variant = None
            for name in dict.fromkeys(names):
                variant = self.exact(name, EntityType.VARIANT)
                if variant is not None:
                    break
            gene = self.gene(q.gene_symbol) if q.gene_symbol else None
            if gene is None and variant is not None:
                gene = self.variant_gene(variant)
            if variant is None and gene is None:
                continue
            out.append(ResolvedVariant(text, variant, gene, q.kind, q.reference))
        return out

    def variant_gene(self, variant: Entity) -> Entity | None:
        """From the variant's gene xrefs, else from the symbol its name starts with."""
        ids = [x for x in variant.xrefs if x.startswith(GENE_ID_PREFIXES)]
        if ids:
            found = self.store.get_entities(ids)
            for i in ids:
                if (g := found.get(i)) is not None and g.type is EntityType.GENE:
                    return g
        symbol = variant_gene_symbol(variant)
        return self.gene(symbol) if symbol else None

    def allergen(self, text: str) -> Allergen | None:
        group = drug_classes.group_named(text)
        drug = self.exact(text, EntityType.DRUG)
        groups: tuple[str, ...] = ()
        if drug is not None:
            groups = drug_classes.groups_of(drug)
        elif group is None:
            groups = drug_classes.groups_of_names([text])
        if group is not None:
            groups = tuple(dict.fromkeys((group.name, *groups)))
        if drug is None and not groups:
            return None
        return Allergen(text, drug, groups)

    def patient(self, patient: dict[str, Sequence[str]]) -> ResolvedPatient:
        diagnoses_in = _check_list("diagnoses", patient.get("diagnoses") or ())
        variants_in = _check_list("variants", patient.get("variants") or ())
        meds_in = _check_list("medications", patient.get("medications") or ())
        allergies_in = _check_list("allergies", patient.get("allergies") or ())
        unresolved: list[str] = []

        def entities(texts: list[str], etype: EntityType) -> tuple[Entity, ...]:
            found: dict[str, Entity] = {}
            for t in texts:
                ent = self.exact(t, etype)
                if ent is None:
                    unresolved.append(t)
                else:
                    found.setdefault(ent.id, ent)
            return tuple(found.values())

        diagnoses = entities(diagnoses_in, EntityType.DISEASE)
        variants: list[ResolvedVariant] = []
        for t in variants_in:
            got = self.variant(t)
            if got:
                variants.extend(got)
            else:
                unresolved.append(t)
        medications = entities(meds_in, EntityType.DRUG)
        allergies = []
        for t in allergies_in:
            a = self.allergen(t)
            if a is None:
                unresolved.append(t)
            else:
                allergies.append(a)
        return ResolvedPatient(
            diagnoses,
            tuple(variants),
            medications,
            tuple(allergies),
            tuple(unresolved),
            self._broader(diagnoses),
            self._classes(medications),
        )

    def drug_class(self, group: str) -> Entity | None:
        """The graph's entity for a ``drug_classes`` group ("NSAIDs": Anti-Inflammatory
        Agents, Non-Steroidal), found by the group's names; never one of its members
        (the drug "penicillin" is not the class "penicillins")."""
        g = drug_classes.GROUPS[group]
        for name in (g.name, *g.aliases):
            ent = self.exact(name, EntityType.DRUG)
            if ent is not None and group not in drug_classes.groups_of(ent):
                return ent
        return None

    def _classes(
        self, medications: Sequence[Entity]
    ) -> tuple[tuple[Entity, tuple[Entity, ...]], ...]:
        own = {m.id for m in medications}
        found: dict[str, Entity] = {}
        members: dict[str, list[Entity]] = {}
        class_of: dict[str, Entity | None] = {}  # one store look-up per group, not per drug
        for med in medications:
            for group in drug_classes.groups_of(med):
                if group not in class_of:
                    class_of[group] = self.drug_class(group)
                cls = class_of[group]
                if cls is None or cls.id in own:
                    continue
                found[cls.id] = cls
                if med not in members.setdefault(cls.id, []):
                    members[cls.id].append(med)
        return tuple((found[i], tuple(ms)) for i, ms in members.items())

    def _broader(self, diagnoses: Sequence[Entity]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if self.ancestors is None:
            return ()
        own = {d.id for d in diagnoses}
        out = []
        try:
            for d in diagnoses:
                # a concept MeSH lacks (a DOID) reaches the tree through its nearest heading
                found = set(d.broader)
                for x in (d.id, *d.broader):
                    found.update(self.ancestors(x))
                ups = tuple(sorted(found - own))
                if ups:
                    out.append((d.id, ups))
        except KGError as exc:
            # the plan still answers; only the broader contraindications are missing
            log.warning("no broader diseases for this request: %s", exc)
            return ()
        return tuple(out)


def optional_ancestors(kb_dir: str | Path) -> Ancestors | None:
    """MeSH ancestors from the KB at ``kb_dir`` (read on first use), when extractors is installed."""
    try:
        from extractors.linking.hierarchy import Hierarchy
    except ImportError:
        return None
    return Hierarchy.in_kb(kb_dir).ancestors
