"""Identity resolution: many identifiers, one customer.

Rules (docs/architecture.md, "Identity"):
- identifiers are normalised before matching; junk is refused;
- identifiers that name a person (EMAIL, PHONE, LOYALTY_ID, CRM_ID) decide the profile: when
  they point at several profiles, those merge (the oldest known one survives);
- a DEVICE_ID or ANONYMOUS_ID follows them: free ones attach, anonymous profiles merge in, but
  one that already belongs to another known customer never joins the two (a conflict is
  recorded for an agent instead);
- every merge writes a journal row with what moved, so it can be split back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, suppression
from hub.actors import Principal
from hub.db import hold_writes, utcnow
from hub.enums import KNOWN_KINDS, Channel
from hub.errors import DomainError, ErrorCode, Problem, Problems
from hub.identity import duplicates
from hub.identity import repository as repo
from hub.identity.merging import merge_profiles, merge_reason, survivor_rank
from hub.identity.models import Identifier, IdentityConflict, Merge
from hub.identity.normalize import IdentifierIn, normalize_identifier
from hub.ids import new_id
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights

MAX_IDENTIFIERS = 20


@dataclass
class IdentifyResult:
    profile: Profile
    created: bool = False
    merges: list[Merge] = field(default_factory=list)
    conflicts: list[IdentityConflict] = field(default_factory=list)

    @property
    def merged(self) -> bool:
        return bool(self.merges)


def normalize_all(
    identifiers: Sequence[IdentifierIn], region: str, path: Sequence[str | int]
) -> list[IdentifierIn]:
    """Each identifier normalised (duplicates once); every one's problems, under
    `path` + its index, raised together."""
    problems = Problems()
    result: list[IdentifierIn] = []
    for index, item in enumerate(identifiers):
        try:
            result.append(normalize_one(item, region, (*path, index)))
        except DomainError as error:
            problems.extend(error)
    problems.raise_if_any()
    return list(dict.fromkeys(result))


def normalize_one(identifier: IdentifierIn, region: str, path: Sequence[str | int]) -> IdentifierIn:
    """One identifier normalised; its problems under `path` (no list index: it is not a list)."""
    try:
        return IdentifierIn(
            identifier.kind, normalize_identifier(identifier.kind, identifier.value, region)
        )
    except DomainError as error:
        problems = Problems()
        problems.extend(error, path)
        problems.raise_if_any()
        raise


async def identify(
    session: AsyncSession,
    identifiers: Sequence[IdentifierIn],
    traits: profiles.Traits | None,
    touchpoint: str,
    region: str,
    weights: Weights,
    by: Principal | None = None,
) -> IdentifyResult:
    """The one profile these identifiers name (created, attached, merged), as a change on it;
    an agent's identification of a caller is on the audit trail as a read."""
    if not identifiers:
        raise DomainError.one(
            ("input", "identifiers"), ErrorCode.REQUIRED, "Give at least one identifier."
        )
    if len(identifiers) > MAX_IDENTIFIERS:
        raise DomainError.one(
            ("input", "identifiers"),
            ErrorCode.TOO_MANY,
            f"At most {MAX_IDENTIFIERS} identifiers at a time.",
        )
    wanted = normalize_all(identifiers, region, ("input", "identifiers"))
    cleaned_traits = profiles.clean_traits(traits) if traits else None

    result = await resolve(session, wanted, touchpoint, weights)
    profile = result.profile
    changed = cleaned_traits is not None and profiles.apply_traits(profile, cleaned_traits)
    if changed or result.created or result.attached:
        await session.flush()
        await duplicates.check(session, profile)
    if changed or result.created or result.merges or result.attached:
        await session.flush()
        summary = _summary(result, changed)
        await profiles.touch(session, profile, touchpoint, "IDENTIFIED", summary, by=by)
    else:
        await profiles.remember(session, [profile.id], by=by)
    audit.agent_read(session, by, [profile.id], "Identified the caller")
    return result.as_result()


@dataclass
class _Resolution:
    profile: Profile
    created: bool = False
    attached: list[Identifier] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    conflicts: list[IdentityConflict] = field(default_factory=list)

    def as_result(self) -> IdentifyResult:
        return IdentifyResult(self.profile, self.created, self.merges, self.conflicts)


