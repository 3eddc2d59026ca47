"""PubMed / MEDLINE XML: ``PubmedArticleSet`` (efetch, baseline; DTDs 2012-2024) and the
legacy ``MedlineCitationSet`` root, plain or gzipped, streamed one citation at a time.

Text is the title then each abstract part, one section each (``title``, ``abstract`` or
the structured label in snake_case, e.g. ``background``; ``code`` is the NLM category).
Deletions (``DeleteCitation``) come out as empty documents with ``status=deleted`` so that
ingestion can retire them; retracted papers carry ``status=retracted``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._io import is_ascii_int, join_unique
from loaders.xmlsafe import iter_records, localname, text_of

SOURCE = "pubmed"
RECORD_TAGS = ("PubmedArticle", "MedlineCitation", "PubmedBookArticle", "DeleteCitation")

_NON_WORD = re.compile(r"[^0-9a-z]+")
_YEAR = re.compile(r"\b(1[89][0-9][0-9]|20[0-9][0-9])\b")


def snake(label: str) -> str:
    return _NON_WORD.sub("_", label.lower()).strip("_") or "abstract"


def _pmid_of(el: etree._Element) -> str | None:
    pmid = el.findtext(".//PMID")
    return f"PMID:{pmid.strip()}" if pmid and pmid.strip() else None


def read_pubmed(path: str | Path) -> Iterator[Document | LoaderError]:
    """Stream one PubMed XML file; each bad citation yields an error and the rest load."""
    source = str(path)
    for item in iter_records(path, RECORD_TAGS, record_id=_pmid_of):
        if isinstance(item, LoaderError):
            yield item
            continue
        kind = localname(item)
        if kind == "DeleteCitation":
            yield from _deleted(source, item)
            continue
        try:
            yield _citation(source, item)
        except (ValueError, TypeError) as exc:  # defensive: odd markup in one record
            yield MalformedRecordError(source, _pmid_of(item), f"cannot read citation: {exc}")


def _deleted(source: str, el: etree._Element) -> Iterator[Document | LoaderError]:
    for pmid_el in el.iter("PMID"):
        pmid = (pmid_el.text or "").strip()
        if pmid and not is_ascii_int(pmid):
            yield MalformedRecordError(
                source, None, f"DeleteCitation of a non-numeric PMID {pmid[:40]!r}"
            )
        elif pmid:
            yield Document(
                id=f"PMID:{pmid}",
                source=SOURCE,
                text="",
                metadata={"pmid": pmid, "status": "deleted"},
            )


def _citation(source: str, el: etree._Element) -> Document | LoaderError:
    kind = localname(el)
    if kind == "PubmedArticle":
        citation = el.find("MedlineCitation")
        article = citation.find("Article") if citation is not None else None
        pubmed_data = el.find("PubmedData")
    elif kind == "PubmedBookArticle":
        citation = el.find("BookDocument")
        article = citation
        pubmed_data = el.find("PubmedBookData")
    else:  # legacy MedlineCitation record
        citation = el
        article = el.find("Article")
        pubmed_data = None
    if citation is None:
        return MalformedRecordError(source, _pmid_of(el), f"{kind} without a citation")
    pmid = (citation.findtext("PMID") or "").strip()
    if not is_ascii_int(pmid):
        return MalformedRecordError(source, None, f"{kind} without a numeric PMID")
    record = f"PMID:{pmid}"

    title = ""
    parts: list[tuple[str, str, str | None]] = []
    if article is not None:
        title = text_of(article.find("ArticleTitle")) or text_of(article.find("VernacularTitle"))
        if not title and kind == "PubmedBookArticle":
            title = text_of(article.find("Book/BookTitle"))
        abstract = article.find("Abstract")
        if abstract is not None:
            for part in abstract.findall("AbstractText"):
                text = text_of(part)
                if not text:
                    continue
                label = part.get("Label")
                category = part.get("NlmCategory")
                parts.append((snake(label) if label else "abstract", text, category or None))
    if not title and not parts:
        return EmptyDocumentError(source, record, "no title and no abstract")
    if title:
        parts.insert(0, ("title", title, None))

    metadata = _metadata(pmid, citation, article, pubmed_data)
    return Document.from_sections(record, SOURCE, parts, title=title, metadata=metadata)


def _metadata(
    pmid: str,
    citation: etree._Element,
    article: etree._Element | None,
    pubmed_data: etree._Element | None,
) -> dict[str, str]:
    meta: dict[str, str] = {"pmid": pmid}
    mesh = citation.findall("MeshHeadingList/MeshHeading/DescriptorName")
    meta["mesh_headings"] = join_unique([text_of(d) for d in mesh])
    meta["mesh_ids"] = join_unique([d.get("UI", "") for d in mesh])
    meta["major_topics"] = join_unique(
        [
            text_of(h.find("DescriptorName"))
            for h in citation.findall("MeshHeadingList/MeshHeading")
            if h.find("DescriptorName") is not None
            and (
                h.find("DescriptorName").get("MajorTopicYN") == "Y"
                or any(q.get("MajorTopicYN") == "Y" for q in h.findall("QualifierName"))
            )
        ]
    )
    meta["keywords"] = join_unique([text_of(k) for k in citation.findall("KeywordList/Keyword")])
    chemicals = citation.findall("ChemicalList/Chemical/NameOfSubstance")
    meta["chemicals"] = join_unique([text_of(c) for c in chemicals])
    meta["chemical_ids"] = join_unique([c.get("UI", "") for c in chemicals])

    pub_types: list[str] = []
    if article is not None:
        pub_types = [text_of(p) for p in article.findall("PublicationTypeList/PublicationType")]
        meta["journal"] = text_of(article.find("Journal/Title"))
        pub_date = article.find("Journal/JournalIssue/PubDate")
        year = ""
        if pub_date is not None:
            year = (pub_date.findtext("Year") or "").strip()
            if not year:
                found = _YEAR.search(pub_date.findtext("MedlineDate") or "")
                year = found.group(1) if found else ""
        meta["year"] = year
        meta["language"] = join_unique([text_of(x) for x in article.findall("Language")])
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and (loc.text or "").strip():
                meta.setdefault("doi", loc.text.strip())
    meta["publication_types"] = join_unique(pub_types)

    retracted_in: list[str] = []
    retraction_of: list[str] = []
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        ref_pmid = (cc.findtext("PMID") or "").strip()
        if cc.get("RefType") == "RetractionIn":
            retracted_in.append(ref_pmid or text_of(cc.find("RefSource")))
        elif cc.get("RefType") == "RetractionOf":
            retraction_of.append(ref_pmid or text_of(cc.find("RefSource")))
    retracted = bool(retracted_in) or "Retracted Publication" in pub_types
    meta["status"] = "retracted" if retracted else "active"
    if retracted_in:
        meta["retracted_in"] = join_unique(retracted_in)
    if retraction_of or "Retraction of Publication" in pub_types:
        meta["retraction_of"] = join_unique(retraction_of)

    if pubmed_data is not None:
        for aid in pubmed_data.findall("ArticleIdList/ArticleId"):
            id_type = aid.get("IdType")
            if id_type in ("doi", "pmc") and (aid.text or "").strip():
                meta[id_type] = aid.text.strip()
    return {k: v for k, v in meta.items() if v or k in ("status",)}
