"""The ``Recognizer``: documents -> sentences -> words -> ONNX tagger -> mentions (+ variants).

Sentences of all documents in a call are batched together (sorted by length inside the
tagger, order restored after). Types come from the model's heads as its ``labels.json``
routes them; ``Variant`` mentions are the union of the grammar's and the model's, the
grammar's span and canonical form winning where they overlap.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from extractors.abbreviations import Abbreviation, AbbreviationFinder, long_forms
from extractors.ner.corpora import _IOB_TYPES, EVAL_NAME, FROM_EVAL_NAME
from extractors.ner.features import Schema, decode_words, head_probabilities, word_spans
from extractors.ner.runtime import ModelLoadError, OnnxTagger, TaggerCache, resolve_model_dir
from extractors.sentences import RuleSentenceSplitter
from extractors.variants import attach_gene, normalise, variant_mentions
from kg.errors import BadInputError, ModelNotFoundError
from kg.model import Document, EntityType, Mention, Sentence
from kg.settings import Settings


def model_spec(settings: Settings, override: str | Path | None = None) -> str:
    """Which model to load: an explicit path/hub id, else MEDKG_NER_MODEL, else models/ner."""
    if override:
        return str(override)
    return settings.ner_model or str(settings.models_dir / "ner")


# Part of the recognizer's version with the routing it serves: a change to either changes
# what the same weights find, so ingestion re-extracts. Bump when a rule below, or the
# variant grammar (extractors/variants.py), changes.
RULES_VERSION = "6"


def rules_digest(routing: Mapping[str, Sequence[str]]) -> str:
    """Six hex digits naming the rules and the type -> heads routing a recognizer serves."""
    spec = json.dumps({"rules": RULES_VERSION, "routing": {t: list(h) for t, h in sorted(routing.items())}})
    return hashlib.sha256(spec.encode()).hexdigest()[:6]


def _entity_type(name: str) -> EntityType | None:
    return FROM_EVAL_NAME.get(name) or _IOB_TYPES.get(name.lower())


def parse_routing(text: str) -> dict[str, tuple[str, ...]]:
    """``"Disease=bc5cdr+ncbi,Gene=bc2gm"`` -> {"Disease": ("bc5cdr", "ncbi"), ...}."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        etype, sep, heads = part.partition("=")
        if not sep or not heads:
            raise BadInputError(f"routing {part!r}: expected TYPE=HEAD[+HEAD...]")
        out[etype.strip()] = tuple(h.strip() for h in heads.split("+"))
    return out


def load_recognizer(model: str | Path | None = None, **options) -> NerRecognizer:
    """The configured recognizer (MEDKG_NER_MODEL / models/ner unless ``model`` is given)."""
    return NerRecognizer.from_settings(Settings.from_env(), model, **options)


_ABBREVIATION = re.compile(r"\s?\(\s?([^\s()][^()]{0,12}?)\s?\)")


def propagate(
    text: str,
    mentions: Sequence[Mention],
    types: frozenset[EntityType] = frozenset(EntityType),
    min_score: float = 0.5,
) -> list[Mention]:
    """Document-level consistency: a string the model tagged once is tagged everywhere.

    Each confident mention's exact string, and the short form written in parentheses
    right after it ("5-fluorouracil (5-FU)"), is looked for again in the document; an
    occurrence at word edges that no mention covers yet becomes a mention of that type
    (score: the lowest of its sources). Abstracts repeat names and abbreviations, and the
    model, reading one sentence at a time, misses some repeats.
    """
    surfaces: dict[tuple[str, EntityType], float] = {}
    for m in mentions:
        if m.type not in types or m.type is EntityType.VARIANT or m.score < min_score or len(m.text) < 3:
            continue
        key = (m.text, m.type)
        surfaces[key] = min(surfaces.get(key, 1.0), m.score)
        short = _ABBREVIATION.match(text, m.end)
        if short and any(c.isupper() for c in short.group(1)) and short.group(1) != m.text:
            surfaces.setdefault((short.group(1), m.type), m.score)
    types_of: dict[str, set[EntityType]] = {}
    for surface, etype in surfaces:
        types_of.setdefault(surface, set()).add(etype)
    surfaces = {k: v for k, v in surfaces.items() if len(types_of[k[0]]) == 1}  # ambiguous: leave
    if not surfaces:
        return list(mentions)
    taken = sorted((m.start, m.end) for m in mentions)
    added: list[Mention] = []
    extractor = mentions[0].extractor if mentions else ""
    for (surface, etype), score in sorted(surfaces.items(), key=lambda kv: -len(kv[0][0])):
        for hit in re.finditer(re.escape(surface), text):
            a, b = hit.start(), hit.end()
            if (a > 0 and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum()):
                continue
            if any(a < e and s < b for s, e in taken):
                continue
            added.append(Mention(a, b, surface, etype, label=EVAL_NAME[etype], score=round(score, 4), extractor=extractor))
            taken.append((a, b))
    return [*mentions, *added]


