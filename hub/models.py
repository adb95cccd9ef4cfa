"""Every ORM model, imported in one place for Alembic and `Base.metadata`."""

from hub.audit import AuditEntry
from hub.auth.models import Agent, AgentToken, ApiKey, KeyProfile, SignInTally
from hub.campaigns.models import Campaign, CampaignRecipient
from hub.catalog.models import Category, Product
from hub.db import Base
from hub.events.models import Event, EventMessage
from hub.handoff.models import Handoff
from hub.identity.models import DuplicateCandidate, Identifier, IdentityConflict, Merge
from hub.leases import LeaseRow
from hub.preferences.models import Affinity, ForgottenInterest, Preference
from hub.privacy.models import (
    Consent,
    ConsentChange,
    OutboxMessage,
    SelfServiceCode,
    SelfServiceToken,
)
from hub.profiles.models import Note, Profile
from hub.recs.models import RecModel
from hub.registry.models import GiftRegistry, GiftRegistryItem, GiftRegistryPurchase
from hub.segments.models import ContentItem, Segment
from hub.suppression import Suppression

__all__ = [
    "Affinity",
    "Agent",
    "AgentToken",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignRecipient",
    "Category",
    "Consent",
    "ConsentChange",
    "ContentItem",
    "DuplicateCandidate",
    "Event",
    "EventMessage",
    "ForgottenInterest",
    "GiftRegistry",
    "GiftRegistryItem",
    "GiftRegistryPurchase",
    "Handoff",
    "Identifier",
    "IdentityConflict",
    "KeyProfile",
    "LeaseRow",
    "Merge",
    "Note",
    "OutboxMessage",
    "Preference",
    "Product",
    "Profile",
    "RecModel",
    "Segment",
    "SelfServiceCode",
    "SelfServiceToken",
    "SignInTally",
    "Suppression",
]
