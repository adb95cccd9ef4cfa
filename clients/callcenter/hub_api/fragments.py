from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    ConsentPurpose,
    EventType,
    IdentifierKind,
    PreferenceSource,
    Touchpoint,
)


class Change(BaseModel):
    profile_id: str = Field(alias="profileId")
    version: int
    touchpoint: Touchpoint
    kind: str
    summary: str
    merged_into: str | None = Field(alias="mergedInto")


class Problem(BaseModel):
    field: list[str] | None
    code: str
    message: str


class ProfileCard(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")
    last_name: str | None = Field(alias="lastName")
    display_name: str = Field(alias="displayName")
    salutation: str | None
    identifiers: list["ProfileCardIdentifiers"]
    version: int


class ProfileCardIdentifiers(BaseModel):
    kind: IdentifierKind
    value: str


class Profile360(ProfileCard):
    greeting: str
    preferences: list["Profile360Preferences"]
    consents: list["Profile360Consents"]
    recent_events: list["Profile360RecentEvents"] = Field(alias="recentEvents")
    notes: list["Profile360Notes"] | None
    merges: list["Profile360Merges"] | None
    order_summary: Optional["Profile360OrderSummary"] = Field(alias="orderSummary")
    segments: list["Profile360Segments"]
    recommendations: list["Profile360Recommendations"]
    gift_registries: list["Profile360GiftRegistries"] = Field(alias="giftRegistries")


class Profile360Preferences(BaseModel):
    key: str
    value: str
    label: str | None
    like: bool
    weight: float
    source: PreferenceSource
    touchpoint: Touchpoint | None
    updated_at: str = Field(alias="updatedAt")
    reason: str


class Profile360Consents(BaseModel):
    purpose: ConsentPurpose
    granted: bool
    is_default: bool = Field(alias="isDefault")
    updated_at: str | None = Field(alias="updatedAt")
    touchpoint: Touchpoint | None


class Profile360RecentEvents(BaseModel):
    id: str
    type_: EventType = Field(alias="type")
    touchpoint: Touchpoint
    occurred_at: str = Field(alias="occurredAt")
    product_sku: str | None = Field(alias="productSku")
    quantity: int | None
    price: float | None
    summary: str
    product: Optional["Profile360RecentEventsProduct"]


class Profile360RecentEventsProduct(BaseModel):
    sku: str
    name: str


class Profile360Notes(BaseModel):
    id: str
    text: str
    author: str
    created_at: str = Field(alias="createdAt")


class Profile360Merges(BaseModel):
    id: str
    survivor_id: str = Field(alias="survivorId")
    merged_id: str = Field(alias="mergedId")
    reason: str
    touchpoint: Touchpoint
    created_at: str = Field(alias="createdAt")
    split_at: str | None = Field(alias="splitAt")
    identifiers_moved: int = Field(alias="identifiersMoved")
    events_moved: int = Field(alias="eventsMoved")


class Profile360OrderSummary(BaseModel):
    orders: int
    purchase_lines: int = Field(alias="purchaseLines")
    units: int
    spent: float
    returns: int
    refunded: float
    net: float
    first_order_at: str | None = Field(alias="firstOrderAt")
    last_order_at: str | None = Field(alias="lastOrderAt")
    last_return_at: str | None = Field(alias="lastReturnAt")


class Profile360Segments(BaseModel):
    segment: "Profile360SegmentsSegment"
    reason: str


class Profile360SegmentsSegment(BaseModel):
    id: str
    name: str
    description: str | None


class Profile360Recommendations(BaseModel):
    product: "Profile360RecommendationsProduct"
    score: float
    reason: str
    recommendation_id: str = Field(alias="recommendationId")
    kind: str
    personal: bool


class Profile360RecommendationsProduct(BaseModel):
    sku: str
    name: str


class Profile360GiftRegistries(BaseModel):
    code: str
    title: str
    occasion: str
    event_date: str | None = Field(alias="eventDate")
    remaining: int
    items: list["Profile360GiftRegistriesItems"]


class Profile360GiftRegistriesItems(BaseModel):
    sku: str
    wanted: int
    bought: int
    remaining: int
    product: Optional["Profile360GiftRegistriesItemsProduct"]


class Profile360GiftRegistriesItemsProduct(BaseModel):
    name: str


Change.model_rebuild()
Problem.model_rebuild()
ProfileCard.model_rebuild()
Profile360.model_rebuild()
