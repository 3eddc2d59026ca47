"""openFDA ``/drug/label`` records (``{"results": [...]}`` downloads or JSON lines).

Each record is one SPL label version, so the id is the same as the SPL loader's,
``SPL:<set_id>@<version>`` (``OPENFDA:<id>`` when set_id is missing), and sections carry
the same names and LOINC codes (``loaders.label_sections``): label relation rules work on
either source. ``*_table`` fields (HTML renderings of tables also present as text) are
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._io import join_unique
from loaders._json import iter_json_records
from loaders.label_sections import CODES_BY_NAME, OPENFDA_FIELD_ALIASES, SECTION_NAMES

SOURCE = "openfda"
# openFDA fields that look like sections but are identifiers or product data
_NOT_SECTIONS = {"set_id", "id", "version", "effective_time", "openfda"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _first(value: Any) -> str:
    values = _strings(value)
    return values[0].strip() if values else ""


def _joined(value: Any) -> str:
    return join_unique(_strings(value))


def section_code(field: str) -> str | None:
    """The LOINC code an openFDA label field holds, if it is a text section."""
    if field in _NOT_SECTIONS or field.endswith("_table"):
        return None
    return OPENFDA_FIELD_ALIASES.get(field) or CODES_BY_NAME.get(field)


def read_openfda(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    for item in iter_json_records(path, "results"):
        if isinstance(item, LoaderError):
            yield item
            continue
        index, record = item
        yield _label(source, index, record)


def _label(source: str, index: int, record: dict[str, Any]) -> Document | LoaderError:
    set_id = _first(record.get("set_id")).lower()
    version = _first(record.get("version"))
    doc_id = _first(record.get("id"))
    if set_id and version:
        record_id = f"SPL:{set_id}@{version}"
    elif doc_id:
        record_id = f"OPENFDA:{doc_id}"
    else:
        return MalformedRecordError(source, f"#{index}", "record has neither set_id+version nor id")

    parts: list[tuple[str, str, str | None]] = []
    for field, value in record.items():
        code = section_code(field)
        if code is None:
            continue
        for text in _strings(value):
            text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
            if text:
                parts.append((SECTION_NAMES[code], text, code))
    if not parts:
        return EmptyDocumentError(source, record_id, "no label section text")
    if any("\x00" in text for _, text, _ in parts):  # a JSON "\u0000" escape
        return MalformedRecordError(source, record_id, "NUL character in a label section")

    ofda = record.get("openfda") if isinstance(record.get("openfda"), dict) else {}
    title = _first(ofda.get("brand_name")) or _first(ofda.get("generic_name"))
    metadata = {
        "set_id": set_id,
        "version": version,
        "document_id": doc_id.lower(),
        "effective_time": _first(record.get("effective_time")),
        "title": title,
        "labeler": _first(ofda.get("manufacturer_name")),
        "active_ingredients": _joined(ofda.get("substance_name"))
        or _joined(ofda.get("generic_name")),
        "unii": _joined(ofda.get("unii")),
        "generic_names": _joined(ofda.get("generic_name")),
        "products": _joined(ofda.get("brand_name")),
        "rxcui": _joined(ofda.get("rxcui")),
        "product_type": _joined(ofda.get("product_type")),
        "route": _joined(ofda.get("route")),
    }
    return Document.from_sections(
        record_id, SOURCE, parts, title=title, metadata={k: v for k, v in metadata.items() if v}
    )
