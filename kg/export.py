"""Export a store's graph as KGX TSV (Biolink names) or GraphML."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import BinaryIO

import networkx as nx

from kg.biolink import CATEGORY, PREDICATE
from kg.store import GraphStore

NODE_COLUMNS = ["id", "category", "name", "synonym", "xref"]
EDGE_COLUMNS = [
    "id",
    "subject",
    "predicate",
    "object",
    "medkg_predicate",
    "qualifiers",
    "confidence",
    "evidence_count",
    "knowledge_level",
    "agent_type",
]


def write_kgx(store: GraphStore, out: Path) -> list[Path]:
    """KGX TSV: multi-valued fields joined with '|', as the KGX format specifies."""
    out.mkdir(parents=True, exist_ok=True)
    nodes, edges = out / "nodes.tsv", out / "edges.tsv"
    with nodes.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(NODE_COLUMNS)
        for e in sorted(store.iter_entities(), key=lambda e: e.id):
            w.writerow([e.id, CATEGORY[e.type], e.name, "|".join(e.synonyms), "|".join(e.xrefs)])
    with edges.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(EDGE_COLUMNS)
        for st, confidence, n in sorted(store.iter_statements(), key=lambda r: r[0].key):
            w.writerow(
                [
                    st.key,
                    st.subject,
                    PREDICATE[st.predicate],
                    st.object,
                    st.predicate.value,
                    "|".join(f"{k}={v}" for k, v in st.qualifiers),
                    f"{confidence:.6f}",
                    n,
                    "knowledge_assertion",
                    "text_mining_agent",
                ]
            )
    return [nodes, edges]


def to_networkx(store: GraphStore) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for e in store.iter_entities():
        g.add_node(e.id, category=CATEGORY[e.type], name=e.name, synonyms="|".join(e.synonyms))
    for st, confidence, n in store.iter_statements():
        g.add_edge(
            st.subject,
            st.object,
            key=st.key,
            predicate=st.predicate.value,
            qualifiers="|".join(f"{k}={v}" for k, v in st.qualifiers),
            confidence=confidence,
            evidence_count=n,
        )
    return g


def write_graphml(store: GraphStore, out: Path | BinaryIO) -> None:
    nx.write_graphml(to_networkx(store), out)
