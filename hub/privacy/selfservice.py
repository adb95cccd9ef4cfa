"""The shopper's own key to their ledger: a one-time code sent through the outbox, redeemed
for a short-lived token that reaches only their profile."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import IdentifierKind
from hub.errors import DomainError, ErrorCode, Problem
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn, mask
from hub.privacy import outbox
from hub.privacy.models import SelfServiceCode, SelfServiceToken
from hub.privacy.tokens import TOKEN_PREFIX
from hub.privacy.tokens import digest as _digest
from hub.profiles import service as profiles
from hub.profiles.models import Profile

CODE_MINUTES = 10
TOKEN_MINUTES = 15
MAX_TRIES = 5
MAX_CODES_PER_WINDOW = 3
MAX_CODES_PER_DAY = 10  # sent and never redeemed


@dataclass(frozen=True)
class CodeSent:
    medium: str
    masked_recipient: str
    expires_at: datetime


async def _profile(session: AsyncSession, identifier: IdentifierIn, region: str) -> Profile:
    profile = await identity.find_profile(session, identifier, region)
    if profile is None:
        raise DomainError.one(
            ("identifier",), ErrorCode.NOT_FOUND, "We don't know that identifier yet."
        )
    return profile


async def request_code(session: AsyncSession, identifier: IdentifierIn, region: str) -> CodeSent:
    # Locked (`profiles.require`) before the codes of the last quarter of an hour are counted:
    # requests at once take turns, so no more than the limit are sent however many there are.
    found = await _profile(session, identifier, region)
    profile = await profiles.require(session, found.id, field="identifier")
    rows = [
        r
        for r in await identity.identifiers_for(session, [profile.id])
        if r.verified_at is not None
    ]
    contact = next((r for r in rows if r.kind == IdentifierKind.EMAIL.value), None) or next(
        (r for r in rows if r.kind == IdentifierKind.PHONE.value), None
    )
    if contact is None:
        # A contact typed in at a shared screen is not enough: anyone could have typed it.
        raise DomainError.one(
            ("identifier",),
            ErrorCode.INVALID,
            "There is no confirmed email or phone on file to send a code to; "
            "please ask a member of staff.",
        )
    now = utcnow()
    # Each code takes MAX_TRIES guesses: the codes a day never redeemed bound the guesses at
    # one ledger (three a quarter of an hour alone would let a client guess 1,440 times a day,
    # every day); a shopper who comes back to the ledger and redeems each code is not counted.
    recent, today = (
        await session.execute(
            select(
                func.count().filter(SelfServiceCode.created_at > now - timedelta(minutes=15)),
                func.count().filter(SelfServiceCode.used_at.is_(None)),
            ).where(
                SelfServiceCode.profile_id == profile.id,
                SelfServiceCode.created_at > now - timedelta(days=1),
            )
        )
    ).one()
    if int(recent or 0) >= MAX_CODES_PER_WINDOW:
        raise DomainError.one(
            ("identifier",),
            ErrorCode.TOO_MANY,
            "Too many codes asked for; please wait a few minutes.",
        )
    if int(today or 0) >= MAX_CODES_PER_DAY:
        raise DomainError.one(
            ("identifier",),
            ErrorCode.TOO_MANY,
            "Too many codes asked for today; please try again tomorrow or ask a member of staff.",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    expires = now + timedelta(minutes=CODE_MINUTES)
    session.add(
        SelfServiceCode(
            profile_id=profile.id,
            code_hash=_digest(f"{profile.id}:{code}"),
            attempts=0,
            created_at=now,
            expires_at=expires,
        )
    )
    medium = "EMAIL" if contact.kind == IdentifierKind.EMAIL.value else "SMS"
    await outbox.enqueue(
        session,
        profile_id=profile.id,
        medium=medium,
        recipient=contact.value,
        purpose=outbox.SERVICE,
        subject="Your Rapport code",
        body=f"Your code to see what we know about you is {code}. "
        f"It works once, for {CODE_MINUTES} minutes.",
    )
    return CodeSent(medium, mask(IdentifierKind(contact.kind), contact.value), expires)


@dataclass(frozen=True)
class Redeemed:
    token: str | None
    expires_at: datetime | None
    profile_id: str | None
    problem: Problem | None


_EXPIRED = Problem(("code",), ErrorCode.INVALID, "That code has expired; ask for a new one.")


async def redeem(
    session: AsyncSession,
    identifier: IdentifierIn,
    code: str,
    region: str,
    masked: bool,
    token_minutes: float = TOKEN_MINUTES,
) -> Redeemed:
    """A wrong code is an answer, not an exception: the try must be counted and committed."""
    profile = await _profile(session, identifier, region)
    now = utcnow()
    pending = await session.scalar(
        select(SelfServiceCode)
        .where(
            SelfServiceCode.profile_id == profile.id,
            SelfServiceCode.used_at.is_(None),
            SelfServiceCode.expires_at > now,
        )
        .order_by(SelfServiceCode.created_at.desc())
        .limit(1)
    )
    if pending is None or pending.attempts >= MAX_TRIES:
        return Redeemed(None, None, None, _EXPIRED)
    # Count the try atomically: concurrent guesses must not share one "attempts" value.
    counted = await session.scalar(
        update(SelfServiceCode)
        .where(
            SelfServiceCode.id == pending.id,
            SelfServiceCode.attempts < MAX_TRIES,
            SelfServiceCode.used_at.is_(None),
        )
        .values(attempts=SelfServiceCode.attempts + 1)
        .returning(SelfServiceCode.attempts)
    )
    if counted is None:
        return Redeemed(None, None, None, _EXPIRED)
    pending.attempts = int(counted)
    given = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(pending.code_hash, _digest(f"{profile.id}:{given}")):
        left = MAX_TRIES - pending.attempts
        return Redeemed(
            None,
            None,
            None,
            Problem(
                ("code",),
                ErrorCode.INVALID,
                f"That code is not right; {left} tr{'y' if left == 1 else 'ies'} left.",
            ),
        )
    # Claimed by one statement that finds it unused: of tries at once with the right code, the
    # others wait for this one's row and then find it used (read unused above, they would not).
    claimed = await session.scalar(
        update(SelfServiceCode)
        .where(SelfServiceCode.id == pending.id, SelfServiceCode.used_at.is_(None))
        .values(used_at=now)
        .returning(SelfServiceCode.id)
    )
    if claimed is None:
        return Redeemed(None, None, None, _EXPIRED)
    token = TOKEN_PREFIX + ("m" if masked else "f") + secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=token_minutes)
    session.add(
        SelfServiceToken(
            profile_id=profile.id, token_hash=_digest(token), created_at=now, expires_at=expires
        )
    )
    await session.flush()
    return Redeemed(token, expires, profile.id, None)
