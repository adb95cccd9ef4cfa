"""Scopes declared on fields: queries raise a FORBIDDEN error, mutations return a userError."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from hub.api.errors import forbidden
from hub.auth.scopes import Scope

OWN_PROFILE_ONLY = "This token reaches only the shopper's own profile."


class Allowed(BasePermission):
    """Query-side check: the caller's key or token must carry the scope."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.message = f"This key may not {scope.value.replace('_', ' ')}."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.can(self.scope))


class Guard(FieldExtension):
    """Mutation-side check: refuse before any work with a FORBIDDEN userError."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._payload: Callable[..., Any] | None = None

    def apply(self, field: StrawberryField) -> None:
        self._payload = field.type  # type: ignore[assignment]

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise NotImplementedError("mutations are async")

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        assert self._payload is not None
        ctx = info.context
        if not ctx.can(self.scope):
            return self._payload(
                user_errors=forbidden(f"This key may not {self.scope.value.replace('_', ' ')}.")
            )
        if "profile_id" in kwargs and not await ctx.may_see(str(kwargs["profile_id"])):
            return self._payload(user_errors=forbidden(OWN_PROFILE_ONLY))
        result: Awaitable[Any] = next_(source, info, **kwargs)
        return await result
