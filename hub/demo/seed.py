"""`rapport-hub seed-demo`: the demo store from the Online Retail II data (idempotent).

Products come from the catalogue pass; every customer becomes a profile keyed by CRM_ID; their
invoice lines become PURCHASE events and their cancellations RETURN events at touchpoint WEB,
with message ids derived from invoice and line so a re-run adds nothing. Learning runs on them
with the same fold and weights as live events (hub.preferences.learning), in bulk
(hub/demo/load.py); then the personas, demo segments, keys, agent and campaign.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth import service as auth
from hub.campaigns import demo as demo_campaigns
from hub.catalog.demo_data import DataFileError, ReadSummary, read_lines
from hub.catalog.models import Product
from hub.catalog.taxonomy import CATEGORIES
from hub.db import Database
from hub.demo import load as demo_load
from hub.enums import Channel, IdentifierKind, Touchpoint
from hub.events.models import Event
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn
from hub.profiles import service as profiles
from hub.recs import training
from hub.segments import demo as demo_segments
from hub.settings import Settings
from hub.weights import Weights

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
        count = await demo_load.load_catalog(session, db.dialect, path, until)
        await session.commit()
        console.print(f"catalogue: {count} products in {len(CATEGORIES) + 1} categories")

        summary = ReadSummary()
        lines = list(read_lines(path, summary, until))
        owners, erased = await demo_load.profiles_for(session, summary.customers)
        await session.commit()
        known = set(
            await session.scalars(
                select(Event.message_id).where(Event.message_id.like("oretail-%"))
            )
        )
        already = len(known)
        products = {p.sku: p for p in await session.scalars(select(Product))}
        added, skipped_erased = await demo_load.load_events(
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
        try:
            seeded = await seed_store(db, settings, path, console)
        except (DataFileError, OSError) as error:  # the file, read before anything is written
            console.print(f"[red]cannot read {path}: {error}[/red]", highlight=False)
            return 2
        async with db.sessions() as session:
            keys = await _demo_keys(session) if with_keys else {}
            await auth.create_agent(session, *DEMO_AGENT)
            customer_of = {pid: crm for crm, (pid, _) in seeded.owners.items()}
            weights = Weights.from_settings(settings)
            ran = await demo_campaigns.seed(session, weights, customer_of)
            if ran is not None:
                console.print(
                    f"campaigns: ran “{ran.name}” as of {ran.starts_at.day} {ran.starts_at:%B %Y}"
                )
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
