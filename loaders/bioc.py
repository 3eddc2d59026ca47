"""BioC XML collections (the NCBI/BioCreative exchange format; PubTator, BC5CDR and BioRED
ship it), streamed one ``<document>`` at a time.

Passage offsets are document offsets, so each passage is placed at its offset (gaps filled
with spaces, as in PubTator's ``title + " " + abstract``) and gold annotation offsets stay
valid. Annotation and relation types/ids are read as in ``loaders.pubtator``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document, GoldRelation, Mention, Section
from loaders._io import ascii_int, is_ascii_int
from loaders.pubtator import TYPE_MAP, gold_notes, parse_ids
from loaders.xmlsafe import iter_records

SOURCE = "bioc"
ID_KEYS = ("identifier", "Identifier", "MESH", "MeSH", "NCBI Gene", "NCBIGene", "Gene", "ID")
ARG_KEYS = (("entity1", "entity2"), ("Chemical", "Disease"), ("Gene1", "Gene2"), ("arg1", "arg2"))


def _infons(el: etree._Element) -> dict[str, str]:
    return {i.get("key", ""): (i.text or "").strip() for i in el.findall("infon")}


def _doc_id(el: etree._Element) -> str | None:
    raw = (el.findtext("id") or "").strip()
    if not raw:
        return None
    return f"PMID:{raw}" if is_ascii_int(raw) else f"BIOC:{raw}"


def read_bioc(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    for item in iter_records(path, ("document",), max_depth=1, record_id=_doc_id):
        if isinstance(item, LoaderError):
            yield item
            continue
        try:
            yield _document(source, item)
        except ValueError as exc:  # bad offsets or lengths in one document
            yield MalformedRecordError(source, _doc_id(item), str(exc))


def _document(source: str, el: etree._Element) -> Document | LoaderError:
    record = _doc_id(el)
    if record is None:
        return MalformedRecordError(source, None, "document without <id>")
    text = ""
    sections: list[Section] = []
    raw_annotations: list[tuple[etree._Element, int]] = []  # with the passage's shift
    title = ""
    for passage in el.findall("passage"):
        infons = _infons(passage)
        kind = (infons.get("type") or infons.get("section_type") or "passage").strip().lower()
        offset = ascii_int(passage.findtext("offset") or "0")
        body = passage.findtext("text") or ""
        start = offset
        if offset < len(text):  # overlapping offsets: append and shift its annotations
            start = len(text) + (1 if text else 0)
        text = text.ljust(start) + body
        if body:
            sections.append(Section(kind.replace(" ", "_"), start, start + len(body)))
        if kind in ("title", "front") and not title:
            title = body
        raw_annotations.extend((a, start - offset) for a in passage.findall("annotation"))
    if not text.strip():
        return EmptyDocumentError(source, record, "no passage text")

    mentions: list[Mention] = []
    by_annotation: dict[str, tuple[str, ...]] = {}
    raw_to_curie: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    invalid = 0
    for ann, shift in raw_annotations:
        infons = _infons(ann)
        label = infons.get("type", "")
        etype = TYPE_MAP.get(label)
        if etype is None:
            skipped[label or "?"] += 1
            continue
        locations = ann.findall("location")
        if not locations:
            invalid += 1
            continue
        starts = [ascii_int(loc.get("offset", "0")) + shift for loc in locations]
        ends = [
            s + ascii_int(loc.get("length", "0")) for s, loc in zip(starts, locations, strict=True)
        ]
        start, end = min(starts), max(ends)
        given = ann.findtext("text") or ""
        if end > len(text) or (len(locations) == 1 and text[start:end].strip() != given.strip()):
            invalid += 1
            continue
        raw_id = next((infons[k] for k in ID_KEYS if infons.get(k)), "")
        ids = parse_ids(raw_id, etype)
        if ann.get("id"):
            by_annotation[ann.get("id", "")] = ids
        if ids:
            raw_to_curie.setdefault(raw_id, "|".join(ids))
            for part, curie in zip(raw_id.replace(",", "|").split("|"), ids, strict=False):
                raw_to_curie.setdefault(part.strip(), curie)
        mentions.append(
            Mention(start, end, text[start:end], etype, label=label, ids=ids, extractor="gold")
        )

    relations: list[GoldRelation] = []
    for rel in el.findall("relation"):
        infons = _infons(rel)
        rtype = infons.get("type") or infons.get("relation type") or "relation"
        args: list[str] = []
        for a, b in ARG_KEYS:
            if infons.get(a) and infons.get(b):
                args = [
                    raw_to_curie.get(infons[a], infons[a]),
                    raw_to_curie.get(infons[b], infons[b]),
                ]
                break
        if not args:
            for node in rel.findall("node"):
                ids = by_annotation.get(node.get("refid", ""), ())
                args.append("|".join(ids) if ids else node.get("refid", ""))
        if len(args) >= 2:
            relations.append(GoldRelation(rtype, args[0], args[1], infons.get("novel") or None))

    metadata = {k: v for k, v in _infons(el).items() if k and v}
    if record.startswith("PMID:"):
        metadata["pmid"] = record[5:]
    metadata.update(gold_notes(skipped, invalid))
    return Document(
        id=record,
        source=SOURCE,
        text=text,
        title=title,
        sections=tuple(sections),
        metadata=metadata,
        mentions=tuple(mentions),
        relations=tuple(relations),
    )
