"""Training and loading the serving model: `rapport-hub retrain` and the background schedule."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, undefer

from hub.catalog.models import Product
from hub.db import Database, utcnow
from hub.enums import EventType
from hub.events.models import Event
from hub.leases import Lease
from hub.recs import ranker, ranker_training
from hub.recs.model import ItemModel, out_of_season, popular_now, train_ease
from hub.recs.models import RecModel

log = logging.getLogger("hub.recs")
T = TypeVar("T")
KEEP_MODELS = 2


async def retrain(db: Database, lam: float = 500.0) -> RecModel | None:
    """Train EASE on every purchase in the store and make it the serving model."""
    started = time.perf_counter()
    purchases: list[tuple[str, datetime]] = []  # in the store's order: popular-now's ties
    lines: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    async with db.sessions() as session:
        result = await session.stream(
            select(Event.profile_id, Event.product_sku, Event.occurred_at)
            .where(Event.type == EventType.PURCHASE.value, Event.product_sku.is_not(None))
            .execution_options(yield_per=20_000)
        )
        async for profile_id, sku, at in result:
            if sku is None:
                continue
            purchases.append((sku, at))
            lines[profile_id].append((sku, at))
        categories = await session.execute(select(Product.sku, Product.category_slug))
        category_of: dict[str, str] = {sku: slug for sku, slug in categories}
    if not lines:
        log.info("no purchases yet: nothing to train")
        return None
    baskets = {profile_id: {sku for sku, _ in found} for profile_id, found in lines.items()}
    # CPU-bound: a worker thread, so the event loop keeps serving reads meanwhile.
    model = await asyncio.to_thread(train_ease, baskets, lam, 3)
    model.popular = popular_now(purchases)
    # A pass over every purchase line (~0.4 s on the demo store): in the thread as well.
    model.out_of_season = await asyncio.to_thread(out_of_season, purchases, category_of)
    del purchases, baskets
    learned = await asyncio.to_thread(_learn, lines, utcnow(), lam)
    seconds = time.perf_counter() - started
    async with db.sessions() as session:
        row = await _store(session, model, learned, seconds)
        await session.commit()
    log.info(
        "trained %s on %d customers, %d items in %.1f s; %s; %s",
        row.kind,
        row.n_users,
        row.n_items,
        seconds,
        "no learned ranker (too few customers with later purchases)"
        if learned is None
        else f"ranker learned from {learned.groups} customers since {learned.origin:%Y-%m-%d}",
        f"{len(row.out_of_season)} items out of season",
    )
    return row


def _learn(
    lines: dict[str, list[tuple[str, datetime]]], now: datetime, lam: float
) -> ranker.LearnedRanker | None:
    """The learned re-ranker, or None (too little to learn from, or learning failed: the
    hand-weighted blend serves and the failure is logged)."""
    try:
        customers = {c: ranker.orders_from(found) for c, found in lines.items()}
        return ranker_training.learn(customers, now, lam)
    except Exception:
        log.exception("learning the re-ranker failed; the hand-weighted ranking serves")
        return None


async def _store(
    session: AsyncSession,
    model: ItemModel,
    learned: ranker.LearnedRanker | None,
    seconds: float,
) -> RecModel:
    row = RecModel(
        kind=model.kind,
        trained_at=utcnow(),
        params=model.params,
        n_users=model.n_users,
        n_items=len(model.items),
        items=model.items,
        popular=model.popular,
        out_of_season=model.out_of_season,
        weights=model.to_bytes(),
        ranker=ranker.to_bytes(learned) if learned is not None else None,
        active=True,
        seconds=round(seconds, 2),
    )
    session.add(row)
    await session.flush()
    old = list(
        await session.scalars(
            select(RecModel.id).where(RecModel.id != row.id).order_by(RecModel.trained_at.desc())
        )
    )
    stale = old[KEEP_MODELS - 1 :]
    if stale:
        await session.execute(delete(RecModel).where(RecModel.id.in_(stale)))
    return row


def _newest(column: InstrumentedAttribute[T]) -> Select[T]:
    """`column` of the serving model: the newest active one."""
    return (
        select(column)
        .where(RecModel.active.is_(True))
        .order_by(RecModel.trained_at.desc())
        .limit(1)
    )


async def newest_model_id(session: AsyncSession) -> str | None:
    return await session.scalar(_newest(RecModel.id))


async def load(session: AsyncSession, model_id: str) -> ItemModel | None:
    row = await session.get(RecModel, model_id, options=[undefer(RecModel.weights)])
    if row is None:
        return None
    weights = await asyncio.to_thread(ItemModel.weights_from, row.weights)
    return ItemModel(
        row.kind,
        list(row.items),
        weights,
        popular=list(row.popular),
        out_of_season=list(row.out_of_season or ()),
        params=dict(row.params),
        n_users=row.n_users,
        trained_at=row.trained_at,
    )


async def load_ranker(session: AsyncSession, model_id: str) -> ranker.LearnedRanker | None:
    """The re-ranker learned with a model (None when it has none, or it cannot be read)."""
    blob = await session.scalar(select(RecModel.ranker).where(RecModel.id == model_id))
    if blob is None:
        return None
    try:
        return await asyncio.to_thread(ranker.from_bytes, blob)
    except Exception:
        log.exception("the stored re-ranker of model %s cannot be read; not using it", model_id)
        return None


# Retraining holds this lease (hub/leases.py): every hub process shares the model it stores,
# so one of them trains. Longer than a training takes; given back when it ends.
TRAINING_LEASE_SECONDS = 3 * 3600.0
_LOOK_EVERY_SECONDS = 300.0


def training_lease() -> Lease:
    return Lease("retrain", TRAINING_LEASE_SECONDS)


async def retrain_if_due(db: Database, lease: Lease, older_than: timedelta | None) -> bool:
    """Retrain when the newest model is older than `older_than` (None: only when there is no
    model) and no other process is training (`lease`); whether this call trained."""

    async def due() -> bool:
        async with db.sessions() as session:
            newest = await session.scalar(_newest(RecModel.trained_at))
        if newest is None:
            return True
        return older_than is not None and utcnow() - newest >= older_than

    if not await due() or not await lease.held(db):
        return False
    try:
        if not await due():  # another process trained while this one looked
            return False
        await retrain(db)
        return True
    finally:
        await lease.give_back(db)


async def train_if_missing(db: Database) -> None:
    """A store without a model gets one, trained by one of the processes starting on it."""
    await retrain_if_due(db, training_lease(), older_than=None)


async def run_schedule(db: Database, every_hours: float) -> None:
    """Retrain when the serving model is `every_hours` old, in one of the processes that
    share the store; a failure is logged and tried again at the next look."""
    if every_hours <= 0:
        return  # off: `rapport-hub retrain` only
    lease = training_lease()
    every = timedelta(hours=every_hours)
    while True:
        await asyncio.sleep(min(every.total_seconds(), _LOOK_EVERY_SECONDS))
        try:
            await retrain_if_due(db, lease, every)
        except Exception:
            log.exception("scheduled retrain failed")
