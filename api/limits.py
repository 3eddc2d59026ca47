"""Query depth and cost limits, as graphql-core validation rules.

Both walk the operation as it will execute: fragment spreads and inline
fragments are expanded in place (so a fragment cannot hide depth), every field
counts under its own response name (so aliases cannot share one cost), and a
fragment's result is memoised per fragment, so the check itself stays linear
even for fragments that spread other fragments many times. Fragment cycles are
cut (graphql-core's NoFragmentCyclesRule reports them).

Depth counts fields, not fragments: ``{ drug { targets { edges { node { id } } } } }``
has depth 5. Introspection (``__schema``, ``__type``) is allowed deeper
(INTROSPECTION_DEPTH) so GraphiQL's own introspection query passes.

Cost estimates how many values the query can produce:

    cost(field) = weight(field) + multiplier(field) * cost(its selections)

where the multiplier is the field's ``first`` argument (the literal, the
variable's value, else the argument's default, else Settings.default_page_size;
capped at max_page_size because that is what executes), or a fixed estimate for
short lists without ``first`` (LIST_SIZE); weight is 1 except for the entry
points listed in WEIGHT. Use::

    validate(schema, doc, rules=[*specified_rules, *limit_rules(settings, variables)])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
    value_from_ast,
)
from graphql.pyutils import Undefined

from kg.settings import Settings

INTROSPECTION_DEPTH = 20

# Entry points whose work is more than one look-up.
WEIGHT: Mapping[str, int] = {
    "Query.search": 5,
    "Query.entity": 2,
    "Query.drug": 2,
    "Query.gene": 2,
    "Query.disease": 2,
    "Query.variant": 2,
    "Query.paths": 100,
    "Query.personalizedTreatment": 100,
    "Query.drugSafety": 50,
    "Query.unlinkedMentions": 5,
    "Query.document": 2,
    "Mutation.ingest": 1000,
}

# Lists without `first` whose length is bounded by something else.
LIST_SIZE: Mapping[str, int] = {
    "TreatmentPlan.resolved": 10,
    "TreatmentCandidate.reasons": 3,
    "TreatmentCandidate.warnings": 5,
    "SafetyReport.warnings": 5,
    "Warning.involves": 2,
    "Path.nodes": 5,
    "Path.steps": 4,
    "IngestReport.failures": 10,
}

DEPTH_CODE = "QUERY_TOO_DEEP"
COST_CODE = "QUERY_TOO_COSTLY"


def _fragments(doc_definitions: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in doc_definitions if isinstance(d, FragmentDefinitionNode)}


def query_depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    skip_introspection: bool = True,
) -> int:
    """Deepest chain of fields (introspection subtrees are left out when asked)."""
    memo: dict[str, int] = {}

    def depth(sel: SelectionSetNode | None, active: frozenset[str]) -> int:
        if sel is None:
            return 0
        best = 0
        for s in sel.selections:
            if isinstance(s, FieldNode):
                if skip_introspection and s.name.value.startswith("__"):
                    continue
                best = max(best, 1 + depth(s.selection_set, active))
            elif isinstance(s, InlineFragmentNode):
                best = max(best, depth(s.selection_set, active))
            elif isinstance(s, FragmentSpreadNode):
                name = s.name.value
                if name in active or name not in fragments:
                    continue
                if name not in memo:
                    memo[name] = depth(fragments[name].selection_set, active | {name})
                best = max(best, memo[name])
        return best

    return depth(selection_set, frozenset())


def _int_arg(
    field_node: FieldNode, field_def: GraphQLField, name: str, variables: Mapping[str, Any]
) -> int | None:
    for arg in field_node.arguments or ():
        if arg.name.value != name:
            continue
        value = arg.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            got = variables.get(value.name.value)
            return got if isinstance(got, int) else None
        return None
    arg_def = field_def.args.get(name)
    default = argument_default(arg_def) if arg_def else None
    return default if isinstance(default, int) else None


def argument_default(arg: GraphQLArgument) -> Any:
    """An argument's default value (graphql-core 3.2 keeps it coerced, 3.3 as a literal)."""
    value = getattr(arg, "default_value", Undefined)
    if value is not Undefined:
        return value
    default = getattr(arg, "default", None)
    if default is None:
        return None
    if getattr(default, "value", Undefined) is not Undefined:
        return default.value
    literal = getattr(default, "literal", None)
    return value_from_ast(literal, arg.type) if literal is not None else None


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    settings: Settings,
) -> int:
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }.get(operation.operation)
    if root is None:
        return 0
    memo: dict[tuple[str, str], int] = {}

    def multiplier(parent: str, node: FieldNode, fdef: GraphQLField) -> int:
        if "first" in fdef.args:
            first = _int_arg(node, fdef, "first", variables)
            if first is None:
                first = settings.default_page_size
            return max(1, min(first, settings.max_page_size))
        return LIST_SIZE.get(f"{parent}.{node.name.value}", 1)

    def cost(sel: SelectionSetNode | None, parent: GraphQLNamedType, active: frozenset[str]) -> int:
        if sel is None:
            return 0
        total = 0
        for s in sel.selections:
            if isinstance(s, FieldNode):
                name = s.name.value
                fields = (
                    getattr(parent, "fields", None)
                    if (is_object_type(parent) or is_interface_type(parent))
                    else None
                )
                fdef = fields.get(name) if fields else None
                if fdef is None or name.startswith("__"):
                    total += 1 + (cost(s.selection_set, parent, active) if fdef is None else 0)
                    continue
                child = get_named_type(fdef.type)
                weight = WEIGHT.get(f"{parent.name}.{name}", 1)
                total += weight + multiplier(parent.name, s, fdef) * cost(
                    s.selection_set, child, active
                )
            elif isinstance(s, InlineFragmentNode):
                cond = s.type_condition
                t = schema.get_type(cond.name.value) if cond else parent
                total += cost(s.selection_set, t or parent, active)
            elif isinstance(s, FragmentSpreadNode):
                fname = s.name.value
                frag = fragments.get(fname)
                if frag is None or fname in active:
                    continue
                t = schema.get_type(frag.type_condition.name.value) or parent
                key = (fname, t.name)
                if key not in memo:
                    memo[key] = cost(frag.selection_set, t, active | {fname})
                total += memo[key]
        return total

    return cost(operation.selection_set, root, frozenset())


