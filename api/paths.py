"""Paths between two entities, found with one batched store call per BFS level.

Both ends are expanded breadth-first (statements in either direction): the
source ceil(L/2) levels, the target floor(L/2). Every path of length <= L then
lies in the explored edges, and a depth-first walk from the source, pruned by
the distance to the target, lists them. Each node contributes at most
``fanout`` of its strongest links and a level at most ``max_frontier`` nodes;
when either bound is hit the result says so (``truncated``), never silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kg.model import Edge, Entity
from kg.store import GraphStore

MAX_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Step:
    edge: Edge  # as seen from the node before it on the path

    @property
    def key(self) -> str:
        return self.edge.statement.key


@dataclass(frozen=True, slots=True)
class FoundPath:
    nodes: tuple[str, ...]
    steps: tuple[Step, ...]
    score: float  # product of step confidences


@dataclass(frozen=True, slots=True)
class PathSearch:
    paths: tuple[FoundPath, ...]
    truncated: bool
    entities: dict[str, Entity]  # every node on a returned path


def _expand(
    store: GraphStore, start: str, levels: int, fanout: int, max_frontier: int
) -> tuple[dict[str, list[Edge]], dict[str, int], bool]:
    adj: dict[str, list[Edge]] = {}
    dist = {start: 0}
    frontier = [start]
    truncated = False
    for level in range(levels):
        if not frontier:
            break
        if len(frontier) > max_frontier:
            frontier, truncated = frontier[:max_frontier], True
        got = store.neighbours(frontier, direction="both", limit=fanout)
        nxt = []
        for nid in frontier:
            edges = got.get(nid, [])
            if len(edges) >= fanout:
                truncated = True
            adj[nid] = edges
            for e in edges:
                if e.other.id not in dist:
                    dist[e.other.id] = level + 1
                    nxt.append(e.other.id)
        frontier = nxt
    return adj, dist, truncated


def find_paths(
    store: GraphStore,
    source: Entity,
    target: Entity,
    max_length: int,
    first: int,
    *,
    fanout: int = 100,
    max_frontier: int = 2000,
    max_visits: int = 200_000,
) -> PathSearch:
    ends = {source.id: source, target.id: target}
    source_id, target_id = source.id, target.id
    fwd_levels = (max_length + 1) // 2
    back_levels = max_length // 2
    adj_f, _, trunc_f = _expand(store, source_id, fwd_levels, fanout, max_frontier)
    adj_b, dist_t, trunc_b = _expand(store, target_id, back_levels, fanout, max_frontier)
    truncated = trunc_f or trunc_b

    # Undirected adjacency over every explored edge, each edge seen from both ends.
    adj: dict[str, dict[str, Edge]] = defaultdict(dict)
    for anchor, edges in (*adj_f.items(), *adj_b.items()):
        for e in edges:
            adj[anchor][f"{e.statement.key}>{e.other.id}"] = e
    entities = {e.other.id: e.other for edges in adj.values() for e in edges.values()}
    entities.update(ends)
    reverse: dict[str, dict[str, Edge]] = defaultdict(dict)
    for anchor, edges in list(adj.items()):
        for e in edges.values():
            flipped = "in" if e.direction == "out" else "out"
            back = Edge(
                e.statement,
                entities[anchor],
                flipped,
                e.confidence,
                e.evidence_count,
                e.document_count,
            )
            reverse[e.other.id][f"{e.statement.key}>{anchor}"] = back
    for nid, edges in reverse.items():
        for k, e in edges.items():
            adj[nid].setdefault(k, e)

    beyond = back_levels + 1  # a lower bound on the distance to the target of unexplored nodes
    found: list[FoundPath] = []
    visits = 0
    stack: list[tuple[str, tuple[str, ...], tuple[Step, ...], float]] = [
        (source_id, (source_id,), (), 1.0)
    ]
    while stack:
        node, nodes, steps, score = stack.pop()
        visits += 1
        if visits > max_visits:
            truncated = True
            break
        if node == target_id and steps:
            found.append(FoundPath(nodes, steps, score))
            continue
        remaining = max_length - len(steps)
        if remaining <= 0:
            continue
        for e in adj.get(node, {}).values():
            nxt = e.other.id
            if nxt in nodes:
                continue
            if dist_t.get(nxt, beyond) > remaining - 1:
                continue
            stack.append((nxt, (*nodes, nxt), (*steps, Step(e)), score * e.confidence))
    found.sort(key=lambda p: (len(p.steps), -p.score, p.nodes))
    keep = tuple(found[:first])
    used = {n for p in keep for n in p.nodes}
    return PathSearch(keep, truncated, {i: entities[i] for i in used})
