"""Enumerations shared by the domains and the GraphQL schema."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def member(cls: type[E], value: str) -> E:
    """`cls(value)`, by a dict lookup for a value the enum has: `EnumType.__call__` costs about
    a microsecond, and a profile read converts some sixty stored strings. An unknown value
    raises ValueError, as `cls(value)` does."""
    found = cls._value2member_map_.get(value)
    return cls(value) if found is None else found  # type: ignore[return-value]


class IdentifierKind(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    LOYALTY_ID = "LOYALTY_ID"
    DEVICE_ID = "DEVICE_ID"
    ANONYMOUS_ID = "ANONYMOUS_ID"
    CRM_ID = "CRM_ID"


# Identifiers that name a person; DEVICE_ID and ANONYMOUS_ID name a browser or a screen.
KNOWN_KINDS = frozenset(
    {IdentifierKind.EMAIL, IdentifierKind.PHONE, IdentifierKind.LOYALTY_ID, IdentifierKind.CRM_ID}
)
CONTACT_KINDS = frozenset({IdentifierKind.EMAIL, IdentifierKind.PHONE})


class Touchpoint(StrEnum):
    WEB = "WEB"
    KIOSK = "KIOSK"
    CALL_CENTER = "CALL_CENTER"
    DIRECT_MARKETING = "DIRECT_MARKETING"
    STORE = "STORE"


class ConsentPurpose(StrEnum):
    PERSONALIZATION = "PERSONALIZATION"
    MARKETING_EMAIL = "MARKETING_EMAIL"
    MARKETING_SMS = "MARKETING_SMS"
    MARKETING_POST = "MARKETING_POST"
    ANALYTICS = "ANALYTICS"


class PreferenceSource(StrEnum):
    EXPLICIT = "EXPLICIT"
    IMPLICIT = "IMPLICIT"


class EventType(StrEnum):
    VIEW = "VIEW"
    SEARCH = "SEARCH"
    ADD_TO_CART = "ADD_TO_CART"
    PURCHASE = "PURCHASE"
    RETURN = "RETURN"
    SAMPLE = "SAMPLE"
    CALL = "CALL"
    SURVEY = "SURVEY"
    RECOMMENDATION_SHOWN = "RECOMMENDATION_SHOWN"
    RECOMMENDATION_CLICKED = "RECOMMENDATION_CLICKED"
    # The customer turned a suggested product down (an agent offered it on the phone).
    RECOMMENDATION_REJECTED = "RECOMMENDATION_REJECTED"
    # An agent offered a next best action and the customer took it or declined it.
    NEXT_BEST_ACTION_ACCEPTED = "NEXT_BEST_ACTION_ACCEPTED"
    NEXT_BEST_ACTION_REJECTED = "NEXT_BEST_ACTION_REJECTED"
    # The customer answered a mailing with its response code (hub/campaigns/).
    CAMPAIGN_RESPONSE = "CAMPAIGN_RESPONSE"


class Channel(StrEnum):
    WEB = "web"
    KIOSK = "kiosk"
    CALLCENTER = "callcenter"
    ADMIN = "admin"
    # A shopper's own short-lived token (never a key): reaches one profile only.
    SELF = "self"


TOUCHPOINT_WORDS = {
    Touchpoint.WEB: "on the web site",
    Touchpoint.KIOSK: "at the kiosk",
    Touchpoint.CALL_CENTER: "on the phone",
    Touchpoint.DIRECT_MARKETING: "by post or email",
    Touchpoint.STORE: "in the store",
}
