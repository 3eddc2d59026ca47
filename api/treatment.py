"""Personalised treatment ranking and drug-safety warnings.

``gather`` makes a handful of batched store calls, all anchored on the
*patient's* entities (never one call per candidate drug); ``rank`` and
``warnings_for`` are pure functions over what it fetched. Patient data is
never logged or stored here.

Scoring (also in api/TREATMENT.md). For a candidate drug d:

    T = noisy-OR of the confidences of "d TREATS x" for the patient's diagnoses x
    S = noisy-OR of sensitivity evidence "v AFFECTS_RESPONSE(sensitivity) d" for the
        patient's variants v (a statement about the whole gene counts at half weight)
    G = the strongest "d TARGETS g" where g carries one of the patient's variants
    R = noisy-OR of resistance evidence, weighted like S

    efficacy = T * (1 + 0.5*S + 0.25*G) / 1.75 * (1 - 0.8*R)    when diagnoses resolved
             = S * (1 + 0.25*G) / 1.25 * (1 - 0.8*R)              variants only
    safety   = product over warnings w (except RESISTANCE, already in efficacy)
               of (1 - PENALTY[w.kind] * w.confidence)
    score    = efficacy * safety                                   (between 0 and 1)

A contraindication in a disease broader than a diagnosis (its MeSH ancestor: "liver
diseases" for "toxic hepatitis") warns as one in the diagnosis itself, unless the drug is
already contraindicated in the diagnosis; the strongest broader one per diagnosis is kept.
Treatments of a broader disease are not candidates: they need not treat the narrower one.

Candidates are the drugs that treat a diagnosis (or, with no diagnosis resolved,
the drugs a variant predicts sensitivity to); ties are broken by T, then name.
A statement whose confidence is 0 (only negated evidence) supports nothing and
raises no warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from api.resolve import Allergen, ResolvedPatient, ResolvedVariant
from kg import drug_classes
from kg.model import Edge, Entity, EntityType, Predicate, ResponseDirection
from kg.store import GraphStore

SENSITIVITY_WEIGHT = 0.5
TARGET_WEIGHT = 0.25
RESISTANCE_WEIGHT = 0.8
GENE_LEVEL_FACTOR = 0.5  # a statement about the gene, not the patient's variant
PENALTY = {
    "CONTRAINDICATION": 0.9,
    "ALLERGY": 1.0,
    "PHARMACOGENOMIC": 0.5,
    "INTERACTION": 0.3,
    "ADVERSE_EFFECT": 0.3,
}
PGX_DIRECTIONS = {
    ResponseDirection.TOXICITY,
    ResponseDirection.DOSAGE,
    ResponseDirection.METABOLISM,
}


@dataclass(frozen=True, slots=True)
class Support:
    """A statement behind a reason or a warning, with its aggregate support."""

    statement_key: str
    confidence: float
    evidence_count: int
    document_count: int

    @classmethod
    def of(cls, edge: Edge) -> Support:
        return cls(edge.statement.key, edge.confidence, edge.evidence_count, edge.document_count)


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str  # TREATS | TARGETS_VARIANT_GENE | SENSITIVITY
    message: str
    confidence: float
    support: Support


@dataclass(frozen=True, slots=True)
class SafetyWarning:
    kind: str  # WarningKind
    message: str
    confidence: float
    involves: tuple[Entity, ...]
    supports: tuple[Support, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def evidence_count(self) -> int:
        return sum(s.evidence_count for s in self.supports)


@dataclass(frozen=True, slots=True)
class Candidate:
    drug: Entity
    score: float
    reasons: tuple[Reason, ...]
    warnings: tuple[SafetyWarning, ...]


@dataclass(frozen=True, slots=True)
class VariantLink:
    variant: ResolvedVariant
    edge: Edge
    exact: bool  # the statement is about the patient's variant, not just its gene


@dataclass(frozen=True)
class PatientGraph:
    """Every edge between the patient's entities and drugs, keyed by drug id."""

    drugs: Mapping[str, Entity] = field(default_factory=dict)
    treats: Mapping[str, list[tuple[Entity, Edge]]] = field(default_factory=dict)
    contraindicated: Mapping[str, list[tuple[Entity, Edge]]] = field(default_factory=dict)
    causes: Mapping[str, list[tuple[Entity, Edge]]] = field(default_factory=dict)
    interactions: Mapping[str, list[tuple[Entity, Edge]]] = field(default_factory=dict)
    # drug -> (a class of the patient's medications, its members they take, edge)
    class_interactions: Mapping[str, list[tuple[Entity, tuple[Entity, ...], Edge]]] = field(
        default_factory=dict
    )
    responses: Mapping[str, list[VariantLink]] = field(default_factory=dict)
    targets: Mapping[str, list[VariantLink]] = field(default_factory=dict)
    # drug -> (diagnosis, the broader disease the drug is contraindicated in, edge)
    contraindicated_broader: Mapping[str, list[tuple[Entity, Entity, Edge]]] = field(
        default_factory=dict
    )


