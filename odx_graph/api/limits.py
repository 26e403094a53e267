"""Bounds on what one GraphQL operation may ask for: depth, aliases, tokens, and an
estimate of the objects it would return (page sizes multiplied down the nesting)."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from graphql import ASTValidationRule
from graphql import FieldNode
from graphql import FragmentDefinitionNode
from graphql import FragmentSpreadNode
from graphql import GraphQLError
from graphql import InlineFragmentNode
from graphql import IntValueNode
from graphql import OperationDefinitionNode
from graphql import SelectionSetNode
from graphql import VariableNode
from strawberry.extensions import MaxAliasesLimiter
from strawberry.extensions import MaxTokensLimiter
from strawberry.extensions import QueryDepthLimiter
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_ESTIMATED_OBJECTS = 25_000
MAX_DIRECTIVES = 50
MAX_BODY_BYTES = 1_000_000  # a GraphQL request (query and variables) larger is refused
LIST_ESTIMATE = 10  # a short list (lines, references, history) counts as this many


def _paged_fields() -> frozenset[str]:
    names = {e.collection for e in MAPPING.entities if e.collection}
    names |= {
        r.name
        for e in MAPPING.entities
        for r in e.relations
        if r.cardinality is Cardinality.CONNECTION
    }
    return frozenset(names)


def _listed_fields() -> frozenset[str]:
    return frozenset(
        r.name
        for e in MAPPING.entities
        for r in e.relations
        if r.cardinality is Cardinality.LIST or r.source_is_array
    ) | {"nodes"}


class CostEstimator:
    """Estimates how many objects an operation may return: page sizes (``first``, else the
    default page) multiplied down the nesting. ``QueryCostLimiter`` and the compiled path
    both count with it."""

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_page: int,
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.default_page = default_page
        self.paged = _paged_fields()
        self.listed = _listed_fields()

    def fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()
    ) -> Iterator[FieldNode]:
        """The fields of ``selection_set``, fragments spread in (each once per path)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self.fields(fragment.selection_set, seen | {name})

    def multiplier(self, node: FieldNode) -> int:
        """Objects per parent: ``first`` (or the default page) for a connection,
        ``LIST_ESTIMATE`` for a list, else 1."""
        name = node.name.value
        if name in self.paged:
            for argument in node.arguments or ():
                if argument.name.value in ("first", "last"):
                    value = argument.value
                    if isinstance(value, IntValueNode) and int(value.value) < 2**31:
                        return max(1, int(value.value))
                    if isinstance(value, VariableNode):
                        given = self.variables.get(value.name.value)
                        # A value GraphQL will refuse anyway is left to that error.
                        if isinstance(given, int) and given < 2**31:
                            return max(1, given)
            return self.default_page
        return LIST_ESTIMATE if name in self.listed else 1

    def cost(self, selection_set: SelectionSetNode | None, factor: int) -> int:
        """Objects ``selection_set`` may return under ``factor`` parents (counting stops
        once past the budget)."""
        total = 0
        for node in self.fields(selection_set):
            if node.name.value in ("edges", "node", "nodes", "pageInfo"):
                # Connection plumbing: the items are counted once, under ``nodes``/``edges``.
                total += self.cost(node.selection_set, factor)
                continue
            count = factor * self.multiplier(node)
            if node.selection_set is not None:
                total += count + self.cost(node.selection_set, count)
            if total > MAX_ESTIMATED_OBJECTS:
                break
        return total


class QueryCostLimiter(SchemaExtension):
    """Refuses an operation whose page sizes, multiplied down its nesting, would return
    more than ``MAX_ESTIMATED_OBJECTS`` objects, before anything runs."""

    def on_execute(self) -> Iterator[None]:
        """Estimate, and set an error result instead of executing when over budget."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            settings = getattr(context.context, "settings", None)
            page = settings.page_size_default if settings is not None else 20
            estimator = CostEstimator(fragments, context.variables or {}, page)
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                cost = estimator.cost(definition.selection_set, 1)
                if cost > MAX_ESTIMATED_OBJECTS:
                    error = GraphQLError(
                        f"the query could return about {cost:,} objects or more; at most "
                        f"{MAX_ESTIMATED_OBJECTS:,} are allowed: ask for smaller pages or "
                        "less nesting",
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                    context.result = ExecutionResult(data=None, errors=[error])
                    break
        yield


class DirectiveLimiter(SchemaExtension):
    """Refuses an operation with more than ``MAX_DIRECTIVES`` directives (``@skip`` and
    ``@include`` repeated by the thousand cost parsing and validation time for nothing)."""

    def on_execute(self) -> Iterator[None]:
        """Count directives before executing."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            count = count_directives(document)
            if count > MAX_DIRECTIVES:
                error = GraphQLError(
                    f"the query uses {count} directives; at most {MAX_DIRECTIVES} are allowed",
                    extensions={"code": "QUERY_TOO_COMPLEX"},
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield


def count_directives(node: Any) -> int:
    """Directives anywhere in a document (or node)."""
    total = len(getattr(node, "directives", None) or ())
    for key in getattr(node, "keys", ()):
        value = getattr(node, key, None)
        if isinstance(value, tuple | list):
            total += sum(count_directives(item) for item in value if hasattr(item, "keys"))
        elif hasattr(value, "keys") and key != "loc":
            total += count_directives(value)
    return total


class DepthLimiter(QueryDepthLimiter):
    """Refuses an operation nested deeper than ``MAX_DEPTH``."""

    def __init__(self, **_: Any) -> None:
        super().__init__(max_depth=MAX_DEPTH)


class AliasLimiter(MaxAliasesLimiter):
    """Refuses an operation with more than ``MAX_ALIASES`` aliases."""

    def __init__(self, **_: Any) -> None:
        super().__init__(max_alias_count=MAX_ALIASES)


class TokenLimiter(MaxTokensLimiter):
    """Refuses a document of more than ``MAX_TOKENS`` tokens."""

    def __init__(self, **_: Any) -> None:
        super().__init__(max_token_count=MAX_TOKENS)


def limit_extensions() -> list[type[SchemaExtension]]:
    """The extensions that bound every operation: classes, so each operation gets
    instances of its own (an instance shared between concurrent operations is
    deprecated by strawberry)."""
    return [DepthLimiter, AliasLimiter, TokenLimiter, QueryCostLimiter, DirectiveLimiter]


def validation_limits() -> tuple[list[type[ASTValidationRule]], int]:
    """The validation rules of the depth and alias limits, and the most tokens a document
    may have: the compiled path checks a document with these, as the schema does."""
    rules = [*DepthLimiter().validation_rules, *AliasLimiter().validation_rules]
    return rules, MAX_TOKENS
