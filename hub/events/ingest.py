"""Storing a batch of events: idempotent by message id, learning in the same transaction.

One path for `track` (a GraphQL batch) and `rapport-hub import` (chunks of a file): the batch is
deduplicated and resolved to profiles as a whole, its events go in with one executemany, the
learned interests of the whole batch are folded at once (`preferences.batch`), and each profile
it touched gets one version, one change summary and one audit row. Plain rows throughout, no
ORM objects on this path.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads, suppression
from hub.catalog import service as catalog
from hub.db import utcnow
from hub.enums import ConsentPurpose, EventType
from hub.events import repository as repo
from hub.events import resolvers
from hub.events.validation import EventIn, TrackResult, validate
from hub.identity import bulk as identities
from hub.identity import service as identity
from hub.preferences import batch as learning
from hub.preferences import learned
from hub.preferences.learned import Observation
from hub.preferences.learning import Weights
from hub.privacy import consent
from hub.profiles import service as profiles
from hub.reads import Read
from hub.words import where


async def track(
    session: AsyncSession,
    events: Sequence[EventIn],
    *,
    region: str,
    weights: Weights,
    max_batch: int,
    max_properties: int,
    validated: bool = False,
) -> TrackResult:
    """Store a batch of events once; learn from them unless PERSONALIZATION is withdrawn.

    `validated`: the events are already what `validate` returned (the importer checks each
    line on its own, to name a bad one by its number).
    """
    cleaned = list(events) if validated else validate(events, max_batch, max_properties, region)
    cleaned, dropped = await resolvers.resolve(session, cleaned)  # e.g. a response code's owner
    result = TrackResult(suppressed=dropped)
    # What the batch must know before it writes, in one trip (SQLite) or one statement after
    # another on the session's connection (PostgreSQL): ids already stored, identifiers of
    # erased customers, and the products named.
    pairs = list({(e.identifier.kind.value, e.identifier.value) for e in cleaned})
    fresh, (products,) = await _looked_at(
        session,
        cleaned,
        pairs,
        result,
        catalog.product_facts(session, {e.product_sku for e in cleaned if e.product_sku}),
    )
    if not fresh:
        return result

    owners, created, fresh, looked_again = await _owners(session, fresh, result)
    if not fresh:
        return result
    # What learning needs of the profiles, in one more trip: consent, and what was forgotten;
    # and, unless `_owners` did it before making new profiles, the message ids again, now that
    # the owners are locked (on SQLite the store's write lock is held): a writer that
    # committed some of them since the first look (an import's chunk, another replica's batch)
    # made them duplicates. Left to the unique key, each retry of the batch met the next such
    # commit and the batch failed.
    named = list({pid for pid, _ in owners.values()})
    asks: list[Read[Any]] = [
        consent.allowed_among(session, named, ConsentPurpose.PERSONALIZATION, created),
        learned.forgotten_markers(session, [p for p in named if p not in created]),
    ]
    if not looked_again:
        asks.append(repo.stored_message_ids(session, {e.message_id for e in fresh}))
    personal, forgotten, *stored_since = await reads.fetch_in_session(session, asks)
    if stored_since and stored_since[0]:  # looked again here, and some were stored meanwhile
        fresh = _sift(fresh, set(), stored_since[0], result)
        if not fresh:
            return result
    rows: list[tuple[Any, ...]] = []
    observations: list[Observation] = []
    by_profile: dict[str, list[EventIn]] = {}
    received = utcnow()
    for event in fresh:
        profile_id, identifier_id = owners[(event.identifier.kind.value, event.identifier.value)]
        assert event.occurred_at is not None
        rows.append(
            (  # repo.EVENT_COLUMNS
                event.message_id,
                profile_id,
                identifier_id,
                event.type.value,
                event.touchpoint,
                event.occurred_at,
                received,
                event.product_sku,
                event.quantity,
                event.price,
                event.properties or {},
            )
        )
        by_profile.setdefault(profile_id, []).append(event)
        product = products.get(event.product_sku or "")
        if product is not None and personal.get(profile_id, True):
            observations.append(
                Observation(
                    profile_id,
                    event.type,
                    product.sku,
                    product.category_slug,
                    tuple(product.tags or ()),
                    event.quantity,
                    event.occurred_at,
                    event.touchpoint,
                )
            )
    await repo.insert_many(session, rows)
    await learning.learn(session, observations, weights, new_profiles=created, forgotten=forgotten)
    result.accepted = len(rows)
    await profiles.touch_many(
        session,
        [
            (profile_id, batch[-1].touchpoint, "EVENTS", _summary(batch, products))
            for profile_id, batch in by_profile.items()
        ],
        fresh=created,
    )
    result.profile_ids = list(by_profile)
    return result


async def _looked_at(
    session: AsyncSession,
    events: Sequence[EventIn],
    pairs: Sequence[tuple[str, str]],
    result: TrackResult,
    *also: Read[Any],
) -> tuple[list[EventIn], list[Any]]:
    """The events to store, once the store is asked which of these identifiers (`pairs`) are
    an erased customer's and which message ids are stored (`_sift`; the erased counted as
    dropped), in one trip with `also`, whose answers come second."""
    erased, stored, *answers = await reads.fetch_in_session(
        session,
        [
            suppression.among(session, pairs),
            repo.stored_message_ids(session, {e.message_id for e in events}),
            *also,
        ],
    )
    await suppression.count_dropped(session, erased)
    return _sift(events, erased, stored, result), answers


def _sift(
    events: Sequence[EventIn],
    erased: Collection[tuple[str, str]],
    stored: set[str],
    result: TrackResult,
) -> list[EventIn]:
    """The events to store: those of erased identifiers counted as suppressed, those whose
    message id is stored (or came earlier in the batch) as duplicates, and left out."""
    kept: list[EventIn] = []
    for event in events:
        if (event.identifier.kind.value, event.identifier.value) in erased:
            result.suppressed += 1
        elif event.message_id in stored:
            result.duplicates += 1
        else:
            stored.add(event.message_id)
            kept.append(event)
    return kept


async def _owners(
    session: AsyncSession, events: Sequence[EventIn], result: TrackResult
) -> tuple[dict[tuple[str, str], tuple[str, int]], set[str], list[EventIn], bool]:
    """(kind, value) → (profile id, identifier id), the profiles created (an unknown
    identifier gets a new one), the events still to store, and whether their message ids were
    looked at again (only when an identifier is unknown).

    The suppressions and the ids stored were read before the owners were locked. An erasure
    that committed in between took its identifiers away and suppressed them in one
    transaction, and another writer may have stored some of the ids (under another identifier,
    say): before any profile is made, the unknown identifiers are looked up among the
    suppressed again and the ids among those stored, and what they drop is counted as the
    first look's is. So an identifier erased meanwhile is not made anew, and one whose every
    event turned out to be stored already gets no profile (it would hold nothing)."""
    pairs = list(dict.fromkeys((e.identifier.kind.value, e.identifier.value) for e in events))
    # For update, not shared: the batch goes on to update the profile (version, interests), and
    # two batches that both held it shared would each wait for the other to let go.
    found = await identities.locked_owners(session, pairs)
    missing = [pair for pair in pairs if pair not in found]
    if not missing:
        return found, set(), list(events), False
    kept, _ = await _looked_at(session, events, missing, result)
    first_seen: dict[tuple[str, str], EventIn] = {}
    for event in kept:
        first_seen.setdefault((event.identifier.kind.value, event.identifier.value), event)
    missing = [pair for pair in missing if pair in first_seen]
    if not missing:
        return found, set(), kept, True
    created = await identity.attach_new(
        session,
        [(first_seen[pair].identifier, first_seen[pair].touchpoint) for pair in missing],
        touched=True,  # `track` touches every profile its events name, these among them
    )
    found.update(created)
    return found, {profile_id for profile_id, _ in created.values()}, kept, True


VERBS = {
    EventType.VIEW: "Viewed",
    EventType.SEARCH: "Searched",
    EventType.ADD_TO_CART: "Added to basket",
    EventType.PURCHASE: "Bought",
    EventType.RETURN: "Returned",
    EventType.SAMPLE: "Sampled",
    EventType.CALL: "Called",
    EventType.SURVEY: "Answered a survey",
    EventType.RECOMMENDATION_SHOWN: "Was shown picks",
    EventType.RECOMMENDATION_CLICKED: "Clicked a pick",
    EventType.RECOMMENDATION_REJECTED: "Turned down",
    EventType.NEXT_BEST_ACTION_ACCEPTED: "Took up a suggestion",
    EventType.NEXT_BEST_ACTION_REJECTED: "Declined a suggestion",
    EventType.CAMPAIGN_RESPONSE: "Answered a mailing",
}


def _summary(batch: Sequence[EventIn], products: dict[str, Any]) -> str:
    last = batch[-1]
    product = products.get(last.product_sku or "")
    what = (
        f" {product.name}"
        if product is not None
        else (f" {last.product_sku}" if last.product_sku else "")
    )
    text = f"{VERBS[last.type]}{what} {where(last.touchpoint)}".strip()
    if len(batch) > 1:
        text += f" (+{len(batch) - 1} more event{'s' if len(batch) > 2 else ''})"
    return text
