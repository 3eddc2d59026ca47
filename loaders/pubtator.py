"""PubTator files (BC5CDR, NCBI-disease, BioRED, PubTator exports) with gold annotations.

Format, one block per document, blocks separated by blank lines::

    PMID|t|title
    PMID|a|abstract
    PMID<TAB>start<TAB>end<TAB>text<TAB>type<TAB>id(s)[<TAB>...]
    PMID<TAB>relation<TAB>id1<TAB>id2[<TAB>novelty]

Offsets are over ``title + " " + abstract``; the document text is built the same way so
gold offsets stay valid unchanged.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from kg.errors import BadInputError, EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document, EntityType, GoldRelation, Mention
from loaders._io import LongLine, ascii_int, is_ascii_int, iter_lines

log = logging.getLogger(__name__)

SOURCE = "pubtator"

# Corpus type name -> our entity type. Types absent here (Species, CellLine, ...) are
# outside the model: they are skipped and counted in metadata["skipped_types"].
TYPE_MAP: dict[str, EntityType] = {
    "Chemical": EntityType.DRUG,
    "ChemicalEntity": EntityType.DRUG,
    "Drug": EntityType.DRUG,
    "Disease": EntityType.DISEASE,
    "SpecificDisease": EntityType.DISEASE,
    "DiseaseClass": EntityType.DISEASE,
    "Modifier": EntityType.DISEASE,
    "CompositeMention": EntityType.DISEASE,
    "DiseaseOrPhenotypicFeature": EntityType.DISEASE,
    "Gene": EntityType.GENE,
    "GeneOrGeneProduct": EntityType.GENE,
    "SequenceVariant": EntityType.VARIANT,
    "Mutation": EntityType.VARIANT,
    "DNAMutation": EntityType.VARIANT,
    "ProteinMutation": EntityType.VARIANT,
    "SNP": EntityType.VARIANT,
    "DNAAllele": EntityType.VARIANT,
    "ProteinAllele": EntityType.VARIANT,
    "AcidChange": EntityType.VARIANT,
    "OtherMutation": EntityType.VARIANT,
    "Variant": EntityType.VARIANT,
}

NO_ID = {"", "-", "-1", "None"}
_MESH = re.compile(r"^[CD][0-9]+$")
_RS = re.compile(r"^rs[0-9]+$", re.IGNORECASE)
_HEADER = re.compile(r"^([0-9]+)\|([ta])\|(.*)$", re.DOTALL)
# a relation line: PMID, type, arg1, arg2[, novelty]; its type is a word, never a number
_RELATION_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_ -]*")
# corpus types outside TYPE_MAP: a 5-field line ending in one of these is a mention
OTHER_TYPES = frozenset(
    {"Species", "OrganismTaxon", "CellLine", "Organism", "Chromosome", "Strain"}
)
_ENTITY_TYPES = frozenset(TYPE_MAP) | OTHER_TYPES
# composite ids: "D1|D2" (BC5CDR, NCBI), "D1+D2" (NCBI, both needed), "1,2" (BioRED)
_SPLIT = re.compile(r"[|,+;]")


def _curie(raw: str, etype: EntityType | None) -> str | None:
    raw = raw.strip()
    if raw in NO_ID:
        return None
    if etype is EntityType.VARIANT:
        if _RS.match(raw):
            return f"dbSNP:rs{raw[2:]}"
        if raw.startswith("RS#:"):
            return f"dbSNP:rs{raw[4:]}"
        return raw if raw.startswith("tmVar:") else f"tmVar:{raw}"
    if ":" in raw:  # already prefixed: OMIM:123, MESH:D1, CHEBI:1 ...
        prefix, _, local = raw.partition(":")
        return f"{'MESH' if prefix.upper() == 'MESH' else prefix}:{local}"
    if _MESH.match(raw):
        return f"MESH:{raw}"
    if is_ascii_int(raw):
        return f"NCBIGene:{raw}" if etype in (EntityType.GENE, None) else raw
    return raw


def _variant_parts(raw: str) -> list[str]:
    # tmVar keys contain '|' themselves ("c|SUB|C|123|T"); PubTator3 packs several
    # descriptors with ';' ("tmVar:p|SUB|V|600|E;HGVS:p.V600E;RS#:113488022").
    parts = (
        [p.strip() for p in raw.split(";")] if ";" in raw else [p.strip() for p in raw.split(",")]
    )
    keep = [p for p in parts if p.startswith(("tmVar:", "RS#:")) or _RS.match(p)]
    return keep or parts[:1]


def gold_notes(skipped: Counter[str], invalid: int) -> dict[str, str]:
    """Metadata saying which gold annotations a reader left out: entity types it does not
    map (``skipped_types``, "Type:count|...") and mentions whose offsets disagree with the
    text (``invalid_mentions``); nothing is dropped silently."""
    notes = {}
    if skipped:
        notes["skipped_types"] = "|".join(f"{k}:{v}" for k, v in sorted(skipped.items()))
    if invalid:
        notes["invalid_mentions"] = str(invalid)
    return notes


def parse_ids(raw: str, etype: EntityType | None) -> tuple[str, ...]:
    """Turn a PubTator id field into CURIEs: '-1'/'-'/'' give none, composites give several."""
    raw = raw.strip()
    if raw in NO_ID:
        return ()
    parts = _variant_parts(raw) if etype is EntityType.VARIANT else _SPLIT.split(raw)
    out: list[str] = []
    for part in parts:
        curie = _curie(part, etype)
        if curie and curie not in out:
            out.append(curie)
    return tuple(out)


def read_pubtator(path: str | Path) -> Iterator[Document | LoaderError]:
    """Stream the documents of one PubTator file; a bad block yields an error, not a stop."""
    source = str(path)
    block: list[tuple[int, str]] = []
    bad_lines: list[tuple[int, str]] = []  # (line number, what is wrong with it)
    number = 0
    try:
        for number, raw in iter_lines(path):
            problem = None
            if isinstance(raw, LongLine):  # its head still says which block it belongs to
                line = raw.head.decode("utf-8", "replace")
                problem = raw.problem()
            else:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line, problem = raw.decode("utf-8", "replace"), "invalid UTF-8"
                if "\x00" in line:
                    problem = "NUL character"
            if not line.strip() and problem is None:
                if block:
                    yield _parse_block(source, block, bad_lines)
                block, bad_lines = [], []
                continue
            header = _HEADER.match(line)
            if header and header.group(2) == "t" and block:  # blocks not blank-separated
                yield _parse_block(source, block, bad_lines)
                block, bad_lines = [], []
            if problem is not None:
                bad_lines.append((number, problem))
            block.append((number, line))
    except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupt gzip
        if block:
            yield _parse_block(source, block, bad_lines)
        yield MalformedRecordError(source, None, f"unreadable after line {number}: {exc}")
        return
    if block:
        yield _parse_block(source, block, bad_lines)


def read_gold_documents(path: str | Path) -> list[Document]:
    """A whole gold corpus for evaluation: bad records are logged and skipped, none is an error."""
    docs: list[Document] = []
    bad = 0
    for item in read_pubtator(path):
        if isinstance(item, Document):
            docs.append(item)
        else:
            bad += 1
            log.warning("skipping a record of %s: %s", path, item)
    if not docs:
        raise BadInputError(f"{path}: no documents read ({bad} bad records)")
    return docs


def _is_relation(fields: list[str]) -> bool:
    """PMID, type, arg1, arg2[, novelty]; a mention has numbers where the type stands and,
    with five fields, an entity type last."""
    if not 4 <= len(fields) <= 5 or not _RELATION_TYPE.fullmatch(fields[1].strip()):
        return False
    return len(fields) == 4 or fields[4].strip() not in _ENTITY_TYPES


def _parse_block(
    source: str, block: list[tuple[int, str]], bad_lines: list[tuple[int, str]]
) -> Document | LoaderError:
    first_line = block[0][0]
    pmid = block[0][1].split("|", 1)[0].split("\t", 1)[0].strip()
    record = f"PMID:{pmid}" if is_ascii_int(pmid) else None
    if bad_lines:
        return MalformedRecordError(
            source, record, "; ".join(f"line {n}: {problem}" for n, problem in bad_lines)
        )
    title: str | None = None
    abstract: str | None = None
    raw_mentions: list[tuple[int, int, list[str]]] = []
    raw_relations: list[list[str]] = []
    for number, line in block:
        header = _HEADER.match(line)
        if header:
            if header.group(1) != pmid:
                return MalformedRecordError(
                    source, record, f"line {number}: PMID {header.group(1)} inside block of {pmid}"
                )
            if header.group(2) == "t":
                title = header.group(3)
            else:
                abstract = header.group(3)
            continue
        fields = line.split("\t")
        if fields[0].strip() != pmid or len(fields) < 4:
            return MalformedRecordError(
                source, record, f"line {number}: not a PubTator line: {line[:80]!r}"
            )
        if _is_relation(fields):
            raw_relations.append(fields)
            continue
        try:
            start, end = ascii_int(fields[1]), ascii_int(fields[2])
        except ValueError:
            return MalformedRecordError(
                source,
                record,
                f"line {number}: mention offsets {fields[1][:20]!r}, {fields[2][:20]!r} "
                "are not non-negative integers",
            )
        raw_mentions.append((start, end, fields))
    if record is None:
        return MalformedRecordError(source, None, f"line {first_line}: block has no numeric PMID")
    if not (title or "").strip() and not (abstract or "").strip():
        return EmptyDocumentError(source, record, "no title and no abstract")

    parts: list[tuple[str, str, str | None]] = [("title", title or "", None)]
    if abstract:
        parts.append(("abstract", abstract, None))
    doc_parts = Document.from_sections(record, SOURCE, parts, title=title or "", separator=" ")
    text = doc_parts.text

    mentions: list[Mention] = []
    skipped: Counter[str] = Counter()
    invalid = 0
    raw_to_curie: dict[str, str] = {}
    for start, end, fields in raw_mentions:
        label = fields[4].strip() if len(fields) > 4 else ""
        etype = TYPE_MAP.get(label)
        if etype is None:
            skipped[label or "?"] += 1
            continue
        given = fields[3]
        if end > len(text) or start > end or text[start:end].strip() != given.strip():
            invalid += 1  # offsets disagree with the text: unusable as gold
            continue
        id_field = fields[5] if len(fields) > 5 else ""
        ids = parse_ids(id_field, etype)
        raw_parts = (
            _variant_parts(id_field) if etype is EntityType.VARIANT else _SPLIT.split(id_field)
        )
        for raw_part in raw_parts:
            curie = _curie(raw_part, etype)
            if curie:
                raw_to_curie.setdefault(raw_part.strip(), curie)
        if ids:  # a composite arg ("D1|D2") becomes "MESH:D1|MESH:D2"
            raw_to_curie.setdefault(id_field.strip(), "|".join(ids))
        mentions.append(
            Mention(start, end, text[start:end], etype, label=label, ids=ids, extractor="gold")
        )

    relations: list[GoldRelation] = []
    for fields in raw_relations:
        rtype, arg1, arg2 = fields[1].strip(), fields[2].strip(), fields[3].strip()
        novel = fields[4].strip() if len(fields) > 4 and fields[4].strip() else None
        relations.append(
            GoldRelation(
                rtype, _relation_arg(arg1, raw_to_curie), _relation_arg(arg2, raw_to_curie), novel
            )
        )

    metadata = {"pmid": pmid}
    metadata.update(gold_notes(skipped, invalid))
    return Document(
        id=record,
        source=SOURCE,
        text=text,
        title=title or "",
        sections=doc_parts.sections,
        metadata=metadata,
        mentions=tuple(mentions),
        relations=tuple(relations),
    )


def _relation_arg(raw: str, raw_to_curie: dict[str, str]) -> str:
    """Relations cite raw ids; give them the CURIE their mentions got."""
    if raw in raw_to_curie:
        return raw_to_curie[raw]
    if "|" in raw and not _MESH.match(raw.split("|")[0]):
        return _curie(raw, EntityType.VARIANT) or raw
    return "|".join(parse_ids(raw, None)) or raw
