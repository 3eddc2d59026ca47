"""The committed SDL is the contract: it must be canonical and equal to the running schema."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema, print_schema

from api.limits import argument_default
from api.schema import SDL_PATH, build_executable_schema, read_sdl


def test_committed_sdl_is_canonical():
    sdl = read_sdl()
    assert sdl == print_schema(build_schema(sdl)) + "\n", (
        f"{SDL_PATH} is not in print_schema() form; regenerate it so reviews show real changes"
    )


def test_running_schema_is_the_committed_sdl():
    assert print_schema(build_executable_schema()) + "\n" == read_sdl()


def test_contract_fields_exist():
    schema = build_executable_schema()
    q = schema.query_type
    for name in (
        "search",
        "entity",
        "drug",
        "gene",
        "disease",
        "personalizedTreatment",
        "drugSafety",
        "paths",
        "unlinkedMentions",
    ):
        assert name in q.fields, name
    assert str(q.fields["unlinkedMentions"].type) == "UnlinkedMentionConnection!"
    assert str(q.fields["search"].type) == "[Entity!]!"
    assert argument_default(q.fields["search"].args["first"]) == 10
    assert str(q.fields["personalizedTreatment"].type) == "TreatmentPlan!"
    assert argument_default(q.fields["paths"].args["maxLength"]) == 3
    drug = schema.type_map["Drug"]
    assert str(drug.fields["targets"].type) == "TargetConnection!"
    edge = schema.type_map["TargetEdge"]
    assert {"cursor", "node", "action", "confidence", "evidenceCount", "evidence"} <= set(
        edge.fields
    )
    assert set(schema.type_map["WarningKind"].values) == {
        "CONTRAINDICATION",
        "INTERACTION",
        "PHARMACOGENOMIC",
        "ALLERGY",
        "ADVERSE_EFFECT",
        "RESISTANCE",
    }
    patient = schema.type_map["PatientInput"]
    assert set(patient.fields) == {"diagnoses", "variants", "medications", "allergies"}
    for f in patient.fields.values():
        assert argument_default(f) == []


def test_every_field_that_needs_a_resolver_has_one():
    """Fields whose value is not a plain attribute of the view must be bound explicitly."""
    schema = build_executable_schema()
    must = {
        "Query": set(schema.query_type.fields),
        "Mutation": set(schema.mutation_type.fields),
        "TargetConnection": {"totalCount", "edges", "pageInfo"},
        "TargetEdge": {"cursor", "node", "evidence", "evidenceCount"},
        "Evidence": {"document", "start", "end", "extractorVersion", "sourceKind"},
        "Warning": {"kind", "message", "evidence"},
        "Reason": {"kind", "message", "evidence"},
        "PathStep": {"subject", "predicate", "object", "evidence"},
        "UnlinkedMentionConnection": {"totalCount", "edges", "pageInfo"},
        "UnlinkedMentionEdge": {"cursor", "node"},
        "UnlinkedMention": {"document", "sentenceStart", "sentenceEnd", "extractorVersion", "sourceKind"},
    }
    for type_name, fields in must.items():
        t = schema.type_map[type_name]
        assert isinstance(t, GraphQLObjectType)
        for f in fields:
            assert t.fields[f].resolve is not None, f"{type_name}.{f}"
    for type_name in ("Drug", "Gene", "Disease", "Variant"):
        t = schema.type_map[type_name]
        for name, f in t.fields.items():
            if str(f.type).endswith("Connection!"):
                assert f.resolve is not None, f"{type_name}.{name}"
