import csv
from dataclasses import replace

import networkx as nx

from kg.embedded import EmbeddedStore
from kg.export import write_graphml, write_kgx
from kg.model import Entity, EntityType, WriteBatch
from tests.kg.factories import ABL1, ALL, IMATINIB, evidence, mention, targets

GLORP = mention("PMID:1", "Glorpamab", start=4)


def _store(tmp_path):
    s = EmbeddedStore(tmp_path / "g")
    st = targets(IMATINIB, ABL1)
    s.apply(
        WriteBatch(
            entities=ALL, statements=(st,), evidence=(evidence(st, "PMID:1"),), mentions=(GLORP,)
        )
    )
    return s, st


def test_kgx_uses_biolink_names(tmp_path):
    s, st = _store(tmp_path)
    nodes, edges, _mentions = write_kgx(s, tmp_path / "kgx")
    rows = list(csv.DictReader(edges.open(), delimiter="\t"))
    assert rows == [rows[0]] and rows[0]["subject"] == IMATINIB.id
    assert rows[0]["predicate"] == "biolink:directly_physically_interacts_with"
    assert rows[0]["qualifiers"] == "action=inhibitor"
    node_rows = {r["id"]: r for r in csv.DictReader(nodes.open(), delimiter="\t")}
    assert node_rows[IMATINIB.id]["category"] == "biolink:ChemicalEntity"
    assert "Gleevec" in node_rows[IMATINIB.id]["synonym"].split("|")
    assert node_rows[IMATINIB.id]["broad_match"] == ""


def test_kgx_writes_a_broader_heading_as_broad_match(tmp_path):
    s = EmbeddedStore(tmp_path / "g")
    lbbb = Entity("DOID:10272", EntityType.DISEASE, "left bundle branch block")
    s.apply(WriteBatch(entities=(replace(lbbb, broader=("MESH:D002037",)),)))
    nodes, _edges, _mentions = write_kgx(s, tmp_path / "kgx")
    (row,) = csv.DictReader(nodes.open(), delimiter="\t")
    assert row["id"] == "DOID:10272" and row["broad_match"] == "MESH:D002037"


def test_graphml_round_trips(tmp_path):
    s, st = _store(tmp_path)
    write_graphml(s, tmp_path / "g.graphml")
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert g.number_of_nodes() == len(ALL) + 1 and g.number_of_edges() == 1
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert kinds.pop(f"mention:{GLORP.key}") == "mention"
    assert set(kinds.values()) == {"entity"}
    node = g.nodes[f"mention:{GLORP.key}"]
    assert (node["name"], node["document"], node["type"], node["start"]) == (
        "Glorpamab", "PMID:1", "Drug", 4
    )
    assert g.degree(f"mention:{GLORP.key}") == 0


def test_kgx_keeps_unlinked_mentions_out_of_the_nodes(tmp_path):
    s, _ = _store(tmp_path)
    odd = mention("PMID:2", "Zorb\tmab", start=0)  # a tab inside the text and sentence
    s.apply(WriteBatch(mentions=(odd,)))
    nodes, _edges, mentions = write_kgx(s, tmp_path / "kgx")
    node_ids = {r["id"] for r in csv.DictReader(nodes.open(), delimiter="\t")}
    assert node_ids == {e.id for e in ALL}
    rows = list(csv.DictReader(mentions.open(), delimiter="\t"))
    assert [(r["document"], r["text"], r["type"]) for r in rows] == [
        ("PMID:1", "Glorpamab", "Drug"),
        ("PMID:2", "Zorb mab", "Drug"),
    ]
    assert rows[0]["key"] == GLORP.key and rows[0]["sentence"] == GLORP.sentence
    assert (rows[0]["extractor"], rows[0]["extractor_version"], rows[0]["section"]) == (
        "ner", "1", "abstract"
    )
    assert len(rows[1]["sentence"]) == odd.sentence_end - odd.sentence_start
