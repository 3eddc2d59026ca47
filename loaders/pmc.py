"""PMC open-access full texts in JATS (``.nxml``): title, abstract, body sections.

Sections are flattened in reading order, each ``<sec>`` with its own title (snake_case);
paragraphs of a section exclude those of its sub-sections, which follow as their own
sections. ``code`` is ``abstract`` for abstract parts, else the JATS ``sec-type`` if any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders.pubmed import snake
from loaders.xmlsafe import iter_records, localname, text_of

SOURCE = "pmc"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Blocks whose text is part of the reading flow of a section.
_BLOCKS = {"p", "list", "table-wrap", "fig", "disp-quote", "statement", "boxed-text", "def-list"}
_YEAR = re.compile(r"^[0-9]{4}$")


def _ids(el: etree._Element) -> dict[str, str]:
    ids: dict[str, str] = {}
    for aid in el.iterfind("front/article-meta/article-id"):
        kind = aid.get("pub-id-type", "")
        if kind and (aid.text or "").strip():
            ids.setdefault(kind, aid.text.strip())
    return ids


def _record_id(el: etree._Element) -> str | None:
    ids = _ids(el)
    if "pmc" in ids:
        pmc = ids["pmc"]
        return f"PMC:{pmc if pmc.upper().startswith('PMC') else 'PMC' + pmc}"
    if "pmid" in ids:
        return f"PMID:{ids['pmid']}"
    if "doi" in ids:
        return f"DOI:{ids['doi']}"
    return None


def read_pmc(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    for item in iter_records(path, ("article",), record_id=_record_id):
        if isinstance(item, LoaderError):
            yield item
            continue
        yield _article(source, item)


def _block_text(el: etree._Element) -> str:
    if localname(el) in ("table-wrap", "fig"):
        # caption first, then the cells row by row: the table's words stay searchable
        caption = text_of(el.find("caption"))
        rows = [
            " | ".join(text_of(c) for c in tr if localname(c) in ("td", "th"))
            for tr in el.iter("{*}tr")
        ]
        return "\n".join(t for t in [text_of(el.find("label")), caption, *rows] if t)
    return text_of(el)


def _sections(
    sec: etree._Element, code: str | None, out: list[tuple[str, str, str | None]], default: str
) -> None:
    title = text_of(sec.find("title"))
    name = snake(title) if title else default
    paras = [_block_text(child) for child in sec if localname(child) in _BLOCKS]
    text = "\n".join(p for p in paras if p)
    if text:
        out.append((name, text, code if code else sec.get("sec-type") or None))
    for child in sec:
        if localname(child) == "sec":
            _sections(child, code, out, name)


def _article(source: str, el: etree._Element) -> Document | LoaderError:
    record = _record_id(el)
    if record is None:
        return MalformedRecordError(source, None, "article without pmc, pmid or doi id")
    meta_el = el.find("front/article-meta")
    if meta_el is None:
        return MalformedRecordError(source, record, "article without front/article-meta")
    title = text_of(meta_el.find("title-group/article-title"))
    parts: list[tuple[str, str, str | None]] = []
    if title:
        parts.append(("title", title, None))
    for abstract in meta_el.iterfind("abstract"):
        kind = abstract.get("abstract-type")
        default = f"abstract_{snake(kind)}" if kind else "abstract"
        _sections(abstract, "abstract", parts, default)
    body = el.find("body")
    if body is not None:
        _sections(body, None, parts, "body")
    if not parts:
        return EmptyDocumentError(source, record, "no title, abstract or body text")

    ids = _ids(el)
    metadata = {
        "pmid": ids.get("pmid", ""),
        "pmcid": record.split(":", 1)[1] if record.startswith("PMC:") else "",
        "doi": ids.get("doi", ""),
        "journal": text_of(el.find("front/journal-meta/journal-title-group/journal-title"))
        or text_of(el.find("front/journal-meta/journal-title")),
        "article_type": el.get("article-type", ""),
        "keywords": "|".join(text_of(k) for k in meta_el.iterfind("kwd-group/kwd")),
        "year": next(
            (
                y
                for y in (text_of(d.find("year")) for d in meta_el.iterfind("pub-date"))
                if _YEAR.match(y)
            ),
            "",
        ),
    }
    license_el = meta_el.find("permissions/license")
    if license_el is not None:
        metadata["license"] = (
            license_el.get(XLINK_HREF)
            or license_el.get("license-type")
            or text_of(license_el)[:200]
        )
    return Document.from_sections(
        record, SOURCE, parts, title=title, metadata={k: v for k, v in metadata.items() if v}
    )
