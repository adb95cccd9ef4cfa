"""Identity review and the audit trail, as plain data: no Textual, no I/O.

Shared-device conflicts and possible duplicates are pairs of profiles the hub would not join on
its own; an agent links them (the customer confirms they are one person) or dismisses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import JSON, Profile


@dataclass(frozen=True)
class AuditEntry:
    """Who read or changed the profile, when, and through which channel."""

    id: str
    at: str | None
    actor: str
    channel: str
    action: str
    detail: str

    @classmethod
    def from_json(cls, data: JSON) -> AuditEntry:
        return cls(
            id=str(data.get("id", "")),
            at=data.get("at"),
            actor=data.get("actor", ""),
            channel=data.get("channel", ""),
            action=data.get("action", ""),
            detail=data.get("detail", ""),
        )


@dataclass(frozen=True)
class IdentityConflict:
    """A shared-device identifier seen with two known customers, left unjoined for review."""

    id: str
    kind: str
    value: str
    profile_ids: tuple[str, ...]
    touchpoint: str | None
    status: str
    created_at: str | None

    @classmethod
    def from_json(cls, data: JSON) -> IdentityConflict:
        return cls(
            id=str(data["id"]),
            kind=data.get("kind", ""),
            value=data.get("value", ""),
            profile_ids=tuple(str(i) for i in data.get("profileIds") or ()),
            touchpoint=data.get("touchpoint"),
            status=data.get("status", ""),
            created_at=data.get("createdAt"),
        )


def possible_duplicates(profiles: list[Profile]) -> dict[str, str]:
    """Profiles among these that may be the same person, with why: same name or same contact."""
    reasons: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for profile in profiles:
        keys = (
            [("name", profile.name.casefold())] if profile.first_name or profile.last_name else []
        )
        keys += [(i.kind, i.value.casefold()) for i in profile.identifiers]
        for key in keys:
            other = seen.setdefault(key, profile.id)
            if other != profile.id:
                why = (
                    "same name" if key[0] == "name" else f"same {key[0].lower().replace('_', ' ')}"
                )
                reasons.setdefault(profile.id, why)
                reasons.setdefault(other, why)
    return reasons


DUPLICATE_REASONS = {
    "SAME_NAME_AND_POSTCODE": "same name and postcode",
    "SIMILAR_EMAIL": "similar email",
    "SHARED_DEVICE": "shared device",
}


@dataclass(frozen=True)
class PossibleDuplicate:
    """Two profiles the hub thinks may be one person, with the evidence it went on."""

    id: str
    reason: str
    evidence: JSON
    profile_ids: tuple[str, ...]
    created_at: str | None

    @classmethod
    def from_json(cls, data: JSON) -> PossibleDuplicate:
        evidence = data.get("evidence")
        return cls(
            id=str(data["id"]),
            reason=str(data.get("reason") or ""),
            evidence=evidence if isinstance(evidence, dict) else {},
            profile_ids=tuple(str(i) for i in data.get("profileIds") or ()),
            created_at=data.get("createdAt"),
        )

    @property
    def reason_label(self) -> str:
        return DUPLICATE_REASONS.get(self.reason, self.reason.replace("_", " ").lower())

    def describe_evidence(self) -> str:
        """The evidence in plain words, e.g. `name “hal quist”, postcode SW1A 1AA`."""
        e = self.evidence
        if self.reason == "SAME_NAME_AND_POSTCODE":
            return f"name “{e.get('name', '?')}”, postcode {e.get('postcode', '?')}"
        if self.reason == "SIMILAR_EMAIL":
            emails = " and ".join(str(v) for v in e.get("emails") or ())
            alike = f" ({e['similarity']}% alike)" if "similarity" in e else ""
            return f"{emails}{alike}"
        if self.reason == "SHARED_DEVICE":
            kind = str(e.get("kind", "")).replace("_", " ").lower()
            return f"{kind} {e.get('value', '')}".strip()
        return ", ".join(f"{key} {value}" for key, value in e.items())
