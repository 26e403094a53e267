"""The input fields GraphQL inputs declare alike: optional values, global IDs (the
service gets the node's key) and the idempotency key of every mutation."""

from __future__ import annotations

from typing import Any

import strawberry

IDEMPOTENCY = (
    "A key of your choosing (up to 200 characters): retrying the mutation with the same key "
    "returns the first result and changes nothing."
)


def node_id(node: str, description: str, *, required: bool = True, name: str | None = None) -> Any:
    """An input field holding the global ID of a ``node``: the service gets its key.
    ``name`` is its GraphQL name, when not the Python name in camel case."""
    if required:
        return strawberry.field(name=name, description=description, metadata={"node": node})
    return strawberry.field(
        name=name, default=None, description=description, metadata={"node": node}
    )


def optional(description: str) -> Any:
    """An optional input field."""
    return strawberry.field(default=None, description=description)


def idempotency() -> Any:
    """The optional idempotency key every mutation input has."""
    return optional(IDEMPOTENCY)
