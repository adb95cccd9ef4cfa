"""`rapport-hub seed-demo`: the demo store from the Online Retail II data (idempotent).

Products come from the catalogue pass; every customer becomes a profile keyed by CRM_ID; their
invoice lines become PURCHASE events and their cancellations RETURN events at touchpoint WEB,
with message ids derived from invoice and line so a re-run adds nothing. Learning runs on them
with the same fold and weights as live events (hub.preferences.learning), in bulk.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth import service as auth
from hub.campaigns import demo as demo_campaigns
from hub.catalog.demo_data import LineRow, ReadSummary, message_id_for, read_catalog, read_lines
from hub.catalog.models import Category, Product
from hub.catalog.taxonomy import CATEGORIES, FALLBACK
from hub.db import Database, utcnow
from hub.enums import Channel, ConsentPurpose, EventType, IdentifierKind, Touchpoint
from hub.events.models import Event
from hub.identity import service as identity
from hub.identity.models import Identifier
from hub.identity.normalize import IdentifierIn
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
from hub.preferences.models import Affinity
from hub.privacy import consent, erasure
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.recs import training
from hub.segments import demo as demo_segments
from hub.settings import Settings

_CHUNK = 5000
DEMO_AGENT = ("demo.agent", "rapport-demo", "Demo Agent")


@dataclass(frozen=True)
class Persona:
    crm_id: str
    first_name: str
    last_name: str
    title: str
    email: str
    phone: str
    loyalty_id: str


# Made-up people (example.com, Ofcom drama numbers) on real customers' histories.
PERSONAS = (
    Persona(
        "13085", "Anna", "Clarke", "Mrs", "anna.clarke@example.com", "07700 900123", "RAP-100001"
    ),
    Persona("12682", "Tom", "Hughes", "Mr", "tom.hughes@example.com", "07700 900456", "RAP-100002"),
    Persona("17850", "Priya", "Shah", "Ms", "priya.shah@example.com", "07700 900789", "RAP-100003"),
    Persona(
        "14911", "Gareth", "Evans", "Mr", "gareth.evans@example.com", "07700 900321", "RAP-100004"
    ),
)


def _upsert(
    dialect: str, model: Any, rows: list[dict[str, Any]], key: list[str], update: Sequence[str]
) -> Any:
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    return statement.values(rows).on_conflict_do_update(
        index_elements=key, set_={c: getattr(statement.excluded, c) for c in update}
    )


async def _load_catalog(
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


async def _profiles_for(
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
    erased = await erasure.suppressed(
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


@dataclass
class Seeded:
    """What `seed_store` did: the CRM id → (profile id, identifier id) of every customer."""

    owners: dict[str, tuple[str, int]]
    skus: set[str]
    added: int
    already: int
    dropped: int
    skipped: dict[str, int]
    personas: list[Persona]


async def seed_store(
    db: Database,
    settings: Settings,
    path: str,
    console: Console,
    *,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> Seeded:
    """Catalogue, profiles, events with learning, personas and demo segments; no keys, no model.

    With `until`, only the file's lines before it: the store as it stood then (the backtest
    seeds one per cut-off this way).
    """
    weights = Weights.from_settings(settings)
    async with db.sessions() as session:
        count = await _load_catalog(session, db.dialect, path, until)
        await session.commit()
        console.print(f"catalogue: {count} products in {len(CATEGORIES) + 1} categories")

        summary = ReadSummary()
        lines = list(read_lines(path, summary, until))
        owners, erased = await _profiles_for(session, summary.customers)
        await session.commit()
        known = set(
            await session.scalars(
                select(Event.message_id).where(Event.message_id.like("oretail-%"))
            )
        )
        already = len(known)
        products = {p.sku: p for p in await session.scalars(select(Product))}
        added, skipped_erased = await _load_events(
            session, lines, owners, known, products, weights, console, progress
        )
        await session.commit()
        personas = await _personas(session, settings, weights)
        await session.commit()
        await demo_segments.seed(session)
        await session.commit()
    return Seeded(
        owners,
        set(products),
        added,
        already,
        skipped_erased + erased,
        dict(summary.skipped),
        personas,
    )


async def seed_demo(settings: Settings, path: str, with_keys: bool = True) -> int:
    console = Console(stderr=True)
    if not Path(path).exists():  # noqa: ASYNC240 (once, before any work)
        console.print(f"[red]no demo data at {path}[/red]")
        return 2
    db = Database(settings.database_url)
    try:
        seeded = await seed_store(db, settings, path, console)
        async with db.sessions() as session:
            keys = await _demo_keys(session) if with_keys else {}
            await auth.create_agent(session, *DEMO_AGENT)
            customer_of = {pid: crm for crm, (pid, _) in seeded.owners.items()}
            weights = Weights.from_settings(settings)
            if await demo_campaigns.seed(session, weights, customer_of) is not None:
                console.print(f"campaigns: ran “{demo_campaigns.NAME}” as of 1 October 2010")
            await session.commit()
        model = await training.retrain(db)
        if model is not None:
            console.print(
                f"recommendations: {model.kind} trained on {model.n_users} customers, "
                f"{model.n_items} items in {model.seconds} s"
            )
    finally:
        await db.dispose()
    console.print(
        f"customers: {len(seeded.owners)} profiles; events: {seeded.added} new, "
        f"{seeded.already} already there; {seeded.dropped} dropped for erased customers; "
        f"lines skipped: {seeded.skipped}"
    )
    _print_demo(keys, seeded.personas)
    return 0


async def _load_events(
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


async def _personas(session: AsyncSession, settings: Settings, weights: Weights) -> list[Persona]:
    """Attach each persona to its customer's history; the ones attached."""
    attached: list[Persona] = []
    for persona in PERSONAS:
        crm = IdentifierIn(IdentifierKind.CRM_ID, persona.crm_id)
        if await identity.find_profile(session, crm, settings.default_region) is None:
            continue  # that customer is not in this data file (or was erased)
        attached.append(persona)
        await identity.identify(
            session,
            [
                crm,
                IdentifierIn(IdentifierKind.EMAIL, persona.email),
                IdentifierIn(IdentifierKind.PHONE, persona.phone),
                IdentifierIn(IdentifierKind.LOYALTY_ID, persona.loyalty_id),
            ],
            profiles.Traits(persona.first_name, persona.last_name, persona.title),
            Touchpoint.STORE.value,
            settings.default_region,
            weights,
        )
    return attached


