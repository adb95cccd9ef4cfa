"""The preferences service: what the customer tells us (stated likes, dislikes and survey
answers) and their corrections of what we learned, each a change on the profile.

Learning from events is in learned.py, what the profile shows in views.py, merges and splits in
lifecycle.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Principal
from hub.catalog import service as catalog
from hub.db import utcnow
from hub.errors import (
    CONTROL_CHARACTERS,
    DomainError,
    ErrorCode,
    Problems,
    has_control_characters,
)
from hub.masks import looks_like_contact, mask_text
from hub.preferences import keys, learned
from hub.preferences import repository as repo
from hub.preferences.models import Preference

# The profile's loaders (hub/profile360/reading.py) still find these here;
# their home is views.py.
from hub.preferences.views import PreferenceView, views_for
from hub.profiles import service as profiles
from hub.profiles.models import Profile

__all__ = [
    "PreferenceChange",
    "PreferenceView",
    "forget_interest",
    "has_stated",
    "set_preferences",
    "views_for",
]

MAX_PREFERENCES_PER_CALL = 100
CONTACT_IN_VALUE = (
    "This looks like an email address or a phone number. Contact details belong with the "
    "customer's identifiers and consents, not in preferences: please leave them out."
)


@dataclass(frozen=True)
class PreferenceChange:
    key: str
    value: str
    like: bool = True
    remove: bool = False
    question: str | None = None


async def set_preferences(
    session: AsyncSession,
    profile_id: str,
    touchpoint: str,
    changes: Sequence[PreferenceChange],
    by: Principal | None,
) -> tuple[Profile, list[Preference]]:
    """Record stated likes and dislikes (check boxes, survey answers), all or none, as one
    change on the profile."""
    profile = await profiles.require(session, profile_id)
    stored = await _store(session, profile.id, touchpoint, changes)
    await profiles.touch(session, profile, touchpoint, "PREFERENCES", _summary(changes), by=by)
    return profile, stored


def _summary(changes: Sequence[PreferenceChange]) -> str:
    said = ", ".join(
        f"{'likes' if c.like else 'dislikes'} {c.value}" for c in changes if not c.remove
    )
    removed = len([c for c in changes if c.remove])
    summary = (
        "Preferences: " + said + (f"{'; ' if said else ''}{removed} forgotten" if removed else "")
    )
    return summary[:300]


async def _store(
    session: AsyncSession, profile_id: str, touchpoint: str, changes: Sequence[PreferenceChange]
) -> list[Preference]:
    """Record what the customer said; all or nothing."""
    problems = Problems()
    if not changes:
        problems.add(("preferences",), ErrorCode.REQUIRED, "Give at least one preference.")
    if len(changes) > MAX_PREFERENCES_PER_CALL:
        problems.add(
            ("preferences",),
            ErrorCode.TOO_MANY,
            f"At most {MAX_PREFERENCES_PER_CALL} preferences at a time.",
        )
    problems.raise_if_any()
    cleaned: list[PreferenceChange] = []
    for index, change in enumerate(changes):
        key = (change.key or "").strip().lower()
        value = (change.value or "").strip()
        if not keys.KEY.match(key):
            problems.add(("preferences", index, "key"), ErrorCode.INVALID, keys.KEY_RULE)
        if not value:
            problems.add(
                ("preferences", index, "value"), ErrorCode.REQUIRED, "A value is required."
            )
        elif len(value) > 200:
            problems.add(
                ("preferences", index, "value"), ErrorCode.TOO_LONG, "At most 200 characters."
            )
        elif not change.remove and has_control_characters(value):
            problems.add(("preferences", index, "value"), ErrorCode.INVALID, CONTROL_CHARACTERS)
        elif not change.remove and looks_like_contact(value):
            # Preferences are shown on shared screens; a stored one may still be removed.
            problems.add(("preferences", index, "value"), ErrorCode.CONTACT_DATA, CONTACT_IN_VALUE)
        if change.question is not None and not (0 < len(change.question.strip()) <= 80):
            problems.add(
                ("preferences", index, "question"),
                ErrorCode.INVALID,
                "A survey question id is 1 to 80 characters.",
            )
        elif change.question is not None and has_control_characters(change.question):
            # Stored in the origin ("survey:<question>") that the customer's export shows.
            problems.add(("preferences", index, "question"), ErrorCode.INVALID, CONTROL_CHARACTERS)
        cleaned.append(PreferenceChange(key, value, change.like, change.remove, change.question))
    problems.raise_if_any()
    await _check_catalog_values(session, cleaned)

    now = utcnow()
    stored: list[Preference] = []
    for change in cleaned:
        existing = await repo.explicit_one(session, profile_id, change.key, change.value)
        if change.remove:
            if existing is not None:
                await repo.delete_explicit(session, [existing.id])
            else:
                await _remove_shown_masked(session, profile_id, change)
            continue
        origin = f"survey:{change.question.strip()}" if change.question else "preferences"
        if existing is None:
            existing = Preference(
                profile_id=profile_id, key=change.key, value=change.value, created_at=now
            )
            session.add(existing)
        existing.like = change.like
        existing.weight = 1.0 if change.like else -1.0
        existing.touchpoint = touchpoint
        existing.origin = origin
        existing.updated_at = now
        stored.append(existing)
    await session.flush()
    return stored


async def _remove_shown_masked(
    session: AsyncSession, profile_id: str, change: PreferenceChange
) -> None:
    """A removal of a value as a shared screen shows it: a preference stored before values
    were checked may hold contact details, which a kiosk reads masked ("call *** *** 0456")
    and can only send back so. It removes the profile's preference of that key that masks to
    it, or the shopper could see it but never forget it."""
    if "***" not in change.value:
        return
    shown = [
        p.id
        for p in await repo.explicit_of_key(session, profile_id, change.key)
        if p.value != change.value and mask_text(p.value) == change.value
    ]
    await repo.delete_explicit(session, shown)


async def _check_catalog_values(session: AsyncSession, changes: Sequence[PreferenceChange]) -> None:
    problems = Problems()
    skus = {c.value for c in changes if c.key == "product"}
    slugs = {c.value for c in changes if c.key == "category"}
    known_skus = await catalog.existing_skus(session, skus)
    known_slugs = await catalog.existing_categories(session, slugs)
    for index, change in enumerate(changes):
        if change.key == "product" and change.value not in known_skus:
            problems.add(
                ("preferences", index, "value"),
                ErrorCode.NOT_FOUND,
                f"There is no product with SKU “{change.value}”.",
            )
        if change.key == "category" and change.value not in known_slugs:
            problems.add(
                ("preferences", index, "value"),
                ErrorCode.NOT_FOUND,
                f"There is no category “{change.value}”.",
            )
    problems.raise_if_any()


async def forget_interest(
    session: AsyncSession,
    profile_id: str,
    key: str,
    value: str,
    touchpoint: str,
    by: Principal | None,
) -> Profile:
    """The customer corrects what we learned: one interest deleted, and the events that taught
    it will not again; NOT_FOUND when nothing like it was learned."""
    profile = await profiles.require(session, profile_id)
    problems = Problems()
    key, value = (key or "").strip().lower(), (value or "").strip()
    if not keys.KEY.match(key):
        problems.add(("key",), ErrorCode.INVALID, keys.KEY_RULE)
    if not value:
        problems.add(("value",), ErrorCode.REQUIRED, "A value is required.")
    elif len(value) > 200:
        problems.add(("value",), ErrorCode.TOO_LONG, "At most 200 characters.")
    problems.raise_if_any()
    if not await learned.forget(session, profile.id, key, value):
        raise DomainError.one(
            ("value",), ErrorCode.NOT_FOUND, "Nothing like that was learned about this customer."
        )
    summary = f"Forgot a learned interest in {value[:80]}"
    await profiles.touch(session, profile, touchpoint, "PREFERENCES", summary, by=by)
    return profile


async def has_stated(session: AsyncSession, profile_id: str) -> bool:
    """Whether the customer has told us any preference at all."""
    return bool(await repo.explicit_for(session, [profile_id]))
