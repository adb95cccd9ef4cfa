"""Scopes declared on fields: queries raise a FORBIDDEN error, mutations return a userError."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from hub.actors import Scope
from hub.api.errors import forbidden

OWN_PROFILE_ONLY = "This token reaches only the shopper's own profile."


class Allowed(BasePermission):
    """Query-side check: the caller's key or token must carry the scope."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.message = scope.refusal

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.can(self.scope))


class Refuse(FieldExtension):
    """Mutation-side check: refuse before any work with a FORBIDDEN userError in the payload
    when `refusal` names a reason; a `profile_id` argument must be one the caller reaches."""

    def __init__(self) -> None:
        self._payload: Callable[..., Any] | None = None

    def refusal(self, ctx: Any) -> str | None:
        raise NotImplementedError

    def apply(self, field: StrawberryField) -> None:
        self._payload = field.type  # type: ignore[assignment]

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise NotImplementedError("mutations are async")

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        assert self._payload is not None
        ctx = info.context
        reason = self.refusal(ctx)
        if reason is not None:
            return self._payload(user_errors=forbidden(reason))
        if "profile_id" in kwargs and not await ctx.may_see(str(kwargs["profile_id"])):
            return self._payload(user_errors=forbidden(OWN_PROFILE_ONLY))
        result: Awaitable[Any] = next_(source, info, **kwargs)
        return await result


class Guard(Refuse):
    """The caller's key or token must carry the scope."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def refusal(self, ctx: Any) -> str | None:
        if ctx.can(self.scope):
            return None
        return self.scope.refusal


class AgentSession(Refuse):
    """Only an agent's signed-in session (a token that can be signed out)."""

    def refusal(self, ctx: Any) -> str | None:
        principal = ctx.principal
        if principal is not None and principal.token_id is not None:
            return None
        return "Only an agent's session signs out."


class Unmasked(BasePermission):
    """The caller's screen is private: not a kiosk key, whose answers a passer-by may see."""

    message = "Not shown on a shared screen."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return not info.context.masked


class NullUnless(FieldExtension):
    """Declared on an optional field of a type: null, not an error, unless every permission
    holds (an agent-only part of the profile read with a web or kiosk key). Strawberry's own
    `fail_silently` answers `[]` for an optional list, which would claim there is nothing."""

    def __init__(self, *permissions: BasePermission) -> None:
        self.permissions = permissions

    def _allowed(self, source: Any, info: Info, kwargs: dict[str, Any]) -> bool:
        return all(p.has_permission(source, info, **kwargs) for p in self.permissions)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs) if self._allowed(source, info, kwargs) else None

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if not self._allowed(source, info, kwargs):
            return None
        result: Awaitable[Any] = next_(source, info, **kwargs)
        return await result
