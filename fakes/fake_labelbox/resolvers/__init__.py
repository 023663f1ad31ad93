"""Resolvers: the GraphQL fields the fake serves, one module per Labelbox domain (moto's ``responses.py``).

graphql-core parses, validates and projects onto the selection set; a resolver reads its arguments, calls
the organization's :class:`~fake_labelbox.models.state.State` and returns entities or plain views. Fields
without a resolver read the entity's snake_case attribute (:func:`~.common.default_resolver`). Each domain
module has a ``RESOLVERS`` table ``{GraphQL type: {field: resolver}}``; :func:`schema` attaches them all to
the served SDL (``schema.graphql``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, MiddlewareManager, build_schema

from . import batches, datasets, exports, labels, metadata, ontologies, organizations, projects, webhooks
from .common import Ctx, Upload, bounded, datetime_input, default_resolver, input_errors

__all__ = ["Ctx", "Upload", "DOMAINS", "MIDDLEWARE", "default_resolver", "schema"]

SCHEMA_PATH = Path(__file__).parent.parent / "schema.graphql"
DOMAINS = (projects, datasets, metadata, ontologies, batches, labels, exports, webhooks, organizations)
MIDDLEWARE = MiddlewareManager(bounded, input_errors)


@cache
def schema() -> GraphQLSchema:
    """The served schema with every domain's resolvers attached (built once per process)."""
    s = build_schema(SCHEMA_PATH.read_text())
    owner: dict[tuple[str, str], str] = {}
    for domain in DOMAINS:
        for type_name, fields in domain.RESOLVERS.items():
            for field_name, fn in fields.items():
                if (type_name, field_name) in owner:
                    raise RuntimeError(f"{type_name}.{field_name} is resolved in both {owner[type_name, field_name]} "
                                       f"and {domain.__name__}")
                owner[type_name, field_name] = domain.__name__
                s.type_map[type_name].fields[field_name].resolve = fn  # type: ignore[union-attr]
    s.type_map["IamIntegrationSettings"].resolve_type = lambda *_a: None  # type: ignore[union-attr]
    # DateTime inputs (variables and literals) in Labelbox's format; graphql-core 3.2 reads parse_value, 3.3
    # coerce_input_value
    s.type_map["DateTime"].parse_value = datetime_input  # type: ignore[union-attr]
    s.type_map["DateTime"].coerce_input_value = datetime_input  # type: ignore[union-attr]
    return s