async def _demo_keys(session: AsyncSession) -> dict[str, str]:
    """Fresh demo keys each run (the old ones are revoked: only hashes are kept)."""
    for key in await auth.list_keys(session):
        if key.name.startswith("demo-") and key.revoked_at is None:
            await auth.revoke_key(session, key.id)
    keys = {}
    for channel in (c for c in Channel if c is not Channel.SELF):
        _, plain = await auth.create_key(session, channel, f"demo-{channel.value}")
        keys[channel.value] = plain
    return keys


def _print_demo(keys: dict[str, str], personas: Sequence[Persona]) -> None:
    out = sys.stdout
    if keys:
        print("\nDemo keys (shown once; a re-run makes new ones):", file=out)
        for channel, key in keys.items():
            print(f"  {channel:<11} {key}", file=out)
    print(f"\nDemo agent: username {DEMO_AGENT[0]}  password {DEMO_AGENT[1]}", file=out)
    if not personas:
        print("\nNo demo personas: none of their customers is in this data file.", file=out)
        out.flush()
        return
    print("\nDemo personas (made-up contact details on real customers' histories):", file=out)
    for p in personas:
        print(
            f"  {p.title} {p.first_name} {p.last_name:<8} CRM_ID {p.crm_id}  {p.email}  "
            f"{p.phone}  loyalty {p.loyalty_id}",
            file=out,
        )
    out.flush()