_DANGLING_END = (" -", " (", " ,", " /")
_DANGLING_START = ("- ", ") ", ", ", "/ ")


def trim_dangling(text: str, mention: Mention) -> Mention | None:
    """The mention without a dangling edge: "Cdk2 -", "SRP )", "( p65" lose the hyphen or
    the unbalanced bracket (held-out BC2GM dev, previous build: Gene F1 +0.2). None when
    nothing is left."""
    s, e = mention.start, mention.end
    while e > s:
        t = text[s:e]
        if t.endswith(")") and t.count(")") > t.count("("):
            e = s + len(t[:-1].rstrip())
        elif t.startswith("(") and t.count("(") > t.count(")"):
            s = e - len(t[1:].lstrip())
        elif t.endswith(_DANGLING_END):
            e = s + len(t[:-1].rstrip())
        elif t.startswith(_DANGLING_START):
            s = e - len(t[1:].lstrip())
        else:
            break
    if (s, e) == (mention.start, mention.end):
        return mention
    return replace(mention, start=s, end=e, text=text[s:e]) if e > s else None


def _cuts(m: Mention, g: Mention) -> bool:
    """``m`` overlaps ``g`` without covering all of it."""
    return m.start < g.end and g.start < m.end and not (m.start <= g.start and g.end <= m.end)


def _plausible_head(head: str, etype: EntityType) -> bool:
    """What is left of a span that ran into a variant names a gene: a gene span's words
    ("TNF-alpha" of "TNF-alpha -857C"), a drug span's only when a symbol ("ABCG2" of "ABCG2
    421C"), never a number ("-65" of "-65-72C") or a word ("hydrophobic")."""
    if etype is EntityType.DRUG:
        return re.fullmatch(r"[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*", head) is not None
    return re.search(r"[A-Za-z]{2}", head) is not None


