"""Consent per purpose: the one place every other service asks before it uses personal data."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Principal
from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode, Problems, check_storable_time
from hub.privacy import repository as repo
from hub.privacy.models import Consent, ConsentChange
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.reads import Read
from hub.settings import get_settings

# The policy when a customer has not answered: personal service and analytics are the
# retailer's legitimate interest until withdrawn; marketing is opt-in.
DEFAULTS: dict[ConsentPurpose, bool] = {
    ConsentPurpose.PERSONALIZATION: True,
    ConsentPurpose.ANALYTICS: True,
    ConsentPurpose.MARKETING_EMAIL: False,
    ConsentPurpose.MARKETING_SMS: False,
    ConsentPurpose.MARKETING_POST: False,
}


@dataclass(frozen=True)
class ConsentView:
    purpose: ConsentPurpose
    granted: bool
    touchpoint: str | None
    updated_at: datetime | None
    expires_at: datetime | None
    is_default: bool


def _effective(consent: ConsentLike, now: datetime) -> bool:
    return _in_force(consent.granted, consent.expires_at, now)


def _in_force(granted: bool, expires_at: datetime | None, now: datetime) -> bool:
    # An expired answer counts as no answer at all: it reverts to the deny side.
    if expires_at is not None and expires_at <= now:
        return False
    return granted


def defaults() -> dict[ConsentPurpose, bool]:
    """The built-in policy, overridden per purpose by RAPPORT_CONSENT_DEFAULTS."""
    configured = get_settings().consent_defaults
    return {p: bool(configured.get(p.value, DEFAULTS[p])) for p in ConsentPurpose}


async def views_for(
    session: AsyncSession, profile_ids: Sequence[str]
) -> dict[str, list[ConsentView]]:
    return views_from(await repo.current_for(session, profile_ids), profile_ids, utcnow())


class ConsentLike(Protocol):
    """What a view needs of a stored answer (an ORM row or the profile read's plain one)."""

    @property
    def profile_id(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def granted(self) -> bool: ...
    @property
    def touchpoint(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...


def views_from(
    rows: Iterable[ConsentLike], profile_ids: Sequence[str], now: datetime
) -> dict[str, list[ConsentView]]:
    """Every purpose per profile: the stored answer (as it stands at `now`) or the default."""
    policy = defaults()
    stored: dict[str, dict[str, ConsentLike]] = {pid: {} for pid in profile_ids}
    for row in rows:
        stored[row.profile_id][row.purpose] = row
    result: dict[str, list[ConsentView]] = {}
    for pid in profile_ids:
        views = []
        for purpose in ConsentPurpose:
            c = stored[pid].get(purpose.value)
            if c is None:
                views.append(ConsentView(purpose, policy[purpose], None, None, None, True))
            else:
                views.append(
                    ConsentView(
                        purpose, _effective(c, now), c.touchpoint, c.updated_at, c.expires_at, False
                    )
                )
        result[pid] = views
    return result


async def allowed(
    session: AsyncSession,
    profile_ids: Sequence[str],
    purpose: ConsentPurpose,
    created: Collection[str] = (),
) -> dict[str, bool]:
    """Whether each profile may be used for `purpose` right now. `created`: profiles this
    transaction created, which have no consent recorded yet (the default, without a lookup)."""
    recorded = _recorded(profile_ids, created)
    return _decided(
        profile_ids,
        purpose,
        (
            (c.profile_id, c.granted, c.expires_at)
            for c in (await repo.current_for(session, recorded) if recorded else ())
            if c.purpose == purpose.value
        ),
    )


def allowed_among(
    session: AsyncSession,
    profile_ids: Sequence[str],
    purpose: ConsentPurpose,
    created: Collection[str] = (),
) -> Read[dict[str, bool]]:
    """`allowed` as a read to gather with a write's others (`reads.fetch_in_session`)."""
    found = repo.answers_for(session, _recorded(profile_ids, created), purpose.value)
    return Read(found.statements, lambda rows: _decided(profile_ids, purpose, found.answer(rows)))


def _recorded(profile_ids: Sequence[str], created: Collection[str]) -> list[str]:
    """The profiles that may have answers recorded: not those this transaction created."""
    return [pid for pid in profile_ids if pid not in created] if created else list(profile_ids)


def _decided(
    profile_ids: Sequence[str],
    purpose: ConsentPurpose,
    answers: Iterable[tuple[str, bool, datetime | None]],
) -> dict[str, bool]:
    """Each profile's standing for `purpose`: its recorded answer while in force, else the
    policy's default."""
    now = utcnow()
    decided = dict.fromkeys(profile_ids, defaults()[purpose])
    for profile_id, granted, expires_at in answers:
        decided[profile_id] = _in_force(granted, expires_at, now)
    return decided


def allows(profile_id: str, purpose: ConsentPurpose) -> Read[bool]:
    """Whether one profile may be used for `purpose` right now, as a read to gather with the
    others a request needs (`hub.reads.fetch`): what `allowed` answers for it."""
    found = repo.consent_of(profile_id, purpose.value)

    def answer(rows: list[Sequence[Any]]) -> bool:
        consent = found.answer(rows)
        if consent is None:
            return defaults()[purpose]
        return _in_force(*consent, utcnow())

    return Read(found.statements, answer)


async def change(
    session: AsyncSession,
    profile_id: str,
    purpose: ConsentPurpose,
    granted: bool,
    touchpoint: str,
    by: Principal | None,
    expires_at: datetime | None = None,
) -> tuple[Profile, Consent]:
    """The customer grants or withdraws one purpose (history kept); a change on the profile."""
    profile = await profiles.require(session, profile_id)
    actor = by.actor if by is not None else "system"
    row = await set_consent(session, profile.id, purpose, granted, touchpoint, actor, expires_at)
    verb = "granted" if granted else "withdrew"
    summary = f"Consent {verb}: {purpose.value.replace('_', ' ').lower()}"
    await profiles.touch(session, profile, touchpoint, "CONSENT", summary, by=by)
    return profile, row


async def set_consent(
    session: AsyncSession,
    profile_id: str,
    purpose: ConsentPurpose,
    granted: bool,
    touchpoint: str,
    actor: str,
    expires_at: datetime | None = None,
) -> Consent:
    now = utcnow()
    if expires_at is not None and expires_at.tzinfo is None:
        raise DomainError.one(("expiresAt",), ErrorCode.INVALID, "Give a time zone (e.g. Z).")
    problems = Problems()
    check_storable_time(expires_at, ("expiresAt",), problems)  # year 10000 in UTC: refused
    problems.raise_if_any()
    if expires_at is not None and expires_at <= now:
        raise DomainError.one(
            ("expiresAt",), ErrorCode.OUT_OF_RANGE, "Expiry must be in the future."
        )
    current = {c.purpose: c for c in await repo.current_for(session, [profile_id])}
    consent = current.get(purpose.value)
    if consent is None:
        consent = Consent(profile_id=profile_id, purpose=purpose.value)
        session.add(consent)
    consent.granted = granted
    consent.touchpoint = touchpoint
    consent.updated_at = now
    consent.expires_at = expires_at
    session.add(
        ConsentChange(
            profile_id=profile_id,
            purpose=purpose.value,
            granted=granted,
            touchpoint=touchpoint,
            actor=actor,
            changed_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return consent


async def merge_into(session: AsyncSession, merged_id: str, survivor_id: str) -> dict[str, object]:
    """The most recent answer per purpose wins; the whole history moves."""
    ours = {c.purpose: c for c in await repo.current_for(session, [survivor_id])}
    moved: list[int] = []
    for consent in await repo.current_for(session, [merged_id]):
        mine = ours.get(consent.purpose)
        if mine is None:
            moved.append(consent.id)
            continue
        if consent.updated_at > mine.updated_at:
            mine.granted, mine.touchpoint = consent.granted, consent.touchpoint
            mine.updated_at, mine.expires_at = consent.updated_at, consent.expires_at
        await repo.delete_current(session, consent)
    await repo.move_current(session, moved, survivor_id)
    history = await repo.move_history(session, merged_id, survivor_id)
    await session.flush()
    return {"consent_ids": moved, "consent_change_ids": history}


async def history(session: AsyncSession, profile_id: str, limit: int = 100) -> list[ConsentChange]:
    return await repo.history_for(session, profile_id, limit)


async def split_back(
    session: AsyncSession, survivor_id: str, restored_id: str, change_ids: Sequence[int]
) -> None:
    """Give the restored profile back its consent history; both current answers are then
    re-derived from their own history (every answer is in the history)."""
    await repo.move_history_back(session, change_ids, restored_id)
    for profile_id in (survivor_id, restored_id):
        current = {c.purpose: c for c in await repo.current_for(session, [profile_id])}
        latest: dict[str, ConsentChange] = {}
        for change in reversed(await repo.history_for(session, profile_id, 10_000)):
            latest[change.purpose] = change
        for purpose, row in current.items():
            if purpose not in latest:
                await repo.delete_current(session, row)
        for purpose, change in latest.items():
            answer = current.get(purpose)
            if answer is None:
                answer = Consent(profile_id=profile_id, purpose=purpose)
                session.add(answer)
            answer.granted, answer.touchpoint = change.granted, change.touchpoint
            answer.updated_at, answer.expires_at = change.changed_at, change.expires_at
    await session.flush()
