"""Opening inputs: gzip transparently, bytes per line so one bad line never sinks a file."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: str | Path) -> BinaryIO:
    """Open a file for reading bytes, gunzipping when it starts with the gzip magic."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the caller
    if raw.peek(2)[:2] != GZIP_MAGIC:
        return raw
    raw.close()
    return gzip.open(path, "rb")  # type: ignore[return-value]  # owns (and closes) its file


def read_head(path: str | Path, size: int = 4096) -> bytes:
    """The first ``size`` decompressed bytes; a corrupt gzip raises OSError/EOFError."""
    with open_binary(path) as fh:
        return fh.read(size)


def looks_binary(head: bytes) -> bool:
    """NUL bytes never occur in the text formats we read (UTF-16 files are not supported)."""
    return b"\x00" in head


def iter_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line bytes without the line ending)."""
    with open_binary(path) as fh:
        for number, line in enumerate(fh, 1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line.rstrip(b"\r\n")