async def resolve(
    session: AsyncSession, wanted: Sequence[IdentifierIn], touchpoint: str, weights: Weights
) -> _Resolution:
    """Find or create the one profile these (normalised) identifiers name; none of an erased
    customer's.

    The suppressions are read after the owners are locked: an erasure that committed before
    takes its identifiers away and suppresses them in one transaction, so an identifier no
    longer held is seen suppressed here, not attached anew to a profile of its own."""
    pairs = [(i.kind.value, i.value) for i in wanted]
    found = await locked_owners(session, pairs)
    erased = await suppression.suppressed(session, pairs)
    if erased:
        raise DomainError(
            [
                Problem(
                    ("input", "identifiers", str(index), "value"),
                    ErrorCode.SUPPRESSED,
                    "This customer asked to be forgotten; their identifiers are not used again.",
                )
                for index, item in enumerate(wanted)
                if (item.kind.value, item.value) in erased
            ]
        )
    owner_of = {(row.kind, row.value): row for row in found}
    owners = {
        p.id: p for p in await profiles.get_many(session, list({r.profile_id for r in found}))
    }

    strong = [i for i in wanted if i.kind in KNOWN_KINDS]
    weak = [i for i in wanted if i.kind not in KNOWN_KINDS]
    strong_owners = _ordered_owners(strong, owner_of, owners)
    weak_owners = [
        p
        for p in _ordered_owners(weak, owner_of, owners)
        if p.id not in {s.id for s in strong_owners}
    ]

    resolution: _Resolution
    pending_merges: list[Profile] = []
    if strong_owners:
        survivor, *others = sorted(strong_owners, key=survivor_rank)
        resolution = _Resolution(survivor)
        pending_merges.extend(others)
    elif strong:
        resolution = _Resolution(await _new_profile(session), created=True)
    else:
        known = [p for p in weak_owners if p.is_known]
        if len(known) > 1:
            # Two known customers seen on one device: never join them.
            resolution = _Resolution(known[0])
            for other in known[1:]:
                resolution.conflicts.append(
                    await _conflict(session, wanted, owner_of, [known[0].id, other.id], touchpoint)
                )
            weak_owners = [p for p in weak_owners if not p.is_known or p.id == known[0].id]
        elif weak_owners:
            resolution = _Resolution(known[0] if known else min(weak_owners, key=survivor_rank))
        else:
            resolution = _Resolution(await _new_profile(session), created=True)

    target = resolution.profile
    for owner in weak_owners:
        if owner.id == target.id:
            continue
        if owner.is_known and (target.is_known or strong):
            resolution.conflicts.append(
                await _conflict(session, wanted, owner_of, [target.id, owner.id], touchpoint)
            )
        else:
            pending_merges.append(owner)
    for other in pending_merges:
        resolution.merges.append(
            await merge_profiles(
                session,
                target,
                other,
                touchpoint,
                weights,
                reason=merge_reason(wanted, owner_of, other),
            )
        )
    taken = {(r.kind, r.value) for r in found}
    for item in wanted:
        if (item.kind.value, item.value) in taken:
            continue
        identifier = await repo.add(
            session,
            Identifier(
                profile_id=target.id,
                kind=item.kind.value,
                value=item.value,
                touchpoint=touchpoint,
                created_at=utcnow(),
                verified_at=utcnow() if _trusted(session) else None,
            ),
        )
        resolution.attached.append(identifier)
        if item.kind in KNOWN_KINDS:
            target.is_known = True
    return resolution


async def attach_new(
    session: AsyncSession, wanted: Sequence[tuple[IdentifierIn, str]], *, touched: bool = False
) -> dict[tuple[str, str], tuple[str, int]]:
    """Identifiers nobody holds yet, each on a profile of its own, in two bulk inserts:
    (kind, value) → (profile id, identifier id). `touched`: as `profiles.insert_new` takes it
    (the caller touches every new profile in this transaction, naming them as `fresh`).

    What `resolve` does for one identifier that matches nothing, for a whole batch of new
    visitors at once. A concurrent writer creating the same identifier makes the unique key
    fail and the write is retried from the start, where it is then found.
    """
    if not wanted:
        return {}
    now = utcnow()
    trusted = _trusted(session)
    owners = [new_id() for _ in wanted]
    await profiles.insert_new(
        session,
        [
            (owner, item.kind in KNOWN_KINDS)
            for owner, (item, _) in zip(owners, wanted, strict=True)
        ],
        now,
        touched=touched,
    )
    verified = now if trusted else None
    rows = [  # repo.IDENTIFIER_COLUMNS
        (owner, item.kind.value, item.value, touchpoint, now, verified)
        for owner, (item, touchpoint) in zip(owners, wanted, strict=True)
    ]
    ids = await repo.insert_rows(session, rows)
    pairs = [(item.kind.value, item.value) for item, _ in wanted]
    if ids is None:
        return await repo.owners_of(session, pairs)
    return dict(zip(pairs, zip(owners, ids, strict=True), strict=True))


