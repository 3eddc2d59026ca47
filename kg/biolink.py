"""The one place that maps our categories and predicates to the Biolink model."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kg.model import EntityType, Predicate

CATEGORY: Mapping[EntityType, str] = MappingProxyType(
    {
        EntityType.DRUG: "biolink:ChemicalEntity",
        EntityType.DISEASE: "biolink:Disease",
        EntityType.GENE: "biolink:Gene",
        EntityType.VARIANT: "biolink:SequenceVariant",
    }
)

PREDICATE: Mapping[Predicate, str] = MappingProxyType(
    {
        Predicate.TREATS: "biolink:treats",
        Predicate.TARGETS: "biolink:directly_physically_interacts_with",
        Predicate.CAUSES: "biolink:causes_adverse_event",
        Predicate.ASSOCIATED_WITH: "biolink:gene_associated_with_condition",
        Predicate.INTERACTS_WITH: "biolink:interacts_with",
        Predicate.CONTRAINDICATED_IN: "biolink:contraindicated_in",
        Predicate.AFFECTS_RESPONSE: "biolink:affects_response_to",
    }
)

# Which entity types each predicate connects; writes outside these are refused.
DOMAIN_RANGE: Mapping[Predicate, tuple[frozenset[EntityType], frozenset[EntityType]]] = (
    MappingProxyType(
        {
            Predicate.TREATS: (frozenset({EntityType.DRUG}), frozenset({EntityType.DISEASE})),
            Predicate.TARGETS: (frozenset({EntityType.DRUG}), frozenset({EntityType.GENE})),
            Predicate.CAUSES: (frozenset({EntityType.DRUG}), frozenset({EntityType.DISEASE})),
            Predicate.ASSOCIATED_WITH: (
                frozenset({EntityType.GENE, EntityType.VARIANT}),
                frozenset({EntityType.DISEASE}),
            ),
            Predicate.INTERACTS_WITH: (frozenset({EntityType.DRUG}), frozenset({EntityType.DRUG})),
            Predicate.CONTRAINDICATED_IN: (
                frozenset({EntityType.DRUG}),
                frozenset({EntityType.DISEASE, EntityType.DRUG}),
            ),
            Predicate.AFFECTS_RESPONSE: (
                frozenset({EntityType.VARIANT, EntityType.GENE}),
                frozenset({EntityType.DRUG}),
            ),
        }
    )
)
