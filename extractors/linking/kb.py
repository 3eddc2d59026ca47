"""The linking knowledge base: entities, their names, and the look-up tables built from them.

On disk (``models/kb/``) it is four files, written by ``medkg kb build``:

- ``entities.tsv.gz``  ``id  type  name  xrefs(|-joined)`` — one row per entity;
- ``names.tsv.gz``     ``row  rank  surface`` — every name of every entity (``row`` is the
  entity's 0-based row; lower ``rank`` wins when a name fits several entities). A ``row``
  of ``!<Type>`` marks a string that annotators left unlinked: it must stay unlinked;
- ``broader.tsv.gz``   MeSH's parents of each descriptor (``extractors/linking/hierarchy.py``);
- ``kb.json``          version, sources, counts, fuzzy thresholds, sha256 of the files.

In memory the tables are plain dicts keyed by ``(type, key)``; building them is the load
cost (about a second), paid once by whoever holds the ``KnowledgeBase``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.checksums import file_sha256
from extractors.linking.hierarchy import BROADER_FILE, write_broader
from extractors.linking.normalize import loose, loose_from_norm, norm
from kg.errors import ModelNotFoundError
from kg.model import Entity, EntityType

ENTITIES_FILE = "entities.tsv.gz"
NAMES_FILE = "names.tsv.gz"
META_FILE = "kb.json"
FORMAT_VERSION = 1

# Ranks: lower is more trustworthy. The build assigns them; the linker only compares them.
RANK_CORPUS = 0  # a curated corpus linked this exact string to this id most often
RANK_PREFERRED = 1  # the vocabulary's own preferred name / approved symbol
RANK_NAME = 2  # a main name from a second vocabulary (DO name, DrugBank name)
RANK_SYNONYM = 3  # an exact synonym, a brand name, a previous gene symbol
RANK_ALIAS = 4  # gene aliases, related synonyms, minority corpus readings
RANK_WEAK = 6  # names that fit only after salt-stripping and the like

_TYPES = {t.value: t for t in EntityType}


@dataclass(frozen=True, slots=True)
class KBRecord:
    """An entity while the KB is being built (names with their ranks)."""

    id: str
    type: EntityType
    name: str
    xrefs: tuple[str, ...] = ()


@dataclass(slots=True)
class KBData:
    """What ``medkg kb build`` produces and ``KnowledgeBase`` loads."""

    records: list[KBRecord]
    names: list[tuple[int, int, str]]  # (row, rank, surface)
    stops: list[tuple[EntityType, str]] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)
    broader: dict[str, tuple[str, ...]] = field(default_factory=dict)  # MeSH parents


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ").strip()


def write_kb(data: KBData, out: Path) -> dict[str, object]:
    """Write the three files (gzip with a fixed mtime, so identical input gives identical bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    ent_path, names_path = out / ENTITIES_FILE, out / NAMES_FILE
    with (
        open(ent_path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as fh,
    ):
        for r in data.records:
            fh.write(f"{r.id}\t{r.type.value}\t{_clean(r.name)}\t{'|'.join(r.xrefs)}\n".encode())
    with (
        open(names_path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as fh,
    ):
        for row, rank, surface in sorted(set(data.names)):
            fh.write(f"{row}\t{rank}\t{_clean(surface)}\n".encode())
        for etype, surface in sorted(set(data.stops)):
            fh.write(f"!{etype.value}\t0\t{_clean(surface)}\n".encode())
    meta = dict(data.meta)
    meta["format"] = FORMAT_VERSION
    meta["counts"] = _counts(data)
    meta["sha256"] = {ENTITIES_FILE: file_sha256(ent_path), NAMES_FILE: file_sha256(names_path)}
    if data.broader:
        meta["sha256"][BROADER_FILE] = file_sha256(write_broader(data.broader, out))
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def read_meta(path: str | Path) -> dict[str, object]:
    """A KB directory's ``kb.json`` (empty when it has none), without loading the KB."""
    meta_path = Path(path) / META_FILE
    return json.loads(meta_path.read_text()) if meta_path.is_file() else {}


def _counts(data: KBData) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in data.records:
        counts[f"entities.{r.type.value}"] = counts.get(f"entities.{r.type.value}", 0) + 1
    counts["names"] = len(set(data.names))
    counts["unlinkable_strings"] = len(set(data.stops))
    return counts


def _read_gz_lines(path: Path) -> Iterator[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield line.rstrip("\n").split("\t")


class KnowledgeBase:
    """Entities plus exact and loose name tables; read-only once loaded.

    ``lookup_exact``/``lookup_loose`` return candidate rows best first; ``entity(row)``
    materialises an ``Entity`` (with its synonyms) and caches it.
    """

    def __init__(
        self,
        ids: list[str],
        types: list[EntityType],
        pref: list[str],
        xrefs: list[tuple[str, ...]],
        names: Iterable[tuple[int, int, str]],
        stops: Iterable[tuple[EntityType, str]] = (),
        meta: Mapping[str, object] | None = None,
    ) -> None:
        self._ids, self._types, self._pref, self._xrefs = ids, types, pref, xrefs
        self.meta: Mapping[str, object] = dict(meta or {})
        self._row_of = {id_: i for i, id_ in enumerate(ids)}
        self._surfaces: list[list[str]] = [[] for _ in ids]
        self._ranks: list[list[int]] = [[] for _ in ids]
        # per type: key -> [(rank, row), ...] best first (one dict per type keeps keys small)
        self._exact: dict[EntityType, dict[str, list[tuple[int, int]]]] = {
            t: {} for t in EntityType
        }
        self._loose: dict[EntityType, dict[str, list[tuple[int, int]]]] = {
            t: {} for t in EntityType
        }
        for row, rank, surface in names:
            self._surfaces[row].append(surface)
            self._ranks[row].append(rank)
            n = norm(surface)
            if not n:
                continue
            etype = types[row]
            for table, key in ((self._exact[etype], n), (self._loose[etype], loose_from_norm(n))):
                slot = table.get(key)
                if slot is None:
                    table[key] = [(rank, row)]
                else:
                    slot.append((rank, row))
        for tables in (self._exact, self._loose):
            for table in tables.values():
                for key, slot in table.items():
                    if len(slot) > 1:
                        table[key] = _best_first(slot)
        self._stops = {(t, norm(s)) for t, s in stops}
        self._cache: dict[int, Entity] = {}

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> KnowledgeBase:
        path = Path(path)
        ent_path, names_path = path / ENTITIES_FILE, path / NAMES_FILE
        if not ent_path.is_file() or not names_path.is_file():
            raise ModelNotFoundError(
                f"no linking KB at {path} (expected {ENTITIES_FILE} and {NAMES_FILE}); "
                "build one with `medkg kb build --data <data dir> --out <dir>`"
            )
        ids: list[str] = []
        types: list[EntityType] = []
        pref: list[str] = []
        xrefs: list[tuple[str, ...]] = []
        for parts in _read_gz_lines(ent_path):
            ids.append(parts[0])
            types.append(_TYPES[parts[1]])
            pref.append(parts[2])
            xrefs.append(tuple(x for x in parts[3].split("|") if x) if len(parts) > 3 else ())
        names: list[tuple[int, int, str]] = []
        stops: list[tuple[EntityType, str]] = []
        for row, rank, surface in _read_gz_lines(names_path):
            if row.startswith("!"):
                stops.append((_TYPES[row[1:]], surface))
            else:
                names.append((int(row), int(rank), surface))
        return cls(ids, types, pref, xrefs, names, stops, read_meta(path))

    @classmethod
    def from_data(cls, data: KBData) -> KnowledgeBase:
        return cls(
            [r.id for r in data.records],
            [r.type for r in data.records],
            [r.name for r in data.records],
            [r.xrefs for r in data.records],
            data.names,
            data.stops,
            data.meta,
        )

    # -- queries -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def row_of(self, entity_id: str) -> int | None:
        return self._row_of.get(entity_id)

    def type_of(self, row: int) -> EntityType:
        return self._types[row]

    def id_of(self, row: int) -> str:
        return self._ids[row]

    def surfaces(self, row: int) -> list[str]:
        return self._surfaces[row]

    def lookup_exact(self, text: str, etype: EntityType) -> Sequence[tuple[int, int]]:
        """(rank, row) of entities of ``etype`` with a name normalising like ``text``, best first."""
        return self._exact[etype].get(norm(text), ())

    def lookup_loose(self, text: str, etype: EntityType) -> Sequence[tuple[int, int]]:
        return self._loose[etype].get(loose(text), ())

    def is_unlinkable(self, text: str, etype: EntityType) -> bool:
        return (etype, norm(text)) in self._stops

    def names_of_type_ranked(self, etype: EntityType) -> Iterator[tuple[str, int, int]]:
        """(surface, row, rank) for every name of every entity of one type."""
        for row, surfaces in enumerate(self._surfaces):
            if self._types[row] is etype:
                yield from ((s, row, r) for s, r in zip(surfaces, self._ranks[row], strict=True))

    def exact_keys(self, etype: EntityType) -> Iterator[str]:
        """Every normalised name of one type (for dictionary features elsewhere)."""
        return iter(self._exact[etype])

    def entity(self, row: int) -> Entity:
        cached = self._cache.get(row)
        if cached is None:
            name = self._pref[row]
            seen = {name}
            synonyms = tuple(s for s in self._surfaces[row] if not (s in seen or seen.add(s)))
            cached = Entity(self._ids[row], self._types[row], name, synonyms, self._xrefs[row])
            self._cache[row] = cached
        return cached


def _best_first(slot: list[tuple[int, int]]) -> list[tuple[int, int]]:
    best: dict[int, int] = {}
    for rank, row in slot:
        if rank < best.get(row, 1 << 30):
            best[row] = rank
    return sorted((rank, row) for row, rank in best.items())
