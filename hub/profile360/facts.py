"""What a profile read finds, as plain frozen values: a profile row (`ProfileFacts`) and the
parts of its bundle (identifiers, consents, events; stated preferences and learned interests
are `hub.preferences.facts`'), with the names the read's DataLoader keys its parts by. No ORM
object is built for a read (hub/profile360/reading.py); the domains' views read these as they
read the ORM rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

IDENTIFIERS = "identifiers"
PREFERENCES = "preferences"
CONSENTS = "consents"
EVENTS = "events"
# The statements of the preferences part.
STATED = "stated"
LEARNED = "learned"
LEARNED_OF_ONE = "learned of one"  # the same rows for a single profile, another statement
LABELS = "labels"

# (part, profile id) or, for events, (EVENTS, profile id, how many, types).
PartKey = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class IdentifierFacts:
    profile_id: str
    kind: str
    value: str
    touchpoint: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    profile_id: str
    purpose: str
    granted: bool
    touchpoint: str
    updated_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: int
    message_id: str
    type: str
    touchpoint: str
    occurred_at: datetime
    product_sku: str | None
    quantity: int | None
    price: Decimal | None
    # As stored (JSON text): decoded only when asked for (`properties`), which most reads,
    # showing twenty events' type, time and summary, never do.
    properties_json: str | None
    product_name: str | None

    @property
    def properties(self) -> dict[str, Any]:
        found = json.loads(self.properties_json) if self.properties_json else None
        return found if isinstance(found, dict) else {}


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """A profile row as the read found it: what the Profile type and the domains' views read
    of an ORM row (`hub.profiles.models.Profile`), without the ORM's bookkeeping."""

    id: str
    first_name: str | None
    last_name: str | None
    search_name: str | None
    traits: dict[str, Any]
    is_known: bool
    merged_into_id: str | None
    version: int
    erased_at: datetime | None
    created_at: datetime
    updated_at: datetime
