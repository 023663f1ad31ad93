"""Long lists of strings in GraphQL variables, handed to graphql-core shortened and put back whole after coercion.

A ``[ID!]`` or ``[String]`` value whose items are all ``str`` coerces to a copy of itself, item by item. graphql-core
checks and coerces the variables with each such list cut to its first item (the same checks, the same depth), and
the executor then gets the whole lists. When coercion fails the caller runs the request again with the variables as
sent, so errors read as graphql-core words them.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    type_from_ast,
)
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from graphql.type.scalars import coerce_id, coerce_string

MIN_ITEMS = 16  # shorter lists are not worth it
_SELF_COERCING = ((GraphQLID, coerce_id), (GraphQLString, coerce_string))  # str -> the same str


class Shortened:
    """Variables with long string lists cut to one item; ``cut`` holds (path, whole list) to put back."""

    def __init__(self, variables: dict, cut: list[tuple[list[str], list]], originals: dict) -> None:
        self.variables, self.cut, self.originals = variables, cut, originals
        self.restored = False


def shorten(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
            variables: dict) -> Shortened | None:
    """The variables shortened for the operation ``execute`` would pick; None: nothing to shorten."""
    if not any(type(v) is list or type(v) is dict for v in variables.values()):
        return None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [d for d in ops if d.name is not None and d.name.value == operation_name]
    if len(ops) != 1:
        return None
    out: dict | None = None
    cut: list[tuple[list[str], list]] = []
    for var_def in ops[0].variable_definitions or ():
        name = var_def.variable.name.value
        type_ = type_from_ast(schema, var_def.type)
        if name not in variables or type_ is None:
            continue
        value = variables[name]
        short = _shorten(value, type_, [name], cut)
        if short is not value:
            out = dict(variables) if out is None else out
            out[name] = short
    return None if out is None else Shortened(out, cut, {n: variables[n] for n in out if out[n] is not variables[n]})


def _shorten(value: Any, type_: Any, path: list[str], cut: list) -> Any:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        item = type_.of_type
        item = item.of_type if isinstance(item, GraphQLNonNull) else item
        if type(value) is list and len(value) >= MIN_ITEMS and \
                any(item is t and t.coerce_input_value is f for t, f in _SELF_COERCING) and \
                all(type(v) is str for v in value):
            cut.append((path, value))
            return value[:1]
        return value
    if isinstance(type_, GraphQLInputObjectType) and type(value) is dict and not type_.is_one_of:
        out = None
        for name, field in type_.fields.items():
            if name in value and field.out_name is None:
                short = _shorten(value[name], field.type, [*path, name], cut)
                if short is not value[name]:
                    out = dict(value) if out is None else out
                    out[name] = short
        return value if out is None else out
    return value


class RestoringExecutor(IncrementalExecutor):
    """graphql-core's executor, built from shortened variables, with the whole lists put back before any resolver."""

    def __init__(self, *args: Any, shortened: Shortened, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources, coerced = self.variable_values.sources, self.variable_values.coerced
        for name, value in shortened.originals.items():
            sources[name] = sources[name]._replace(value=value)
        for path, whole in shortened.cut:
            target = coerced
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = list(whole)
        shortened.restored = True
