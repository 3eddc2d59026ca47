"""PharmGKB guideline annotations (CPIC, DPWG, ... JSON-LD, one per file, often gzipped):
document ``PHARMGKB:<id>`` with the summary and the guideline text as sections."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._html import html_to_text
from loaders._io import looks_binary, open_binary
from loaders._json import decode_error, deep_line

SOURCE = "pharmgkb"
MAX_BYTES = 64 << 20
# (JSON field, section name), in reading order
SECTIONS = (
    ("summaryMarkdown", "summary"),
    ("textMarkdown", "recommendation"),
    ("pediatricContext", "pediatric_context"),
)


def read_pharmgkb(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    try:
        with open_binary(path) as fh:
            raw = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
    if not raw.strip():
        yield EmptyDocumentError(source, None, "empty file")
        return
    if looks_binary(raw[:4096]):
        yield MalformedRecordError(source, None, "binary data, not JSON")
        return
    if len(raw) > MAX_BYTES:
        yield MalformedRecordError(source, None, "larger than a guideline annotation can be")
        return
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        yield MalformedRecordError(source, None, f"invalid UTF-8 at byte {exc.start}")
        return
    except (ValueError, RecursionError) as exc:
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}, column {exc.colno}"
        elif isinstance(exc, RecursionError) and (line := deep_line(text)) is not None:
            where = f" (past 500 levels at line {line})"
        yield MalformedRecordError(source, None, f"invalid JSON: {decode_error(exc)}{where}")
        return
    guideline = data.get("guideline") if isinstance(data, dict) else None
    if not isinstance(guideline, dict):
        yield MalformedRecordError(
            source, None, "no 'guideline' object: not a PharmGKB guideline annotation"
        )
        return
    yield _guideline(source, guideline, data.get("citations") or [])


def _names(items: Any, key: str) -> list[str]:
    out: list[str] = []
    for item in items if isinstance(items, list) else []:
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str) and value.strip() and value.strip() not in out:
            out.append(value.strip())
    return out


def _guideline(source: str, g: dict[str, Any], citations: Any) -> Document | LoaderError:
    pid = str(g.get("id") or "").strip()
    if not pid:
        return MalformedRecordError(source, None, "guideline without id")
    record = f"PHARMGKB:{pid}"
    parts: list[tuple[str, str, str | None]] = []
    for field, name in SECTIONS:
        block = g.get(field)
        html = block.get("html") if isinstance(block, dict) else None
        text = html_to_text(html) if isinstance(html, str) else ""
        if text:
            parts.append((name, text, None))
    if not parts:
        return EmptyDocumentError(source, record, "no summary or guideline text")
    if any("\x00" in text for _, text, _ in parts):  # a JSON "\u0000" escape
        return MalformedRecordError(source, record, "NUL character in the guideline text")
    pmids: list[str] = []
    for cit in citations if isinstance(citations, list) else []:
        xrefs = cit.get("crossReferences") if isinstance(cit, dict) else None
        for xref in xrefs if isinstance(xrefs, list) else []:
            pmid = str(xref.get("resourceId") or "") if isinstance(xref, dict) else ""
            if pmid and xref.get("resource") == "PubMed" and pmid not in pmids:
                pmids.append(pmid)
    url = next(iter(_names(g.get("crossReferences"), "_url")), "")
    metadata = {
        "pharmgkb_id": pid,
        "name": str(g.get("name") or ""),
        "guideline_source": str(g.get("source") or ""),
        "genes": "|".join(_names(g.get("relatedGenes"), "symbol")),
        "gene_ids": "|".join(_names(g.get("relatedGenes"), "id")),
        "drugs": "|".join(_names(g.get("relatedChemicals"), "name")),
        "drug_ids": "|".join(_names(g.get("relatedChemicals"), "id")),
        "recommendation": "true" if g.get("recommendation") else "false",
        "pmids": "|".join(pmids),
        "url": url,
    }
    return Document.from_sections(
        record,
        SOURCE,
        parts,
        title=metadata["name"],
        metadata={k: v for k, v in metadata.items() if v},
    )
