"""From request to statement: parse and validate (cached per document text, with the
same rules and limits as the resolver path), coerce variables, check the cost budget, and
compile (cached per document, operation, variables and caller).

Anything the resolver path would answer with an error, or that the compiler does not
know, gives ``None``: the request then goes to the resolver path, which reports it.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

from graphql import DocumentNode
from graphql import FragmentDefinitionNode
from graphql import GraphQLError
from graphql import GraphQLSchema
from graphql import OperationDefinitionNode
from graphql import OperationType
from graphql import get_operation_ast
from graphql import parse
from graphql import specified_rules
from graphql import validate
from graphql.execution.values import get_variable_values
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from odx_graph.api.compiled.compiler import NotCompilableError
from odx_graph.api.compiled.roots import QueryCompiler
from odx_graph.api.context import Context
from odx_graph.api.limits import MAX_DIRECTIVES
from odx_graph.api.limits import MAX_ESTIMATED_OBJECTS
from odx_graph.api.limits import CostEstimator
from odx_graph.api.limits import count_directives
from odx_graph.api.limits import validation_limits
from odx_graph.core.errors import OdxError
from odx_graph.mapping.query import CodeCheck

log = logging.getLogger(__name__)

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
# Variables longer than this (as JSON) are compiled every time rather than cached.
MAX_CACHED_VARIABLES = 4096


class LRU(Generic[_K, _V]):
    """A small least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[_K, _V] = OrderedDict()

    def get(self, key: _K) -> tuple[bool, _V | None]:
        """``(found, value)``."""
        if key not in self._items:
            return False, None
        self._items.move_to_end(key)
        return True, self._items[key]

    def put(self, key: _K, value: _V) -> None:
        """Remember ``value``, forgetting the least recently used entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Operation:
    """A GraphQL request: its text, the operation it names and its variables."""

    query: str
    operation_name: str | None
    variables: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled operation: SQL returning the response body, and its values."""

    sql: str
    args: tuple[Any, ...]
    operation_name: str | None
    code_checks: tuple[CodeCheck, ...] = ()  # open code lists' values, checked first


class Planner:
    """Turns GraphQL requests into compiled statements, or ``None`` for the resolver path."""

    def __init__(self, schema: GraphQLSchema, cache_size: int = 256) -> None:
        self.schema = schema
        limit_rules, self.max_tokens = validation_limits()
        self.rules = (
            *specified_rules,
            *limit_rules,
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        )
        self._documents: LRU[str, DocumentNode | None] = LRU(cache_size)
        self._statements: LRU[Hashable, Statement | None] = LRU(cache_size * 4)

    def document(self, query: str) -> DocumentNode | None:
        """The parsed document if it is valid, else ``None`` (cached by text)."""
        found, document = self._documents.get(query)
        if found:
            return document
        try:
            parsed: DocumentNode | None = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            parsed = None
        if parsed is not None and validate(self.schema, parsed, self.rules):
            parsed = None
        self._documents.put(query, parsed)
        return parsed

    def statement(self, request: Operation, context: Context) -> Statement | None:
        """The compiled statement for this request, or ``None``."""
        try:
            shape = json.dumps(request.variables, sort_keys=True)
        except (TypeError, ValueError):
            return None
        key: Hashable = (request.query, request.operation_name, shape, context.principal)
        cacheable = len(shape) <= MAX_CACHED_VARIABLES
        if cacheable:
            found, statement = self._statements.get(key)
            if found:
                return statement
        statement = self._compile(request, context)
        if cacheable:
            self._statements.put(key, statement)
        return statement

    def _compile(self, request: Operation, context: Context) -> Statement | None:
        document = self.document(request.query)
        if document is None:
            return None
        operation = get_operation_ast(document, request.operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        if self._too_costly(document, request.variables, context.settings.page_size_default):
            return None
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), request.variables
        )
        if isinstance(coerced, list):
            return None
        compiler = QueryCompiler(self.schema, document, operation, coerced, context)
        try:
            sql, args = compiler.compile()
        except (NotCompilableError, OdxError):
            return None
        except Exception:
            # A shape this compiler gets wrong must not fail the request: the resolver
            # path serves it, and the log says which.
            log.warning("could not compile a query; serving it by resolvers", exc_info=True)
            return None
        name = operation.name.value if operation.name else request.operation_name
        return Statement(sql, tuple(args), name, tuple(compiler.code_checks))

    def _too_costly(self, document: DocumentNode, variables: dict[str, Any], page: int) -> bool:
        """The resolver path's cost budget (``api.limits.QueryCostLimiter``)."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        if count_directives(document) > MAX_DIRECTIVES:
            return True  # the resolver path refuses it (api.limits.DirectiveLimiter)
        estimator = CostEstimator(fragments, variables, page)
        return any(
            estimator.cost(d.selection_set, 1) > MAX_ESTIMATED_OBJECTS
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )
