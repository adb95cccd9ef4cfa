"""Identity review and the audit trail, read the agent's way: no Textual, no I/O.

Shared-device conflicts and possible duplicates are pairs of profiles the hub would not join on
its own; an agent links them (the customer confirms they are one person) or dismisses them.
The entries themselves are the generated types of `hub_api`.
"""

from __future__ import annotations

from .hub_api.audit_log import AuditLogAuditLog as AuditEntry
from .hub_api.identity_conflicts import IdentityConflictsIdentityConflicts as IdentityConflict
from .hub_api.possible_duplicates import PossibleDuplicatesPossibleDuplicates as PossibleDuplicate
from .models import Profile

__all__ = [
    "AuditEntry",
    "IdentityConflict",
    "PossibleDuplicate",
    "describe_evidence",
    "possible_duplicates",
    "reason_label",
]


def possible_duplicates(profiles: list[Profile]) -> dict[str, str]:
    """Profiles among these that may be the same person, with why: same name or same contact."""
    reasons: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for profile in profiles:
        keys = (
            [("name", profile.name.casefold())] if profile.first_name or profile.last_name else []
        )
        keys += [(str(i.kind), i.value.casefold()) for i in profile.identifiers]
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


def reason_label(duplicate: PossibleDuplicate) -> str:
    return DUPLICATE_REASONS.get(duplicate.reason, duplicate.reason.replace("_", " ").lower())


def describe_evidence(duplicate: PossibleDuplicate) -> str:
    """The evidence in plain words, e.g. `name “hal quist”, postcode SW1A 1AA`."""
    e = duplicate.evidence if isinstance(duplicate.evidence, dict) else {}
    if duplicate.reason == "SAME_NAME_AND_POSTCODE":
        return f"name “{e.get('name', '?')}”, postcode {e.get('postcode', '?')}"
    if duplicate.reason == "SIMILAR_EMAIL":
        emails = " and ".join(str(v) for v in e.get("emails") or ())
        alike = f" ({e['similarity']}% alike)" if "similarity" in e else ""
        return f"{emails}{alike}"
    if duplicate.reason == "SHARED_DEVICE":
        kind = str(e.get("kind", "")).replace("_", " ").lower()
        return f"{kind} {e.get('value', '')}".strip()
    return ", ".join(f"{key} {value}" for key, value in e.items())