def _noisy_or(values: Iterable[float]) -> float:
    rest = 1.0
    for v in values:
        rest *= 1.0 - max(0.0, min(1.0, v))
    return 1.0 - rest


def _docs(n: int) -> str:
    return f"{n} document{'s' if n != 1 else ''}"


def _direction(edge: Edge) -> ResponseDirection | None:
    raw = edge.statement.qualifier("direction")
    try:
        return ResponseDirection(raw) if raw else None
    except ValueError:
        return None


def _subject(link: VariantLink) -> str:
    v = link.variant
    if link.exact or v.gene is None:
        return v.label
    return f"{v.gene.name} (gene-level evidence)"


def _alteration(v: ResolvedVariant) -> str:
    """'EGFR L858R' -> 'L858R' when said of EGFR."""
    label = v.label
    if v.gene is not None and label.upper().startswith(v.gene.name.upper() + " "):
        label = label[len(v.gene.name) + 1 :]
    return label.removeprefix("p.")


def _named(text: str, drug: Entity) -> str:
    t = text.strip()
    return drug.name if t.casefold() == drug.name.casefold() else f"{t} ({drug.name})"


def _carried(link: VariantLink) -> str:
    return "" if link.exact else f", and the patient carries {link.variant.label}"


def _response_links(graph: PatientGraph, drug_id: str) -> list[VariantLink]:
    """Response links for a drug, without gene-level ones a variant-level one already covers."""
    links = graph.responses.get(drug_id, [])
    covered = {(x.variant.text, _direction(x.edge)) for x in links if x.exact}
    return [x for x in links if x.exact or (x.variant.text, _direction(x.edge)) not in covered]


