"""What the hub suggests the agent does next on this call; plain data, no Textual, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from .models import JSON


@dataclass(frozen=True)
class NextBestAction:
    """What the agent could do next on this call, with what to say and why."""

    id: str
    kind: str  # OFFER, RECOMMENDATION, CONSENT, SERVICE, DATA_QUALITY
    title: str
    reason: str
    script: str | None = None
    priority: float | None = None
    product_sku: str | None = None
    product_name: str | None = None
    recommendation_id: str | None = None

    @classmethod
    def from_json(cls, data: JSON) -> NextBestAction:
        product = data.get("product") or {}
        return cls(
            id=str(data["id"]),
            kind=str(data.get("kind") or ""),
            title=data.get("title") or "",
            reason=data.get("reason") or "",
            script=data.get("script"),
            priority=data.get("priority"),
            product_sku=product.get("sku"),
            product_name=product.get("name"),
            recommendation_id=data.get("recommendationId"),
        )

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ").lower()
