"""Profile reads, traits, notes and the version every committed change moves forward."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.actors import Principal
from hub.broker import ProfileChange, record_change
from hub.db import utcnow
from hub.enums import Touchpoint
from hub.errors import (
    CONTROL_CHARACTERS,
    NUL,
    DomainError,
    ErrorCode,
    Problems,
    check_message_id,
    has_control_characters,
)
from hub.lifecycle import hooks
from hub.profiles import repository as repo
from hub.profiles.models import Note, Profile

MAX_NOTE = 2000


@dataclass(frozen=True)
class Traits:
    """What a customer tells us about themselves (never assumed demographics)."""

    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    postcode: str | None = None
    preferred_store: str | None = None


_LIMITS = {"first_name": 100, "last_name": 100, "title": 20, "postcode": 12, "preferred_store": 100}
_EXTRA = ("title", "postcode", "preferred_store")


def clean_traits(traits: Traits, path: Sequence[str | int] = ("input", "traits")) -> Traits:
    problems = Problems()
    cleaned: dict[str, str | None] = {}
    for f in fields(Traits):
        value = getattr(traits, f.name)
        if value is None:
            cleaned[f.name] = None
            continue
        text = unicodedata.normalize("NFC", " ".join(str(value).split()))
        field_name = "".join(
            part if i == 0 else part.capitalize() for i, part in enumerate(f.name.split("_"))
        )
        if has_control_characters(text):
            problems.add((*path, field_name), ErrorCode.INVALID, CONTROL_CHARACTERS)
        elif len(text) > _LIMITS[f.name]:
            problems.add(
                (*path, field_name), ErrorCode.TOO_LONG, f"At most {_LIMITS[f.name]} characters."
            )
        if f.name == "postcode":
            text = text.upper()
        cleaned[f.name] = text or None
    problems.raise_if_any()
    return Traits(**cleaned)


def apply_traits(profile: Profile, traits: Traits) -> bool:
    """Write the given traits onto the profile; True when anything changed."""
    changed = False
    if traits.first_name is not None and traits.first_name != profile.first_name:
        profile.first_name, changed = traits.first_name, True
    if traits.last_name is not None and traits.last_name != profile.last_name:
        profile.last_name, changed = traits.last_name, True
    extra = dict(profile.traits or {})
    for name in _EXTRA:
        value = getattr(traits, name)
        if value is not None and extra.get(name) != value:
            extra[name], changed = value, True
    if changed:
        profile.traits = extra
        refresh_search_name(profile)
    return changed


def refresh_search_name(profile: Profile) -> None:
    name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
    profile.search_name = fold_name(name) or None


def fold_name(text: str) -> str:
    """Lower case without accents, so “Zoë” is found as “zoe”."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def display_name(profile: Profile, crm_id: str | None = None) -> str:
    name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
    if name:
        return name
    if crm_id:
        return f"Customer {crm_id}"
    return "Known customer" if profile.is_known else "Anonymous visitor"


def salutation(profile: Profile) -> str | None:
    """How an agent addresses the caller: “Mrs Clarke”, else the first name."""
    title = (profile.traits or {}).get("title")
    if title and profile.last_name:
        return f"{title} {profile.last_name}"
    return profile.first_name or None


def greeting(profile: Profile) -> str:
    """A shared screen greets by first name only."""
    if profile.first_name:
        return f"Welcome back, {profile.first_name}"
    return "Welcome back" if profile.is_known else "Welcome"


async def touch(
    session: AsyncSession,
    profile: Profile,
    touchpoint: str,
    kind: str,
    summary: str,
    merged_into: str | None = None,
    *,
    by: Principal | None = None,
) -> int:
    """Move the profile's version on, queue the change for subscribers after commit and put
    it on the audit trail as `by`'s doing (by default the write path's caller)."""
    versions = await touch_many(
        session, [(profile.id, touchpoint, kind, summary)], merged_into, by=by
    )
    profile.version = versions[profile.id]
    return profile.version


# A new profile's version; its first change moves it on by one, as every change does.
FIRST_VERSION = 1


async def insert_new(
    session: AsyncSession,
    profiles: Sequence[tuple[str, bool]],
    created_at: datetime,
    *,
    touched: bool = False,
) -> None:
    """New, empty profiles — (id, is known) each — created at one moment, in one statement.
    `touched`: the caller goes on to `touch_many` them in this transaction (naming them in
    its `fresh`), so they go in at the version that first change gives them, and no UPDATE
    comes after the INSERT (~5 % of a batch of new visitors on PostgreSQL)."""
    version = FIRST_VERSION + 1 if touched else FIRST_VERSION
    await repo.insert_many(
        session,
        [(pid, known, created_at, created_at, {}, version) for pid, known in profiles],
    )


