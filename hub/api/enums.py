"""The domain enumerations, exposed to GraphQL under their contract names."""

from __future__ import annotations

import strawberry

from hub import enums

IdentifierKind = strawberry.enum(enums.IdentifierKind)
Touchpoint = strawberry.enum(enums.Touchpoint)
ConsentPurpose = strawberry.enum(enums.ConsentPurpose)
PreferenceSource = strawberry.enum(enums.PreferenceSource)
EventType = strawberry.enum(enums.EventType)
Channel = strawberry.enum(enums.Channel, name="Channel")
