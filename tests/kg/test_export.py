import csv

import networkx as nx

from kg.embedded import EmbeddedStore
from kg.export import write_graphml, write_kgx
from kg.model import WriteBatch
from tests.kg.factories import ABL1, ALL, IMATINIB, evidence, targets


def _store(tmp_path):
    s = EmbeddedStore(tmp_path / "g")
    st = targets(IMATINIB, ABL1)
    s.apply(WriteBatch(entities=ALL, statements=(st,), evidence=(evidence(st, "PMID:1"),)))
    return s, st


def test_kgx_uses_biolink_names(tmp_path):
    s, st = _store(tmp_path)
    nodes, edges = write_kgx(s, tmp_path / "kgx")
    rows = list(csv.DictReader(edges.open(), delimiter="\t"))
    assert rows == [rows[0]] and rows[0]["subject"] == IMATINIB.id
    assert rows[0]["predicate"] == "biolink:directly_physically_interacts_with"
    assert rows[0]["qualifiers"] == "action=inhibitor"
    node_rows = {r["id"]: r for r in csv.DictReader(nodes.open(), delimiter="\t")}
    assert node_rows[IMATINIB.id]["category"] == "biolink:ChemicalEntity"
    assert "Gleevec" in node_rows[IMATINIB.id]["synonym"].split("|")


def test_graphml_round_trips(tmp_path):
    s, st = _store(tmp_path)
    write_graphml(s, tmp_path / "g.graphml")
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert g.number_of_nodes() == len(ALL) and g.number_of_edges() == 1