def gather(
    store: GraphStore, patient: ResolvedPatient, focus: Iterable[str] | None = None
) -> PatientGraph:
    """At most three neighbour calls, each anchored on the patient's side, and a
    ``get_entities`` call when a drug in ``focus`` (default: the drugs that treat a
    diagnosis) is contraindicated in a disease broader than a diagnosis.

    On Neo4j every round trip lengthens the tail of a plan's latency under load
    (benchmarks/bench_api.py: one more call with no rows took the p99 from 166 to 402 ms),
    so the broader diseases ride with the medications' call: a disease has no
    INTERACTS_WITH edges and no outgoing CONTRAINDICATED_IN ones, so the same query
    returns exactly the drugs contraindicated in it.
    """
    drugs: dict[str, Entity] = {}
    treats: dict[str, list[tuple[Entity, Edge]]] = defaultdict(list)
    contra: dict[str, list[tuple[Entity, Edge]]] = defaultdict(list)
    causes: dict[str, list[tuple[Entity, Edge]]] = defaultdict(list)
    inter: dict[str, list[tuple[Entity, Edge]]] = defaultdict(list)
    responses: dict[str, list[VariantLink]] = defaultdict(list)
    targets: dict[str, list[VariantLink]] = defaultdict(list)

    diag = {d.id: d for d in patient.diagnoses}
    if diag:
        got = store.neighbours(
            list(diag),
            predicates=[Predicate.TREATS, Predicate.CONTRAINDICATED_IN, Predicate.CAUSES],
            direction="in",
            other_types=[EntityType.DRUG],
        )
        for did, edges in got.items():
            for e in edges:
                if e.confidence <= 0:
                    continue
                drugs[e.other.id] = e.other
                bucket = {
                    Predicate.TREATS: treats,
                    Predicate.CONTRAINDICATED_IN: contra,
                    Predicate.CAUSES: causes,
                }[e.statement.predicate]
                bucket[e.other.id].append((diag[did], e))

    meds = {m.id: m for m in patient.medications}
    classes = {c.id: (c, members) for c, members in patient.medication_classes if c.id not in meds}
    under = _under(patient, diag)
    wider_hits: dict[str, list[Edge]] = {}
    class_inter: dict[str, list[tuple[Entity, tuple[Entity, ...], Edge]]] = defaultdict(list)
    if meds or under:
        got = store.neighbours(
            list(meds) + list(under) + list(classes),
            predicates=[Predicate.INTERACTS_WITH, Predicate.CONTRAINDICATED_IN],
            direction="both",
            other_types=[EntityType.DRUG],
        )
        for mid, edges in got.items():
            if mid in classes:
                cls, members = classes[mid]
                for e in edges:
                    if (
                        e.confidence > 0
                        and e.statement.predicate is Predicate.INTERACTS_WITH
                        and e.other.id not in {m.id for m in members}
                    ):
                        drugs[e.other.id] = e.other
                        class_inter[e.other.id].append((cls, members, e))
                continue
            if mid not in meds:
                wider_hits[mid] = [
                    e
                    for e in edges
                    if e.confidence > 0
                    and e.statement.predicate is Predicate.CONTRAINDICATED_IN
                    and e.statement.object == mid
                ]
                continue
            for e in edges:
                if e.confidence <= 0 or e.other.id == mid:
                    continue
                drugs[e.other.id] = e.other
                target = inter if e.statement.predicate is Predicate.INTERACTS_WITH else contra
                target[e.other.id].append((meds[mid], e))

    # Variant entities and the genes that carry them; a *1 allele links nothing.
    by_anchor: dict[str, list[tuple[ResolvedVariant, bool]]] = defaultdict(list)
    for v in patient.variants:
        if v.reference:
            continue
        if v.variant is not None:
            by_anchor[v.variant.id].append((v, True))
        if v.gene is not None:
            # "ERBB2 amplification" is about the gene itself: its gene-level evidence is exact.
            exact = v.variant is None and v.kind == "gene_alteration"
            by_anchor[v.gene.id].append((v, exact))
    if by_anchor:
        got = store.neighbours(
            list(by_anchor),
            predicates=[Predicate.AFFECTS_RESPONSE, Predicate.TARGETS],
            direction="both",
            other_types=[EntityType.DRUG],
        )
        for aid, edges in got.items():
            for e in edges:
                if e.confidence <= 0:
                    continue
                drugs[e.other.id] = e.other
                for v, exact in by_anchor[aid]:
                    if e.statement.predicate is Predicate.AFFECTS_RESPONSE:
                        responses[e.other.id].append(VariantLink(v, e, exact))
                    elif aid != getattr(v.variant, "id", None):  # d TARGETS the variant's gene
                        targets[e.other.id].append(VariantLink(v, e, exact))
    wanted = set(treats) if focus is None else set(focus)
    broader = _broader_contraindications(store, under, wider_hits, drugs, wanted)
    return PatientGraph(
        drugs, treats, contra, causes, inter, class_inter, responses, targets, broader
    )


def _under(patient: ResolvedPatient, diag: Mapping[str, Entity]) -> dict[str, list[Entity]]:
    """Broader disease id -> the patient's diagnoses under it (none that is a diagnosis)."""
    under: dict[str, list[Entity]] = defaultdict(list)
    for did, ups in patient.broader:
        for up in ups:
            if did in diag and up not in diag:
                under[up].append(diag[did])
    return dict(under)


def _broader_contraindications(
    store: GraphStore,
    under: Mapping[str, list[Entity]],
    hits: Mapping[str, list[Edge]],
    drugs: dict[str, Entity],
    wanted: set[str],
) -> dict[str, list[tuple[Entity, Entity, Edge]]]:
    hits = {uid: [e for e in edges if e.other.id in wanted] for uid, edges in hits.items()}
    hits = {uid: edges for uid, edges in hits.items() if edges}
    if not hits:
        return {}
    names = store.get_entities(list(hits))
    best: dict[tuple[str, str], tuple[Entity, Entity, Edge]] = {}
    for uid, edges in hits.items():
        wider = names.get(uid)
        if wider is None:
            continue
        for e in edges:
            for x in under.get(uid, ()):
                key = (e.other.id, x.id)
                if key not in best or e.confidence > best[key][2].confidence:
                    best[key] = (x, wider, e)
                drugs.setdefault(e.other.id, e.other)
    out: dict[str, list[tuple[Entity, Entity, Edge]]] = defaultdict(list)
    for (drug_id, _), item in sorted(best.items()):
        out[drug_id].append(item)
    return dict(out)


