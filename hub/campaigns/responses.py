"""Response codes coming back: a mailing's code, told at a touchpoint, becomes a
CAMPAIGN_RESPONSE event on the recipient's profile there, attributed to its campaign.

Two ways in, one rule. `redeemResponseCode` (the kiosk, an agent, the web site) asks for the
code and gets the recipient's first name back; `track` with a CAMPAIGN_RESPONSE event carrying
`properties.responseCode` (a web site's event stream) goes through `resolve_events`, which
this module registers with the events domain. Either way the code decides whose response it is
(the event lands on the recipient's live profile, whatever identifier the sender named: a code
joins no identities), the hub sets `campaignId` (a sender's own is overwritten), the message id
is derived from the recipient so that a response counts once however often it comes, the
recipient is marked as responded at that touchpoint and the look-up audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from hub import shortcodes
from hub.campaigns import repository as repo
from hub.campaigns.models import Campaign, CampaignRecipient
from hub.campaigns.service import CODE_LENGTH, is_aa_check, record_audit, require
from hub.db import utcnow
from hub.enums import KNOWN_KINDS, EventType, IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.events import resolvers
from hub.events import service as events
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights
from hub.words import where

Field = tuple[str | int, ...]


@dataclass(frozen=True)
class Found:
    """A code's recipient: `profile` and `identifier` are None when the customer was erased."""

    recipient: CampaignRecipient
    campaign: Campaign
    profile: Profile | None
    identifier: IdentifierIn | None
    code: str


async def look_up(session: AsyncSession, code: str, field: Field) -> Found:
    """Whose code this is; NOT_FOUND for an unknown one, CONTROL_GROUP for one nothing was
    sent with (the control group's, or any of an A/A check, where nobody was sent anything)."""
    typed = shortcodes.cleaned(code)
    recipient = (
        await repo.recipient_by_code(session, typed) if 0 < len(typed) <= CODE_LENGTH else None
    )
    if recipient is None:
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No mailing has this response code.")
    campaign = await require(session, recipient.campaign_id, str(field[-1]))
    if is_aa_check(campaign):
        raise DomainError.one(
            field,
            ErrorCode.CONTROL_GROUP,
            "This code belongs to an A/A check: nobody was sent anything with it.",
        )
    if recipient.control:
        raise DomainError.one(
            field,
            ErrorCode.CONTROL_GROUP,
            "This code belongs to the campaign's control group: nothing was sent with it.",
        )
    erased = [p for p in await profiles.get_many(session, [recipient.profile_id]) if p.erased_at]
    profile = None if erased else await profiles.get_live(session, recipient.profile_id)
    held = await identity.identifiers_for(session, [profile.id]) if profile else []
    if profile is None or not held:
        return Found(recipient, campaign, None, None, typed)
    held.sort(key=lambda i: (IdentifierKind(i.kind) not in KNOWN_KINDS, i.id))
    identifier = IdentifierIn(IdentifierKind(held[0].kind), held[0].value)
    return Found(recipient, campaign, profile, identifier, typed)


async def _mark(session: AsyncSession, found: Found, touchpoint: str) -> None:
    """The recipient answered at `touchpoint` (the first answer counts: one statement marks
    it only if no answer is stored, so a second one told at once elsewhere changes nothing);
    audited each time."""
    first = await repo.mark_responded(session, found.recipient.id, utcnow(), touchpoint)
    record_audit(
        session,
        found.profile.id if found.profile else None,
        "REDEEM_RESPONSE_CODE",
        f"Answered “{found.campaign.name}” {where(touchpoint)}" + ("" if first else " (again)"),
    )


async def resolve_events(
    session: AsyncSession, batch: Sequence[tuple[int, events.EventIn]]
) -> list[events.EventIn | None]:
    """`track`'s CAMPAIGN_RESPONSE events (registered below): each completed and moved to its
    recipient's profile, or None when that customer was erased (dropped, counted as
    suppressed). A missing or refused code refuses the batch, naming the event."""
    done: list[events.EventIn | None] = []
    for index, event in batch:
        field: Field = ("events", index, "properties", "responseCode")
        code = (event.properties or {}).get("responseCode")
        if not isinstance(code, str) or not code.strip():
            raise DomainError.one(
                field, ErrorCode.REQUIRED, "A CAMPAIGN_RESPONSE event carries the responseCode."
            )
        found = await look_up(session, code, field)
        if found.identifier is None:
            done.append(None)
            continue
        await _mark(session, found, event.touchpoint)
        done.append(
            replace(
                event,
                message_id=f"campaign-response:{found.recipient.id}",
                identifier=found.identifier,
                properties={
                    **(event.properties or {}),
                    "campaignId": str(found.campaign.id),
                    "responseCode": found.code,
                },
            )
        )
    return done


resolvers.register(EventType.CAMPAIGN_RESPONSE, resolve_events)


@dataclass(frozen=True)
class Redemption:
    campaign: Campaign
    first_name: str | None
    duplicate: bool


async def redeem(
    session: AsyncSession,
    code: str,
    touchpoint: str,
    *,
    weights: Weights,
    region: str,
    max_properties: int,
    expected_profile_id: str | None = None,
) -> Redemption:
    """A response code told at a touchpoint: an event on the recipient's profile there (learned
    from and published like any other), the recipient marked as responded, the look-up audited.
    Only the first name comes back. The same code again changes nothing (`duplicate`).

    `expected_profile_id`: the customer the caller is serving (an agent's open profile); a code
    sent to anyone else is refused with CONFLICT and nothing is recorded."""
    found = await look_up(session, code, ("code",))
    if found.profile is None or found.identifier is None:
        raise DomainError.one(
            ("code",), ErrorCode.SUPPRESSED, "This customer asked to be forgotten."
        )
    if expected_profile_id is not None:
        expected = await profiles.get_live(session, expected_profile_id)
        if expected is None or expected.id != found.profile.id:
            raise DomainError.one(
                ("code",),
                ErrorCode.CONFLICT,
                "This code was sent to another customer, not this one: nothing was recorded.",
            )
    before = found.recipient.responded_at
    result = await events.track(  # resolve_events marks and audits it
        session,
        [
            events.EventIn(
                message_id=f"campaign-response:{found.recipient.id}",
                identifier=found.identifier,
                type=EventType.CAMPAIGN_RESPONSE,
                touchpoint=touchpoint,
                properties={"responseCode": found.code},
            )
        ],
        region=region,
        weights=weights,
        max_batch=1,
        max_properties=max_properties,
    )
    if result.suppressed:
        raise DomainError.one(
            ("code",), ErrorCode.SUPPRESSED, "This customer asked to be forgotten."
        )
    await session.flush()
    duplicate = result.accepted == 0 or before is not None
    return Redemption(found.campaign, found.profile.first_name, duplicate)
