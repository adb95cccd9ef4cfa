from typing import Optional

from .base_model import BaseModel
from .enums import IdentifierKind


class Contacts(BaseModel):
    profile: Optional["ContactsProfile"]


class ContactsProfile(BaseModel):
    identifiers: list["ContactsProfileIdentifiers"]


class ContactsProfileIdentifiers(BaseModel):
    kind: IdentifierKind
    value: str


Contacts.model_rebuild()
ContactsProfile.model_rebuild()
