"""Clients keep working: the schema may grow, but nothing a released client can ask for may
break. The released contract (the SDL without descriptions) is committed beside this test and
compared with graphql-core's ``find_breaking_changes``. To retire a field, mark it
``@deprecated(reason: ...)`` first; remove it only in a release that says so, and regenerate
the contract then with ``python tests/api/test_schema_stability.py``."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    find_breaking_changes,
    print_schema,
)

from api.schema import read_sdl

RELEASED = Path(__file__).with_name("released_schema.graphql")


def contract(sdl: str) -> str:
    """The SDL without its descriptions: what a client can ask for and what it gets back."""
    schema = build_schema(sdl)
    for t in schema.type_map.values():
        t.description = None
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for f in t.fields.values():
                f.description = None
                for a in f.args.values():
                    a.description = None
        elif isinstance(t, GraphQLInputObjectType):
            for f in t.fields.values():
                f.description = None
        elif isinstance(t, GraphQLEnumType):
            for v in t.values.values():
                v.description = None
    return print_schema(schema) + "\n"


def _breaking(new_sdl: str) -> list:
    return find_breaking_changes(build_schema(RELEASED.read_text()), build_schema(new_sdl))


def test_nothing_a_released_client_asks_for_breaks():
    changes = _breaking(read_sdl())
    assert not changes, "breaking changes against the released schema:\n" + "\n".join(
        f"{c.type.name}: {c.description}" for c in changes
    )


def test_removing_a_field_or_an_enum_value_is_caught():
    sdl = contract(read_sdl())
    field = "  search(text: String!, types: [EntityType!], first: Int = 10): [Entity!]!\n"
    assert field in sdl
    assert BreakingChangeType.FIELD_REMOVED in {c.type for c in _breaking(sdl.replace(field, ""))}
    value = "  TREATS\n"
    assert value in sdl
    changes = _breaking(sdl.replace(value, "", 1))
    assert BreakingChangeType.VALUE_REMOVED_FROM_ENUM in {c.type for c in changes}


def test_a_new_optional_field_is_no_break():
    sdl = contract(read_sdl()).replace("type Query {\n", "type Query {\n  version: String\n", 1)
    assert "version: String" in sdl
    assert _breaking(sdl) == []


if __name__ == "__main__":
    RELEASED.write_text(contract(read_sdl()), encoding="utf-8")
    print(f"wrote {RELEASED}")
