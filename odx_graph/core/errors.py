"""Domain errors with stable codes, shared by the HTTP and GraphQL layers."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable error codes clients can switch on."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_POSTCODE = "INVALID_POSTCODE"
    INVALID_UPRN = "INVALID_UPRN"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    QUERY_TIMEOUT = "QUERY_TIMEOUT"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class OdxError(Exception):
    """Base of all expected errors: carries a code, a message and the offending field."""

    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigError(OdxError):
    """A setting is missing or malformed."""

    code = ErrorCode.BAD_USER_INPUT


class InputError(OdxError):
    """A client sent a value the API cannot accept."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(
        self, message: str, *, field: str | None = None, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message, field=field)
        if code is not None:
            self.code = code


class NotFoundError(OdxError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = ErrorCode.NOT_FOUND


class UnauthenticatedError(OdxError):
    """The credentials given are malformed, unknown or revoked."""

    code = ErrorCode.UNAUTHENTICATED


class ForbiddenError(OdxError):
    """The caller may not do this (its tier or organisation does not allow it)."""

    code = ErrorCode.FORBIDDEN


class ConflictError(OdxError):
    """The request is well formed but clashes with the record's state (a closed repair) or
    with an earlier request (an idempotency key used for a different one)."""

    code = ErrorCode.CONFLICT


class DatabaseUnavailableError(OdxError):
    """PostgreSQL cannot be reached; the request may be retried."""

    code = ErrorCode.DATABASE_UNAVAILABLE


class QueryTimeoutError(OdxError):
    """A statement ran past the configured statement timeout."""

    code = ErrorCode.QUERY_TIMEOUT


class MigrationError(OdxError):
    """The migration history and the files on disk disagree, or a migration failed."""