def depth_errors(
    op: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode], settings: Settings
) -> list[GraphQLError]:
    depth = query_depth(op.selection_set, fragments)
    limit, what = settings.max_query_depth, "query"
    if depth <= limit:
        # Introspection may nest deeper (type references), but not without bound.
        depth = query_depth(op.selection_set, fragments, skip_introspection=False)
        limit, what = max(INTROSPECTION_DEPTH, settings.max_query_depth), "introspection"
    if depth <= limit:
        return []
    return [
        GraphQLError(
            f"{what} depth {depth} exceeds the limit of {limit}; nest fewer fields",
            op,
            extensions={"code": DEPTH_CODE, "depth": depth, "maxDepth": limit},
        )
    ]


def cost_errors(
    schema: GraphQLSchema,
    op: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    settings: Settings,
) -> list[GraphQLError]:
    total = query_cost(schema, op, fragments, variables, settings)
    if total <= settings.max_query_cost:
        return []
    return [
        GraphQLError(
            f"query cost {total:,} exceeds the limit of {settings.max_query_cost:,}; "
            "ask for fewer items (a smaller `first`) or fewer nested lists",
            op,
            extensions={"code": COST_CODE, "cost": total, "maxCost": settings.max_query_cost},
        )
    ]


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    settings: Settings,
    operation: OperationDefinitionNode | None = None,
) -> list[GraphQLError]:
    """What the two rules report (for one operation, or all), without a validation pass."""
    fragments = _fragments(document.definitions)
    errors: list[GraphQLError] = []
    for op in document.definitions:
        if isinstance(op, OperationDefinitionNode) and operation in (None, op):
            errors += depth_errors(op, fragments, settings)
            errors += cost_errors(schema, op, fragments, variables or {}, settings)
    return errors


def limit_rules(
    settings: Settings, variables: Mapping[str, Any] | None = None
) -> list[type[ValidationRule]]:
    """[DepthLimit, CostLimit] bound to these settings and this request's variables."""
    bound = dict(variables or {})

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = _fragments(self.context.document.definitions)
            for err in depth_errors(node, fragments, settings):
                self.report_error(err)

    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = _fragments(self.context.document.definitions)
            for err in cost_errors(self.context.schema, node, fragments, bound, settings):
                self.report_error(err)

    return [DepthLimit, CostLimit]