async def touch_many(
    session: AsyncSession,
    changes: Sequence[tuple[str, str, str, str]],
    merged_into: str | None = None,
    *,
    by: Principal | None = None,
    fresh: Collection[str] = (),
) -> dict[str, int]:
    """`touch` for a batch: (profile id, touchpoint, kind, summary) each, in a few statements
    whatever the batch's size (a track batch of 1,000 new visitors touches 1,000 profiles).
    `fresh`: profiles this transaction made with `insert_new(touched=True)`, already at the
    version this change gives them."""
    if not changes:
        return {}
    moved = [c[0] for c in changes if c[0] not in fresh]
    versions = await repo.bump_versions(session, moved) if moved else {}
    versions.update({c[0]: FIRST_VERSION + 1 for c in changes if c[0] in fresh})
    principal = _acting(session, by)
    await _named(session, principal, list(versions))
    logged = []
    for profile_id, touchpoint, kind, summary in changes:
        if profile_id not in versions:
            continue  # merged away or erased meanwhile: nothing to tell
        record_change(
            session,
            ProfileChange(profile_id, versions[profile_id], touchpoint, kind, summary, merged_into),
        )
        logged.append((profile_id, kind, summary))
    await audit.record_many(
        session,
        actor=principal.actor if principal is not None else "system",
        channel=principal.channel.value if principal is not None else "system",
        rows=logged,
    )
    return versions


def _acting(session: AsyncSession, by: Principal | None) -> Principal | None:
    """Who acts: the principal a service was given, else the one the write path set (services
    not yet passing theirs; None for the command line and the demo seed)."""
    if by is not None:
        return by
    principal: Principal | None = session.info.get("principal")
    return principal


def plausible_id(profile_id: str) -> bool:
    """Whether `profile_id` could name a profile at all: an address's path or a header is not
    held to what GraphQL's gate holds a body to, and PostgreSQL refuses a NUL in a lookup."""
    return 0 < len(profile_id) <= 64 and NUL not in profile_id


async def get_live(session: AsyncSession, profile_id: str) -> Profile | None:
    if not plausible_id(profile_id):
        return None
    return await repo.get_live(session, profile_id)


class FoundProfile(Protocol):
    """A profile row as a read found it: an ORM row, or plain facts with its columns."""

    @property
    def id(self) -> str: ...

    @property
    def merged_into_id(self) -> str | None: ...

    @property
    def erased_at(self) -> datetime | None: ...


FoundT = TypeVar("FoundT", bound=FoundProfile)


async def live_or_followed(session: AsyncSession, row: FoundT | None) -> FoundT | Profile | None:
    """A profile row found by one of its identifiers, as a caller may see it: itself when
    live; otherwise a merged one's survivor, and nothing for an erased one (`get_live`)."""
    if row is not None and (row.merged_into_id or row.erased_at is not None):
        return await get_live(session, row.id)
    return row


async def require(session: AsyncSession, profile_id: str, field: str = "profileId") -> Profile:
    """The live profile a write names (a merged one's survivor; NOT_FOUND for none or an
    erased one), locked for the write's transaction (`lock`): a merge or an erasure that
    commits meanwhile is waited for and then followed, so that what the write adds lands on
    the survivor, not on the profile merged away."""
    wanted: str | None = profile_id if plausible_id(profile_id) else None
    for _ in range(20):  # merges may chain (as `get_live` follows them)
        if wanted is None:
            break
        rows = await lock(session, [wanted])
        if not rows or rows[0].erased_at is not None:
            break
        if rows[0].merged_into_id is None:
            return rows[0]
        wanted = rows[0].merged_into_id
    raise DomainError.one((field,), ErrorCode.NOT_FOUND, f"There is no profile “{profile_id}”.")


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[Profile]:
    return await repo.get_many(session, ids)


@dataclass(frozen=True)
class NoteAdded:
    note: Note
    profile: Profile
    duplicate: bool = False  # sent before under its messageId: nothing stored this time


async def add_note(
    session: AsyncSession,
    profile_id: str,
    text: str,
    by: Principal | None,
    message_id: str | None = None,
) -> NoteAdded:
    """An agent's note on the profile (written at the call centre), on record as a change.
    With a `message_id` (the client's, as `track` takes one), a note sent again because its
    first answer was lost is stored once: the second send answers with the first note."""
    profile = await require(session, profile_id)
    key = _message_id(message_id)
    body = (text or "").strip()
    if not body:
        raise DomainError.one(("text",), ErrorCode.REQUIRED, "A note needs some text.")
    if len(body) > MAX_NOTE:
        raise DomainError.one(
            ("text",), ErrorCode.TOO_LONG, f"A note is at most {MAX_NOTE} characters."
        )
    if has_control_characters(body, allowed="\n\t"):
        raise DomainError.one(
            ("text",), ErrorCode.INVALID, "Control characters are not allowed (line breaks are)."
        )
    if key is not None and (earlier := await repo.note_by_message(session, key)) is not None:
        # Its profile may have been merged into this one since: the note moved with it.
        if (await require(session, earlier.profile_id)).id != profile.id:
            raise DomainError.one(
                ("messageId",),
                ErrorCode.CONFLICT,
                "This messageId was used for a note on another profile.",
            )
        return NoteAdded(earlier, profile, duplicate=True)
    where = Touchpoint.CALL_CENTER.value
    note = Note(
        profile_id=profile.id,
        text=body,
        author=by.actor if by is not None else "system",
        touchpoint=where,
        created_at=utcnow(),
        message_id=key,
    )
    stored = await repo.add_note(session, note)
    who = by.name if by is not None else "the system"
    await touch(session, profile, where, "NOTE", f"Note added by {who}", by=by)
    return NoteAdded(stored, profile)


