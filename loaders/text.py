"""Plain text files: one document ``TEXT:<file stem>`` (or ``TEXT:sha1-<hash>`` when the
stem is not a usable id), one ``body`` section; blank lines are kept as they are."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from kg.errors import EmptyDocumentError, LoaderError, MalformedRecordError
from kg.model import Document
from loaders._io import open_binary

SOURCE = "text"
MAX_BYTES = 64 << 20
_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def text_id(path: str | Path, data: bytes) -> str:
    name = Path(path).name
    for suffix in (".gz", ".txt", ".text"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    if _SAFE_STEM.match(name):
        return f"TEXT:{name}"
    return f"TEXT:sha1-{hashlib.sha1(data).hexdigest()}"


def read_text(path: str | Path) -> Iterator[Document | LoaderError]:
    source = str(path)
    try:
        with open_binary(path) as fh:
            data = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield MalformedRecordError(source, None, f"cannot read: {exc}")
        return
    record = text_id(path, data)
    if len(data) > MAX_BYTES:
        yield MalformedRecordError(source, record, f"larger than {MAX_BYTES} bytes")
        return
    nul = data.find(b"\x00")  # anywhere, not only in a sniffed head
    if nul >= 0:
        yield MalformedRecordError(source, record, f"NUL byte at offset {nul}: binary, not text")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield MalformedRecordError(source, record, f"invalid UTF-8 at byte {exc.start}")
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        yield EmptyDocumentError(source, record, "empty file")
        return
    yield Document.from_sections(
        record, SOURCE, [("body", text, None)], metadata={"file": Path(path).name}
    )