def split_gene_variant(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """"BRAF V600E" read as one gene (or, wrongly, drug) span around a variant becomes the
    gene "BRAF" beside the variant "V600E", as BioRED annotates them: the linker can then
    name the gene and tie the variant to it. Only a short remainder before the variant (one
    or two words) is taken for a gene; words after it ("KIT V560D primary activating
    mutation") are the change's description and leave the span; so does the part of the
    variant a span cut into."""
    variants = [m for m in mentions if m.type is EntityType.VARIANT]
    if not variants:
        return list(mentions)
    out = []
    for m in mentions:
        if m.type in (EntityType.GENE, EntityType.DRUG):
            # around a variant, or running into one ("ABCG2 421C" of "ABCG2 421C>A")
            inner = [v for v in variants if m.start < v.start < m.end]
            head = text[m.start : inner[0].start].rstrip(" -(") if inner else ""
            cut_into = bool(inner) and inner[0].end > m.end
            if head and len(head.split()) <= 2 and (not cut_into or _plausible_head(head, m.type)):
                m = replace(m, end=m.start + len(head), text=head, type=EntityType.GENE,
                            label=EVAL_NAME[EntityType.GENE])  # fmt: skip
        out.append(m)
    return out


# a gene symbol written right before its change ("BRAF V600E", "KIT-D816V", "BRAF (G466V)"): capitals and
# digits, not a Roman numeral or a capitalised word ("stage IV V600E", "AND")
_SYMBOL_BEFORE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,9})(?:[ -]| ?\( ?)$")
_NOT_SYMBOL = re.compile(r"^(?:[IVX]+|[IVX]+[ABC]|AND|OR|NOT|THE|WITH|DNA|RNA|CDNA|MRNA|WT|MUT)$")


def gene_before_variant(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """A variant whose gene the tagger left out ("stage IV BRAF V600E melanoma" with only
    "V600E" read) gets that gene: the symbol-shaped word right before it, when no mention
    covers it, becomes a gene mention for the linker to name (or leave unlinked)."""
    out = list(mentions)
    for v in mentions:
        if v.type is not EntityType.VARIANT:
            continue
        m = _SYMBOL_BEFORE.search(text, max(0, v.start - 12), v.start)
        if m is None or _NOT_SYMBOL.match(m.group(1)):
            continue
        s, e = m.span(1)
        if any(o.start < e and s < o.end for o in out):
            continue
        out.append(Mention(s, e, m.group(1), EntityType.GENE, label=EVAL_NAME[EntityType.GENE],
                           score=v.score, extractor=v.extractor))  # fmt: skip
    return out


def one_type_per_span(mentions: Sequence[Mention]) -> list[Mention]:
    """Where heads of different types tag the very same span ("KRAS" as a gene and as a
    chemical), the most confident reading stays. Chosen on held-out dev with the previous
    train-only build: BioRED micro F1 0.738 -> 0.760 (Chemical +6.7), BC5CDR +0.04."""
    best: dict[tuple[int, int], Mention] = {}
    for m in mentions:
        seen = best.get((m.start, m.end))
        if seen is None or m.score > seen.score:
            best[(m.start, m.end)] = m
    return [m for m in mentions if best[(m.start, m.end)] is m]


def align_abbreviations(
    text: str,
    mentions: Sequence[Mention],
    abbreviations: Sequence[Abbreviation],
    types: frozenset[EntityType] = frozenset(EntityType) - {EntityType.VARIANT},
) -> list[Mention]:
    """A short form reads as its long form: "5-hydroxytryptamine (5-HT)" makes every "5-HT"
    a chemical, also where the model, reading one sentence at a time, missed or mistyped
    it; "spontaneously hypertensive rats (SHR)" makes "SHR" nothing.

    The long form's type is that of the mention on exactly the long form, or else of those
    ending where it ends; mentions of several types there change nothing, and neither does
    a short form inside a longer mention. A long form that no mention touches removes the
    mentions on exactly its short forms (BC5CDR dev, held-out model: Chemical F1 +0.9,
    Disease +0.8; NCBI-disease dev +1.3).
    """
    out = list(mentions)
    for short, definition in long_forms(abbreviations).items():
        ls, le = definition.long_start, definition.long_end
        touching = [m for m in out if m.start < le and ls < m.end]
        source = [m for m in touching if (m.start, m.end) == (ls, le)] or [m for m in touching if m.end == le]
        found = {m.type for m in source}
        uses = [(a.start, a.end) for a in abbreviations if a.short == short]
        if len(found) == 1 and (etype := next(iter(found))) in types:
            for s, e in uses:
                here = [m for m in out if m.start < e and s < m.end]
                if any((m.start, m.end) != (s, e) for m in here) or any(m.type is etype for m in here):
                    continue
                out = [m for m in out if m not in here]  # same span, other type: retyped
                out.append(
                    Mention(s, e, text[s:e], etype, label=EVAL_NAME[etype], score=source[0].score, extractor=source[0].extractor)
                )
        elif not touching:
            dropped = {(s, e) for s, e in uses}
            out = [m for m in out if not ((m.start, m.end) in dropped and m.type in types)]
    return out


class NerRecognizer:
    """Finds Drug/Disease/Gene/Variant mentions; offsets into ``doc.text``."""

    name = "ner"

    def __init__(
        self,
        model: str | Path,
        *,
        splitter: RuleSentenceSplitter | None = None,
        variants: bool = True,
        routing: Mapping[str, Sequence[str]] | None = None,
        cache: TaggerCache | None = None,
        threads: int = 0,
        batch_size: int = 64,
        max_length: int | None = None,
        propagate_types: Sequence[EntityType] = (EntityType.DRUG,),
        abbreviations: AbbreviationFinder | bool = True,
    ) -> None:
        self.model = str(model)
        self.splitter = splitter or RuleSentenceSplitter()
        self.variants = variants
        # Document-level propagation pays for chemicals only (dev F1, BC5CDR +0.5, BioRED
        # +1.6); for diseases and genes it costs as much precision as it brings recall.
        self.propagate_types = frozenset(propagate_types)
        if isinstance(abbreviations, AbbreviationFinder):
            self._abbreviations: AbbreviationFinder | None = abbreviations
        else:
            self._abbreviations = AbbreviationFinder() if abbreviations else None
        self._routing = {k: tuple(v) for k, v in routing.items()} if routing else None
        self._cache = cache or TaggerCache(threads=threads, max_batch=batch_size, max_length=max_length)
        self._tagger: OnnxTagger | None = None
        self._schema: Schema | None = None

    @classmethod
    def from_settings(cls, settings: Settings, model: str | Path | None = None, **options) -> NerRecognizer:
        if options.get("abbreviations", True) is True:
            options["abbreviations"] = AbbreviationFinder.from_settings(settings)
        if options.get("routing") is None and settings.ner_routing:
            options["routing"] = parse_routing(settings.ner_routing)
        return cls(model_spec(settings, model), batch_size=settings.extraction_batch_size * 2, **options)

    # -- lazy model ---------------------------------------------------------------

    @property
    def tagger(self) -> OnnxTagger:
        if self._tagger is None:
            try:
                self._tagger = self._cache.get(resolve_model_dir(self.model))
                schema = self._tagger.schema
            except ModelLoadError as exc:
                raise ModelNotFoundError(f"NER model: {exc}") from exc
            if self._routing:
                heads = {h.name for h in schema.heads}
                for etype, names in self._routing.items():
                    unknown = [n for n in names if n not in heads]
                    if unknown:
                        raise BadInputError(f"routing {etype}: no head {unknown} (model has {sorted(heads)})")
                schema = Schema(schema.heads, {**schema.routing, **self._routing})
                # a stacked model whose routed heads are all in some of its models runs only those
                read = {h for names in schema.routing.values() for h in names}
                self._tagger = self._cache.get(self._tagger.path, heads=read)
            self._schema = schema
        return self._tagger

    @property
    def schema(self) -> Schema:
        _ = self.tagger  # loads the schema (and resolves the routing) on first use
        assert self._schema is not None
        return self._schema

    @property
    def version(self) -> str:
        """The weights' version and the digest of the rules and routing read off them."""
        return f"{self.tagger.info.version}+{rules_digest(self.schema.routing)}"

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    def load(self) -> NerRecognizer:
        """Open the ONNX session now (it opens on first use otherwise)."""
        try:
            self.tagger.load()
        except ModelLoadError as exc:
            raise ModelNotFoundError(f"NER model: {exc}") from exc
        return self

    # -- recognition --------------------------------------------------------------

    def recognize(self, docs: Sequence[Document]) -> list[list[Mention]]:
        return self.recognize_sentences(docs, [self.splitter.split(d) for d in docs])

    def recognize_sentences(
        self, docs: Sequence[Document], sentences: Sequence[Sequence[Sentence]]
    ) -> list[list[Mention]]:
        """Like ``recognize`` with the sentences given (e.g. a corpus's own split)."""
        tagger = self.load().tagger
        schema = self.schema
        tag = self.tag
        units: list[tuple[int, list[tuple[int, int]]]] = []
        words: list[list[str]] = []
        for di, (doc, sents) in enumerate(zip(docs, sentences, strict=True)):
            for s in sents:
                spans = word_spans(doc.text[s.start : s.end], s.start)
                units.append((di, spans))
                words.append([doc.text[a:b] for a, b in spans])
        logits = tagger.predict(words) if words else []
        out: list[list[Mention]] = [[] for _ in docs]
        for (di, spans), rows in zip(units, logits, strict=True):
            text = docs[di].text
            for a, b, etype, mean, _low in decode_words(head_probabilities(rows, schema), schema):
                et = _entity_type(etype)
                if et is None:
                    continue
                s, e = spans[a][0], spans[b - 1][1]
                out[di].append(Mention(s, e, text[s:e], et, label=etype, score=round(mean, 4), extractor=tag))
        out = [
            one_type_per_span([t for m in ms if (t := trim_dangling(doc.text, m)) is not None])
            for doc, ms in zip(docs, out, strict=True)
        ]
        if self.propagate_types:
            out = [propagate(doc.text, ms, self.propagate_types) for doc, ms in zip(docs, out, strict=True)]
        if self._abbreviations is not None:
            finder = self._abbreviations
            out = [align_abbreviations(doc.text, ms, finder.find(doc.text)) for doc, ms in zip(docs, out, strict=True)]
        if self.variants:
            for di, (doc, sents) in enumerate(zip(docs, sentences, strict=True)):
                out[di] = gene_before_variant(
                    doc.text, split_gene_variant(doc.text, self._with_variants(doc, sents, out[di], tag))
                )
        for ms in out:
            ms.sort(key=lambda m: (m.start, m.end, m.type.value))
        return out

    def _with_variants(self, doc: Document, sents: Sequence[Sentence], mentions: list[Mention], tag: str) -> list[Mention]:
        """Model and grammar variants together; where they overlap the model's span wins
        (it learnt the corpora's span conventions) and the grammar's reading of it, when
        it has one, gives the canonical form. A genotype in HGVS brackets is the exception:
        the tagger never saw one and cuts it into pieces ("c.", "2846A>", a drug "T"), so
        the grammar's reading replaces every mention that overlaps it without covering it."""
        genes = [m for m in mentions if m.type is EntityType.GENE]
        grammar = variant_mentions(doc.text, [(s.start, s.end) for s in sents], genes, tag)
        bracketed = [g for g in grammar if "[" in g.text]
        if bracketed:
            mentions = [m for m in mentions if not any(_cuts(m, g) for g in bracketed)]
            genes = [m for m in mentions if m.type is EntityType.GENE]
        model = [m for m in mentions if m.type is EntityType.VARIANT]
        out = [m for m in mentions if m.type is not EntityType.VARIANT]
        for m in model:
            sent = next((s for s in sents if s.start <= m.start < s.end), None)
            sent_genes = [
                g for g in genes
                if (sent is None or sent.start <= g.start < sent.end) and not (m.start < g.end and g.start < m.end)
            ]  # fmt: skip
            inside = [g for g in grammar if m.start <= g.start and g.end <= m.end]
            if len(inside) == 1 and inside[0].ids and inside[0].ids[0].count(":") >= 1:
                ids = inside[0].ids  # "p.(V600E)" read by the grammar as the model cut it
            else:
                ids = (attach_gene(normalise(m.text), m.start, m.end, sent_genes).curie,)
            out.append(Mention(m.start, m.end, m.text, m.type, m.label, ids, m.score, m.extractor))
        added = [g for g in grammar if not any(g.start < m.end and m.start < g.end for m in model)]
        # the grammar's reading of exactly a span the model typed otherwise ("T790M" as a drug)
        # is the one type of that span, as in one_type_per_span
        exact = {(g.start, g.end) for g in added}
        return [m for m in out if (m.start, m.end) not in exact] + added
