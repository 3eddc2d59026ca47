"""CIViC ``ClinicalEvidenceSummaries`` TSV: each evidence item is one document
``CIVIC:EID<n>`` whose text is the curated evidence statement.

The file is tab-separated with no quoting (statements contain ``"``), so rows are split on
tabs only; a row with the wrong number of fields is reported and skipped.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._io import LongLine, is_ascii_int, iter_lines

SOURCE = "civic"
REQUIRED = ("evidence_id", "evidence_statement")
# columns copied to metadata (CIViC name -> our key)
META_COLUMNS = {
    "gene": "gene",
    "entrez_id": "entrez_id",
    "variant": "variant",
    "variant_id": "variant_id",
    "disease": "disease",
    "doid": "doid",
    "phenotypes": "phenotypes",
    "drugs": "drugs",
    "drug_interaction_type": "drug_interaction_type",
    "evidence_type": "evidence_type",
    "evidence_direction": "evidence_direction",
    "evidence_level": "evidence_level",
    "clinical_significance": "clinical_significance",
    "rating": "rating",
    "evidence_status": "evidence_status",
    "variant_origin": "variant_origin",
    "source_type": "source_type",
    "citation": "citation",
    "nct_ids": "nct_ids",
    "evidence_civic_url": "url",
}
LIST_COLUMNS = {"drugs", "phenotypes", "nct_ids"}  # comma lists in CIViC, '|' here


def read_civic(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    header: list[str] | None = None
    try:
        for number, raw in iter_lines(path):
            if isinstance(raw, LongLine):
                yield MalformedRecordError(source, f"line {number}", raw.problem())
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield MalformedRecordError(source, f"line {number}", "invalid UTF-8")
                continue
            if not line.strip():
                continue
            fields = line.split("\t")
            if header is None:
                header = [f.strip() for f in fields]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    yield MalformedRecordError(
                        source, None, f"not a CIViC evidence TSV: no {', '.join(missing)} column"
                    )
                    return
                continue
            yield _row(source, number, header, fields)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"unreadable: {exc}")
        return
    if header is None:
        yield EmptyDocumentError(source, None, "empty file")


def _row(source: str, number: int, header: list[str], fields: list[str]) -> Document | LoaderError:
    row = dict(zip(header, fields, strict=False))
    eid = row.get("evidence_id", "").strip()
    record = f"CIVIC:EID{eid}" if is_ascii_int(eid) else f"line {number}"
    if len(fields) != len(header):
        return MalformedRecordError(
            source, record, f"line {number}: {len(fields)} fields, header has {len(header)}"
        )
    if not is_ascii_int(eid):
        return MalformedRecordError(source, record, f"evidence_id {eid!r} is not a number")
    if any("\x00" in field for field in fields):
        return MalformedRecordError(source, record, f"line {number}: NUL character")
    statement = " ".join(row["evidence_statement"].split())
    if not statement:
        return EmptyDocumentError(source, record, "empty evidence_statement")
    metadata = {"evidence_id": eid}
    for column, key in META_COLUMNS.items():
        value = row.get(column, "").strip()
        if column in LIST_COLUMNS:
            value = "|".join(v.strip() for v in value.split(",") if v.strip())
        if value:
            metadata[key] = value
    if row.get("source_type", "").strip() == "PubMed" and row.get("citation_id", "").strip():
        metadata["pmid"] = row["citation_id"].strip()
    elif row.get("citation_id", "").strip():
        metadata["citation_id"] = row["citation_id"].strip()
    title = " ".join(x for x in (row.get("gene", "").strip(), row.get("variant", "").strip()) if x)
    return Document.from_sections(
        record, SOURCE, [("evidence_statement", statement, None)], title=title, metadata=metadata
    )
