"""MeSH's broader-than relation between the KB's descriptors.

``broader.tsv.gz`` in a KB directory holds ``id  parents(|-joined)``: each MeSH descriptor
of the KB (diseases and drugs) with the descriptors one level up its tree numbers
("Hepatitis, Toxic" C06.552.380.350 → "Hepatitis" C06.552.380). It is written by
``medkg kb build`` beside the other KB files and read on first use, so code that only
needs the hierarchy never pays for loading the name tables.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from kg.errors import ExtractionError

BROADER_FILE = "broader.tsv.gz"


def mesh_parents(trees: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Descriptor id → the descriptors one level up any of its tree numbers."""
    owner = {t: mesh_id for mesh_id, ts in trees.items() for t in ts}
    out: dict[str, tuple[str, ...]] = {}
    for mesh_id, ts in trees.items():
        ups = {owner.get(t.rsplit(".", 1)[0]) for t in ts if "." in t}
        ups.discard(None)
        ups.discard(mesh_id)
        if ups:
            out[mesh_id] = tuple(sorted(ups))  # type: ignore[arg-type]
    return out


def write_broader(parents: Mapping[str, Iterable[str]], out: Path) -> Path:
    """Gzip with a fixed mtime, so the same parents give the same bytes."""
    path = Path(out) / BROADER_FILE
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        for child in sorted(parents):
            fh.write(f"{child}\t{'|'.join(sorted(parents[child]))}\n".encode())
    return path


class Hierarchy:
    """``is_broader(a, b)``: is ``a`` an ancestor of ``b``? Empty when the KB has no file."""

    def __init__(
        self, parents: Mapping[str, tuple[str, ...]] | None = None, path: str | Path | None = None
    ) -> None:
        self._parents = dict(parents) if parents is not None else None
        self._path = Path(path) / BROADER_FILE if path is not None else None
        self._ancestors = lru_cache(maxsize=65536)(self._compute)

    @classmethod
    def in_kb(cls, kb_dir: str | Path) -> Hierarchy:
        """The hierarchy of a KB directory, read on first use."""
        return cls(path=kb_dir)

    def _table(self) -> dict[str, tuple[str, ...]]:
        if self._parents is None:
            table: dict[str, tuple[str, ...]] = {}
            if self._path is not None and self._path.is_file():
                try:
                    with gzip.open(self._path, "rt", encoding="utf-8") as fh:
                        for line in fh:
                            child, _, ups = line.rstrip("\n").partition("\t")
                            table[child] = tuple(u for u in ups.split("|") if u)
                except (OSError, EOFError, UnicodeDecodeError) as exc:
                    raise ExtractionError(
                        f"{self._path}: unreadable MeSH hierarchy ({exc}); "
                        "rebuild the KB with `medkg kb build`"
                    ) from exc
            self._parents = table
        return self._parents

    def _compute(self, entity_id: str) -> frozenset[str]:
        table, seen, todo = self._table(), set(), [entity_id]
        while todo:
            for up in table.get(todo.pop(), ()):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return frozenset(seen)

    def ancestors(self, entity_id: str) -> frozenset[str]:
        return self._ancestors(entity_id)

    def is_broader(self, general: str, specific: str) -> bool:
        return general != specific and general in self._ancestors(specific)

    def __bool__(self) -> bool:
        return bool(self._table())
