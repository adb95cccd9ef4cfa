"""Finding a customer: exact on normalised identifiers, partial and fuzzy on names."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession

from hub.enums import IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.identity import repository as identities
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn, normalize_identifier
from hub.profiles import service as profiles
from hub.profiles.models import Profile

MAX_TEXT = 200
_MIN_SCORE = 70
_PHONEISH = re.compile(r"^[+()\d][\d\s().\-]{5,}$")


async def lookup(
    session: AsyncSession, profile_id: str | None, identifier: IdentifierIn | None, region: str
) -> Profile | None:
    if profile_id is not None:
        return await profiles.get_live(session, profile_id)
    assert identifier is not None
    # As identity.find_profile, with the identifier and its profile in one statement.
    normal = identity.normalize_one(identifier, region, ("identifier",))
    row = await identities.profile_by_identifier(session, normal.kind.value, normal.value)
    return await profiles.live_or_followed(session, row)


def _identifier_guesses(text: str, region: str) -> list[tuple[str, str]]:
    """Every identifier kind the text could be, normalised."""
    guesses: list[tuple[str, str]] = []
    kinds: list[IdentifierKind] = []
    if "@" in text:
        kinds.append(IdentifierKind.EMAIL)
    if _PHONEISH.match(text):
        kinds.append(IdentifierKind.PHONE)
    if " " not in text:
        kinds += [
            IdentifierKind.LOYALTY_ID,
            IdentifierKind.CRM_ID,
            IdentifierKind.DEVICE_ID,
            IdentifierKind.ANONYMOUS_ID,
        ]
    for kind in kinds:
        try:
            guesses.append((kind.value, normalize_identifier(kind, text, region)))
        except DomainError:
            continue
    return guesses


async def search(session: AsyncSession, text: str, limit: int, region: str) -> list[Profile]:
    query = " ".join((text or "").split())
    if not query:
        raise DomainError.one(("text",), ErrorCode.REQUIRED, "Type a name, email, phone or id.")
    if len(query) > MAX_TEXT:
        raise DomainError.one(("text",), ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.")
    found: dict[str, Profile] = {}
    guesses = _identifier_guesses(query, region)
    if guesses:
        for row in await identity.find_identifiers(session, guesses):
            profile = await profiles.get_live(session, row.profile_id)
            if profile is not None:
                found.setdefault(profile.id, profile)
    folded = profiles.fold_name(query)
    tokens = [t for t in re.split(r"[^\w]+", folded) if len(t) >= 2]
    if tokens and "@" not in query:
        candidates = await profiles.name_candidates(session, tokens, limit=500)
        by_name = {c.id: c for c in candidates}
        choices = {c.id: c.search_name or "" for c in candidates}
        ranked = process.extract(folded, choices, scorer=fuzz.WRatio, limit=limit * 2)
        for _name, score, profile_id in ranked:
            if score >= _MIN_SCORE:
                found.setdefault(str(profile_id), by_name[str(profile_id)])
    return list(found.values())[:limit]
