"""Entity linking: mention -> KB entity, cheaply and without inventing ids.

A cascade per mention, constrained to the mention's type:

1. abbreviation: a short form defined in the document ("ARF") is linked as its long form
   ("acute renal failure"), so every use of a short form gets the long form's entity;
2. exact: the normalised string is a KB name (score 1.0; rank breaks ties);
3. loose: singular, stop words and spaces dropped ("tumours of the lung" ≈ "lung tumor");
4. fuzzy: character-trigram TF-IDF cosine ≥ a per-type threshold calibrated on dev, and
   every word of the name found is a word of the text, respelled at most ("perforation" is
   not Retinal Perforations, "hypocoagulability" not Hypercoagulability);
5. trim (diseases): drop leading words until a name matches ("acute bacterial sinusitis"),
   never down to a bare head noun ("syndrome"); (genes): drop the words around the symbol
   that name its state, product or change ("KRAS mutation", "HER2-positive", "EGFR gene",
   "DDR2 S768R mutation", "wild-type EGFR").

Before the cascade, a recognised disease span grows over the words next to it when the
longer phrase is itself a KB name: the tagger often drops a modifier that names a more
specific concept ("major" in "major depressive disorder", "essential" hypertension). A
coordination whose parts are names, and the whole not, becomes one mention per part
("nausea and vomiting").

Strings that annotators consistently left unlinked stay unlinked, and so does anything
under the threshold: ``entity`` None, never a made-up id. Variants get canonical ids from
``VariantResolver`` anchored on the gene they belong to.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from extractors.abbreviations import Abbreviation, AbbreviationFinder, long_forms
from extractors.base import Failure, LinkedMention
from extractors.linking.fuzzy import FuzzyIndex, adds_no_word
from extractors.linking.kb import NAMES_FILE, RANK_SYNONYM, KnowledgeBase, read_meta
from extractors.linking.normalize import is_stop_word, norm, singular, strip_salt, tokens
from extractors.linking.rewrites import name_rewrites
from extractors.linking.species import non_human_document, viral_gene
from extractors.linking.variants import VariantResolver
from extractors.variants import parse as parse_variant
from kg.model import Document, Entity, EntityType, Mention

log = logging.getLogger(__name__)

# Cosine thresholds for the fuzzy step, chosen on BC5CDR dev with a train-only KB (see
# models/kb/MODEL_CARD.md): fuzzy matching only hurts drugs; for diseases 0.7 is best on
# gold spans and 0.8 on recognised spans, which is what the product links. Genes get
# none: a near-miss gene symbol is another gene.
DEFAULT_THRESHOLDS: Mapping[EntityType, float] = MappingProxyType(
    {EntityType.DRUG: 0.95, EntityType.DISEASE: 0.8}
)
SCORE_EXACT = 1.0
SCORE_EXACT_WEAK = 0.97  # exact, but only through an alias or a secondary vocabulary
SCORE_LOOSE = 0.93
SCORE_TRIMMED = 0.8
SCORE_REWRITTEN = 0.88  # found under another way of writing the name (``name_rewrites``)
SCORE_VARIANT = 0.9  # grammar-parsed and gene-anchored; the gene choice can be wrong
SCORE_SUBSPAN = 0.85  # lookup(): a KB name inside the query ("aspirin" in "aspirin allergy")
SCORE_RETYPED = 0.9  # a drug/disease mention that is exactly an approved gene symbol
# the one-letter element symbols, by MeSH name
ELEMENT_SYMBOLS = {
    "H": "Hydrogen", "B": "Boron", "C": "Carbon", "N": "Nitrogen", "O": "Oxygen",
    "F": "Fluorine", "P": "Phosphorus", "S": "Sulfur", "K": "Potassium", "V": "Vanadium",
    "Y": "Yttrium", "I": "Iodine", "W": "Tungsten", "U": "Uranium",
}  # fmt: skip
SHORT_NAME = 4  # names this short written in capitals are abbreviations ("NO", "CO", "ACE")
LINKABLE = (EntityType.DRUG, EntityType.DISEASE, EntityType.GENE)
# a trimmed disease that is only its head noun names no condition ("sinusoidal obstruction
# syndrome" is not the MeSH root "Syndrome"): it stays unlinked
_GENERIC_HEADS = frozenset(
    {"syndrome", "disease", "disorder", "condition", "problem"}
    | {"syndromes", "diseases", "disorders", "conditions", "problems"}
)
# a virus's infection ("HPV infection", "herpes simplex virus infection") is not MeSH's
# root Infection, nor the "virus infection" an ontology maps to Arbovirus Infections:
# trimming and near spellings may not drop the virus ("serious infections" may still be
# read as Infection)
_ROOT_INFECTION = frozenset({"infection", "infections", "virus infection", "virus infections"})
_NAMES_A_VIRUS = re.compile(r"virus(?:es)?\b|\b(?:hpv|hbv|hcv|hsv|ebv|cmv|rsv|vzv|hiv)\b", re.I)


def _drops_the_virus(text: str, rest: str) -> bool:
    return norm(rest) in _ROOT_INFECTION and _NAMES_A_VIRUS.search(text) is not None


# "CNS depression", "myocardial depression", "ST segment depression": a body system's
# depressed function, not the mood disorder a fuzzy match or a trimmed "depression" would
# give. Only exact names link them ("respiratory depression", "bone marrow depression").
_ORGAN_DEPRESSION = re.compile(
    r"\b(?:cns|central\s+nervous\s+system|myocardial|cardiac|cardiovascular|circulatory|"
    r"respiratory|ventilatory|medullary|marrow|st[\s-]*segment|st)\s+depressions?\b",
    re.IGNORECASE,
)
_BARE_DEPRESSION = re.compile(r"\bdepressions?\b", re.IGNORECASE)


def _organ_depression(text: str, etype: EntityType) -> bool:
    return etype is EntityType.DISEASE and _ORGAN_DEPRESSION.search(text) is not None


# words after a gene that name its state, its product or one of its changes ("DDR2 S768R
# mutation", "KIT exon 11 mutant"), not another gene
_GENE_TAIL = re.compile(
    r"(?:[\s-]+(?:mutations?|mutants?|mutated|genes?|proteins?|mRNAs?|transcripts?|expression|"
    r"overexpression|amplifications?|amplified|fusions?|rearrange\w*|positive|negative|status|"
    r"variants?|alterations?|deletions?|loss|polymorphisms?|alleles?|genotypes?|locus|kinase|"
    r"exons?\s+\d+|[A-Z]\d+[A-Z*]|[pc]\.\S+))+$",
    re.IGNORECASE,
)
# USAN stems of kinase inhibitors, antibodies and other targeted drugs: a word ending so is
# a drug, never a gene's name
_DRUG_STEM = re.compile(
    r"(?:nib|ciclib|parib|lisib|degib|zomib|mab|cept|platin|taxel|rubicin|mustine|trexate|"
    r"citabine|limus|lutamide|trozole)$",
    re.IGNORECASE,
)
# and words before it ("wild-type EGFR", "mutant KRAS", "the tumor-suppressor gene TSC2")
_GENE_LEAD = re.compile(
    r"^(?:wild-?type|mutant|mutated|amplified|activated|oncogenic"
    r"|(?:the\s+)?(?:[\w-]+\s+)?(?:genes?|oncogenes?|proteins?))[\s-]+",
    re.I,
)
# a gene symbol the tagger left out, written before its state ("HER2 positive breast
# cancer", "MET amplification", "ALK-rearranged")
_GENE_IN_CONTEXT = re.compile(
    r"(?<![\w-])([A-Z][A-Z0-9]{2,9})(?=[\s-]+(?:positive|negative|overexpressing|overexpressed|"
    r"overexpression|amplified|amplification|mutant|mutants|mutated|mutations?|fusions?|"
    r"rearranged|rearrangements?|wild-?type|deleted|deletions?|status|alterations?|altered)\b)"
)
# "5-HT1B/1D receptors", "CYP3A4/5": subtypes of one stem, the second written as a suffix
_SLASHED = re.compile(
    r"^(?P<stem>.*?[A-Za-z-])(?P<a>\d+[A-Za-z]?)/(?P<b>\d+[A-Za-z]?)(?P<tail>(?:\s.*)?)$"
)
# "5-HT1B receptors" is HTR1B: a receptor's subtype name with the word that says so; only
# for a gene named as a receptor ("EGF receptor" is not EGF, "insulin receptor" not INS)
_RECEPTOR_TAIL = re.compile(r"[\s-]+receptors?$", re.I)
_SUBTYPE = re.compile(r"(\d+[A-Za-z]?|[A-Za-z]\d+)$")
# "cytochrome P450 3A4", "cytochrome P-450 2C9 isoenzyme": drug labels name a CYP gene by
# its enzyme; the gene's symbol is CYP + the family, subfamily and member
_CYP = re.compile(
    r"^(?:human\s+)?cytochrome\s+p-?\s?450\s*(?:\(cyp\)\s*)?(\d{1,2}[a-z]\d{0,2})"
    r"(?:\s+(?:enzymes?|isoenzymes?|isozymes?|isoforms?))?$",
    re.IGNORECASE,
)
# the cytochrome P450 superfamily without a member named ("metabolized by cytochrome P450
# enzymes", "CYP450", "P-450"): a family, not one gene (corpus readings and aliases gave
# CYP2F1, CYP2B6 or PPIG); "cytochrome P450 3A4" is read by ``_CYP``
_CYP_FAMILY = re.compile(
    r"(?:human\s+)?(?:(?:the\s+)?cytochrome\s+)?(?:p-?\s?450|cyp-?\s?450|cyps?)"
    r"(?:\s*\(cyp\))?(?:\s+(?:enzymes?|isoenzymes?|isozymes?|isoforms?|system|family|superfamily))?",
    re.IGNORECASE,
)
_ROOT = re.compile(r"[A-Z]+")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=[A-Z0-9(])")


@dataclass(frozen=True, slots=True)
class LinkerConfig:
    thresholds: Mapping[EntityType, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    abbreviations: bool = True
    fuzzy: bool = True
    # last resort for these types: drop leading words ("acute bacterial sinusitis" -> "sinusitis").
    # Recognised spans run long; on BC5CDR dev with NER spans it gains 0.4 F1 for diseases
    # and loses 0.6 for drugs (with gold spans it costs diseases 0.3).
    trim_types: frozenset[EntityType] = frozenset({EntityType.DISEASE})
    # unlinked drug/disease mentions that are exactly a gene symbol or a variant change get
    # that type (see ``_retype``)
    retype: bool = True
    # grow spans over neighbouring words that make a longer KB name (see ``extend_spans``).
    # Chosen on dev with held-out NER and a train-only KB, recognised spans: diseases gain
    # (BC5CDR 0.819 -> 0.820, NCBI-disease 0.741 -> 0.745, BioRED 0.772 -> 0.778, LabeledIn
    # indications 0.617 -> 0.639); drugs lose (BC5CDR 0.854 -> 0.851).
    extend_types: frozenset[EntityType] = frozenset({EntityType.DISEASE})
    # split "A and B" into A and B when the whole is no KB name and each part is one
    # (see ``split_coordinations``). Chosen like ``extend_types``: BC5CDR dev Disease 0.8196
    # -> 0.8228, NCBI-disease 0.7448 -> 0.7461, BioRED Disease 0.7781 -> 0.7799, LabeledIn
    # 0.639 -> 0.650; drugs unchanged on every dev set (kept for "aspirin and clopidogrel").
    split_types: frozenset[EntityType] = frozenset({EntityType.DISEASE, EntityType.DRUG})
    # a gene mention that runs on into words about its state ("KRAS mutation", "ALK-positive",
    # "EGFR gene") links through its symbol (see ``_GENE_TAIL``). Chosen like the others:
    # BioRED dev Gene 0.394 -> 0.418, Variant 0.352 -> 0.389, end to end 0.196 -> 0.217
    gene_tails: bool = True
    # "5-HT1B receptors" through the receptor's subtype name, and "5-HT1B/1D" or "CYP3A4/5"
    # as one mention per subtype (see ``_gene_slashes``)
    gene_receptors: bool = True
    gene_slashes: bool = True
    # gene symbols the tagger left out, read where they stand before a state word (see
    # ``_GENE_IN_CONTEXT`` and ``genes_in_context``)
    context_genes: bool = True
    # look up again under other ways of writing the name (``name_rewrites``: synonym words,
    # adjective endings), also after trimming. Chosen like the others: BC5CDR dev Disease
    # 0.8271 -> 0.8306, NCBI-disease 0.7513 -> 0.7591, BioRED Disease 0.7899 -> 0.7917,
    # LabeledIn dev half 0.680 -> 0.688; swapping "damage", "injury" or "toxicity" for
    # "disease" lost on every set, and so did turning "cancer of the lung" round (NCBI)
    rewrite_types: frozenset[EntityType] = frozenset({EntityType.DISEASE})
    # a disease linked to a concept MeSH lacks (a Disease Ontology term) carries the nearest
    # MeSH heading as ``Entity.broader``; the node stays the specific concept. MeSH-annotated
    # corpora read that heading: dev, recognised spans, BC5CDR Disease 0.8306 -> 0.8359,
    # NCBI-disease 0.7591 -> 0.7700, BioRED Disease 0.7917 -> 0.7958, BC5CDR CID with
    # predicted entities 0.4673 -> 0.4720; LabeledIn, which reads the concept, unchanged
    broader_headings: bool = True
    # the KB's genes are human: a gene mention in a paper about another organism only ("in
    # mice", and no patient or human named) stays unlinked (``species.non_human_document``).
    # Chosen on BioRED dev, held-out NER, train-only KB: Gene 0.415 -> 0.512 (P 0.461 ->
    # 0.815); variants keep their gene-anchored ids (unlinking them too lost on train)
    human_genes_only: bool = True
    # in a drug label, a gene mention of three characters or fewer that only a gene's alias
    # names stays unlinked: labels' short capitals are lab tests and pharmacokinetic terms
    # ("CPK" is creatine kinase, not PIK3C2A's alias; "AST", "GFR", "CL/F"); approved
    # symbols ("ACE", "CRP") and names from the curated corpora still link, unless the corpus
    # wrote the letters in another case ("Fpg", a bacterial glycosylase, is not a label's
    # "FPG", fasting plasma glucose)
    label_short_aliases: bool = False
    # a gene alias several genes share goes to the one of the family of the document's other
    # genes (see ``_family_ties``)
    family_ties: bool = True
    # in a document that classifies variants by the ACMG/AMP criteria ("ACMG evidence codes:
    # PS4, PM2, PP1, PP4"), the criteria's codes link to no gene: CIViC's VHL items had made
    # NPY6R ("PP2"), ANXA5 ("PP4") and PPA1 ("PP1") genes of von Hippel-Lindau disease
    acmg_codes_as_genes: bool = False


# documents written as drug labels (``loaders.spl``, ``loaders.openfda``)
LABEL_SOURCES = frozenset({"spl", "openfda"})
# The gene families a drug label's pharmacology names: transporters and drug-metabolising
# enzymes. A label's "OCT2" is the transporter SLC22A2, not the transcription factor POU2F2
# that shares the alias, even where the label names no other transporter.
_DISPOSITION_FAMILIES = frozenset({"SLC", "ABC", "CYP", "UGT"})
SHORT_ALIAS = 3  # letters and digits
# guideline tables' capital "NO" ("NO action is required", PharmGKB's DPWG texts 57 times)
# is the English word, not nitric oxide
_EMPHATIC_NO_NEXT = re.compile(
    r"\s+(?:action|additional|further|dose|dosing|changes?|adjustments?|recommendations?|monitoring)\b"
)
_PCR_NEXT = re.compile(r"-?PCR\b")
# the ACMG/AMP variant-classification criteria (Richards et al. 2015), and the words that
# show a document uses them
_ACMG_CONTEXT = re.compile(r"\bACMG\b|\b(?:evidence|classification)\s+(?:codes?|criteria)\b", re.I)
_ACMG_CODE = re.compile(r"(?:PVS1|PS[1-4]|PM[1-6]|PP[1-5]|BA1|BS[1-4]|BP[1-7])(?:_\w+)?")
_ALNUM = re.compile(r"[^a-z0-9]")
# a gene alias may be matched loosely (spaces, hyphens, a plural) only by a mention shaped
# like a symbol: "MATE-1" is MATE1 (SLC47A1); "Beta", "RA-I", "CL/F" and "4.3" are no
# gene's alias written otherwise (SUCLA2, GDF1, CRLF1, TAF8 before)
_SYMBOL_SHAPED = re.compile(r"(?=.*[a-z])(?=.*\d)[a-z0-9]{4,}")


@dataclass(frozen=True, slots=True)
class _Choice:
    row: int
    score: float
    how: str


def default_kb_path() -> Path:
    from kg.settings import Settings

    return Settings.from_env().kb_dir


class DictionaryLinker:
    """The ``Linker`` (extractors/base.py). Loads its KB and indexes once, on first use."""

    name = "medkg-linker"
    rules_version = "26"  # bump when a rule changes what the same KB links

    def __init__(
        self,
        kb_path: str | Path | None = None,
        *,
        kb: KnowledgeBase | None = None,
        config: LinkerConfig | None = None,
        abbreviations: AbbreviationFinder | None = None,
    ) -> None:
        self._kb_path = Path(kb_path) if kb_path else None
        self._kb = kb
        self.config = config or LinkerConfig()
        self._abbrev = abbreviations
        self._fuzzy: dict[EntityType, FuzzyIndex] = {}
        self._variants = VariantResolver()
        self._lock = threading.RLock()
        self._with_broader: dict[int, Entity] = {}  # KB row -> entity with its MeSH heading
        self._version: str | None = None

    @property
    def version(self) -> str:
        """The rules' version and the KB's content hash, so that a new KB or new rules
        re-link a document on the next ingest while the same ones skip it. Read once, from
        the KB's ``kb.json`` without loading the KB: ingestion asks for it per document."""
        if self._version is None:
            meta = (
                self._kb.meta
                if self._kb is not None
                else read_meta(self._kb_path or default_kb_path())
            )
            sha = meta.get("sha256", {})
            digest = sha.get(NAMES_FILE, "") if isinstance(sha, dict) else ""
            self._version = f"{self.rules_version}+{digest[:8]}" if digest else self.rules_version
        return self._version

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    # -- lazy state ---------------------------------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            with self._lock:
                if self._kb is None:
                    self._kb = KnowledgeBase.load(self._kb_path or default_kb_path())
        return self._kb

    @property
    def abbreviation_finder(self) -> AbbreviationFinder:
        if self._abbrev is None:
            self._abbrev = AbbreviationFinder()
        return self._abbrev

    def _fuzzy_index(self, etype: EntityType) -> FuzzyIndex | None:
        if etype not in self.config.thresholds or not self.config.fuzzy:
            return None
        index = self._fuzzy.get(etype)
        if index is None:
            kb = self.kb  # outside the lock: loading takes it too
            with self._lock:
                index = self._fuzzy.get(etype)
                if index is None:
                    names = sorted(kb.names_of_type_ranked(etype), key=lambda t: t[2])
                    index = FuzzyIndex([n for n, _, _ in names], [r for _, r, _ in names])
                    self._fuzzy[etype] = index
        return index

    def warm_up(self, types: Iterable[EntityType] = LINKABLE) -> KnowledgeBase:
        """Pay every loading cost now (the API calls this at start); returns the KB."""
        for t in types:
            self._fuzzy_index(t)
        return self.kb

    # -- single strings -----------------------------------------------------------------------
    def _dictionary(self, text: str, etype: EntityType) -> _Choice | None:
        kb = self.kb
        exact = [h for h in kb.lookup_exact(text, etype) if self._case_fits(text, h[1])]
        if exact:
            rank, row = exact[0]
            weak = rank // 10 > RANK_SYNONYM or rank % 10 >= 5
            return _Choice(row, SCORE_EXACT_WEAK if weak else SCORE_EXACT, "exact")
        loose = [h for h in kb.lookup_loose(text, etype) if self._case_fits(text, h[1])]
        if etype is EntityType.GENE:
            loose = [h for h in loose if self._gene_loosely(text, h)]
        if loose:
            return _Choice(loose[0][1], SCORE_LOOSE, "loose")
        return None

    def _gene_loosely(self, text: str, hit: tuple[int, int]) -> bool:
        """Whether a loose match stands for a gene: a letter is never a stop word in a gene's
        name ("apo A" is not AOPEP's alias APO, "lipoprotein" not lipoprotein(a)), and an alias
        is matched loosely only by a symbol-shaped mention (``_SYMBOL_SHAPED``)."""
        rank, row = hit
        if rank // 10 > RANK_SYNONYM and not _SYMBOL_SHAPED.fullmatch(_alnum(text)):
            return False
        key = _every_word(text)
        return any(_every_word(s) == key for s in self.kb.surfaces(row))

    def _named(self, text: str, etype: EntityType) -> _Choice | None:
        """The dictionary's choice for the text, else, for the ``rewrite_types``, for
        another way of writing it (``name_rewrites``)."""
        choice = self._dictionary(text, etype)
        if choice is not None or etype not in self.config.rewrite_types:
            return choice
        if norm(text) in _GENERIC_HEADS:  # "problems" alone names no condition
            return None
        for variant in name_rewrites(text):
            choice = self._dictionary(variant, etype)
            if choice is not None:
                return _Choice(choice.row, SCORE_REWRITTEN, "rewritten")
        return None

    def _case_fits(self, text: str, row: int) -> bool:
        """A short word in lower case is not an upper-case short name: "no" (as in "no
        function alleles") is not NO, nitric oxide. Longer names match in any case."""
        key = norm(text)
        if len(key) > SHORT_NAME or not text.islower():
            return True
        return any(not s.isupper() for s in self.kb.surfaces(row) if norm(s) == key)

    def _fuzzy_many(self, texts: Sequence[str], etype: EntityType) -> list[_Choice | None]:
        index = self._fuzzy_index(etype)
        if index is None or not texts:
            return [None] * len(texts)
        threshold = self.config.thresholds[etype]
        out: list[_Choice | None] = []
        for text, hits in zip(texts, index.search(texts), strict=True):
            hit = hits[0] if hits else None
            out.append(
                _Choice(hit.row, round(hit.score, 4), "fuzzy")
                if hit
                and hit.score >= threshold
                and adds_no_word(text, hit.surface)
                and not _bare_head(text, hit.surface)
                else None
            )
        return out

    def _link_texts(self, queries: Sequence[tuple[str, EntityType]]) -> list[_Choice | None]:
        """Dictionary first, then one batched fuzzy search per type for the misses."""
        out: list[_Choice | None] = []
        misses: dict[EntityType, list[int]] = {}
        for i, (text, etype) in enumerate(queries):
            if self.kb.is_unlinkable(text, etype) or (
                etype is EntityType.GENE and _CYP_FAMILY.fullmatch(text.strip())
            ):
                out.append(None)
                continue
            choice = self._named(text, etype)
            out.append(choice)
            if choice is None and etype in self.config.thresholds and len(norm(text)) >= 3:
                misses.setdefault(etype, []).append(i)
        for etype, idx in misses.items():
            for i, choice in zip(
                idx, self._fuzzy_many([queries[i][0] for i in idx], etype), strict=True
            ):
                if out[i] is None and not _organ_depression(queries[i][0], etype):
                    out[i] = choice
        if self.config.trim_types:
            self._trim_pass(queries, out, misses)
        for i, (text, etype) in enumerate(queries):
            if out[i] is None and etype is EntityType.GENE:
                out[i] = self._gene_written_otherwise(text)
        return out

    def _gene_written_otherwise(self, text: str) -> _Choice | None:
        """An unlinked gene mention read through its symbol: without the words around it
        that name its state ("KRAS mutation", with ``gene_tails``), or as the CYP gene a
        label names by its enzyme ("cytochrome P450 3A4")."""
        if self.config.gene_tails:
            head = _GENE_LEAD.sub("", _GENE_TAIL.sub("", text))
            if head and head != text:
                choice = self._dictionary(head, EntityType.GENE)
                if choice is not None:
                    return _Choice(choice.row, SCORE_TRIMMED, "gene-tail")
        cyp = _CYP.match(text.strip())
        if cyp:
            choice = self._dictionary("CYP" + cyp.group(1).upper(), EntityType.GENE)
            if choice is not None:
                return _Choice(choice.row, SCORE_REWRITTEN, "cyp")
        head = _RECEPTOR_TAIL.sub("", text) if self.config.gene_receptors else text
        subtype = _SUBTYPE.search(head) if head != text else None
        if subtype:
            # the receptor's name ends in the subtype the mention ends in: "5-HT1B" is HTR1B,
            # 5-hydroxytryptamine receptor 1B; "H2" is not FGFR1, fibroblast growth factor
            # receptor 1, whose alias it is
            named = re.compile(rf"\breceptor\b.*\b{re.escape(subtype.group(1))}$", re.I)
            for _, row in self.kb.lookup_exact(head, EntityType.GENE):
                if any(named.search(s) for s in self.kb.surfaces(row)):
                    return _Choice(row, SCORE_TRIMMED, "receptor")
        return None

    def _entity(self, row: int) -> Entity:
        """The KB's entity; a disease MeSH lacks gets its nearest MeSH heading as ``broader``."""
        entity = self.kb.entity(row)
        if not self.config.broader_headings or entity.type is not EntityType.DISEASE:
            return entity
        if any(c.startswith("MESH:") for c in (entity.id, *entity.xrefs)):
            return entity
        cached = self._with_broader.get(row)
        if cached is None:
            heading = self._heading(entity)
            cached = dataclasses.replace(entity, broader=(heading,) if heading else ())
            self._with_broader[row] = cached
        return cached

    def _heading(self, entity: Entity) -> str | None:
        """The MeSH disease its name, or a synonym, names once leading words are dropped
        ("left bundle branch block" -> Bundle-Branch Block), never a bare head noun."""
        for name in (entity.name, *entity.synonyms):
            for choice in self._trimmed(name, EntityType.DISEASE):
                if self.kb.id_of(choice.row).startswith("MESH:"):
                    return self.kb.id_of(choice.row)
        return None

    def _trimmed(self, text: str, etype: EntityType) -> Iterator[_Choice]:
        """The names the text's tails are, after dropping one leading word, then two, ...;
        never a tail under four letters or a bare head noun ("syndrome")."""
        words = text.split()
        organ = _organ_depression(text, etype)
        for cut in range(1, len(words)):
            rest = " ".join(words[cut:])
            if len(rest) < 4 or rest.lower() in _GENERIC_HEADS or _drops_the_virus(text, rest):
                return
            if organ and _BARE_DEPRESSION.search(rest) and not _organ_depression(rest, etype):
                continue  # "neonatal respiratory depression" may lose "neonatal", not "respiratory"
            choice = self._named(rest, etype)
            if choice is not None:
                yield choice

    def _trim_pass(
        self,
        queries: Sequence[tuple[str, EntityType]],
        out: list[_Choice | None],
        misses: Mapping[EntityType, list[int]],
    ) -> None:
        for etype, idx in misses.items():
            if etype not in self.config.trim_types:
                continue
            for i in idx:
                if out[i] is not None:
                    continue
                choice = next(self._trimmed(queries[i][0], etype), None)
                if choice is not None:
                    out[i] = _Choice(choice.row, SCORE_TRIMMED, "trimmed")

    # -- documents ----------------------------------------------------------------------------
    def extend_spans(self, doc: Document, mentions: Sequence[Mention]) -> list[Mention]:
        """Mentions grown over up to three words either side when the longer phrase is a
        KB name of the same type, as written or rewritten ("depressive disorder" -> "major
        depressive disorder", "bleeding" -> "uterine bleeding", Uterine Hemorrhage);
        a same-type mention the longer span swallows ("Acute" + "maxillary sinusitis") goes."""
        if not self.config.extend_types:
            return list(mentions)
        out = list(mentions)
        dropped: set[int] = set()
        for i, m in enumerate(out):
            if i in dropped or m.type not in self.config.extend_types:
                continue
            best = None
            for start, end in _neighbour_spans(doc.text, m.start, m.end):
                if best is not None and end - start <= best[1] - best[0]:
                    continue
                text = doc.text[start:end]
                if self.kb.is_unlinkable(text, m.type) or self._named(text, m.type) is None:
                    continue
                blocked = [
                    j
                    for j, o in enumerate(out)
                    if j != i and o.start < end and start < o.end and j not in dropped
                ]
                if all(out[j].type is m.type for j in blocked):
                    best = (start, end, blocked)
            if best is not None:
                start, end, blocked = best
                if any(out[j].start < start or out[j].end > end for j in blocked):
                    continue  # would cut another mention in two
                out[i] = dataclasses.replace(m, start=start, end=end, text=doc.text[start:end])
                dropped.update(blocked)
        return [m for j, m in enumerate(out) if j not in dropped]

    def split_coordinations(self, mentions: Sequence[Mention]) -> list[Mention]:
        """ "nausea and vomiting" as two mentions, "nausea" and "vomiting", when the whole
        phrase is no KB name of its type and every part is one, alone or with the words the
        parts share (``_conjunct_names``): a coordination names each part, and one entity for
        the whole would keep only one of them."""
        return [m for m, _ in self._coordinations(mentions)]

    def _coordinations(self, mentions: Sequence[Mention]) -> list[tuple[Mention, str]]:
        """Each mention, split as ``split_coordinations`` and ``_gene_slashes`` say, with
        the name it stands for: its own text, or for an elided part the text with the words
        it shares."""
        if not self.config.split_types and not self.config.gene_slashes:
            return [(m, m.text) for m in mentions]
        out: list[tuple[Mention, str]] = []
        for m in mentions:
            slashed = self._gene_slashes(m)
            if slashed:
                out.extend(slashed)
                continue
            parts = _conjuncts(m.text) if m.type in self.config.split_types else []
            names = (
                self._conjunct_names(m, parts)
                if len(parts) >= 2 and not self.kb.lookup_exact(m.text, m.type)
                else None
            )
            if names is None:
                out.append((m, m.text))
                continue
            out.extend(
                (dataclasses.replace(m, start=m.start + a, end=m.start + b, text=m.text[a:b]), n)
                for (a, b), n in zip(parts, names, strict=True)
            )
        return out

    def _gene_slashes(self, m: Mention) -> list[tuple[Mention, str]]:
        """A gene mention naming subtypes by a slash ("5-HT1B/1D receptors", "CYP3A4/5") as
        one mention per subtype, each with the name it stands for ("5-HT1D receptors"),
        when every name links; [] otherwise. Only a same-shaped suffix after the slash
        counts, so "HER2/neu" and "BCR/ABL" stay whole."""
        if m.type is not EntityType.GENE or not self.config.gene_slashes:
            return []
        found = _SLASHED.match(m.text)
        if not found or _suffix_shape(found["a"]) != _suffix_shape(found["b"]):
            return []
        stem, tail = found["stem"], found["tail"]
        names = [stem + found["a"] + tail, stem + found["b"] + tail]
        if self.kb.lookup_exact(m.text, m.type) or any(
            self._named(n, m.type) is None and self._gene_written_otherwise(n) is None
            for n in names
        ):
            return []
        cut = len(stem) + len(found["a"])
        first = dataclasses.replace(m, end=m.start + cut, text=m.text[:cut])
        rest = dataclasses.replace(m, start=m.start + cut + 1, text=m.text[cut + 1 :])
        return [(first, names[0]), (rest, names[1])]

    def _conjunct_names(self, m: Mention, parts: Sequence[tuple[int, int]]) -> list[str] | None:
        """The name each part of a coordination stands for, or None unless the dictionary
        knows every one, as written or rewritten (``_named``): the parts themselves ("nausea
        and vomiting"), else with the head the last part shares ("gastrointestinal and
        musculoskeletal symptoms": gastrointestinal symptoms) or the modifier the first part
        shares ("ventricular tachycardia and fibrillation": ventricular fibrillation)."""
        texts = [m.text[a:b] for a, b in parts]
        first, last = texts[0].split(), texts[-1].split()
        candidates = [texts]
        candidates += [
            [f"{t} {' '.join(last[-k:])}" for t in texts[:-1]] + texts[-1:]
            for k in range(1, len(last))
        ]
        candidates += [
            texts[:1] + [f"{' '.join(first[:k])} {t}" for t in texts[1:]]
            for k in range(1, len(first))
        ]
        for names in candidates:
            if all(self._named(n, m.type) is not None for n in names):
                return names
        return None

    def genes_in_context(self, doc: Document, mentions: Sequence[Mention]) -> list[Mention]:
        """The mentions plus a gene mention for every symbol that no mention covers and
        that stands before a word about a gene's state ("HER2 positive", "MET
        amplification"), when the KB knows it as one gene's name and as no drug or disease."""
        out = list(mentions)
        for m in _GENE_IN_CONTEXT.finditer(doc.text):
            s, e = m.span(1)
            if any(o.start < e and s < o.end for o in out):
                continue
            symbol = m.group(1)
            genes = {row for _, row in self.kb.lookup_exact(symbol, EntityType.GENE)}
            if len(genes) != 1 or any(
                self.kb.lookup_exact(symbol, t) for t in (EntityType.DRUG, EntityType.DISEASE)
            ):
                continue
            out.append(Mention(s, e, symbol, EntityType.GENE, label="Gene", extractor=self.tag))
        return out

    def link(self, doc: Document, mentions: Sequence[Mention]) -> list[LinkedMention]:
        named = self._coordinations(self.extend_spans(doc, mentions))
        mentions = [m for m, _ in named]
        elided = {i: name for i, (m, name) in enumerate(named) if name != m.text}
        if self.config.context_genes:
            mentions = self.genes_in_context(doc, mentions)
        abbrevs = (
            long_forms(self.abbreviation_finder.find(doc)) if self.config.abbreviations else {}
        )
        plain = [m for m in mentions if m.type in LINKABLE]
        queries: list[tuple[str, EntityType]] = []
        owners: list[tuple[int, str]] = []  # (mention index, which query)
        for i, m in enumerate(mentions):
            if m.type not in LINKABLE:
                continue
            expanded = _expand(m, abbrevs, plain, doc.text)
            if expanded is not None:
                queries.append((expanded, m.type))
                owners.append((i, "long"))
            if i in elided:  # "musculoskeletal" of "gastrointestinal and musculoskeletal symptoms"
                queries.append((elided[i], m.type))
                owners.append((i, "elided"))
            queries.append((m.text, m.type))
            owners.append((i, "own"))
            bare = strip_salt(m.text) if m.type is EntityType.DRUG else ""
            if bare:  # "clopidogrel bisulfate": the active moiety, when the salt is unknown
                queries.append((bare, m.type))
                owners.append((i, "bare"))
        choices = self._link_texts(queries)
        best: dict[int, _Choice] = {}
        for (i, which), choice in zip(owners, choices, strict=True):
            if choice is not None and i not in best:
                best[i] = (
                    _Choice(choice.row, choice.score, f"{which}:{choice.how}")
                    if which != "own"
                    else choice
                )
        named = {c.row for i, c in best.items() if len(mentions[i].text.strip()) > 1}
        best = {
            i: c for i, c in best.items() if not self._stray_letter(mentions[i], c, named)
        }
        if self.config.family_ties:
            best = self._family_ties(mentions, best, label=doc.source in LABEL_SOURCES)
        if doc.source in LABEL_SOURCES and not self.config.label_short_aliases:
            best = {
                i: c
                for i, c in best.items()
                if not _label_short_alias(
                    mentions[i], c, self.kb.entity(c.row).name, self.kb.surfaces(c.row)
                )
            }
        acmg = not self.config.acmg_codes_as_genes and _ACMG_CONTEXT.search(doc.text) is not None
        best = {i: c for i, c in best.items() if not _names_nothing_here(mentions[i], doc, acmg)}
        linked: list[LinkedMention] = []
        for i, m in enumerate(mentions):
            choice = best.get(i)
            if choice is None and self.config.retype:
                retyped = self._retype(m)
                if retyped is not None:
                    linked.append(retyped)
                    continue
            if choice is None:
                linked.append(LinkedMention(dataclasses.replace(m, ids=()), None, 0.0))
                continue
            entity = self._entity(choice.row)
            linked.append(
                LinkedMention(
                    dataclasses.replace(m, ids=(entity.id,)), entity, choice.score, choice.how
                )
            )
        linked = self._link_variants(doc, linked)
        genes = any(lm.mention.type is EntityType.GENE for lm in linked)
        if genes and self.config.human_genes_only and non_human_document(doc):
            linked = [
                LinkedMention(dataclasses.replace(lm.mention, ids=()), None, 0.0)
                if lm.mention.type is EntityType.GENE
                else lm
                for lm in linked
            ]
        return linked

    def _stray_letter(self, m: Mention, choice: _Choice, named: set[int]) -> bool:
        """One letter ("T", the tagger's "E" of "E-cadherin") names an entity only in a
        document that also names it in full ("testosterone (T)"; the ``named`` rows), or as
        an element's symbol ("K" potassium): the corpora's "testosterone (T)" must not make
        every other "T" testosterone."""
        letter = m.text.strip()
        if len(letter) != 1 or choice.row in named:
            return False
        if choice.how.startswith(("long:", "elided:")):  # "CYP3A4/5": the name it stands for
            return False
        return self.kb.entity(choice.row).name != ELEMENT_SYMBOLS.get(letter)

    def _family_ties(
        self, mentions: Sequence[Mention], best: dict[int, _Choice], label: bool = False
    ) -> dict[int, _Choice]:
        """A gene alias several genes share, read as the one of the family the document's
        other genes belong to: beside OAT3 (SLC22A8), "OAT1" is SLC22A6, not KCNK3, and
        beside MATE1 (SLC47A1) "OCT2" is SLC22A2, not POU2F2. In a ``label`` the families
        of ``_DISPOSITION_FAMILIES`` count as present."""
        ties: dict[int, list[int]] = {}
        for i, choice in best.items():
            m = mentions[i]
            if m.type is EntityType.GENE and _through_alias(choice):
                hits = self.kb.lookup_exact(m.text, EntityType.GENE)
                rank = next((r for r, row in hits if row == choice.row), None)
                rows = [row for r, row in hits if r == rank]
                if len(rows) > 1:
                    ties[i] = rows
        if not ties:
            return best
        stems = {
            _family(self.kb.entity(c.row).name)
            for i, c in best.items()
            if i not in ties and mentions[i].type is EntityType.GENE
        } | (_DISPOSITION_FAMILIES if label else frozenset())
        out = dict(best)
        for i, rows in ties.items():
            fits = [row for row in rows if _family(self.kb.entity(row).name) in stems]
            if len(fits) == 1:
                out[i] = _Choice(fits[0], best[i].score, best[i].how)
        return out

    def _retype(self, m: Mention) -> LinkedMention | None:
        """An unlinked drug or disease mention that is plainly a gene or a variant: an
        approved gene symbol written as such ("DPYD", "KRAS" read as drugs in a label), or
        a sequence change the variant grammar reads ("T790M"; the project's recogniser
        already gives such spans that type, other recognisers may not). Anything else stays
        unlinked. The mirror case: an unlinked gene mention that is exactly a drug's name
        and ends in a drug stem no gene name has ("gefitinib" tagged as a gene) is that drug."""
        text = m.text.strip()
        if m.type is EntityType.GENE:
            choice = self._dictionary(text, EntityType.DRUG) if _DRUG_STEM.search(text) else None
            if choice is None or choice.how != "exact":
                return None
            entity = self.kb.entity(choice.row)
            drug = dataclasses.replace(m, type=EntityType.DRUG, ids=(entity.id,))
            return LinkedMention(drug, entity, SCORE_RETYPED, "retyped")
        if m.type not in (EntityType.DRUG, EntityType.DISEASE):
            return None
        if len(text) >= 3 and text == text.upper() and any(c.isalpha() for c in text):
            for _, row in self.kb.lookup_exact(text, EntityType.GENE):
                entity = self.kb.entity(row)
                if entity.name == text:  # a gene's name is its approved (HGNC) symbol
                    gene = dataclasses.replace(m, type=EntityType.GENE, ids=(entity.id,))
                    return LinkedMention(gene, entity, SCORE_RETYPED, "retyped")
        if parse_variant(text) is not None:  # resolved against its gene by _link_variants
            return LinkedMention(dataclasses.replace(m, type=EntityType.VARIANT, ids=()), None, 0.0)
        return None

    def link_many(
        self, docs: Sequence[Document], mentions: Sequence[Sequence[Mention]]
    ) -> tuple[list[list[LinkedMention]], list[Failure]]:
        """Batch form: one bad document is a ``Failure``, not an exception."""
        done: list[list[LinkedMention]] = []
        failed: list[Failure] = []
        for doc, ms in zip(docs, mentions, strict=True):
            try:
                done.append(self.link(doc, ms))
            except Exception as exc:  # noqa: BLE001 - reported per document, batch goes on
                log.warning("linking failed for %s: %s", doc.id, exc)
                failed.append(Failure(doc.id, self.tag, f"{type(exc).__name__}: {exc}"))
                done.append([LinkedMention(m, None, 0.0) for m in ms])
        return done, failed

    def _link_variants(self, doc: Document, linked: list[LinkedMention]) -> list[LinkedMention]:
        if not any(lm.mention.type is EntityType.VARIANT for lm in linked):
            return linked
        genes = [lm for lm in linked if lm.entity is not None and lm.entity.type is EntityType.GENE]
        breaks = [m.start() for m in _SENTENCE_BREAK.finditer(doc.text)]
        # a change in a sentence about a virus's gene and no human gene is the virus's: the
        # document's only human gene (CD4 of "CD4+ T-cell counts") is not its own
        viral = {
            _sentence_of(lm.mention.start, breaks)
            for lm in linked
            if lm.mention.type is EntityType.GENE and viral_gene(doc, lm.mention.text)
        }
        out = []
        for lm in linked:
            m = lm.mention
            if m.type is not EntityType.VARIANT:
                out.append(lm)
                continue
            entity = self._variants.resolve(
                m.text, _nearest_gene(m, genes, breaks, viral), self._gene_symbol
            )
            if entity is None:
                out.append(LinkedMention(dataclasses.replace(m, ids=()), None, 0.0))
            else:
                out.append(
                    LinkedMention(
                        dataclasses.replace(m, ids=(entity.id,)), entity, SCORE_VARIANT, "variant"
                    )
                )
        return out

    def _gene_symbol(self, symbol: str) -> Entity | None:
        """The gene a symbol written in a variant names ("BRAF", "HER2", "HLA-B")."""
        hits = self.kb.lookup_exact(symbol, EntityType.GENE)
        return self.kb.entity(hits[0][1]) if hits else None

    # -- free text (the API's patient inputs) --------------------------------------------------
    def lookup(
        self, text: str, types: Iterable[EntityType] | None = None, k: int = 10
    ) -> list[tuple[Entity, float]]:
        """Entities a free-text input may mean, best first: "Gleevec", "EGFR", "aspirin allergy"."""
        wanted = [t for t in (types or LINKABLE) if t in LINKABLE]
        scores: dict[int, float] = {}

        def offer(row: int, score: float) -> None:
            if score > scores.get(row, 0.0):
                scores[row] = score

        text = " ".join(text.split())
        if not text:
            return []
        for etype in wanted:
            if self.kb.is_unlinkable(text, etype):
                continue
            for rank, row in self.kb.lookup_exact(text, etype)[:3]:
                offer(row, SCORE_EXACT if rank // 10 <= RANK_SYNONYM else SCORE_EXACT_WEAK)
            for _, row in self.kb.lookup_loose(text, etype)[:3]:
                offer(row, SCORE_LOOSE)
            index = self._fuzzy_index(etype)
            if index is not None:
                threshold = self.config.thresholds[etype]
                for hit in index.search([text], k=3)[0]:
                    if hit.score >= threshold and adds_no_word(text, hit.surface):
                        offer(hit.row, round(hit.score * 0.95, 4))
        # names inside the text: "aspirin allergy" -> aspirin (and allergy)
        words = tokens(text)
        if len(words) > 1:
            for n in range(min(len(words) - 1, 6), 0, -1):
                for s in range(len(words) - n + 1):
                    piece = " ".join(words[s : s + n])
                    for etype in wanted:
                        hits = self.kb.lookup_exact(piece, etype)
                        if hits and not (len(piece) < 3 and etype is not EntityType.GENE):
                            offer(hits[0][1], round(SCORE_SUBSPAN * n / len(words) + 0.1, 4))
        # equal scores keep the order they were offered in: the KB's rank order, so a reading
        # ("ERK" as MAPK1) stays ahead of an old alias that scores alike (EPHB2's "ERK")
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
        return [(self._entity(row), score) for row, score in ranked]


def _bare_head(text: str, surface: str) -> bool:
    """A name that is only a head noun ("Syndrome") the text qualifies ("TRMA syndrome"), or
    the root infection for a virus's ("HPV infection"): a near spelling may not drop the
    words that say which, as trimming may not."""
    multiword = len(tokens(text)) > 1
    return (surface in _GENERIC_HEADS and multiword) or _drops_the_virus(text, surface)


def _suffix_shape(suffix: str) -> str:
    """ "1B" -> "9A", "4" -> "9": subtypes written alike."""
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", suffix))


def _every_word(text: str) -> str:
    """The loose key with its stop words kept: no spaces, plurals as their singular."""
    return "".join(singular(w) for w in norm(text).split())


def _family(symbol: str) -> str:
    """A gene symbol's leading letters, its family's root: SLC22A8 and SLC47A1 -> SLC,
    POU2F2 -> POU."""
    m = _ROOT.match(symbol)
    return m.group(0) if m else symbol


# "advanced disease", "stage III disease": a stage or severity of the disease the document
# is about, which its own name says; a corpus that linked one such phrase in context (BC5CDR
# dev: "advanced disease" as a circadian rhythm sleep disorder) names nothing elsewhere.
# MeSH's own Acute Disease and Chronic Disease still link.
_STAGE_OF_A_DISEASE = re.compile(
    r"(?:(?:advanced|early|late|end|severe|mild|moderate|active|progressive|residual|"
    r"recurrent|stable|overt|established|underlying|stage\s+[0-9ivx]+[a-c]?|"
    r"grade\s+[0-9ivx]+)[\s-]+)+(?:disease|illness|condition)s?",
    re.IGNORECASE,
)


def _names_nothing_here(m: Mention, doc: Document, acmg_codes: bool) -> bool:
    """Words the document's context shows to name no entity: a virus's own genes in a text
    about the virus (HIV's "PR" and "RT", EBV's "LMP1"), ACMG criteria codes where the text
    classifies variants by them (``acmg_codes``), a stage of the document's disease
    ("advanced disease"), a guideline's capital "NO" before "action", and the "RT" of
    "RT-PCR" (reverse transcription, a method; POMT1's alias)."""
    if m.type is EntityType.GENE and (
        viral_gene(doc, m.text) or (acmg_codes and _ACMG_CODE.fullmatch(m.text) is not None)
    ):
        return True
    if m.type is EntityType.DISEASE and _STAGE_OF_A_DISEASE.fullmatch(m.text.strip()):
        return True
    if m.text == "NO":
        return _EMPHATIC_NO_NEXT.match(doc.text, m.end) is not None
    return m.text.rstrip("-") in ("RT", "qRT") and _PCR_NEXT.match(doc.text, m.end) is not None


def _label_short_alias(m: Mention, choice: _Choice, symbol: str, surfaces: Sequence[str]) -> bool:
    """A short gene mention that only an alias links, or capitals that the gene's names
    (``surfaces``) write only in another case (see ``label_short_aliases``); the gene's
    ``symbol`` written with a hyphen ("IL-6" for IL6) is no alias."""
    key = _alnum(m.text)
    if m.type is not EntityType.GENE or len(key) > SHORT_ALIAS or key == _alnum(symbol):
        return False
    return _through_alias(choice) or (m.text.isupper() and m.text not in surfaces)


def _through_alias(choice: _Choice) -> bool:
    """The dictionary's exact choice, made only through an alias or a secondary name."""
    return choice.how == "exact" and choice.score == SCORE_EXACT_WEAK


def _alnum(text: str) -> str:
    """Letters and digits only, lower case: "IL-6" -> "il6"."""
    return _ALNUM.sub("", text.lower())


def _expand(
    m: Mention, abbrevs: Mapping[str, Abbreviation], mentions: Sequence[Mention], text: str
) -> str | None:
    """The long form to link ``m`` through, when ``m`` is (or contains) a defined short form."""
    if not abbrevs:
        return None
    short = m.text.strip()
    # "TCA" where the document defined "TCAs" (and the other way round)
    a = abbrevs.get(short) or abbrevs.get(short + "s") or abbrevs.get(short.removesuffix("s"))
    if a is not None:
        # a recognised mention that ends where the long form ends knows its extent better
        # than the character matching: "combined oral contraceptives (COCs)"
        for other in mentions:
            if (
                other.type is m.type
                and other is not m
                and abs(other.end - a.long_end) <= 1
                and a.long_end - other.start <= 80
            ):
                return other.text
        return a.long
    # a short form inside a longer mention: "PAN nephrosis" -> "puromycin aminonucleoside nephrosis"
    for short, a in abbrevs.items():
        if (
            short in m.text
            and len(m.text) > len(short)
            and re.search(rf"(?<![\w-]){re.escape(short)}(?![\w])", m.text)
        ):
            return re.sub(rf"(?<![\w-]){re.escape(short)}(?![\w])", a.long, m.text)
    return None


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
_GAP = re.compile(r"[ \t]+|[ \t]*-[ \t]*")  # words of one phrase: spaces or a hyphen, no line break
EXTEND_WORDS = 3


def _neighbour_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans that add 0..3 whole words on the left and on the right of ``[start, end)``
    (at least one word), never across punctuation or a line break, never ending on a
    stop word ("for essential hypertension" would pass the loose key)."""
    lefts = [start]
    pos = start
    for _ in range(EXTEND_WORDS):
        gap = _trailing_gap(text, pos)
        if gap is None:
            break
        word = _trailing_word(text, pos - gap)
        if word is None:
            break
        pos = pos - gap - len(word)
        if not is_stop_word(word):  # a phrase may hold "and", never start with it
            lefts.append(pos)
    rights = [end]
    pos = end
    for _ in range(EXTEND_WORDS):
        g = _GAP.match(text, pos)
        if g is None:
            break
        w = _WORD.match(text, g.end())
        if w is None:
            break
        pos = w.end()
        if not is_stop_word(w.group()):
            rights.append(pos)
    return [(s, e) for s in lefts for e in rights if (s, e) != (start, end)]


_COORDINATION = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+(?:and|or)\s+)", re.IGNORECASE)


def _conjuncts(text: str) -> list[tuple[int, int]]:
    """(start, end) of the parts of "A, B and C" / "A or B" in ``text``; [] if none."""
    parts, pos = [], 0
    for m in _COORDINATION.finditer(text):
        parts.append((pos, m.start()))
        pos = m.end()
    if not parts:
        return []
    parts.append((pos, len(text)))
    return parts if all(b > a for a, b in parts) else []


def _trailing_gap(text: str, pos: int) -> int | None:
    j = pos
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j > 0 and text[j - 1] == "-":
        j -= 1
        while j > 0 and text[j - 1] in " \t":
            j -= 1
    return pos - j if j < pos else None


def _trailing_word(text: str, pos: int) -> str | None:
    j = pos
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "'-"):
        j -= 1
    while j < pos and not text[j].isalnum():
        j += 1
    return text[j:pos] if j < pos else None


def _sentence_of(pos: int, breaks: Sequence[int]) -> int:
    """How many sentence breaks (ascending offsets) come before ``pos``."""
    return bisect.bisect_left(breaks, pos)


def _nearest_gene(
    m: Mention,
    genes: Sequence[LinkedMention],
    breaks: Sequence[int],
    viral: Collection[int] = (),
) -> Entity | None:
    """The closest gene mention in the same sentence, else the document's only gene, unless
    the sentence names a virus's gene (``viral``, sentence numbers): HIV's "RNase H
    mutations Q509L and Q547K" are not mutations of the CD4 counted elsewhere."""
    if not genes:
        return None
    here = _sentence_of(m.start, breaks)
    same = [g for g in genes if _sentence_of(g.mention.start, breaks) == here]
    if same:
        g = min(same, key=lambda g: min(abs(g.mention.end - m.start), abs(m.end - g.mention.start)))
        return g.entity
    if here in viral:
        return None
    ids = Counter(g.entity.id for g in genes if g.entity is not None)
    if len(ids) == 1:
        return genes[0].entity
    return None