async def locked_owners(
    session: AsyncSession, pairs: Sequence[tuple[str, str]], share: bool = False
) -> list[Identifier]:
    """The identifiers' rows, read after locking the profiles that own them.

    Two replicas may resolve the same customer at once: one merging B into A while the other
    attaches to B. Locking the owners (in id order) makes the second wait and then see the
    merge; an identifier still found on a merged profile is repaired to the live one. On
    SQLite the write transaction begins before the first look (`hold_writes`).
    """
    await hold_writes(session)
    locked: dict[str, Profile] = {}
    for _ in range(3):
        found = await repo.find(session, pairs)
        owners = {r.profile_id for r in found} - set(locked)
        if not owners:
            break
        # Kept here, not only in the session's (weak) identity map: a batch of thousands of
        # identifiers must not read its owners again one by one below.
        locked.update({p.id: p for p in await profiles.lock(session, sorted(owners), share=share)})
    else:
        found = await repo.find(session, pairs)
    for row in found:
        owner = locked.get(row.profile_id)
        if owner is not None and owner.merged_into_id is None and owner.erased_at is None:
            continue
        live = await profiles.get_live(session, row.profile_id)
        if live is not None and live.id != row.profile_id:
            row.profile_id = live.id
    return found


def _trusted(session: AsyncSession) -> bool:
    """Anything but a shared kiosk screen vouches for the identifiers it sends: the web site's
    server signed its customer in, an agent spoke to them, the import knows them."""
    principal = session.info.get("principal")
    return principal is None or principal.channel is not Channel.KIOSK


def _ordered_owners(
    items: Sequence[IdentifierIn],
    owner_of: dict[tuple[str, str], Identifier],
    owners: dict[str, Profile],
) -> list[Profile]:
    seen: dict[str, Profile] = {}
    for item in items:
        row = owner_of.get((item.kind.value, item.value))
        if row is not None and row.profile_id in owners:
            seen.setdefault(row.profile_id, owners[row.profile_id])
    return list(seen.values())


async def _new_profile(session: AsyncSession) -> Profile:
    now = utcnow()
    profile = Profile(traits={}, is_known=False, version=1, created_at=now, updated_at=now)
    session.add(profile)
    await session.flush()
    return profile


async def _conflict(
    session: AsyncSession,
    wanted: Sequence[IdentifierIn],
    owner_of: dict[tuple[str, str], Identifier],
    profile_ids: list[str],
    touchpoint: str,
) -> IdentityConflict:
    shared = next(
        (
            i
            for i in wanted
            if i.kind not in KNOWN_KINDS
            and (row := owner_of.get((i.kind.value, i.value))) is not None
            and row.profile_id in profile_ids
        ),
        next(i for i in wanted if i.kind not in KNOWN_KINDS),
    )
    await duplicates.shared_device(session, profile_ids, shared.kind.value, shared.value)
    return await repo.add_conflict(
        session,
        IdentityConflict(
            kind=shared.kind.value,
            value=shared.value,
            profile_ids=profile_ids,
            touchpoint=touchpoint,
            status="OPEN",
            created_at=utcnow(),
        ),
    )


def _summary(result: _Resolution, traits_changed: bool) -> str:
    parts = []
    if result.created:
        parts.append("New profile")
    if result.attached:
        kinds = sorted({i.kind.replace("_", " ").lower() for i in result.attached})
        parts.append("added " + ", ".join(kinds))
    if result.merges:
        parts.append(f"merged {len(result.merges)} profile{'s' if len(result.merges) > 1 else ''}")
    if traits_changed:
        parts.append("details updated")
    if result.conflicts:
        parts.append("shared-device conflict recorded")
    text = "; ".join(parts) or "Identified"
    return text[0].upper() + text[1:]


async def identifiers_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Identifier]:
    return await repo.for_profiles(session, profile_ids)


async def find_profile(
    session: AsyncSession, identifier: IdentifierIn, region: str
) -> Profile | None:
    """The profile an identifier names, or None; a malformed identifier is a DomainError."""
    normal = normalize_one(identifier, region, ("identifier",))
    rows = await repo.find(session, [(normal.kind.value, normal.value)])
    if not rows:
        return None
    return await profiles.get_live(session, rows[0].profile_id)


async def find_identifiers(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> list[Identifier]:
    return await repo.find(session, pairs)


async def open_conflicts(session: AsyncSession, limit: int = 50) -> list[IdentityConflict]:
    return await repo.open_conflicts(session, limit)
