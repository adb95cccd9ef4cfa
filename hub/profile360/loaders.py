"""Per-request DataLoaders: a page of profiles costs a few queries, not a few per profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from hub.db import utcnow
from hub.profile360 import facts, reading

if TYPE_CHECKING:
    from hub.api.context import Context


def profile_parts(ctx: Context) -> DataLoader[facts.PartKey, Any]:
    """A profile's identifiers, preferences, consents, events: whatever sibling fields of every
    profile in the answer ask for in one tick, loaded together in one trip
    (hub/profile360/reading.py)."""

    async def load(keys: Sequence[facts.PartKey]) -> list[Any]:
        async with ctx.reading() as session:
            return await reading.load(session, keys, ctx.hub.weights, utcnow())

    return ctx.loader("profile_parts", lambda: DataLoader(load_fn=load))
