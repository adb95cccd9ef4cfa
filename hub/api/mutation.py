"""The shape every mutation shares: run the domain work in one transaction, errors as data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub.api.context import Context
from hub.api.errors import UserError, user_errors
from hub.errors import DomainError

T = TypeVar("T")


async def attempt(
    ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """(result, []) after a commit, or (None, userErrors) with nothing stored."""
    try:
        return await ctx.write(work), []
    except DomainError as error:
        return None, user_errors(error)
