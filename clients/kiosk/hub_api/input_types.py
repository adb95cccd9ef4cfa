from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import EventType, IdentifierKind, Touchpoint


class EventInput(BaseModel):
    message_id: str = Field(alias="messageId")
    "The sender's unique id; replays are ignored."
    identifier: "IdentifierInput"
    type_: EventType = Field(alias="type")
    touchpoint: Touchpoint
    occurred_at: str | None = Field(alias="occurredAt", default=None)
    product_sku: str | None = Field(alias="productSku", default=None)
    quantity: int | None = None
    price: float | None = None
    properties: Any | None = None


class IdentifierInput(BaseModel):
    """An identifier as a client knows it; normalised by the hub."""

    kind: IdentifierKind
    value: str


class IdentifyInput(BaseModel):
    identifiers: list["IdentifierInput"]
    traits: Optional["TraitsInput"] = None
    touchpoint: Touchpoint


class ListItemInput(BaseModel):
    sku: str
    quantity: int = 1


class PreferenceInput(BaseModel):
    key: str
    "A facet: category, theme, product, size, occasion…"
    value: str
    like: bool = True
    "false records a dislike."
    remove: bool = False
    "Forget this preference."
    question: str | None = None
    "Survey question id, when this is a survey answer."


class TraitsInput(BaseModel):
    """What the customer told us about themselves; all optional."""

    first_name: str | None = Field(alias="firstName", default=None)
    last_name: str | None = Field(alias="lastName", default=None)
    title: str | None = None
    "Mr, Mrs, Ms, Dr, …"
    postcode: str | None = None
    preferred_store: str | None = Field(alias="preferredStore", default=None)


EventInput.model_rebuild()
IdentifyInput.model_rebuild()
