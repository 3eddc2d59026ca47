"""Per-request batching of store look-ups, for graphql-core's *sync* executor.

graphql-core resolves a list depth-first, item by item, so a classic DataLoader
that waits for "the end of the tick" has nothing to wait for. Instead every value
that can have children remembers the *group* it was produced with: the ids of all
entities one resolver call returned (search results, the nodes of every edge in a
batch), or the keys of all statements in a batch of edges. The first child
look-up for any member loads the whole group in one store call and caches it;
its siblings then hit the cache. So a query costs one store call per level of
the query and per distinct field/arguments, however many items a level has:

    search(first: 50) { ... on Drug { targets { edges { node { name } evidence { sentence } } } } }
      -> find_entities x1, neighbours x1 (50 drugs), count x0, evidence x1 (all edges)

A ``RequestLoaders`` lives for one request (it is the GraphQL context's cache), so
nothing is shared between requests or kept after one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kg.model import Edge, Entity, EntityType, Evidence, Predicate
from kg.store import GraphStore

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchCache(Generic[K, V]):
    """Loads a key together with its not-yet-loaded siblings in one call; caches results."""

    __slots__ = ("_fetch", "_cache", "_missing", "calls")

    def __init__(self, fetch: Callable[[list[K]], Mapping[K, V]], missing: V) -> None:
        self._fetch = fetch
        self._cache: dict[K, V] = {}
        self._missing = missing
        self.calls = 0

    def load(self, key: K, group: Sequence[K] = ()) -> V:
        try:
            return self._cache[key]
        except KeyError:
            pass
        keys = [k for k in dict.fromkeys((key, *group)) if k not in self._cache]
        found = self._fetch(keys)
        self.calls += 1
        for k in keys:
            self._cache[k] = found.get(k, self._missing)
        return self._cache[key]

    def load_many(self, keys: Sequence[K]) -> dict[K, V]:
        if keys:
            self.load(keys[0], keys)
        return {k: self._cache[k] for k in keys}

    def prime(self, key: K, value: V) -> None:
        self._cache.setdefault(key, value)


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """Which neighbours a field lists (one relation seen from one end)."""

    predicates: tuple[Predicate, ...]
    direction: str
    other_types: tuple[EntityType, ...] | None = None


@dataclass(frozen=True, slots=True)
class EdgeBatch:
    """The edges of one anchor, with the groups their nodes and statements belong to."""

    edges: tuple[Edge, ...]
    nodes: tuple[str, ...]  # ids of every node in the same store call
    keys: tuple[str, ...]  # statement keys of every edge in the same store call


_EMPTY_BATCH = EdgeBatch((), (), ())


class RequestLoaders:
    """The batching caches of one request."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.entities: BatchCache[str, Entity | None] = BatchCache(store.get_entities, None)
        self._neighbours: dict[tuple[EdgeSpec, int, int], BatchCache[str, EdgeBatch]] = {}
        self._counts: dict[EdgeSpec, BatchCache[str, int]] = {}
        self._evidence: dict[int, BatchCache[str, tuple[Evidence, ...]]] = {}

    def neighbours(self, spec: EdgeSpec, limit: int, offset: int) -> BatchCache[str, EdgeBatch]:
        cache_key = (spec, limit, offset)
        cache = self._neighbours.get(cache_key)
        if cache is None:

            def fetch(ids: list[str]) -> dict[str, EdgeBatch]:
                got = self.store.neighbours(
                    ids,
                    predicates=spec.predicates,
                    direction=spec.direction,
                    other_types=spec.other_types,
                    limit=limit,
                    offset=offset,
                )
                nodes = tuple(dict.fromkeys(e.other.id for es in got.values() for e in es))
                keys = tuple(dict.fromkeys(e.statement.key for es in got.values() for e in es))
                for es in got.values():
                    for e in es:
                        self.entities.prime(e.other.id, e.other)
                return {i: EdgeBatch(tuple(es), nodes, keys) for i, es in got.items()}

            cache = self._neighbours[cache_key] = BatchCache(fetch, _EMPTY_BATCH)
        return cache

    def counts(self, spec: EdgeSpec) -> BatchCache[str, int]:
        cache = self._counts.get(spec)
        if cache is None:

            def fetch(ids: list[str]) -> Mapping[str, int]:
                return self.store.count_neighbours(
                    ids,
                    predicates=spec.predicates,
                    direction=spec.direction,
                    other_types=spec.other_types,
                )

            cache = self._counts[spec] = BatchCache(fetch, 0)
        return cache

    def evidence(self, limit: int) -> BatchCache[str, tuple[Evidence, ...]]:
        cache = self._evidence.get(limit)
        if cache is None:

            def fetch(keys: list[str]) -> dict[str, tuple[Evidence, ...]]:
                return {k: tuple(v) for k, v in self.store.evidence(keys, limit=limit).items()}

            cache = self._evidence[limit] = BatchCache(fetch, ())
        return cache