def _allergy_warnings(drug: Entity, allergies: Sequence[Allergen]) -> list[SafetyWarning]:
    out = []
    drug_groups = drug_classes.groups_of(drug)
    for a in allergies:
        involves = (a.drug,) if a.drug is not None else ()
        if a.drug is not None and a.drug.id == drug.id:
            out.append(
                SafetyWarning(
                    "ALLERGY",
                    f"the patient reports an allergy to {_named(a.text, drug)}",
                    1.0,
                    involves,
                )
            )
            continue
        rules = drug_classes.cross_reactions(a.groups, drug_groups)
        if rules:
            r = rules[0]
            out.append(
                SafetyWarning(
                    "ALLERGY",
                    f"possible cross-reactivity: the patient reports an allergy to "
                    f"{a.text.strip()} and {drug.name} is in the class {r.affected_group}; "
                    f"{r.note}",
                    r.weight,
                    involves,
                    sources=tuple(dict.fromkeys(x.source for x in rules)),
                )
            )
            continue
        named = drug_classes.group_named(a.text)
        if named is not None and named.name in drug_groups:
            # an allergy the patient names by a class no curated rule covers ("opioids")
            # covers every member
            out.append(
                SafetyWarning(
                    "ALLERGY",
                    f"the patient reports an allergy to {a.text.strip()}, the class of {drug.name}",
                    1.0,
                    involves,
                )
            )
    return out


def warnings_for(
    drug: Entity, patient: ResolvedPatient, graph: PatientGraph
) -> list[SafetyWarning]:
    """Every warning about giving ``drug`` to this patient, strongest first."""
    d = drug.id
    out: list[SafetyWarning] = []
    for x, e in graph.contraindicated.get(d, ()):
        what = "a diagnosis" if x.type is EntityType.DISEASE else "a medication"
        out.append(
            SafetyWarning(
                "CONTRAINDICATION",
                f"{drug.name} is contraindicated in {x.name} ({what} of this patient); "
                f"{_docs(e.document_count)}",
                e.confidence,
                (x,),
                (Support.of(e),),
            )
        )
    direct = {x.id for x, _ in graph.contraindicated.get(d, ())}
    for x, wider, e in graph.contraindicated_broader.get(d, ()):
        if x.id in direct:
            continue
        out.append(
            SafetyWarning(
                "CONTRAINDICATION",
                f"{drug.name} is contraindicated in {wider.name}, which includes {x.name} "
                f"(a diagnosis of this patient); {_docs(e.document_count)}",
                e.confidence,
                (x, wider),
                (Support.of(e),),
            )
        )
    for med, e in graph.interactions.get(d, ()):
        out.append(
            SafetyWarning(
                "INTERACTION",
                f"{drug.name} interacts with {med.name}, which the patient takes; "
                f"{_docs(e.document_count)}",
                e.confidence,
                (med,),
                (Support.of(e),),
            )
        )
    interacting = {med.id for med, _ in graph.interactions.get(d, ())}
    for cls, members, e in graph.class_interactions.get(d, ()):
        takes = [m for m in members if m.id not in interacting and m.id != d]
        if not takes:
            continue  # said of the medication itself already
        out.append(
            SafetyWarning(
                "INTERACTION",
                f"{drug.name} interacts with {cls.name}, the class of "
                f"{' and '.join(m.name for m in takes)}, which the patient takes; "
                f"{_docs(e.document_count)}",
                e.confidence,
                (*takes, cls),
                (Support.of(e),),
            )
        )
    for link in _response_links(graph, d):
        direction = _direction(link.edge)
        v = link.variant
        if direction not in PGX_DIRECTIONS and direction is not ResponseDirection.RESISTANCE:
            continue
        conf = round(link.edge.confidence * (1.0 if link.exact else GENE_LEVEL_FACTOR), 6)
        involves = tuple(x for x in (v.variant, v.gene) if x is not None)
        docs = _docs(link.edge.document_count)
        if direction is ResponseDirection.RESISTANCE:
            msg = f"{_subject(link)} may confer resistance to {drug.name}{_carried(link)}; {docs}"
            out.append(SafetyWarning("RESISTANCE", msg, conf, involves, (Support.of(link.edge),)))
            continue
        assert direction is not None
        msg = f"{_subject(link)} affects {direction.value} of {drug.name}{_carried(link)}; {docs}"
        out.append(SafetyWarning("PHARMACOGENOMIC", msg, conf, involves, (Support.of(link.edge),)))
    out.extend(_allergy_warnings(drug, patient.allergies))
    for x, e in graph.causes.get(d, ()):
        out.append(
            SafetyWarning(
                "ADVERSE_EFFECT",
                f"{drug.name} can cause {x.name}, which the patient has; {_docs(e.document_count)}",
                e.confidence,
                (x,),
                (Support.of(e),),
            )
        )
    out.sort(
        key=lambda w: (-PENALTY.get(w.kind, RESISTANCE_WEIGHT) * w.confidence, w.kind, w.message)
    )
    return out


