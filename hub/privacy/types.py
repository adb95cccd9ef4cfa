"""Privacy's GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.api.enums import ConsentPurpose, Touchpoint


@strawberry.type
class Consent:
    purpose: ConsentPurpose
    granted: bool
    is_default: bool = strawberry.field(description="True when the customer has not answered.")
    updated_at: datetime | None
    expires_at: datetime | None
    touchpoint: Touchpoint | None
