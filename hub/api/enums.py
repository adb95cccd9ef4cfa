"""The domain enumerations, registered with GraphQL under their contract names.

strawberry.enum marks the class itself, so domain code and GraphQL types share one enum.
"""

from __future__ import annotations

import strawberry

from hub.enums import (
    Channel,
    ConsentPurpose,
    EventType,
    IdentifierKind,
    PreferenceSource,
    Touchpoint,
)

for _enum in (Channel, ConsentPurpose, EventType, IdentifierKind, PreferenceSource, Touchpoint):
    strawberry.enum(_enum)

__all__ = [
    "Channel",
    "ConsentPurpose",
    "EventType",
    "IdentifierKind",
    "PreferenceSource",
    "Touchpoint",
]
