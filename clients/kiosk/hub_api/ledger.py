from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    ConsentPurpose,
    EventType,
    IdentifierKind,
    PreferenceSource,
    Touchpoint,
)


class Ledger(BaseModel):
    profile: Optional["LedgerProfile"]


class LedgerProfile(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")
    last_name: str | None = Field(alias="lastName")
    display_name: str = Field(alias="displayName")
    version: int
    traits: Any
    identifiers: list["LedgerProfileIdentifiers"]
    preferences: list["LedgerProfilePreferences"]
    consents: list["LedgerProfileConsents"]
    segments: list["LedgerProfileSegments"]
    recent_events: list["LedgerProfileRecentEvents"] = Field(alias="recentEvents")
    shown_picks: list["LedgerProfileShownPicks"] = Field(alias="shownPicks")


class LedgerProfileIdentifiers(BaseModel):
    kind: IdentifierKind
    value: str


class LedgerProfilePreferences(BaseModel):
    key: str
    value: str
    label: str | None
    like: bool
    weight: float
    source: PreferenceSource
    touchpoint: Touchpoint | None
    updated_at: str = Field(alias="updatedAt")
    reason: str


class LedgerProfileConsents(BaseModel):
    purpose: ConsentPurpose
    granted: bool
    is_default: bool = Field(alias="isDefault")
    updated_at: str | None = Field(alias="updatedAt")
    touchpoint: Touchpoint | None


class LedgerProfileSegments(BaseModel):
    segment: "LedgerProfileSegmentsSegment"
    reason: str


class LedgerProfileSegmentsSegment(BaseModel):
    name: str
    description: str | None


class LedgerProfileRecentEvents(BaseModel):
    type_: EventType = Field(alias="type")
    occurred_at: str = Field(alias="occurredAt")
    touchpoint: Touchpoint
    product_sku: str | None = Field(alias="productSku")
    summary: str
    product: Optional["LedgerProfileRecentEventsProduct"]


class LedgerProfileRecentEventsProduct(BaseModel):
    sku: str
    name: str


class LedgerProfileShownPicks(BaseModel):
    type_: EventType = Field(alias="type")


Ledger.model_rebuild()
LedgerProfile.model_rebuild()
LedgerProfileSegments.model_rebuild()
LedgerProfileRecentEvents.model_rebuild()
