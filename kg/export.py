"""Export a store's graph as KGX TSV (Biolink names) or GraphML.

Unlinked mentions name no concept, so they are not KGX nodes (a KGX node is a Biolink
category plus a CURIE, which is what they must never get): KGX output puts them in a
third file, ``mentions.tsv``, beside ``nodes.tsv`` and ``edges.tsv``. GraphML has no such
rule; there they are isolated nodes with ``kind="mention"`` (entities: ``kind="entity"``)
and ids ``mention:<key>``, which no CURIE can equal.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import BinaryIO

import networkx as nx

from kg.biolink import CATEGORY, PREDICATE
from kg.store import GraphStore, mention_order

# broad_match: Biolink's mapping slot, for the nearest MeSH heading of a concept MeSH lacks
NODE_COLUMNS = ["id", "category", "name", "synonym", "xref", "broad_match"]
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
MENTION_COLUMNS = [
    "key",
    "document",
    "start",
    "end",
    "text",
    "type",
    "sentence",
    "sentence_start",
    "sentence_end",
    "section",
    "score",
    "extractor",
    "extractor_version",
    "source_kind",
]


def write_kgx(store: GraphStore, out: Path) -> list[Path]:
    """KGX TSV (multi-valued fields joined with '|', as the KGX format specifies), plus
    the unlinked mentions in ``mentions.tsv``; returns [nodes, edges, mentions]."""
    out.mkdir(parents=True, exist_ok=True)
    nodes, edges, mentions = out / "nodes.tsv", out / "edges.tsv", out / "mentions.tsv"
    with nodes.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(NODE_COLUMNS)
        for e in sorted(store.iter_entities(), key=lambda e: e.id):
            w.writerow(
                [
                    e.id,
                    CATEGORY[e.type],
                    e.name,
                    "|".join(e.synonyms),
                    "|".join(e.xrefs),
                    "|".join(e.broader),
                ]
            )
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
    with mentions.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(MENTION_COLUMNS)
        for m in sorted(store.iter_mentions(), key=mention_order):
            w.writerow(
                [
                    m.key,
                    m.document_id,
                    m.start,
                    m.end,
                    _one_line(m.text),
                    m.type.value,
                    _one_line(m.sentence),
                    m.sentence_start,
                    m.sentence_end,
                    m.section or "",
                    f"{m.score:.4f}",
                    m.extractor,
                    m.extractor_version,
                    m.source_kind.value,
                ]
            )
    return [nodes, edges, mentions]


_FLAT = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _one_line(text: str) -> str:
    # A sentence may hold a tab or newline, which plain TSV readers split on; a space
    # in its place keeps the length, so the offsets still fit the text.
    return text.translate(_FLAT)


def to_networkx(store: GraphStore) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for e in store.iter_entities():
        g.add_node(
            e.id,
            kind="entity",
            category=CATEGORY[e.type],
            name=e.name,
            synonyms="|".join(e.synonyms),
        )
    for m in store.iter_mentions():
        g.add_node(
            f"mention:{m.key}",
            kind="mention",
            type=m.type.value,
            name=m.text,
            document=m.document_id,
            start=m.start,
            end=m.end,
            sentence=m.sentence,
            section=m.section or "",
            score=m.score,
            extractor=f"{m.extractor}@{m.extractor_version}",
            source_kind=m.source_kind.value,
        )
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