def _message_id(given: str | None) -> str | None:
    """A note's messageId as given (none is fine), or a problem on `messageId`: the same rule
    as an event's (`check_message_id`)."""
    if given is None:
        return None
    key = given.strip()
    problems = Problems()
    if not key:
        problems.add(
            ("messageId",), ErrorCode.REQUIRED, "A messageId, when given, needs some text."
        )
    check_message_id(key, ("messageId",), problems)
    problems.raise_if_any()
    return key


async def correct_traits(
    session: AsyncSession, profile_id: str, traits: Traits, touchpoint: str, by: Principal | None
) -> Profile:
    """The customer (or an agent for them) corrects their name and other stated details."""
    profile = await require(session, profile_id)
    if apply_traits(profile, clean_traits(traits, ("traits",))):
        await touch(session, profile, touchpoint, "IDENTIFIED", "Details corrected", by=by)
    return profile


async def notes_for(session: AsyncSession, profile_ids: Sequence[str], limit: int) -> list[Note]:
    return await repo.notes_for(session, profile_ids, limit)


async def name_candidates(
    session: AsyncSession, tokens: Sequence[str], limit: int
) -> list[Profile]:
    return await repo.search_by_name(session, tokens, limit)


def snapshot(profile: Profile) -> dict[str, Any]:
    return {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "traits": dict(profile.traits or {}),
        "is_known": profile.is_known,
        "created_at": profile.created_at.isoformat(),
    }


def fill_gaps(survivor: Profile, merged: Profile) -> dict[str, Any]:
    """The survivor keeps what it knows and learns what only the merged profile knew. Answers
    what it filled in (for the merge journal: a split takes it back, `take_back`)."""
    filled: dict[str, Any] = {}
    if not survivor.first_name and merged.first_name:
        survivor.first_name = filled["first_name"] = merged.first_name
    if not survivor.last_name and merged.last_name:
        survivor.last_name = filled["last_name"] = merged.last_name
    own = survivor.traits or {}
    learned = {k: v for k, v in (merged.traits or {}).items() if k not in own}
    if learned:
        filled["traits"] = learned
    survivor.traits = {**learned, **own}
    survivor.is_known = survivor.is_known or merged.is_known
    refresh_search_name(survivor)
    return filled


def take_back(survivor: Profile, filled: dict[str, Any]) -> None:
    """A split: the survivor forgets what the merge filled in from the profile split back out
    (`fill_gaps`), unless it has been changed since (then it is the survivor's own)."""
    for name in ("first_name", "last_name"):
        if name in filled and getattr(survivor, name) == filled[name]:
            setattr(survivor, name, None)
    traits = dict(survivor.traits or {})
    for key, value in (filled.get("traits") or {}).items():
        if traits.get(key) == value:
            del traits[key]
    survivor.traits = traits
    refresh_search_name(survivor)


def restore(profile: Profile, snapshot: dict[str, Any]) -> None:
    """A profile split back out of a merge: live again, as `snapshot` recorded it."""
    profile.merged_into_id = None
    profile.first_name, profile.last_name = snapshot["first_name"], snapshot["last_name"]
    profile.traits = dict(snapshot["traits"])
    profile.is_known = bool(snapshot["is_known"])
    refresh_search_name(profile)


async def merged_into(session: AsyncSession, profile_id: str) -> list[str]:
    return await repo.merged_into(session, profile_id)


async def remember(
    session: AsyncSession, profile_ids: Sequence[str], *, by: Principal | None = None
) -> None:
    """The caller named these profiles (a web key may reach them by id from now on)."""
    await _named(session, _acting(session, by), profile_ids)


async def _named(
    session: AsyncSession, principal: Principal | None, profile_ids: Sequence[str]
) -> None:
    """Tell the domains that keep track that the caller named these profiles (auth: a web key
    may reach them by id from now on; hub/lifecycle.py `on_named`). Nobody acting (the command
    line, the demo seed): nothing to tell."""
    if principal is not None:
        await hooks().named(session, principal, profile_ids)


async def lock(session: AsyncSession, ids: Sequence[str], share: bool = False) -> list[Profile]:
    return await repo.lock(session, ids, share)


async def lock_states(
    session: AsyncSession, ids: Sequence[str], share: bool = False
) -> list[tuple[str, str | None, bool]]:
    """(id, merged into, erased) of each profile, locked as `lock` does, without ORM rows."""
    return await repo.lock_states(session, ids, share)
