"""A small, real-looking graph for API tests: oncology, pharmacogenomics and NSAIDs.

Each statement carries evidence sentences of the kind the extractors produce, from
literature, labels or curated summaries, so confidences come from kg/confidence.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.model import (
    Entity,
    EntityType,
    Evidence,
    Predicate,
    SourceKind,
    Statement,
    WriteBatch,
)

DRUG, DIS, GENE, VAR = EntityType.DRUG, EntityType.DISEASE, EntityType.GENE, EntityType.VARIANT

# -- entities ------------------------------------------------------------------------------
NSCLC = Entity(
    "MESH:D002289", DIS, "Carcinoma, Non-Small-Cell Lung", ("NSCLC", "non-small cell lung cancer")
)
MELANOMA = Entity("MESH:D008545", DIS, "Melanoma", ("malignant melanoma",))
BREAST = Entity("MESH:D001943", DIS, "Breast Neoplasms", ("breast cancer",))
ACS = Entity("MESH:D054058", DIS, "Acute Coronary Syndrome", ("ACS",))
HIV = Entity("MESH:D015658", DIS, "HIV Infections", ("HIV infection",))
PAIN = Entity("MESH:D010146", DIS, "Pain", ())
OSTEOARTHRITIS = Entity("MESH:D010003", DIS, "Osteoarthritis", ())
GI_BLEED = Entity(
    "MESH:D006471", DIS, "Gastrointestinal Hemorrhage", ("gastrointestinal bleeding", "GI bleeding")
)
RENAL = Entity("MESH:D051437", DIS, "Renal Insufficiency", ("renal impairment", "kidney failure"))
T2D = Entity("MESH:D003924", DIS, "Diabetes Mellitus, Type 2", ("type 2 diabetes",))
ASTHMA = Entity("MESH:D001249", DIS, "Asthma", ())

ERLOTINIB = Entity("MESH:D000069347", DRUG, "erlotinib", ("Tarceva",), ("DRUGBANK:DB00530",))
GEFITINIB = Entity("MESH:D000077156", DRUG, "gefitinib", ("Iressa",))
OSIMERTINIB = Entity("MESH:C000596361", DRUG, "osimertinib", ("Tagrisso",))
CISPLATIN = Entity("MESH:D002945", DRUG, "cisplatin", ())
VEMURAFENIB = Entity("MESH:D000077484", DRUG, "vemurafenib", ("Zelboraf",))
DABRAFENIB = Entity("MESH:C561627", DRUG, "dabrafenib", ("Tafinlar",))
TRASTUZUMAB = Entity("MESH:D000068878", DRUG, "trastuzumab", ("Herceptin",))
CLOPIDOGREL = Entity(
    "MESH:D000077144", DRUG, "clopidogrel", ("Plavix",), ("MESH:C055162", "DRUGBANK:DB00758")
)
PRASUGREL = Entity("MESH:D000068799", DRUG, "prasugrel", ("Effient",))
ABACAVIR = Entity("MESH:C106538", DRUG, "abacavir", ("Ziagen",))
DOLUTEGRAVIR = Entity("MESH:C562325", DRUG, "dolutegravir", ("Tivicay",))
ASPIRIN = Entity("MESH:D001241", DRUG, "aspirin", ("acetylsalicylic acid",))
IBUPROFEN = Entity("MESH:D007052", DRUG, "ibuprofen", ("Advil", "Motrin"))
NAPROXEN = Entity("MESH:D009288", DRUG, "naproxen", ("Aleve", "Naprosyn"))
CELECOXIB = Entity("MESH:D000068579", DRUG, "celecoxib", ("Celebrex",))
ACETAMINOPHEN = Entity("MESH:D000082", DRUG, "acetaminophen", ("paracetamol", "Tylenol"))
WARFARIN = Entity("MESH:D014859", DRUG, "warfarin", ("Coumadin",))
METFORMIN = Entity("MESH:D008687", DRUG, "metformin", ("Glucophage",))

EGFR = Entity("NCBIGene:1956", GENE, "EGFR", ("ERBB1", "HER1"))
BRAF = Entity("NCBIGene:673", GENE, "BRAF", ())
ERBB2 = Entity("NCBIGene:2064", GENE, "ERBB2", ("HER2", "NEU"))
CYP2C19 = Entity("NCBIGene:1557", GENE, "CYP2C19", ())
HLA_B = Entity("NCBIGene:3106", GENE, "HLA-B", ())
P2RY12 = Entity("NCBIGene:64805", GENE, "P2RY12", ())
PTGS2 = Entity("NCBIGene:5743", GENE, "PTGS2", ("COX-2", "COX2"))

L858R = Entity("VAR:EGFR:p.L858R", VAR, "EGFR p.L858R", ("EGFR L858R",), ("NCBIGene:1956",))
T790M = Entity("VAR:EGFR:p.T790M", VAR, "EGFR p.T790M", ("EGFR T790M",), ("NCBIGene:1956",))
V600E = Entity(
    "VAR:BRAF:p.V600E", VAR, "BRAF p.V600E", ("BRAF V600E",), ("tmVar:p|SUB|V|600|E", "NCBIGene:673")
)
CYP2C19_2 = Entity("PharmGKB:PA165980635", VAR, "CYP2C19*2", ("rs4244285",), ("NCBIGene:1557",))
HLA_B_5701 = Entity("PharmGKB:PA165954769", VAR, "HLA-B*57:01", ("HLA-B*5701",), ("NCBIGene:3106",))

ENTITIES = (
    NSCLC, MELANOMA, BREAST, ACS, HIV, PAIN, OSTEOARTHRITIS, GI_BLEED, RENAL, T2D, ASTHMA,
    ERLOTINIB, GEFITINIB, OSIMERTINIB, CISPLATIN, VEMURAFENIB, DABRAFENIB, TRASTUZUMAB,
    CLOPIDOGREL, PRASUGREL, ABACAVIR, DOLUTEGRAVIR, ASPIRIN, IBUPROFEN, NAPROXEN, CELECOXIB,
    ACETAMINOPHEN, WARFARIN, METFORMIN,
    EGFR, BRAF, ERBB2, CYP2C19, HLA_B, P2RY12, PTGS2,
    L858R, T790M, V600E, CYP2C19_2, HLA_B_5701,
)  # fmt: skip

LIT, LABEL, SUMMARY = SourceKind.LITERATURE, SourceKind.LABEL, SourceKind.SUMMARY


@dataclass
class GraphBuilder:
    statements: list[Statement] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(
        self,
        st: Statement,
        *sources: tuple[str, str],
        kind: SourceKind = LIT,
        score: float = 0.9,
        negated: bool = False,
        speculative: bool = False,
        note: str = "",
        links: tuple[str, str] = ("", ""),
    ) -> Statement:
        self.statements.append(st)
        for doc, sentence in sources:
            start = 100 + 7 * len(self.evidence)
            self.evidence.append(
                Evidence(
                    statement_key=st.key,
                    document_id=doc,
                    sentence=sentence,
                    sentence_start=start,
                    sentence_end=start + len(sentence),
                    subject_start=start,
                    subject_end=start + 5,
                    object_start=start + 10,
                    object_end=start + 15,
                    score=score,
                    extractor="test-re" if kind is LIT else f"test-{kind.value}",
                    extractor_version="1",
                    section={"label": "indications", "summary": None}.get(kind.value, "abstract"),
                    source_kind=kind,
                    negated=negated,
                    speculative=speculative,
                    note=note,
                    subject_link=links[0],
                    object_link=links[1],
                )
            )
        return st

    def batch(self) -> WriteBatch:
        return WriteBatch(
            entities=ENTITIES, statements=tuple(self.statements), evidence=tuple(self.evidence)
        )


def S(subject: Entity, predicate: Predicate, obj: Entity, **q: str) -> Statement:
    return Statement.make(subject.id, predicate, obj.id, **q)


P = Predicate


def build() -> WriteBatch:
    g = GraphBuilder()
    # Oncology: EGFR-mutant NSCLC
    g.add(
        S(ERLOTINIB, P.TREATS, NSCLC),
        (
            "PMID:15020722",
            "Erlotinib prolonged survival in previously treated non-small-cell lung cancer.",
        ),
        ("PMID:21783417", "Erlotinib is an effective first-line treatment for advanced NSCLC."),
        ("PMID:22285168", "Erlotinib improved progression-free survival in NSCLC."),
    )
    g.add(
        S(GEFITINIB, P.TREATS, NSCLC),
        (
            "PMID:19692680",
            "Gefitinib was superior to carboplatin-paclitaxel in pulmonary adenocarcinoma.",
        ),
        ("PMID:20573926", "Gefitinib is effective in advanced non-small-cell lung cancer."),
    )
    g.add(
        S(OSIMERTINIB, P.TREATS, NSCLC),
        ("SPL:tagrisso@1", "TAGRISSO is indicated for metastatic non-small cell lung cancer."),
        kind=LABEL,
    )
    g.add(
        S(CISPLATIN, P.TREATS, NSCLC),
        (
            "PMID:11784875",
            "Cisplatin-based doublets remain standard for advanced non-small-cell lung cancer.",
        ),
        ("PMID:18506025", "Cisplatin plus pemetrexed was effective in NSCLC."),
        ("PMID:16421421", "Adjuvant cisplatin improved survival in resected NSCLC."),
    )
    for drug, pmid in (
        (ERLOTINIB, "PMID:10646854"),
        (GEFITINIB, "PMID:12036971"),
        (OSIMERTINIB, "PMID:24893891"),
    ):
        g.add(
            S(drug, P.TARGETS, EGFR, action="inhibitor"),
            (
                pmid,
                f"{drug.name.capitalize()} is a selective inhibitor of the EGFR tyrosine kinase.",
            ),
        )
    g.add(
        S(L858R, P.AFFECTS_RESPONSE, ERLOTINIB, direction="sensitivity"),
        ("CIVIC:EID4", "EGFR L858R predicts sensitivity to erlotinib in NSCLC."),
        ("PMID:15118073", "Tumours with the L858R mutation responded to erlotinib."),
        kind=SUMMARY,
    )
    g.add(
        S(L858R, P.AFFECTS_RESPONSE, GEFITINIB, direction="sensitivity"),
        ("CIVIC:EID5", "EGFR L858R confers sensitivity to gefitinib."),
        kind=SUMMARY,
    )
    g.add(
        S(T790M, P.AFFECTS_RESPONSE, ERLOTINIB, direction="resistance"),
        ("CIVIC:EID6", "EGFR T790M confers acquired resistance to erlotinib."),
        kind=SUMMARY,
    )
    g.add(
        S(T790M, P.AFFECTS_RESPONSE, GEFITINIB, direction="resistance"),
        ("CIVIC:EID7", "EGFR T790M confers resistance to gefitinib."),
        kind=SUMMARY,
    )
    g.add(
        S(T790M, P.AFFECTS_RESPONSE, OSIMERTINIB, direction="sensitivity"),
        ("CIVIC:EID8", "Osimertinib is active in EGFR T790M-positive NSCLC."),
        kind=SUMMARY,
    )
    # BRAF V600E melanoma
    g.add(
        S(VEMURAFENIB, P.TREATS, MELANOMA),
        (
            "PMID:21639808",
            "Vemurafenib improved survival in melanoma with the BRAF V600E mutation.",
        ),
    )
    g.add(
        S(DABRAFENIB, P.TREATS, MELANOMA),
        (
            "PMID:22735384",
            "Dabrafenib improved progression-free survival in BRAF-mutated melanoma.",
        ),
    )
    g.add(
        S(VEMURAFENIB, P.TARGETS, BRAF, action="inhibitor"),
        ("PMID:20823850", "Vemurafenib is a potent inhibitor of mutant BRAF."),
    )
    g.add(
        S(DABRAFENIB, P.TARGETS, BRAF, action="inhibitor"),
        ("PMID:22608338", "Dabrafenib selectively inhibits BRAF V600E."),
    )
    g.add(
        S(V600E, P.AFFECTS_RESPONSE, VEMURAFENIB, direction="sensitivity"),
        ("CIVIC:EID3017", "BRAF V600E predicts response to vemurafenib."),
        kind=SUMMARY,
    )
    g.add(
        S(V600E, P.AFFECTS_RESPONSE, DABRAFENIB, direction="sensitivity"),
        ("CIVIC:EID3018", "BRAF V600E predicts response to dabrafenib."),
        kind=SUMMARY,
    )
    # HER2-positive breast cancer
    g.add(
        S(TRASTUZUMAB, P.TREATS, BREAST),
        ("SPL:herceptin@1", "HERCEPTIN is indicated for HER2-overexpressing breast cancer."),
        kind=LABEL,
    )
    g.add(
        S(CISPLATIN, P.TREATS, BREAST),
        ("PMID:20000001", "Cisplatin showed activity in triple-negative breast cancer."),
        score=0.7,
    )
    g.add(
        S(TRASTUZUMAB, P.TARGETS, ERBB2, action="antagonist"),
        ("PMID:1350088", "Trastuzumab binds the extracellular domain of HER2."),
    )
    g.add(
        S(ERBB2, P.AFFECTS_RESPONSE, TRASTUZUMAB, direction="sensitivity"),
        ("CIVIC:EID1000", "ERBB2 amplification predicts benefit from trastuzumab."),
        kind=SUMMARY,
    )
    # Antiplatelets and CYP2C19
    for drug, doc in ((CLOPIDOGREL, "SPL:plavix@1"), (PRASUGREL, "SPL:effient@1")):
        g.add(
            S(drug, P.TREATS, ACS),
            (
                doc,
                f"{drug.name.upper()} is indicated to reduce thrombotic events in acute coronary syndrome.",
            ),
            kind=LABEL,
        )
    g.add(
        S(CLOPIDOGREL, P.TARGETS, P2RY12, action="antagonist"),
        ("PMID:11416160", "Clopidogrel irreversibly blocks the P2Y12 receptor."),
    )
    g.add(
        S(CYP2C19_2, P.AFFECTS_RESPONSE, CLOPIDOGREL, direction="metabolism"),
        (
            "PharmGKB:PA166104948",
            "CYP2C19 poor metabolizers form less of the active metabolite of clopidogrel.",
        ),
        kind=SUMMARY,
    )
    # HIV and HLA-B*57:01
    for drug, doc in ((ABACAVIR, "SPL:ziagen@1"), (DOLUTEGRAVIR, "SPL:tivicay@1")):
        g.add(
            S(drug, P.TREATS, HIV),
            (doc, f"{drug.name.upper()} is indicated for HIV-1 infection."),
            kind=LABEL,
        )
    g.add(
        S(HLA_B_5701, P.AFFECTS_RESPONSE, ABACAVIR, direction="toxicity"),
        (
            "SPL:ziagen@1",
            "Patients who carry the HLA-B*5701 allele are at high risk of hypersensitivity to abacavir.",
        ),
        kind=LABEL,
    )
    # Pain: NSAIDs and acetaminophen
    for drug, doc, score in (
        (ASPIRIN, "PMID:30000001", 0.85),
        (IBUPROFEN, "PMID:30000002", 0.9),
        (NAPROXEN, "PMID:30000003", 0.9),
        (CELECOXIB, "PMID:30000004", 0.85),
        (ACETAMINOPHEN, "PMID:30000005", 0.8),
    ):
        g.add(
            S(drug, P.TREATS, PAIN),
            (doc, f"{drug.name.capitalize()} relieved moderate pain."),
            score=score,
        )
    for drug in (IBUPROFEN, NAPROXEN, CELECOXIB):
        g.add(
            S(drug, P.TREATS, OSTEOARTHRITIS),
            (
                "SPL:nsaid-class@1",
                f"{drug.name.upper()} is indicated for relief of the signs and symptoms of osteoarthritis.",
            ),
            kind=LABEL,
        )
    g.add(
        S(CELECOXIB, P.TARGETS, PTGS2, action="inhibitor"),
        ("PMID:9315545", "Celecoxib selectively inhibits cyclooxygenase-2."),
    )
    for drug in (ASPIRIN, IBUPROFEN, NAPROXEN):
        g.add(
            S(drug, P.INTERACTS_WITH, WARFARIN),
            (
                "SPL:naproxen@5",
                f"{drug.name.capitalize()} and warfarin have a synergistic effect on bleeding.",
            ),
            kind=LABEL,
            note="increased risk of bleeding",
            links=("exact", "label"),
        )
    for drug in (IBUPROFEN, NAPROXEN):
        g.add(
            S(drug, P.CAUSES, GI_BLEED),
            (
                "SPL:nsaid-class@1",
                f"{drug.name.upper()} can cause serious gastrointestinal bleeding.",
            ),
            kind=LABEL,
        )
    # Negated only: supports nothing, so no warning may come of it.
    g.add(
        S(ACETAMINOPHEN, P.CAUSES, GI_BLEED),
        ("PMID:30000009", "Acetaminophen did not increase the risk of gastrointestinal bleeding."),
        negated=True,
    )
    # Metformin
    g.add(
        S(METFORMIN, P.TREATS, T2D),
        (
            "SPL:metformin@9",
            "Metformin is indicated to improve glycemic control in type 2 diabetes.",
        ),
        kind=LABEL,
    )
    g.add(
        S(METFORMIN, P.CONTRAINDICATED_IN, RENAL),
        (
            "SPL:metformin@9",
            "Metformin is contraindicated in patients with severe renal impairment.",
        ),
        kind=LABEL,
    )
    return g.batch()
