"""Every ORM model, imported in one place for Alembic and `Base.metadata`."""

from hub.auth.models import Agent, AgentToken, ApiKey, KeyProfile
from hub.catalog.models import Category, Product
from hub.db import Base
from hub.events.models import Event
from hub.identity.models import Identifier, IdentityConflict, Merge
from hub.preferences.models import Affinity, ForgottenInterest, Preference
from hub.privacy.models import (
    AuditEntry,
    Consent,
    ConsentChange,
    OutboxMessage,
    SelfServiceCode,
    SelfServiceToken,
    Suppression,
)
from hub.profiles.models import Note, Profile
from hub.recs.models import RecModel

__all__ = [
    "Affinity",
    "Agent",
    "AgentToken",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Category",
    "Consent",
    "ConsentChange",
    "Event",
    "ForgottenInterest",
    "Identifier",
    "IdentityConflict",
    "KeyProfile",
    "Merge",
    "Note",
    "OutboxMessage",
    "Preference",
    "Product",
    "Profile",
    "RecModel",
    "SelfServiceCode",
    "SelfServiceToken",
    "Suppression",
]
