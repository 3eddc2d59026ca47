"""DailyMed Structured Product Labeling (SPL, HL7 v3 ``urn:hl7-org:v3``): one Document per
label version, id ``SPL:<setid>@<version>``.

Sections come out flattened in reading order, each with its LOINC ``code`` and a stable
snake_case ``name`` (``loaders.label_sections``). A section's text is its heading line
followed by its own ``<text>`` (paragraphs, list items, table rows as ``a | b | c``);
sub-sections follow as their own sections. "Unclassified" sub-sections (``42229-5``, e.g.
"5.1 Cardiovascular Thrombotic Events") take their parent's name and code, so that rules
keyed on ``warnings_and_precautions`` see them, unless their heading names a known section
("12.5 Pharmacogenomics" -> ``pharmacogenomics``, "WARNINGS" in old labels -> ``warnings``).
Highlights (``<excerpt>``) repeat the full text and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._io import join_unique
from loaders.label_sections import CODES_BY_NAME, SECTION_NAMES, UNCLASSIFIED
from loaders.xmlsafe import iter_records, localname, text_of

SOURCE = "spl"
NS = "urn:hl7-org:v3"
H = f"{{{NS}}}"
UNII_SYSTEM = "2.16.840.1.113883.4.9"
ACTIVE_CLASSES = {"ACTIB", "ACTIM", "ACTIR"}

_BLOCK = {
    "paragraph",
    "list",
    "item",
    "table",
    "tr",
    "caption",
    "footnote",
    "title",
    "thead",
    "tbody",
    "tfoot",
}
_CELL = "\x1f"
UNCLASSIFIED_NAME = SECTION_NAMES[UNCLASSIFIED]
_NUMBERING = re.compile(r"^\s*(\d+(\.\d+)*\.?|[A-Z]\.)\s+")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# headings of older labels whose words differ from the openFDA names
_HEADING_ALIASES = {
    "indications": "indications_and_usage",
    "indications_usage": "indications_and_usage",
    "indications_and_use": "indications_and_usage",
    "uses": "indications_and_usage",
    "warning": "warnings",
    "boxed_warning": "boxed_warning",
    "adverse_effects": "adverse_reactions",
    "dosage": "dosage_and_administration",
    "dosage_administration": "dosage_and_administration",
    "contraindication": "contraindications",
    "drug_interaction": "drug_interactions",
    "interactions": "drug_interactions",
}


def _set_id(el: etree._Element) -> str | None:
    set_id = el.find(f"{H}setId")
    root = (set_id.get("root") or "").strip().lower() if set_id is not None else ""
    return root or None


def read_spl(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    for item in iter_records(path, ("document",), max_depth=0, record_id=_set_id):
        if isinstance(item, LoaderError):
            yield item
            continue
        if etree.QName(item).namespace != NS:
            yield MalformedRecordError(
                source, None, f"root is not an HL7 v3 SPL document: {item.tag}"
            )
            continue
        yield _document(source, item)


def render_text(el: etree._Element) -> str:
    """Block-aware text of an SPL ``<text>``: one line per paragraph/item/table row."""
    buf: list[str] = []

    def walk(e: etree._Element, in_cell: bool) -> None:
        tag = localname(e)
        parent = e.getparent()
        # a list item's caption is its bullet or number: keep it on the item's line;
        # inside a table cell, paragraphs and breaks are spaces so a row stays one line
        inline_caption = tag == "caption" and parent is not None and localname(parent) == "item"
        block = tag in _BLOCK and not inline_caption
        brk = " " if in_cell else "\n"
        if tag in ("td", "th"):
            buf.append(_CELL)
            in_cell = True
        elif block or tag == "br":
            buf.append(brk)
        if e.text and tag:
            buf.append(_SPACE.sub(" ", e.text))  # source line breaks are not ours
        for child in e:
            walk(child, in_cell)
            if child.tail:
                buf.append(_SPACE.sub(" ", child.tail))
        if block:
            buf.append(brk)
        elif inline_caption:
            buf.append(" ")

    walk(el, False)
    lines = []
    for line in "".join(buf).split("\n"):
        cells = [" ".join(part.split()) for part in line.split(_CELL)]
        joined = " | ".join(c for c in cells if c)
        if joined:
            lines.append(joined)
    return "\n".join(lines)


def _heading_name(title: str) -> str | None:
    key = _NON_WORD.sub("_", _NUMBERING.sub("", title).lower().replace("&", "and")).strip("_")
    key = _HEADING_ALIASES.get(key, key)
    return key if key in CODES_BY_NAME else None


def _walk_sections(
    section: etree._Element,
    parent: tuple[str, str | None] | None,
    out: list[tuple[str, str, str | None]],
) -> None:
    code_el = section.find(f"{H}code")
    code = (code_el.get("code") or "").strip() if code_el is not None else ""
    title = text_of(section.find(f"{H}title"))
    name = SECTION_NAMES.get(code)
    if name is None or code == UNCLASSIFIED:
        by_heading = _heading_name(title) if title else None
        parent_known = parent is not None and parent[0] != UNCLASSIFIED_NAME
        if by_heading is not None:  # "12.5 Pharmacogenomics", "WARNINGS" in old labels
            name, code = by_heading, CODES_BY_NAME[by_heading]
        elif parent_known:
            name, code = parent  # "5.1 Cardiovascular Thrombotic Events"
        elif parent is not None:
            name, code = parent
        else:
            name = UNCLASSIFIED_NAME
    text_el = section.find(f"{H}text")
    body = render_text(text_el) if text_el is not None else ""
    text = "\n".join(t for t in (title, body) if t)
    if text:
        out.append((name, text, code or None))
    for comp in section.iterfind(f"{H}component/{H}section"):
        _walk_sections(comp, (name, code or None), out)


def _pairs(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """Unique (name, UNII) pairs as two aligned '|'-joined strings (same UNII = same one)."""
    seen: dict[str, tuple[str, str]] = {}
    for name, unii in pairs:
        name = " ".join(name.split())
        key = unii or name.lower()
        if name and key not in seen:
            seen[key] = (name, unii)
    return "|".join(n for n, _ in seen.values()), "|".join(u for _, u in seen.values())


def _code_of(el: etree._Element) -> str:
    code = el.find(f"{H}code")
    return (code.get("code") or "").strip() if code is not None else ""


def _substances(doc: etree._Element) -> dict[str, str]:
    substances: list[etree._Element] = []
    for ing in doc.iter(f"{H}ingredient"):
        if ing.get("classCode") in ACTIVE_CLASSES:
            sub = ing.find(f"{H}ingredientSubstance")
            if sub is not None:
                substances.append(sub)
    substances.extend(doc.iter(f"{H}activeIngredientSubstance"))  # pre-2009 SPL schema
    for ident in doc.iter(f"{H}identifiedSubstance"):  # indexing documents
        if ident.find(f"{H}name") is not None:
            substances.append(ident)
    ingredients = [(text_of(sub.find(f"{H}name")), _code_of(sub)) for sub in substances]
    moieties = [
        (text_of(m.find(f"{H}name")), _code_of(m))
        for sub in substances
        for m in sub.iterfind(f"{H}activeMoiety/{H}activeMoiety")
    ]
    names, uniis = _pairs(ingredients)
    moiety_names, moiety_uniis = _pairs(moieties)
    products = [
        text_of(p.find(f"{H}name"))
        for p in doc.iter(f"{H}manufacturedProduct", f"{H}manufacturedMedicine")
        if p.find(f"{H}name") is not None
    ]
    generics = [text_of(g) for g in doc.iter(f"{H}genericMedicine")]
    classes = [
        c.get("displayName", "")
        for kind in doc.iter(f"{H}generalizedMaterialKind")
        for c in kind.iterfind(f"{H}code")
    ]
    return {
        "active_ingredients": names,
        "unii": uniis,
        "active_moieties": moiety_names,
        "moiety_unii": moiety_uniis,
        "products": join_unique(products),
        "generic_names": join_unique(generics),
        "pharmacologic_classes": join_unique(classes),
    }


def _document(source: str, doc: etree._Element) -> Document | LoaderError:
    set_id = _set_id(doc)
    version_el = doc.find(f"{H}versionNumber")
    version = (version_el.get("value") or "").strip() if version_el is not None else ""
    if not set_id or not version:
        return MalformedRecordError(
            source, f"SPL:{set_id}" if set_id else None, "no setId or versionNumber"
        )
    record = f"SPL:{set_id}@{version}"
    title = text_of(doc.find(f"{H}title"))
    parts: list[tuple[str, str, str | None]] = []
    if title:
        parts.append(("title", title, None))
    for section in doc.iterfind(f"{H}component/{H}structuredBody/{H}component/{H}section"):
        _walk_sections(section, None, parts)
    if not parts:
        return EmptyDocumentError(source, record, "no title and no section text")

    type_el = doc.find(f"{H}code")
    doc_id = doc.find(f"{H}id")
    effective = doc.find(f"{H}effectiveTime")
    metadata = {
        "set_id": set_id,
        "version": version,
        "document_id": (doc_id.get("root") or "").lower() if doc_id is not None else "",
        "effective_time": (effective.get("value") or "") if effective is not None else "",
        "title": title,
        "document_type": type_el.get("displayName", "") if type_el is not None else "",
        "document_type_code": type_el.get("code", "") if type_el is not None else "",
        "labeler": text_of(
            doc.find(f"{H}author/{H}assignedEntity/{H}representedOrganization/{H}name")
        ),
        **_substances(doc),
    }
    return Document.from_sections(
        record, SOURCE, parts, title=title, metadata={k: v for k, v in metadata.items() if v}
    )
