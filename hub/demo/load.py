"""The demo data file into the tables in bulk, for `seed-demo` (hub/demo/seed.py): the
catalogue upserted, a profile per customer (erased ones left out), invoice lines as events with
message ids derived from invoice and line, and learning on them with the live rule, batched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog.demo_data import LineRow, message_id_for, read_catalog
from hub.catalog.models import Category, Product
from hub.catalog.taxonomy import CATEGORIES, FALLBACK
from hub.db import utcnow
from hub.enums import ConsentPurpose, EventType, IdentifierKind, Touchpoint
from hub.events.models import Event
from hub.identity.models import Identifier
from hub.preferences import learned as preferences
from hub.preferences.models import Affinity
from hub.privacy import consent
from hub.profiles.models import Profile
from hub.suppression import suppressed
from hub.weights import Weights

_CHUNK = 5000


def _upsert(
    dialect: str, model: Any, rows: list[dict[str, Any]], key: list[str], update: Sequence[str]
) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    return statement.values(rows).on_conflict_do_update(
        index_elements=key, set_={c: getattr(statement.excluded, c) for c in update}
    )


async def load_catalog(
    session: AsyncSession, dialect: str, path: str, until: datetime | None = None
) -> int:
    products = read_catalog(path, until=until)
    categories = [*CATEGORIES, FALLBACK]
    await session.execute(
        _upsert(
            dialect,
            Category,
            [{"slug": c.slug, "name": c.name, "position": i} for i, c in enumerate(categories)],
            ["slug"],
            ["name", "position"],
        )
    )
    now = utcnow()
    rows = [
        {
            "sku": p.sku,
            "name": p.name,
            "description": p.description,
            "category_slug": p.category.slug,
            "price": p.price,
            "tags": p.tags,
            "in_stock": True,
            "units_sold": p.units_sold,
            "updated_at": now,
        }
        for p in products
    ]
    for start in range(0, len(rows), 500):
        await session.execute(
            _upsert(
                dialect,
                Product,
                rows[start : start + 500],
                ["sku"],
                [
                    "name",
                    "description",
                    "category_slug",
                    "price",
                    "tags",
                    "units_sold",
                    "updated_at",
                ],
            )
        )
    return len(rows)


async def profiles_for(
    session: AsyncSession, customer_ids: Iterable[str]
) -> tuple[dict[str, tuple[str, int]], int]:
    """CRM id → (profile id, identifier id), creating what is missing; erased ones left out."""
    wanted = sorted(set(customer_ids))
    found = {
        row.value: (row.profile_id, row.id)
        for row in await session.scalars(
            select(Identifier).where(Identifier.kind == IdentifierKind.CRM_ID.value)
        )
    }
    erased = await suppressed(
        session, [(IdentifierKind.CRM_ID.value, c) for c in wanted if c not in found]
    )
    missing = [
        c for c in wanted if c not in found and (IdentifierKind.CRM_ID.value, c) not in erased
    ]
    now = utcnow()
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        new_profiles = [
            Profile(traits={}, is_known=True, version=1, created_at=now, updated_at=now)
            for _ in chunk
        ]
        session.add_all(new_profiles)
        await session.flush()
        idents = [
            Identifier(
                profile_id=p.id,
                kind=IdentifierKind.CRM_ID.value,
                value=c,
                touchpoint=Touchpoint.WEB.value,
                created_at=now,
            )
            for p, c in zip(new_profiles, chunk, strict=True)
        ]
        session.add_all(idents)
        await session.flush()
        for ident in idents:
            found[ident.value] = (ident.profile_id, ident.id)
    return found, len(erased)


async def _learn_bulk(
    session: AsyncSession,
    learned: list[tuple[str, EventType, str, int, datetime]],
    products: dict[str, Product],
    weights: Weights,
) -> int:
    """The live learning rule (preferences.accumulate), batched: one pass, then bulk writes."""
    pids = list({pid for pid, *_ in learned})
    allowed = await consent.allowed(session, pids, ConsentPurpose.PERSONALIZATION)
    known: dict[tuple[str, str, str], Affinity] = {}
    for start in range(0, len(pids), 500):
        for row in await session.scalars(
            select(Affinity).where(Affinity.profile_id.in_(pids[start : start + 500]))
        ):
            known[(row.profile_id, row.key, row.value)] = row
    observations = [
        preferences.observe(pid, event_type, products[sku], quantity, at, Touchpoint.WEB.value)
        for pid, event_type, sku, quantity, at in sorted(learned, key=lambda item: item[4])
        if sku in products and allowed.get(pid, True)
    ]
    created = preferences.accumulate(known, observations, weights)
    await preferences.insert_learned(session, created.values())
    return len(known) + len(created)


async def load_events(
    session: AsyncSession,
    lines: list[LineRow],
    owners: dict[str, tuple[str, int]],
    known: set[str],
    products: dict[str, Product],
    weights: Weights,
    console: Console,
    shared: Progress | None = None,
) -> tuple[int, int]:
    received = utcnow()
    rows: list[dict[str, Any]] = []
    learned: list[tuple[str, EventType, str, int, datetime]] = []
    dropped = 0
    columns = [TextColumn("events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    # The caller's bar when it has one (rich shows one live display at a time).
    progress = shared if shared is not None else Progress(*columns, console=console)
    with nullcontext() if shared is not None else progress:
        task = progress.add_task("storing events", total=len(lines))
        for index, line in enumerate(lines):
            message_id = message_id_for(line)
            owner = owners.get(line.customer_id)
            if owner is None:
                dropped += 1
            elif message_id not in known:
                event_type = EventType.RETURN if line.is_return else EventType.PURCHASE
                rows.append(
                    {
                        "message_id": message_id,
                        "profile_id": owner[0],
                        "identifier_id": owner[1],
                        "type": event_type.value,
                        "touchpoint": Touchpoint.WEB.value,
                        "occurred_at": line.occurred_at,
                        "received_at": received,
                        "product_sku": line.sku,
                        "quantity": abs(line.quantity),
                        "price": line.price,
                        "properties": {"invoice": line.invoice, "country": line.country},
                    }
                )
                learned.append(
                    (owner[0], event_type, line.sku, abs(line.quantity), line.occurred_at)
                )
                known.add(message_id)
            if len(rows) >= _CHUNK:
                await session.execute(insert(Event), rows)
                rows.clear()
            if index % 5000 == 0:
                progress.update(task, completed=index)
        if rows:
            await session.execute(insert(Event), rows)
        progress.update(task, completed=len(lines))
        if shared is not None:
            shared.remove_task(task)
    if learned:
        touched = await _learn_bulk(session, learned, products, weights)
        console.print(f"learning: {touched} interests from {len(learned)} new events")
    return len(learned), dropped