def _reasons(drug: Entity, graph: PatientGraph) -> tuple[list[Reason], float, float, float, float]:
    reasons: list[Reason] = []
    treat = []
    for x, e in graph.treats.get(drug.id, ()):
        treat.append(e.confidence)
        reasons.append(
            Reason(
                "TREATS",
                f"treats {x.name}; {_docs(e.document_count)}",
                e.confidence,
                Support.of(e),
            )
        )
    sens, resist = [], []
    for link in _response_links(graph, drug.id):
        direction = _direction(link.edge)
        conf = link.edge.confidence * (1.0 if link.exact else GENE_LEVEL_FACTOR)
        if direction is ResponseDirection.SENSITIVITY:
            sens.append(conf)
            reasons.append(
                Reason(
                    "SENSITIVITY",
                    f"{_subject(link)} predicts sensitivity to {drug.name}{_carried(link)}; "
                    f"{_docs(link.edge.document_count)}",
                    round(conf, 6),
                    Support.of(link.edge),
                )
            )
        elif direction is ResponseDirection.RESISTANCE:
            resist.append(conf)
    best_target = 0.0
    by_gene: dict[str, tuple[Entity, Edge, list[str]]] = {}
    for link in graph.targets.get(drug.id, ()):
        gene = link.variant.gene
        if gene is None:
            continue
        _, _, carried = by_gene.setdefault(gene.id, (gene, link.edge, []))
        if (what := _alteration(link.variant)) not in carried:
            carried.append(what)
    for gene, edge, carried in by_gene.values():
        best_target = max(best_target, edge.confidence)
        action = edge.statement.qualifier("action")
        verb = "targets" if not action or action == "unknown" else f"targets ({action})"
        reasons.append(
            Reason(
                "TARGETS_VARIANT_GENE",
                f"{verb} {gene.name}, which carries {' and '.join(carried)} in this patient; "
                f"{_docs(edge.document_count)}",
                edge.confidence,
                Support.of(edge),
            )
        )
    reasons.sort(key=lambda r: -r.confidence)
    return reasons, _noisy_or(treat), _noisy_or(sens), best_target, _noisy_or(resist)


def score_candidate(drug: Entity, patient: ResolvedPatient, graph: PatientGraph) -> Candidate:
    reasons, t, s, g, r = _reasons(drug, graph)
    if patient.diagnoses:
        boost = (1 + SENSITIVITY_WEIGHT * s + TARGET_WEIGHT * g) / (
            1 + SENSITIVITY_WEIGHT + TARGET_WEIGHT
        )
        efficacy = t * boost
    else:
        efficacy = s * (1 + TARGET_WEIGHT * g) / (1 + TARGET_WEIGHT)
    efficacy *= 1 - RESISTANCE_WEIGHT * r
    warnings = warnings_for(drug, patient, graph)
    safety = 1.0
    for w in warnings:
        if w.kind in PENALTY:
            safety *= 1 - PENALTY[w.kind] * w.confidence
    return Candidate(drug, round(efficacy * safety, 6), tuple(reasons), tuple(warnings))


def rank(patient: ResolvedPatient, graph: PatientGraph) -> list[Candidate]:
    """All candidates, best first."""
    if patient.diagnoses:
        ids = set(graph.treats)
    else:
        ids = {
            d
            for d, links in graph.responses.items()
            if any(_direction(x.edge) is ResponseDirection.SENSITIVITY for x in links)
        }
    scored = [score_candidate(graph.drugs[d], patient, graph) for d in ids]
    treat_conf = {d: _noisy_or(e.confidence for _, e in graph.treats.get(d, ())) for d in ids}
    scored.sort(key=lambda c: (-c.score, -treat_conf[c.drug.id], c.drug.name, c.drug.id))
    return scored
